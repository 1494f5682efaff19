"""The viewer, the peers a participant can ask for a session, and the viewer's Zoom status."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from accounts.models import User
from accounts.selectors import certified_peers
from api.errors import ApiError
from api.routes.common import answers, peer_viewer, viewer
from api.schemas import MeOut, PageQuery, PeerPage, PersonOut, Role, ZoomState, ZoomStatusOut
from zoom.models import ZoomConnection
from zoom.selectors import connection_of
from zoom.services import connection_disconnect
from zoom.templatetags.zoom_tags import REASON_TEXT

router = Router()


@router.get("/me", response=answers(ok=(200, MeOut)), tags=["people"], summary="Who I am")
def me(request: HttpRequest) -> MeOut:
    user = viewer(request)
    role: Role = "peer" if user.is_certified_peer else "staff" if user.is_staff else "participant"
    return MeOut(
        id=user.pk,
        email=user.email,
        display_name=user.display_name,
        time_zone=user.time_zone,
        role=role,
        role_label=user.role_label,
    )


def requestable_peers(user: User) -> QuerySet[User]:
    """Certified peers the viewer can ask for a session (one home: accounts.selectors)."""
    return certified_peers(excluding=user).order_by("display_name", "pk")


@router.get(
    "/peers",
    response=answers(ok=(200, PeerPage)),
    tags=["people"],
    summary="Certified peers I can request a session from",
)
def peers(request: HttpRequest, page: Query[PageQuery]) -> PeerPage:
    found = requestable_peers(viewer(request))
    count = found.count()
    window = found[page.offset : page.offset + page.limit] if page.offset < count else []
    return PeerPage(
        items=[PersonOut(id=p.pk, display_name=p.display_name) for p in window],
        count=count,
        limit=page.limit,
        offset=page.offset,
    )


def zoom_status(peer: User) -> ZoomStatusOut:
    """Read from the database only, like the dashboard's status pill (never a call to Zoom)."""
    connection = connection_of(peer.pk)
    state = connection.state if connection else ZoomConnection.State.DISCONNECTED
    reason = connection.reason if connection else ""
    return ZoomStatusOut(
        state=cast(ZoomState, state),
        state_label=ZoomConnection.State(state).label,
        zoom_email=connection.zoom_email if connection else "",
        reason=reason,
        reason_text=REASON_TEXT.get(reason, ""),
        # Connecting happens in a browser, on the Schedule page: one OAuth flow, not two.
        connect_url=f"{settings.PEERAKEET_BASE_URL}{reverse('scheduling:schedule')}?connect=zoom",
    )


@router.get(
    "/zoom",
    response=answers(ok=(200, ZoomStatusOut), errors=(403,)),
    tags=["zoom"],
    summary="My Zoom connection (certified peers)",
)
def zoom(request: HttpRequest) -> ZoomStatusOut:
    return zoom_status(peer_viewer(request))


@router.post(
    "/zoom/disconnect",
    response=answers(ok=(200, ZoomStatusOut), errors=(403,)),
    tags=["zoom"],
    summary="Disconnect my Zoom account (certified peers, and anyone who still holds one)",
)
def zoom_disconnect(request: HttpRequest) -> ZoomStatusOut:
    user = viewer(request)
    try:
        connection_disconnect(peer=user)
    except PermissionDenied as refused:
        raise ApiError(403, "not_a_peer", str(refused)) from None
    return zoom_status(user)
