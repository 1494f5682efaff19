"""Reads about a peer's Zoom connection that other apps' pages and rules call (database only)."""

from __future__ import annotations

from django.db import connection

from accounts.models import User
from zoom.models import ZoomConnection

# Zoom ends every meeting a Basic (free) user hosts at 40 minutes, one-to-one meetings included,
# since July 2022 (Zoom's plan limits; issue #15). A Licensed host has no such limit.
BASIC_MEETING_MINUTES = 40


def connection_of(peer_id: int) -> ZoomConnection | None:
    """The peer's Zoom connection row, read fresh (in any state), or None if they never had one."""
    return ZoomConnection.objects.filter(peer_id=peer_id).first()


def zoom_meeting_limit(peer: User) -> int | None:
    """Minutes after which Zoom ends this peer's meetings: 40 for a Basic host, else None.

    From the user type read at connect and at each token refresh; None without a connection.
    """
    return limit_of(connection_of(peer.pk))


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
    """The status pill's whole read in one statement: the peer's connection (only the columns
    the pill shows) and whether the person is a certified peer, stored on ``user`` where
    ``is_certified_peer`` reads it, so the permission check that follows asks nothing more.

    Written in SQL rather than the ORM: the pill is polled, and building this query through the
    ORM (an EXISTS annotation, a reverse one-to-one join, deferred columns) cost 4x sending it
    (2.2 ms against 0.5 ms, docs/benchmarks.md §7). Portable SQL, run on SQLite and PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute(_STATUS_SQL, [user.pk, user.pk])
        certified, *columns = cursor.fetchone()
    user._is_certified_peer = bool(certified)
    if columns[0] is None:
        return None
    return ZoomConnection.from_db(connection.alias, _STATUS_COLUMNS, columns)


_STATUS_COLUMNS = ["id", "state", "reason", "zoom_email"]
# Table names as the models name them (tests/test_shared_cache.py checks; the pill tests run it
# on SQLite and PostgreSQL).
_STATUS_SQL = (
    "SELECT EXISTS(SELECT 1 FROM accounts_peercertification"
    " WHERE user_id = %s AND revoked_at IS NULL), z.id, z.state, z.reason, z.zoom_email"
    " FROM (SELECT 1 AS one) AS one LEFT JOIN zoom_zoomconnection AS z ON z.peer_id = %s"
)
