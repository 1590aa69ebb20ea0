"""opensend bank-holidays [--year YYYY] [--load FILE]

Lists England and Wales bank holidays for a year, or loads the GOV.UK bank-holidays.json feed
(downloaded separately; this machine never fetches it) as local corrections: days the feed has
that the installed calendar lacks are added; days the installed calendar has within the
feed's years that the feed lacks are removed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from opensend.core import bank_holidays, services
from opensend.core.calendar import is_weekend

DIVISION = "england-and-wales"


def feed_days(payload: dict[str, Any]) -> dict[dt.date, str]:
    try:
        events = payload[DIVISION]["events"]
        return {dt.date.fromisoformat(event["date"]): str(event["title"]) for event in events}
    except (KeyError, TypeError, ValueError) as error:
        raise CommandError(
            f"This is not the GOV.UK bank holidays feed: expected '{DIVISION}' with events "
            f"of date and title ({error})."
        ) from error


class Command(BaseCommand):
    help = "List England and Wales bank holidays, or load corrections from the GOV.UK feed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--load", type=Path, help="a copy of gov.uk/bank-holidays.json")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["load"]
        if path is not None:
            self._load(path)
            return
        year = options["year"] or timezone.localdate().year
        for day in sorted(bank_holidays.england_and_wales(year, year)):
            if not is_weekend(day):
                self.stdout.write(f"{day:%a %-d %B %Y}")

    @transaction.atomic
    def _load(self, path: Path) -> None:
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"Could not read {path.name}: {error}") from error
        wanted = feed_days(payload)
        if not wanted:
            raise CommandError("The feed lists no bank holidays.")
        bank_holidays.clear_cache()
        first, last = min(wanted).year, max(wanted).year
        installed = {
            day for day in bank_holidays.england_and_wales(first, last) if not is_weekend(day)
        }
        added = removed = 0
        source = f"GOV.UK feed loaded {timezone.localdate():%Y-%m-%d}"
        for day, title in sorted(wanted.items()):
            if day not in installed:
                services.bank_holiday_override_set(
                    acting_user=None, date=day, name=title, is_holiday=True, source=source
                )
                added += 1
        for day in sorted(installed - set(wanted)):
            services.bank_holiday_override_set(
                acting_user=None,
                date=day,
                name="Not in the GOV.UK feed",
                is_holiday=False,
                source=source,
            )
            removed += 1
        bank_holidays.clear_cache()
        self.stdout.write(
            f"Loaded {len(wanted)} bank holidays for {first}–{last}: "
            f"{added} added, {removed} removed as corrections."
        )
