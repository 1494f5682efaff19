"""Shared fixtures: personas, the browser (Debian's Chromium), PostgreSQL-only tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from playwright.sync_api import expect

from tests import personas
from tests.diary import FROZEN_NOW, make_diary

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The browser tests check what a person sees, not how fast: on a CI machine whose two cores also
# run the server, the worker, the emulator and Chromium, a page can take longer than Playwright's
# default 5 s to show it.
expect.set_options(timeout=10_000)

pytest_plugins = ["tests.zoom_support", "tests.cache_support"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(
            reason="Debian's chromium is not installed (scripts/test installs it as root)"
        )
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for row locks and concurrent workers (set DATABASE_URL)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_FLAGS}


@pytest.fixture
def peer(db: None) -> Any:
    return personas.make_peer()


@pytest.fixture
def other_peer(db: None) -> Any:
    return personas.make_peer("peer.b@example.org", "Bo Peer")


@pytest.fixture
def participant(db: None) -> Any:
    return personas.make_participant()


@pytest.fixture
def stranger(db: None) -> Any:
    return personas.make_participant("stranger@example.org", "Sasha Stranger")


@pytest.fixture
def staff(db: None) -> Any:
    return personas.make_user("support@example.org", "Robin Support", staff=True)


@pytest.fixture
def frozen_clock() -> Iterator[time_machine.Traveller]:
    """The clock stands at tests.diary.FROZEN_NOW (the browser walk lets it tick)."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lived_in(db: None, frozen_clock: time_machine.Traveller) -> Any:
    """A peer's week that has lived (scheduling.demo_diary), at FROZEN_NOW."""
    return make_diary()
