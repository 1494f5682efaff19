"""Join Session: the window, who may join, and where each person is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.scheduling.conftest import book
from tests.worker import run_until_quiet

MANUAL = "https://whereby.com/room-12"


@pytest.fixture
def manual_session(peer, participant):
    return book(peer, participant, starts_in=timedelta(days=1), manual_link=MANUAL)


def join(client, user, session):
    client.force_login(user)
    return client.get(reverse("scheduling:join", args=[session.pk]))


@pytest.mark.django_db
def test_just_before_the_window_it_says_when_it_opens(client, participant, manual_session):
    opens = manual_session.starts_at - timedelta(minutes=15)
    with time_machine.travel(opens - timedelta(seconds=1), tick=False):
        response = join(client, participant, manual_session)

    assert response.status_code == 409
    assert "Join opens today at" in response.text


@pytest.mark.django_db
def test_the_window_opens_fifteen_minutes_before_the_start(client, participant, manual_session):
    with time_machine.travel(manual_session.starts_at - timedelta(minutes=15), tick=False):
        response = join(client, participant, manual_session)

    # A manual link: the participant is first shown where it leads (issue 16), then continues.
    assert response.status_code == 200
    assert f'href="{MANUAL}"' in response.text
    assert "whereby.com" in response.text
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_the_window_stays_open_until_the_end(client, peer, manual_session):
    with time_machine.travel(manual_session.ends_at - timedelta(seconds=1), tick=False):
        response = join(client, peer, manual_session)

    assert response.status_code == 302


@pytest.mark.django_db
def test_after_the_end_the_session_cannot_be_joined(client, participant, manual_session):
    with time_machine.travel(manual_session.ends_at, tick=False):
        response = join(client, participant, manual_session)

    assert response.status_code == 409
    assert "This session has ended." in response.text


@pytest.mark.django_db
def test_the_window_is_configurable(client, participant, manual_session, settings):
    settings.JOIN_WINDOW_MINUTES_BEFORE = 30
    with time_machine.travel(manual_session.starts_at - timedelta(minutes=29), tick=False):
        response = join(client, participant, manual_session)

    assert response.status_code == 200
    assert f'href="{MANUAL}"' in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["stranger", "other_peer", "staff"])
def test_anyone_else_gets_a_404(client, request, who, manual_session):
    with time_machine.travel(manual_session.starts_at, tick=False):
        response = join(client, request.getfixturevalue(who), manual_session)

    assert response.status_code == 404
    assert MANUAL not in response.text


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, manual_session):
    response = client.get(reverse("scheduling:join", args=[manual_session.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_a_cancelled_session_cannot_be_joined(client, participant, manual_session):
    from scheduling.services import session_cancel

    session_cancel(session=manual_session, by=participant)
    with time_machine.travel(manual_session.starts_at, tick=False):
        response = join(client, participant, manual_session)

    assert response.status_code == 409
    assert "cancelled" in response.text


@pytest.mark.django_db(transaction=True)
def test_the_participant_gets_the_zoom_join_url(client, connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()

    response = join(client, participant, session)

    [meeting] = emulator.meetings()
    assert response.status_code == 302
    assert f"/j/{meeting['id']}" in response.url
    assert "pwd=" in response.url


@pytest.mark.django_db(transaction=True)
def test_the_peer_gets_a_fresh_start_url(client, connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()
    emulator.clear_calls()

    response = join(client, connected_peer, session)

    assert response.status_code == 302
    assert "/s/" in response.url
    assert "zak=" in response.url
    assert [c["endpoint"] for c in emulator.calls()] == ["get_meeting"]


@pytest.mark.django_db(transaction=True)
def test_the_peer_falls_back_to_the_join_url_when_zoom_is_down(
    client, connected_peer, participant, emulator
):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()
    emulator.inject_fault("get_meeting", "503", next=5)

    response = join(client, connected_peer, session)

    assert response.status_code == 302
    assert "/j/" in response.url


@pytest.mark.django_db(transaction=True)
def test_before_the_meeting_exists_it_says_so(client, peer, participant, emulator):
    session = book(peer, participant, starts_in=timedelta(minutes=5))

    response = join(client, participant, session)

    assert response.status_code == 409
    assert "no meeting link yet" in response.text
