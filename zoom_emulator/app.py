"""The Starlette application: OAuth at /oauth, REST at /v2, web pages, control at /_emulator."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from zoom_emulator import api, control, oauth, portal
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.emulator import Emulator
from zoom_emulator.faults import Handler, Instrumented


def _named(em: Emulator, path: str, name: str, handler: Handler, method: str) -> Route:
    app = Instrumented(name, handler, em.instruments, em.clock)
    return Route(path, app, methods=[method], name=name)


async def not_found(request: Request, exc: Exception) -> Response:
    # Zoom's API gateway answers unknown paths with a JSON error, not an HTML page.
    return JSONResponse({"code": 404, "message": "Not Found"}, 404)


def create_app(config: EmulatorConfig) -> Starlette:
    em = Emulator(config)
    user_meetings = "/v2/users/{user_id}/meetings"
    meeting = "/v2/meetings/{meeting_id}"
    routes: list[BaseRoute] = [
        _named(em, "/oauth/authorize", "authorize", oauth.authorize, "GET"),
        _named(em, "/oauth/token", "token", oauth.token, "POST"),
        _named(em, "/oauth/revoke", "revoke", oauth.revoke, "POST"),
        Route("/oauth/signin", oauth.signin_form, methods=["GET"]),
        Route("/oauth/signin", oauth.signin, methods=["POST"]),
        Route("/oauth/consent", oauth.consent, methods=["POST"]),
        _named(em, "/v2/users/me", "users_me", api.users_me, "GET"),
        _named(em, user_meetings, "create_meeting", api.create_meeting, "POST"),
        _named(em, user_meetings, "list_meetings", api.list_meetings, "GET"),
        _named(em, meeting, "get_meeting", api.get_meeting, "GET"),
        _named(em, meeting, "patch_meeting", api.patch_meeting, "PATCH"),
        _named(em, meeting, "delete_meeting", api.delete_meeting, "DELETE"),
        Route("/marketplace/apps", portal.added_apps, methods=["GET"]),
        Route("/marketplace/apps/remove", portal.confirm_remove, methods=["GET"]),
        Route("/marketplace/apps/remove", portal.remove, methods=["POST"]),
        Route("/j/{meeting_id}", portal.join_page, methods=["GET"]),
        Route("/s/{meeting_id}", portal.start_page, methods=["GET"]),
        Route("/meetings", portal.host_meetings, methods=["GET"]),
        Route("/meetings/{meeting_id}/delete", portal.delete_in_zoom, methods=["POST"]),
        *control.routes(),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    app.state.emulator = em
    return app
