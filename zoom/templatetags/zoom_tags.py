from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("zoom/_status_pill.html", takes_context=True)
def zoom_status_pill(context: dict[str, Any]) -> dict[str, Any]:
    """The Zoom status pill for the signed-in peer (reads the database only)."""
    request = context["request"]
    connection = getattr(request.user, "zoom_connection", None)
    return {"connection": connection, "csrf_token": context.get("csrf_token")}
