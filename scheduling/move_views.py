"""The doors of a participant's ask to move a confirmed session (scheduling.moves): ask,
withdraw, and the peer's accept or decline. Thin: the rules live in the service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from scheduling import moves, services
from scheduling.forms import MoveAskForm
from scheduling.models import MoveAsk, SupportSession
from scheduling.views import _back, _member_session, _user

DONE = {
    "accept": "Session moved. Everyone has been told, and the link stays the same.",
    "decline": "Ask declined: the session keeps its time.",
    "withdraw": "Ask withdrawn: the session keeps its time, and your peer is told.",
}


@login_required
@require_POST
def move_ask_new(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _member_session(request, session_id)
    form = MoveAskForm(request.POST, viewer=_user(request))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(request, session, status=400)
    try:
        moves.move_ask_create(
            session=session,
            by=_user(request),
            starts_at=form.cleaned_data["starts_at"],
            note=form.cleaned_data["note"],
        )
    except services.SessionError as error:
        messages.error(request, " ".join(error.messages))
        status = 400 if error.code in ("bad_reason", "bad_time", "in_the_past", "too_far") else 409
        return _back(request, session, status=status)
    messages.success(
        request, f"Asked. {session.peer.display_name} is told, and the session keeps its time "
        "until they accept.",
    )  # fmt: skip
    return _back(request, session)


@login_required
@require_http_methods(["GET", "POST"])
def move_ask_answer(
    request: HttpRequest, session_id: int, ask_id: int, action: str
) -> HttpResponse:
    session = _member_session(request, session_id)
    ask = MoveAsk.objects.filter(pk=ask_id, session=session).first()
    if ask is None or action not in DONE or (request.method == "GET" and action != "decline"):
        raise Http404("No such ask")
    if request.method == "GET":
        return _decline_question(request, session, ask)
    by = _user(request)
    try:
        if action == "accept":
            moves.move_ask_accept(ask=ask, by=by)
        elif action == "decline":
            moves.move_ask_decline(ask=ask, by=by, reason=request.POST.get("reason", ""))
        else:
            moves.move_ask_withdraw(ask=ask, by=by)
    except services.SessionError as error:
        if error.code == "bad_reason":  # keep what they wrote, and say what to change
            message = " ".join(error.messages)
            return _decline_question(request, session, ask, error=message, status=400)
        messages.error(request, " ".join(error.messages))
        return _back(request, session, status=409)
    messages.success(request, DONE[action])
    return _back(request, session)


def _decline_question(
    request: HttpRequest,
    session: SupportSession,
    ask: MoveAsk,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Declining is asked once, with an optional word for the participant (as scheduling/ask.html
    asks before a session is called off)."""
    back = "schedule" if request.GET.get("back", request.POST.get("back")) == "schedule" else ""
    context: dict[str, Any] = {
        "nav": "schedule",
        "session": session,
        "ask": ask,
        "reason": request.POST.get("reason", ""),
        "max_reason": services.MAX_REASON,
        "error": error,
        "back": back,
    }
    with timezone.override(_user(request).time_zone):
        return render(request, "scheduling/move_ask_decline.html", context, status=status)
