"""Every product URL, plus the signed-in no-op the issue 20 benchmark compares against."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def signed_in_noop(request: HttpRequest) -> HttpResponse:
    """What every signed-in request pays (the session, then the user) and nothing else."""
    if not request.user.is_authenticated:
        return HttpResponse("sign in", status=403, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("_bench/signed-in", signed_in_noop),
    path("", include("peerakeet.urls")),
]

handler403 = "peerakeet.views.permission_denied"
handler404 = "peerakeet.views.page_not_found"
handler500 = "peerakeet.views.server_error"
