"""Oversized bodies get a clear 4xx and change nothing: the dashboard's forms and the webhook
(Django's DATA_UPLOAD_MAX_MEMORY_SIZE and DATA_UPLOAD_MAX_NUMBER_FIELDS), and the API."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings

from scheduling.models import SupportSession
from tests.zoom.test_webhook import sign
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db

TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024


def test_a_huge_form_post_is_refused(client, peer, participant):
    client.force_login(peer)

    response = client.post(
        "/sessions/new/",
        {"participant_email": participant.email, "private_note": "x" * TOO_BIG},
    )

    assert response.status_code == 400
    assert not SupportSession.objects.exists()


def test_a_form_post_with_too_many_fields_is_refused(client, peer):
    client.force_login(peer)
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 10)}

    response = client.post("/sessions/new/", fields)

    assert response.status_code == 400
    assert not SupportSession.objects.exists()


def test_a_huge_webhook_is_refused_before_anything_happens(client, connected_peer):
    padding = "x" * TOO_BIG
    body = json.dumps({"event": "app_deauthorized", "payload": {"pad": padding}}).encode()
    ts = str(int(time.time()))

    response = client.post(
        "/integrations/zoom/webhook",
        body,
        content_type="application/json",
        headers={"x-zm-request-timestamp": ts, "x-zm-signature": sign(body, ts)},
    )

    assert 400 <= response.status_code < 500
    assert ZoomConnection.objects.get().state == "connected"


def test_a_huge_api_body_is_refused_in_json(peer, participant):
    from django.test import Client

    from api.tokens import token_issue

    token = token_issue(user=peer, name="t").plaintext
    body = {
        "participant_email": participant.email,
        "starts_at": "2099-01-01T10:00:00Z",
        "duration_minutes": 50,
        "modality": "video",
        "private_note": "x" * TOO_BIG,
    }

    response = Client().post(
        "/api/v1/sessions",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert 400 <= response.status_code < 500
    assert "code" in response.json()
    assert not SupportSession.objects.exists()
