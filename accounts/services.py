"""Writes for accounts: sign-up and peer certification."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import PeerCertification, User


@transaction.atomic
def participant_sign_up(*, email: str, display_name: str, password: str, time_zone: str) -> User:
    user = User(email=email.lower(), display_name=display_name, time_zone=time_zone)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


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
