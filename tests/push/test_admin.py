"""Support staff see a person's push devices, never the endpoint or the device's keys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.push.conftest import subscribe, subscription_of

pytestmark = pytest.mark.django_db


def test_support_sees_the_devices_but_not_the_endpoint_or_keys(
    client, staff, participant, receiver
):
    device = subscribe(receiver, participant, label="Safari on iPhone")
    subscription = subscription_of(receiver, device)
    assert subscription is not None
    client.force_login(staff)

    pages = [
        client.get(reverse("admin:push_pushsubscription_changelist")),
        client.get(reverse("admin:push_pushsubscription_change", args=[subscription.pk])),
    ]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "Safari on iPhone" in html
        for secret in (device.token, subscription.p256dh, subscription.auth):
            assert secret not in html


def test_nobody_but_support_sees_them(client, participant, receiver):
    subscribe(receiver, participant)
    client.force_login(participant)

    response = client.get(reverse("admin:push_pushsubscription_changelist"))

    assert response.status_code == 302
