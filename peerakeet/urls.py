from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from peerakeet.views import healthz

admin.site.site_header = "Peerakeet support"
admin.site.site_title = "Peerakeet support"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", RedirectView.as_view(pattern_name="scheduling:schedule", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("integrations/zoom/", include("zoom.urls")),
    path("", include("scheduling.urls")),
    path("api/v1/", include("api.urls")),
    path("support/", admin.site.urls),
]

handler403 = "peerakeet.views.permission_denied"
handler404 = "peerakeet.views.page_not_found"
handler500 = "peerakeet.views.server_error"
