"""Support staff see connections and the audit trail, read-only, never a token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from zoom.models import AuditEvent, ZoomConnection

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff) -> Client:
    client.force_login(staff)
    return client


def test_it_lists_connections_for_support_staff(staff_client, connected_peer):
    html = staff_client.get(reverse("admin:zoom_zoomconnection_changelist")).content.decode()

    assert connected_peer.email in html
    assert "lee.licensed@example.com" in html


def test_it_shows_a_connection_without_any_encrypted_field(staff_client, connected_peer):
    connection = ZoomConnection.objects.get()

    response = staff_client.get(reverse("admin:zoom_zoomconnection_change", args=[connection.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert connection.zoom_account_id in html
    assert "encrypted" not in html.lower()
    assert connection.refresh_token_encrypted not in html
    assert connection.access_token_encrypted not in html


def test_it_offers_no_way_to_change_a_connection(staff_client, connected_peer):
    connection = ZoomConnection.objects.get()

    response = staff_client.post(
        reverse("admin:zoom_zoomconnection_change", args=[connection.pk]), {"state": "disconnected"}
    )

    assert response.status_code == 403
    assert ZoomConnection.objects.get().state == ZoomConnection.State.CONNECTED
    assert staff_client.get(reverse("admin:zoom_zoomconnection_add")).status_code == 403


def test_it_filters_the_audit_trail_by_kind_and_searches_by_peer_email(
    staff_client, connected_peer, other_peer
):
    AuditEvent.objects.create(peer=other_peer, actor="system", kind=AuditEvent.Kind.REFRESH_FAILED)
    url = reverse("admin:zoom_auditevent_changelist")

    by_kind = staff_client.get(url, {"kind__exact": "connected"}).content.decode()
    by_email = staff_client.get(url, {"q": other_peer.email}).content.decode()

    assert connected_peer.email in by_kind
    assert other_peer.email not in by_kind
    assert other_peer.email in by_email
    assert connected_peer.email not in by_email


def test_it_keeps_participants_out(client, participant):
    client.force_login(participant)

    response = client.get(reverse("admin:zoom_zoomconnection_changelist"))

    assert response.status_code == 302
