"""Scheduling's answers to the Zoom connection changing (zoom.signals): one call each."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from scheduling import meetings
from zoom.models import ZoomConnection
from zoom.signals import connection_established, connection_lost, meeting_deleted


@receiver(connection_established)
def heal_after_connect(sender: Any, connection: ZoomConnection, **kwargs: Any) -> None:
    meetings.resume_after_connect(connection)


@receiver(connection_lost)
def stop_automation(sender: Any, connection: ZoomConnection, **kwargs: Any) -> None:
    meetings.pause_after_disconnect(connection)


@receiver(meeting_deleted)
def meeting_deleted_in_zoom(
    sender: Any, zoom_meeting_id: int, host_zoom_user_id: str, **kwargs: Any
) -> None:
    meetings.meeting_gone(zoom_meeting_id, host_zoom_user_id=host_zoom_user_id)
