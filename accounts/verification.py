"""Proving an email address: a signed, expiring link (Django's own token machinery).

The token is a ``PasswordResetTokenGenerator`` with its own salt, so a password-reset token is
never a verification token or the other way round. Its hash covers the address, the password
hash and ``email_verified_at``: it stops working once used (the account is verified), when the
password changes, or after ``PASSWORD_RESET_TIMEOUT`` (three days).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.verification.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        verified = "" if user.email_verified_at is None else user.email_verified_at.isoformat()
        return f"{user.pk}{user.password}{user.email}{verified}{timestamp}"


verification_tokens = EmailVerificationTokenGenerator()


def verification_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:verify", args=[uid, verification_tokens.make_token(user)])
    return settings.PEERAKEET_BASE_URL + path


def user_from_link(uidb64: str, token: str) -> User | None:
    """The unverified, active account the link was made for, if the link is still good."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True, email_verified_at__isnull=True).first()
    if user is None or not verification_tokens.check_token(user, token):
        return None
    return user


def send_account_email(user: User, template: str, **context: object) -> None:
    """One of accounts/email/<template>.txt (plain text, rendered unescaped) to the address."""
    context = {
        "user": user,
        "base_url": settings.PEERAKEET_BASE_URL,
        "sign_in_url": settings.PEERAKEET_BASE_URL + reverse("accounts:login"),
        "reset_url": settings.PEERAKEET_BASE_URL + reverse("accounts:password_reset"),
        **context,
    }
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
    body = render_to_string(f"accounts/email/{template}.txt", context)
    EmailMessage(subject=" ".join(subject.split()), body=body, to=[user.email]).send()
