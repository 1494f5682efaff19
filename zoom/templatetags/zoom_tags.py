from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from zoom.models import ZoomConnection
from zoom.selectors import connection_of

register = template.Library()

# One friendly line per reason; the pill shows it under the state.
REASON_TEXT: dict[str, str] = {
    ZoomConnection.Reason.GRANT_REFUSED: "Zoom no longer accepts Peerakeet's authorization. "
    "Reconnect to keep creating meetings.",
    ZoomConnection.Reason.REMOVED_IN_ZOOM: "Peerakeet Telehealth was removed in the Zoom App "
    "Marketplace.",
}


UNREAD: Any = object()  # pill_context reads the connection itself


def pill_context(peer: User, connection: ZoomConnection | None = UNREAD) -> dict[str, Any]:
    """What the pill shows for ``peer``: read from the database only, never from Zoom (pass the
    ``connection`` when it has been read already: zoom.selectors.status_read)."""
    if connection is UNREAD:
        connection = connection_of(peer.pk)
    state = connection.state if connection else ZoomConnection.State.DISCONNECTED
    reason = REASON_TEXT.get(connection.reason, "") if connection else ""
    return {
        "state": state,
        "state_label": ZoomConnection.State(state).label,
        "zoom_email": connection.zoom_email if connection else "",
        "reason_text": reason,
    }


@register.inclusion_tag("zoom/_status_pill.html", takes_context=True)
def zoom_status_pill(context: template.Context) -> dict[str, Any]:
    """The Zoom status pill for the signed-in peer (reads the database only)."""
    request = context["request"]
    return {
        **pill_context(request.user),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
