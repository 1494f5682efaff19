"""Marketplace removal erases what Peerakeet holds about the Zoom connection at once (Zoom
allows ten days: zoom-api.md §4), and the audit log says who did what without a secret.

The export is what a data-subject request would get: model_to_dict of the connection, its audit
events, and dumpdata of every row that points at the peer."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from tests.zoom.test_secret_scan import seen_tokens
from tests.zoom.test_webhook import deauthorized, deliver
from tests.zoom_support import CLIENT_SECRET, LICENSED, WEBHOOK_SECRET, connect, zoom_user
from zoom import tokens
from zoom.models import AuditEvent, ZoomConnection
from zoom.services import connection_disconnect

pytestmark = pytest.mark.django_db

PROFILE_FIELDS = ("id", "account_id", "email", "first_name", "last_name", "pmi")


def export(peer: Any) -> str:
    connection = ZoomConnection.objects.get(peer=peer)
    parts: list[Any] = [model_to_dict(connection)]
    parts += [model_to_dict(event) for event in AuditEvent.objects.filter(peer=peer)]
    dump = StringIO()
    call_command("dumpdata", "zoom", "accounts.user", stdout=dump)
    mine = [
        row
        for row in json.loads(dump.getvalue())
        if row["pk"] == peer.pk or peer.pk in (row["fields"].get("peer"), row.get("pk"))
    ]
    return json.dumps(parts, default=str) + json.dumps(mine)


@pytest.fixture
def zoom_data(peer: Any, emulator: Any) -> set[str]:
    """The peer connected, refreshed once, used Zoom: every secret and profile value Zoom gave."""
    connection = connect(peer, emulator)
    secrets = seen_tokens(connection)
    ZoomConnection.objects.filter(pk=connection.pk).update(access_token_expires_at=None)
    tokens.call_zoom(connection.pk, lambda api: api.me())
    secrets |= seen_tokens(connection)
    profile = zoom_user(emulator, LICENSED)
    connection.refresh_from_db()
    return (
        secrets
        | {str(profile[key]) for key in PROFILE_FIELDS if profile.get(key)}
        | {
            connection.refresh_token_encrypted,
            connection.access_token_encrypted,
        }
    )


def found(text: str, values: set[str]) -> list[str]:
    return sorted(value[:8] + "…" for value in values if value and value in text)


def test_marketplace_removal_leaves_no_zoom_data_or_token(client, peer, emulator, zoom_data):
    lee = zoom_user(emulator, LICENSED)
    assert found(export(peer), zoom_data)  # the export does see them while connected

    assert deliver(client, deauthorized(lee)).status_code == 200

    assert found(export(peer), zoom_data) == []
    connection = ZoomConnection.objects.get(peer=peer)
    assert connection.state == "disconnected"
    assert connection.reason == ZoomConnection.Reason.REMOVED_IN_ZOOM


def test_disconnecting_leaves_no_zoom_data_or_token(peer, emulator, zoom_data):
    connection_disconnect(peer=peer)

    assert found(export(peer), zoom_data) == []


def test_the_audit_log_says_who_did_what_without_a_secret(client, peer, emulator, zoom_data):
    lee = zoom_user(emulator, LICENSED)
    deliver(client, deauthorized(lee))
    connect(peer, emulator)
    connection_disconnect(peer=peer)

    events = list(AuditEvent.objects.order_by("at").values_list("actor", "kind"))
    assert events == [
        (peer.email, "connected"),
        ("Zoom", "deauthorized"),
        (peer.email, "connected"),
        (peer.email, "disconnected"),
    ]
    log = json.dumps([model_to_dict(e) for e in AuditEvent.objects.all()], default=str)
    assert found(log, zoom_data | {CLIENT_SECRET, WEBHOOK_SECRET}) == []
