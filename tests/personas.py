"""The people in Peerakeet's tests: a certified peer, a participant, a stranger, support staff."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from accounts.services import certification_grant

PASSWORD = "correct horse battery staple"


def make_user(
    email: str, name: str, *, time_zone: str = "UTC", staff: bool = False, verified: bool = True
) -> User:
    """Personas have confirmed their address, as every real user past sign-up has."""
    return User.objects.create_user(
        email,
        PASSWORD,
        display_name=name,
        time_zone=time_zone,
        is_staff=staff,
        email_verified_at=timezone.now() if verified else None,
    )


def make_peer(email: str = "peer@example.org", name: str = "Pat Peer", **kwargs: object) -> User:
    user = make_user(email, name, **kwargs)  # type: ignore[arg-type]
    certification_grant(user=user, by=None)
    return user


def make_participant(
    email: str = "participant@example.org", name: str = "Alex Participant", **kwargs: object
) -> User:
    return make_user(email, name, **kwargs)  # type: ignore[arg-type]
