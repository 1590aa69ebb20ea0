"""Writes for the API app: creating and revoking tokens (each written to the access log), and
checking a token presented with a request (which notes when it was last used)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from opensend.api.models import ApiToken, ApiTokenState
from opensend.core import access_log
from opensend.core.models import AccessAction, User

logger = logging.getLogger(__name__)

TOKEN_OBJECT = "api.apitoken"  # noqa: S105 - an object type, not a secret
TOKEN_PREFIX = "osk_"  # noqa: S105 - the visible start of every token, not a secret
#: Characters of the human-readable part of the prefix: lower case and digits, no look-alikes.
_PREFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_PREFIX_LENGTH = 8
_SECRET_BYTES = 32
#: osk_ + 8 prefix characters + _ + 43 URL-safe base64 characters.
TOKEN_PATTERN = re.compile(r"^osk_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$")
DEFAULT_DAYS = 90
MAX_DAYS = 366
NAME_MAX_LENGTH = 100
#: ``last_used_at`` is written at most this often per token, so that a busy client does not
#: turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_prefix() -> str:
    body = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(_PREFIX_LENGTH))
    return f"{TOKEN_PREFIX}{body}"


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError(
            {"name": "Give the token a name that says what it is for, like the system using it."}
        )
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": f"A token name is at most {NAME_MAX_LENGTH} characters; "
                f"this one has {len(cleaned)}."
            }
        )
    return cleaned


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            {"days": f"A token lasts from 1 to {MAX_DAYS} days; {days} is outside that range."}
        )


@transaction.atomic
def api_token_create(
    *, acting_user: User | None, user: User, name: str, days: int = DEFAULT_DAYS
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` that lasts ``days`` days. Returns the token record and the
    secret, which exists only in this return value: show it once, it cannot be recovered."""
    cleaned = _clean_name(name)
    _check_days(days)
    if not user.is_active:
        raise ValidationError({"user": f"{user.email} is not an active user."})
    now = timezone.now()
    for _ in range(5):
        prefix = _new_prefix()
        secret = f"{prefix}_{secrets.token_urlsafe(_SECRET_BYTES)}"
        token = ApiToken(
            user=user,
            name=cleaned,
            prefix=prefix,
            secret_hash=hash_token(secret),
            created_at=now,
            created_by=acting_user,
            expires_at=now + dt.timedelta(days=days),
        )
        token.full_clean(exclude=["prefix", "secret_hash"])
        try:
            with transaction.atomic():
                token.save()
        except IntegrityError:
            continue  # the random prefix was taken: draw again
        break
    else:  # pragma: no cover - 31**8 prefixes make five collisions in a row unthinkable
        raise RuntimeError("Could not find an unused token prefix.")
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type=TOKEN_OBJECT,
        object_id=token.pk,
        subjects=[("core.user", user.pk)],
        detail={
            "api_token_created": {
                "user": user.email,
                "name": cleaned,
                "prefix": prefix,
                "expires_at": token.expires_at.isoformat(),
            }
        },
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, acting_user: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token: from now on it is refused. Revoking is final."""
    locked = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if locked.revoked_at is not None:
        raise ValidationError(
            f"The token {locked.prefix} was already revoked on "
            f"{timezone.localtime(locked.revoked_at):%-d %B %Y at %H:%M}."
        )
    locked.revoked_at = timezone.now()
    locked.revoked_by = acting_user
    locked.save(update_fields=["revoked_at", "revoked_by"])
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type=TOKEN_OBJECT,
        object_id=locked.pk,
        subjects=[("core.user", locked.user_id)],
        detail={
            "api_token_revoked": {
                "user": locked.user.email,
                "name": locked.name,
                "prefix": locked.prefix,
            }
        },
    )
    token.revoked_at = locked.revoked_at
    token.revoked_by = locked.revoked_by
    return locked


class TokenRefused(Exception):
    """A presented token that cannot be used, with a machine code and a plain-words reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _day(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}"


def api_token_authenticate(*, presented: str, at: dt.datetime | None = None) -> ApiToken:
    """The token a request presents, if it may be used; otherwise ``TokenRefused`` saying why.
    Notes when the token was used (at most once a minute)."""
    now = at or timezone.now()
    presented = presented.strip()
    if not TOKEN_PATTERN.match(presented):
        raise TokenRefused(
            "token_invalid",
            "That is not an OpenSEND API token. A token starts with osk_ and is 56 characters "
            "long; check it was copied in full.",
        )
    token = (
        ApiToken.objects.select_related("user").filter(secret_hash=hash_token(presented)).first()
    )
    if token is None:
        logger.warning("API token refused: no token matches (prefix %s)", presented[:12])
        raise TokenRefused(
            "token_invalid",
            "This API token is not recognised. Check it was copied in full, or ask for a new one.",
        )
    state = token.state(now)
    if state == ApiTokenState.REVOKED and token.revoked_at is not None:
        logger.warning("API token refused: %s was revoked", token.prefix)
        raise TokenRefused(
            "token_revoked",
            f"This API token ({token.prefix}) was revoked on {_day(token.revoked_at)}. "
            "Ask for a new one.",
        )
    if state == ApiTokenState.EXPIRED:
        logger.warning("API token refused: %s has expired", token.prefix)
        raise TokenRefused(
            "token_expired",
            f"This API token ({token.prefix}) expired on {_day(token.expires_at)}. "
            "Ask for a new one.",
        )
    if not token.user.is_active:
        logger.warning("API token refused: the user of %s is not active", token.prefix)
        raise TokenRefused(
            "user_inactive",
            f"The account this API token ({token.prefix}) acts for is no longer active.",
        )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
