"""Reads of push subscriptions."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from push.models import PushSubscription


def push_devices(user: User) -> QuerySet[PushSubscription]:
    """The devices that get this person's pushes, newest first."""
    return PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")
