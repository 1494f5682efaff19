from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from tests.push_receiver import PushReceiver


@pytest.fixture
def receiver() -> Iterator[PushReceiver]:
    """The test's push service on 127.0.0.1 (tests/push_receiver.py)."""
    server = PushReceiver(vapid_public_key=django_settings.WEBPUSH_VAPID_PUBLIC_KEY).start()
    yield server
    server.stop()
