"""The Schedule page shows what a person can read: pages of sessions, never the whole diary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scheduling.models import SupportSession
from scheduling.selectors import PAST_PER_PAGE, UPCOMING_PER_PAGE, past_page, upcoming_page
from tests.budgets import SCHEDULE_PAGE_QUERIES

pytestmark = pytest.mark.django_db
Status = SupportSession.Status


def diary(peer, participant, *, upcoming: int = 0, past: int = 0) -> None:
    now = timezone.now().replace(microsecond=0)
    rows = [
        SupportSession(
            peer=peer,
            participant=participant,
            starts_at=now + timedelta(hours=2 + i),
            status=Status.CONFIRMED,
        )
        for i in range(upcoming)
    ]
    for row in rows:
        row.manual_link = "https://whereby.com/room"
    rows += [
        SupportSession(
            peer=peer,
            participant=participant,
            starts_at=now - timedelta(hours=2 + i),
            status=Status.COMPLETED,
        )
        for i in range(past)
    ]
    SupportSession.objects.bulk_create(rows)


def cards(html: str) -> int:
    return html.count('class="session"')


def test_it_shows_the_first_page_of_upcoming_sessions_and_a_link_to_later_ones(
    client, peer, participant
):
    diary(peer, participant, upcoming=UPCOMING_PER_PAGE + 5)
    client.force_login(peer)

    page = client.get(reverse("scheduling:schedule")).text

    assert cards(page) == UPCOMING_PER_PAGE
    assert 'href="?upcoming=2"' in page
    assert "Later sessions" in page


def test_the_next_page_shows_the_rest_and_a_way_back(client, peer, participant):
    diary(peer, participant, upcoming=UPCOMING_PER_PAGE + 5)
    client.force_login(peer)

    page = client.get(reverse("scheduling:schedule"), {"upcoming": 2}).text

    assert cards(page) == 5
    assert 'href="?"' in page
    assert "Sooner sessions" in page
    assert "Later sessions" not in page


def test_past_sessions_page_most_recent_first_keeping_the_upcoming_page(client, peer, participant):
    diary(peer, participant, upcoming=UPCOMING_PER_PAGE + 1, past=PAST_PER_PAGE + 1)

    first = past_page(peer)
    second = past_page(peer, 2)

    assert first.has_next
    assert not second.has_next
    assert first.sessions[0].starts_at > first.sessions[-1].starts_at > second.sessions[0].starts_at
    client.force_login(peer)
    page = client.get(reverse("scheduling:schedule"), {"upcoming": 2}).text
    assert 'href="?upcoming=2&amp;past=2"' in page


def test_a_session_in_progress_is_upcoming_and_an_ended_one_is_past(peer, participant):
    now = timezone.now()
    running = SupportSession.objects.create(
        peer=peer, participant=participant, starts_at=now - timedelta(minutes=30),
        duration_minutes=50, status=Status.CONFIRMED,
    )  # fmt: skip
    ended = SupportSession.objects.create(
        peer=peer, participant=participant, starts_at=now - timedelta(minutes=60),
        duration_minutes=50, status=Status.CONFIRMED,
    )  # fmt: skip

    assert [s.pk for s in upcoming_page(peer).sessions] == [running.pk]
    assert [s.pk for s in past_page(peer).sessions] == [ended.pk]


def test_a_nonsense_page_number_shows_the_first_page(client, peer, participant):
    diary(peer, participant, upcoming=3)
    client.force_login(peer)

    page = client.get(reverse("scheduling:schedule"), {"upcoming": "-1", "past": "x"}).text

    assert cards(page) == 3


def test_the_query_count_is_the_same_for_a_small_and_a_large_diary(client, peer, participant):
    client.force_login(peer)
    diary(peer, participant, upcoming=3, past=3)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("scheduling:schedule"))
    diary(peer, participant, upcoming=300, past=300)

    with CaptureQueriesContext(connection) as large:
        page = client.get(reverse("scheduling:schedule")).text

    assert cards(page) == UPCOMING_PER_PAGE + PAST_PER_PAGE
    assert len(large.captured_queries) == len(small.captured_queries) <= SCHEDULE_PAGE_QUERIES
