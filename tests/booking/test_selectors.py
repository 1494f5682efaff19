"""Open slots are read in a fixed number of queries, however full the peer's diary."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.selectors import find_peers, profile_by_slug, slots_of
from scheduling.models import SupportSession
from tests.booking.conftest import at, open_hours
from tests.personas import make_participant, make_peer

pytestmark = pytest.mark.django_db


def fill_diary(peer, participant, count: int) -> None:
    """``count`` sessions, requested and confirmed, past and ahead (written directly: the
    services' checks are not what this measures)."""
    now = timezone.now()
    SupportSession.objects.bulk_create(
        SupportSession(
            peer=peer,
            participant=participant,
            status=SupportSession.Status.CONFIRMED if i % 3 else SupportSession.Status.REQUESTED,
            starts_at=now + timedelta(hours=i * 7 - 200),
            duration_minutes=50,
        )
        for i in range(count)
    )


def queries_for_slots(slug: str) -> tuple[int, list]:
    now = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        profile = profile_by_slug(slug)
        assert profile is not None
        slots = slots_of(
            profile, duration_minutes=50, start=now, end=now + timedelta(days=60), now=now
        )
    return len(captured.captured_queries), slots


def test_a_peers_slots_take_the_same_few_queries_at_10_and_1000_sessions(participant):
    small, big = (
        make_peer("small@example.org", "Sam Small"),
        make_peer("big@example.org", "Bea Big"),
    )
    open_hours(small, slug="small", horizon_days=60)
    open_hours(big, slug="big", horizon_days=60)
    fill_diary(small, participant, 10)
    fill_diary(big, participant, 1000)

    few, _ = queries_for_slots("small")
    many, slots = queries_for_slots("big")

    assert few == many <= 5
    assert slots  # the diary is full but not every half hour


def test_find_a_peer_takes_the_same_queries_for_one_peer_or_five(participant):
    now = timezone.now()
    open_hours(make_peer("one@example.org", "One"), slug="one")
    with CaptureQueriesContext(connection) as one:
        assert len(find_peers(now=now)) == 1
    for i in range(4):
        open_hours(make_peer(f"p{i}@example.org", f"Peer {i}"), slug=f"p{i}")
    with CaptureQueriesContext(connection) as five:
        assert len(find_peers(now=now)) == 5
    assert len(one.captured_queries) == len(five.captured_queries) <= 5


def test_find_a_peer_filters_by_language_focus_and_modality(participant):
    ana = make_peer("ana@example.org", "Ana")
    open_hours(ana, slug="ana", languages=["Spanish", "English"], focus_areas=["Grief and loss"])
    ben = make_peer("ben@example.org", "Ben")
    open_hours(ben, slug="ben", modalities=["audio"], focus_areas=["Recovery"])
    now = timezone.now()

    def names(**filters: Any) -> list[str]:
        return [card.profile.peer.display_name for card in find_peers(now=now, **filters)]

    assert names() == ["Ana", "Ben"]
    assert names(language="spanish") == ["Ana"]
    assert names(focus="Recovery") == ["Ben"]
    assert names(modality="video") == ["Ana"]
    assert names(language="French") == []


def test_find_a_peer_leaves_out_peers_without_hours_or_certification(participant):
    from accounts.services import certification_revoke

    open_hours(make_peer("open@example.org", "Open"), slug="open")
    make_peer("nohours@example.org", "No Hours")
    revoked = make_peer("revoked@example.org", "Revoked")
    open_hours(revoked, slug="revoked")
    certification_revoke(user=revoked, by=None)
    open_hours(make_peer("full@example.org", "Full"), slug="full", days=range(0))

    cards = find_peers(now=timezone.now())

    assert [card.profile.slug for card in cards] == ["open"]
    assert profile_by_slug("revoked") is None


def test_each_card_shows_the_next_open_slots_soonest_first(participant):
    peer = make_peer("soon@example.org", "Soon")
    open_hours(peer, slug="soon", hours=(time(9), time(10)), notice_minutes=0)
    [card] = find_peers(now=timezone.now())
    assert len(card.next_slots) == 3
    assert card.next_slots == sorted(card.next_slots)
    assert all(slot.astimezone().minute in (0, 30) for slot in card.next_slots)
    assert card.next_slots[0] >= timezone.now()
    assert at(0, time(9)) <= card.next_slots[0] <= at(2, time(10))
    make_participant("x@example.org", "X")  # a participant is never listed
    assert len(find_peers(now=timezone.now())) == 1
