"""Scheduling's answers to the Zoom connection changing (zoom.signals)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from scheduling import notifications
from scheduling.meetings import meeting_gone
from scheduling.models import Notification, SupportSession, ZoomMeeting
from scheduling.services import request_provisioning
from zoom.models import ZoomConnection
from zoom.signals import connection_established, connection_lost, meeting_deleted


@receiver(connection_established)
def heal_after_connect(sender: Any, connection: ZoomConnection, **kwargs: Any) -> None:
    """Reconnect heals: every upcoming confirmed session without a link gets its meeting now,
    and meetings that could not be removed while Zoom was gone are removed."""
    from scheduling.tasks import provision_meeting, remove_meeting

    upcoming = SupportSession.objects.select_for_update().filter(
        peer_id=connection.peer_id,
        status=SupportSession.Status.CONFIRMED,
        manual_link="",
        starts_at__gt=timezone.now() - timedelta(hours=4),
    )
    for session in upcoming:
        request_provisioning(session)
    # Sessions that stopped wanting a meeting while a create's outcome was unknown: the
    # provisioning task looks for, and removes, what that create may have left in Zoom.
    for session_id in SupportSession.objects.filter(
        peer_id=connection.peer_id, create_started_at__isnull=False
    ).values_list("pk", flat=True):
        provision_meeting.enqueue(session_id)
    stuck = ZoomMeeting.objects.filter(
        session__peer_id=connection.peer_id,
        host_zoom_user_id=connection.zoom_user_id,
        removed_at__isnull=True,
        removal_requested_at__isnull=False,
    ).exclude(removal_failed="")
    for meeting in stuck:
        meeting.removal_failed = ""
        meeting.save(update_fields=["removal_failed"])
        remove_meeting.enqueue(meeting.pk)


@receiver(connection_lost)
def stop_automation(sender: Any, connection: ZoomConnection, **kwargs: Any) -> None:
    """Future Zoom automation stops: pending sessions now need a reconnect or a manual link.

    When Zoom broke the connection (not the peer's own Disconnect), the peer is told at once by
    email; the dashboard shows a banner listing the sessions that now need a link.
    """
    SupportSession.objects.filter(
        peer_id=connection.peer_id, provisioning=SupportSession.Provisioning.PENDING
    ).update(provisioning=SupportSession.Provisioning.NEEDS_ZOOM)
    if connection.reason in (
        ZoomConnection.Reason.GRANT_REFUSED,
        ZoomConnection.Reason.REMOVED_IN_ZOOM,
    ):
        notifications.queue_peer_alert(
            connection.peer,
            Notification.Kind.ZOOM_BROKEN,
            f"{connection.pk}:{connection.updated_at.isoformat()}",
        )


@receiver(meeting_deleted)
def meeting_deleted_in_zoom(sender: Any, zoom_meeting_id: int, **kwargs: Any) -> None:
    meeting_gone(zoom_meeting_id)
