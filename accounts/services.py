"""Writes for accounts: sign-up, proving an address, invitations, and peer certification."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import throttles
from accounts.models import PeerCertification, User, validate_display_name
from accounts.verification import send_account_email, verification_link
from api.tokens import tokens_revoke_all

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
    """Ends every web session (their stamp no longer matches: accounts.models) and every API
    token of this person. Returns how many tokens were revoked."""
    user.signed_out_everywhere_at = timezone.now()
    user.save(update_fields=["signed_out_everywhere_at"])
    return tokens_revoke_all(user=user)


@transaction.atomic
def certification_grant(*, user: User, by: User | None, note: str = "") -> PeerCertification:
    existing = PeerCertification.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True
    )
    active = existing.first()
    if active is not None:
        return active
    certification = PeerCertification.objects.create(user=user, granted_by=by, note=note)
    user.__dict__.pop("_is_certified_peer", None)
    return certification


@transaction.atomic
def certification_revoke(*, user: User, by: User | None) -> int:
    revoked = PeerCertification.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    user.__dict__.pop("_is_certified_peer", None)
    return revoked


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
