"""What the Zoom integration tells the rest of Peerakeet (scheduling listens).

Sent inside the transaction that changed the connection; receivers enqueue their work in it.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: connection (ZoomConnection). The peer can now host Zoom meetings again.
connection_established = Signal()
# kwargs: connection (ZoomConnection). Future Zoom automation for this peer stops.
connection_lost = Signal()
# kwargs: zoom_meeting_id (int), host_zoom_user_id (str). The host deleted it inside Zoom.
meeting_deleted = Signal()
