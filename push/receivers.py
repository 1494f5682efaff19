"""A new password ends every device's notifications, whichever door set it (reset, change,
admin), as it ends every API token (api.receivers): the devices signed out by it must not keep
showing the person's session times. The browser that changed the password stays signed in, and
keeps its notifications when its page said which it is (accounts.views.PasswordChangeView).

A browser signed out, however, ends the notifications its own session registered."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from push.services import push_subscriptions_end, push_subscriptions_end_for_session

# Set on the user being saved by the view that changes the password: this browser's endpoint.
KEEP_ENDPOINT = "_push_endpoint_kept"


@receiver(post_save, sender=User)
def end_pushes_on_new_password(sender: type[User], instance: User, created: bool, **_: Any) -> None:
    # As api.receivers: _password is set exactly when set_password() was called for this save.
    if not created and getattr(instance, "_password", None) is not None:
        push_subscriptions_end(user=instance, keep_endpoint=getattr(instance, KEEP_ENDPOINT, ""))


@receiver(user_logged_out)
def end_pushes_with_the_session(sender: object, request: HttpRequest | None, **_: Any) -> None:
    """Every sign-out of a browser (the idle timeout's, the Sign out button's, the admin's) ends
    the notifications that browser's session registered, whether or not its page could say which
    endpoint it has. Django sends this before it flushes the session, so the key is still there."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        push_subscriptions_end_for_session(session_key=session.session_key)
