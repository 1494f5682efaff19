"""What goes in and out of the API. Times out are UTC; times in must carry an offset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from django.db import models
from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime

from scheduling.models import MAX_MANUAL_LINK, MoveAsk, SupportSession
from scheduling.services import MAX_DURATION, MIN_DURATION

MAX_ID = 2**63 - 1  # Larger ids cannot exist (64-bit keys) and would overflow the database.


def _storable(value: str) -> str:
    # PostgreSQL refuses NUL characters and no database stores lone surrogates: refuse them here
    # with a 422 instead of failing in the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _field_length(name: str) -> int:
    field = SupportSession._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.max_length is not None
    return field.max_length


NO_NUL = r"^[^\x00]*$"
Email = Annotated[str, Field(max_length=254, pattern=NO_NUL), AfterValidator(_storable)]
Password = Annotated[str, Field(max_length=4096, pattern=NO_NUL), AfterValidator(_storable)]
TokenName = Annotated[str, Field(max_length=100, pattern=NO_NUL), AfterValidator(_storable)]
Link = Annotated[
    str,
    Field(max_length=MAX_MANUAL_LINK, pattern=NO_NUL),
    AfterValidator(_storable),
]
Note = Annotated[
    str,
    Field(max_length=_field_length("private_note"), pattern=NO_NUL),
    AfterValidator(_storable),
]
Reason = Annotated[
    str,
    Field(max_length=_field_length("call_off_reason"), pattern=NO_NUL),
    AfterValidator(_storable),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Duration = Annotated[int, Field(ge=MIN_DURATION, le=MAX_DURATION)]
StartsAt = Annotated[
    AwareDatetime,
    Field(description="ISO 8601 with an offset, e.g. 2026-03-02T15:00:00+01:00 or …Z."),
]


# --- Tokens -------------------------------------------------------------------------------


class TokenIn(Schema):
    email: Email
    password: Password
    name: TokenName = Field("", description="What to call this token, e.g. the device.")


class TokenOut(Schema):
    token: str = Field(description="Shown once. Send it as Authorization: Bearer <token>.")
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name, not a secret)
    prefix: str
    name: str
    expires_at: datetime


class DeviceOut(Schema):
    """A signed-in device: one of the viewer's tokens in use (never the token itself)."""

    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell devices apart.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    current: bool = Field(description="The token this request carries.")


class SignedOutOut(Schema):
    tokens_revoked: int


# --- People -------------------------------------------------------------------------------


Role = Literal["peer", "participant", "staff"]
ZoomState = Literal["connected", "needs_reconnect", "disconnected"]
Tone = Literal["ready", "pending", "problem", "neutral"]


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    time_zone: str
    role: Role
    role_label: str


class PersonOut(Schema):
    id: int
    display_name: str


class ZoomStatusOut(Schema):
    state: ZoomState
    state_label: str
    zoom_email: str
    reason: str = Field(description="Why the connection is not connected (a stable code), or ''.")
    reason_text: str
    connect_url: str = Field(description="Open in a browser: the Schedule page, to Connect.")


# --- Sessions -----------------------------------------------------------------------------

Modality = Literal["video", "audio"]
assert set(Modality.__args__) == set(SupportSession.Modality.values)  # type: ignore[attr-defined]
Status = Literal["requested", "confirmed", "declined", "cancelled", "completed"]
assert set(Status.__args__) == set(SupportSession.Status.values)  # type: ignore[attr-defined]


class SessionCreateIn(Schema):
    participant_email: Email
    starts_at: StartsAt
    duration_minutes: Duration = 50
    modality: Modality = "video"
    manual_link: Link = ""
    private_note: Note = Field("", description="Only the peer ever sees it.")


class SessionRequestIn(Schema):
    peer_id: Id
    starts_at: StartsAt
    duration_minutes: Duration = 50
    modality: Modality = "video"


class RescheduleIn(Schema):
    starts_at: StartsAt
    duration_minutes: Duration | None = Field(None, description="Omit to keep the length.")


class CallOffIn(Schema):
    reason: Reason = Field(
        "", description="Optional: a word for the other person, put in the email they get."
    )


class MoveAskIn(Schema):
    starts_at: StartsAt
    duration_minutes: Duration | None = Field(None, description="Omit to keep the length.")
    note: Reason = Field("", description="Optional: a word for the peer, put in their email.")


class ManualLinkIn(Schema):
    manual_link: Link = Field(
        "", description="An https:// link; empty hands the session back to Zoom."
    )


class LinkOut(Schema):
    text: str = Field(description="What Peerakeet knows, in the peer's precise words (kept as is).")
    tone: Tone
    says: str = Field(
        description="The same, in the viewer's own words, as the dashboard says it (a participant "
        "reads 'Your session link is ready: Join Session opens Zoom', never 'Manual link')."
    )


class SessionOut(Schema):
    id: int
    status: Status
    modality: Modality
    starts_at: datetime = Field(description="UTC.")
    ends_at: datetime = Field(description="UTC.")
    duration_minutes: int
    time_zone: str = Field(description="The viewer's time zone, to show the times in.")
    role: Literal["peer", "participant"] = Field(description="The viewer's part in it.")
    peer: PersonOut
    participant: PersonOut
    link: LinkOut


class JoinInfoOut(Schema):
    url: str | None = Field(description="The manual link or the Zoom join URL, once there is one.")
    passcode: str | None
    opens_at: datetime
    closes_at: datetime
    is_open: bool


class CallOffNoteOut(Schema):
    text: str = Field(description="The optional word that came with the cancel or decline.")
    by_you: bool = Field(description="Whether the viewer wrote it.")
    author: str = Field(description="Who wrote it (empty once their account is gone).")


class SessionDetailOut(SessionOut):
    join: JoinInfoOut | None = Field(description="For a confirmed session.")
    private_note: str | None = Field(description="The peer's own note; null for the participant.")
    warning: str | None = Field(
        description="For the peer: what to know about the Zoom meeting (settings Zoom applied "
        "differently, a move waiting for Zoom, a free account's 40-minute limit, why Zoom refused)."
    )
    move_ask: MoveAskOut | None = Field(
        None, description="The participant's pending ask to move it, if any (the peer answers)."
    )
    call_off_note: CallOffNoteOut | None = Field(
        None, description="For a declined or cancelled session: the note that came with it."
    )


MoveAskState = Literal["pending", "accepted", "declined", "withdrawn", "superseded"]
assert set(MoveAskState.__args__) == set(MoveAsk.State.values)  # type: ignore[attr-defined]


class MoveAskOut(Schema):
    id: int
    session_id: int
    state: MoveAskState
    starts_at: datetime = Field(description="The proposed start, UTC.")
    duration_minutes: int
    note: str = Field(description="The participant's word to the peer.")
    decline_reason: str = Field(description="The peer's word back, when declined.")
    asked_at: datetime


class JoinOut(Schema):
    url: str


class SessionPage(Schema):
    items: list[SessionOut]
    count: int
    limit: int
    offset: int


class PeerPage(Schema):
    items: list[PersonOut]
    count: int
    limit: int
    offset: int


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class PageQuery(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_ID)
