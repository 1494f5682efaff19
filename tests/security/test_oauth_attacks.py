"""OAuth attacks on Connect, beyond tests/zoom/test_connect.py (state missing, unknown, expired,
reused and from another user's session; a reused code): PKCE and code injection."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest
from django.conf import settings
from django.test import Client

from tests.zoom.flow import allow, begin, callback
from tests.zoom_support import BASIC, zoom_user
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_it_refuses_a_code_bound_to_another_pkce_verifier(client, peer, emulator):
    """An attacker's code (minted with the attacker's own challenge) fed to the victim's
    callback with the victim's state: Zoom refuses the exchange, nothing is bound."""
    client.force_login(peer)
    params = begin(client)
    code = emulator.authorize(
        zoom_user(emulator, BASIC)["id"],
        redirect_uri=settings.ZOOM_REDIRECT_URI,
        state=params["state"],
        code_challenge=challenge_of(secrets.token_urlsafe(64)),
        code_challenge_method="S256",
    )

    response = callback(client, code=code, state=params["state"])

    assert response.status_code == 400
    assert not ZoomConnection.objects.filter(state="connected").exists()
    (exchange,) = emulator.calls("token")
    assert exchange["status"] == 400


def test_it_refuses_a_state_left_in_the_browser_by_the_previous_user(peer, other_peer, emulator):
    """Peer A starts Connect and walks away; peer B signs in on the same browser and finishes
    it: signing in starts a new login session, so A's state is gone."""
    browser = Client()
    browser.force_login(peer)
    params = begin(browser)
    code = allow(emulator, params)
    browser.force_login(other_peer)

    response = callback(browser, code=code, state=params["state"])

    assert response.status_code == 400
    assert not ZoomConnection.objects.exists()
