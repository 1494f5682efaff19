"""The Schedule page and session pages, as the dashboard's users see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling.models import SupportSession
from scheduling.selectors import UPCOMING_PER_PAGE
from tests.scheduling.conftest import book

pytestmark = pytest.mark.django_db


def form_time(delta: timedelta, zone) -> str:
    return (timezone.now() + delta).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def test_a_peer_schedules_a_confirmed_session(client, peer, participant):
    client.force_login(peer)

    response = client.post(
        reverse("scheduling:session_new"),
        {
            "participant_email": participant.email,
            "starts_at": form_time(timedelta(days=2), peer.tz),
            "duration_minutes": 50,
            "modality": "video",
            "manual_link": "",
            "private_note": "",
        },
    )

    assert response.status_code == 302
    session = SupportSession.objects.get()
    assert session.status == SupportSession.Status.CONFIRMED
    assert (session.peer, session.participant) == (peer, participant)


def test_the_time_is_read_in_the_viewers_time_zone(client, participant):
    from tests.personas import make_peer

    tokyo = make_peer("tokyo@example.org", "Kei Peer", time_zone="Asia/Tokyo")
    client.force_login(tokyo)
    local = (
        (timezone.now() + timedelta(days=3))
        .astimezone(tokyo.tz)
        .replace(hour=9, minute=30, second=0, microsecond=0)
    )

    client.post(
        reverse("scheduling:session_new"),
        {
            "participant_email": participant.email,
            "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 50,
            "modality": "audio",
        },
    )

    stored = SupportSession.objects.get().starts_at
    assert stored == local
    assert stored.astimezone(tokyo.tz).hour == 9


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_at": "2001-01-01T10:00"}, "Choose a start time in the future."),
        ({"manual_link": "http://insecure.example.org"}, "https://"),
        ({"participant_email": "not-an-email"}, "Enter a valid email address."),
        ({"starts_at": "tomorrow-ish"}, "Enter a valid date/time."),
    ],
)
def test_a_bad_schedule_form_says_what_is_wrong_and_creates_nothing(
    client, peer, participant, change, message
):
    client.force_login(peer)
    data = {
        "participant_email": participant.email,
        "starts_at": form_time(timedelta(days=2), peer.tz),
        "duration_minutes": 50,
        "modality": "video",
        **change,
    }

    response = client.post(reverse("scheduling:session_new"), data)

    assert response.status_code == 400
    assert message in response.text
    assert not SupportSession.objects.exists()


def test_a_participant_requests_a_session_from_a_peer(client, peer, participant):
    client.force_login(participant)

    response = client.post(
        reverse("scheduling:session_request"),
        {
            "peer": peer.pk,
            "starts_at": form_time(timedelta(days=2), participant.tz),
            "duration_minutes": 50,
            "modality": "video",
        },
    )

    assert response.status_code == 302
    assert SupportSession.objects.get().status == SupportSession.Status.REQUESTED


def test_a_participant_cannot_use_the_peer_form(client, participant, stranger):
    client.force_login(participant)

    response = client.post(
        reverse("scheduling:session_new"),
        {
            "participant_email": stranger.email,
            "starts_at": form_time(timedelta(days=2), participant.tz),
            "duration_minutes": 50,
            "modality": "video",
        },
    )

    assert response.status_code == 403
    assert "Only certified peers" in response.text
    assert not SupportSession.objects.exists()


def test_the_peer_accepts_and_the_participant_sees_it_confirmed(client, peer, participant):
    from scheduling.services import session_request

    request = session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=50,
        modality="video",
    )
    client.force_login(peer)

    client.post(reverse("scheduling:session_action", args=[request.pk, "accept"]))

    client.force_login(participant)
    page = client.get(reverse("scheduling:schedule")).text
    assert "Confirmed" in page
    assert "Pat Peer" in page


def test_an_illegal_action_is_refused_with_a_clear_message(client, peer, participant):
    session = book(peer, participant)
    client.force_login(peer)

    response = client.post(reverse("scheduling:session_action", args=[session.pk, "accept"]))

    assert response.status_code == 409
    assert "You cannot accept a session that is confirmed." in response.text


@pytest.mark.parametrize("who", ["stranger", "other_peer"])
@pytest.mark.parametrize("action", ["cancel", "accept", "decline", "complete"])
def test_no_one_else_can_act_on_a_session(client, request, peer, participant, who, action):
    session = book(peer, participant)
    client.force_login(request.getfixturevalue(who))

    response = client.post(reverse("scheduling:session_action", args=[session.pk, action]))

    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == SupportSession.Status.CONFIRMED


@pytest.mark.parametrize("who", ["stranger", "other_peer"])
def test_no_one_else_sees_a_session(client, request, peer, participant, who):
    session = book(peer, participant, manual_link="https://whereby.com/secret-room")
    client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("scheduling:session", args=[session.pk]))

    assert response.status_code == 404
    assert "secret-room" not in response.text


def test_the_private_note_is_shown_to_the_peer_only(client, peer, participant):
    session = book(peer, participant, private_note="Prefers evenings")

    client.force_login(participant)
    assert (
        "Prefers evenings" not in client.get(reverse("scheduling:session", args=[session.pk])).text
    )
    client.force_login(peer)
    assert "Prefers evenings" in client.get(reverse("scheduling:session", args=[session.pk])).text


def test_only_the_peer_can_set_a_manual_link(client, peer, participant):
    session = book(peer, participant)
    client.force_login(participant)

    response = client.post(
        reverse("scheduling:session_link", args=[session.pk]),
        {"manual_link": "https://whereby.com/evil"},
    )

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.manual_link == ""


def test_a_bad_manual_link_is_refused(client, peer, participant):
    session = book(peer, participant)
    client.force_login(peer)

    response = client.post(
        reverse("scheduling:session_link", args=[session.pk]),
        {"manual_link": "ftp://files.example.org"},
    )

    assert response.status_code == 400
    assert "https://" in response.text
    session.refresh_from_db()
    assert session.manual_link == ""


def test_actions_need_a_csrf_token(peer, participant):
    session = book(peer, participant)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(participant)

    response = strict.post(reverse("scheduling:session_action", args=[session.pk, "cancel"]))

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.status == SupportSession.Status.CONFIRMED


def test_the_page_query_count_does_not_grow_with_sessions(client, peer, participant):
    client.force_login(peer)
    book(peer, participant, starts_in=timedelta(days=1))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("scheduling:schedule"))
    for day in range(2, 30):
        book(peer, participant, starts_in=timedelta(days=day))

    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("scheduling:schedule"))

    assert response.status_code == 200
    assert response.text.count('class="session"') == UPCOMING_PER_PAGE  # one page of 29
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_polls_only_while_a_meeting_is_being_prepared(client, peer, participant):
    session = book(peer, participant)
    client.force_login(peer)
    assert 'hx-trigger="every 1s,' not in client.get(reverse("scheduling:schedule")).text

    SupportSession.objects.filter(pk=session.pk).update(
        provisioning=SupportSession.Provisioning.PENDING
    )

    page = client.get(reverse("scheduling:schedule")).text
    assert 'hx-trigger="every 1s,' in page
    assert "Preparing Zoom meeting…" in page
    partial = client.get(reverse("scheduling:session_list"))
    assert partial.status_code == 200
    assert "<html" not in partial.text


def test_times_are_shown_in_the_viewers_time_zone(client, peer, participant):
    nine_utc = (timezone.now() + timedelta(days=2)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    book(peer, participant, starts_at=nine_utc)
    participant.time_zone = "America/Chicago"
    participant.save()
    client.force_login(participant)

    page = client.get(reverse("scheduling:schedule")).text

    local = nine_utc.astimezone(participant.tz)
    assert local.strftime("%-I:%M") in page
    assert "Central Time (Chicago)" in page


def test_the_request_form_offers_only_certified_peers(client, peer, participant, stranger, staff):
    client.force_login(participant)

    form = client.get(reverse("scheduling:schedule")).context["request_form"]

    assert list(form.fields["peer"].queryset) == [peer]


def test_the_request_form_shows_peers_names_but_not_their_emails(client, peer, participant):
    client.force_login(participant)

    page = client.get(reverse("scheduling:schedule")).text

    assert peer.display_name in page
    assert peer.email not in page


def test_a_card_that_does_not_say_preparing_does_not_keep_the_page_polling(
    client, peer, participant
):
    """Only what the page shows as "Preparing" keeps it polling: a session completed while its
    provisioning was still marked pending shows "No meeting link", and the page stays still."""
    session = book(peer, participant)
    SupportSession.objects.filter(pk=session.pk).update(
        status=SupportSession.Status.COMPLETED, provisioning=SupportSession.Provisioning.PENDING
    )
    client.force_login(peer)

    page = client.get(reverse("scheduling:schedule")).text

    assert "Preparing Zoom meeting…" not in page
    assert 'hx-trigger="every 1s,' not in page


def test_a_card_drawn_as_preparing_keeps_the_page_polling_if_the_meeting_lands_mid_render(
    client, connected_peer, participant, emulator
):
    """The worker does not wait for the page: here it stores the meeting just after the page has
    read the cards (still "Preparing") and before anything else. A page that then stopped polling
    would say "Preparing Zoom meeting…" until the peer reloaded it."""
    from scheduling import meetings

    session = book(connected_peer, participant)
    client.force_login(connected_peer)
    stored: list[object] = []
    landing: list[bool] = []

    def worker_lands_after_the_cards(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not landing and 'FROM "scheduling_zoommeeting"' in sql:  # the cards' meetings
            landing.append(True)
            stored.append(meetings.provision(session.pk))
        return result

    with connection.execute_wrapper(worker_lands_after_the_cards):
        page = client.get(reverse("scheduling:schedule")).text

    assert stored == ["created"]
    assert "Preparing Zoom meeting…" in page  # what the cards were read as
    assert 'hx-trigger="every 1s,' in page
    assert "Zoom meeting ready" in client.get(reverse("scheduling:session_list")).text
