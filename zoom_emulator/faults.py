"""Latency, fault injection and the call log, wrapped around each named endpoint.

Faults model what a Zoom client must survive (DESIGN.md "Zoom emulator"): 5xx, timeouts, 429s,
and a create or delete that succeeds in Zoom while its response is lost on the way back.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from zoom_emulator import ids
from zoom_emulator.clock import Clock, iso_ms_z
from zoom_emulator.ratelimit import QPS_MESSAGE

ENDPOINTS = (
    "authorize",
    "token",
    "revoke",
    "users_me",
    "create_meeting",
    "list_meetings",
    "get_meeting",
    "patch_meeting",
    "delete_meeting",
)
ANY = "*"
FAULT_KINDS = ("500", "503", "429", "timeout", "lost_response", "3161")
# Zoom's answer when the host may not schedule meetings (an admin disabled it, or the account is
# suspended): a refusal of the request itself, not a passing fault. Zoom error code 3161.
CANNOT_HOST = "Your user account is not allowed meeting hosting and scheduling capabilities."
MAX_HOLD_SECONDS = 120.0
CALL_LOG_SIZE = 100_000

log = logging.getLogger("zoom_emulator.access")


class ControlError(ValueError):
    """A bad control-API request; answered with 400."""


@dataclass
class Fault:
    endpoint: str
    kind: str
    remaining: int | None = None
    probability: float | None = None
    hold_seconds: float = 30.0
    id: str = field(default_factory=lambda: ids.hex_token(4))

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint": self.endpoint,
            "kind": self.kind,
            "next": self.remaining,
            "probability": self.probability,
            "hold_seconds": self.hold_seconds,
        }


def _check_endpoint(endpoint: str) -> None:
    if endpoint != ANY and endpoint not in ENDPOINTS:
        raise ControlError(f"unknown endpoint {endpoint!r}; known: {', '.join(ENDPOINTS)} or *")


class Instruments:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latency: dict[str, tuple[float, float]] = {}
        self._faults: list[Fault] = []
        self._calls: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)
        self._seq = 0

    def reset(self) -> None:
        with self._lock:
            self._latency.clear()
            self._faults.clear()
            self._calls.clear()

    def set_latency(self, endpoint: str, min_ms: float, max_ms: float) -> None:
        _check_endpoint(endpoint)
        if min_ms < 0 or max_ms < min_ms:
            raise ControlError("latency needs 0 <= min_ms <= max_ms")
        with self._lock:
            if max_ms == 0:
                self._latency.pop(endpoint, None)
            else:
                self._latency[endpoint] = (min_ms, max_ms)

    def latency(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {k: {"min_ms": lo, "max_ms": hi} for k, (lo, hi) in self._latency.items()}

    def add_fault(self, fault: Fault) -> Fault:
        _check_endpoint(fault.endpoint)
        if fault.kind not in FAULT_KINDS:
            known = ", ".join(FAULT_KINDS)
            raise ControlError(f"unknown fault kind {fault.kind!r}; known: {known}")
        if (fault.remaining is None) == (fault.probability is None):
            raise ControlError("give exactly one of next (a count) or probability")
        if fault.probability is not None and not 0 <= fault.probability <= 1:
            raise ControlError("probability must be within [0, 1]")
        if fault.remaining is not None and fault.remaining < 1:
            raise ControlError("next must be at least 1")
        fault.hold_seconds = min(max(fault.hold_seconds, 0.0), MAX_HOLD_SECONDS)
        with self._lock:
            self._faults.append(fault)
        return fault

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.public() for f in self._faults]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def delay_seconds(self, endpoint: str) -> float:
        with self._lock:
            bounds = self._latency.get(endpoint) or self._latency.get(ANY)
        return random.uniform(*bounds) / 1000 if bounds else 0.0

    def pick_fault(self, endpoint: str) -> Fault | None:
        """The fault this call suffers, if any; a next-N fault is used up by it."""
        with self._lock:
            for fault in self._faults:
                if fault.endpoint not in (endpoint, ANY):
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
                if fault.probability is not None and random.random() < fault.probability:
                    return fault
        return None

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            self._calls.append({"seq": self._seq, **entry})

    def calls(self, endpoint: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self._calls if endpoint is None or c["endpoint"] == endpoint]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()


Handler = Callable[[Request], Awaitable[Response]]


def fault_response(fault: Fault) -> Response:
    if fault.kind == "429":
        headers = {"X-RateLimit-Category": "Light", "X-RateLimit-Type": "QPS"}
        return JSONResponse({"code": 429, "message": QPS_MESSAGE}, 429, headers=headers)
    if fault.kind == "timeout":
        return JSONResponse({"code": 504, "message": "Gateway Timeout"}, 504)
    if fault.kind == "3161":
        return JSONResponse({"code": 3161, "message": CANNOT_HOST}, 400)
    messages = {"500": "Internal Server Error", "503": "Service Unavailable"}
    return JSONResponse({"code": int(fault.kind), "message": messages[fault.kind]}, int(fault.kind))


def _token_id(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return ids.short_id(credentials.strip())
    return None


class Instrumented:
    """An ASGI app around one named endpoint: latency, faults, then the call log entry."""

    def __init__(self, name: str, handler: Handler, instruments: Instruments, clock: Clock):
        self.name, self.handler = name, handler
        self.instruments, self.clock = instruments, clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        # Latency is awaited, never slept: the event loop keeps serving other calls.
        if delay := self.instruments.delay_seconds(self.name):
            await asyncio.sleep(delay)
        fault = self.instruments.pick_fault(self.name)
        response = await self._answer(request, fault)
        self._record(request, response.status_code, fault)
        if fault is not None and fault.kind == "lost_response":
            await self._lose(response, send)
            return
        await response(scope, receive, send)

    async def _answer(self, request: Request, fault: Fault | None) -> Response:
        if fault is None or fault.kind == "lost_response":
            return await self.handler(request)
        if fault.kind == "timeout":
            await asyncio.sleep(fault.hold_seconds)  # The request has no effect.
        return fault_response(fault)

    async def _lose(self, response: Response, send: Send) -> None:
        """The work is done, but the client never gets an answer it can read.

        Sending the status line and then returning without the body makes uvicorn close the
        connection mid-response: the client sees a transport error, not an HTTP status. A
        body-less 204 would be complete after its headers, so it is announced as a 200 with a
        one-byte body that never comes.
        """
        status = response.status_code if response.body else 200
        response.headers["content-length"] = str(len(response.body) or 1)
        start = {"type": "http.response.start", "status": status, "headers": response.raw_headers}
        await send(start)

    def _record(self, request: Request, status: int, fault: Fault | None) -> None:
        entry = {
            "method": request.method,
            "path": request.url.path,  # Never the query string: codes and tokens can ride there.
            "endpoint": self.name,
            "status": status,
            "at": iso_ms_z(self.clock.now()),
            "token_id": _token_id(request),
            "fault": fault.kind if fault else None,
        }
        self.instruments.record(entry)
        log.info(
            "%s %s -> %s [%s]%s",
            request.method,
            request.url.path,
            status,
            self.name,
            f" fault={fault.kind}" if fault else "",
        )
