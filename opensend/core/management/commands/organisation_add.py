"""opensend organisation-add --name NAME --kind KIND --areas 876,877 [--home-area 876]
[--urn 123456] [--ukprn 10001234] [--laestab 8762001] [--ods-code RBN] [--setting-type TYPE]
[--phase PHASE]"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opensend.core import services
from opensend.core.models import Area, Phase, SettingType
from opensend.core.roles import OrganisationKind


def areas_from_codes(codes: str) -> list[Area]:
    wanted = [code.strip() for code in codes.split(",") if code.strip()]
    found = {area.la_code: area for area in Area.objects.filter(la_code__in=wanted)}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise CommandError(f"No area with LA code {', '.join(missing)}.")
    return [found[code] for code in wanted]


class Command(BaseCommand):
    help = "Add an organisation serving one or more areas."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=OrganisationKind.values)
        parser.add_argument("--areas", required=True, help="LA codes it serves, comma-separated")
        parser.add_argument("--home-area", help="LA code of the area it is in")
        parser.add_argument("--urn", default="")
        parser.add_argument("--ukprn", default="")
        parser.add_argument("--laestab", default="")
        parser.add_argument("--ods-code", default="")
        parser.add_argument("--setting-type", default="", choices=["", *SettingType.values])
        parser.add_argument("--phase", default="", choices=["", *Phase.values])

    def handle(self, *args: Any, **options: Any) -> None:
        areas = areas_from_codes(options["areas"])
        home = areas_from_codes(options["home_area"])[0] if options["home_area"] else None
        try:
            organisation = services.organisation_create(
                acting_user=None,
                name=options["name"],
                kind=options["kind"],
                areas=areas,
                home_area=home,
                urn=options["urn"],
                ukprn=options["ukprn"],
                laestab=options["laestab"],
                ods_code=options["ods_code"],
                setting_type=options["setting_type"],
                phase=options["phase"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Added {organisation.name} (id {organisation.pk}).")
