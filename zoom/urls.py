from __future__ import annotations

from django.urls import path

from zoom import views

app_name = "zoom"

urlpatterns = [
    path("connect/", views.connect, name="connect"),
    # No trailing slash: the registered redirect URI (settings.ZOOM_REDIRECT_URI) and the
    # webhook URL in the Marketplace must match exactly.
    path("callback", views.callback, name="callback"),
    path("status/", views.status, name="status"),
    path("disconnect/", views.disconnect, name="disconnect"),
    path("webhook", views.webhook, name="webhook"),
]
