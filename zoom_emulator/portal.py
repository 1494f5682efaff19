"""Zoom's web pages that matter to Peerakeet: Marketplace "Added Apps" with Remove (§4), the
meeting start/join landing pages, and a host's meeting list with Delete."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from zoom_emulator import ids, pages
from zoom_emulator.faults import ControlError
from zoom_emulator.state import Meeting, User
from zoom_emulator.web import emulator


def _user(request: Request, key: str | None) -> User | None:
    return emulator(request).store.find_user(key) if key else None


def _installed(request: Request, user: User) -> bool:
    em = emulator(request)
    return any(
        g.active and g.user_id == user.id and g.client_id == em.config.client_id
        for g in list(em.store.grants.values())
    )


async def added_apps(request: Request) -> Response:
    em = emulator(request)
    user = _user(request, request.query_params.get("user"))
    notice = f"{em.config.app_name} was removed." if request.query_params.get("removed") else None
    if user is None:
        with_grants = [u for u in list(em.store.users.values()) if _installed(request, u)]
        return pages.marketplace_page(None, with_grants, em.config.app_name, False, notice)
    return pages.marketplace_page(user, [], em.config.app_name, _installed(request, user), notice)


async def confirm_remove(request: Request) -> Response:
    user = _user(request, request.query_params.get("user"))
    if user is None:
        return pages.error_page("Unknown user.", 404)
    return pages.remove_page(user, emulator(request).config.app_name)


async def remove(request: Request) -> Response:
    form = await request.form()
    user = _user(request, str(form.get("user", "")))
    if user is None:
        return pages.error_page("Unknown user.", 404)
    emulator(request).deauthorize(user.id)
    return RedirectResponse(f"/marketplace/apps?user={quote(user.id)}&removed=1", 303)


def _live_meeting(request: Request, raw: str) -> Meeting | None:
    meeting = emulator(request).store.meetings.get(int(raw)) if raw.isdigit() else None
    return meeting if meeting is not None and meeting.deleted_at is None else None


async def join_page(request: Request) -> Response:
    raw = request.path_params["meeting_id"]
    return pages.meeting_page(_live_meeting(request, raw), raw, "participant")


async def start_page(request: Request) -> Response:
    em = emulator(request)
    raw = request.path_params["meeting_id"]
    meeting = _live_meeting(request, raw)
    if meeting is None:
        return pages.meeting_page(None, raw, "host")
    zak = em.store.zaks.get(ids.digest(request.query_params.get("zak", "")))
    if zak is None or zak[0] != meeting.id:
        return pages.meeting_page(meeting, raw, "host", "This start link is not valid.")
    if zak[1] <= em.now():
        return pages.meeting_page(meeting, raw, "host", "This start link has expired.")
    return pages.meeting_page(meeting, raw, "host")


async def host_meetings(request: Request) -> Response:
    em = emulator(request)
    user = _user(request, request.query_params.get("user"))
    if user is None:
        return pages.error_page("Give ?user=<email or id>.", 404)
    live = [
        m for m in list(em.store.meetings.values()) if m.host_id == user.id and m.deleted_at is None
    ]
    return pages.host_meetings_page(user, live)


async def delete_in_zoom(request: Request) -> Response:
    em = emulator(request)
    raw = request.path_params["meeting_id"]
    try:
        meeting, _ = em.delete_meeting_in_zoom(int(raw) if raw.isdigit() else -1)
    except ControlError as exc:
        return pages.error_page(str(exc), 404)
    return RedirectResponse(f"/meetings?user={quote(meeting.host_id)}", 303)
