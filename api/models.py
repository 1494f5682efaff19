"""Bearer tokens for the mobile app and integrations.

Only a SHA-256 hash of each token is stored (a token is 256 random bits, so a fast hash is
enough: there is nothing to brute-force); the plaintext is shown once, when it is issued. The
short prefix lets a person recognise a token in the admin without it being usable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the holder called it: a device.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=16, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        # Also the rate limiter's key material: unique per token, never the secret.
        return f"API token {self.prefix}… of user {self.user_id}"
