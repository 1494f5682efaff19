from __future__ import annotations

from functools import partial

from django.http import HttpRequest

from accounts.selectors import revoked_certification


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "role_label": user.role_label,
        "is_certified_peer": user.is_certified_peer,
        # A callable: the template calls it (one query) only on a page that shows the notice.
        "revoked_certification": partial(revoked_certification, user),
    }
