"""A session's time as people read it: in the viewer's zone, named as people say it, with the
UTC offset on hover, and the other person's time where their zone differs."""

from __future__ import annotations

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.models import User
from scheduling.models import SupportSession
from scheduling.wording import utc_offset, zone_label

register = template.Library()


@register.simple_tag
def zone_name(viewer: User, when: object = None) -> SafeString:
    """The viewer's zone, e.g. "Central Time (Chicago)", its offset on hover."""
    moment = when if hasattr(when, "tzinfo") else timezone.now()
    return format_html(
        '<span class="zone" title="{}">{}</span>',
        utc_offset(viewer.time_zone, moment),  # type: ignore[arg-type]
        zone_label(viewer.time_zone),
    )


@register.simple_tag
def session_time(session: SupportSession, viewer: User, long: bool = False) -> SafeString:
    """When ``session`` starts for ``viewer``, then for the other person if their zone differs."""
    mine = timezone.localtime(session.starts_at, viewer.tz)
    day_format = "l j F Y" if long else "D j M Y"
    text = format_html(
        '<time datetime="{}">{}, {}</time> {}',
        session.starts_at.isoformat(),
        formats.date_format(mine, day_format),
        formats.date_format(mine, "g:i A"),
        zone_name(viewer, session.starts_at),
    )
    other = session.participant if session.peer_id == viewer.pk else session.peer
    if other.time_zone == viewer.time_zone:
        return text
    theirs = timezone.localtime(session.starts_at, other.tz)
    their_day = "" if theirs.date() == mine.date() else formats.date_format(theirs, "D") + " "
    return format_html(
        '{} <span class="other-zone">({}{} for {}, <span title="{}">{}</span>)</span>',
        text,
        their_day,
        formats.date_format(theirs, "g:i A"),
        other.display_name,
        utc_offset(other.time_zone, session.starts_at),
        zone_label(other.time_zone),
    )
