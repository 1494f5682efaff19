from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from push.models import PushSubscription
from push.services import push_subscription_register
from tests.push_receiver import Device, PushReceiver


@pytest.fixture
def receiver() -> Iterator[PushReceiver]:
    server = PushReceiver(vapid_public_key=django_settings.WEBPUSH_VAPID_PUBLIC_KEY).start()
    yield server
    server.stop()


def subscribe(receiver: PushReceiver, person: Any, label: str = "Chrome on Android") -> Device:
    """``person`` turns on notifications on a new device (what the service worker registers)."""
    device = receiver.new_device()
    info = receiver.subscription(device)
    push_subscription_register(user=person, endpoint=info["endpoint"], label=label, **info["keys"])
    return device


def subscription_of(receiver: PushReceiver, device: Device) -> PushSubscription | None:
    return PushSubscription.objects.filter(endpoint=receiver.endpoint(device)).first()
