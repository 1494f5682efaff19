"""``/api/v1/booking/``: find a peer, their open slots, and book one (for the mobile app).

Thin shells over booking.selectors and booking.services, like the web pages; times out are UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import AfterValidator

from accounts.models import User
from api.errors import ApiError, ErrorOut, session_error
from api.routes.common import answers, viewer
from api.routes.sessions import member_session, session_detail_out
from api.schemas import NO_NUL, Duration, Modality, SessionDetailOut, StartsAt, _storable, utc
from booking.models import PeerProfile
from booking.selectors import find_peers, profile_by_slug, slots_of
from booking.services import SlotTaken, slot_book
from scheduling.services import SessionError

router = Router(tags=["booking"])

Slug = Annotated[str, Field(max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")]
Text = Annotated[str, Field(max_length=60, pattern=NO_NUL), AfterValidator(_storable)]


class ProfileOut(Schema):
    slug: str
    display_name: str
    introduction: str
    languages: list[str]
    focus_areas: list[str]
    modalities: list[Modality]
    session_lengths: list[int]
    confirms_automatically: bool
    next_slots: list[datetime] = Field(description="The next open slots (UTC), shortest length.")


class ProfileList(Schema):
    items: list[ProfileOut]
    count: int


class PeerFilters(Schema):
    language: Text = ""
    focus: Text = ""
    modality: Modality | Literal[""] = ""


class SlotQuery(Schema):
    start_date: date | None = Field(
        None, description="First day, in my time zone (default: today)."
    )
    days: int = Field(7, ge=1, le=60)
    duration_minutes: Duration | None = Field(None, description="Default: the shortest offered.")


class SlotsOut(Schema):
    slug: str
    duration_minutes: int
    time_zone: str = Field(description="My time zone: show the slots in it.")
    slots: list[datetime]


class BookIn(Schema):
    starts_at: StartsAt
    duration_minutes: Duration
    modality: Modality = "video"


class TakenOut(ErrorOut):
    nearest: list[datetime] | None = Field(None, description="Open times close to the one asked.")


def profile_out(profile: PeerProfile, next_slots: list[datetime]) -> ProfileOut:
    return ProfileOut(
        slug=profile.slug,
        display_name=profile.peer.display_name,
        introduction=profile.introduction,
        languages=profile.languages,
        focus_areas=profile.focus_areas,
        modalities=profile.modalities,
        session_lengths=profile.session_lengths,
        confirms_automatically=profile.peer.availability.auto_confirm,
        next_slots=[utc(s) for s in next_slots],
    )


def _profile(slug: str) -> PeerProfile:
    profile = profile_by_slug(slug)
    if profile is None:
        raise ApiError(404, "not_found", "No peer takes bookings at this link.")
    return profile


@router.get(
    "/peers",
    response=answers(ok=(200, ProfileList)),
    summary="Find a peer: certified peers with open time, filtered, with their next open slots",
)
def list_profiles(request: HttpRequest, filters: Query[PeerFilters]) -> ProfileList:
    user = viewer(request)
    cards = find_peers(now=timezone.now(), excluding=user.pk, **filters.model_dump())
    items = [profile_out(card.profile, card.next_slots) for card in cards]
    return ProfileList(items=items, count=len(items))


@router.get(
    "/peers/{slug}",
    response=answers(ok=(200, ProfileOut), errors=(404,)),
    summary="A peer's booking profile (their booking link's page)",
)
def get_profile(request: HttpRequest, slug: Path[Slug]) -> ProfileOut:
    viewer(request)
    profile = _profile(slug)
    now = timezone.now()
    soonest = slots_of(
        profile,
        duration_minutes=min(profile.session_lengths),
        start=now,
        end=now + timedelta(days=profile.peer.availability.horizon_days),
        now=now,
        limit=3,
    )
    return profile_out(profile, soonest)


@router.get(
    "/peers/{slug}/slots",
    response=answers(ok=(200, SlotsOut), errors=(400, 404)),
    summary="A peer's open slots, day by day in my time zone",
)
def list_slots(request: HttpRequest, slug: Path[Slug], query: Query[SlotQuery]) -> SlotsOut:
    user = viewer(request)
    profile = _profile(slug)
    minutes = query.duration_minutes or min(profile.session_lengths)
    if minutes not in profile.session_lengths:
        raise ApiError(400, "bad_duration", "This peer does not offer sessions of that length.")
    start, end = _days(user, query.start_date, query.days)
    slots = slots_of(profile, duration_minutes=minutes, start=start, end=end, now=timezone.now())
    return SlotsOut(
        slug=profile.slug,
        duration_minutes=minutes,
        time_zone=user.time_zone,
        slots=[utc(s) for s in slots],
    )


def _days(user: User, first: date | None, days: int) -> tuple[datetime, datetime]:
    """``days`` whole days of the viewer's calendar from ``first``, as UTC instants."""
    today = timezone.now().astimezone(user.tz).date()
    first = min(max(first or today, today), today + timedelta(days=366))
    start = datetime.combine(first, datetime.min.time(), tzinfo=user.tz)
    end = datetime.combine(first + timedelta(days=days), datetime.min.time(), tzinfo=user.tz)
    return start, end


@router.post(
    "/peers/{slug}/book",
    response={**answers(ok=(201, SessionDetailOut), errors=(400, 403, 404)), 409: TakenOut},
    summary="Book one of a peer's open slots (requested, or confirmed at once if they choose)",
)
def book_slot(request: HttpRequest, slug: Path[Slug], payload: BookIn) -> Status[SessionDetailOut]:
    user = viewer(request)
    profile = _profile(slug)
    try:
        session = slot_book(
            participant=user,
            peer=profile.peer,
            starts_at=payload.starts_at,
            duration_minutes=payload.duration_minutes,
            modality=payload.modality,
        )
    except SlotTaken as taken:
        nearest = [utc(s) for s in taken.nearest]
        raise ApiError(409, "slot_taken", taken.messages[0], nearest=nearest) from taken
    except SessionError as error:
        raise session_error(error) from error
    return Status(201, session_detail_out(member_session(user, session.pk), user))
