"""Scheduling rules: bad input gets a clear error and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.services import certification_revoke
from scheduling import services
from scheduling.models import SupportSession
from tests.scheduling.conftest import book

pytestmark = pytest.mark.django_db


def nothing_changed(before: int) -> bool:
    return SupportSession.objects.count() == before and not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"starts_in": timedelta(minutes=-5)}, "in_the_past"),
        ({"starts_in": timedelta(days=400)}, "too_far"),
        ({"duration_minutes": 5}, "bad_duration"),
        ({"duration_minutes": 600}, "bad_duration"),
        ({"modality": "carrier-pigeon"}, "bad_modality"),
        ({"manual_link": "http://meet.example.org/room"}, "bad_link"),
        ({"manual_link": "javascript:alert(1)"}, "bad_link"),
        ({"manual_link": "https://"}, "bad_link"),
        ({"manual_link": "https://user:pw@meet.example.org/"}, "bad_link"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(peer, participant, changes, code):
    with pytest.raises(services.SessionError) as refused:
        book(peer, participant, **changes)

    assert refused.value.code == code
    assert refused.value.messages[0]
    assert nothing_changed(0)


def test_it_refuses_overlapping_sessions_for_one_peer(peer, participant, stranger):
    book(peer, participant, starts_in=timedelta(days=1))

    with pytest.raises(services.SessionError) as refused:
        book(peer, stranger, starts_in=timedelta(days=1, minutes=30))

    assert refused.value.code == "overlap"
    assert SupportSession.objects.count() == 1


def test_back_to_back_sessions_do_not_overlap(peer, participant, stranger):
    nine = (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    first = book(peer, participant, starts_at=nine, duration_minutes=60)

    second = book(peer, stranger, starts_at=nine + timedelta(minutes=60))

    assert second.starts_at == first.ends_at


def test_only_certified_peers_host(participant, stranger):
    with pytest.raises(services.SessionError) as refused:
        book(participant, stranger)

    assert refused.value.code == "not_a_peer"


def test_a_revoked_peer_can_no_longer_host(peer, participant, staff):
    certification_revoke(user=peer, by=staff)
    peer.refresh_from_db()

    with pytest.raises(services.SessionError):
        book(peer, participant)


def test_a_peer_cannot_book_themselves(peer):
    with pytest.raises(services.SessionError) as refused:
        book(peer, peer)

    assert refused.value.code == "same_person"


def test_a_participant_cannot_accept_their_own_request(peer, participant):
    request = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=50,
        modality="video",
    )

    with pytest.raises(services.SessionError) as refused:
        services.session_accept(session=request, by=participant)

    assert refused.value.code == "forbidden"
    request.refresh_from_db()
    assert request.status == SupportSession.Status.REQUESTED


@pytest.mark.parametrize(
    ("transition", "from_status"),
    [
        (services.session_accept, SupportSession.Status.CONFIRMED),
        (services.session_decline, SupportSession.Status.CONFIRMED),
        (services.session_cancel, SupportSession.Status.CANCELLED),
        (services.session_cancel, SupportSession.Status.DECLINED),
        (services.session_accept, SupportSession.Status.DECLINED),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(
    peer, participant, transition, from_status
):
    session = book(peer, participant)
    SupportSession.objects.filter(pk=session.pk).update(status=from_status)
    session.refresh_from_db()
    tasks_before = DBTaskResult.objects.count()

    with pytest.raises(services.SessionError) as refused:
        transition(session=session, by=peer)

    assert refused.value.code == "illegal_transition"
    session.refresh_from_db()
    assert session.status == from_status
    assert DBTaskResult.objects.count() == tasks_before


def test_a_stranger_cannot_cancel_someone_elses_session(peer, participant, stranger):
    session = book(peer, participant)

    with pytest.raises(services.SessionError):
        services.session_cancel(session=session, by=stranger)

    session.refresh_from_db()
    assert session.status == SupportSession.Status.CONFIRMED


def test_confirming_enqueues_provisioning_in_the_same_transaction(peer, participant):
    from zoom.models import ZoomConnection

    ZoomConnection.objects.create(peer=peer, state=ZoomConnection.State.CONNECTED)
    book(peer, participant)

    assert DBTaskResult.objects.filter(task_path__endswith="provision_meeting").count() == 1


def test_a_rolled_back_confirmation_leaves_no_task(peer, participant):
    from django.db import transaction

    def book_then_fail() -> None:
        with transaction.atomic():
            book(peer, participant)
            raise RuntimeError("the request failed after booking")

    with pytest.raises(RuntimeError):
        book_then_fail()

    assert not SupportSession.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_note_longer_than_2000_characters_is_refused(peer, participant):
    with pytest.raises(services.SessionError) as refused:
        book(peer, participant, private_note="x" * 2001)

    assert refused.value.code == "bad_note"
    assert not SupportSession.objects.exists()


def test_a_deactivated_peer_cannot_be_asked_for_a_session(peer, participant):
    peer.is_active = False
    peer.save()

    with pytest.raises(services.SessionError) as refused:
        services.session_request(
            participant=participant,
            peer=peer,
            starts_at=timezone.now() + timedelta(days=1),
            duration_minutes=50,
            modality="video",
        )

    assert refused.value.code == "not_a_peer"
