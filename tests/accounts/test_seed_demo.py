"""The demo's seed: accounts with the documented password and a week that has lived."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from scheduling.models import SupportSession

pytestmark = pytest.mark.django_db


def test_it_gives_the_demo_peer_a_lived_in_week(frozen_clock):
    call_command("seed_demo")

    statuses = set(
        SupportSession.objects.filter(peer__email="peer@demo.peerakeet.test").values_list(
            "status", flat=True
        )
    )
    assert statuses == set(SupportSession.Status)


def test_it_does_not_build_the_week_twice(frozen_clock):
    call_command("seed_demo")
    count = SupportSession.objects.count()

    call_command("seed_demo")

    assert SupportSession.objects.count() == count


def test_it_refuses_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="not in production"):
        call_command("seed_demo")
