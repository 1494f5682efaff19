"""The Zoom status pill (DESIGN.md flow 2): reads the database only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.zoom_support import LICENSED
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db


def pill(client: Client) -> str:
    return client.get(reverse("zoom:status"), HTTP_HX_REQUEST="true").content.decode()


def test_it_shows_not_connected_with_a_connect_button(client, peer):
    client.force_login(peer)

    html = pill(client)

    assert "Zoom: Not connected" in html
    assert '<button type="submit">Connect</button>' in html
    assert 'action="/integrations/zoom/connect/"' in html


def test_it_shows_connected_with_the_zoom_email_and_disconnect(client, connected_peer):
    client.force_login(connected_peer)

    html = pill(client)

    assert "Zoom: Connected" in html
    assert LICENSED in html
    assert ">Disconnect</button>" in html


def test_it_shows_needs_reconnect_with_a_reason(client, connected_peer):
    ZoomConnection.objects.update(
        state=ZoomConnection.State.NEEDS_RECONNECT, reason=ZoomConnection.Reason.GRANT_REFUSED
    )
    client.force_login(connected_peer)

    html = pill(client)

    assert "Zoom: Needs reconnect" in html
    assert ">Reconnect</button>" in html
    assert "Zoom no longer accepts Peerakeet&#x27;s authorization" in html


def test_it_says_when_the_app_was_removed_in_zoom(client, peer):
    ZoomConnection.objects.create(
        peer=peer,
        state=ZoomConnection.State.DISCONNECTED,
        reason=ZoomConnection.Reason.REMOVED_IN_ZOOM,
    )
    client.force_login(peer)

    assert "removed in the Zoom App Marketplace" in pill(client)


def test_it_never_calls_zoom(client, connected_peer, emulator):
    client.force_login(connected_peer)
    emulator.clear_calls()

    pill(client)

    assert emulator.calls() == []


def test_it_is_a_polite_live_region_that_refreshes_itself_on_the_schedule_page(client, peer):
    client.force_login(peer)

    html = client.get(reverse("scheduling:schedule")).content.decode()

    assert 'id="zoom-status"' in html
    assert 'role="status"' in html
    assert 'aria-live="polite"' in html
    assert 'hx-get="/integrations/zoom/status/"' in html
    assert "peerakeet/zoom.js" in html


def test_it_asks_a_signed_out_poll_to_reload_the_page(client):
    response = client.get(reverse("zoom:status"), HTTP_HX_REQUEST="true")

    assert response.headers["HX-Refresh"] == "true"


def test_it_refuses_the_status_to_a_participant(client, participant):
    client.force_login(participant)

    assert client.get(reverse("zoom:status")).status_code == 403


def test_the_polled_connect_form_carries_a_token_the_csrf_check_accepts(peer):
    import re

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(peer)

    html = pill(browser)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)

    assert token is not None
    assert "csrftoken" in browser.cookies  # the poll sets the cookie the form's token matches
    refused = browser.post(reverse("zoom:connect"), {"mode": "tab"})
    sent = browser.post(
        reverse("zoom:connect"), {"mode": "tab", "csrfmiddlewaretoken": token.group(1)}
    )
    assert refused.status_code == 403
    assert sent.status_code in (302, 200)
