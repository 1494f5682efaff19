"""Emulator configuration: the Marketplace app registration plus the knobs tests turn."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# The app's scopes as registered on the Marketplace (zoom-api.md §1 "Scopes"). Listing a user's
# meetings needs its own granular scope, `meeting:read:list_meetings`: Zoom's granular-scope table
# puts "List meetings" there, not under `meeting:read:meeting`.
DEFAULT_SCOPES: tuple[str, ...] = (
    "user:read:user",
    "meeting:write:meeting",
    "meeting:read:meeting",
    "meeting:read:list_meetings",
    "meeting:delete:meeting",
    "meeting:update:meeting",
)

# Settings a test may change at run time through POST /_emulator/config.
RUNTIME_KEYS = frozenset(
    {
        "access_token_ttl",
        "refresh_token_ttl",
        "code_ttl",
        "zak_ttl",
        "token_tolerance_one",
        "qps_limits",
        "daily_limits",
        "account_daily_quotas",
        "webhook_url",
        "webhook_secret",
        "webhook_retry_scale",
        "webhook_timeout",
        "scopes",
        "redirect_uris",
    }
)


@dataclass
class EmulatorConfig:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: list[str] = field(default_factory=lambda: list(DEFAULT_SCOPES))
    app_name: str = "Peerakeet Telehealth"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # 1.0 = Zoom's real 5/20/60-minute retry delays; 0.001 = 0.3 s / 1.2 s / 3.6 s.
    webhook_retry_scale: float = 1.0
    # Zoom expects an answer within 3 s (zoom-api.md §4).
    webhook_timeout: float = 3.0
    access_token_ttl: int = 3600
    refresh_token_ttl: int = 90 * 24 * 3600
    code_ttl: int = 300
    zak_ttl: int = 2 * 3600
    token_tolerance_one: bool = False
    qps_limits: bool = True
    daily_limits: bool = True
    account_daily_quotas: bool = True
    seed: str | None = None
    # Base URL for start/join URLs and api_url; None = the host each request came to.
    public_base_url: str | None = None

    def copy(self) -> EmulatorConfig:
        return dataclasses.replace(
            self, redirect_uris=list(self.redirect_uris), scopes=list(self.scopes)
        )

    def public_view(self) -> dict[str, Any]:
        """The config as the control API shows it: secrets reduced to whether they are set."""
        view = dataclasses.asdict(self)
        view["client_secret"] = "set"  # noqa: S105 - a marker, not a secret
        view["webhook_secret"] = "set" if self.webhook_secret else None
        return view
