"""opensend user-add --email EMAIL --name NAME [--job-title TITLE]
        [--organisation ID --roles ROLE[,ROLE] --areas LA[,LA]]

Adds a user with a generated password, printed once, and optionally a membership. Roles are
the codes of the role catalogue (`opensend user-add --help` lists them)."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from opensend.core import services
from opensend.core.management.commands.organisation_add import areas_from_codes
from opensend.core.models import Organisation
from opensend.core.roles import Role


def roles_from_codes(codes: str) -> list[Role]:
    roles: list[Role] = []
    for code in (part.strip() for part in codes.split(",") if part.strip()):
        if code not in Role.values:
            raise CommandError(f"Unknown role {code!r}. Roles: {', '.join(Role.values)}.")
        roles.append(Role(code))
    return roles


class Command(BaseCommand):
    help = "Add a user (and a membership), printing a generated password once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--job-title", default="")
        parser.add_argument("--organisation", type=int, help="organisation id")
        parser.add_argument(
            "--roles", default="", help=f"comma-separated: {', '.join(Role.values)}"
        )
        parser.add_argument("--areas", default="", help="LA codes, comma-separated")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        password = secrets.token_urlsafe(12)
        try:
            user = services.user_create(
                acting_user=None,
                email=options["email"],
                full_name=options["name"],
                job_title=options["job_title"],
                password=password,
            )
            if options["organisation"]:
                organisation = Organisation.objects.filter(pk=options["organisation"]).first()
                if organisation is None:
                    raise CommandError(f"No organisation with id {options['organisation']}.")
                services.membership_grant(
                    acting_user=None,
                    user=user,
                    organisation=organisation,
                    roles=roles_from_codes(options["roles"]),
                    areas=areas_from_codes(options["areas"]),
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Added {user.email}. Password (shown once): {password}")
