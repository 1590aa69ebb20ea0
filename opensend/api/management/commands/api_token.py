"""opensend api-token create --user EMAIL --name NAME [--days N]
opensend api-token list --user EMAIL
opensend api-token revoke PREFIX

API tokens let another system call the API as a user. ``create`` prints the token once:
only its SHA-256 hash is kept, so it cannot be shown again. ``list`` shows a user's tokens by
prefix; ``revoke`` stops one working at once. Creating and revoking are written to the access
log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from opensend.api import selectors, services
from opensend.core.models import User


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "never"
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _user(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No user with the email address {email}.")
    return user


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="create a token and print it once")
        create.add_argument("--user", required=True, help="the email address of its user")
        create.add_argument("--name", required=True, help="what it is for")
        create.add_argument(
            "--days",
            type=int,
            default=services.DEFAULT_DAYS,
            help=f"how long it lasts, 1 to {services.MAX_DAYS} days "
            f"(default {services.DEFAULT_DAYS})",
        )
        listing = actions.add_parser("list", help="list a user's tokens")
        listing.add_argument("--user", required=True, help="the email address of their user")
        revoke = actions.add_parser("revoke", help="revoke a token")
        revoke.add_argument("prefix", help="the token's prefix, as list shows it")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["user"], options["name"], options["days"])
        elif action == "list":
            self._list(options["user"])
        else:
            self._revoke(options["prefix"])

    def _create(self, email: str, name: str, days: int) -> None:
        user = _user(email)
        try:
            token, secret = services.api_token_create(
                acting_user=None, user=user, name=name, days=days
            )
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        self.stdout.write(
            f"Created API token {token.prefix} ({token.name}) for {user.email}, "
            f"expiring {_when(token.expires_at)}."
        )
        self.stdout.write(
            "The token is shown once, now. Store it safely: it cannot be shown again."
        )
        self.stdout.write(secret)

    def _list(self, email: str) -> None:
        user = _user(email)
        tokens = list(selectors.api_tokens_for_user(user=user))
        if not tokens:
            self.stdout.write(f"{user.email} has no API tokens.")
            return
        now = timezone.now()
        rows = [("PREFIX", "STATE", "CREATED", "EXPIRES", "LAST USED", "NAME")]
        rows += [
            (
                token.prefix,
                token.state(now).value,
                _when(token.created_at),
                _when(token.expires_at),
                _when(token.last_used_at),
                token.name,
            )
            for token in tokens
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(5)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
            self.stdout.write("  ".join([*cells, row[5]]))

    def _revoke(self, prefix: str) -> None:
        token = selectors.api_token_by_prefix(prefix=prefix)
        if token is None:
            raise CommandError(
                f"No API token with the prefix {prefix}. "
                "`opensend api-token list --user EMAIL` shows a user's tokens."
            )
        try:
            services.api_token_revoke(acting_user=None, token=token)
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        self.stdout.write(f"Revoked API token {token.prefix} ({token.name}) of {token.user.email}.")
