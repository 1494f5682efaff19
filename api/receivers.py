"""A new password ends every API token, whichever door set it (reset, change, admin)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from api.tokens import tokens_revoke_all


@receiver(post_save, sender=User)
def end_tokens_on_new_password(sender: type[User], instance: User, created: bool, **_: Any) -> None:
    # AbstractBaseUser.save() keeps the raw password in _password until after this signal: it is
    # set exactly when set_password() was called for this save. (Web sessions end by themselves:
    # Django stamps them with a hash of the password.)
    if not created and getattr(instance, "_password", None) is not None:
        tokens_revoke_all(user=instance)
