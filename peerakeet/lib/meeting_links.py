"""Which manual meeting links a peer may enter: https links to a known meeting service.

Framework-free: the allow-list comes in as an argument (settings.MANUAL_LINK_HOSTS). A host
passes if it *is* an allowed host or one of its subdomains, compared label by label after IDNA
normalisation (the same mapping browsers apply), never by substring: ``evilzoom.us``,
``zoom.us.evil.com`` and ``zoom.us`` spelt with a Cyrillic o are other hosts. Anything a
browser could read differently from us (a user name, a port, a backslash, a trailing dot,
whitespace) is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

DEFAULT_HOSTS = (
    "zoom.us",
    "zoomgov.com",
    "meet.google.com",
    "teams.microsoft.com",
    "teams.live.com",
    "webex.com",
    "whereby.com",
    "doxy.me",
)
SERVICE_NAMES = {
    "zoom.us": "Zoom",
    "zoomgov.com": "ZoomGov",
    "meet.google.com": "Google Meet",
    "teams.microsoft.com": "Microsoft Teams",
    "teams.live.com": "Microsoft Teams",
    "webex.com": "Webex",
    "whereby.com": "Whereby",
    "doxy.me": "Doxy.me",
}


class MeetingLinkError(ValueError):
    """Why a link was refused, in words a peer understands."""


def normalise_host(host: str) -> str:
    """The host as ASCII (IDNA, lower case), or MeetingLinkError when it is not a host name."""
    if not host or host.endswith(".") or host != host.strip():
        raise MeetingLinkError("not a host name")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
        # Round-trip each xn-- label: a malformed or non-canonical punycode label is refused.
        if ascii_host.encode("ascii").decode("idna").encode("idna").decode() != ascii_host:
            raise MeetingLinkError("not a canonical host name")
    except UnicodeError:
        raise MeetingLinkError("not a host name") from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_is_label(label) for label in labels):
        raise MeetingLinkError("not a host name")
    return ascii_host


def _is_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(c.isascii() and (c.isalnum() or c == "-") for c in label)
    )


def is_allowed_host(host: str, allowed: Iterable[str]) -> bool:
    """Equal to an allowed host, or a subdomain of one (a whole-label suffix)."""
    return any(host == base or host.endswith("." + base) for base in allowed)


def service_names(allowed: Iterable[str]) -> str:
    names = list(dict.fromkeys(SERVICE_NAMES.get(host, host) for host in allowed))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def clean_meeting_link(link: str, allowed: Iterable[str] = DEFAULT_HOSTS) -> str:
    """The link in canonical form (ASCII host), or MeetingLinkError naming the allowed services."""
    allowed_hosts = [normalise_host(host.strip()) for host in allowed if host.strip()]
    refusal = MeetingLinkError(
        f"Use a meeting link from {service_names(allowed_hosts)}, starting with https://."
    )
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in link):
        raise refusal
    parts = urlsplit(link)
    if parts.scheme.lower() != "https" or not parts.netloc:
        raise refusal
    if "@" in parts.netloc:
        raise MeetingLinkError("A meeting link must not contain a user name or password.")
    host, colon, _port = parts.netloc.partition(":")
    if colon and not host.startswith("["):
        raise MeetingLinkError(
            "A meeting link must not name a port: paste it as the meeting service gave it."
        )
    try:
        ascii_host = normalise_host(host)
    except MeetingLinkError:
        raise refusal from None
    if not is_allowed_host(ascii_host, allowed_hosts):
        raise refusal
    return urlunsplit(("https", ascii_host, parts.path or "/", parts.query, parts.fragment))
