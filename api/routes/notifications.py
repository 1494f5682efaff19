"""Notification preferences and the devices that get pushes (Web Push subscriptions)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict, StrictBool

from accounts.services import NOTIFICATION_PREFERENCES, notification_preferences_update
from api.errors import ApiError
from api.routes.common import answers, viewer, viewer_token
from api.schemas import utc
from push.models import PushSubscription
from push.selectors import push_devices
from push.services import (
    PushSubscriptionError,
    push_subscription_register,
    push_subscription_remove,
)

router = Router(tags=["notifications"])


class PreferencesOut(Schema):
    email_session_changes: bool
    email_meeting_links: bool
    email_zoom_problems: bool
    push_notifications: bool
    remind_day_before: bool
    remind_hour_before: bool
    remind_join_window: bool
    email_reminders: bool


class PreferencesIn(Schema):
    """Only the switches to change; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")

    email_session_changes: StrictBool | None = None
    email_meeting_links: StrictBool | None = None
    email_zoom_problems: StrictBool | None = None
    push_notifications: StrictBool | None = None
    remind_day_before: StrictBool | None = None
    remind_hour_before: StrictBool | None = None
    remind_join_window: StrictBool | None = None
    email_reminders: StrictBool | None = None


class KeysIn(Schema):
    p256dh: str = Field(..., max_length=100, description="The browser's P-256 key, base64url.")
    auth: str = Field(..., max_length=50, description="The 16-byte auth secret, base64url.")


class SubscriptionIn(Schema):
    """What ``PushSubscription.toJSON()`` gives the page, and a name for the device."""

    endpoint: str = Field(..., max_length=1000)
    keys: KeysIn
    label: str = Field("", max_length=100, description='e.g. "Chrome on Android".')


class SubscriptionOut(Schema):
    id: int
    label: str
    created_at: datetime
    last_success_at: datetime | None


class PushKeyOut(Schema):
    public_key: str = Field(..., description="The applicationServerKey to subscribe with.")


def _preferences(user: object) -> PreferencesOut:
    return PreferencesOut(**{name: getattr(user, name) for name in NOTIFICATION_PREFERENCES})


def _subscription(row: PushSubscription) -> SubscriptionOut:
    last = row.last_success_at
    return SubscriptionOut(
        id=row.pk,
        label=row.label,
        created_at=utc(row.created_at),
        last_success_at=utc(last) if last else None,
    )


@router.get(
    "/me/notifications",
    response=answers(ok=(200, PreferencesOut)),
    summary="Which emails, pushes and reminders I get",
)
def get_notification_preferences(request: HttpRequest) -> PreferencesOut:
    return _preferences(viewer(request))


@router.patch(
    "/me/notifications",
    response=answers(ok=(200, PreferencesOut), errors=(400,)),
    summary="Turn emails, pushes or reminders on or off",
)
def change_notification_preferences(request: HttpRequest, payload: PreferencesIn) -> PreferencesOut:
    changes = {k: v for k, v in payload.model_dump().items() if v is not None}
    try:
        user = notification_preferences_update(user=viewer(request), changes=changes)
    except ValidationError as exc:
        raise ApiError(400, "invalid", " ".join(exc.messages)) from None
    return _preferences(user)


@router.get(
    "/push/key",
    auth=None,
    response={200: PushKeyOut},
    summary="The VAPID public key a device subscribes with",
)
def push_key(request: HttpRequest) -> PushKeyOut:
    return PushKeyOut(public_key=settings.WEBPUSH_VAPID_PUBLIC_KEY)


@router.get(
    "/push/subscriptions",
    response=answers(ok=(200, list[SubscriptionOut])),
    summary="My devices that get pushes",
)
def list_push_subscriptions(request: HttpRequest) -> list[SubscriptionOut]:
    return [_subscription(row) for row in push_devices(viewer(request))]


@router.post(
    "/push/subscriptions",
    response=answers(ok=(201, SubscriptionOut), errors=(400,)),
    summary="Turn on pushes for this device",
)
def register_push_subscription(
    request: HttpRequest, payload: SubscriptionIn
) -> Status[SubscriptionOut]:
    try:
        row = push_subscription_register(
            user=viewer(request),
            endpoint=payload.endpoint,
            p256dh=payload.keys.p256dh,
            auth=payload.keys.auth,
            label=payload.label,
            # Its pushes end with this token (DELETE /auth/tokens/current, and the others).
            api_token=viewer_token(request),
        )
    except PushSubscriptionError as exc:
        raise ApiError(400, exc.code or "invalid", " ".join(exc.messages)) from None
    return Status(201, _subscription(row))


@router.delete(
    "/push/subscriptions/{subscription_id}",
    response=answers(ok=(204, None), errors=(404,)),
    summary="Turn off pushes for one of my devices",
)
def remove_push_subscription(request: HttpRequest, subscription_id: int) -> Status[None]:
    if not push_subscription_remove(user=viewer(request), subscription_id=subscription_id):
        raise ApiError(404, "not_found", "No such device among yours.")
    return Status(204, None)
