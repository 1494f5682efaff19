"""The REST API under /v2 (zoom-api.md §2). Bearer tokens only."""

from __future__ import annotations

import base64
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from zoom_emulator import grants, ids, meetings
from zoom_emulator.clock import iso_z
from zoom_emulator.emulator import Emulator
from zoom_emulator.ratelimit import CATEGORY
from zoom_emulator.state import Grant, Meeting, User
from zoom_emulator.web import base_url, emulator

# Each call's user-level scope, granular then classic, then their `:admin` variants: any one lets
# the call through. Zoom's Meeting API file lists the classic pair per endpoint ("Scopes:
# `meeting:write:admin`, `meeting:write`"); the granular table pairs each name with `:admin`.
_USER_LEVEL: dict[str, tuple[str, str]] = {
    "users_me": ("user:read:user", "user:read"),
    "create_meeting": ("meeting:write:meeting", "meeting:write"),
    "list_meetings": ("meeting:read:list_meetings", "meeting:read"),
    "get_meeting": ("meeting:read:meeting", "meeting:read"),
    "patch_meeting": ("meeting:update:meeting", "meeting:write"),
    "delete_meeting": ("meeting:delete:meeting", "meeting:write"),
}
REQUIRED_SCOPES: dict[str, tuple[str, ...]] = {
    endpoint: (granular, classic, f"{granular}:admin", f"{classic}:admin")
    for endpoint, (granular, classic) in _USER_LEVEL.items()
}
LIST_TYPES = ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
MAX_PAGE_SIZE = 300


def error(status: int, code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status)


def not_found(meeting_id: str) -> JSONResponse:
    return error(404, 3001, f"Meeting does not exist: {meeting_id}.")


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def guard(request: Request, endpoint: str) -> tuple[Grant, User] | Response:
    """Token, then scope, then rate limits: the order in which Zoom refuses a call."""
    em = emulator(request)
    try:
        grant, user = grants.authenticate(em.store, em.now(), _bearer(request))
    except grants.AccessDenied as denied:
        return error(401, 124, denied.message)
    needed = REQUIRED_SCOPES[endpoint]
    if not set(needed) & set(grant.scopes):
        wanted = ", ".join(needed)
        return error(400, 4711, f"Invalid access token, does not contain scopes:[{wanted}].")
    account = em.store.accounts[user.account_id]
    limited = em.limiter.check(
        endpoint,
        account_id=account.id,
        plan=account.plan,
        user_id=user.id,
        now=em.now(),
        switches=em.switches(),
    )
    if limited is not None:
        return JSONResponse(limited.body, 429, headers=limited.headers)
    return grant, user


def _category(endpoint: str, response: Response) -> Response:
    response.headers["X-RateLimit-Category"] = CATEGORY[endpoint]
    return response


async def json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def bad_json() -> JSONResponse:
    return error(400, 300, "Request Body should be a valid JSON object.")


def own_user(path_user: str, user: User) -> bool:
    return path_user in ("me", user.id) or path_user.lower() == user.email.lower()


def issue_zak(em: Emulator, meeting: Meeting) -> str:
    """A fresh host key for start_url, valid 2 hours (zoom-api.md §2)."""
    zak = ids.jwt_like("zak")
    with em.store.lock:
        em.store.zaks[ids.digest(zak)] = (meeting.id, em.now() + em.config.zak_ttl)
    return zak


def own_meeting(em: Emulator, raw_id: str, user: User) -> Meeting | None:
    """A live meeting hosted by `user`; another host's meeting is "does not exist" too."""
    if not raw_id.isdigit():
        return None
    meeting = em.store.meetings.get(int(raw_id))
    if meeting is None or meeting.deleted_at is not None or meeting.host_id != user.id:
        return None
    return meeting


async def users_me(request: Request) -> Response:
    checked = guard(request, "users_me")
    if isinstance(checked, Response):
        return checked
    _, user = checked
    account = emulator(request).store.accounts[user.account_id]
    return _category("users_me", JSONResponse(user_shape(user, account.plan, base_url(request))))


def user_shape(user: User, plan: str, base: str) -> dict[str, Any]:
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "email": user.email,
        "type": user.type,
        "role_name": "Owner",
        "pmi": user.pmi,
        "use_pmi": False,
        "personal_meeting_url": f"{base}/j/{user.pmi}",
        "timezone": user.timezone,
        "verified": 1,
        "dept": "",
        "created_at": iso_z(user.created_at),
        "user_created_at": iso_z(user.created_at),
        "last_login_time": iso_z(user.created_at),
        "pic_url": "",
        "cms_user_id": "",
        "jid": f"{user.id.lower()}@xmpp.zoom.us",
        "group_ids": [],
        "im_group_ids": [],
        "account_id": user.account_id,
        "language": "en-US",
        "phone_country": "",
        "phone_number": "",
        "status": "active",
        "role_id": "0",
        "employee_unique_id": "",
        "account_number": int(ids.digest(user.account_id)[:7], 16),
        "cluster": "us06",
        "login_types": [100],
        "user_type": 0 if plan == "free" else 1,
    }


async def create_meeting(request: Request) -> Response:
    checked = guard(request, "create_meeting")
    if isinstance(checked, Response):
        return checked
    _, user = checked
    if not own_user(request.path_params["user_id"], user):
        return error(404, 1001, f"User does not exist: {request.path_params['user_id']}.")
    body = await json_object(request)
    if body is None:
        return bad_json()
    if errors := meetings.validate(body):
        return error(400, 300, "Validation Failed.", errors=errors)
    em = emulator(request)
    with em.store.lock:
        account = em.store.accounts[user.account_id]
        meeting = meetings.new_meeting(
            body, number=em.store.new_meeting_id(), user=user, account=account, now=em.clock.now()
        )
        em.store.meetings[meeting.id] = meeting
    shape = meetings.full_json(
        meeting, user, base_url=base_url(request), zak=issue_zak(em, meeting)
    )
    return _category("create_meeting", JSONResponse(shape, 201))


def _page(items: list[Meeting], request: Request) -> tuple[list[Meeting], int, str]:
    """One page, its size and the opaque next_page_token ("" on the last page)."""
    query = request.query_params
    try:
        size = min(max(int(query.get("page_size") or 30), 1), MAX_PAGE_SIZE)
        start = int(base64.urlsafe_b64decode(query.get("next_page_token") or "MA=="))
    except ValueError:
        size, start = 30, 0
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else ""
    return items[start:end], size, token


async def list_meetings(request: Request) -> Response:
    checked = guard(request, "list_meetings")
    if isinstance(checked, Response):
        return checked
    _, user = checked
    if not own_user(request.path_params["user_id"], user):
        return error(404, 1001, f"User does not exist: {request.path_params['user_id']}.")
    kind = request.query_params.get("type", "scheduled")
    if kind not in LIST_TYPES:
        return error(400, 300, f"Invalid field: type={kind}.")
    em = emulator(request)
    now = em.clock.now()
    with em.store.lock:
        mine = [
            m
            for m in em.store.meetings.values()
            if m.host_id == user.id and meetings.listed(m, kind, now)
        ]
    mine.sort(key=lambda m: (m.start_time or m.created_at, m.id))
    page, size, token = _page(mine, request)
    body = {
        "page_size": size,
        "total_records": len(mine),
        "next_page_token": token,
        "meetings": [meetings.list_item(m, base_url(request)) for m in page],
    }
    return _category("list_meetings", JSONResponse(body))


async def get_meeting(request: Request) -> Response:
    checked = guard(request, "get_meeting")
    if isinstance(checked, Response):
        return checked
    _, user = checked
    em = emulator(request)
    meeting = own_meeting(em, request.path_params["meeting_id"], user)
    if meeting is None:
        return not_found(request.path_params["meeting_id"])
    shape = meetings.full_json(
        meeting, user, base_url=base_url(request), zak=issue_zak(em, meeting)
    )
    return _category("get_meeting", JSONResponse(shape))


async def patch_meeting(request: Request) -> Response:
    checked = guard(request, "patch_meeting")
    if isinstance(checked, Response):
        return checked
    _, user = checked
    em = emulator(request)
    body = await json_object(request)
    if body is None:
        return bad_json()
    if errors := meetings.validate(body):
        return error(400, 300, "Validation Failed.", errors=errors)
    with em.store.lock:
        meeting = own_meeting(em, request.path_params["meeting_id"], user)
        if meeting is None:
            return not_found(request.path_params["meeting_id"])
        meetings.update_meeting(
            meeting, body, user=user, account=em.store.accounts[user.account_id]
        )
    return _category("patch_meeting", Response(status_code=204))


async def delete_meeting(request: Request) -> Response:
    checked = guard(request, "delete_meeting")
    if isinstance(checked, Response):
        return checked
    _, user = checked
    em = emulator(request)
    with em.store.lock:
        meeting = own_meeting(em, request.path_params["meeting_id"], user)
        if meeting is None:
            return not_found(request.path_params["meeting_id"])
        meeting.deleted_at = em.clock.now()
    return _category("delete_meeting", Response(status_code=204))
