"""A stolen phone, a shared computer, a leaked token: every sign-in can be taken back. A new
password, "Sign out everywhere" and support staff end API tokens and web sessions at once; a
web session left on a shared computer ends by itself; tokens cannot be minted without limit."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client

from api.models import ApiToken
from tests.personas import PASSWORD

# Each test runs twice: each process's memory and a shared Redis (tests/cache_support.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("either_cache")]

NEW_PASSWORD = "a completely new passphrase 42"


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


def mint(
    email: str, password: str = PASSWORD, name: str = "Pat's phone", ip: str = "127.0.0.1"
) -> Any:
    return Client(REMOTE_ADDR=ip).post(
        "/api/v1/auth/tokens",
        json.dumps({"email": email, "password": password, "name": name}),
        content_type="application/json",
    )


def api_me(token: str) -> Any:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def signed_in(user: Any, remember: bool = False) -> Client:
    client = Client()
    form = {"username": user.email, "password": PASSWORD}
    if remember:
        form["remember"] = "on"
    assert client.post("/accounts/sign-in/", form).status_code == 302
    return client


def still_signed_in(client: Client) -> bool:
    return client.get("/schedule/").status_code == 200


def test_a_password_reset_ends_every_token_and_every_web_session(peer):
    token = mint(peer.email).json()["token"]
    laptop = signed_in(peer)
    Client().post("/accounts/password-reset/", {"email": peer.email})
    link = next(w for w in mail.outbox[-1].body.split() if "/password-reset/" in w)
    owner = Client()
    form_url = owner.get(link)["Location"]  # Django swaps the token for a session marker

    owner.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert api_me(token).status_code == 401
    assert api_me(token).json()["code"] == "token_revoked"
    assert not still_signed_in(laptop)


def test_a_password_change_ends_every_token_and_every_other_browser(participant):
    token = mint(participant.email).json()["token"]
    phone_browser, laptop = signed_in(participant), signed_in(participant)

    laptop.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert api_me(token).status_code == 401
    assert not still_signed_in(phone_browser)
    assert still_signed_in(laptop)  # the browser that changed it stays signed in


def test_sign_out_everywhere_ends_every_token_and_every_browser(participant):
    token = mint(participant.email).json()["token"]
    phone_browser, laptop = signed_in(participant), signed_in(participant)

    laptop.post("/accounts/sign-out-everywhere/")

    assert api_me(token).status_code == 401
    assert not still_signed_in(phone_browser)
    assert not still_signed_in(laptop)
    assert mint(participant.email).status_code == 201  # signing in again still works


def test_preferences_list_each_token_and_take_one_back(participant):
    lost = mint(participant.email, name="Lost phone").json()["token"]
    kept = mint(participant.email, name="Tablet").json()["token"]
    browser = signed_in(participant)
    page = browser.get("/accounts/preferences/").text
    assert "Lost phone" in page
    assert "Tablet" in page
    lost_id = ApiToken.objects.get(name="Lost phone").pk

    browser.post(f"/accounts/devices/{lost_id}/revoke/")

    assert api_me(lost).status_code == 401
    assert api_me(kept).status_code == 200
    assert "Lost phone" not in browser.get("/accounts/preferences/").text


def test_no_one_can_revoke_someone_elses_token(participant, stranger):
    token = mint(participant.email).json()["token"]
    token_id = ApiToken.objects.get(user=participant).pk

    response = signed_in(stranger).post(f"/accounts/devices/{token_id}/revoke/")

    assert response.status_code == 404
    assert api_me(token).status_code == 200


def test_support_staff_revoke_a_token_in_the_admin(staff, participant):
    token = mint(participant.email).json()["token"]
    support = Client()
    support.force_login(staff)

    support.post(
        "/support/api/apitoken/",
        {"action": "revoke", "_selected_action": [ApiToken.objects.get().pk]},
    )

    assert api_me(token).status_code == 401


def test_support_staff_sign_a_person_out_everywhere_in_the_admin(staff, participant):
    token = mint(participant.email).json()["token"]
    browser = signed_in(participant)
    support = Client()
    staff.is_superuser = True
    staff.save()
    support.force_login(staff)

    support.post(
        "/support/accounts/user/",
        {"action": "sign_out_everywhere", "_selected_action": [participant.pk]},
    )

    assert api_me(token).status_code == 401
    assert not still_signed_in(browser)


def test_minting_tokens_is_limited_per_account_whatever_the_address(peer, settings):
    answers = [mint(peer.email, ip=f"203.0.113.{n}") for n in range(12)]

    limit = settings.API_TOKENS_PER_ACCOUNT_PER_HOUR
    assert [a.status_code for a in answers] == [201] * limit + [429] * (12 - limit)
    assert answers[-1].json()["code"] == "too_many_tokens"
    assert "Retry-After" in answers[-1]
    assert ApiToken.objects.filter(user=peer).count() == limit


def test_a_web_session_on_a_shared_computer_ends_after_the_idle_timeout(participant, settings):
    browser = signed_in(participant)
    assert still_signed_in(browser)
    # The cookie itself dies with the browser.
    assert browser.cookies["sessionid"]["max-age"] == ""

    with time_machine.travel(timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES + 1)):
        assert not still_signed_in(browser)


def test_remember_this_device_keeps_the_session_past_the_idle_timeout(participant, settings):
    browser = signed_in(participant, remember=True)
    assert still_signed_in(browser)

    with time_machine.travel(timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES + 1)):
        assert still_signed_in(browser)


def test_activity_keeps_a_session_alive(participant, settings):
    browser = signed_in(participant)
    half = timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES // 2 + 1)

    with time_machine.travel(half):
        assert still_signed_in(browser)
    with time_machine.travel(half * 2):
        assert still_signed_in(browser)
