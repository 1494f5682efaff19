"""The emulator's runtime: config, clock, state, limits, instruments and webhooks together."""

from __future__ import annotations

import secrets
from typing import Any

from zoom_emulator import accounts, grants
from zoom_emulator.clock import Clock, iso_ms_z, iso_z
from zoom_emulator.config import RUNTIME_KEYS, EmulatorConfig
from zoom_emulator.faults import ControlError, Instruments
from zoom_emulator.ratelimit import RateLimiter, Switches
from zoom_emulator.state import Meeting, Store
from zoom_emulator.webhooks import Delivery, Webhooks

KEEP = "config"  # reset(seed=KEEP) re-seeds with the seed the emulator started with.


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.initial = config.copy()
        self.config = config.copy()
        self.clock = Clock()
        self.store = Store()
        self.limiter = RateLimiter()
        self.instruments = Instruments()
        self.webhooks = Webhooks(lambda: self.config, self.clock)
        accounts.seed(self.store, config.seed, now=self.clock.now())

    def now(self) -> float:
        return self.clock.time()

    def switches(self) -> Switches:
        cfg = self.config
        return Switches(cfg.qps_limits, cfg.daily_limits, cfg.account_daily_quotas)

    def reset(self, seed: str | None = KEEP) -> None:
        """Back to the start state: fresh store, clock, limits, faults, log and config."""
        chosen = self.initial.seed if seed == KEEP else seed
        store = Store()
        accounts.seed(store, chosen, now=self.clock.now())
        with self.store.lock:
            self.store = store
            self.config = self.initial.copy()
        self.clock.reset()
        self.limiter.reset()
        self.instruments.reset()
        self.webhooks.reset()

    def configure(self, changes: dict[str, Any]) -> EmulatorConfig:
        unknown = set(changes) - RUNTIME_KEYS
        if unknown:
            raise ControlError(f"not settable at run time: {', '.join(sorted(unknown))}")
        cfg = self.config.copy()
        for key, value in changes.items():
            setattr(cfg, key, value)
        self.config = cfg  # Swapped whole, so a request never sees half a change.
        return cfg

    def deauthorize(
        self, user_id: str, *, user_data_retention: str | None = None
    ) -> tuple[list[str], Delivery | None]:
        """What "Remove" in the Marketplace does: grants die, app_deauthorized is sent (§4)."""
        user = self.store.users.get(user_id)
        if user is None:
            raise ControlError(f"no user {user_id}")
        ended = grants.end_grants(
            self.store,
            user_id=user.id,
            client_id=self.config.client_id,
            status="deauthorized",
            now=self.now(),
        )
        if not ended:
            return [], None
        event = {
            "event": "app_deauthorized",
            "event_ts": self.webhooks.event_ts(),
            "payload": {
                "account_id": user.account_id,
                "client_id": self.config.client_id,
                "deauthorization_time": iso_ms_z(self.clock.now()),
                "signature": secrets.token_hex(32),
                "user_data_retention": user_data_retention,
                "user_id": user.id,
            },
        }
        return [g.id for g in ended], self.webhooks.send(event)

    def delete_meeting_in_zoom(self, meeting_id: int) -> tuple[Meeting, Delivery | None]:
        """The host deletes a meeting in Zoom's own UI: Zoom sends meeting.deleted (§4)."""
        with self.store.lock:
            meeting = self.store.meetings.get(meeting_id)
            if meeting is None or meeting.deleted_at is not None:
                raise ControlError(f"no live meeting {meeting_id}")
            meeting.deleted_at = self.clock.now()
            host = self.store.users[meeting.host_id]
        event = {
            "event": "meeting.deleted",
            "event_ts": self.webhooks.event_ts(),
            "payload": {
                "account_id": meeting.account_id,
                "operator": host.email,
                "operator_id": host.id,
                "operation": "single",
                "object": {
                    "uuid": meeting.uuid,
                    "id": meeting.id,
                    "host_id": meeting.host_id,
                    "topic": meeting.topic,
                    "type": meeting.type,
                    "start_time": iso_z(meeting.start_time) if meeting.start_time else "",
                    "duration": meeting.duration or 0,
                    "timezone": meeting.timezone,
                },
            },
        }
        return meeting, self.webhooks.send(event)
