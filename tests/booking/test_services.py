"""Booking an open slot: the same request service, its calendar lock, and the peer's hours."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from booking.services import SlotTaken, profile_save, slot_book
from scheduling import services as scheduling
from scheduling.models import SupportSession
from tests.booking.conftest import at, open_hours

pytestmark = pytest.mark.django_db
Status = SupportSession.Status


def book(participant, peer, starts_at, minutes=50, modality="video"):
    return slot_book(
        participant=participant,
        peer=peer,
        starts_at=starts_at,
        duration_minutes=minutes,
        modality=modality,
    )


def test_it_books_an_open_slot_as_a_request(bookable_peer, participant):
    session = book(participant, bookable_peer, at(2, time(10)))

    assert session.status == Status.REQUESTED
    assert session.peer == bookable_peer
    assert session.participant == participant


def test_a_peer_who_confirms_automatically_gets_a_confirmed_session_and_its_meeting(
    connected_peer, participant
):
    open_hours(connected_peer, auto_confirm=True)

    session = book(participant, connected_peer, at(2, time(10)))

    session.refresh_from_db()
    assert session.status == Status.CONFIRMED
    # The confirmation queued the Zoom meeting, as a peer's own Accept does.
    assert session.provisioning == SupportSession.Provisioning.PENDING


def test_a_second_booking_of_one_slot_is_told_the_nearest_other_times(
    bookable_peer, participant, stranger
):
    wanted = at(2, time(10))
    book(participant, bookable_peer, wanted)

    with pytest.raises(SlotTaken) as taken:
        book(stranger, bookable_peer, wanted)

    assert "just taken" in taken.value.messages[0]
    assert len(taken.value.nearest) == 3
    assert wanted not in taken.value.nearest
    assert all(abs(slot - wanted) <= timedelta(hours=3) for slot in taken.value.nearest)
    assert SupportSession.objects.filter(starts_at=wanted).count() == 1


def test_a_requested_session_blocks_its_slot_but_a_declined_one_frees_it(
    bookable_peer, participant, stranger
):
    wanted = at(2, time(10))
    first = book(participant, bookable_peer, wanted)
    scheduling.session_decline(session=first, by=bookable_peer)

    assert book(stranger, bookable_peer, wanted).status == Status.REQUESTED


@pytest.mark.parametrize(
    ("when", "kwargs", "code"),
    [
        (lambda: at(2, time(3)), {}, "outside_availability"),
        (lambda: at(2, time(10, 10)), {}, "outside_availability"),  # off the half-hour grid
        (lambda: at(2, time(16, 30)), {}, "outside_availability"),  # would end after 17:00
        (lambda: timezone.now() + timedelta(hours=1), {"notice_minutes": 720}, "too_soon"),
        (lambda: at(40, time(10)), {}, "too_far"),
        (lambda: at(2, time(10)), {"dates_off": []}, None),
    ],
)
def test_it_refuses_a_time_outside_the_peers_availability(peer, participant, when, kwargs, code):
    open_hours(peer, **kwargs)
    if code is None:
        assert book(participant, peer, when()).pk
        return
    with pytest.raises(scheduling.SessionError) as refused:
        book(participant, peer, when())
    assert refused.value.code == code
    assert not SupportSession.objects.exists()


def test_it_refuses_a_date_off(peer, participant):
    wanted = at(3, time(10))
    open_hours(peer, dates_off=[wanted.date()])

    with pytest.raises(scheduling.SessionError) as refused:
        book(participant, peer, wanted)

    assert refused.value.code == "outside_availability"


def test_it_refuses_a_length_or_modality_the_peer_does_not_offer(peer, participant):
    open_hours(peer, modalities=["audio"], session_lengths=[30])

    with pytest.raises(scheduling.SessionError) as refused:
        book(participant, peer, at(2, time(10)), minutes=30, modality="video")
    assert refused.value.code == "bad_modality"
    with pytest.raises(scheduling.SessionError) as refused:
        book(participant, peer, at(2, time(10)), minutes=50, modality="audio")
    assert refused.value.code == "bad_duration"


def test_the_daily_cap_refuses_one_more_session_that_day(peer, participant, stranger):
    open_hours(peer, daily_max=1)
    book(participant, peer, at(2, time(10)))

    with pytest.raises(scheduling.SessionError) as refused:
        book(stranger, peer, at(2, time(14)))

    assert refused.value.code == "slot_taken"


def test_the_buffer_keeps_the_next_session_apart(peer, participant, stranger):
    open_hours(peer, buffer_minutes=15)
    book(participant, peer, at(2, time(10)))  # 10:00-10:50, buffer to 11:05

    with pytest.raises(SlotTaken):
        book(stranger, peer, at(2, time(11)))
    assert book(stranger, peer, at(2, time(11, 30))).pk


def test_the_schedule_pages_request_form_keeps_to_the_hours_too(bookable_peer, participant):
    """The rule lives in the request service: every door that requests meets it."""
    with pytest.raises(scheduling.SessionError) as refused:
        scheduling.session_request(
            participant=participant,
            peer=bookable_peer,
            starts_at=at(2, time(3)),
            duration_minutes=50,
            modality="video",
        )
    assert refused.value.code == "outside_availability"


def test_a_peer_who_never_set_hours_takes_requests_at_any_time_as_before(peer, participant):
    session = scheduling.session_request(
        participant=participant,
        peer=peer,
        starts_at=at(2, time(3, 17)),
        duration_minutes=45,
        modality="video",
    )
    assert session.status == Status.REQUESTED


def test_hours_follow_the_peers_time_zone(participant):
    from tests.personas import make_peer

    peer = make_peer("ny@example.org", "Nia York", time_zone="America/New_York")
    open_hours(peer, slug="nia", hours=(time(9), time(12)))

    assert book(participant, peer, at(2, time(9), "America/New_York")).pk
    with pytest.raises(scheduling.SessionError):
        book(participant, peer, at(3, time(9), "UTC"))  # 04:00 or 05:00 in New York


def test_only_a_certified_peer_has_a_booking_page(participant):
    with pytest.raises(scheduling.SessionError) as refused:
        profile_save(
            peer=participant,
            slug="alex",
            introduction="",
            languages=[],
            focus_areas=[],
            modalities=["video"],
            session_lengths=[50],
        )
    assert refused.value.code == "not_a_peer"


def test_a_profile_keeps_to_the_configured_focus_areas(peer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        profile_save(
            peer=peer,
            slug="pat",
            introduction="",
            languages=["English"],
            focus_areas=["Astrology"],
            modalities=["video"],
            session_lengths=[50],
        )


def test_a_participant_cannot_move_their_request_outside_the_peers_hours(
    bookable_peer, participant
):
    session = book(participant, bookable_peer, at(2, time(10)))

    with pytest.raises(scheduling.SessionError) as refused:
        scheduling.session_reschedule(session=session, by=participant, starts_at=at(2, time(3)))

    assert refused.value.code == "outside_availability"
    session.refresh_from_db()
    assert session.starts_at == at(2, time(10))  # unchanged
    moved = scheduling.session_reschedule(
        session=session, by=participant, starts_at=at(2, time(14))
    )
    assert moved.starts_at == at(2, time(14))


def test_the_peer_may_still_move_a_session_outside_their_own_hours(bookable_peer, participant):
    session = book(participant, bookable_peer, at(2, time(10)))

    moved = scheduling.session_reschedule(
        session=session, by=bookable_peer, starts_at=at(2, time(20))
    )

    assert moved.starts_at == at(2, time(20))
