"""Writes for accounts: sign-up, proving an address, invitations, and peer certification."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import throttles
from accounts.models import AccountEvent, PeerCertification, User, validate_display_name
from accounts.verification import send_account_email, verification_link
from api.tokens import tokens_revoke_all
from push.services import push_subscriptions_end
from scheduling.notifications import queue_host_revoked
from scheduling.services import peer_hosting_end
from zoom.services import connection_disconnect

HOUR = 3600


def _emails_allowed(kind: str, email: str) -> bool:
    limit = getattr(settings, "ACCOUNT_EMAILS_PER_ADDRESS_PER_HOUR", 5)
    return throttles.allow(kind, email, limit=limit, window=HOUR)


def participant_sign_up(*, email: str, display_name: str, password: str, time_zone: str) -> None:
    """Answers the same whoever owns the address: the address's owner gets an email, and only
    someone who can read it gets further. A new account starts unverified (nothing booked for
    the address is shown to it until it is)."""
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        user = User(email=email, display_name=display_name, time_zone=time_zone)
        user.set_password(password)
        user.full_clean()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same address signed up a moment ago
            return
        send_account_email(user, "verify", link=verification_link(user))
        return
    make_password(password)  # as slow as a new account: the timing tells nothing either
    if not existing.is_active or not _emails_allowed("sign-up", email):
        return
    if existing.is_verified:
        send_account_email(existing, "account_exists")
    else:
        send_account_email(existing, "verify", link=verification_link(existing))


def verification_resend(*, user: User) -> bool:
    """A signed-in account that has not confirmed its address asks for the link again."""
    if user.is_verified or not _emails_allowed("verify", user.email):
        return False
    send_account_email(user, "verify", link=verification_link(user))
    return True


def email_verify(*, user: User) -> User:
    """The person read the link sent to the address: the account may see what is booked for it."""
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def participant_for_booking(*, email: str) -> User:
    """The account a peer books by address. An address without one gets an unverified account
    with no password, claimed through the invitation (``booking_invite``)."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    user = User(email=email, display_name=_name_from_address(email))
    user.set_unusable_password()
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # booked twice at once: the other request made it
        return User.objects.get(email__iexact=email)
    return user


def _name_from_address(email: str) -> str:
    local = email.split("@", 1)[0].replace(".", " ").replace("_", " ")[:80].strip()
    try:
        validate_display_name(local)
    except ValidationError:
        return "Invited participant"
    return local or "Invited participant"


def booking_invite(*, participant: User, peer: User) -> bool:
    """After a peer books an address with no verified account: an invitation whose link proves
    the address (and lets the invitee choose a password). Sent at most a few times an hour."""
    if participant.is_verified or not participant.is_active:
        return False
    if not _emails_allowed("invite", participant.email):
        return False
    send_account_email(
        participant, "invitation", link=verification_link(participant), peer_name=peer.display_name
    )
    return True


@transaction.atomic
def sign_out_everywhere(*, user: User) -> int:
    """Ends every web session (their stamp no longer matches: accounts.models), every API
    token and every device's notifications of this person. Returns how many tokens were
    revoked."""
    user.signed_out_everywhere_at = timezone.now()
    user.save(update_fields=["signed_out_everywhere_at"])
    push_subscriptions_end(user=user)
    return tokens_revoke_all(user=user)


class CertificationError(ValidationError):
    """A grant or revocation that is not allowed (``code`` is stable)."""


@transaction.atomic
def certification_grant(*, user: User, by: User | None, note: str = "") -> PeerCertification:
    """Support staff certify a peer. Nobody certifies themselves: that would be escalation."""
    if by is not None and by.pk == user.pk:
        raise CertificationError(
            "Ask another member of support staff: nobody can certify themselves.", code="self"
        )
    existing = PeerCertification.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True
    )
    active = existing.first()
    if active is not None:
        return active
    certification = PeerCertification.objects.create(user=user, granted_by=by, note=note)
    user.__dict__.pop("_is_certified_peer", None)
    AccountEvent.objects.create(
        user=user, actor=_actor(by), kind=AccountEvent.Kind.CERTIFICATION_GRANTED, detail=note
    )
    return certification


@dataclass(frozen=True)
class Revocation:
    """What revoking one certification did (all zero when the person held none)."""

    revoked: int = 0
    requests_declined: int = 0
    sessions_to_hand_over: int = 0
    participants_to_tell: int = 0  # their emails are queued, not sent yet
    tokens_revoked: int = 0
    zoom_disconnected: bool = False


def certification_revoke(*, user: User, by: User | None, note: str = "") -> Revocation:
    """The one way a peer stops being a peer (admin action, ``manage.py revoke_certification``).

    In one transaction: the certification ends, every open request to the peer is declined (each
    participant gets a kind email), each participant of confirmed sessions that have not ended
    gets one email queued saying so (the sessions stay confirmed for support to hand over, admin:
    Sessions, "Needs a new peer"), every web session and API token of the peer ends, and the
    audit trail says who did it and what followed. The emails are sent by the worker, retried if
    the mail server fails, and written only if the revocation commits. Then the Zoom connection
    ends and the grant is revoked at Zoom (a network call: outside the transaction). Revoking a
    certification that is not active changes nothing and tells nobody.
    """
    with transaction.atomic():
        active = list(
            PeerCertification.objects.select_for_update()
            .filter(user=user, revoked_at__isnull=True)
            .values_list("pk", flat=True)
        )
        revoked = PeerCertification.objects.filter(pk__in=active).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        user.__dict__.pop("_is_certified_peer", None)
        if not revoked:
            return Revocation()
        ended = peer_hosting_end(peer=user)
        to_tell = queue_host_revoked(peer=user, sessions=ended.to_hand_over, event=min(active))
        tokens = sign_out_everywhere(user=user)
        actor = _actor(by)
        AccountEvent.objects.create(
            user=user, actor=actor, kind=AccountEvent.Kind.CERTIFICATION_REVOKED, detail=note
        )
        AccountEvent.objects.create(
            user=user,
            actor=actor,
            kind=AccountEvent.Kind.HOSTING_ENDED,
            detail=(
                f"{len(ended.declined)} open request(s) declined; "
                f"{len(ended.to_hand_over)} confirmed session(s) to hand over "
                f"({', '.join(str(s.pk) for s in ended.to_hand_over) or 'none'}); "
                f"{tokens} API token(s) and every web session ended"
            ),
        )
    disconnected = connection_disconnect(peer=user, revoked_by=actor)
    return Revocation(
        revoked=revoked,
        requests_declined=len(ended.declined),
        sessions_to_hand_over=len(ended.to_hand_over),
        participants_to_tell=to_tell,
        tokens_revoked=tokens,
        zoom_disconnected=disconnected,
    )


def _actor(by: User | None) -> str:
    return by.email if by is not None else "system"


# What a person chooses about notifications (the Preferences page and the API alike).
NOTIFICATION_PREFERENCES = (
    "email_session_changes",
    "email_meeting_links",
    "email_zoom_problems",
    "push_notifications",
    "remind_day_before",
    "remind_hour_before",
    "remind_join_window",
    "email_reminders",
)


def notification_preferences_update(*, user: User, changes: dict[str, bool]) -> User:
    """Turn notifications on or off. Only the switches above, only true or false: anything
    else is refused and nothing is changed."""
    unknown = sorted(set(changes) - set(NOTIFICATION_PREFERENCES))
    if unknown:
        raise ValidationError(f"Not a notification preference: {', '.join(unknown)}.")
    if any(not isinstance(value, bool) for value in changes.values()):
        raise ValidationError("Each notification preference is true or false.")
    for name, value in changes.items():
        setattr(user, name, value)
    user.save(update_fields=list(changes))
    return user
