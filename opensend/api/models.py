"""API tokens: how another system (a case management system, a school MIS, a reporting tool)
calls the API as one of our users. A token acts as its user — the same memberships, the same
access policy, the same access log — for a limited time.

Only a SHA-256 hash of the secret is kept. The secret is shown once, when the token is
created; the prefix (the start of the token) is kept in the clear so that people can tell
their tokens apart and revoke one. Written only by ``opensend.api.services``.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from opensend.core.models import User


class ApiTokenState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ApiToken(models.Model):
    """A bearer token that lets a system act as a user through the API."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=100, help_text="What the token is for, e.g. the system that uses it."
    )
    prefix = models.CharField(
        max_length=16,
        unique=True,
        help_text="The start of the token, shown to people to tell tokens apart. Not secret.",
    )
    secret_hash = models.CharField(
        "SHA-256 of the token",
        max_length=64,
        unique=True,
        help_text="Hexadecimal SHA-256 of the whole token. The token itself is never stored.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="api_token_revoked_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    def state(self, at: dt.datetime | None = None) -> ApiTokenState:
        moment = at or timezone.now()
        if self.revoked_at is not None:
            return ApiTokenState.REVOKED
        if self.expires_at <= moment:
            return ApiTokenState.EXPIRED
        return ApiTokenState.ACTIVE
