"""Zoom users and accounts, and the demo seed."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from zoom_emulator import ids
from zoom_emulator.state import PLANS, Account, Plan, Store, User


@dataclass(frozen=True)
class NewUser:
    email: str
    first_name: str = "Zoom"
    last_name: str = "User"
    type: int = 1
    plan: Plan | None = None
    account_id: str | None = None
    timezone: str = "America/New_York"
    id: str | None = None


DEMO_USERS: tuple[NewUser, ...] = (
    NewUser("casey.basic@example.com", "Casey", "Basic", type=1, plan="free"),
    NewUser("lee.licensed@example.com", "Lee", "Licensed", type=2, plan="pro"),
    NewUser("bailey.business@example.com", "Bailey", "Business", type=2, plan="business"),
)
SEEDS: dict[str, tuple[NewUser, ...]] = {"demo": DEMO_USERS}


class UserError(ValueError):
    pass


def _stable_id(text: str) -> str:
    """Seeded users keep their ids across restarts, so a demo's stored connections stay valid."""
    raw = hashlib.sha256(text.encode()).digest()[:16]
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def create_user(store: Store, spec: NewUser, *, now: datetime, stable: bool = False) -> User:
    if spec.type not in (1, 2):
        raise UserError("type must be 1 (Basic) or 2 (Licensed)")
    if spec.plan is not None and spec.plan not in PLANS:
        raise UserError(f"plan must be one of {', '.join(PLANS)}")
    with store.lock:
        if store.user_by_email(spec.email):
            raise UserError(f"a user with email {spec.email} exists")
        account_id = spec.account_id or (
            _stable_id("account:" + spec.email) if stable else ids.zoom_user_id()
        )
        is_new = account_id not in store.accounts
        account = store.accounts.setdefault(account_id, Account(id=account_id))
        if spec.plan is not None:
            account.plan = spec.plan
        elif is_new:
            account.plan = "free" if spec.type == 1 else "pro"
        user_id = spec.id or (_stable_id("user:" + spec.email) if stable else ids.zoom_user_id())
        user = User(
            id=user_id,
            account_id=account_id,
            email=spec.email,
            first_name=spec.first_name,
            last_name=spec.last_name,
            type=spec.type,
            timezone=spec.timezone,
            pmi=int(hashlib.sha256(user_id.encode()).hexdigest(), 16) % (9 * 10**9) + 10**9,
            created_at=now,
        )
        store.users[user.id] = user
        return user


def set_user_type(store: Store, user_id: str, user_type: object) -> User:
    """An admin changes the user's license (Zoom's "Update a user", ``type``): an upgraded user is
    Licensed (2), a downgraded one Basic (1). GET /users/me shows it at once."""
    if isinstance(user_type, bool) or user_type not in (1, 2):
        raise UserError("type must be 1 (Basic) or 2 (Licensed)")
    with store.lock:
        user = store.users.get(user_id)
        if user is None:
            raise UserError(f"no user {user_id}")
        user.type = 1 if user_type == 1 else 2
        return user


def seed(store: Store, name: str | None, *, now: datetime) -> None:
    if name is None:
        return
    if name not in SEEDS:
        raise UserError(f"unknown seed {name!r}; known: {', '.join(SEEDS)}")
    for spec in SEEDS[name]:
        create_user(store, spec, now=now, stable=True)


def user_json(user: User, account: Account) -> dict[str, Any]:
    return {
        "id": user.id,
        "account_id": user.account_id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "type": user.type,
        "timezone": user.timezone,
        "pmi": user.pmi,
        "plan": account.plan,
    }
