"""Per-token rate limit: 429 with Retry-After once a token spends its minute's requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.api.conftest import client_for

# Each test runs twice: each process's memory and a shared Redis (tests/cache_support.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_cache")]


@pytest.fixture(autouse=True)
def _three_a_minute(settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3


def at(seconds: int):
    """A moment ``seconds`` into a minute an hour from now (the tokens are still valid)."""
    minute = (timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    return time_machine.travel(minute + timedelta(seconds=seconds), tick=False)


def test_it_answers_429_over_the_limit(as_peer):
    with at(20):
        answers = [as_peer.get("/me").status_code for _ in range(4)]
        response = as_peer.get("/me")

    assert answers == [200, 200, 200, 429]
    assert response.json()["code"] == "rate_limited"
    assert response["Retry-After"] == "40"
    assert response.json()["retry_after"] == 40


def test_it_counts_each_token_on_its_own(peer, as_peer):
    with at(0):
        for _ in range(4):
            as_peer.get("/me")
        other = client_for(peer).get("/me")

    assert other.status_code == 200


def test_it_lets_requests_through_again_in_the_next_minute(as_peer):
    with at(59):
        for _ in range(4):
            as_peer.get("/me")
    with at(60):
        response = as_peer.get("/me")

    assert response.status_code == 200
