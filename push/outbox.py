"""Queue pushes in the transaction of the change they announce, and send them from the worker.

One task per message (one device), at the lowest priority: Zoom work and emails go first, and a
slow or failing push service holds one worker for at most ``WEBPUSH_TIMEOUT`` and delays no
other device's push. A push service that answers 404 or 410 has forgotten the device: its
subscription is removed (with its unsent messages).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from accounts.models import User
from peerakeet.lib.retry import Retry, after, backoff, settle
from push.client import PushError, deliver
from push.models import PushMessage, PushSubscription

log = logging.getLogger(__name__)

MAX_PUSH_ATTEMPTS = 6  # a push service that keeps failing is tried this many times


@dataclass(frozen=True)
class Push:
    """What one event shows on a device: words and a Peerakeet page, nothing private."""

    title: str
    body: str
    url: str
    tag: str
    ttl: int = 24 * 3600
    send_before: datetime | None = None


def queue_push(recipients: Iterable[User], push: Push, *, event_key: str) -> int:
    """Queue ``push`` to every device of each recipient; unique per event and device, so a
    re-run queues nothing twice. Returns how many were queued."""
    subscriptions = PushSubscription.objects.filter(
        user__in=[p.pk for p in recipients], user__is_active=True
    )
    wanted = {f"{event_key}:{sub.user_id}:{sub.pk}": sub for sub in subscriptions}
    if not wanted:
        return 0
    done = set(
        PushMessage.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", flat=True)
    )
    rows = [
        PushMessage(
            subscription=sub, dedupe_key=key, title=push.title, body=push.body, url=push.url,
            tag=push.tag, ttl=push.ttl, send_before=push.send_before,
        )
        for key, sub in wanted.items()
        if key not in done
    ]  # fmt: skip
    try:
        with transaction.atomic():
            created = PushMessage.objects.bulk_create(rows)
    except IntegrityError:
        # Written meanwhile by another run: keep theirs, queue only what is new.
        created = []
        for row in rows:
            with transaction.atomic():
                try:
                    row.save()
                except IntegrityError:
                    continue
            created.append(row)
    for message in created:
        send_push.enqueue(message.pk)
    return len(created)


@task(priority=-20)
def send_push(message_id: int, attempt: int = 0) -> str:
    """Send one push, retried with backoff while its push service is unavailable."""
    claimed = _claim(message_id)
    if isinstance(claimed, str):
        return claimed
    message = claimed
    try:
        deliver(message.subscription.info(), message.payload(), ttl=message.ttl)
    except PushError as exc:
        return settle(_failed(message, exc, attempt), send_push, message_id, attempt + 1)
    now = timezone.now()
    PushMessage.objects.filter(pk=message_id).update(sent_at=now)
    PushSubscription.objects.filter(pk=message.subscription_id).update(last_success_at=now)
    return "sent"


def _claim(message_id: int) -> PushMessage | str:
    with transaction.atomic():
        message = (
            PushMessage.objects.select_for_update(of=("self",))
            .select_related("subscription__user")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return "subscription removed"
        if message.sent_at is not None or message.failed:
            return "already done"
        if not message.subscription.user.is_active:
            return "account deactivated: not sent"
        if message.send_before is not None and timezone.now() >= message.send_before:
            return "too late: not sent"
        message.attempts += 1
        message.save(update_fields=["attempts"])
    return message


def _failed(message: PushMessage, exc: PushError, attempt: int) -> str | Retry:
    if exc.gone:
        # RFC 8030 §7.3: the device unsubscribed or the subscription expired. Forget it.
        PushSubscription.objects.filter(pk=message.subscription_id).delete()
        return "subscription gone: removed"
    if exc.permanent or attempt + 1 >= MAX_PUSH_ATTEMPTS:
        log.warning("Push %s given up: %s", message.pk, exc.reason)
        PushMessage.objects.filter(pk=message.pk).update(failed=exc.reason[:200])
        return f"given up: {exc.reason}"
    delay = after(exc.retry_after) if exc.retry_after is not None else backoff(attempt + 1)
    return Retry(delay, exc.reason)
