"""The guide's "Frequently Asked Questions": each answer, checked where it is true."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from scheduling import services
from scheduling.join import join_target
from tests.guide.walk import (
    connect_in_popup,
    minutes_from_now,
    schedule_a_session,
    session_card,
    sign_in,
)
from tests.worker import run_until_quiet
from tests.zoom_support import BASIC, LICENSED, connect, zoom_user
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_do_participants_need_a_zoom_account(
    page: Page, live_server, live_emulator: EmulatorControl, peer, participant
):
    """Participants do not connect Zoom inside Peerakeet. They use the session join information
    provided for that session."""
    connect(peer, live_emulator)
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=minutes_from_now(5),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()
    sign_in(page, live_server, participant.email)
    expect(page.get_by_role("button", name=re.compile("Connect"))).to_have_count(0)

    with page.context.expect_page() as new_tab:
        session_card(page, peer.display_name).get_by_role("link", name="Join Session").click()
    tab = new_tab.value
    tab.wait_for_load_state()
    assert tab.url == session.meetings.get().join_url  # the session's own join information
    expect(tab.get_by_text("You are joining as the participant.")).to_be_visible()
    assert not ZoomConnection.objects.filter(peer=participant).exists()


def test_does_peerakeet_record_my_sessions(live_emulator: EmulatorControl, peer, participant):
    """Peerakeet does not enable automatic Zoom recordings when it creates meetings."""
    connect(peer, live_emulator)
    services.session_create(
        peer=peer,
        participant=participant,
        starts_at=minutes_from_now(24 * 60),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()

    [meeting] = live_emulator.meetings()
    assert meeting["create_body"]["settings"]["auto_recording"] == "none"
    assert meeting["settings"]["auto_recording"] == "none"


def test_an_account_that_forces_recording_is_named_to_the_peer(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    """Peerakeet never asks for a recording; when a Zoom account admin forces one, the peer is
    told instead of it happening silently."""
    connect(peer, live_emulator)
    account = zoom_user(live_emulator, LICENSED)["account_id"]
    live_emulator.set_account_settings(account, locked={"auto_recording": "cloud"})
    sign_in(page, live_server, peer.email)
    schedule_a_session(page, participant.email, minutes_from_now(24 * 60))

    card = session_card(page, participant.display_name)
    expect(card).to_contain_text("automatic cloud recording is on")
    [meeting] = live_emulator.meetings()
    assert meeting["create_body"]["settings"]["auto_recording"] == "none"


def test_can_i_use_a_free_zoom_account(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    """Yes. Peerakeet works with both free and paid Zoom accounts."""
    assert zoom_user(live_emulator, BASIC)["type"] == 1  # Basic (free)
    sign_in(page, live_server, peer.email)
    connect_in_popup(page, BASIC)

    schedule_a_session(page, participant.email, minutes_from_now(5))

    card = session_card(page, participant.display_name)
    expect(card).to_contain_text("Zoom meeting ready")
    with page.context.expect_page() as new_tab:
        card.get_by_role("link", name="Join Session").click()
    new_tab.value.wait_for_load_state()
    expect(new_tab.value.get_by_text("You are joining as the host.")).to_be_visible()


def test_what_zoom_data_does_peerakeet_access(live_emulator: EmulatorControl, peer, participant):
    """Peerakeet uses the connected account for host identity and meeting lifecycle management.
    It does not use this integration to read chat, contacts, or recordings."""
    connect(peer, live_emulator)
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=minutes_from_now(5),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()
    join_target(session, peer)  # the host's fresh start link
    services.session_cancel(session=session, by=participant)
    run_until_quiet()

    endpoints = {call["endpoint"] for call in live_emulator.calls()}
    identity = {"authorize", "token", "users_me"}
    lifecycle = {"create_meeting", "delete_meeting", "get_meeting", "list_meetings"}
    assert endpoints <= identity | lifecycle
    assert {"users_me", "create_meeting", "get_meeting", "delete_meeting"} <= endpoints
