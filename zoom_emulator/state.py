"""In-memory state. Every read-modify-write happens under `Store.lock`, held briefly."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from zoom_emulator import ids

Plan = Literal["free", "pro", "business"]
PLANS: tuple[Plan, ...] = ("free", "pro", "business")
GrantStatus = Literal["active", "revoked", "superseded", "deauthorized"]


@dataclass
class Account:
    id: str
    plan: Plan = "free"
    # Settings the account forces on every meeting (Zoom's "locked" settings), and defaults
    # applied when a request leaves a setting out. Keys are meeting `settings` names.
    locked_settings: dict[str, Any] = field(default_factory=dict)
    default_settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class User:
    id: str
    account_id: str
    email: str
    first_name: str
    last_name: str
    type: int
    timezone: str
    pmi: int
    created_at: datetime

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class AuthRequest:
    """A browser authorization in progress, between /oauth/authorize and Allow/Deny."""

    id: str
    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str | None
    code_challenge_method: str


@dataclass
class AuthCode:
    user_id: str
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str
    scopes: list[str]
    expires_at: float
    used: bool = False


@dataclass
class Grant:
    id: str
    user_id: str
    account_id: str
    client_id: str
    scopes: list[str]
    created_at: float
    status: GrantStatus = "active"
    ended_at: float | None = None
    refresh_hash: str = ""
    refresh_expires_at: float = 0.0
    refresh_count: int = 0
    # sha256(access token) -> expiry (emulator Unix seconds).
    access: dict[str, float] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass
class Meeting:
    id: int
    uuid: str
    host_id: str
    account_id: str
    topic: str
    type: int
    start_time: datetime | None
    duration: int | None
    timezone: str
    agenda: str
    created_at: datetime
    password: str
    h323_password: str
    pstn_password: str
    encrypted_password: str
    settings: dict[str, Any]
    pre_schedule: bool = False
    recurrence: dict[str, Any] | None = None
    tracking_fields: list[Any] | None = None
    deleted_at: datetime | None = None
    create_body: Any = None
    patch_bodies: list[Any] = field(default_factory=list)


@dataclass
class Store:
    lock: threading.RLock = field(default_factory=threading.RLock)
    accounts: dict[str, Account] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    auth_requests: dict[str, AuthRequest] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)  # keyed by sha256(code)
    grants: dict[str, Grant] = field(default_factory=dict)
    access_index: dict[str, str] = field(default_factory=dict)  # sha256(token) -> grant id
    refresh_index: dict[str, str] = field(default_factory=dict)  # sha256(token) -> grant id
    meetings: dict[int, Meeting] = field(default_factory=dict)
    zaks: dict[str, tuple[int, float]] = field(default_factory=dict)  # sha256 -> (meeting, exp)

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def find_user(self, key: str) -> User | None:
        return self.users.get(key) or self.user_by_email(key)

    def new_meeting_id(self) -> int:
        while (number := ids.meeting_number()) in self.meetings:
            pass
        return number
