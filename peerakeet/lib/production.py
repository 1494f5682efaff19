"""Refuse to start in production on an unsafe setting, naming it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from peerakeet.lib.crypto import KeyConfigError, parse_keyring
from peerakeet.lib.push_endpoints import unsafe_for_production
from peerakeet.lib.vapid import VapidKeyError, public_key_of


def check_production_settings(settings: dict[str, Any]) -> None:
    problems = list(_problems(settings))
    if problems:
        raise ImproperlyConfigured(
            "Peerakeet refuses to start in production: " + "; ".join(problems)
        )


def _problems(s: dict[str, Any]) -> list[str]:
    found: list[str] = []
    secret_key = s.get("SECRET_KEY", "")
    if not secret_key:
        found.append("SECRET_KEY is not set")
    elif (
        len(secret_key) < 50 or len(set(secret_key)) < 5 or secret_key.startswith("django-insecure")
    ):
        found.append("SECRET_KEY is too weak (use 50+ random characters)")
    if s.get("DEBUG"):
        found.append("DEBUG must be false")
    if not str(s.get("PEERAKEET_BASE_URL", "")).startswith("https://"):
        found.append("PEERAKEET_BASE_URL must be an https:// URL")
    if "*" in s.get("ALLOWED_HOSTS", []):
        found.append("ALLOWED_HOSTS must name the hosts, not '*'")
    try:
        parse_keyring(s.get("PEERAKEET_TOKEN_KEYS", ""))
    except KeyConfigError as exc:
        found.append(str(exc))
    for name in ("ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET", "ZOOM_WEBHOOK_SECRET_TOKEN"):
        if not s.get(name):
            found.append(f"{name} is not set")
    for name in ("ZOOM_OAUTH_URL", "ZOOM_API_URL", "ZOOM_REDIRECT_URI"):
        if not str(s.get(name, "")).startswith("https://"):
            found.append(f"{name} must be an https:// URL")
    found.extend(_proxy_problems(s))
    if (s.get("WEB_PROCESSES") or 1) > 1 and not s.get("REDIS_URL"):
        found.append(
            "WEB_PROCESSES is more than 1 but REDIS_URL is not set: each process would count "
            "rate limits and throttles on its own (N times the limit) and keep its own sessions"
        )
    found.extend(_webpush_problems(s))
    return found


def _webpush_problems(s: dict[str, Any]) -> list[str]:
    """Push needs a key pair that belongs together (browsers subscribed with the public key) and
    a subject push services can reach operators through (RFC 8292 §2.1)."""
    private, public = s.get("WEBPUSH_VAPID_PRIVATE_KEY", ""), s.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
    found = [f"{name} is not set" for name, value in (
        ("WEBPUSH_VAPID_PRIVATE_KEY", private), ("WEBPUSH_VAPID_PUBLIC_KEY", public)) if not value
    ]  # fmt: skip
    if private:
        try:
            if public and public_key_of(private) != public:
                found.append("WEBPUSH_VAPID_PUBLIC_KEY is not the public key of the private key")
        except VapidKeyError as exc:
            found.append(str(exc))
    if not str(s.get("WEBPUSH_VAPID_SUBJECT", "")).startswith(("mailto:", "https://")):
        found.append("WEBPUSH_VAPID_SUBJECT must be a mailto: or https:// address")
    if unsafe := unsafe_for_production(s.get("WEBPUSH_ALLOWED_HOSTS", [])):
        found.append(
            f"WEBPUSH_ALLOWED_HOSTS must name push services, not {', '.join(unsafe)} (the "
            "workers would send requests to whatever a subscription names there)"
        )
    return found


def _proxy_problems(s: dict[str, Any]) -> list[str]:
    """The client address every throttle counts must be the client's, not the proxy's (everyone
    would share one lockout) nor one the client wrote itself (anyone could lock out anyone)."""
    behind, count = bool(s.get("BEHIND_TLS_PROXY")), s.get("AXES_IPWARE_PROXY_COUNT") or 0
    if behind and count <= 0:
        return [
            "BEHIND_TLS_PROXY=true needs AXES_PROXY_COUNT (how many proxies append to "
            "X-Forwarded-For); without it every client would share the proxy's address"
        ]
    if count > 0 and not behind:
        return [
            "AXES_PROXY_COUNT is set but BEHIND_TLS_PROXY is not: without a proxy, "
            "X-Forwarded-For comes from the client and anyone could lock out anyone"
        ]
    return []
