"""No token and no client secret appears anywhere but in memory (DESIGN.md invariants).

Tokens are minted through the emulator by the real flow (connect, refresh, create a meeting),
read back from the vault inside the test, then searched for in every table, every log record
and every page a peer or support staff can reach.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection as db
from django.test import Client
from django.urls import reverse

from tests import personas
from tests.zoom.flow import connect_through_views
from tests.zoom_support import CLIENT_SECRET
from zoom import tokens, vault
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db


def seen_tokens(connection: ZoomConnection) -> set[str]:
    connection.refresh_from_db()
    return {vault.access_token(connection), vault.refresh_token(connection)}


@pytest.fixture
def secrets_minted(client: Client, peer, emulator, caplog) -> set[str]:
    """Connect through the views, refresh once, create a meeting: every token Zoom gave us."""
    for name in ("", "httpx", "httpcore", "zoom", "django"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    client.force_login(peer)
    connect_through_views(client, emulator)
    connection = ZoomConnection.objects.get()
    minted = seen_tokens(connection)
    ZoomConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=datetime(2000, 1, 1, tzinfo=UTC)
    )
    start = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    tokens.call_zoom(
        connection.pk,
        lambda api: api.create_meeting(
            {"topic": "Peer support session", "type": 2, "start_time": start, "duration": 30}
        ),
    )
    minted |= seen_tokens(connection)
    assert len(minted) == 4  # two access tokens, two refresh tokens
    return minted | {CLIENT_SECRET}


def leaks(text: str, secrets: set[str]) -> list[str]:
    return [secret[:6] + "…" for secret in secrets if secret in text]


def every_table() -> str:
    rows: list[str] = []
    with db.cursor() as cursor:
        for table in db.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


def test_it_keeps_tokens_out_of_every_table(secrets_minted):
    dump = StringIO()
    call_command("dumpdata", stdout=dump)

    assert leaks(dump.getvalue(), secrets_minted) == []
    assert leaks(every_table(), secrets_minted) == []


def test_it_keeps_tokens_out_of_the_logs(secrets_minted, caplog):
    records = caplog.get_records("setup")  # the fixture minted the tokens
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in records)

    assert len(records) > 20  # the scan looked at something
    assert leaks(text, secrets_minted) == []


def test_it_keeps_tokens_out_of_the_peers_pages(secrets_minted, client):
    pages = [
        reverse("scheduling:schedule"),
        reverse("zoom:status"),
        reverse("zoom:callback") + "?error=access_denied&state=x",
    ]
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code < 500
        assert leaks(response.content.decode() + str(response.headers), secrets_minted) == [], url
    disconnected = client.post(reverse("zoom:disconnect"), follow=True)
    assert leaks(disconnected.content.decode(), secrets_minted) == []


def test_it_keeps_tokens_out_of_every_admin_page(secrets_minted):
    staff = personas.make_user("root@example.org", "Root Support", staff=True)
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)

    visited = 0
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls = [reverse(f"{prefix}_changelist")]
        for pk in model._default_manager.values_list("pk", flat=True)[:20]:
            urls.append(reverse(f"{prefix}_change", args=[pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert leaks(response.content.decode(), secrets_minted) == [], url
            visited += 1
    assert visited > 5
