"""The plaintext-token scan of tests/zoom/test_secret_scan.py (tables, logs, pages, admin),
extended to everything the JSON API answers, for every endpoint a peer can call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api.tokens import token_issue
from scheduling import services
from tests.worker import run_until_quiet
from tests.zoom.test_secret_scan import leaks, secrets_minted  # noqa: F401 - fixture
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_keeps_tokens_out_of_every_api_answer(secrets_minted, peer, participant):  # noqa: F811
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(minutes=5),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()  # the Zoom meeting exists: join answers with Zoom URLs
    api = Client(headers={"Authorization": f"Bearer {token_issue(user=peer, name='t').plaintext}"})

    answers = [
        api.get("/api/v1/me"),
        api.get("/api/v1/zoom"),
        api.get("/api/v1/sessions"),
        api.get(f"/api/v1/sessions/{session.pk}"),
        api.get(f"/api/v1/sessions/{session.pk}/join"),
        api.get("/api/v1/openapi.json"),
        api.post("/api/v1/zoom/disconnect"),
        api.get("/api/v1/zoom"),
    ]

    assert [a.status_code for a in answers] == [200] * 8
    for answer in answers:
        assert leaks(answer.content.decode() + str(answer.headers), secrets_minted) == []
    assert ZoomConnection.objects.get().state == "disconnected"
