"""The signed-in browser turns its pushes on and off (the service worker's page script posts
here with the CSRF token), and the Preferences page removes a device."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.models import User
from peerakeet.lib.user_agent import device_label
from push.services import (
    PushSubscriptionError,
    push_subscription_register,
    push_subscription_remove,
    push_subscription_remove_endpoint,
)

View = Callable[..., HttpResponse]


def signed_in_json(view: View) -> View:
    """For the page script's fetch(): a browser no longer signed in (idle, signed out elsewhere)
    gets 401 and says so. ``login_required`` would redirect to the sign-in page, which fetch()
    follows, and its 200 would read as "Notifications are on" with nothing stored."""

    @wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse(
                {"code": "signed_out", "message": "Sign in again to turn notifications on or off."},
                status=401,
            )
        return view(request, *args, **kwargs)

    return checked


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _json(request: HttpRequest) -> dict[str, object]:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    return body if isinstance(body, dict) else {}


@signed_in_json
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """Body: ``PushSubscription.toJSON()``. Answers ``{"id": …}``, or ``{"code", "message"}`` with
    400 (not a subscription Peerakeet accepts) or 401 (not signed in)."""
    body = _json(request)
    keys = body.get("keys") if isinstance(body.get("keys"), dict) else {}
    assert isinstance(keys, dict)
    try:
        subscription = push_subscription_register(
            user=_user(request),
            endpoint=str(body.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            label=device_label(request.headers.get("User-Agent", "")),
            # Its pushes end with this sign-in (push.receivers, accounts.middleware).
            session_key=request.session.session_key or "",
        )
    except PushSubscriptionError as exc:
        return JsonResponse({"code": exc.code, "message": " ".join(exc.messages)}, status=400)
    return JsonResponse({"id": subscription.pk}, status=201)


@signed_in_json
@require_POST
def unsubscribe(request: HttpRequest) -> HttpResponse:
    """This browser turned its pushes off: body ``{"endpoint": …}``."""
    push_subscription_remove_endpoint(
        user=_user(request), endpoint=str(_json(request).get("endpoint") or "")
    )
    return HttpResponse(status=204)


@login_required
@require_POST
def remove(request: HttpRequest, subscription_id: int) -> HttpResponse:
    if not push_subscription_remove(user=_user(request), subscription_id=subscription_id):
        raise Http404("No such device")
    messages.success(request, "That device no longer gets notifications.")
    return redirect("accounts:preferences")
