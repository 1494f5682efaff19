"""Throttles an attacker would probe: flooding someone's mailbox with reset emails, guessing one
account's password from many machines, and a proxy setting that lets the client pick the address
the lockout counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from peerakeet.lib.client_ip import client_ip
from peerakeet.lib.crypto import new_key_entry
from peerakeet.lib.production import check_production_settings
from peerakeet.lib.vapid import new_private_key, public_key_of
from tests.personas import PASSWORD, make_participant

# Each test runs twice: each process's memory and a shared Redis (tests/cache_support.py).
pytestmark = pytest.mark.usefixtures("either_cache")


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


def reset(email: str, ip: str) -> Any:
    return Client(REMOTE_ADDR=ip).post("/accounts/password-reset/", {"email": email})


@pytest.mark.django_db
def test_reset_mail_to_one_address_is_limited_whatever_the_sender(participant, settings):
    answers = [reset(participant.email, f"203.0.113.{n}") for n in range(10)]

    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR
    # Over the limit the answer is the same page: the limit is no oracle.
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/password-reset/sent/")
    }


@pytest.mark.django_db
def test_reset_mail_from_one_client_is_limited_across_addresses(settings):
    settings.PASSWORD_RESET_PER_IP_PER_HOUR = 3
    people = [make_participant(f"p{n}@example.org", f"P {n}") for n in range(6)]

    for person in people:
        reset(person.email, "198.51.100.9")

    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_failures_spread_over_many_addresses_lock_the_account_on_the_web(peer):
    for n in range(5):
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(
            "/accounts/sign-in/", {"username": peer.email, "password": "guess"}
        )

    right = Client(REMOTE_ADDR="198.51.100.7").post(
        "/accounts/sign-in/", {"username": peer.email, "password": PASSWORD}
    )

    assert right.status_code == 429


@pytest.mark.django_db
def test_failures_spread_over_many_addresses_lock_the_account_on_the_api(peer):
    def mint(password: str, ip: str) -> object:
        return Client(REMOTE_ADDR=ip).post(
            "/api/v1/auth/tokens",
            json.dumps({"email": peer.email, "password": password}),
            content_type="application/json",
        )

    for n in range(5):
        mint("guess", f"203.0.113.{n}")
    right = mint(PASSWORD, "198.51.100.7")

    assert right.status_code == 429  # type: ignore[attr-defined]
    assert not peer.api_tokens.exists()


def test_the_lockout_counts_the_address_the_last_proxy_saw_not_one_the_client_wrote():
    forged = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.5"}

    assert client_ip(forged, 1) == "203.0.113.5"
    assert client_ip(forged, 0) == "10.0.0.2"
    assert client_ip({"REMOTE_ADDR": "10.0.0.2"}, 1) == "10.0.0.2"


@pytest.mark.django_db
def test_a_proxy_count_reads_the_client_from_the_proxys_header(peer, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]  # count per client address alone
    proxy = "10.0.0.2"
    for _ in range(5):  # one attacker behind the proxy
        Client(REMOTE_ADDR=proxy).post(
            "/accounts/sign-in/",
            {"username": "nobody@example.org", "password": "guess"},
            headers={"X-Forwarded-For": "203.0.113.66"},
        )

    other = Client(REMOTE_ADDR=proxy).post(
        "/accounts/sign-in/",
        {"username": peer.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )

    assert other.status_code == 302  # another client behind the same proxy is not locked


VAPID_PRIVATE = new_private_key()
SAFE = {
    "SECRET_KEY": "x7Gq2!pL9#vR4$wT8^zK1&mN6*bH3(cJ5)dF0_sA-eY=uI+oP[rE]tW{qZ}lX|kV",
    "DEBUG": False,
    "PEERAKEET_BASE_URL": "https://app.peerakeet.com",
    "ALLOWED_HOSTS": ["app.peerakeet.com"],
    "ZOOM_CLIENT_ID": "client",
    "ZOOM_CLIENT_SECRET": "secret",
    "ZOOM_WEBHOOK_SECRET_TOKEN": "secret",
    "ZOOM_OAUTH_URL": "https://zoom.us",
    "ZOOM_API_URL": "https://api.zoom.us/v2",
    "ZOOM_REDIRECT_URI": "https://app.peerakeet.com/integrations/zoom/callback",
    "WEBPUSH_VAPID_PRIVATE_KEY": VAPID_PRIVATE,
    "WEBPUSH_VAPID_PUBLIC_KEY": public_key_of(VAPID_PRIVATE),
    "WEBPUSH_VAPID_SUBJECT": "mailto:operators@peerakeet.com",
}


@pytest.mark.parametrize(
    ("behind", "count", "named"),
    [
        (True, 0, "BEHIND_TLS_PROXY=true needs AXES_PROXY_COUNT"),
        (False, 2, "AXES_PROXY_COUNT is set"),
    ],
)
def test_production_refuses_a_proxy_setting_that_lets_anyone_lock_out_anyone(behind, count, named):
    settings = {
        **SAFE,
        "PEERAKEET_TOKEN_KEYS": new_key_entry("k1"),
        "BEHIND_TLS_PROXY": behind,
        "AXES_IPWARE_PROXY_COUNT": count,
    }

    with pytest.raises(ImproperlyConfigured, match=named):
        check_production_settings(settings)

    check_production_settings({**settings, "BEHIND_TLS_PROXY": True, "AXES_IPWARE_PROXY_COUNT": 1})
