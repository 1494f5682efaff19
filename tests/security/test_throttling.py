"""Sign-in throttling under evasion, beyond tests/accounts/test_sign_in.py and
tests/api/test_tokens.py (five failures lock an email for an address, on the web and the API,
and each counts toward the other): a forged X-Forwarded-For, a changed letter case, and a
different sign-in email do not reset or dodge the count."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def web(client: Client, email: str, password: str, **headers: str):
    return client.post(
        "/accounts/sign-in/", {"username": email, "password": password}, headers=headers
    )


def api(email: str, password: str, **headers: str):
    return Client().post(
        "/api/v1/auth/tokens",
        json.dumps({"email": email, "password": password}),
        content_type="application/json",
        headers=headers,
    )


def test_a_forged_forwarded_for_does_not_dodge_the_web_lockout(client, peer):
    for n in range(6):
        web(client, peer.email, "wrong", **{"X-Forwarded-For": f"203.0.113.{n}"})

    locked = web(client, peer.email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})

    assert locked.status_code == 429


def test_a_forged_forwarded_for_does_not_dodge_the_api_lockout(peer):
    for n in range(6):
        api(peer.email, "wrong", **{"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": "1.2.3.4"})

    locked = api(peer.email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})

    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"


def test_changing_the_letter_case_does_not_dodge_the_api_lockout(peer):
    for variant in ["PEER@example.org", "Peer@Example.org", "peer@EXAMPLE.ORG", "pEeR@example.org"]:
        api(variant, "wrong")
    api(peer.email, "wrong")

    assert api(peer.email, PASSWORD).status_code == 429


def test_a_locked_email_stays_locked_on_the_other_door(client, peer):
    for _ in range(5):
        api(peer.email, "wrong")

    assert web(client, peer.email, PASSWORD).status_code == 429


def test_the_lockout_never_says_whether_the_account_exists(client, peer):
    for _ in range(5):
        web(client, "nobody@example.org", "wrong")
        web(Client(), peer.email, "wrong")

    unknown = web(client, "nobody@example.org", "wrong")
    known = web(Client(), peer.email, "wrong")

    assert unknown.status_code == known.status_code == 429
