"""opensend local-offer-reindex [--area LA_CODE]

Rebuilds the Local Offer's search index: every service of the area (or of every area) is
indexed again from its public rows. Publishing keeps the index up to date by itself; run this
after upgrading OpenSEND to a version that changes how words are stemmed or weighted."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opensend.core.models import Area
from opensend.directory.search import reindex_area


class Command(BaseCommand):
    help = "Rebuild the Local Offer's search index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", metavar="LA_CODE", help="one area, by its DfE LA code")

    def handle(self, *args: Any, **options: Any) -> None:
        areas = Area.objects.all()
        if options["area"]:
            areas = areas.filter(la_code=options["area"])
            if not areas.exists():
                raise CommandError(f"There is no area with the LA code {options['area']}.")
        for area in areas:
            count = reindex_area(area)
            self.stdout.write(f"{area.name}: {count} public services indexed.")
