"""Friendly error pages: never a stack trace, always what to do next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "peerakeet/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "peerakeet/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "peerakeet/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "peerakeet/csrf_failure.html", status=403)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and the benchmarks' baseline: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")
