"""The client's address, as the sign-in lockout and the throttles count it.

Without a proxy it is REMOTE_ADDR: X-Forwarded-For is written by the client and proves nothing.
Behind N proxies that each append the address they saw, the client is the N-th entry from the
right of X-Forwarded-For; anything to its left was sent by the client and is ignored. (This is
django-ipware's ``proxy_count`` rule; ipware is not installed, so django-axes would otherwise
silently use REMOTE_ADDR, the proxy, for everyone.)
"""

from __future__ import annotations

from collections.abc import Mapping


def client_ip(meta: Mapping[str, object], proxy_count: int) -> str:
    remote = str(meta.get("REMOTE_ADDR") or "")
    if proxy_count <= 0:
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    hops = [hop for hop in hops if hop]
    # Fewer hops than proxies: the request did not come through them all; count the sender.
    return hops[-proxy_count] if len(hops) >= proxy_count else remote
