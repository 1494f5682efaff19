"""Meeting bodies: validation (code 300), applied settings, and Zoom's response shapes (§2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoom_emulator import ids
from zoom_emulator.clock import iso_z
from zoom_emulator.state import Account, Meeting, User

# What Zoom applies to an API-created meeting when neither request nor account says otherwise.
DEFAULT_SETTINGS: dict[str, Any] = {
    "host_video": False,
    "participant_video": False,
    "cn_meeting": False,
    "in_meeting": False,
    "join_before_host": False,
    "jbh_time": 0,
    "mute_upon_entry": False,
    "watermark": False,
    "use_pmi": False,
    "approval_type": 2,
    "audio": "both",
    "auto_recording": "none",
    "enforce_login": False,
    "enforce_login_domains": "",
    "alternative_hosts": "",
    "alternative_host_update_polls": False,
    "close_registration": False,
    "show_share_button": False,
    "allow_multiple_devices": False,
    "registrants_confirmation_email": True,
    "waiting_room": False,
    "request_permission_to_unmute_participants": False,
    "registrants_email_notification": True,
    "meeting_authentication": False,
    "encryption_type": "enhanced_encryption",
    "approved_or_denied_countries_or_regions": {"enable": False},
    "breakout_room": {"enable": False},
    "internal_meeting": False,
    "alternative_hosts_email_notification": True,
    "show_join_info": False,
    "device_testing": False,
    "focus_mode": False,
    "private_meeting": False,
    "email_notification": True,
    "host_save_video_order": False,
    "sign_language_interpretation": {"enable": False},
    "email_in_attendee_report": False,
}
BOOLEAN_SETTINGS = frozenset(k for k, v in DEFAULT_SETTINGS.items() if isinstance(v, bool))
ENUM_SETTINGS: dict[str, tuple[Any, ...]] = {
    "auto_recording": ("local", "cloud", "none"),
    "approval_type": (0, 1, 2),
    "audio": ("both", "telephony", "voip", "thirdParty"),
    "jbh_time": (0, 5, 10),
    "registration_type": (1, 2, 3),
    "calendar_type": (1, 2),
    "encryption_type": ("enhanced_encryption", "e2ee"),
}
# Request settings Zoom stores beyond the defaults above; anything else is ignored, as Zoom does.
OTHER_SETTINGS = frozenset(
    {
        "registration_type",
        "calendar_type",
        "authentication_option",
        "authentication_domains",
        "authentication_exception",
        "contact_name",
        "contact_email",
        "global_dial_in_countries",
        "language_interpretation",
        "custom_keys",
        "additional_data_center_regions",
    }
)
MEETING_TYPES = (1, 2, 3, 8)
START_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?")
PASSWORD = re.compile(r"[A-Za-z0-9@\-_*]*")
SCHEDULED_KEEP = timedelta(days=30)  # A past one-off meeting stays "scheduled" this long.
LIST_AGENDA_LIMIT = 250  # The list endpoint truncates agendas (OpenAPI, List meetings).

Errors = list[dict[str, str]]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_start_time(value: object) -> str | None:
    if not isinstance(value, str) or not START_TIME.fullmatch(value):
        return "Invalid start_time format. Expected yyyy-MM-ddTHH:mm:ss[Z]."
    try:
        datetime.strptime(value.rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return "Invalid start_time."
    return None


def _check_password(value: object) -> str | None:
    if not isinstance(value, str) or not PASSWORD.fullmatch(value):
        return "Password can only contain the following characters: [a-z A-Z 0-9 @ - _ *]."
    if len(value) > 10:
        return "Password must be 10 characters or fewer."
    return None


def _check_text(value: object, limit: int, name: str) -> str | None:
    if not isinstance(value, str):
        return f"Invalid {name}."
    if len(value) > limit:
        return f"The {name} cannot exceed {limit} characters."
    return None


def _check_top(body: dict[str, Any]) -> Errors:
    checks = {
        "topic": lambda v: _check_text(v, 200, "topic"),
        "agenda": lambda v: _check_text(v, 2000, "agenda"),
        "type": lambda v: None if _is_int(v) and v in MEETING_TYPES else "Invalid meeting type.",
        "start_time": _check_start_time,
        "duration": lambda v: None if _is_int(v) and v >= 0 else "Invalid duration.",
        "timezone": lambda v: None if isinstance(v, str) else "Invalid timezone.",
        "password": _check_password,
        "default_password": lambda v: None if isinstance(v, bool) else "Invalid field.",
        "pre_schedule": lambda v: None if isinstance(v, bool) else "Invalid field.",
        "tracking_fields": lambda v: None if isinstance(v, list) else "Invalid field.",
        "recurrence": lambda v: None if isinstance(v, dict) else "Invalid field.",
        "settings": lambda v: None if isinstance(v, dict) else "Invalid field.",
    }
    errors = []
    for name, check in checks.items():
        if name in body and (message := check(body[name])):
            errors.append({"field": name, "message": message})
    return errors


def _check_settings(settings: dict[str, Any]) -> Errors:
    errors = []
    for name, value in settings.items():
        if name in BOOLEAN_SETTINGS and not isinstance(value, bool):
            errors.append({"field": f"settings.{name}", "message": "Invalid field."})
        elif name in ENUM_SETTINGS and (
            isinstance(value, bool) or value not in ENUM_SETTINGS[name]
        ):
            errors.append({"field": f"settings.{name}", "message": f"Invalid {name}."})
    return errors


def validate(body: dict[str, Any]) -> Errors:
    """Zoom's field errors for a create or update body; empty when the body is acceptable."""
    errors = _check_top(body)
    if isinstance(body.get("settings"), dict):
        errors += _check_settings(body["settings"])
    return errors


def _zone(name: str, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def parse_start(value: str, timezone: str, fallback_tz: str) -> datetime:
    """`…Z` is UTC; a local time is read in `timezone` (else the user's), as Zoom documents."""
    naive = datetime.strptime(value.rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    zone = UTC if value.endswith("Z") else _zone(timezone, fallback_tz)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def applied_settings(requested: dict[str, Any], account: Account) -> dict[str, Any]:
    """Zoom's defaults < account defaults < the request < what the account locks."""
    known = {k: v for k, v in requested.items() if k in DEFAULT_SETTINGS or k in OTHER_SETTINGS}
    settings = {**DEFAULT_SETTINGS, **account.default_settings, **known, **account.locked_settings}
    if settings.get("waiting_room"):
        settings["join_before_host"] = False  # The waiting room disables join before host.
    return settings


def new_meeting(
    body: dict[str, Any], *, number: int, user: User, account: Account, now: datetime
) -> Meeting:
    kind = body.get("type", 2)
    timezone = body.get("timezone") or user.timezone
    password = body.get("password") or ids.meeting_password()
    meeting = Meeting(
        id=number,
        uuid=ids.meeting_uuid(),
        host_id=user.id,
        account_id=user.account_id,
        topic=body.get("topic") or f"{user.display_name}'s Zoom Meeting",
        type=kind,
        start_time=None,
        duration=None,
        timezone=timezone,
        agenda=body.get("agenda", ""),
        created_at=now.replace(microsecond=0),
        password=password,
        h323_password=ids.numeric_password(password),
        pstn_password=ids.numeric_password(password),
        encrypted_password=ids.encrypted_password(),
        settings=applied_settings(body.get("settings") or {}, account),
        pre_schedule=bool(body.get("pre_schedule", False)),
        recurrence=body.get("recurrence"),
        tracking_fields=body.get("tracking_fields"),
        create_body=body,
    )
    if kind != 3:  # A recurring meeting with no fixed time has neither.
        start = body.get("start_time")
        meeting.start_time = parse_start(start, timezone, user.timezone) if start else now
        meeting.duration = body.get("duration", 60)
    return meeting


def update_meeting(meeting: Meeting, body: dict[str, Any], *, user: User, account: Account) -> None:
    for name in ("topic", "agenda", "timezone", "pre_schedule", "recurrence", "tracking_fields"):
        if name in body:
            setattr(meeting, name, body[name])
    if "type" in body:
        meeting.type = body["type"]
    if "duration" in body:
        meeting.duration = body["duration"]
    if "start_time" in body:
        meeting.start_time = parse_start(body["start_time"], meeting.timezone, user.timezone)
    if body.get("password"):
        meeting.password = body["password"]
        meeting.h323_password = meeting.pstn_password = ids.numeric_password(body["password"])
        meeting.encrypted_password = ids.encrypted_password()
    if isinstance(body.get("settings"), dict):
        meeting.settings = applied_settings({**meeting.settings, **body["settings"]}, account)
    meeting.patch_bodies.append(body)


def join_url(meeting: Meeting, base_url: str) -> str:
    return f"{base_url}/j/{meeting.id}?pwd={meeting.encrypted_password}"


def full_json(meeting: Meeting, host: User, *, base_url: str, zak: str) -> dict[str, Any]:
    """The create / get shape, in the key order of a real capture."""
    shape: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "host_email": host.email,
        "topic": meeting.topic,
        "type": meeting.type,
        "status": "waiting",
    }
    if meeting.start_time is not None:
        shape["start_time"] = iso_z(meeting.start_time)
        shape["duration"] = meeting.duration
    shape |= {
        "timezone": meeting.timezone,
        "agenda": meeting.agenda,
        "created_at": iso_z(meeting.created_at),
        "start_url": f"{base_url}/s/{meeting.id}?zak={zak}",
        "join_url": join_url(meeting, base_url),
        "password": meeting.password,
        "h323_password": meeting.h323_password,
        "pstn_password": meeting.pstn_password,
        "encrypted_password": meeting.encrypted_password,
        "settings": dict(meeting.settings),
        "pre_schedule": meeting.pre_schedule,
    }
    if meeting.recurrence is not None:
        shape["recurrence"] = meeting.recurrence
    if meeting.tracking_fields is not None:
        shape["tracking_fields"] = meeting.tracking_fields
    return shape


def list_item(meeting: Meeting, base_url: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
    }
    if meeting.start_time is not None:
        item["start_time"] = iso_z(meeting.start_time)
        item["duration"] = meeting.duration
    item |= {
        "timezone": meeting.timezone,
        "agenda": meeting.agenda[:LIST_AGENDA_LIMIT],
        "created_at": iso_z(meeting.created_at),
        "join_url": join_url(meeting, base_url),
    }
    return item


def listed(meeting: Meeting, kind: str, now: datetime) -> bool:
    """Whether a live meeting belongs in `GET /users/me/meetings?type=kind`."""
    if meeting.deleted_at is not None or kind == "live":
        return False  # The emulator never runs meetings.
    if meeting.start_time is None:
        return kind != "previous_meetings"
    end = meeting.start_time + timedelta(minutes=meeting.duration or 0)
    if kind in ("upcoming", "upcoming_meetings"):
        return end > now
    if kind == "previous_meetings":
        return end <= now
    return meeting.start_time + SCHEDULED_KEEP > now
