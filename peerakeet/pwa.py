"""The installable app: its manifest, its service worker, the offline page, the Notifications page.

Peerakeet's phone app is this web app installed to the home screen (docs/architecture.md, "The
app on a phone"). The service worker is a template, not a static file: it must be served from the
site's root to control every page, and it carries the version of the files it caches, so a
change to any of them is a new worker that replaces the old caches (peerakeet/templates/peerakeet/
sw.js explains what it caches and why).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import User
from push.selectors import push_devices
from scheduling.selectors import recent_notifications

WORKER = Path(__file__).resolve().parent / "templates" / "peerakeet" / "sw.js"
THEME_COLOUR = "#0b5cad"  # --brand in app.css
BACKGROUND_COLOUR = "#f6f7f9"  # --bg in app.css
ICON_SVG = "peerakeet/app/icon.svg"
ICON_192 = "peerakeet/app/icon-192.png"
ICON_512 = "peerakeet/app/icon-512.png"
ICON_MASKABLE = "peerakeet/app/icon-maskable-512.png"
BADGE = "peerakeet/app/badge-96.png"
# What the app needs to start and show the Schedule page without the network.
SHELL_STATIC = (
    "peerakeet/app.css",
    "peerakeet/pwa.css",
    "peerakeet/htmx-2.0.11.min.js",
    "peerakeet/app.js",
    "peerakeet/pwa.js",
    "peerakeet/zoom.js",
    ICON_192,
    BADGE,
)


def manifest_data() -> dict[str, object]:
    """The web app manifest (https://www.w3.org/TR/appmanifest/): what a phone installs."""
    return {
        "id": "/",
        "name": "Peerakeet",
        "short_name": "Peerakeet",
        "description": "Peer-support sessions: your schedule, bookings and Zoom, on your phone.",
        "start_url": reverse("scheduling:schedule"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(ICON_192), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static(ICON_512), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static(ICON_MASKABLE),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static(ICON_SVG), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(manifest_data(), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def shell_urls() -> list[str]:
    return [static(path) for path in SHELL_STATIC] + [reverse("offline")]


def shell_version() -> str:
    """A digest of the worker's own code and every file it caches: any change, a new version.
    Read once per process in production (files change only with a deploy); on every request
    while developing, so an edited stylesheet reaches the page at its next load."""
    return _digest() if settings.DEBUG else _deployed_digest()


def _digest() -> str:
    digest = hashlib.sha256()
    for path in [str(WORKER), *(finders.find(p) for p in SHELL_STATIC)]:
        if isinstance(path, str):
            with open(path, "rb") as source:
                digest.update(source.read())
    digest.update(json.dumps(shell_urls()).encode())
    return digest.hexdigest()[:12]


_deployed_digest = cache(_digest)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    config = {
        "shell": shell_urls(),
        "static": static(""),
        "schedule": reverse("scheduling:schedule"),
        "offline": reverse("offline"),
        "signIn": reverse("accounts:login"),
        "icon": static(ICON_192),
        "badge": static(BADGE),
    }
    context = {"version": shell_version(), "config": json.dumps(config)}
    response = render(request, "peerakeet/sw.js", context, content_type="text/javascript")
    # The browser checks for a new worker on navigation; never let a cache answer that check.
    response["Cache-Control"] = "no-cache, no-store, max-age=0"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What the app shows for a page it has no copy of while offline. Names no one: it is cached."""
    return render(request, "peerakeet/offline.html")


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    with timezone.override(user.time_zone):
        return render(
            request,
            "peerakeet/notifications.html",
            {
                "nav": "notifications",
                "recent": recent_notifications(user),
                "push_devices": push_devices(user),
                "push_public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY,
            },
        )
