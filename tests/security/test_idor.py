"""IDOR: peer B, participant B and an anonymous visitor against peer A's sessions, on EVERY URL
that names a session (dashboard and API), with every method. The URLs come from Django's
resolver, so a session URL added later is attacked too.

Answers allowed: 404 (the session does not exist for them), 403 (a role check came first),
405 (no such method), 302 to sign-in / 401 for anonymous. Never a 2xx, never the link or the
note in the answer, never a change to any session.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from api.tokens import token_issue
from tests.security.conftest import ACTIONS, SECRET_LINK, SECRET_NOTE, Route, session_routes

pytestmark = pytest.mark.django_db

ATTACKERS = ["other_peer", "stranger", "anonymous"]
METHODS = ["get", "post", "put", "delete"]
KNOWN = {  # what the suite expects to find; new ones are attacked too, this is only a floor
    "scheduling:session",
    "scheduling:session_link",
    "scheduling:join",
    "scheduling:session_action",
    "api:get_session",
    "api:accept_session",
    "api:decline_session",
    "api:cancel_session",
    "api:complete_session",
    "api:set_link",
    "api:join_session",
    "scheduling:session_reschedule",
    "api:reschedule_session",
    "scheduling:move_ask_new",
    "scheduling:move_ask_answer",
    "api:ask_to_move",
    "api:accept_move",
    "api:decline_move",
    "api:withdraw_move",
}
MOVE_ASK_ACTIONS = ("accept", "decline", "withdraw")


def test_the_suite_finds_every_session_url():
    names = {route.name for route in session_routes()}

    assert names >= KNOWN


def fill(route: Route, session_id: int, ask_id: int) -> list[str]:
    """Every URL of the route for this session (one per action for the action routes); an ask
    route names the victim's ask to move (under each of the victim's sessions)."""
    unknown = set(route.kwargs) - {"session_id", "action", "ask_id"}
    assert not unknown, f"{route.name}: teach tests/security/test_idor.py about {unknown}"
    ids = {"session_id": session_id, **({"ask_id": ask_id} if "ask_id" in route.kwargs else {})}
    if "action" in route.kwargs:
        actions = MOVE_ASK_ACTIONS if "ask_id" in route.kwargs else ACTIONS
        return [route.url(**ids, action=action) for action in actions]
    return [route.url(**ids)]


def attacker_client(request: pytest.FixtureRequest, who: str) -> tuple[Client, dict[str, str]]:
    client = Client()
    if who == "anonymous":
        return client, {}
    user = request.getfixturevalue(who)
    client.force_login(user)
    return client, {"Authorization": f"Bearer {token_issue(user=user, name='attack').plaintext}"}


@pytest.mark.parametrize("who", ATTACKERS)
@pytest.mark.parametrize("route", session_routes(), ids=lambda r: r.name)
def test_no_one_else_reaches_a_session_through_any_url(request, victim, who, route):
    client, bearer = attacker_client(request, who)
    before = victim.snapshot()

    for session in (victim.confirmed, victim.requested):
        for url in fill(route, session.pk, victim.move_ask.pk):
            for method in METHODS:
                response = send(client, method, url, bearer if route.is_api else {})
                where = f"{method.upper()} {url} as {who}"
                assert response.status_code in allowed(route, who), where
                assert SECRET_LINK not in response.text, where
                assert SECRET_NOTE not in response.text, where
                if response.status_code == 302:
                    assert response["Location"].startswith("/accounts/sign-in/"), where

    assert victim.snapshot() == before


# A body every session URL accepts as well-formed, so that only ownership can refuse it.
HOSTILE = {"manual_link": "https://whereby.com/evil-x", "starts_at": "2030-01-07T09:00:00+00:00"}


def send(client: Client, method: str, url: str, headers: dict[str, str]) -> Any:
    """A hostile change on POST and PUT, as a form and as JSON: whatever the URL takes."""
    if method == "get":
        return client.get(url, headers=headers)
    if method == "post" and not url.startswith("/api/"):
        return client.post(url, HOSTILE, headers=headers)
    body = json.dumps(HOSTILE)
    return getattr(client, method)(url, body, content_type="application/json", headers=headers)


def allowed(route: Route, who: str) -> set[int]:
    if who == "anonymous":
        return {401, 405} if route.is_api else {302, 405}
    return {403, 404, 405}


@pytest.mark.parametrize("who", ["peer", "participant"])
def test_the_members_themselves_do_reach_it(client, victim, who):
    """The control: the same URLs work for the session's own peer and participant."""
    client.force_login(getattr(victim, who))

    response = client.get(f"/sessions/{victim.confirmed.pk}/join")

    if who == "peer":
        assert response.status_code == 302
        assert response["Location"] == SECRET_LINK
    else:  # a participant is first shown where the peer's own link leads (issue 16)
        assert response.status_code == 200
        assert f'href="{SECRET_LINK}"' in response.text
