"""CSRF on every state-changing form: each URL pattern Django knows (the admin's included) is
POSTed to by a signed-in user without a CSRF token, and must refuse with 403 and change nothing.
Only two families are exempt, each for a stated reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.security.conftest import Route, all_routes

pytestmark = pytest.mark.django_db

# The webhook is signed by Zoom instead (zoom-api.md §4); the API takes bearer tokens and never
# a session cookie (tests/api/test_tokens.py::test_it_ignores_a_dashboard_session_cookie).
# The webhook (signed by Zoom), and the API's JSON 404 for unknown addresses (it changes nothing).
EXEMPT = {"zoom:webhook", "api-not-found"}
FILLERS = {
    "session_id": "1",
    "ask_id": "1",
    "token_id": "1",
    "subscription_id": "1",
    "slug": "pat",
    "action": "cancel",
    "uidb64": "MQ",
    "token": "set-password",
    "object_id": "1",
    "id": "1",
    "app_label": "accounts",
    "content_type_id": "1",
    "url": "x",
    "path": "x",
    "rest": "x",
}


def exempt(route: Route) -> bool:
    return route.name in EXEMPT or route.is_api


def test_only_the_webhook_and_the_api_skip_csrf():
    skipping = {r.name for r in all_routes() if getattr(r.callback, "csrf_exempt", False)}

    assert {name for name in skipping if not name.startswith("api:")} <= EXEMPT


def signed_in(persona: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona)
    return client


@pytest.mark.parametrize("route", [r for r in all_routes() if not exempt(r)], ids=lambda r: r.name)
def test_every_post_without_a_csrf_token_is_refused(route, peer, participant, staff):
    from tests.scheduling.conftest import book

    session = book(peer, participant)
    staff.is_superuser = True
    staff.save()
    values = {k: (session.pk if k == "session_id" else FILLERS[k]) for k in route.kwargs}
    url = route.url(**values)

    for persona in (peer, staff):
        response = signed_in(persona).post(url, {"manual_link": "https://whereby.com/evil"})
        assert response.status_code in (403, 405), f"POST {url}: {response.status_code}"

    session.refresh_from_db()
    assert session.status == "confirmed"
    assert session.manual_link == ""
