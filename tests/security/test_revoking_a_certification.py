"""Revoking a certification ends hosting, from each door, in one audited service (issue 16):
the Zoom grant is revoked at Zoom, open requests are declined with a kind email, participants of
confirmed sessions are told once (an email queued with the revocation, sent and retried by the
worker) and the sessions are listed to support for hand-over, and the peer's API tokens and web
sessions end. Staff cannot escalate themselves in the admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.models import AccountEvent, PeerCertification, User
from accounts.services import CertificationError, certification_grant, certification_revoke
from scheduling import services
from scheduling.join import JoinRefused, join_target
from scheduling.models import Notification, SupportSession
from scheduling.wording import zone_label
from tests.api.conftest import client_for
from tests.personas import make_participant
from tests.scheduling.conftest import book
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet, run_worker
from tests.zoom_support import connect
from zoom.models import AuditEvent, ZoomConnection

pytestmark = pytest.mark.django_db(transaction=True)

Status = SupportSession.Status


@dataclass
class Hosting:
    """A connected peer with a week of work, signed in on a phone (API) and a browser."""

    peer: User
    confirmed: SupportSession
    requested: SupportSession
    other_request: SupportSession
    soon: SupportSession
    api: Any
    browser: Client
    participants: tuple[User, User]


@pytest.fixture
def hosting(peer, participant, emulator) -> Hosting:
    second = make_participant("second@example.org", "Jo Second")
    connect(peer, emulator)
    confirmed = book(peer, participant, starts_in=timedelta(days=2))
    soon = book(peer, second, starts_in=timedelta(hours=1))
    requested = ask(participant, peer, days=3)
    other_request = ask(second, peer, days=4)
    run_until_quiet()  # the meetings are made; the first emails go
    browser = Client()
    browser.force_login(peer)
    return Hosting(
        peer, confirmed, requested, other_request, soon, client_for(peer), browser,
        (participant, second),
    )  # fmt: skip


def ask(participant: User, peer: User, *, days: int) -> SupportSession:
    return services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=days),
        duration_minutes=50,
        modality="video",
    )


def superuser_client(staff: User) -> Client:
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


def revoke_in_the_admin(staff: User, peer: User) -> Any:
    return superuser_client(staff).post(
        "/support/accounts/user/",
        {"action": "revoke_certification", "_selected_action": [peer.pk]},
        follow=True,
    )


def revoke_from_the_command(staff: User, peer: User) -> None:
    call_command("revoke_certification", peer.email, by=staff.email, note="complaint 42")


DOORS = {"admin": revoke_in_the_admin, "command": revoke_from_the_command}


def assert_hosting_ended(h: Hosting, staff: User, mailoutbox: list, emulator: Any) -> None:
    participant, second = h.participants
    assert not User.objects.get(pk=h.peer.pk).is_certified_peer
    # Zoom: the grant is revoked at Zoom (the emulator saw it) and erased here.
    [grant] = [g for g in emulator.grants() if g["status"] != "superseded"]
    assert grant["status"] == "revoked"
    connection = ZoomConnection.objects.get(peer=h.peer)
    assert connection.state == ZoomConnection.State.DISCONNECTED
    assert connection.reason == ZoomConnection.Reason.CERTIFICATION_REVOKED
    assert connection.access_token_encrypted == connection.refresh_token_encrypted == ""
    # Open requests are declined; the confirmed session waits for a new peer.
    states = dict(SupportSession.objects.values_list("pk", "status"))
    assert states[h.requested.pk] == states[h.other_request.pk] == Status.DECLINED
    assert states[h.confirmed.pk] == states[h.soon.pk] == Status.CONFIRMED
    # Every sign-in of the peer has ended.
    assert h.api.get("/me").status_code == 401
    assert h.browser.get("/schedule/").status_code == 302
    # Each participant is told once, kindly.
    run_until_quiet()
    [declined] = emails_to(mailoutbox, participant, "declined")
    assert "no longer hosting" in declined.body
    assert "not about you" in declined.body
    assert len(emails_to(mailoutbox, second, "declined")) == 1
    [told] = emails_to(mailoutbox, participant, "upcoming peer support session")
    assert "not cancelled" in told.body
    assert "support@peerakeet.com" in told.body
    assert "Pat Peer" in told.body
    assert f"({zone_label(participant.time_zone)})" in told.body  # as people say it
    assert len(emails_to(mailoutbox, second, "upcoming peer support session")) == 1
    # Audit: who did it, and what followed.
    kinds = set(AccountEvent.objects.filter(user=h.peer).values_list("kind", "actor"))
    assert (AccountEvent.Kind.CERTIFICATION_REVOKED, staff.email) in kinds
    assert (AccountEvent.Kind.HOSTING_ENDED, staff.email) in kinds
    assert AuditEvent.objects.filter(
        peer=h.peer, kind=AuditEvent.Kind.CERTIFICATION_REVOKED, actor=staff.email
    ).exists()


@pytest.mark.parametrize("door", DOORS)
def test_revoking_from_each_door_ends_hosting(
    door, hosting, staff, mailoutbox, emulator, participant
):
    DOORS[door](staff, hosting.peer)

    assert emulator.calls("revoke")
    assert_hosting_ended(hosting, staff, mailoutbox, emulator)


def test_revoking_twice_tells_nobody_twice(hosting, staff, mailoutbox, emulator):
    revoke_in_the_admin(staff, hosting.peer)
    run_until_quiet()
    sent = len(mailoutbox)
    events = AccountEvent.objects.count()

    again = certification_revoke(user=hosting.peer, by=staff)
    run_until_quiet()

    assert again.revoked == 0
    assert len(mailoutbox) == sent
    assert AccountEvent.objects.count() == events
    with pytest.raises(CommandError, match="no active certification"):
        revoke_from_the_command(staff, hosting.peer)


HAND_OVER = "upcoming peer support session"  # the subject of the hand-over email


class MailServerDown:
    """An email backend whose server is unreachable: every send fails as SMTP does."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise SMTPServerDisconnected("Connection unexpectedly closed")


def test_the_hand_over_emails_are_queued_with_the_revocation_not_sent_in_the_request(
    hosting, staff, mailoutbox
):
    participant, second = hosting.participants

    page = revoke_in_the_admin(staff, hosting.peer)

    assert emails_to(mailoutbox, participant, HAND_OVER) == []  # nothing sent inside the request
    assert "an email queued for 2 participant(s)" in page.content.decode()
    queued = Notification.objects.filter(kind=Notification.Kind.HOST_REVOKED, sent_at=None)
    assert set(queued.values_list("recipient", flat=True)) == {participant.pk, second.pk}
    run_until_quiet()
    assert len(emails_to(mailoutbox, participant, HAND_OVER)) == 1
    assert len(emails_to(mailoutbox, second, HAND_OVER)) == 1


def test_a_mail_server_down_during_the_revocation_loses_no_hand_over_email(
    hosting, staff, mailoutbox, settings
):
    participant, second = hosting.participants
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"

    revoke_in_the_admin(staff, hosting.peer)
    run_worker()  # the first try fails; its retry waits for later ...
    assert emails_to(mailoutbox, participant, HAND_OVER) == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_until_quiet()  # ... and goes once the mail server is back

    assert len(emails_to(mailoutbox, participant, HAND_OVER)) == 1
    assert len(emails_to(mailoutbox, second, HAND_OVER)) == 1


def test_a_revocation_that_rolls_back_tells_nobody(hosting, staff, mailoutbox):
    class Undone(Exception):
        pass

    def revoke_then_fail() -> None:
        with transaction.atomic():
            certification_revoke(user=hosting.peer, by=staff)
            raise Undone

    with pytest.raises(Undone):
        revoke_then_fail()
    run_until_quiet()

    assert User.objects.get(pk=hosting.peer.pk).is_certified_peer
    for person in hosting.participants:
        assert emails_to(mailoutbox, person, HAND_OVER) == []
    assert not Notification.objects.filter(kind=Notification.Kind.HOST_REVOKED).exists()


def test_an_account_deactivated_before_its_email_goes_is_not_told(hosting, staff, mailoutbox):
    participant, second = hosting.participants
    revoke_in_the_admin(staff, hosting.peer)

    User.objects.filter(pk=second.pk).update(is_active=False)
    run_until_quiet()

    assert emails_to(mailoutbox, second, HAND_OVER) == []
    assert len(emails_to(mailoutbox, participant, HAND_OVER)) == 1


def test_a_deactivated_account_gets_no_hand_over_email_queued(hosting, staff, mailoutbox):
    second = hosting.participants[1]
    User.objects.filter(pk=second.pk).update(is_active=False)

    done = certification_revoke(user=hosting.peer, by=staff)
    run_until_quiet()

    assert done.participants_to_tell == 1
    assert not Notification.objects.filter(recipient=second, kind="host_revoked").exists()
    assert emails_to(mailoutbox, second, HAND_OVER) == []


def test_the_hand_over_email_gives_each_time_on_the_participants_own_clock(
    peer, participant, emulator, staff, mailoutbox
):
    participant.time_zone = "America/Chicago"
    participant.save(update_fields=["time_zone"])
    first = book(peer, participant, starts_in=timedelta(days=2))
    second = book(peer, participant, starts_in=timedelta(days=3))
    run_until_quiet()

    certification_revoke(user=peer, by=staff)
    run_until_quiet()

    [told] = emails_to(mailoutbox, participant, HAND_OVER + "s")  # one email for both sessions
    with timezone.override("America/Chicago"):
        for session in (first, second):
            local = timezone.localtime(session.starts_at)
            assert f"- {local:%A} {local.day} {local:%B %Y}, {local:%-I:%M %p}" in told.body
    assert f"({zone_label('America/Chicago')})" in told.body
    assert "your sessions are not cancelled" in told.body
    assert participant.display_name in told.body
    assert peer.display_name in told.body


def test_a_session_cancelled_before_its_email_goes_is_not_said_to_stand(hosting, staff, mailoutbox):
    participant, second = hosting.participants
    revoke_in_the_admin(staff, hosting.peer)

    services.session_cancel(session=hosting.soon, by=second)  # second's only session
    run_until_quiet()

    assert emails_to(mailoutbox, second, HAND_OVER) == []
    [told] = emails_to(mailoutbox, participant, HAND_OVER)
    assert "your session is not cancelled" in told.body


def test_support_sees_the_sessions_to_hand_over(hosting, staff, other_peer, participant):
    theirs = book(other_peer, participant, starts_in=timedelta(days=5))
    revoke_in_the_admin(staff, hosting.peer)

    page = superuser_client(staff).get("/support/scheduling/supportsession/?hand_over=needed")

    listed = {session.pk for session in page.context["cl"].result_list}
    assert listed == {hosting.confirmed.pk, hosting.soon.pk}
    assert theirs.pk not in listed


def test_no_one_joins_a_revoked_peers_session(hosting, staff, participant):
    services.session_set_manual_link(
        session=hosting.confirmed, by=hosting.peer, link="https://whereby.com/peer-room"
    )
    revoke_in_the_admin(staff, hosting.peer)
    session = SupportSession.objects.get(pk=hosting.confirmed.pk)

    for viewer in (participant, hosting.peer):
        with pytest.raises(JoinRefused) as refused:
            join_target(session, viewer, now=session.starts_at)
        assert refused.value.code == "peer_not_hosting"


def test_a_revoked_peer_cannot_reconnect_zoom(hosting, staff):
    revoke_in_the_admin(staff, hosting.peer)
    hosting.peer.refresh_from_db()  # signed in afresh, after the revocation
    client = Client()
    client.force_login(hosting.peer)

    response = client.post("/integrations/zoom/connect/")

    assert response.status_code in (403, 405)
    assert ZoomConnection.objects.get(peer=hosting.peer).state == "disconnected"


# Staff cannot escalate themselves through the admin.


def staff_who_may_change_users(staff: User) -> Client:
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_user", "view_user"])
    )
    client = Client()
    client.force_login(staff)
    return client


def change_form(user: User, **changes: Any) -> dict[str, Any]:
    form = {
        "email": user.email,
        "display_name": user.display_name,
        "time_zone": user.time_zone,
        "is_active": "on",
        "certifications-TOTAL_FORMS": "0",
        "certifications-INITIAL_FORMS": "0",
        "certifications-MIN_NUM_FORMS": "0",
        "certifications-MAX_NUM_FORMS": "1000",
    }
    form.update(changes)
    return form


def test_staff_cannot_make_themselves_superuser_in_the_admin(staff):
    client = staff_who_may_change_users(staff)

    client.post(
        f"/support/accounts/user/{staff.pk}/change/",
        change_form(staff, is_staff="on", is_superuser="on"),
    )

    staff.refresh_from_db()
    assert not staff.is_superuser


def test_staff_cannot_make_someone_else_staff_or_superuser(staff, participant):
    client = staff_who_may_change_users(staff)

    response = client.post(
        f"/support/accounts/user/{participant.pk}/change/",
        change_form(participant, is_staff="on", is_superuser="on"),
    )

    participant.refresh_from_db()
    assert response.status_code == 302  # the rest of the form was saved
    assert not participant.is_staff
    assert not participant.is_superuser


def test_a_superuser_cannot_change_their_own_powers_either(staff):
    client = superuser_client(staff)

    client.post(f"/support/accounts/user/{staff.pk}/change/", change_form(staff))

    staff.refresh_from_db()
    assert staff.is_staff
    assert staff.is_superuser


def test_nobody_certifies_themselves_from_any_door(staff):
    client = superuser_client(staff)

    client.post(
        "/support/accounts/user/",
        {"action": "grant_certification", "_selected_action": [staff.pk]},
    )
    added = client.post(
        "/support/accounts/peercertification/add/",
        {"user": staff.pk, "note": "me"},
    )

    assert added.status_code == 403
    assert not PeerCertification.objects.filter(user=staff).exists()
    with pytest.raises(CertificationError):
        certification_grant(user=staff, by=staff)


def test_a_certification_cannot_be_ended_in_the_admin_without_ending_hosting(staff, peer):
    client = superuser_client(staff)
    certification = PeerCertification.objects.get(user=peer)

    deleted = client.post(
        f"/support/accounts/peercertification/{certification.pk}/delete/", {"post": "yes"}
    )
    changed = client.post(
        f"/support/accounts/peercertification/{certification.pk}/change/",
        {"user": peer.pk, "revoked_at_0": "2026-01-01", "revoked_at_1": "10:00"},
    )

    assert deleted.status_code == 403
    assert changed.status_code == 403
    assert PeerCertification.objects.get(pk=certification.pk).revoked_at is None
