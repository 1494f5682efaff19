"""The Zoom permissions Peerakeet needs, and every scope name that grants each (zoom-api.md §1).

The one list: the connect check (zoom.services), the connect-failure page (zoom.views),
settings.ZOOM_SCOPES (what the app asks for) and the docs all read it.

Peerakeet's app is registered with Zoom's granular scopes, but an app set up earlier (or by hand)
may carry Zoom's classic scopes instead; a grant is good when its scopes *cover* every need.
Zoom's Meeting API lists, for each endpoint, the classic scope and its ``:admin`` variant that
let the call through (``POST /users/{userId}/meetings``: ``meeting:write:admin``,
``meeting:write``), and the granular scope and its ``:admin`` variant likewise:
https://developers.zoom.us/docs/integrations/oauth-scopes-overview/
A user-managed app like ours is only offered the user-level names; an ``:admin`` name is a
wider grant of the same permission, so it covers the need too. Pure Python: settings imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    """One thing Peerakeet does in Zoom, and the scope names that allow it."""

    label: str  # what the peer reads when Zoom did not grant it
    granular: str  # the scope Peerakeet's app asks for
    classic: str  # Zoom's classic scope that covers the same calls

    @property
    def covered_by(self) -> tuple[str, ...]:
        return (self.granular, self.classic, f"{self.granular}:admin", f"{self.classic}:admin")

    def met_by(self, granted: Iterable[str]) -> bool:
        return not set(self.covered_by).isdisjoint(granted)


NEEDS: tuple[Need, ...] = (
    # GET /users/me at connect and refresh: the host's id, account and user type.
    Need("View your Zoom user profile", "user:read:user", "user:read"),
    # POST /users/me/meetings when a Video/Audio session is confirmed without a manual link.
    Need("Create meetings", "meeting:write:meeting", "meeting:write"),
    # GET /meetings/{id}: a fresh host start link at Join Session.
    Need("View your meetings", "meeting:read:meeting", "meeting:read"),
    # GET /users/me/meetings: find a create whose answer was lost instead of making a second one.
    Need("List your upcoming meetings", "meeting:read:list_meetings", "meeting:read"),
    # DELETE /meetings/{id} when a session is declined or cancelled.
    Need("Delete meetings", "meeting:delete:meeting", "meeting:write"),
    # PATCH /meetings/{id} when a session moves.
    Need("Update meetings", "meeting:update:meeting", "meeting:write"),
)

# What the app asks Zoom for (the Marketplace registration): the granular names, nothing else.
REQUESTED: tuple[str, ...] = tuple(need.granular for need in NEEDS)


def unmet(granted: str | Iterable[str]) -> tuple[Need, ...]:
    """The needs a grant does not cover; ``granted`` is Zoom's space-separated ``scope``."""
    names = set(granted.split() if isinstance(granted, str) else granted)
    return tuple(need for need in NEEDS if not need.met_by(names))


def label(scope: str) -> str:
    """What a person reads for one of Peerakeet's requested scopes (the name itself otherwise)."""
    return next((need.label for need in NEEDS if need.granular == scope), scope)
