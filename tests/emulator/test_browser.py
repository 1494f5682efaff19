"""The consent flow a person clicks through, in Debian's Chromium (zoom-api.md §1)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page

from .conftest import CLIENT_ID

pytestmark = pytest.mark.browser


def authorize_url(emulator_server, receiver) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": receiver.url + "/zoom/callback",
            "state": "state-123",
            "code_challenge": "c" * 43,
            "code_challenge_method": "plain",
        }
    )
    return f"{emulator_server.oauth_url}/oauth/authorize?{query}"


def sign_in(page: Page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()


def test_it_signs_in_allows_and_lands_on_the_redirect_uri_with_code_and_state(
    page: Page, emulator_server, control, receiver
):
    page.goto(authorize_url(emulator_server, receiver))
    sign_in(page, "casey.basic@example.com")
    page.get_by_role("heading", name="Peerakeet Telehealth would like to access").wait_for()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(receiver.url + "/zoom/callback*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["state-123"]
    assert query["code"][0]


def test_it_denies_and_lands_on_the_redirect_uri_with_access_denied(
    page: Page, emulator_server, control, receiver
):
    page.goto(authorize_url(emulator_server, receiver))
    sign_in(page, "lee.licensed@example.com")
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(receiver.url + "/zoom/callback*")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"error": ["access_denied"], "state": ["state-123"]}
