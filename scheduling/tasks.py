"""Old import paths of the scheduling tasks, kept for one more release.

Task rows queued before the tasks moved beside their bodies name these paths; a worker that runs
such a row imports the task from here. Nothing in Peerakeet imports this module; new rows name
scheduling.meetings and scheduling.notifications. docs/operations.md says when it can go.
"""

from __future__ import annotations

from scheduling.meetings import provision_meeting, remove_meeting, update_meeting
from scheduling.notifications import announce_meeting, send_notification, send_notifications
from scheduling.sweep import WorkerLost

__all__ = [
    "WorkerLost",
    "announce_meeting",
    "provision_meeting",
    "remove_meeting",
    "send_notification",
    "send_notifications",
    "update_meeting",
]
