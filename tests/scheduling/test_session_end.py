"""A session's stored end (``ends_at``) moves with its start and length through every door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import SupportSession
from tests.scheduling.conftest import book

pytestmark = pytest.mark.django_db


def test_a_new_session_stores_its_end(peer, participant):
    session = book(peer, participant, duration_minutes=50)

    session.refresh_from_db()
    assert session.ends_at == session.starts_at + timedelta(minutes=50)


def test_a_moved_session_stores_its_new_end(peer, participant):
    session = book(peer, participant)
    later = session.starts_at + timedelta(hours=3)

    services.session_reschedule(session=session, by=peer, starts_at=later, duration_minutes=30)

    session.refresh_from_db()
    assert session.ends_at == later + timedelta(minutes=30)


def test_saving_only_the_length_saves_the_end_too(peer, participant):
    session = book(peer, participant, duration_minutes=50)
    session.duration_minutes = 90

    session.save(update_fields=["duration_minutes"])

    session.refresh_from_db()
    assert session.ends_at == session.starts_at + timedelta(minutes=90)


def test_sessions_created_in_bulk_store_their_ends(peer, participant):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=2)
    SupportSession.objects.bulk_create(
        [SupportSession(peer=peer, participant=participant, starts_at=starts, duration_minutes=45)]
    )

    [session] = SupportSession.objects.filter(starts_at=starts)
    assert session.ends_at == starts + timedelta(minutes=45)


def test_a_bulk_move_without_the_end_is_refused_and_changes_nothing(peer, participant):
    session = book(peer, participant)
    before = (session.starts_at, session.ends_at)

    with pytest.raises(TypeError, match="ends_at"):
        SupportSession.objects.filter(pk=session.pk).update(starts_at=timezone.now())

    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == before


def test_a_session_that_ends_after_another_starts_overlaps_it(peer, participant):
    first = book(peer, participant, duration_minutes=60)

    with pytest.raises(services.SessionError) as refused:
        book(peer, participant, starts_at=first.starts_at + timedelta(minutes=59))
    assert refused.value.code == "overlap"
    book(peer, participant, starts_at=first.starts_at + timedelta(minutes=60))  # back to back
