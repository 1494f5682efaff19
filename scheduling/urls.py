from __future__ import annotations

from django.urls import path

from scheduling import move_views, views

app_name = "scheduling"

urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/sessions/", views.session_list, name="session_list"),
    path("schedule/zoom-banners/", views.zoom_banners, name="zoom_banners"),
    path("schedule/zoom-account/", views.zoom_account_switch, name="zoom_account_switch"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/request/", views.session_request, name="session_request"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path("sessions/<int:session_id>/link/", views.session_link, name="session_link"),
    path("sessions/<int:session_id>/join", views.join, name="join"),
    path("sessions/<int:session_id>/calendar.ics", views.session_calendar, name="session_calendar"),
    path(
        "sessions/<int:session_id>/reschedule/", views.session_reschedule, name="session_reschedule"
    ),
    path("sessions/<int:session_id>/move/ask/", move_views.move_ask_new, name="move_ask_new"),
    path(
        "sessions/<int:session_id>/move/<int:ask_id>/<slug:action>/",
        move_views.move_ask_answer,
        name="move_ask_answer",
    ),
    path("sessions/<int:session_id>/<slug:action>/", views.session_action, name="session_action"),
]
