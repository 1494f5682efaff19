"""Reads about people."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import PeerCertification, User


def certified_peers(*, excluding: User | None = None) -> QuerySet[User]:
    """Active users holding an active peer certification: whom a participant can ask."""
    active = PeerCertification.objects.filter(user=OuterRef("pk"), revoked_at__isnull=True)
    peers = User.objects.filter(Exists(active), is_active=True).order_by("display_name")
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
