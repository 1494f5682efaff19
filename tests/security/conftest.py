"""The attack suite's shared pieces: every URL pattern, how to fill its arguments, and a victim
(peer A and participant A) whose sessions the attackers go after."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from scheduling import moves, services
from scheduling.models import MoveAsk, SupportSession
from tests.push.conftest import receiver  # noqa: F401  (the push service, for the channel tests)

SECRET_LINK = "https://whereby.com/victim-room-7f3a"
SECRET_NOTE = "victim private note 9b2c"
ACTIONS = ("accept", "decline", "cancel", "complete")
KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route, its name (``ns:name``) and its view."""

    route: str
    name: str
    callback: Any

    @property
    def kwargs(self) -> list[str]:
        return [a or b for a, b in KWARG.findall(self.route)]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("support/")

    def url(self, **values: Any) -> str:
        path = KWARG.sub(lambda m: str(values[m.group(1) or m.group(2)]), self.route)
        return "/" + path.replace("^", "").replace("$", "")


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                joined = f"{namespace}:{inner}" if namespace and inner else namespace or inner
                walk(pattern.url_patterns, prefix + str(pattern.pattern), joined)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                found.append(Route(prefix + str(pattern.pattern), name, pattern.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def session_routes() -> list[Route]:
    """Every URL that names a session: the IDOR suite attacks each one."""
    return [r for r in all_routes() if "session_id" in r.kwargs]


@dataclass
class Victim:
    peer: Any
    participant: Any
    confirmed: SupportSession  # manual link, inside its join window, private note
    requested: SupportSession
    move_ask: MoveAsk  # the participant's pending ask to move the confirmed session

    def snapshot(self) -> list[tuple[Any, ...]]:
        sessions = SupportSession.objects.order_by("pk").values_list(
            "pk", "status", "manual_link_encrypted", "private_note", "updated_at"
        )
        asks = MoveAsk.objects.order_by("pk").values_list("pk", "state", "starts_at")
        return [*sessions, *asks]


@pytest.fixture
def victim(peer: Any, participant: Any) -> Victim:
    confirmed = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(minutes=5),
        duration_minutes=50,
        modality="video",
        manual_link=SECRET_LINK,
        private_note=SECRET_NOTE,
    )
    requested = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=3),
        duration_minutes=50,
        modality="audio",
    )
    move_ask = moves.move_ask_create(
        session=confirmed, by=participant, starts_at=timezone.now() + timedelta(days=2)
    )
    return Victim(peer, participant, confirmed, requested, move_ask)
