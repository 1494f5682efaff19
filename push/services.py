"""Registering and removing a device's push subscription, for the Preferences page and the API."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from accounts.models import User
from api.models import ApiToken
from peerakeet.lib.push_endpoints import PushEndpointError, check_push_endpoint
from peerakeet.lib.vapid import VapidKeyError, b64url_decode
from push.models import PushMessage, PushSubscription, session_hash

# Devices one person gets pushes on (phones, browsers, installed apps).
MAX_DEVICES = 10


class PushSubscriptionError(ValidationError):
    """A subscription Peerakeet cannot push to. ``code`` is stable (the API shows it)."""


def push_subscription_register(
    *,
    user: User,
    endpoint: str,
    p256dh: str,
    auth: str,
    label: str = "",
    session_key: str = "",
    api_token: ApiToken | None = None,
) -> PushSubscription:
    """Store what the browser's ``pushManager.subscribe`` returned. The same device subscribing
    again (the same endpoint) updates its row, and moves it to whoever is signed in now.
    ``session_key`` (a web session) or ``api_token`` is the sign-in that registers it: when that
    ends, so do this device's pushes (push_subscriptions_end_for_session, _for_tokens).
    A person keeps at most ``MAX_DEVICES``: the one heard from longest ago makes way."""
    _check_endpoint(endpoint)
    _check_keys(p256dh, auth)
    if api_token is not None and api_token.user_id != user.pk:
        raise PushSubscriptionError("This token is not this person's.", code="not_yours")
    signed_in_by = {
        "web_session_hash": session_hash(session_key) if session_key else "",
        "api_token": api_token,
    }
    with transaction.atomic():
        # One registration at a time per person, so two at once still leave MAX_DEVICES.
        User.objects.select_for_update().values_list("pk", flat=True).get(pk=user.pk)
        # A device that changes hands (another person signs in on it) gets none of the pushes
        # still queued for the one before.
        PushMessage.objects.filter(subscription__endpoint=endpoint, sent_at__isnull=True).exclude(
            subscription__user=user
        ).delete()
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "user": user,
                "p256dh": p256dh,
                "auth": auth,
                "label": label.strip()[:100],
                **signed_in_by,
            },
        )
        _keep_newest_devices(user, subscription)
    return subscription


def _keep_newest_devices(user: User, subscription: PushSubscription) -> None:
    """Make way for ``subscription`` beyond MAX_DEVICES. The oldest goes rather than the new one
    being refused: a person who reinstalls browsers or phones leaves subscriptions behind that
    only a push would find dead, and refusing would leave their new phone silent with nothing
    they could do about it. The cap bounds what one account makes the workers send per event."""
    others = (
        PushSubscription.objects.filter(user=user)
        .exclude(pk=subscription.pk)
        .order_by(Coalesce("last_success_at", "created_at").desc(), "-pk")
    )
    stale = list(others.values_list("pk", flat=True)[MAX_DEVICES - 1 :])
    if stale:
        PushSubscription.objects.filter(pk__in=stale).delete()


def push_subscription_remove(*, user: User, subscription_id: int) -> bool:
    """Remove one of ``user``'s devices; False when it is not theirs (or gone already)."""
    deleted, _ = PushSubscription.objects.filter(user=user, pk=subscription_id).delete()
    return deleted > 0


def push_subscription_remove_endpoint(*, user: User, endpoint: str) -> bool:
    """The device unsubscribed itself (it knows its endpoint, not our id), or signed out."""
    if not endpoint:
        return False
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted > 0


def push_subscriptions_end(*, user: User, keep_endpoint: str = "") -> int:
    """Sign out everywhere, a new password: no device of this person gets their pushes any more
    (a shared device must not keep showing someone's session times), except ``keep_endpoint``,
    the browser that changed the password and stays signed in. Their unsent pushes go with them.
    Returns how many devices were removed."""
    devices = PushSubscription.objects.filter(user=user)
    if keep_endpoint:
        devices = devices.exclude(endpoint=keep_endpoint)
    return end_devices(devices)


def push_subscriptions_end_for_session(*, session_key: str) -> int:
    """A web session ended (signed out, by the idle timeout or by hand; expired; deleted): the
    devices it registered stop getting pushes, their unsent pushes with them. Returns how many."""
    if not session_key:
        return 0
    return end_devices(PushSubscription.objects.filter(web_session_hash=session_hash(session_key)))


def push_subscriptions_follow_session(*, user: User, old_key: str, new_key: str) -> int:
    """The browser's session got a new key and ``user`` is signed in on it (a new password keeps
    this browser signed in under a new key; so does a sign-in over an anonymous session): the
    devices ``user`` registered under the old key now end with the new one. Another person's
    devices registered under the old key end here: the browser is no longer theirs."""
    if not old_key or not new_key or old_key == new_key:
        return 0
    old = PushSubscription.objects.filter(web_session_hash=session_hash(old_key))
    end_devices(old.exclude(user=user))
    return old.filter(user=user).update(web_session_hash=session_hash(new_key))


def push_subscriptions_end_for_tokens(*, tokens: QuerySet[ApiToken]) -> int:
    """API tokens were revoked (signed out, one device taken back, everywhere): the devices they
    registered stop getting pushes, their unsent pushes with them. Returns how many."""
    return end_devices(PushSubscription.objects.filter(api_token__in=tokens))


def end_devices(devices: QuerySet[PushSubscription]) -> int:
    """Remove ``devices`` and their unsent pushes; how many were removed."""
    _, by_model = devices.delete()
    return by_model.get(PushSubscription._meta.label, 0)


def _check_endpoint(endpoint: str) -> None:
    """Peerakeet POSTs to this URL from its servers: only to a known push service
    (settings.WEBPUSH_ALLOWED_HOSTS), never to an address inside our own network."""
    try:
        check_push_endpoint(endpoint, settings.WEBPUSH_ALLOWED_HOSTS)
    except PushEndpointError as exc:
        raise PushSubscriptionError(str(exc), code="bad_endpoint") from None


def _check_keys(p256dh: str, auth: str) -> None:
    try:
        point, secret = b64url_decode(p256dh or ""), b64url_decode(auth or "")
    except (ValueError, VapidKeyError):
        point = secret = b""
    # RFC 8291 §3: a P-256 public key (65 bytes, uncompressed) and a 16-byte auth secret.
    if len(point) != 65 or point[0] != 4 or len(secret) != 16:
        raise PushSubscriptionError(
            "The subscription's keys are not a browser's push keys (p256dh and auth).",
            code="bad_keys",
        )
