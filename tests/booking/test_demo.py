"""The demo peer has a booking page with open times."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from booking.selectors import find_peers

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_demo_peer_a_booking_page_and_is_safe_to_run_twice():
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)

    [card] = find_peers(now=timezone.now())
    assert card.profile.slug == "jordan-rivera"
    assert card.profile.peer == User.objects.get(email="peer@demo.peerakeet.test")
    assert len(card.next_slots) == 3
