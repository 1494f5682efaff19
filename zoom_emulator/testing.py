"""Test helpers: run the emulator in a background thread and drive its control API.

with EmulatorServer(config) as server:
    control = EmulatorControl(server.base_url)
    code = control.authorize(user_id, redirect_uri=...)
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from zoom_emulator.app import create_app
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.server import listening_socket, uvicorn_server

KEEP_SEED = "config"


class EmulatorServer:
    """uvicorn on a free 127.0.0.1 port in a daemon thread; a context manager."""

    def __init__(self, config: EmulatorConfig, *, start_timeout: float = 10.0) -> None:
        self.config = config
        self.start_timeout = start_timeout
        self._socket = listening_socket("127.0.0.1", 0)
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.oauth_url = self.base_url
        self.api_url = self.base_url + "/v2"
        self._server = uvicorn_server(create_app(config), log_level="warning")
        self._thread = threading.Thread(target=self._run, name="zoom-emulator", daemon=True)

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def start(self) -> EmulatorServer:
        self._thread.start()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            try:
                httpx.get(self.base_url + "/_emulator/clock", timeout=1.0).raise_for_status()
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the Zoom emulator did not answer on {self.base_url}")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def control(self) -> EmulatorControl:
        return EmulatorControl(self.base_url)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class EmulatorControl:
    """A typed wrapper over /_emulator/ (documented in docs/zoom-emulator.md)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url + "/_emulator", timeout=timeout)

    def _call(self, method: str, path: str, json: Any = None, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        response = self._http.request(method, path, json=json, params=query)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} /_emulator{path}: {response.status_code} {response.text}")
        return response.json()

    # State
    def reset(self, seed: str | None = KEEP_SEED) -> None:
        """Back to the start state; seed "demo", None (no users) or, by default, as started."""
        self._call("POST", "/reset", {"seed": seed})

    def users(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/users")
        return result

    def add_user(
        self,
        email: str,
        *,
        first_name: str = "Zoom",
        last_name: str = "User",
        type: int = 1,
        plan: str | None = None,
        account_id: str | None = None,
        timezone: str = "America/New_York",
        id: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "type": type,
            "plan": plan,
            "account_id": account_id,
            "timezone": timezone,
            "id": id,
        }
        result: dict[str, Any] = self._call("POST", "/users", body)
        return result

    def set_user_type(self, user_id: str, type: int) -> dict[str, Any]:
        """Upgrade (2, Licensed) or downgrade (1, Basic) a user, as an admin would in Zoom."""
        result: dict[str, Any] = self._call("PATCH", f"/users/{user_id}", {"type": type})
        return result

    def set_account_settings(
        self,
        account_id: str,
        *,
        locked: dict[str, Any] | None = None,
        defaults: dict[str, Any] | None = None,
        plan: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if locked is not None:
            body["locked_settings"] = locked
        if defaults is not None:
            body["default_settings"] = defaults
        if plan is not None:
            body["plan"] = plan
        result: dict[str, Any] = self._call("PUT", f"/accounts/{account_id}", body)
        return result

    def set_plan(self, account_id: str, plan: str) -> dict[str, Any]:
        return self.set_account_settings(account_id, plan=plan)

    # Clock
    def clock(self) -> datetime:
        return _parse(self._call("GET", "/clock")["now"])

    def advance_clock(self, seconds: float) -> datetime:
        return _parse(self._call("POST", "/clock/advance", {"seconds": seconds})["now"])

    def set_clock(self, when: str | datetime) -> datetime:
        text = when.isoformat() if isinstance(when, datetime) else when
        return _parse(self._call("PUT", "/clock", {"now": text})["now"])

    # Latency and faults
    def set_latency(
        self,
        endpoint: str = "*",
        *,
        ms: float | None = None,
        min_ms: float | None = None,
        max_ms: float | None = None,
    ) -> dict[str, Any]:
        body = {"endpoint": endpoint, "ms": ms, "min_ms": min_ms, "max_ms": max_ms}
        result: dict[str, Any] = self._call(
            "PUT", "/latency", {k: v for k, v in body.items() if v is not None}
        )
        return result

    def clear_latency(self) -> None:
        self._call("DELETE", "/latency")

    def inject_fault(
        self,
        endpoint: str,
        kind: str,
        *,
        next: int | None = None,
        probability: float | None = None,
        hold_seconds: float | None = None,
    ) -> dict[str, Any]:
        body = {"endpoint": endpoint, "kind": kind, "next": next, "probability": probability}
        if hold_seconds is not None:
            body["hold_seconds"] = hold_seconds
        result: dict[str, Any] = self._call("POST", "/faults", body)
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/faults")
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # Observation
    def calls(self, endpoint: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/calls", endpoint=endpoint)
        return result

    def clear_calls(self) -> None:
        self._call("DELETE", "/calls")

    def meetings(self, user_id: str | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/meetings", user_id=user_id)
        return result

    def delete_meeting_in_zoom(self, meeting_id: int) -> dict[str, Any]:
        """The host deletes the meeting in Zoom itself; sends meeting.deleted."""
        result: dict[str, Any] = self._call("POST", f"/meetings/{meeting_id}/delete")
        return result

    def grants(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/grants")
        return result

    # OAuth and webhooks
    def authorize(
        self,
        user_id: str,
        *,
        redirect_uri: str,
        state: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
        scopes: list[str] | None = None,
    ) -> str:
        """The code a redirect would carry after `user_id` clicked Allow."""
        body = {
            "user_id": user_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method,
            "scopes": scopes,
        }
        code: str = self._call("POST", "/authorize", body)["code"]
        return code

    def issue_tokens(
        self,
        user_id: str,
        *,
        redirect_uri: str,
        client_id: str,
        client_secret: str,
        scopes: list[str] | None = None,
    ) -> dict[str, Any]:
        """authorize + the real POST /oauth/token: the token response Zoom would give."""
        code = self.authorize(user_id, redirect_uri=redirect_uri, scopes=scopes)
        response = httpx.post(
            self.base_url + "/oauth/token",
            auth=(client_id, client_secret),
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        )
        response.raise_for_status()
        tokens: dict[str, Any] = response.json()
        return tokens

    def deauthorize(
        self, user_id: str, *, user_data_retention: str | None = None
    ) -> dict[str, Any]:
        """Same as Remove in the Marketplace: the grant dies, app_deauthorized is sent."""
        result: dict[str, Any] = self._call(
            "POST", f"/users/{user_id}/deauthorize", {"user_data_retention": user_data_retention}
        )
        return result

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/webhooks")
        return result

    def wait_for_deliveries(
        self, count: int = 1, *, status: str = "delivered", timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Poll until `count` deliveries reach `status`."""
        deadline = time.monotonic() + timeout
        while True:
            done = [d for d in self.webhook_deliveries() if d["status"] == status]
            if len(done) >= count or time.monotonic() > deadline:
                return done
            time.sleep(0.05)

    def send_url_validation(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/webhooks/url-validation")
        return result

    # Config
    def config(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/config")
        return result

    def configure(self, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PUT", "/config", changes)
        return result

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmulatorControl:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
