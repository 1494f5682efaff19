"""Reads about a peer's Zoom connection that other apps' pages and rules call (database only)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef

from accounts.models import PeerCertification, User
from zoom.models import ZoomConnection

# Zoom ends every meeting a Basic (free) user hosts at 40 minutes, one-to-one meetings included,
# since July 2022 (Zoom's plan limits; issue #15). A Licensed host has no such limit.
BASIC_MEETING_MINUTES = 40


def zoom_meeting_limit(peer: User) -> int | None:
    """Minutes after which Zoom ends this peer's meetings: 40 for a Basic host, else None.

    From the user type read at connect and at each token refresh; None without a connection.
    """
    return limit_of(ZoomConnection.objects.filter(peer_id=peer.pk).first())


def limit_of(connection: ZoomConnection | None) -> int | None:
    """``zoom_meeting_limit`` for a connection already read (no query)."""
    if connection is None or connection.state == ZoomConnection.State.DISCONNECTED:
        return None
    return (
        BASIC_MEETING_MINUTES
        if connection.zoom_user_type == ZoomConnection.UserType.BASIC
        else None
    )


def cut_off(duration_minutes: int, limit: int | None) -> bool:
    """Whether Zoom ends a session of ``duration_minutes`` before it is over (pure)."""
    return limit is not None and duration_minutes > limit


def status_read(user: User) -> ZoomConnection | None:
    """The status pill's whole read in one statement: the peer's connection, and whether the
    person is a certified peer (stored on ``user`` as ``is_certified_peer`` reads it, so the
    permission check that follows asks nothing more). The pill is polled; this keeps it at one
    statement beyond the sign-in's own (docs/benchmarks.md)."""
    found = (
        User.objects.filter(pk=user.pk)
        .annotate(
            certified=Exists(
                PeerCertification.objects.filter(user=OuterRef("pk"), revoked_at__isnull=True)
            )
        )
        .select_related("zoom_connection")
        .only("pk", "zoom_connection")
        .first()
    )
    if found is None:
        return None
    user._is_certified_peer = bool(found.certified)
    try:
        return found.zoom_connection
    except ObjectDoesNotExist:
        return None
