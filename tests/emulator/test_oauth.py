"""OAuth behaviour (zoom-api.md §1), over real HTTP."""

from __future__ import annotations

import base64
import hashlib

import httpx

from zoom_emulator.testing import EmulatorControl, EmulatorServer

from .conftest import (
    CLIENT_ID,
    REDIRECT_URI,
    bearer,
    checked,
    connect,
    token_request,
)

HOUR = 3600


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def exchange(server: EmulatorServer, http: httpx.Client, code: str, **extra: str) -> httpx.Response:
    return token_request(
        server,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        **extra,
    )


def refresh(server: EmulatorServer, http: httpx.Client, token: str) -> httpx.Response:
    return token_request(server, http, grant_type="refresh_token", refresh_token=token)


def me(server: EmulatorServer, http: httpx.Client, tokens: dict[str, str]) -> httpx.Response:
    return http.get(server.api_url + "/users/me", headers=bearer(tokens))


def test_it_answers_the_token_request_in_zooms_exact_shape(emulator_server, control, http, casey):
    tokens = connect(emulator_server, control, http, casey["id"])
    assert list(tokens) == [
        "access_token",
        "token_type",
        "refresh_token",
        "expires_in",
        "scope",
        "api_url",
    ]
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3599
    assert tokens["access_token"].startswith("eyJ")
    assert tokens["refresh_token"].startswith("eyJ")
    assert "meeting:write:meeting" in tokens["scope"].split()
    assert tokens["api_url"] == emulator_server.base_url


def test_it_rotates_refresh_tokens_and_kills_the_old_one_at_once(
    emulator_server, control, http, casey
):
    first = connect(emulator_server, control, http, casey["id"])
    second = refresh(emulator_server, http, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    reused = refresh(emulator_server, http, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json() == {"reason": "Invalid Token!", "error": "invalid_grant"}
    assert refresh(emulator_server, http, second.json()["refresh_token"]).status_code == 200


def test_it_refuses_a_reused_code(emulator_server, control, http, casey):
    code = control.authorize(casey["id"], redirect_uri=REDIRECT_URI)
    assert exchange(emulator_server, http, code).status_code == 200
    again = exchange(emulator_server, http, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    assert again.json()["reason"].startswith("Invalid authorization code")


def test_it_refuses_a_code_older_than_five_minutes(emulator_server, control, http, casey):
    code = control.authorize(casey["id"], redirect_uri=REDIRECT_URI)
    control.advance_clock(301)
    response = exchange(emulator_server, http, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_it_refuses_a_pkce_s256_verifier_that_does_not_match(emulator_server, control, http, casey):
    code = control.authorize(
        casey["id"],
        redirect_uri=REDIRECT_URI,
        code_challenge=s256("right-verifier" * 4),
        code_challenge_method="S256",
    )
    response = exchange(emulator_server, http, code, code_verifier="wrong-verifier" * 4)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_it_accepts_a_matching_pkce_s256_verifier(emulator_server, control, http, casey):
    verifier = "a-long-random-verifier-" * 3
    code = control.authorize(
        casey["id"],
        redirect_uri=REDIRECT_URI,
        code_challenge=s256(verifier),
        code_challenge_method="S256",
    )
    assert exchange(emulator_server, http, code, code_verifier=verifier).status_code == 200


def test_it_accepts_plain_pkce_by_default(emulator_server, control, http, casey):
    code = control.authorize(casey["id"], redirect_uri=REDIRECT_URI, code_challenge="plain-v" * 7)
    assert exchange(emulator_server, http, code, code_verifier="plain-v" * 7).status_code == 200


def test_it_refuses_a_code_exchanged_with_another_redirect_uri(
    emulator_server, control, http, casey
):
    code = control.authorize(casey["id"], redirect_uri=REDIRECT_URI)
    response = token_request(
        emulator_server,
        http,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI + "/other",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_it_shows_an_error_page_without_redirecting_for_an_unregistered_redirect_uri(
    emulator_server, control, http
):
    response = http.get(
        emulator_server.oauth_url + "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI + "x",
            "state": "s",
        },
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Invalid redirect" in response.text


def test_it_shows_an_error_page_for_an_unknown_client_id(emulator_server, control, http):
    response = http.get(
        emulator_server.oauth_url + "/oauth/authorize",
        params={"response_type": "code", "client_id": "nope", "redirect_uri": REDIRECT_URI},
    )
    assert response.status_code == 400
    assert "location" not in response.headers


def test_it_answers_invalid_client_for_a_wrong_secret(emulator_server, control, http, casey):
    code = control.authorize(casey["id"], redirect_uri=REDIRECT_URI)
    response = http.post(
        emulator_server.oauth_url + "/oauth/token",
        auth=(CLIENT_ID, "wrong"),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
    )
    assert response.status_code == 400
    assert response.json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }


def test_it_answers_unsupported_grant_type(emulator_server, control, http):
    response = token_request(emulator_server, http, grant_type="password")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_it_accepts_token_parameters_in_the_query_string(emulator_server, control, http, casey):
    code = control.authorize(casey["id"], redirect_uri=REDIRECT_URI)
    response = http.post(
        emulator_server.oauth_url + "/oauth/token",
        auth=("peerakeet-test-client", "test-client-secret"),
        params={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
    )
    assert response.status_code == 200


def test_it_says_expired_for_an_access_token_past_its_hour(emulator_server, control, http, casey):
    tokens = connect(emulator_server, control, http, casey["id"])
    control.advance_clock(HOUR)
    response = me(emulator_server, http, tokens)
    assert response.status_code == 401
    assert response.json() == {"code": 124, "message": "Access token is expired."}


def test_it_kills_the_whole_grant_on_revoke(emulator_server, control, http, casey):
    tokens = connect(emulator_server, control, http, casey["id"])
    revoked = http.post(
        emulator_server.oauth_url + "/oauth/revoke",
        auth=(CLIENT_ID, "test-client-secret"),
        data={"token": tokens["access_token"]},
    )
    assert revoked.status_code == 200
    assert revoked.json() == {"status": "success"}
    assert me(emulator_server, http, tokens).json() == {
        "code": 124,
        "message": "Invalid access token.",
    }
    assert (
        refresh(emulator_server, http, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    )


def test_it_supersedes_the_earlier_grant_on_a_new_authorization(
    emulator_server, control, http, casey
):
    old = connect(emulator_server, control, http, casey["id"])
    connect(emulator_server, control, http, casey["id"])
    assert me(emulator_server, http, old).status_code == 401
    assert refresh(emulator_server, http, old["refresh_token"]).json()["error"] == "invalid_grant"
    statuses = sorted(g["status"] for g in control.grants())
    assert statuses == ["active", "superseded"]


def test_it_keeps_earlier_access_tokens_alive_after_a_refresh_by_default(
    emulator_server, control, http, casey
):
    first = connect(emulator_server, control, http, casey["id"])
    refresh(emulator_server, http, first["refresh_token"])
    assert me(emulator_server, http, first).status_code == 200


def test_it_kills_the_previous_access_token_in_tolerance_one_mode(
    emulator_server, control, http, casey
):
    control.configure(token_tolerance_one=True)
    first = connect(emulator_server, control, http, casey["id"])
    second = refresh(emulator_server, http, first["refresh_token"]).json()
    assert me(emulator_server, http, first).json()["message"] == "Invalid access token."
    assert me(emulator_server, http, second).status_code == 200


def test_it_expires_a_refresh_token_after_ninety_days_unused(emulator_server, control, http, casey):
    tokens = connect(emulator_server, control, http, casey["id"])
    control.advance_clock(90 * 24 * HOUR + 1)
    assert (
        refresh(emulator_server, http, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    )


def test_it_answers_users_me_in_the_documented_shape(emulator_server, control, http, casey):
    tokens = connect(emulator_server, control, http, casey["id"])
    body = checked("user", me(emulator_server, http, tokens))
    assert (body["id"], body["account_id"], body["type"]) == (
        casey["id"],
        casey["account_id"],
        1,
    )
    assert body["status"] == "active"


def test_it_answers_4711_for_a_call_outside_the_granted_scopes(
    emulator_server, control: EmulatorControl, http, casey
):
    tokens = connect(emulator_server, control, http, casey["id"], scopes=["user:read:user"])
    response = http.post(
        emulator_server.api_url + "/users/me/meetings", headers=bearer(tokens), json={}
    )
    assert response.status_code == 400
    assert response.json()["code"] == 4711
    assert response.json()["message"].startswith(
        "Invalid access token, does not contain scopes:[meeting:write:meeting"
    )
