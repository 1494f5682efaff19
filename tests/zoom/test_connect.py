"""Connect and callback views against the emulator (DESIGN.md flow 1)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.services import certification_revoke
from peerakeet.lib.crypto import DecryptionError
from tests.zoom.flow import JSON, allow, begin, callback, connect_through_views
from tests.zoom_support import BASIC, LICENSED, connect, zoom_user
from zoom import vault
from zoom.models import AuditEvent, ZoomConnection
from zoom.views import PENDING_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer_client(client: Client, peer) -> Client:
    client.force_login(peer)
    return client


def connection_of(user) -> ZoomConnection:
    return ZoomConnection.objects.get(peer=user)


def has_connection(user) -> bool:
    return ZoomConnection.objects.filter(peer=user).exists()


# --- Who may connect -------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in(client, emulator):
    response = client.post(reverse("zoom:connect"))

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next=/schedule/"


@pytest.mark.parametrize("persona", ["participant", "staff"])
def test_it_shows_the_friendly_403_page_to_non_peers(client, emulator, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(reverse("zoom:connect"), headers=JSON)

    assert response.status_code == 403
    assert b"Only certified peers can do this" in response.content
    assert PENDING_KEY not in client.session


def test_it_refuses_a_peer_whose_certification_was_revoked(client, emulator, peer):
    certification_revoke(user=peer, by=None)
    client.force_login(peer)

    response = client.post(reverse("zoom:connect"), headers=JSON)

    assert response.status_code == 403
    assert b"Only certified peers" in response.content


def test_it_enforces_csrf_on_connect(emulator, peer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(peer)

    response = client.post(reverse("zoom:connect"), headers=JSON)

    assert response.status_code == 403
    assert PENDING_KEY not in client.session


def test_it_refuses_get_on_connect(peer_client, emulator):
    assert peer_client.get(reverse("zoom:connect")).status_code == 405


# --- Starting -------------------------------------------------------------------------------


def test_it_stores_a_ten_minute_single_use_state_in_the_login_session(peer_client, emulator, peer):
    params = begin(peer_client)

    pending = peer_client.session[PENDING_KEY]
    entry = pending[params["state"]]
    assert entry["user_id"] == peer.pk
    assert entry["verifier"]
    assert 590 < entry["expires_at"] - time.time() <= 600
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://testserver/integrations/zoom/callback"


def test_it_keeps_only_a_few_pending_states(peer_client, emulator):
    states = [begin(peer_client)["state"] for _ in range(5)]

    assert set(peer_client.session[PENDING_KEY]) == set(states[-3:])


def test_it_redirects_a_plain_form_post_to_zoom(peer_client, emulator, settings):
    response = peer_client.post(reverse("zoom:connect"), {"mode": "tab"})

    assert response.status_code == 302
    assert response.url.startswith(f"{settings.ZOOM_OAUTH_URL}/oauth/authorize?")


def test_it_answers_htmx_with_json(peer_client, emulator, settings):
    response = peer_client.post(reverse("zoom:connect"), HTTP_HX_REQUEST="true")

    assert response.json()["authorize_url"].startswith(settings.ZOOM_OAUTH_URL)


# --- Success --------------------------------------------------------------------------------


def test_it_binds_the_zoom_user_account_and_email(peer_client, emulator, peer):
    response = connect_through_views(peer_client, emulator)

    assert response.status_code == 200
    connection = connection_of(peer)
    zoom = zoom_user(emulator, LICENSED)
    assert connection.state == ZoomConnection.State.CONNECTED
    assert connection.zoom_user_id == zoom["id"]
    assert connection.zoom_account_id == zoom["account_id"]
    assert connection.zoom_email == LICENSED


def test_it_stores_the_tokens_encrypted_under_the_current_key(peer_client, emulator, peer):
    connect_through_views(peer_client, emulator)
    connection = connection_of(peer)
    refresh, access = vault.refresh_token(connection), vault.access_token(connection)
    key_id = vault.keyring().current_id

    for stored, plain in [
        (connection.refresh_token_encrypted, refresh),
        (connection.access_token_encrypted, access),
    ]:
        assert plain not in stored
        assert stored.startswith(f"{key_id}:")
    with pytest.raises(DecryptionError):
        vault.keyring().decrypt(
            connection.refresh_token_encrypted, associated_data=connection.associated_data("access")
        )
    with pytest.raises(DecryptionError):
        vault.keyring().decrypt(
            connection.refresh_token_encrypted, associated_data="zoom-connection:999:refresh"
        )


def test_it_calls_zoom_exactly_once_for_the_token_and_once_for_the_profile(peer_client, emulator):
    params = begin(peer_client)
    code = allow(emulator, params)
    emulator.clear_calls()

    callback(peer_client, code=code, state=params["state"])

    assert [call["endpoint"] for call in emulator.calls()] == ["token", "users_me"]


def test_it_tells_the_opener_and_closes_when_it_was_a_popup(peer_client, emulator):
    response = connect_through_views(peer_client, emulator, popup=True)

    assert b'data-zoom-outcome="connected"' in response.content
    assert b"peerakeet/zoom-callback.js" in response.content
    assert b"<script>" not in response.content  # the CSP forbids inline scripts
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"


def test_it_returns_to_the_schedule_page_when_it_was_not_a_popup(peer_client, emulator):
    response = connect_through_views(peer_client, emulator, popup=False)

    assert response.status_code == 302
    assert response.url == reverse("scheduling:schedule")
    page = peer_client.get(response.url)
    assert f"Zoom is connected ({LICENSED})".encode() in page.content


def test_it_audits_the_connect(peer_client, emulator, peer):
    connect_through_views(peer_client, emulator)

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.CONNECTED)
    assert event.peer == peer
    assert event.actor == peer.email


def test_it_reconnects_after_a_disconnect(peer_client, emulator, peer):
    connect_through_views(peer_client, emulator)
    peer_client.post(reverse("zoom:disconnect"))

    connect_through_views(peer_client, emulator, BASIC)

    connection = connection_of(peer)
    assert connection.state == ZoomConnection.State.CONNECTED
    assert connection.zoom_email == BASIC


# --- Failures: a friendly page, nothing changes ------------------------------------------


def test_it_handles_denied_consent(peer_client, emulator, peer):
    state = begin(peer_client)["state"]

    response = callback(peer_client, error="access_denied", state=state)

    assert response.status_code == 200
    assert b"You did not allow Peerakeet" in response.content
    assert not has_connection(peer)
    assert state not in peer_client.session[PENDING_KEY]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CONNECT_FAILED).count() == 1


def test_it_rejects_a_missing_state(peer_client, emulator, peer):
    params = begin(peer_client)
    code = allow(emulator, params)
    emulator.clear_calls()

    response = callback(peer_client, code=code)

    assert response.status_code == 400
    assert b"This Zoom sign-in link has expired" in response.content
    assert not has_connection(peer)
    assert emulator.calls() == []


def test_it_rejects_an_unknown_state(peer_client, emulator, peer):
    params = begin(peer_client)
    code = allow(emulator, params)

    response = callback(peer_client, code=code, state="not-" + params["state"])

    assert response.status_code == 400
    assert not has_connection(peer)


def test_it_rejects_an_expired_state(peer_client, emulator, peer):
    params = begin(peer_client)
    code = allow(emulator, params)

    with time_machine.travel(timedelta(minutes=11)):
        response = callback(peer_client, code=code, state=params["state"])

    assert response.status_code == 400
    assert b"more than 10 minutes old" in response.content
    assert not has_connection(peer)


def test_it_rejects_a_reused_state(peer_client, emulator, peer):
    params = begin(peer_client)
    code = allow(emulator, params)
    callback(peer_client, code=code, state=params["state"])
    before = connection_of(peer)
    emulator.clear_calls()

    response = callback(peer_client, code=code, state=params["state"])

    assert response.status_code == 400
    assert emulator.calls() == []
    after = connection_of(peer)
    assert after.refresh_token_encrypted == before.refresh_token_encrypted


def test_it_rejects_a_state_from_another_users_session(emulator, peer, other_peer):
    victim, attacker = Client(), Client()
    victim.force_login(peer)
    attacker.force_login(other_peer)
    params = begin(victim)
    code = allow(emulator, params)

    response = callback(attacker, code=code, state=params["state"])

    assert response.status_code == 400
    assert not has_connection(other_peer)
    assert not has_connection(peer)


def test_it_shows_a_friendly_page_when_a_code_is_reused(peer_client, emulator, peer):
    first = begin(peer_client)
    code = allow(emulator, first)
    callback(peer_client, code=code, state=first["state"])
    second = begin(peer_client)

    response = callback(peer_client, code=code, state=second["state"])

    assert response.status_code == 400
    assert b"Zoom did not accept this authorization" in response.content
    assert connection_of(peer).state == ZoomConnection.State.CONNECTED


def test_it_shows_a_friendly_page_when_zoom_fails(peer_client, emulator, peer):
    params = begin(peer_client)
    code = allow(emulator, params)
    emulator.inject_fault("token", "503", next=1)

    response = callback(peer_client, code=code, state=params["state"])

    assert response.status_code == 503
    assert b"We could not reach Zoom" in response.content
    assert not has_connection(peer)


def test_it_shows_a_friendly_page_when_zoom_is_unreachable(peer_client, emulator, peer, settings):
    params = begin(peer_client)
    code = allow(emulator, params)
    settings.ZOOM_OAUTH_URL = "http://127.0.0.1:9"  # discard port: nothing listens

    response = callback(peer_client, code=code, state=params["state"])

    assert response.status_code == 503
    assert b"We could not reach Zoom" in response.content
    assert not has_connection(peer)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.CONNECT_FAILED)
    assert "unavailable" in event.detail


def test_it_refuses_a_zoom_user_bound_to_another_peer_and_revokes_the_new_grant(
    peer_client, emulator, peer, other_peer
):
    first = connect(other_peer, emulator, LICENSED)

    response = connect_through_views(peer_client, emulator, LICENSED)

    assert response.status_code == 409
    assert b"connected to another Peerakeet peer" in response.content
    assert not has_connection(peer)
    newest = emulator.grants()[-1]
    assert newest["status"] == "revoked"
    untouched = connection_of(other_peer)
    assert untouched.state == ZoomConnection.State.CONNECTED
    assert untouched.zoom_user_id == first.zoom_user_id
    assert untouched.refresh_token_encrypted == first.refresh_token_encrypted


def test_it_says_which_permission_zoom_did_not_grant(peer_client, emulator, peer):
    emulator.configure(scopes=["user:read:user", "meeting:read:meeting"])

    response = connect_through_views(peer_client, emulator)

    assert response.status_code == 400
    assert b"Create meetings" in response.content
    assert b"Delete meetings" in response.content
    assert not has_connection(peer)
    assert emulator.grants()[-1]["status"] == "revoked"


def test_it_shows_the_403_page_on_callback_to_a_non_peer(client, emulator, participant):
    client.force_login(participant)

    response = callback(client, code="x", state="y")

    assert response.status_code == 403
    assert b"Only certified peers" in response.content


def test_it_sends_an_anonymous_callback_to_sign_in(client, emulator):
    response = callback(client, code="x", state="y")

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
