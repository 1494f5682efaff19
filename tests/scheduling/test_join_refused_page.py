"""Issue #17: the join-refused page says once, plainly, why and when, for every refusal.

A refusal that can pass (not accepted yet, too early, no link yet) is shown against the guide's
own advice, "Make sure the session is confirmed and the join window has opened", each check said
once. A refusal that cannot pass stands alone: that advice would not help there."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.services import certification_revoke
from scheduling import services
from scheduling.models import SupportSession
from tests.scheduling.conftest import book

pytestmark = pytest.mark.django_db
GUIDE = "Make sure the session is confirmed and the join window has opened."
# A Monday, 14:00 UTC: 9:00 AM in New York.
NOW = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def refused_page(user, session: SupportSession) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("scheduling:join", args=[session.pk]))
    assert response.status_code == 409
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S)
    assert main
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0)))


def in_new_york(user):
    user.time_zone = "America/New_York"
    user.save()
    return user


def test_too_early_it_says_when_join_opens_once_in_the_viewers_zone(peer, participant):
    session = book(peer, in_new_york(participant), starts_at=NOW + timedelta(hours=6))

    text = refused_page(participant, session)

    assert "Join opens today at 2:45 PM Eastern Time (New York) , 15 minutes before" in text
    assert text.count(GUIDE) == 1
    assert "The session is confirmed." in text
    assert "has not opened yet" not in text  # the moment is said once, not a vague "not yet"
    assert text.count("2:45 PM") == 1


def test_on_another_day_it_names_the_day(peer, participant):
    session = book(peer, in_new_york(participant), starts_at=NOW + timedelta(days=1))

    text = refused_page(participant, session)

    assert "Join opens on Tuesday 8 December at 8:45 AM" in text


def test_the_window_follows_its_setting(peer, participant, settings):
    settings.JOIN_WINDOW_MINUTES_BEFORE = 10
    session = book(peer, participant, starts_at=NOW + timedelta(hours=1))

    assert "at 2:50 PM UTC , 10 minutes before the start" in refused_page(participant, session)


def test_a_request_not_accepted_yet_says_so_to_each_side(peer, participant):
    session = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=NOW + timedelta(minutes=5),
        duration_minutes=50,
        modality="video",
    )

    as_participant = refused_page(participant, session)
    as_peer = refused_page(peer, session)

    assert f"Not confirmed yet: {peer.display_name} has not accepted your request yet." in (
        as_participant
    )
    assert f"Not confirmed yet: accept {participant.display_name}'s request first." in as_peer
    for text in (as_participant, as_peer):
        assert text.count(GUIDE) == 1
        assert "The join window is open until 2:55 PM." in text


def test_no_link_yet_says_so_once_with_the_checks_met(peer, participant):
    session = book(peer, participant, starts_at=NOW + timedelta(minutes=5))  # no Zoom connected

    text = refused_page(participant, session)

    assert text.count(GUIDE) == 1
    assert "The session is confirmed." in text
    assert "The join window is open until 2:55 PM." in text
    assert text.count("This session has no meeting link yet.") == 1
    assert text.count("reload") == 1


def test_no_link_yet_tells_the_peer_what_to_do_in_their_words(peer, participant):
    session = book(peer, participant, starts_at=NOW + timedelta(minutes=5))

    text = refused_page(peer, session)

    assert "No meeting link yet: reconnect Zoom on the Schedule page, or add a link" in text
    assert "The peer can" not in text


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("cancelled", "This session is cancelled, so it cannot be joined."),
        ("declined", "This session is declined, so it cannot be joined."),
        ("completed", "This session is completed, so it cannot be joined."),
    ],
)
def test_a_session_called_off_or_done_gives_its_reason_alone(peer, participant, status, reason):
    session = book(peer, participant, starts_at=NOW + timedelta(minutes=5))
    SupportSession.objects.filter(pk=session.pk).update(status=status)

    text = refused_page(participant, session)

    assert text.count(reason) == 1
    assert GUIDE not in text


def test_an_ended_session_gives_its_reason_alone(peer, participant, clock):
    session = book(peer, participant, starts_at=NOW + timedelta(minutes=5))
    clock.move_to(session.ends_at)

    text = refused_page(participant, session)

    assert text.count("This session has ended.") == 1
    assert GUIDE not in text


def test_a_peer_no_longer_hosting_gives_its_reason_alone(peer, participant):
    session = book(peer, participant, starts_at=NOW + timedelta(minutes=5))
    certification_revoke(user=peer, by=None)

    text = refused_page(participant, session)

    assert text.count("no longer hosting on Peerakeet") == 1
    assert GUIDE not in text
