"""Issue #17: a participant asks to move a confirmed session; the peer accepts (the same Zoom
meeting moves in place) or declines. The rules live in scheduling.moves; the web and API doors
are refused the same way (test_move_ask_pages.py, tests/api/test_move_asks.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import certification_revoke
from push.models import PushMessage
from scheduling import moves, services
from scheduling.models import MoveAsk, Notification, SupportSession, ZoomMeeting
from tests.booking.conftest import at, open_hours
from tests.push.conftest import subscribe
from tests.scheduling.conftest import book
from tests.scheduling.mail import calendar_of, emails_to
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)
State = MoveAsk.State
Status = SupportSession.Status
Kind = Notification.Kind


def later(days: float = 3) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)


def ask(session, by, starts_at=None, **kwargs) -> MoveAsk:
    return moves.move_ask_create(session=session, by=by, starts_at=starts_at or later(), **kwargs)


def refused(action) -> str:
    with pytest.raises(services.SessionError) as error:
        action()
    return str(error.value.code)


def fresh(session: SupportSession) -> SupportSession:
    return SupportSession.objects.get(pk=session.pk)


# --- Asking --------------------------------------------------------------------------------


def test_the_participant_asks_and_the_session_keeps_its_time(peer, participant):
    session = book(peer, participant)

    move = ask(session, participant, note="  Work ran late, sorry.  ")

    assert move.state == State.PENDING
    assert move.note == "Work ran late, sorry."
    assert move.duration_minutes == session.duration_minutes
    assert fresh(session).starts_at == session.starts_at
    assert fresh(session).calendar_sequence == session.calendar_sequence


def test_the_peer_is_told_by_email_and_push_without_the_note(
    mailoutbox, receiver, peer, participant
):
    session = book(peer, participant)
    subscribe(receiver, peer)
    run_until_quiet()
    mailoutbox.clear()

    move = ask(session, participant, note="My therapist moved our appointment.")
    run_until_quiet()

    [email] = emails_to(mailoutbox, peer, "asked to move")
    assert f'{participant.display_name} wrote: "My therapist moved our appointment."' in email.body
    assert "Proposed new time:" in email.body
    assert not email.attachments  # nothing changes in anyone's calendar yet
    assert emails_to(mailoutbox, participant) == []
    [push] = PushMessage.objects.filter(dedupe_key__contains=f":{Kind.MOVE_ASKED}:{move.pk}")
    for words in (push.title, push.body):
        assert "therapist" not in words
        assert participant.display_name not in words
        assert "http" not in words
    assert push.url.endswith(f"/sessions/{session.pk}/")


@pytest.mark.parametrize("who", ["peer", "stranger"])
def test_only_the_participant_asks(peer, participant, stranger, who):
    session = book(peer, participant)

    assert refused(lambda: ask(session, {"peer": peer, "stranger": stranger}[who])) == "forbidden"
    assert not MoveAsk.objects.exists()


def test_only_a_confirmed_session_can_be_asked_to_move(peer, participant):
    request = services.session_request(
        participant=participant, peer=peer, starts_at=later(1), duration_minutes=50,
        modality="video",
    )  # fmt: skip
    cancelled = services.session_cancel(session=book(peer, participant), by=peer)

    assert refused(lambda: ask(request, participant)) == "illegal_transition"
    assert refused(lambda: ask(cancelled, participant)) == "illegal_transition"
    assert not MoveAsk.objects.exists()


def test_a_session_that_has_started_cannot_be_asked_to_move(peer, participant):
    session = book(peer, participant, starts_in=timedelta(minutes=5))
    SupportSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(hours=1)
    )

    assert refused(lambda: ask(session, participant)) == "in_the_past"


def test_a_time_in_the_past_is_refused(peer, participant):
    session = book(peer, participant)

    code = refused(lambda: ask(session, participant, timezone.now() - timedelta(hours=1)))

    assert code == "in_the_past"
    assert not MoveAsk.objects.exists()


def test_a_time_overlapping_another_session_is_refused(peer, participant, stranger):
    session = book(peer, participant)
    other = book(peer, stranger, starts_in=timedelta(days=3))

    code = refused(lambda: ask(session, participant, other.starts_at + timedelta(minutes=20)))

    assert code == "overlap"
    assert not MoveAsk.objects.exists()


def test_a_time_outside_the_peers_open_hours_is_refused(peer, participant):
    open_hours(peer)  # 9:00 to 17:00 in the peer's zone
    session = book(peer, participant, starts_at=at(2, time(10), peer.time_zone))

    code = refused(lambda: ask(session, participant, at(3, time(3), peer.time_zone)))

    assert code == "outside_availability"
    assert ask(session, participant, at(3, time(11), peer.time_zone)).state == State.PENDING


def test_a_second_ask_is_refused_while_one_waits(peer, participant):
    session = book(peer, participant)
    first = ask(session, participant, later(3))

    assert refused(lambda: ask(session, participant, later(4))) == "ask_pending"
    assert list(MoveAsk.objects.values_list("pk", "state")) == [(first.pk, State.PENDING)]


def test_the_database_holds_one_pending_ask_per_session(peer, participant):
    session = book(peer, participant)
    ask(session, participant)

    with pytest.raises(IntegrityError), transaction.atomic():
        MoveAsk.objects.create(
            session=session, asked_by=participant, starts_at=later(5), duration_minutes=50
        )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"note": "x" * 501}, "bad_reason"),
        ({"note": "nul\x00"}, "bad_reason"),
        ({"duration_minutes": 5}, "bad_duration"),
        ({"starts_at": timezone.now().replace(tzinfo=None) + timedelta(days=3)}, "bad_time"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(peer, participant, fields, code):
    session = book(peer, participant)

    assert refused(lambda: ask(session, participant, **fields)) == code
    assert not MoveAsk.objects.exists()
    assert not Notification.objects.filter(kind=Kind.MOVE_ASKED).exists()


# --- Accepting -----------------------------------------------------------------------------


def test_accepting_moves_the_same_zoom_meeting_and_tells_both(
    mailoutbox, connected_peer, participant, emulator
):
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    meeting = ZoomMeeting.objects.get(session=session)
    move = ask(session, participant, later(4))
    run_until_quiet()
    mailoutbox.clear()
    emulator.clear_calls()

    moves.move_ask_accept(ask=move, by=connected_peer)
    run_until_quiet()

    assert [c["endpoint"] for c in emulator.calls()] == ["patch_meeting"]
    [zoom] = emulator.meetings()
    assert zoom["id"] == meeting.zoom_meeting_id
    assert zoom["start_time"] == move.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    moved = fresh(session)
    assert (moved.starts_at, moved.calendar_sequence) == (move.starts_at, 1)
    for person in (participant, connected_peer):
        [email] = emails_to(mailoutbox, person, "moved")
        assert calendar_of(email)[1].decoded("dtstart") == move.starts_at
    accepted = MoveAsk.objects.get(pk=move.pk)
    assert (accepted.state, accepted.decided_by) == (State.ACCEPTED, connected_peer)


def test_accepting_moves_the_end_with_the_start(peer, participant):
    session = book(peer, participant)
    move = ask(session, participant, later(5), duration_minutes=30)

    moves.move_ask_accept(ask=move, by=peer)

    assert (fresh(session).duration_minutes, fresh(session).ends_at) == (30, move.ends_at)


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_only_the_peer_accepts(peer, participant, stranger, who):
    session = book(peer, participant)
    move = ask(session, participant)

    by = {"participant": participant, "stranger": stranger}[who]
    assert refused(lambda: moves.move_ask_accept(ask=move, by=by)) == "forbidden"
    assert MoveAsk.objects.get(pk=move.pk).state == State.PENDING


def test_a_revoked_peer_cannot_accept(peer, participant, staff):
    session = book(peer, participant)
    move = ask(session, participant)
    certification_revoke(user=peer, by=staff)
    peer.refresh_from_db()

    assert refused(lambda: moves.move_ask_accept(ask=move, by=peer)) == "not_a_peer"
    assert fresh(session).starts_at == session.starts_at


def test_a_time_taken_meanwhile_is_refused_and_the_ask_waits(peer, participant, stranger):
    session = book(peer, participant)
    move = ask(session, participant, later(3))
    book(peer, stranger, starts_at=move.starts_at)  # the peer booked that time meanwhile

    assert refused(lambda: moves.move_ask_accept(ask=move, by=peer)) == "overlap"
    assert MoveAsk.objects.get(pk=move.pk).state == State.PENDING
    assert fresh(session).starts_at == session.starts_at


def test_a_proposed_time_that_has_passed_cannot_be_accepted(peer, participant):
    session = book(peer, participant, starts_in=timedelta(days=2))
    move = ask(session, participant, later(1))
    MoveAsk.objects.filter(pk=move.pk).update(starts_at=timezone.now() - timedelta(minutes=1))

    assert refused(lambda: moves.move_ask_accept(ask=move, by=peer)) == "in_the_past"
    assert fresh(session).starts_at == session.starts_at


def test_an_answered_ask_cannot_be_answered_again(peer, participant):
    move = ask(book(peer, participant), participant)
    moves.move_ask_decline(ask=move, by=peer)

    assert refused(lambda: moves.move_ask_accept(ask=move, by=peer)) == "illegal_transition"
    assert refused(lambda: moves.move_ask_withdraw(ask=move, by=participant)) == (
        "illegal_transition"
    )


# --- Declining, withdrawing, superseding ---------------------------------------------------


def test_declining_keeps_the_time_and_sends_the_reason_to_the_participant(
    mailoutbox, peer, participant
):
    session = book(peer, participant)
    move = ask(session, participant)
    run_until_quiet()
    mailoutbox.clear()

    moves.move_ask_decline(ask=move, by=peer, reason=" I am away that week. ")
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "keeps its time")
    assert f'{peer.display_name} wrote: "I am away that week."' in email.body
    assert emails_to(mailoutbox, peer) == []
    assert fresh(session).starts_at == session.starts_at
    assert MoveAsk.objects.get(pk=move.pk).state == State.DECLINED


def test_only_the_peer_declines_and_a_bad_reason_changes_nothing(peer, participant):
    move = ask(book(peer, participant), participant)

    assert refused(lambda: moves.move_ask_decline(ask=move, by=participant)) == "forbidden"
    assert refused(lambda: moves.move_ask_decline(ask=move, by=peer, reason="x" * 501)) == (
        "bad_reason"
    )
    assert MoveAsk.objects.get(pk=move.pk).state == State.PENDING


def test_the_participant_withdraws_and_may_ask_again(peer, participant):
    session = book(peer, participant)
    first = ask(session, participant, later(3))

    assert refused(lambda: moves.move_ask_withdraw(ask=first, by=peer)) == "forbidden"
    moves.move_ask_withdraw(ask=first, by=participant)

    assert MoveAsk.objects.get(pk=first.pk).state == State.WITHDRAWN
    assert ask(session, participant, later(4)).state == State.PENDING


def test_withdrawing_tells_the_peer_by_email_and_push_without_the_note(
    mailoutbox, receiver, peer, participant
):
    peer.time_zone = "America/Chicago"
    peer.save(update_fields=["time_zone"])
    session = book(peer, participant)
    subscribe(receiver, peer)
    move = ask(session, participant, later(3), note="My therapist moved our appointment.")
    run_until_quiet()
    mailoutbox.clear()

    moves.move_ask_withdraw(ask=move, by=participant)
    run_until_quiet()

    [email] = emails_to(mailoutbox, peer, "withdrawn")
    proposed = timezone.localtime(move.starts_at, peer.tz)
    assert f"{participant.display_name} withdrew their ask to move your session" in email.body
    assert f"{proposed:%A} {proposed.day} {proposed:%B %Y}, {proposed:%-I:%M %p}" in email.body
    assert "the session keeps its time" in email.body
    assert "therapist" not in email.body
    assert not email.attachments  # nothing changes in anyone's calendar
    assert emails_to(mailoutbox, participant) == []
    [push] = PushMessage.objects.filter(dedupe_key__contains=f":{Kind.MOVE_WITHDRAWN}:{move.pk}")
    for words in (push.title, push.body):
        assert "therapist" not in words
        assert participant.display_name not in words
        assert "http" not in words
    assert push.url.endswith(f"/sessions/{session.pk}/")


def test_a_peer_who_turned_session_emails_off_is_not_emailed_of_a_withdrawal(
    mailoutbox, peer, participant
):
    peer.email_session_changes = False
    peer.save(update_fields=["email_session_changes"])
    move = ask(book(peer, participant), participant)

    moves.move_ask_withdraw(ask=move, by=participant)
    run_until_quiet()

    assert emails_to(mailoutbox, peer, "withdrawn") == []


def test_a_refused_withdrawal_tells_nobody(mailoutbox, peer, participant):
    move = ask(book(peer, participant), participant)
    run_until_quiet()
    mailoutbox.clear()

    assert refused(lambda: moves.move_ask_withdraw(ask=move, by=peer)) == "forbidden"
    run_until_quiet()

    assert mailoutbox == []
    assert not Notification.objects.filter(kind=Kind.MOVE_WITHDRAWN).exists()


@pytest.mark.parametrize("change", ["cancel", "complete", "peer_moves"])
def test_a_change_to_the_session_closes_its_pending_ask(peer, participant, change):
    session = book(peer, participant, starts_in=timedelta(hours=2))
    move = ask(session, participant, later(3))

    if change == "cancel":
        services.session_cancel(session=session, by=participant)
    elif change == "complete":
        SupportSession.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - timedelta(minutes=10),
            ends_at=timezone.now() + timedelta(minutes=40),
        )
        services.session_complete(session=session, by=peer)
    else:
        services.session_reschedule(session=session, by=peer, starts_at=later(6))

    assert MoveAsk.objects.get(pk=move.pk).state == State.SUPERSEDED
    assert refused(lambda: moves.move_ask_accept(ask=move, by=peer)) == "illegal_transition"
