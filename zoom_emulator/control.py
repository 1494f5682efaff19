"""The control API under /_emulator/ (JSON) that tests and benchmarks drive.

It never returns a raw access or refresh token; tests get tokens the real way, with
POST /_emulator/authorize standing in for a person clicking Allow.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoom_emulator import accounts, oauth
from zoom_emulator.accounts import NewUser, UserError
from zoom_emulator.clock import iso_ms_z, iso_z
from zoom_emulator.emulator import KEEP
from zoom_emulator.faults import ControlError, Fault, Handler
from zoom_emulator.state import PLANS, Grant, Meeting
from zoom_emulator.web import emulator


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ControlError("body must be JSON") from exc
    if not isinstance(body, dict):
        raise ControlError("body must be a JSON object")
    return body


def _guarded(handler: Handler) -> Handler:
    """Bad control input answers 400 with {"error": …} instead of a stack trace."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except (ControlError, UserError, KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, 400)

    return wrapped


async def reset(request: Request) -> Response:
    body = await _body(request)
    emulator(request).reset(body.get("seed", KEEP))
    return JSONResponse({"status": "reset"})


async def list_users(request: Request) -> Response:
    store = emulator(request).store
    return JSONResponse(
        [accounts.user_json(u, store.accounts[u.account_id]) for u in list(store.users.values())]
    )


async def add_user(request: Request) -> Response:
    em = emulator(request)
    spec = NewUser(**await _body(request))
    user = accounts.create_user(em.store, spec, now=em.clock.now())
    return JSONResponse(accounts.user_json(user, em.store.accounts[user.account_id]), 201)


async def update_user(request: Request) -> Response:
    em = emulator(request)
    body = await _body(request)
    user = accounts.set_user_type(em.store, request.path_params["user_id"], body.get("type"))
    return JSONResponse(accounts.user_json(user, em.store.accounts[user.account_id]))


async def set_account(request: Request) -> Response:
    em = emulator(request)
    body = await _body(request)
    account = em.store.accounts.get(request.path_params["account_id"])
    if account is None:
        raise ControlError(f"no account {request.path_params['account_id']}")
    if "plan" in body and body["plan"] not in PLANS:
        raise ControlError(f"plan must be one of {', '.join(PLANS)}")
    with em.store.lock:
        account.plan = body.get("plan", account.plan)
        account.locked_settings = dict(body.get("locked_settings", account.locked_settings))
        account.default_settings = dict(body.get("default_settings", account.default_settings))
    return JSONResponse(
        {
            "id": account.id,
            "plan": account.plan,
            "locked_settings": account.locked_settings,
            "default_settings": account.default_settings,
        }
    )


def _clock_json(request: Request) -> JSONResponse:
    clock = emulator(request).clock
    return JSONResponse({"now": iso_ms_z(clock.now()), "offset_seconds": clock.offset})


async def get_clock(request: Request) -> Response:
    return _clock_json(request)


async def advance_clock(request: Request) -> Response:
    emulator(request).clock.advance(float((await _body(request))["seconds"]))
    return _clock_json(request)


async def set_clock(request: Request) -> Response:
    when = datetime.fromisoformat(str((await _body(request))["now"]).replace("Z", "+00:00"))
    emulator(request).clock.set(when if when.tzinfo else when.replace(tzinfo=UTC))
    return _clock_json(request)


async def set_latency(request: Request) -> Response:
    body = await _body(request)
    low = float(body.get("min_ms", body.get("ms", 0)))
    high = float(body.get("max_ms", body.get("ms", low)))
    instruments = emulator(request).instruments
    instruments.set_latency(str(body.get("endpoint", "*")), low, high)
    return JSONResponse(instruments.latency())


async def get_latency(request: Request) -> Response:
    return JSONResponse(emulator(request).instruments.latency())


async def clear_latency(request: Request) -> Response:
    instruments = emulator(request).instruments
    for endpoint in instruments.latency():
        instruments.set_latency(endpoint, 0, 0)
    return JSONResponse({})


async def add_fault(request: Request) -> Response:
    body = await _body(request)
    fault = Fault(
        endpoint=str(body["endpoint"]),
        kind=str(body["kind"]),
        remaining=body.get("next"),
        probability=body.get("probability"),
        hold_seconds=float(body.get("hold_seconds", 30.0)),
    )
    return JSONResponse(emulator(request).instruments.add_fault(fault).public(), 201)


async def list_faults(request: Request) -> Response:
    return JSONResponse(emulator(request).instruments.faults())


async def clear_faults(request: Request) -> Response:
    emulator(request).instruments.clear_faults()
    return JSONResponse([])


async def calls(request: Request) -> Response:
    return JSONResponse(emulator(request).instruments.calls(request.query_params.get("endpoint")))


async def clear_calls(request: Request) -> Response:
    emulator(request).instruments.clear_calls()
    return JSONResponse([])


def meeting_record(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "uuid": m.uuid,
        "host_id": m.host_id,
        "account_id": m.account_id,
        "topic": m.topic,
        "type": m.type,
        "start_time": iso_z(m.start_time) if m.start_time else None,
        "duration": m.duration,
        "timezone": m.timezone,
        "agenda": m.agenda,
        "created_at": iso_z(m.created_at),
        "deleted_at": iso_ms_z(m.deleted_at) if m.deleted_at else None,
        "password": m.password,
        "settings": m.settings,
        "create_body": m.create_body,
        "patch_bodies": m.patch_bodies,
    }


async def list_meetings(request: Request) -> Response:
    em = emulator(request)
    user_id = request.query_params.get("user_id")
    with em.store.lock:
        chosen = [
            meeting_record(m)
            for m in em.store.meetings.values()
            if user_id is None or m.host_id == user_id
        ]
    return JSONResponse(chosen)


async def delete_meeting(request: Request) -> Response:
    meeting, delivery = emulator(request).delete_meeting_in_zoom(
        int(request.path_params["meeting_id"])
    )
    return JSONResponse(
        {"meeting": meeting_record(meeting), "delivery_id": delivery.id if delivery else None}
    )


def _when(seconds: float | None) -> str | None:
    return iso_ms_z(datetime.fromtimestamp(seconds, UTC)) if seconds is not None else None


def grant_record(g: Grant, now: float) -> dict[str, Any]:
    return {
        "id": g.id,
        "user_id": g.user_id,
        "account_id": g.account_id,
        "client_id": g.client_id,
        "scopes": g.scopes,
        "active": g.active,
        "status": g.status,
        "created_at": _when(g.created_at),
        "ended_at": _when(g.ended_at),
        "refresh_count": g.refresh_count,
        "live_access_tokens": sum(1 for exp in g.access.values() if exp > now),
    }


async def list_grants(request: Request) -> Response:
    em = emulator(request)
    with em.store.lock:
        return JSONResponse([grant_record(g, em.now()) for g in em.store.grants.values()])


async def deauthorize(request: Request) -> Response:
    body = await _body(request)
    ended, delivery = emulator(request).deauthorize(
        request.path_params["user_id"], user_data_retention=body.get("user_data_retention")
    )
    return JSONResponse({"grant_ids": ended, "delivery_id": delivery.id if delivery else None})


async def get_config(request: Request) -> Response:
    return JSONResponse(emulator(request).config.public_view())


async def configure(request: Request) -> Response:
    return JSONResponse(emulator(request).configure(await _body(request)).public_view())


async def authorize(request: Request) -> Response:
    """Stand-in for a person clicking Allow: returns the code the redirect would carry."""
    em = emulator(request)
    body = await _body(request)
    params = {k: str(v) for k, v in body.items() if k != "scopes" and v is not None}
    params.setdefault("client_id", em.config.client_id)
    if problem := oauth.check_authorize(em.config, params):
        raise ControlError(problem)
    user = em.store.find_user(params.get("user_id", ""))
    if user is None:
        raise ControlError(f"no user {params.get('user_id')}")
    auth = oauth.new_auth_request(em, params)
    code = oauth.grant_code(em, auth, user, body.get("scopes"))
    return JSONResponse(
        {
            "code": code,
            "state": auth.state,
            "redirect_url": oauth.with_query(auth.redirect_uri, code=code, state=auth.state),
        }
    )


async def deliveries(request: Request) -> Response:
    return JSONResponse(emulator(request).webhooks.deliveries())


async def url_validation(request: Request) -> Response:
    return JSONResponse(await emulator(request).webhooks.url_validation())


ROUTES: list[tuple[str, Handler, list[str]]] = [
    ("/reset", reset, ["POST"]),
    ("/users", list_users, ["GET"]),
    ("/users", add_user, ["POST"]),
    ("/users/{user_id}", update_user, ["PATCH"]),
    ("/users/{user_id}/deauthorize", deauthorize, ["POST"]),
    ("/accounts/{account_id}", set_account, ["PUT", "POST"]),
    ("/clock", get_clock, ["GET"]),
    ("/clock", set_clock, ["PUT", "POST"]),
    ("/clock/advance", advance_clock, ["POST"]),
    ("/latency", get_latency, ["GET"]),
    ("/latency", set_latency, ["PUT", "POST"]),
    ("/latency", clear_latency, ["DELETE"]),
    ("/faults", list_faults, ["GET"]),
    ("/faults", add_fault, ["POST"]),
    ("/faults", clear_faults, ["DELETE"]),
    ("/calls", calls, ["GET"]),
    ("/calls", clear_calls, ["DELETE"]),
    ("/meetings", list_meetings, ["GET"]),
    ("/meetings/{meeting_id:int}/delete", delete_meeting, ["POST"]),
    ("/grants", list_grants, ["GET"]),
    ("/config", get_config, ["GET"]),
    ("/config", configure, ["PUT", "POST"]),
    ("/authorize", authorize, ["POST"]),
    ("/webhooks", deliveries, ["GET"]),
    ("/webhooks/url-validation", url_validation, ["POST"]),
]


def routes() -> list[Route]:
    return [
        Route(f"/_emulator{path}", _guarded(handler), methods=methods)
        for path, handler, methods in ROUTES
    ]
