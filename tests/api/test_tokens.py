"""POST /auth/tokens and DELETE /auth/tokens/current; what the bearer auth accepts."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from tests.api.conftest import ApiClient, client_for
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(email: str, password: str = PASSWORD, **extra):
    return ApiClient().post("/auth/tokens", {"email": email, "password": password, **extra})


def test_it_issues_a_token_for_the_right_password(peer):
    response = sign_in(peer.email, name="Pat's phone")

    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("pkt_")
    assert body["token_type"] == "Bearer"
    assert body["name"] == "Pat's phone"
    assert ApiClient(body["token"]).get("/me").json()["email"] == peer.email


def test_it_stores_only_a_hash_of_the_token(peer):
    token = sign_in(peer.email).json()["token"]

    stored = ApiToken.objects.get(user=peer)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[:12]
    assert not ApiToken.objects.filter(token_hash=token).exists()


def test_it_accepts_the_email_in_any_case(peer):
    assert sign_in(peer.email.upper()).status_code == 201


def test_it_makes_tokens_last_thirty_days_by_default(peer):
    expires_at = sign_in(peer.email).json()["expires_at"]

    stored = ApiToken.objects.get(user=peer)
    assert abs(stored.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert expires_at.endswith("Z")


def test_it_takes_the_token_lifetime_from_settings(peer, settings):
    settings.API_TOKEN_TTL_DAYS = 7

    sign_in(peer.email)

    stored = ApiToken.objects.get(user=peer)
    assert abs(stored.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_it_refuses_a_wrong_password(peer):
    response = sign_in(peer.email, "wrong password")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_it_refuses_an_inactive_account(peer):
    peer.is_active = False
    peer.save()

    assert sign_in(peer.email).status_code == 401
    assert not ApiToken.objects.exists()


def test_it_locks_out_repeated_failures_like_the_web_sign_in(peer):
    for _ in range(5):
        response = sign_in(peer.email, "wrong password")

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["code"] == "too_many_attempts"
    assert int(response["Retry-After"]) == 15 * 60
    # Even the right password is refused while locked out.
    assert sign_in(peer.email).status_code == 429
    assert not ApiToken.objects.exists()


def test_it_applies_a_lockout_earned_on_the_web_sign_in(client, peer):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": peer.email, "password": "wrong"})

    response = sign_in(peer.email)

    assert response.status_code == 429
    assert not ApiToken.objects.exists()


def test_it_rejects_a_sign_in_without_a_password(peer):
    response = ApiClient().post("/auth/tokens", {"email": peer.email})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert response.json()["details"][0]["field"] == "body.payload.password"
    assert not ApiToken.objects.exists()


def test_it_revokes_the_current_token(as_peer):
    response = as_peer.delete("/auth/tokens/current")

    assert response.status_code == 204
    assert ApiToken.objects.get().revoked_at is not None


def test_it_refuses_a_revoked_token(as_peer):
    as_peer.delete("/auth/tokens/current")

    response = as_peer.get("/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_leaves_other_tokens_working_when_one_is_revoked(peer):
    phone, tablet = client_for(peer), client_for(peer)

    phone.delete("/auth/tokens/current")

    assert tablet.get("/me").status_code == 200


def test_it_refuses_an_expired_token(as_peer):
    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1)):
        response = as_peer.get("/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_it_refuses_an_unknown_token(peer):
    response = ApiClient("pkt_not-a-real-token").get("/me")

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_it_refuses_a_request_without_a_token(anonymous):
    response = anonymous.get("/me")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_it_refuses_the_token_of_a_deactivated_user(peer, as_peer):
    peer.is_active = False
    peer.save()

    assert as_peer.get("/me").status_code == 401


def test_it_records_when_a_token_was_last_used(as_peer):
    as_peer.get("/me")

    assert ApiToken.objects.get().last_used_at is not None


def test_it_ignores_a_dashboard_session_cookie(client, peer):
    client.force_login(peer)

    assert client.get("/api/v1/me").status_code == 401
