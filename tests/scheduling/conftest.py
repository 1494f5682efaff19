from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import SupportSession
from tests.push.conftest import receiver  # noqa: F401  (the push service, for reminder tests)


def book(
    peer: Any, participant: Any, *, starts_in: timedelta = timedelta(days=1), **kwargs: Any
) -> SupportSession:
    """A peer schedules a session (confirmed at once)."""
    return services.session_create(
        peer=peer,
        participant=participant,
        starts_at=kwargs.pop("starts_at", None) or timezone.now() + starts_in,
        duration_minutes=kwargs.pop("duration_minutes", 50),
        modality=kwargs.pop("modality", "video"),
        **kwargs,
    )


def agreed(
    peer: Any, participant: Any, *, starts_in: timedelta = timedelta(days=1)
) -> SupportSession:
    """The participant asks for a session and the peer accepts: both hear "confirmed"."""
    session = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + starts_in,
        duration_minutes=50,
        modality="video",
    )
    return services.session_accept(session=session, by=peer)


@pytest.fixture
def transactional(transactional_db: None) -> None:
    """The worker commits its own transactions: these tests need real commits."""
