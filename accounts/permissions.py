"""Who may do what. Anonymous users are sent to sign in; other roles get a clear 403 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]

PEER_ONLY = (
    "Only certified peers can do this. If you are a peer, ask Peerakeet support to confirm your "
    "certification."
)


def certified_peer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_certified_peer:
            raise PermissionDenied(PEER_ONLY)
        return view(request, *args, **kwargs)

    return wrapper
