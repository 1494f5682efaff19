"""The guide's "Permissions and Data", checked where each fact is true.

- Peerakeet reads the authorizing Zoom user profile so it can bind the connection to the correct
  host account.
- Peerakeet creates and deletes Zoom meetings for sessions that use the connected host account.
- Peerakeet stores the Zoom refresh token on the server only, and stores it encrypted at rest.
- Peerakeet does not use this integration to access Zoom chat, contacts, cloud recordings, or
  unrelated account content.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection as db
from playwright.sync_api import Page, expect

from scheduling import services
from tests.guide.walk import (
    answer,
    connect_in_popup,
    eventually,
    minutes_from_now,
    pill,
    schedule_a_session,
    session_card,
    sign_in,
)
from tests.worker import run_until_quiet
from tests.zoom_support import LICENSED, connect, zoom_user
from zoom import vault
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every Zoom API path Peerakeet may call: the host's identity and its meetings, nothing else.
ALLOWED_API_PATHS = re.compile(r"/v2/(users/me|users/me/meetings|meetings/\d+)")
FORBIDDEN = re.compile(r"chat|contact|recording|phone|report|account|dashboard|im:", re.I)


def test_it_reads_the_authorizing_zoom_user_profile_to_bind_the_host_account(
    page: Page, live_server, live_emulator: EmulatorControl, peer
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)

    zoom = zoom_user(live_emulator, LICENSED)
    connection = ZoomConnection.objects.get(peer=peer)
    assert (connection.zoom_user_id, connection.zoom_account_id) == (zoom["id"], zoom["account_id"])
    assert [call["path"] for call in live_emulator.calls("users_me")] == ["/v2/users/me"]
    expect(pill(page)).to_contain_text(LICENSED)


def test_it_creates_and_deletes_meetings_only_on_the_connected_host_account(
    live_emulator: EmulatorControl, peer, participant
):
    connect(peer, live_emulator)
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=minutes_from_now(24 * 60),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()
    services.session_cancel(session=session, by=peer)
    run_until_quiet()

    [meeting] = live_emulator.meetings()
    assert meeting["host_id"] == zoom_user(live_emulator, LICENSED)["id"]
    assert meeting["deleted_at"] is not None
    others = [u["id"] for u in live_emulator.users() if u["email"] != LICENSED]
    assert all(live_emulator.meetings(user_id=other) == [] for other in others)


def test_it_stores_the_refresh_token_on_the_server_only_encrypted_at_rest(
    page: Page, live_server, live_emulator: EmulatorControl, peer
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)

    connection = ZoomConnection.objects.get(peer=peer)
    refresh_token = vault.refresh_token(connection)
    access_token = vault.access_token(connection)
    assert refresh_token.startswith("eyJ")
    assert access_token.startswith("eyJ")
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT refresh_token_encrypted, access_token_encrypted FROM zoom_zoomconnection"
        )
        [(stored_refresh, stored_access)] = cursor.fetchall()
    assert stored_refresh
    assert refresh_token not in stored_refresh
    assert stored_access
    assert access_token not in stored_access
    # On the server only: not in the page, the pill's refresh, the API or the cookies.
    seen = page.content() + page.request.get(f"{live_server.url}/integrations/zoom/status/").text()
    seen += page.request.get(f"{live_server.url}/api/v1/zoom").text()
    seen += str(page.context.cookies())
    assert refresh_token not in seen
    assert access_token not in seen


def test_it_does_not_ask_for_or_use_chat_contacts_or_cloud_recordings(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    sign_in(page, live_server, peer.email)
    with page.expect_popup() as popup_info:
        pill(page).get_by_role("button", name="Connect").click()
    zoom = popup_info.value
    zoom.get_by_label("Or pick a test account").select_option(LICENSED)
    zoom.get_by_role("button", name="Sign in").click()
    asked = zoom.locator("li code").all_inner_texts()
    assert sorted(asked) == sorted(settings.ZOOM_SCOPES)
    assert not any(FORBIDDEN.search(scope) for scope in asked)
    with zoom.expect_event("close"):
        zoom.get_by_role("button", name="Allow").click()

    # A whole session lifecycle touches the host's profile and meetings, nothing else.
    schedule_a_session(page, participant.email, minutes_from_now(24 * 60))
    card = session_card(page, participant.display_name)
    expect(card).to_contain_text("Zoom meeting ready")
    card.get_by_role("button", name="Cancel session").click()
    answer(page, "Cancel session")
    assert eventually(lambda: bool(live_emulator.calls("delete_meeting")))
    api_paths = {c["path"] for c in live_emulator.calls() if c["path"].startswith("/v2/")}
    assert api_paths
    assert all(ALLOWED_API_PATHS.fullmatch(path) for path in api_paths)
    [grant] = live_emulator.grants()
    assert sorted(grant["scopes"]) == sorted(settings.ZOOM_SCOPES)
