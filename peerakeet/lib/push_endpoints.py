"""Which push endpoints Peerakeet's servers will POST to: the browsers' push services only.

A push subscription's endpoint comes from the browser, so from anyone with an account: the
workers send an HTTP request to whatever it names. Refusing IP literals is not enough (the
resolver reads ``127.1``, ``2130706433`` and ``0x7f.1`` as 127.0.0.1, and any DNS name can point
inside our network), so an endpoint must be on a known push service's host.

Framework-free: the allow-list comes in as an argument (settings.WEBPUSH_ALLOWED_HOSTS). An entry
is a host (``fcm.googleapis.com``: that host only), ``*.`` and a domain (any host under it, not
the domain itself), or ``http://`` and a host: a push service on the developer's machine (the
tests' receiver on 127.0.0.1), reached over plain http on any port, which production refuses
(peerakeet/lib/production.py). Hosts are compared whole after IDNA normalisation, never by
substring; a user name, a port (on https), a backslash or whitespace is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from peerakeet.lib.meeting_links import MeetingLinkError, normalise_host

# The push services of Chrome and Android (Firebase Cloud Messaging), Firefox (Mozilla autopush),
# Edge on Windows (Windows Push Notification Services) and Safari (Apple Push Notification
# service). https://web.dev/articles/push-notifications-web-push-protocol
DEFAULT_HOSTS = (
    "fcm.googleapis.com",
    "*.push.services.mozilla.com",
    "updates.push.services.mozilla.com",
    "*.notify.windows.com",
    "*.push.apple.com",
    "web.push.apple.com",
)
LOCAL = "http://"
MAX_LENGTH = 1000


class PushEndpointError(ValueError):
    """Why an endpoint was refused, in words a developer of a client understands."""


def check_push_endpoint(endpoint: str, allowed: Iterable[str] = DEFAULT_HOSTS) -> None:
    """Return if Peerakeet may POST to ``endpoint``; raise PushEndpointError otherwise."""
    refusal = PushEndpointError(
        "The push endpoint must be an https:// address of a browser's push service."
    )
    if not endpoint or len(endpoint) > MAX_LENGTH:
        raise refusal
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in endpoint):
        raise refusal
    parts = urlsplit(endpoint)
    if "@" in parts.netloc or parts.scheme not in {"https", "http"}:
        raise refusal
    host, colon, port = parts.netloc.partition(":")
    try:
        host = normalise_host(host)
    except MeetingLinkError:
        raise refusal from None
    entries = [entry.strip().lower() for entry in allowed if entry.strip()]
    if parts.scheme == "http":
        if f"{LOCAL}{host}" not in entries or (colon and not port.isdigit()):
            raise refusal
        return
    if colon and port != "443":
        raise refusal
    if not any(_matches(host, entry) for entry in entries):
        raise refusal


def _matches(host: str, entry: str) -> bool:
    if entry.startswith(LOCAL):
        return False  # only over http, above
    if entry.startswith("*."):
        return host.endswith(entry[1:])
    return host == entry


def unsafe_for_production(allowed: Iterable[str]) -> list[str]:
    """The entries production refuses: a local push service, or a pattern matching any host."""
    return [
        entry
        for entry in allowed
        if entry.strip().lower().startswith(LOCAL) or entry.strip() in {"*", "*."}
    ]
