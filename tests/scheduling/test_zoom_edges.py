"""The Zoom lifecycle at its edges (issue 15): a move while Zoom is disconnected, a new Zoom
account, and a create Zoom refuses. Over real HTTP to the emulator, with the real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from scheduling import services
from scheduling.join import join_target
from scheduling.models import Notification, SupportSession, ZoomMeeting
from scheduling.selectors import MOVE_WAITS, account_switch, link_state, sessions_for
from scheduling.sweep import retry_failed_meetings, sweep_waiting_moves
from tests.api.conftest import client_for
from tests.scheduling.conftest import book
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet, run_worker
from tests.zoom_support import BASIC, LICENSED, connect, zoom_user
from zoom import tokens
from zoom.models import ZoomConnection
from zoom.services import connection_disconnect

pytestmark = pytest.mark.django_db(transaction=True)

Provisioning = SupportSession.Provisioning


def zoom_start(emulator, meeting: ZoomMeeting) -> str:
    [found] = [m for m in emulator.meetings() if m["id"] == meeting.zoom_meeting_id]
    return found["start_time"]


def as_zoom(when) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def card(session: SupportSession, viewer):
    """The session as the viewer's pages read it (with the peer's Zoom connection joined)."""
    return link_state(sessions_for(viewer).get(pk=session.pk))


# --- A move while Zoom is disconnected -----------------------------------------------------


def test_a_move_while_zoom_is_disconnected_reaches_zoom_when_the_peer_reconnects(
    connected_peer, participant, emulator
):
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    meeting = ZoomMeeting.objects.get(session=session)
    connection_disconnect(peer=connected_peer)
    later = session.starts_at + timedelta(hours=2)

    services.session_reschedule(session=session, by=connected_peer, starts_at=later)
    run_until_quiet()

    assert zoom_start(emulator, meeting) == as_zoom(session.starts_at)  # Zoom: the old time
    assert card(session, connected_peer).warning == MOVE_WAITS
    connect(connected_peer, emulator, LICENSED)
    run_until_quiet()
    assert zoom_start(emulator, meeting) == as_zoom(later)
    assert card(session, connected_peer).warning == ""
    assert ZoomMeeting.objects.filter(session=session).count() == 1  # the same meeting, moved


def test_a_move_whose_task_was_lost_is_sent_by_the_sweep(connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    meeting = ZoomMeeting.objects.get(session=session)
    later = session.starts_at + timedelta(hours=1)
    services.session_reschedule(session=session, by=connected_peer, starts_at=later)
    DBTaskResult.objects.filter(task_path__endswith=".update_meeting").delete()  # worker died
    SupportSession.objects.filter(pk=session.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )

    assert sweep_waiting_moves() == 1
    run_until_quiet()

    assert zoom_start(emulator, meeting) == as_zoom(later)
    assert sweep_waiting_moves() == 0  # in step now: nothing more to send


def test_the_move_page_promises_the_same_link_only_when_the_meeting_moves_in_place(
    client, connected_peer, participant, emulator
):
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    client.force_login(connected_peer)
    same_link = "the meeting link stays the same"

    assert same_link in client.get(reverse("scheduling:session", args=[session.pk])).text
    connection_disconnect(peer=connected_peer)
    services.session_reschedule(
        session=session, by=connected_peer, starts_at=session.starts_at + timedelta(hours=1)
    )
    page = client.get(reverse("scheduling:session", args=[session.pk])).text
    assert same_link not in page
    assert MOVE_WAITS in page


# --- A new Zoom account ----------------------------------------------------------------------


@pytest.fixture
def switched(connected_peer, participant, emulator):
    """Two upcoming sessions and one under way have meetings on lee@; the peer then
    disconnects and connects casey@."""
    upcoming = [book(connected_peer, participant, starts_in=timedelta(days=day)) for day in (1, 2)]
    under_way = book(connected_peer, participant, starts_in=timedelta(days=3))
    run_until_quiet()
    under_way.starts_at = timezone.now() - timedelta(minutes=10)
    under_way.save()
    connection_disconnect(peer=connected_peer)
    connect(connected_peer, emulator, BASIC)
    run_until_quiet()
    return upcoming, under_way


@pytest.mark.usefixtures("switched")
def test_connecting_another_zoom_user_says_what_will_change_before_anything_does(
    connected_peer, participant, emulator, mailoutbox
):
    switch = account_switch(connected_peer)

    assert switch is not None
    assert (switch.sessions, switch.old_accounts, switch.new_account) == (2, [LICENSED], BASIC)
    casey = zoom_user(emulator, BASIC)["id"]
    assert emulator.meetings(user_id=casey) == []  # nothing moved before the peer confirms
    assert not emails_to(mailoutbox, participant, "link changed")


def test_the_peer_joins_a_session_under_way_on_its_meeting_not_a_false_deleted(
    switched, connected_peer, emulator
):
    _, under_way = switched
    meeting = ZoomMeeting.objects.get(session=under_way)

    target = join_target(under_way, connected_peer)

    assert target == meeting.join_url
    meeting.refresh_from_db()
    assert meeting.removed_at is None  # not taken for "deleted in Zoom"


def test_confirming_the_switch_gives_new_links_on_the_new_account_and_tells_each_once(
    switched, connected_peer, participant, emulator, mailoutbox
):
    upcoming, under_way = switched
    mailoutbox.clear()

    left = services.zoom_account_switch(peer=connected_peer)
    run_until_quiet()
    services.zoom_account_switch(peer=connected_peer)  # twice: nothing more happens
    run_until_quiet()

    casey = zoom_user(emulator, BASIC)["id"]
    assert len(left) == 2
    assert {m.session_id for m in left} == {s.pk for s in upcoming}
    assert all(m.left_on_old_account_at and "delete it there" in m.removal_failed for m in left)
    for session in upcoming:
        live = ZoomMeeting.objects.get(session=session, removed_at__isnull=True)
        assert live.host_zoom_user_id == casey
    assert len(emulator.meetings(user_id=casey)) == 2
    assert ZoomMeeting.objects.get(session=under_way).removed_at is None  # keeps its meeting
    assert len(emails_to(mailoutbox, participant, "link changed")) == 2  # once per session
    assert account_switch(connected_peer) is None


def test_a_lost_create_on_the_old_account_waits_for_the_switch_and_is_listed_to_check(
    client, connected_peer, participant, emulator
):
    emulator.inject_fault("create_meeting", "lost_response", next=1)
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_worker()  # the create reaches lee@'s Zoom; its answer is lost
    connection_disconnect(peer=connected_peer)
    connect(connected_peer, emulator, BASIC)
    run_until_quiet()
    casey = zoom_user(emulator, BASIC)["id"]

    assert emulator.meetings(user_id=casey) == []  # no second meeting behind the peer's back
    switch = account_switch(connected_peer)
    assert switch is not None
    assert switch.sessions == 1
    services.zoom_account_switch(peer=connected_peer)
    run_until_quiet()

    session.refresh_from_db()
    assert session.maybe_left_on_old_account_at is not None
    assert len(emulator.meetings(user_id=casey)) == 1
    client.force_login(connected_peer)
    assert "Perhaps a meeting for the session" in client.get(reverse("scheduling:schedule")).text


def test_a_move_of_a_meeting_on_the_old_account_waits_and_nothing_says_deleted(
    switched, connected_peer, emulator
):
    session = switched[0][0]
    meeting = ZoomMeeting.objects.get(session=session)

    services.session_reschedule(
        session=session, by=connected_peer, starts_at=session.starts_at + timedelta(hours=1)
    )
    run_until_quiet()

    meeting.refresh_from_db()
    assert meeting.removed_at is None
    assert emulator.calls("patch_meeting") == []
    assert "not on the Zoom account connected now" in card(session, connected_peer).warning


def test_the_schedule_page_offers_the_switch_and_the_old_meetings_to_delete(
    client, switched, connected_peer
):
    client.force_login(connected_peer)

    page = client.get(reverse("scheduling:schedule")).text
    assert f"will get new links on {BASIC}" in page
    client.post(reverse("scheduling:zoom_account_switch"))
    run_until_quiet()
    page = client.get(reverse("scheduling:schedule")).text

    assert "Delete these meetings in your previous Zoom account" in page
    assert f"in {LICENSED}" in page


def test_a_participant_cannot_switch_a_peers_zoom_account(client, switched, participant):
    client.force_login(participant)

    response = client.post(reverse("scheduling:zoom_account_switch"))

    assert response.status_code in (302, 403)
    assert not ZoomMeeting.objects.filter(left_on_old_account_at__isnull=False).exists()
    with pytest.raises(services.SessionError):
        services.zoom_account_switch(peer=participant)


# --- A create Zoom refuses -------------------------------------------------------------------


@pytest.fixture
def refused(connected_peer, participant, emulator):
    emulator.inject_fault("create_meeting", "3161", next=1)
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    session.refresh_from_db()
    return session


def test_a_refused_create_tells_the_peer_once_what_zoom_said(refused, connected_peer, mailoutbox):
    assert refused.provisioning == Provisioning.FAILED
    assert "not allowed meeting hosting" in refused.provisioning_error
    [email] = emails_to(mailoutbox, connected_peer, "could not be created")
    assert "Zoom said: " in email.body
    assert "not allowed meeting hosting" in email.body
    assert "not allowed meeting hosting" in card(refused, connected_peer).warning


def test_try_again_makes_the_meeting_once_zoom_accepts(refused, connected_peer, emulator):
    services.session_retry_meeting(session=refused, by=connected_peer)
    services.session_retry_meeting(session=refused, by=connected_peer)  # idempotent
    run_until_quiet()

    refused.refresh_from_db()
    assert refused.provisioning == Provisioning.IDLE
    assert refused.provisioning_error == ""
    assert ZoomMeeting.objects.filter(session=refused, removed_at__isnull=True).count() == 1
    assert len(emulator.calls("create_meeting")) == 2  # the refused one, then one more


def test_try_again_is_rate_limited(refused, connected_peer, emulator):
    emulator.inject_fault("create_meeting", "3161", next=1)
    services.session_retry_meeting(session=refused, by=connected_peer)
    run_until_quiet()
    refused.refresh_from_db()
    assert refused.provisioning == Provisioning.FAILED

    with pytest.raises(services.SessionError) as again:
        services.session_retry_meeting(session=refused, by=connected_peer)
    assert again.value.code == "too_soon"


def test_try_again_goes_through_when_the_shared_cache_cannot_count(
    refused, connected_peer, emulator, redis_gone
):
    """Fails open: the limit only spares Zoom a second ask for what is wanted anyway."""
    emulator.inject_fault("create_meeting", "3161", next=1)
    services.session_retry_meeting(session=refused, by=connected_peer)
    run_until_quiet()
    refused.refresh_from_db()

    services.session_retry_meeting(session=refused, by=connected_peer)  # not "too soon"

    refused.refresh_from_db()
    assert refused.provisioning == Provisioning.PENDING


def test_only_the_peer_may_try_again_from_any_door(
    client, refused, participant, stranger, connected_peer
):
    with pytest.raises(services.SessionError) as refused_to:
        services.session_retry_meeting(session=refused, by=participant)
    assert refused_to.value.code == "forbidden"

    client.force_login(participant)
    web = client.post(reverse("scheduling:session_action", args=[refused.pk, "try-again"]))
    assert web.status_code == 409
    client.force_login(stranger)
    assert (
        client.post(
            reverse("scheduling:session_action", args=[refused.pk, "try-again"])
        ).status_code
        == 404
    )
    refused.refresh_from_db()
    assert refused.provisioning == Provisioning.FAILED  # unchanged


def test_the_session_page_offers_try_again_to_the_peer_only(
    client, refused, connected_peer, participant
):
    client.force_login(connected_peer)
    assert "Try again" in client.get(reverse("scheduling:session", args=[refused.pk])).text
    client.force_login(participant)
    assert "Try again" not in client.get(reverse("scheduling:session", args=[refused.pk])).text


def test_the_sweep_tries_a_failed_session_again_once_a_day(refused, emulator):
    assert retry_failed_meetings() == 0  # failed minutes ago: not yet
    SupportSession.objects.filter(pk=refused.pk).update(
        updated_at=timezone.now() - timedelta(days=1, minutes=1)
    )

    assert retry_failed_meetings() == 1
    run_until_quiet()

    assert ZoomMeeting.objects.filter(session=refused, removed_at__isnull=True).count() == 1
    call_command("sweep_sessions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert ZoomMeeting.objects.filter(session=refused).count() == 1


def test_support_sees_failed_sessions_with_zooms_reason_but_not_the_note(
    client, staff, connected_peer, participant, emulator
):
    emulator.inject_fault("create_meeting", "3161", next=1)
    book(connected_peer, participant, private_note="Grieving a loss")
    run_until_quiet()

    client.force_login(staff)
    page = client.get("/support/scheduling/supportsession/?meeting=failed").text

    assert "not allowed meeting hosting" in page
    assert "Grieving" not in page
    assert Notification.objects.filter(kind=Notification.Kind.MEETING_FAILED).count() == 1


def test_a_cancelled_sessions_meeting_in_the_old_account_is_listed_to_delete_there(
    client, connected_peer, participant, emulator
):
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    connection_disconnect(peer=connected_peer)
    services.session_cancel(session=session, by=participant)
    run_until_quiet()  # Zoom is disconnected: the removal cannot be done

    connect(connected_peer, emulator, BASIC)
    run_until_quiet()

    meeting = ZoomMeeting.objects.get(session=session)
    assert meeting.left_on_old_account_at is not None
    assert f"Still in {LICENSED}" in meeting.removal_failed
    client.force_login(connected_peer)
    page = client.get(reverse("scheduling:schedule")).text
    assert f"Meeting {meeting.zoom_meeting_id} in {LICENSED}" in page


# --- A free (Basic) Zoom host ----------------------------------------------------------------

FORTY = "Zoom will end this meeting at 40 minutes"


@pytest.fixture
def basic_peer(peer, emulator):
    connect(peer, emulator, BASIC)
    peer.refresh_from_db()
    return peer


def test_a_basic_host_is_warned_of_zooms_40_minutes_on_every_door(
    client, basic_peer, participant, emulator
):
    long = book(basic_peer, participant, starts_in=timedelta(days=2), duration_minutes=50)
    short = book(basic_peer, participant, starts_in=timedelta(days=3), duration_minutes=40)
    run_until_quiet()

    assert FORTY in card(long, basic_peer).warning
    assert FORTY not in card(short, basic_peer).warning
    client.force_login(basic_peer)
    assert FORTY in client.get(reverse("scheduling:session", args=[long.pk])).text
    assert "Zoom ends its meetings at 40 minutes" in client.get(reverse("scheduling:schedule")).text
    assert FORTY in client_for(basic_peer).get(f"/sessions/{long.pk}").json()["warning"]
    client.force_login(participant)  # the participant is not burdened with the peer's plan
    assert FORTY not in client.get(reverse("scheduling:session", args=[long.pk])).text
    assert client_for(participant).get(f"/sessions/{long.pk}").json()["warning"] is None


def test_a_request_longer_than_40_minutes_warns_the_basic_host_before_accepting(
    basic_peer, participant
):
    request = services.session_request(
        participant=participant,
        peer=basic_peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="audio",
    )

    assert FORTY in card(request, basic_peer).warning


def test_the_warning_goes_once_the_account_is_upgraded_and_the_grant_refreshed(
    basic_peer, participant, emulator
):
    session = book(basic_peer, participant, starts_in=timedelta(days=2), duration_minutes=50)
    emulator.set_user_type(zoom_user(emulator, BASIC)["id"], 2)
    assert FORTY in card(session, basic_peer).warning  # until the next refresh

    connection = ZoomConnection.objects.get(peer=basic_peer)
    tokens.refresh_idle(connection.pk, idle_before=timezone.now() + timedelta(days=1))

    assert FORTY not in card(session, basic_peer).warning


def test_a_manual_link_needs_no_warning(basic_peer, participant):
    session = book(
        basic_peer,
        participant,
        duration_minutes=90,
        manual_link="https://meet.google.com/abc-defg-hij",
    )

    assert FORTY not in card(session, basic_peer).warning


def test_a_meeting_left_on_a_licensed_account_is_not_said_to_end_at_40_minutes(
    switched, connected_peer
):
    """Connected to casey@ (Basic) now, but the meeting is still lee@'s (Licensed)."""
    session = switched[0][0]

    assert FORTY not in card(session, connected_peer).warning


@pytest.mark.parametrize("cleared", ["before the removal ran", "after it"])
def test_a_link_cleared_after_a_switch_gets_a_meeting_on_the_account_connected_now(
    cleared, connected_peer, participant, emulator
):
    """Found by the chaos run: a manual link set (the Zoom meeting's removal queued), the peer
    moves to another Zoom account, the link is cleared. The old meeting cannot be removed
    through the new grant and is listed to delete there; the session must still get a meeting,
    on the account connected now."""
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    services.session_set_manual_link(
        session=session, by=connected_peer, link="https://whereby.com/room-9d2f"
    )
    connection_disconnect(peer=connected_peer)
    connect(connected_peer, emulator, BASIC)
    if cleared == "before the removal ran":
        services.session_set_manual_link(session=session, by=connected_peer, link="")
        run_until_quiet()
    else:
        run_until_quiet()
        services.session_set_manual_link(session=session, by=connected_peer, link="")
        run_until_quiet()

    old = ZoomMeeting.objects.get(
        session=session, host_zoom_user_id=zoom_user(emulator, LICENSED)["id"]
    )
    assert old.left_on_old_account_at is not None
    assert "delete it there" in old.removal_failed
    [new] = ZoomMeeting.objects.filter(session=session, removed_at__isnull=True)
    assert new.host_zoom_user_id == zoom_user(emulator, BASIC)["id"]
    session.refresh_from_db()
    assert session.provisioning == SupportSession.Provisioning.IDLE
