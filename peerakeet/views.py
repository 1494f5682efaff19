"""Friendly error pages (never a stack trace, always what to do next) and the support page."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt

from peerakeet.lib import shared_cache

REVIEWER_TEST_PLAN = settings.BASE_DIR / "docs" / "zoom-reviewer-test-plan.md"


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "peerakeet/403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response = render(request, "peerakeet/404.html", status=404)
    response.product_page = True  # type: ignore[attr-defined]  # see peerakeet.middleware
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "peerakeet/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "peerakeet/csrf_failure.html", status=403)


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers and the benchmarks' baseline: no database, no template.

    A shared cache (Redis) that does not answer is reported, not failed: pages still serve from
    the database, so the load balancer must keep sending traffic; monitoring reads the body."""
    if not shared_cache.healthy():
        return HttpResponse("ok, degraded: the shared cache (Redis) does not answer",
                            content_type="text/plain")  # fmt: skip
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def support(request: HttpRequest) -> HttpResponse:
    """How to reach Peerakeet support; public, so people who cannot sign in find it too."""
    return render(request, "peerakeet/support.html", {"nav": "help"})


@require_GET
def reviewer_test_plan(request: HttpRequest) -> FileResponse:
    """The Zoom Marketplace reviewer's test plan, served as the Markdown it is written in."""
    if not REVIEWER_TEST_PLAN.is_file():
        raise Http404("No reviewer test plan in this installation")
    response = FileResponse(REVIEWER_TEST_PLAN.open("rb"), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="zoom-reviewer-test-plan.md"'
    return response


@require_GET
def reviewer_test_plan_page(request: HttpRequest) -> HttpResponse:
    """The same plan as a page people can read (issue #17). markdown-it-py (already pinned, by
    CommonMark's reference rules) with raw HTML off: the file's text is never trusted as HTML."""
    if not REVIEWER_TEST_PLAN.is_file():
        raise Http404("No reviewer test plan in this installation")
    html = (
        MarkdownIt("commonmark", {"html": False})
        .enable("table")
        .render(REVIEWER_TEST_PLAN.read_text(encoding="utf-8"))
    )
    plan = mark_safe(html)  # noqa: S308  markdown-it escaped the text (raw HTML is off)
    return render(request, "peerakeet/reviewer_test_plan.html", {"nav": "help", "plan": plan})
