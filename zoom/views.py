"""Connect, callback, status, disconnect and the webhook (DESIGN.md flows 1, 2 and 6).

Thin shells over zoom.services: they check who is asking, keep the OAuth ``state`` in the login
session, and turn every outcome into a page a person can act on (never a trace or raw JSON).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.context_processors import csrf
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.models import User
from accounts.permissions import PEER_ONLY, certified_peer_required
from zoom import scopes, webhooks
from zoom.client import ZoomError, ZoomRateLimited, ZoomUnavailable
from zoom.selectors import status_read
from zoom.services import (
    ZoomScopesMissing,
    ZoomUserAlreadyBound,
    connection_complete,
    connection_disconnect,
    connection_failed,
    may_disconnect,
    oauth_begin,
    webhook_received,
)
from zoom.templatetags.zoom_tags import UNREAD, pill_context

log = logging.getLogger(__name__)

PENDING_KEY = "zoom_oauth_pending"
STATE_TTL = 600  # seconds: the connect popup has ten minutes to come back
MAX_PENDING = 3  # a few tabs may be mid-connect; older states are dropped

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Pending:
    verifier: str
    popup: bool


def peer_view(view: View, *, peers_only: bool = True) -> View:
    """certified_peer_required, adjusted for a tab whose sign-in expired: an htmx poll reloads
    the page (which then asks to sign in) instead of swapping the sign-in form into the pill,
    and a button press returns to the Schedule page after sign-in, not to a POST-only URL.
    ``peers_only=False``: any signed-in person (a revoked peer may still disconnect Zoom)."""
    guarded = certified_peer_required(view) if peers_only else view

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if _htmx(request):
                return HttpResponseClientRefresh()
            # A POST, or any request to a view open to every signed-in person (Disconnect's
            # question is a GET): sign in, then the Schedule page.
            if request.method == "POST" or not peers_only:
                return redirect_to_login(reverse("scheduling:schedule"))
        return guarded(request, *args, **kwargs)

    return wrapper


def _htmx(request: HttpRequest) -> bool:
    """django-htmx's HtmxMiddleware sets request.htmx; false for plain requests."""
    return bool(getattr(request, "htmx", False))


def _peer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by peer_view: signed in
    return request.user


# --- Connect ------------------------------------------------------------------------------


@require_POST
@peer_view
def connect(request: HttpRequest) -> HttpResponse:
    start = oauth_begin()
    _remember_state(request, start.state, start.code_verifier, popup=_is_popup(request))
    if _htmx(request) or "application/json" in request.headers.get("Accept", ""):
        # zoom.js opened the popup synchronously in the click; it now points it here.
        return JsonResponse({"authorize_url": start.authorize_url})
    # No JavaScript: the same tab goes to Zoom (CSP form-action lists ZOOM_OAUTH_URL).
    return redirect(start.authorize_url)


def _is_popup(request: HttpRequest) -> bool:
    return request.POST.get("mode") == "popup"


def _remember_state(request: HttpRequest, state: str, verifier: str, *, popup: bool) -> None:
    now = timezone.now().timestamp()
    pending = {
        key: entry
        for key, entry in request.session.get(PENDING_KEY, {}).items()
        if entry.get("expires_at", 0) > now
    }
    pending[state] = {
        "verifier": verifier,
        "expires_at": now + STATE_TTL,
        "popup": popup,
        "user_id": request.user.pk,
    }
    newest = sorted(pending.items(), key=lambda item: item[1]["expires_at"])[-MAX_PENDING:]
    request.session[PENDING_KEY] = dict(newest)


def _pop_state(request: HttpRequest, state: str) -> Pending | None:
    """The pending connect for ``state``, removed (single use); None if unknown or expired."""
    pending: dict[str, dict[str, Any]] = request.session.get(PENDING_KEY, {})
    # Compare in constant time: the state is a bearer secret for this login session.
    match = (
        next((key for key in pending if hmac.compare_digest(key, state)), None) if state else None
    )
    if match is None:
        return None
    entry = pending.pop(match)
    request.session[PENDING_KEY] = pending
    fresh = entry.get("expires_at", 0) > timezone.now().timestamp()
    if not fresh or entry.get("user_id") != request.user.pk:
        return None
    return Pending(verifier=str(entry["verifier"]), popup=bool(entry.get("popup")))


# --- Callback -----------------------------------------------------------------------------


@require_GET
@certified_peer_required
def callback(request: HttpRequest) -> HttpResponse:
    peer = _peer(request)
    pending = _pop_state(request, request.GET.get("state", ""))
    if request.GET.get("error"):
        connection_failed(peer=peer, detail="Zoom authorization was not allowed")
        return _result(request, "denied", status=200)
    if pending is None:
        connection_failed(peer=peer, detail="The connect link was unknown, expired or already used")
        return _result(request, "bad_state", status=400)
    code = request.GET.get("code", "")
    if not code:
        return _result(request, "failed", status=400)
    try:
        connection = connection_complete(peer=peer, code=code, code_verifier=pending.verifier)
    except ZoomError as exc:
        return _connect_failure(request, peer, exc)
    if pending.popup:
        return _result(request, "connected", email=connection.zoom_email)
    messages.success(request, f"Zoom is connected ({connection.zoom_email}).")
    return redirect("scheduling:schedule")


def _connect_failure(request: HttpRequest, peer: User, exc: ZoomError) -> HttpResponse:
    if isinstance(exc, ZoomUserAlreadyBound):  # audited and revoked by the service
        return _result(request, "already_bound", status=409)
    if isinstance(exc, ZoomScopesMissing):  # audited and revoked by the service
        missing = [scopes.label(scope) for scope in exc.missing]
        return _result(request, "scopes_missing", status=400, missing=missing)
    if isinstance(exc, ZoomUnavailable | ZoomRateLimited):
        connection_failed(peer=peer, detail=f"Zoom unavailable: {type(exc).__name__}")
        return _result(request, "unavailable", status=503)
    connection_failed(
        peer=peer, detail=f"Zoom refused the code exchange ({exc.code or exc.status or 'error'})"
    )
    return _result(request, "failed", status=400)


def _result(request: HttpRequest, outcome: str, *, status: int = 200, **extra: Any) -> HttpResponse:
    response = render(
        request, "zoom/connect_result.html", {"outcome": outcome, **extra}, status=status
    )
    # The page sits in the connect popup after a trip through Zoom's origin: keep the popup's
    # link to the Schedule page (a stricter COOP would sever window.opener) so it can tell it
    # and close. It posts only to its own origin, so a foreign opener learns nothing.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


# --- Status and disconnect ------------------------------------------------------------------


def _status_read_first(view: View) -> View:
    """Reads the connection and the peer's certification in one statement before peer_view's
    check (which then finds the certification already read)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if isinstance(request.user, User):
            request.zoom_connection = status_read(request.user)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@_status_read_first
@peer_view
def status(request: HttpRequest) -> HttpResponse:
    """The pill's inside, from the database only: polled by htmx. One statement of its own."""
    return _pill(request, request.zoom_connection)  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
@partial(peer_view, peers_only=False)
def disconnect(request: HttpRequest) -> HttpResponse:
    """GET asks once (a <dialog> over the pill when JavaScript runs); POST disconnects."""
    user = _peer(request)
    if request.method == "GET":
        if not may_disconnect(user):
            raise PermissionDenied(PEER_ONLY)
        return render(request, "zoom/disconnect.html", {"nav": "schedule", **pill_context(user)})
    disconnected = connection_disconnect(peer=user)  # refuses whoever may not
    if _htmx(request):
        return _pill(request)
    if disconnected:
        messages.success(request, "Zoom is disconnected.")
    return redirect("scheduling:schedule")


def _pill(request: HttpRequest, connection: Any = UNREAD) -> HttpResponse:
    """The pill's inside. Rendered with its own context and the CSRF token only, not the page's
    context processors (messages, roles, the user), which the fragment never shows: every open
    Schedule page polls it, and those cost it more than its template (docs/benchmarks.md §7)."""
    context = {**pill_context(_peer(request), connection), **csrf(request)}
    return HttpResponse(render_to_string("zoom/_status_pill_body.html", context))


# --- Webhook ------------------------------------------------------------------------------


@csrf_exempt  # Zoom signs its deliveries instead (zoom-api.md §4)
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    body = request.body
    try:
        webhooks.verify(
            secret=settings.ZOOM_WEBHOOK_SECRET_TOKEN,
            body=body,
            timestamp=request.headers.get("x-zm-request-timestamp"),
            signature_header=request.headers.get("x-zm-signature"),
            now=timezone.now().timestamp(),
            max_age=settings.ZOOM_WEBHOOK_MAX_AGE,
        )
    except webhooks.WebhookRejected as exc:
        log.warning("Zoom webhook rejected: %s", exc)
        return JsonResponse({"error": "unauthorized"}, status=401)
    try:
        event = webhooks.parse(body)
        return JsonResponse(webhook_received(event))
    except webhooks.MalformedEvent as exc:
        return JsonResponse({"error": str(exc)}, status=400)
