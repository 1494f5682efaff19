from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from peerakeet import pwa, views
from peerakeet.views import healthz

admin.site.site_header = "Peerakeet support"
admin.site.site_title = "Peerakeet support"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The installable app: the worker must sit at the root to control every page.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("offline/", pwa.offline, name="offline"),
    path("notifications/", pwa.notifications, name="notifications"),
    path("", RedirectView.as_view(pattern_name="scheduling:schedule", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("integrations/zoom/", include("zoom.urls")),
    path("", include("scheduling.urls")),
    path("", include("booking.urls")),
    path("api/v1/", include("api.urls")),
    path("push/", include("push.urls")),
    # /support/ is the staff admin; the page for everyone who needs help is /help/.
    path("help/", views.support, name="support"),
    path("help/zoom-reviewer-test-plan.md", views.reviewer_test_plan, name="reviewer_test_plan"),
    path(
        "help/zoom-reviewer-test-plan/",
        views.reviewer_test_plan_page,
        name="reviewer_test_plan_page",
    ),
    # Browsers ask for /favicon.ico whatever the page says: the logo answers.
    path("favicon.ico", RedirectView.as_view(url="/static/peerakeet/logo.svg", permanent=True)),
    path("support/", admin.site.urls),
]

handler403 = "peerakeet.views.permission_denied"
handler404 = "peerakeet.views.page_not_found"
handler500 = "peerakeet.views.server_error"
