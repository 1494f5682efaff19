from __future__ import annotations

from django.urls import path

from booking import views

app_name = "booking"

urlpatterns = [
    path("find/", views.find, name="find"),
    path("booking/settings/", views.peer_settings, name="settings"),
    path("p/<slug:slug>/", views.peer_page, name="peer"),
    path("p/<slug:slug>/book/", views.book, name="book"),
]
