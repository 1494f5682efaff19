"""Reads about people."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import PeerCertification, User


def holds_certification(user_field: str = "pk") -> Exists:
    """In a query: the user in ``user_field`` holds an unrevoked peer certification (the rule
    ``User.is_certified_peer`` reads for one user)."""
    return Exists(
        PeerCertification.objects.filter(user=OuterRef(user_field), revoked_at__isnull=True)
    )


def certified_peers(*, excluding: User | None = None) -> QuerySet[User]:
    """Active users holding an active peer certification: whom a participant can ask."""
    peers = User.objects.filter(holds_certification(), is_active=True).order_by("display_name")
    return peers.exclude(pk=excluding.pk) if excluding is not None else peers


def revoked_certification(user: User) -> PeerCertification | None:
    """The certification a former peer last held, once revoked (None for a peer or a person who
    never was one): what the revoked-peer notice explains."""
    if not user.is_authenticated or user.is_certified_peer:
        return None
    return (
        PeerCertification.objects.filter(user=user, revoked_at__isnull=False)
        .order_by("-revoked_at")
        .first()
    )
