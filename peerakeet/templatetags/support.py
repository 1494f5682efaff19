"""How to reach Peerakeet support, written once for every page and email that says it.

``{% load support %}``, then ``{% support_contact %}`` for the usual line (the address, then
the hours in brackets), or its parts: ``{% support_link %}``, ``{% support_email %}``,
``{% support_hours %}``. A template tag rather than a context value: the 500 page is rendered
without context processors, and emails are rendered outside a request.
"""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# The published guide's Support section (shared/zoom-integration-guide.md).
SUPPORT_EMAIL = "support@peerakeet.com"
SUPPORT_HOURS = "Monday \u2013 Friday, 9:00 AM \u2013 5:00 PM ET"  # en dashes, as the guide


@register.simple_tag
def support_email() -> str:
    return SUPPORT_EMAIL


@register.simple_tag
def support_hours() -> str:
    return SUPPORT_HOURS


@register.simple_tag
def support_link() -> SafeString:
    """The address as a link that opens the reader's mail app."""
    return format_html('<a href="mailto:{0}">{0}</a>', SUPPORT_EMAIL)


@register.simple_tag(takes_context=True)
def support_contact(context: Context) -> str:
    """The address, then the hours in brackets: the address is a link on a page, plain text in
    a plain-text email (the emails render with autoescape off)."""
    if not context.autoescape:
        return f"{SUPPORT_EMAIL} ({SUPPORT_HOURS})"
    return format_html("{} ({})", support_link(), SUPPORT_HOURS)
