"""An API client that speaks JSON with a real bearer token, and sessions to act on."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client
from django.utils import timezone

from api.tokens import token_issue
from scheduling import services
from scheduling.models import SupportSession
from tests.push.conftest import receiver  # noqa: F401  (the push service on 127.0.0.1)

API = "/api/v1"


class ApiClient:
    """Django's test client with ``Authorization: Bearer …`` and JSON bodies."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        call = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"headers": self._headers()}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif params:
            kwargs["data"] = params
        return call(f"{API}{path}", **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body if body is not None else {})

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def client_for(user: Any) -> ApiClient:
    return ApiClient(token_issue(user=user, name="test").plaintext)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    fuzz = sys.modules.get("tests.api.test_schema_fuzz")
    if fuzz is not None and fuzz.TALLY:
        terminalreporter.write_line(fuzz.summary())


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def as_peer(peer: Any) -> ApiClient:
    return client_for(peer)


@pytest.fixture
def as_participant(participant: Any) -> ApiClient:
    return client_for(participant)


@pytest.fixture
def as_stranger(stranger: Any) -> ApiClient:
    return client_for(stranger)


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient()


def in_future(**delta: Any) -> str:
    return (timezone.now() + timedelta(**delta)).replace(microsecond=0).isoformat()


def book(peer: Any, participant: Any, *, starts_in: timedelta = timedelta(days=1), **kw: Any):
    """A confirmed session, made through the service (as the dashboard would)."""
    return services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + starts_in,
        duration_minutes=kw.pop("duration_minutes", 50),
        modality=kw.pop("modality", "video"),
        **kw,
    )


def ask(participant: Any, peer: Any, *, starts_in: timedelta = timedelta(days=2)):
    """A requested session."""
    return services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + starts_in,
        duration_minutes=50,
        modality="video",
    )


def iso(moment: datetime) -> str:
    """How the API writes a time: ISO 8601 in UTC, to the millisecond."""
    return DjangoJSONEncoder().default(moment.astimezone(UTC))


def count_sessions() -> int:
    return SupportSession.objects.count()
