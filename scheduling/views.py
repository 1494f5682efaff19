"""The Schedule page, session pages and Join. Thin: rules live in scheduling.services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import certified_peer_required
from accounts.services import booking_invite
from scheduling import moves, services
from scheduling.agenda import build_agenda
from scheduling.calendar_links import google_link, outlook_link
from scheduling.forms import (
    ManualLinkForm,
    MoveAskForm,
    RescheduleForm,
    SessionCreateForm,
    SessionRequestForm,
)
from scheduling.join import JoinRefused, join_fallback, join_target, leaving_for
from scheduling.models import SupportSession
from scheduling.notifications import calendar_file
from scheduling.selectors import (
    Page,
    account_notices,
    is_preparing,
    link_state,
    past_page,
    sessions_for,
    sessions_needing_a_link,
    upcoming_page,
)
from scheduling.wording import link_words

FIELD_OF_CODE = {
    "in_the_past": "starts_at",
    "too_far": "starts_at",
    "bad_time": "starts_at",
    "overlap": "starts_at",
    "bad_duration": "duration_minutes",
    "bad_link": "manual_link",
    "same_person": "participant_email",
    "inactive": "participant_email",
    "bad_modality": "modality",
    "bad_note": "private_note",
}
JOIN_SOON = timedelta(hours=1)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _schedule_context(request: HttpRequest, **forms: Form) -> dict[str, Any]:
    """One page of each list (a fixed number of queries, whatever the diary's size), arranged
    for a working day (scheduling.agenda)."""
    user = _user(request)
    now = timezone.now()
    numbers = {"upcoming": _page_number(request, "upcoming"), "past": _page_number(request, "past")}
    upcoming = upcoming_page(user, numbers["upcoming"])
    past = past_page(user, numbers["past"])
    agenda = build_agenda(user, upcoming, past, now=now)
    context: dict[str, Any] = {
        "nav": "schedule",
        "agenda": agenda,
        "upcoming_pages": _pager(upcoming, "upcoming", numbers),
        "past_pages": _pager(past, "past", numbers),
        "page_query": urlencode({k: v for k, v in numbers.items() if v > 1}),
        # A card read as "Preparing" keeps the page polling even when the worker stores its
        # meeting between the queries above and is_preparing's: the page would otherwise say
        # "Preparing Zoom meeting…" until reloaded.
        "preparing": any(
            card.state.text == SupportSession.Provisioning.PENDING.label for card in agenda.cards()
        )
        or is_preparing(user),
        # The next session's Join turns active when its window opens: until then the lists
        # refresh now and then, so the button does not wait for a reload.
        "join_opens_soon": agenda.next is not None
        and now < agenda.next.session.join_window()[0] <= now + JOIN_SOON,
        "now": now,
    }
    if user.is_certified_peer:
        context["create_form"] = forms.get("create_form") or SessionCreateForm(viewer=user)
        context.update(_banner_context(user))
    else:
        context["request_form"] = forms.get("request_form") or SessionRequestForm(viewer=user)
    return context


def _banner_context(peer: User) -> dict[str, Any]:
    """What the peer must act on about Zoom: sessions without a link, a new Zoom account."""
    notices = account_notices(peer)
    return {
        "needing_link": sessions_needing_a_link(peer),
        "account_switch": notices.switch,
        "left_on_old_accounts": notices.left_meetings,
        "maybe_left_on_old_accounts": notices.maybe_left,
    }


@certified_peer_required
@require_GET
def zoom_banners(request: HttpRequest) -> HttpResponse:
    """The Zoom banners alone, for htmx to refresh when a connect finishes in the popup."""
    with timezone.override(_user(request).time_zone):
        return render(request, "scheduling/_zoom_banner.html", _banner_context(_user(request)))


def _page_number(request: HttpRequest, name: str) -> int:
    value = request.GET.get(name, "")
    return min(int(value), 10_000) if value.isdigit() and int(value) > 0 else 1


def _pager(page: Page, name: str, numbers: dict[str, int]) -> dict[str, str]:
    """Links to the neighbouring pages of one list, keeping the other list where it is."""

    def link(number: int) -> str:
        wanted = {**numbers, name: number}
        return "?" + urlencode({k: v for k, v in wanted.items() if v > 1})

    return {
        "previous": link(page.number - 1) if page.has_previous else "",
        "next": link(page.number + 1) if page.has_next else "",
    }


@login_required
@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    with timezone.override(_user(request).time_zone):
        return render(request, "scheduling/schedule.html", _schedule_context(request))


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """The session lists alone, for htmx to refresh while a meeting is being prepared."""
    with timezone.override(_user(request).time_zone):
        return render(request, "scheduling/_session_lists.html", _schedule_context(request))


@certified_peer_required
@require_POST
def session_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = SessionCreateForm(request.POST, viewer=user)
    if form.is_valid() and _apply(
        form,
        lambda: services.session_create(
            peer=user,
            participant=form.cleaned_data["participant_email"],
            starts_at=form.cleaned_data["starts_at"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            modality=form.cleaned_data["modality"],
            manual_link=form.cleaned_data["manual_link"],
            private_note=form.cleaned_data["private_note"],
        ),
    ):
        booking_invite(participant=form.cleaned_data["participant_email"], peer=user)
        messages.success(request, "Session scheduled and confirmed.")
        return redirect("scheduling:schedule")
    return _schedule_with_errors(request, create_form=form)


@login_required
@require_POST
def session_request(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = SessionRequestForm(request.POST, viewer=user)
    if form.is_valid() and _apply(
        form,
        lambda: services.session_request(
            participant=user,
            peer=form.cleaned_data["peer"],
            starts_at=form.cleaned_data["starts_at"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            modality=form.cleaned_data["modality"],
        ),
    ):
        messages.success(request, "Session requested. You will see it here when the peer accepts.")
        return redirect("scheduling:schedule")
    return _schedule_with_errors(request, request_form=form)


def _apply(form: Form, action: Callable[[], object]) -> bool:
    try:
        action()
    except services.SessionError as error:
        field = FIELD_OF_CODE.get(error.code or "")
        form.add_error(field if field in form.fields else None, error.messages)
        return False
    return True


def _schedule_with_errors(request: HttpRequest, **forms: Form) -> HttpResponse:
    with timezone.override(_user(request).time_zone):
        return render(
            request, "scheduling/schedule.html", _schedule_context(request, **forms), status=400
        )


def _member_session(request: HttpRequest, session_id: int) -> SupportSession:
    """The session if the viewer is its peer or participant; anyone else gets a plain 404."""
    session = sessions_for(_user(request)).filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session")
    return session


@login_required
@require_GET
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    return _render_detail(request, _member_session(request, session_id))


def _render_detail(
    request: HttpRequest, session: SupportSession, *, status: int = 200
) -> HttpResponse:
    user = _user(request)
    context = {
        "nav": "schedule",
        "session": session,
        "state": link_words(link_state(session), session, user),
        "is_peer": session.peer_id == user.pk,
        "link_form": ManualLinkForm(initial={"manual_link": session.manual_link}),
        "reschedule_form": RescheduleForm(
            viewer=user,
            initial={
                "starts_at": session.starts_at.astimezone(user.tz).strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": session.duration_minutes,
            },
        ),
        "can_reschedule": session.status == SupportSession.Status.REQUESTED
        or (session.status == SupportSession.Status.CONFIRMED and session.peer_id == user.pk),
        "move_ask": moves.pending_move_ask(session),
        "move_ask_form": MoveAskForm(viewer=user),
        "can_retry_meeting": session.peer_id == user.pk
        and session.provisioning == SupportSession.Provisioning.FAILED
        and session.wants_zoom_meeting(),
        "join_opens": session.join_window()[0],
        "fallback": join_fallback(session, user),
        "google_link": google_link(session),
        "outlook_link": outlook_link(session),
        "now": timezone.now(),
    }
    with timezone.override(user.time_zone):
        return render(request, "scheduling/session_detail.html", context, status=status)


ACTIONS: dict[str, tuple[Callable[..., SupportSession], str]] = {
    "accept": (services.session_accept, "Session accepted and confirmed."),
    "decline": (services.session_decline, "Request declined."),
    "cancel": (services.session_cancel, "Session cancelled."),
    "complete": (services.session_complete, "Session marked as completed."),
    "try-again": (services.session_retry_meeting, "Peerakeet is trying the Zoom meeting again."),
}


# Calling a session off is asked once, on a page of its own (a <dialog> when JavaScript runs),
# with an optional word for the other person.
ASKED = {"cancel", "decline"}


@login_required
@require_http_methods(["GET", "POST"])
def session_action(request: HttpRequest, session_id: int, action: str) -> HttpResponse:
    session = _member_session(request, session_id)
    if action not in ACTIONS or (request.method == "GET" and action not in ASKED):
        raise Http404("No such action")
    if request.method == "GET":
        return _ask(request, session, action)
    service, done = ACTIONS[action]
    extra = {"reason": request.POST.get("reason", "")} if action in ASKED else {}
    try:
        service(session=session, by=_user(request), **extra)
    except services.SessionError as error:
        if error.code == "bad_reason":  # keep what they wrote, and say what to change
            return _ask(request, session, action, error=" ".join(error.messages), status=400)
        messages.error(request, " ".join(error.messages))
        return _back(request, session, status=409)
    messages.success(request, done)
    return _back(request, session)


def _ask(
    request: HttpRequest,
    session: SupportSession,
    action: str,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    other = session.participant if session.peer_id == user.pk else session.peer
    back = "schedule" if request.GET.get("back", request.POST.get("back")) == "schedule" else ""
    context = {
        "nav": "schedule",
        "session": session,
        "action": action,
        "other": other,
        "withdraw": session.status == SupportSession.Status.REQUESTED and action == "cancel",
        "reason": request.POST.get("reason", ""),
        "max_reason": services.MAX_REASON,
        "error": error,
        "back": back,
    }
    with timezone.override(user.time_zone):
        return render(request, "scheduling/ask.html", context, status=status)


@certified_peer_required
@require_POST
def session_link(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _member_session(request, session_id)
    form = ManualLinkForm(request.POST)
    if form.is_valid():
        try:
            services.session_set_manual_link(
                session=session, by=_user(request), link=form.cleaned_data["manual_link"]
            )
        except services.SessionError as error:
            messages.error(request, " ".join(error.messages))
            return _back(request, session, status=400)
        messages.success(
            request,
            "Meeting link saved."
            if form.cleaned_data["manual_link"]
            else "Meeting link removed: Peerakeet will use Zoom.",
        )
    return _back(request, session)


def _back(request: HttpRequest, session: SupportSession, *, status: int = 302) -> HttpResponse:
    """After an action: back where the form was. A refused action shows the page again, with
    the reason, under a 4xx status."""
    to_schedule = request.POST.get("back") == "schedule"
    if status == 302:
        return (
            redirect("scheduling:schedule")
            if to_schedule
            else redirect("scheduling:session", session.pk)
        )
    if to_schedule:
        with timezone.override(_user(request).time_zone):
            return render(
                request, "scheduling/schedule.html", _schedule_context(request), status=status
            )
    session.refresh_from_db()
    return _render_detail(request, session, status=status)


@login_required
@require_POST
def session_reschedule(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _member_session(request, session_id)
    form = RescheduleForm(request.POST, viewer=_user(request))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return _back(request, session, status=400)
    try:
        services.session_reschedule(
            session=session,
            by=_user(request),
            starts_at=form.cleaned_data["starts_at"],
            duration_minutes=form.cleaned_data["duration_minutes"],
        )
    except services.SessionError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request, session, status=409)
    messages.success(request, "Session moved. Everyone has been told, and the link stays the same.")
    return _back(request, session)


@login_required
@require_GET
def session_calendar(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session as an .ics file for the viewer's calendar (a confirmed session only)."""
    session = _member_session(request, session_id)
    if session.status != SupportSession.Status.CONFIRMED:
        raise Http404("Only a confirmed session goes in a calendar")
    sequence = session.calendar_sequence
    ics = calendar_file(session, _user(request), method="PUBLISH", sequence=sequence)
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="peerakeet-session-{session.pk}.ics"'
    return response


@login_required
@require_GET
def join(request: HttpRequest, session_id: int) -> HttpResponse:
    """Re-checks everything, then sends the viewer to the meeting (DESIGN.md flow 5)."""
    session = _member_session(request, session_id)
    user = _user(request)
    try:
        target = join_target(session, user)
    except JoinRefused as refused:
        return _join_refused(request, session, refused)
    host = leaving_for(session, user, target)
    if host is None:
        response: HttpResponse = HttpResponseRedirect(target)
    else:  # a link the peer typed: say where it leads before leaving Peerakeet
        context = {"nav": "schedule", "session": session, "target": target, "host": host}
        response = render(request, "scheduling/join_leaving.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _join_refused(
    request: HttpRequest, session: SupportSession, refused: JoinRefused
) -> HttpResponse:
    """Why, once, and when it opens (scheduling/join_refused.html), in the viewer's zone."""
    user = _user(request)
    now = timezone.now()
    opens, closes = session.join_window()
    context = {
        "nav": "schedule",
        "session": session,
        "refused": refused,
        "is_peer": session.peer_id == user.pk,
        "confirmed": session.status == SupportSession.Status.CONFIRMED,
        "window_open": opens <= now,
        "opens": opens,
        "opens_today": timezone.localdate(opens, user.tz) == timezone.localdate(now, user.tz),
        "closes": closes,
        "minutes_before": settings.JOIN_WINDOW_MINUTES_BEFORE,
        "link_missing": refused.code in {"no_link_yet", "meeting_deleted_in_zoom"},
    }
    with timezone.override(user.time_zone):
        return render(request, "scheduling/join_refused.html", context, status=409)


@certified_peer_required
@require_POST
def zoom_account_switch(request: HttpRequest) -> HttpResponse:
    """The peer confirms: upcoming sessions get new meetings on the Zoom account connected now."""
    left = services.zoom_account_switch(peer=_user(request))
    if left:
        messages.success(
            request,
            f"{len(left)} session{'s' if len(left) != 1 else ''} will get new links on the Zoom "
            "account connected now; their people are told once the links are ready. Delete the "
            "old meetings in your previous Zoom account (listed below).",
        )
    return redirect("scheduling:schedule")
