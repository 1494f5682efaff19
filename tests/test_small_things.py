"""Issue #17's small things users notice: the demo's own 404 page, a favicon, and a sign-in page
that says what Peerakeet is."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_demo_shows_peerakeets_own_404_page(settings):
    settings.DEBUG = True  # the demo keeps DEBUG for its console

    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    text = response.content.decode()
    assert "We could not find that page" in text
    assert "URLconf" not in text  # Django's technical list of every URL pattern


def test_a_missing_session_reads_the_same_404_page(settings, participant):
    settings.DEBUG = True
    client = Client()
    client.force_login(participant)

    response = client.get("/sessions/999999/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_the_api_keeps_answering_404_in_json(settings):
    settings.DEBUG = True

    response = Client().get("/api/v1/nothing-here")

    assert response.status_code in (401, 404)
    assert response["Content-Type"].startswith("application/json")


def test_the_favicon_is_the_logo():
    response = Client().get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("/static/peerakeet/logo.svg")


def test_the_sign_in_page_says_what_peerakeet_is():
    text = Client().get("/accounts/sign-in/").content.decode()

    assert "book and join video or audio sessions with a certified peer supporter" in text
    assert 'rel="icon"' in text
