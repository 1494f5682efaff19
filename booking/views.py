"""Find a peer, a peer's booking link, booking a slot, and a peer's booking settings.

Thin: the rules live in booking.services and scheduling.services; times are shown in the
viewer's time zone (a visitor who has not signed in sees the peer's, and is told so).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import COMMON_ZONES
from accounts.models import User
from accounts.permissions import certified_peer_required
from booking import services
from booking.forms import BookForm, FindForm, HoursForm, ProfileForm
from booking.models import MODALITIES, Availability, PeerProfile
from booking.selectors import bookable_profiles, find_peers, profile_by_slug, slots_of
from scheduling.services import SessionError

DAYS_SHOWN = 7
ZONES = frozenset(COMMON_ZONES)
ZONE_CHOICES = [(zone, zone.replace("_", " ")) for zone in COMMON_ZONES]


def _viewer_zone(request: HttpRequest, profile: PeerProfile) -> zoneinfo.ZoneInfo:
    """The signed-in viewer's zone; a visitor's choice (``?tz=``); else the peer's."""
    if isinstance(request.user, User):
        return request.user.tz
    chosen = _chosen_zone(request)
    return zoneinfo.ZoneInfo(chosen) if chosen else profile.peer.tz


def _chosen_zone(request: HttpRequest) -> str:
    wanted = request.GET.get("tz", "")
    return wanted if not request.user.is_authenticated and wanted in ZONES else ""


def _keep(request: HttpRequest) -> dict[str, str]:
    """What links from a visitor's page carry along: the zone they chose."""
    chosen = _chosen_zone(request)
    return {"tz": chosen} if chosen else {}


def by_day(slots: Iterable[datetime], tz: zoneinfo.ZoneInfo) -> list[tuple[date, list[datetime]]]:
    """Slots grouped by the viewer's calendar day."""
    return [
        (day, list(group))
        for day, group in groupby(slots, key=lambda slot: slot.astimezone(tz).date())
    ]


def book_url(profile: PeerProfile, slot: datetime, minutes: int, **keep: str) -> str:
    query = urlencode(
        {
            "at": slot.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%MZ"),
            "minutes": minutes,
            **keep,
        }
    )
    return f"{reverse('booking:book', args=[profile.slug])}?{query}"


@login_required
@require_GET
def find(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    languages = sorted({lang for p in bookable_profiles() for lang in p.languages})
    form = FindForm(request.GET or None, languages=languages)
    filters = form.cleaned_data if form.is_valid() else {}
    cards = find_peers(now=timezone.now(), excluding=request.user.pk, **filters)
    with timezone.override(request.user.tz):
        return render(
            request,
            "booking/find.html",
            {
                "nav": "find",
                "form": form,
                "cards": [
                    (
                        card,
                        [
                            (s, book_url(card.profile, s, min(card.profile.session_lengths)))
                            for s in card.next_slots
                        ],
                    )
                    for card in cards
                ],
                "filtered": any(filters.values()),
            },
        )


@require_GET
def peer_page(request: HttpRequest, slug: str) -> HttpResponse:
    profile = profile_by_slug(slug)
    if profile is None:
        raise Http404("No peer takes bookings at this link.")
    tz = _viewer_zone(request, profile)
    minutes = _minutes(request, profile)
    today = timezone.now().astimezone(tz).date()
    first = _first_day(request.GET.get("from", ""), today)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(first + timedelta(days=DAYS_SHOWN), datetime.min.time(), tzinfo=tz)
    slots = slots_of(profile, duration_minutes=minutes, start=start, end=end, now=timezone.now())
    horizon_end = today + timedelta(days=profile.peer.availability.horizon_days)
    keep = _keep(request)
    with timezone.override(tz):
        return render(
            request,
            "booking/peer.html",
            {
                "nav": "find",
                "profile": profile,
                "modalities": [MODALITIES[m] for m in profile.modalities],
                "minutes": minutes,
                "lengths": [
                    (n, _week_link(slug, first, n, **keep)) for n in profile.session_lengths
                ],
                "days": [
                    (day, [(s, book_url(profile, s, minutes, **keep)) for s in group])
                    for day, group in by_day(slots, tz)
                ],
                "first": first,
                "last": first + timedelta(days=DAYS_SHOWN - 1),
                "zone": str(tz),
                "zones": ZONE_CHOICES if not request.user.is_authenticated else [],
                "from_day": first.isoformat(),
                "earlier": _week_link(slug, first - timedelta(days=DAYS_SHOWN), minutes, **keep)
                if first > today
                else "",
                "later": _week_link(slug, first + timedelta(days=DAYS_SHOWN), minutes, **keep)
                if first + timedelta(days=DAYS_SHOWN) <= horizon_end
                else "",
                "share_url": request.build_absolute_uri(reverse("booking:peer", args=[slug])),
            },
        )


def _minutes(request: HttpRequest, profile: PeerProfile) -> int:
    wanted = request.GET.get("minutes", "")
    lengths = profile.session_lengths
    return int(wanted) if wanted.isdigit() and int(wanted) in lengths else min(lengths)


def _first_day(value: str, today: date) -> date:
    try:
        wanted = date.fromisoformat(value)
    except ValueError:
        return today
    return min(max(wanted, today), today + timedelta(days=366))


def _week_link(slug: str, first: date, minutes: int, **keep: str) -> str:
    query = urlencode({"from": first.isoformat(), "minutes": minutes, **keep})
    return f"{reverse('booking:peer', args=[slug])}?{query}"


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, slug: str) -> HttpResponse:
    profile = profile_by_slug(slug)
    if profile is None:
        raise Http404("No peer takes bookings at this link.")
    starts_at = _slot_time(request.GET.get("at", ""))
    minutes = _minutes(request, profile)
    context: dict[str, Any] = {
        "nav": "find",
        "profile": profile,
        "starts_at": starts_at,
        "minutes": minutes,
        "peer_url": reverse("booking:peer", args=[slug]),
    }
    tz = _viewer_zone(request, profile)
    context["zone"] = str(tz)
    if starts_at is None:
        messages.error(request, "That link does not name a time. Choose one of the open times.")
        return redirect("booking:peer", slug=slug)
    if not request.user.is_authenticated:
        here = request.get_full_path()
        context["sign_in_url"] = f"{reverse('accounts:login')}?{urlencode({'next': here})}"
        context["sign_up_url"] = f"{reverse('accounts:sign_up')}?{urlencode({'next': here})}"
        with timezone.override(tz):
            return render(request, "booking/book.html", context)
    assert isinstance(request.user, User)
    form = BookForm(request.POST or None, modalities=profile.modalities)
    context["form"] = form
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            session = services.slot_book(
                participant=request.user,
                peer=profile.peer,
                starts_at=starts_at,
                duration_minutes=minutes,
                modality=form.cleaned_data["modality"],
            )
        except services.SlotTaken as taken:
            context["taken"] = taken.messages[0]
            context["nearest"] = [
                (s, book_url(profile, s, minutes, **_keep(request))) for s in taken.nearest
            ]
            status = 409
        except SessionError as error:
            context["refused"] = " ".join(error.messages)
            status = 400
        else:
            confirmed = session.status == session.Status.CONFIRMED
            messages.success(
                request,
                "Session booked and confirmed."
                if confirmed
                else "Session requested. You will hear when the peer accepts.",
            )
            return redirect("scheduling:session", session_id=session.pk)
    elif request.method == "POST":
        status = 400
    with timezone.override(tz):
        return render(request, "booking/book.html", context, status=status)


def _slot_time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


@certified_peer_required
@require_http_methods(["GET", "POST"])
def peer_settings(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    peer = request.user
    profile = PeerProfile.objects.filter(peer=peer).first()
    availability = Availability.objects.filter(peer=peer).first()
    data = request.POST if request.method == "POST" else None
    profile_form = ProfileForm(
        data, initial=ProfileForm.initial_for(profile, _default_slug(peer)), prefix="profile"
    )
    hours_form = HoursForm(data, initial=HoursForm.initial_for(availability), prefix="hours")
    valid = data is not None and profile_form.is_valid() and hours_form.is_valid()
    if valid and _save_settings(peer, profile_form, hours_form):
        messages.success(request, "Your booking page is saved.")
        return redirect("booking:settings")
    context = {
        "nav": "booking",
        "profile_form": profile_form,
        "hours_form": hours_form,
        "profile": profile,
        "has_hours": availability is not None,
        "zone": peer.time_zone,
        "share_url": request.build_absolute_uri(reverse("booking:peer", args=[profile.slug]))
        if profile and availability
        else "",
    }
    status = 400 if data is not None else 200
    return render(request, "booking/settings.html", context, status=status)


def _save_settings(peer: User, profile_form: ProfileForm, hours_form: HoursForm) -> bool:
    profile = profile_form.cleaned_data
    hours = hours_form.cleaned_data
    try:
        with transaction.atomic():  # both or neither
            _save_both(peer, profile, hours)
    except ValidationError as error:
        _report(error, profile_form, hours_form)
        return False
    return True


def _save_both(peer: User, profile: dict[str, Any], hours: dict[str, Any]) -> None:
    services.profile_save(
        peer=peer,
        slug=profile["slug"],
        introduction=profile["introduction"],
        languages=profile["languages"],
        focus_areas=profile["focus_areas"],
        modalities=profile["modalities"],
        session_lengths=profile["session_lengths"],
    )
    services.availability_save(
        peer=peer,
        week=hours["week"],
        dates_off=hours["dates_off"],
        notice_minutes=hours["notice_hours"] * 60,
        horizon_days=hours["horizon_days"],
        buffer_minutes=hours["buffer_minutes"],
        daily_max=hours["daily_max"],
        auto_confirm=hours["auto_confirm"],
    )


def _report(error: ValidationError, profile_form: ProfileForm, hours_form: HoursForm) -> None:
    if not hasattr(error, "error_dict"):
        profile_form.add_error(None, error)
        return
    for field, problems in error.message_dict.items():
        form = profile_form if field in profile_form.fields else hours_form
        form.add_error(field if field in form.fields else None, problems)


def _default_slug(peer: User) -> str:
    return slugify(peer.display_name)[:50] or f"peer-{peer.pk}"
