"""A session's time as people read it: in the viewer's zone, named as people say it, with the
UTC offset on hover, and the other person's time where their zone differs."""

from __future__ import annotations

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.models import User
from scheduling import selectors
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


@register.filter
def people_zone(zone: str) -> str:
    """A zone as people say it, for plain text (emails): "Eastern Time (New York)"."""
    return zone_label(zone)


@register.simple_tag
def session_time(session: SupportSession, viewer: User, long: bool = False) -> SafeString:
    """When ``session`` starts for ``viewer``; the long form names the zone."""
    mine = timezone.localtime(session.starts_at, viewer.tz)
    when = format_html(
        '<time datetime="{}">{}, {}</time>',
        session.starts_at.isoformat(),
        formats.date_format(mine, "l j F Y" if long else "D j M"),
        formats.date_format(mine, "g:i A"),
    )
    return format_html("{} {}", when, zone_name(viewer, session.starts_at)) if long else when


@register.simple_tag
def other_time(session: SupportSession, viewer: User) -> str:
    """The other person's time, where their zone differs: "5:00 PM for Mia Schulz, Central
    European Time (Berlin)" (with the weekday when it falls on another day)."""
    other = session.participant if session.peer_id == viewer.pk else session.peer
    if other.time_zone == viewer.time_zone:
        return ""
    mine = timezone.localtime(session.starts_at, viewer.tz)
    theirs = timezone.localtime(session.starts_at, other.tz)
    day = "" if theirs.date() == mine.date() else formats.date_format(theirs, "l") + " "
    return format_html(
        '{}{} for {}, <span title="{}">{}</span>',
        day,
        formats.date_format(theirs, "g:i A"),
        other.display_name,
        utc_offset(other.time_zone, session.starts_at),
        zone_label(other.time_zone),
    )


@register.simple_tag
def call_off_note(session: SupportSession, viewer: User) -> selectors.CallOffNote | None:
    """The note that came with a cancel or decline, for ``viewer`` (scheduling.selectors)."""
    return selectors.call_off_note(session, viewer)
