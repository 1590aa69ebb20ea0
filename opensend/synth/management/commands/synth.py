"""opensend synth --profile halton --scale 1 --seed 1 [--area-code 990] [--name NAME] [--replace]"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opensend.synth import generator
from opensend.synth.digest import area_digest
from opensend.synth.profiles import PROFILES
from opensend.synth.summary import summary_lines


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--on takes a date like 2026-01-15, not {value!r}.") from error


class Command(BaseCommand):
    help = (
        "Generate a synthetic local area calibrated to published figures: the same data for "
        "the same profile, scale and seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", required=True, choices=sorted(PROFILES))
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiplies every count (0.01 is quick)"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--area-code", help="LA code 990–998 (default: the profile's)")
        parser.add_argument("--name", help="the area's name (default: the profile's)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="regenerate a synthetic area that exists (deletes its children and settings)",
        )
        parser.add_argument(
            "--on",
            type=_date,
            help="the day the data describes (default: the latest spring census day)",
        )
        parser.add_argument(
            "--digest",
            action="store_true",
            help="print a digest of the generated rows, to compare runs and databases",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            chosen = generator.make_options(
                profile=options["profile"],
                scale=options["scale"],
                seed=options["seed"],
                la_code=options["area_code"],
                name=options["name"],
                on=options["on"],
            )
            result = generator.generate(
                acting_user=None, options=chosen, replace=options["replace"]
            )
        except generator.GenerationError as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        for line in summary_lines(result):
            self.stdout.write(line)
        if options["digest"]:
            self.stdout.write(f"Digest: {area_digest(result.area)}")
