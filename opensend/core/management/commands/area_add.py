"""opensend area-add --name NAME --la-code 123 --ons-code E06000001 --region "North West" """

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opensend.core import services
from opensend.core.codes import Region


def region_code(value: str) -> str:
    for code, label in Region.choices:
        if value in (code, label) or value.lower() == label.lower():
            return code
    names = ", ".join(label for _, label in Region.choices)
    raise CommandError(f"Unknown region {value!r}. Use one of: {names}.")


class Command(BaseCommand):
    help = "Add a local authority area."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--la-code", required=True, help="DfE 3-digit LA code")
        parser.add_argument("--ons-code", required=True, help="ONS code, like E06000006")
        parser.add_argument("--region", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            area = services.area_create(
                acting_user=None,
                name=options["name"],
                la_code=options["la_code"],
                ons_code=options["ons_code"],
                region=region_code(options["region"]),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Added {area}.")
