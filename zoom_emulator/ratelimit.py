"""Zoom's rate limits (zoom-api.md §3): per-second per account and category, daily quotas on
free accounts, and 100 meeting creates/updates per host user per UTC day."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from zoom_emulator.clock import iso_z
from zoom_emulator.state import Plan

# Rate-limit labels from Zoom's Meeting API OpenAPI file: "List meetings" is Medium and
# "Update a meeting" is Light there (zoom-api.md's summary had them the other way round).
CATEGORY: dict[str, str] = {
    "users_me": "Light",
    "create_meeting": "Medium",
    "list_meetings": "Medium",
    "get_meeting": "Light",
    "patch_meeting": "Light",
    "delete_meeting": "Light",
}
QPS: dict[str, dict[Plan, int]] = {
    "Light": {"free": 4, "pro": 30, "business": 80},
    "Medium": {"free": 2, "pro": 20, "business": 60},
    "Heavy": {"free": 1, "pro": 10, "business": 40},
}
FREE_DAILY: dict[str, int] = {"Light": 6000, "Medium": 2000, "Heavy": 1000}
USER_DAILY_CREATE_UPDATE = 100
CREATE_UPDATE = frozenset({"create_meeting", "patch_meeting"})

QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
USER_DAILY_MESSAGE = (
    f"You have exceeded the daily rate limit ({USER_DAILY_CREATE_UPDATE}) of Meeting "
    "Create/Update API requests permitted for this particular user. You may resume these "
    "requests at GMT 00:00:00."
)
# (uncertain) Zoom's wording for a free account's daily per-category quota.
ACCOUNT_DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. Refer to the response header "
    "for details on when you can make another request."
)


@dataclass(frozen=True)
class Limited:
    """A 429 answer: Zoom's body and headers."""

    body: dict[str, object]
    headers: dict[str, str]


@dataclass(frozen=True)
class Switches:
    qps: bool
    daily: bool
    account_quotas: bool


def _next_midnight(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._qps: dict[tuple[str, str], tuple[int, int]] = {}  # -> (second, count)
        self._daily: dict[tuple[str, str], tuple[str, int]] = {}  # -> (UTC day, count)

    def reset(self) -> None:
        with self._lock:
            self._qps.clear()
            self._daily.clear()

    def check(
        self,
        endpoint: str,
        *,
        account_id: str,
        plan: Plan,
        user_id: str,
        now: float,
        switches: Switches,
    ) -> Limited | None:
        """Count the call, or say why Zoom would refuse it. Refused calls are not counted."""
        category = CATEGORY[endpoint]
        when = datetime.fromtimestamp(now, UTC)
        day = when.date().isoformat()
        with self._lock:
            if switches.qps and (hit := self._over_qps(account_id, category, plan, int(now))):
                return hit
            quota_key = (account_id, category)
            quota_on = switches.account_quotas and plan == "free"
            if quota_on and self._used(quota_key, day) >= FREE_DAILY[category]:
                return _daily(category, FREE_DAILY[category], ACCOUNT_DAILY_MESSAGE, when)
            user_key = (user_id, "create/update")
            if switches.daily and endpoint in CREATE_UPDATE:
                if self._used(user_key, day) >= USER_DAILY_CREATE_UPDATE:
                    return _daily(category, USER_DAILY_CREATE_UPDATE, USER_DAILY_MESSAGE, when)
                self._bump(user_key, day)
            self._bump(quota_key, day)
            return None

    def _over_qps(self, account_id: str, category: str, plan: Plan, second: int) -> Limited | None:
        key, limit = (account_id, category), QPS[category][plan]
        last_second, count = self._qps.get(key, (second, 0))
        count = count if last_second == second else 0
        if count >= limit:
            headers = {
                "X-RateLimit-Category": category,
                "X-RateLimit-Type": "QPS",
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": "0",
            }
            return Limited({"code": 429, "message": QPS_MESSAGE}, headers)
        self._qps[key] = (second, count + 1)
        return None

    def _used(self, key: tuple[str, str], day: str) -> int:
        stored_day, count = self._daily.get(key, (day, 0))
        return count if stored_day == day else 0

    def _bump(self, key: tuple[str, str], day: str) -> None:
        self._daily[key] = (day, self._used(key, day) + 1)


def _daily(category: str, limit: int, message: str, when: datetime) -> Limited:
    headers = {
        "X-RateLimit-Category": category,
        "X-RateLimit-Type": "Daily-limit",
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        # Zoom sends Retry-After as an ISO date-time, not seconds (zoom-api.md §3).
        "Retry-After": iso_z(_next_midnight(when)),
    }
    return Limited({"code": 429, "message": message}, headers)
