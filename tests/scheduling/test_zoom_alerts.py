"""Loud breaks and reverse sync: the peer hears at once when Zoom stops working for them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling import services
from scheduling.models import SupportSession, ZoomMeeting
from tests.scheduling.conftest import book
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet
from tests.zoom.test_webhook import deauthorized, deliver
from tests.zoom_support import LICENSED, zoom_user
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_peer_is_told_at_once_when_zoom_refuses_the_grant(
    mailoutbox, client, connected_peer, participant, emulator
):
    from zoom import tokens

    session = book(
        connected_peer,
        participant,
        starts_in=timedelta(days=3),
        manual_link="https://whereby.com/a",
    )
    user = zoom_user(emulator, LICENSED)
    grant = next(g for g in emulator.grants() if g["user_id"] == user["id"] and g["active"])
    emulator.deauthorize(user["id"])  # the grant dies (no webhook configured here)
    ZoomConnection.objects.update(access_token_expires_at=timezone.now())
    assert grant["active"]
    with pytest.raises(tokens.ZoomAuthError):
        tokens.access_token_for(ZoomConnection.objects.get().pk)
    services.session_set_manual_link(session=session, by=connected_peer, link="")
    run_until_quiet()

    assert emails_to(mailoutbox, connected_peer, "reconnect Zoom")
    client.force_login(connected_peer)
    page = client.get(reverse("scheduling:schedule")).text
    assert "1 upcoming session needs a meeting link" in page
    assert "add a link instead" in page


def test_the_peer_is_told_when_the_app_is_removed_in_the_marketplace(
    mailoutbox, client, connected_peer, emulator
):
    deliver(client, deauthorized(zoom_user(emulator, LICENSED)))
    run_until_quiet()

    assert emails_to(mailoutbox, connected_peer, "reconnect Zoom")


def test_the_peers_own_disconnect_sends_no_alarm(mailoutbox, connected_peer, emulator):
    from zoom.services import connection_disconnect

    connection_disconnect(peer=connected_peer)
    run_until_quiet()

    assert not emails_to(mailoutbox, connected_peer, "reconnect Zoom")


def test_the_peer_is_told_when_a_meeting_cannot_be_created(
    mailoutbox, connected_peer, participant, emulator
):
    emulator.inject_fault("create_meeting", "503", next=50)
    book(connected_peer, participant)

    run_until_quiet()

    assert emails_to(mailoutbox, connected_peer, "could not be created")


def signed_meeting_deleted(meeting: dict) -> bytes:
    event = {
        "event": "meeting.deleted",
        "event_ts": int(timezone.now().timestamp() * 1000),
        "payload": {
            "account_id": meeting["account_id"],
            "object": {"id": meeting["id"], "uuid": meeting["uuid"], "host_id": meeting["host_id"]},
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def test_a_meeting_the_host_deleted_in_zoom_is_replaced(
    mailoutbox, client, connected_peer, participant, emulator
):
    session = book(connected_peer, participant)
    run_until_quiet()
    [first] = emulator.meetings()
    emulator.delete_meeting_in_zoom(first["id"])

    response = deliver(client, signed_meeting_deleted(first))
    run_until_quiet()

    assert response.status_code == 200
    live = [m for m in emulator.meetings() if m["deleted_at"] is None]
    assert len(live) == 1
    assert live[0]["id"] != first["id"]
    assert (
        ZoomMeeting.objects.get(session=session, removed_at__isnull=True).zoom_meeting_id
        == live[0]["id"]
    )
    assert emails_to(mailoutbox, participant, "link changed")


def test_joining_notices_a_meeting_deleted_in_zoom(client, connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()
    emulator.delete_meeting_in_zoom(emulator.meetings()[0]["id"])  # no webhook reaches us
    client.force_login(participant)

    response = client.get(reverse("scheduling:join", args=[session.pk]))
    run_until_quiet()

    assert response.status_code == 409
    assert f"{connected_peer.display_name} deleted this Zoom meeting in Zoom" in response.text
    assert (
        SupportSession.objects.get(pk=session.pk).meetings.filter(removed_at__isnull=True).count()
        == 1
    )
    assert client.get(reverse("scheduling:join", args=[session.pk])).status_code == 302


def test_the_peer_reads_that_they_deleted_the_meeting_in_zoom(
    client, connected_peer, participant, emulator
):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()
    emulator.delete_meeting_in_zoom(emulator.meetings()[0]["id"])
    client.force_login(connected_peer)

    response = client.get(reverse("scheduling:join", args=[session.pk]))

    assert response.status_code == 409
    assert "You deleted this Zoom meeting in Zoom" in response.text
