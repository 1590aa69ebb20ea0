"""opensend load_onspd FILE [--lad E06000006 ...] [--batch-size N] [--include-terminated]

Load full postcodes from the ONS Postcode Directory (ONSPD, Open Government Licence) into the
``Postcode`` table, so that Local Offer searches place a full postcode exactly instead of at its
district's centroid. Reads the ONSPD CSV as published (columns ``pcds``, ``lat``, ``long``,
``oslaua``, ``doterm``), streaming it row by row and writing in batches, all in one transaction:
a file that cannot be read changes nothing. A row that cannot be used (no such column value, a
postcode that is not one, ONSPD's "no location" 99.999999) is skipped and reported with its
line number. ``--lad`` keeps only the postcodes of the given local authority districts (ONS
codes); terminated postcodes are skipped unless ``--include-terminated`` is given.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from opensend.directory.geo import is_full_postcode, normalise_postcode
from opensend.directory.models import Postcode

REQUIRED_COLUMNS = ("pcds", "lat", "long", "oslaua", "doterm")
NO_LOCATION_LATITUDE = 99.0  # ONSPD gives 99.999999 for postcodes without a grid reference
MAX_REPORTED = 20


@dataclass
class LoadReport:
    loaded: int = 0
    skipped_area: int = 0
    skipped_terminated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def parse_row(row: dict[str, str]) -> Postcode:
    """A ``Postcode`` from one ONSPD row; ``ValueError`` saying why if it cannot be used."""
    postcode = normalise_postcode(row.get("pcds") or "")
    if postcode is None or not is_full_postcode(postcode):
        raise ValueError(f"not a full postcode: {row.get('pcds')!r}")
    try:
        latitude = float(row.get("lat") or "")
        longitude = float(row.get("long") or "")
    except ValueError as error:
        raise ValueError(f"{postcode}: latitude or longitude is not a number") from error
    if latitude >= NO_LOCATION_LATITUDE or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"{postcode}: has no location in the directory")
    return Postcode(
        postcode=postcode,
        latitude=latitude,
        longitude=longitude,
        lad_code=(row.get("oslaua") or "").strip()[:9],
        terminated=bool((row.get("doterm") or "").strip()),
    )


def load(
    lines: Iterator[str] | io.TextIOBase,
    *,
    lads: set[str] | None = None,
    batch_size: int = 5000,
    include_terminated: bool = False,
) -> LoadReport:
    """Load ONSPD rows from ``lines`` (a text stream). Runs in one transaction."""
    reader = csv.DictReader(lines)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CommandError(
            f"This is not an ONSPD file: it has no {', '.join(missing)} column"
            f"{'s' if len(missing) > 1 else ''}."
        )
    report = LoadReport()
    batch: list[Postcode] = []
    with transaction.atomic():
        for line_number, row in enumerate(reader, start=2):
            if lads is not None and (row.get("oslaua") or "").strip() not in lads:
                report.skipped_area += 1
                continue
            try:
                postcode = parse_row(row)
            except ValueError as error:
                report.rejected.append((line_number, str(error)))
                continue
            if postcode.terminated and not include_terminated:
                report.skipped_terminated += 1
                continue
            batch.append(postcode)
            if len(batch) >= batch_size:
                report.loaded += _write(batch)
                batch = []
        report.loaded += _write(batch)
    return report


def _write(batch: list[Postcode]) -> int:
    if not batch:
        return 0
    unique = {p.postcode: p for p in batch}  # a postcode twice in one batch: the last wins
    Postcode.objects.bulk_create(
        list(unique.values()),
        update_conflicts=True,
        unique_fields=["postcode"],
        update_fields=["latitude", "longitude", "lad_code", "terminated"],
    )
    return len(unique)


class Command(BaseCommand):
    help = "Load full postcodes from the ONS Postcode Directory CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the ONSPD CSV file (e.g. ONSPD_NOV_2025_UK.csv)")
        parser.add_argument(
            "--lad",
            action="append",
            default=[],
            help="keep only this local authority district's postcodes (ONS code); repeatable",
        )
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--include-terminated", action="store_true", help="also load terminated postcodes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        lads = {code.strip().upper() for code in options["lad"] if code.strip()} or None
        with path.open(newline="", encoding="utf-8-sig") as handle:
            report = load(
                handle,
                lads=lads,
                batch_size=options["batch_size"],
                include_terminated=options["include_terminated"],
            )
        self.stdout.write(
            f"Loaded {report.loaded:,} postcodes; skipped {report.skipped_area:,} outside the "
            f"chosen areas and {report.skipped_terminated:,} terminated; "
            f"rejected {len(report.rejected):,} rows."
        )
        for line_number, reason in report.rejected[:MAX_REPORTED]:
            self.stdout.write(f"  line {line_number}: {reason}")
        if len(report.rejected) > MAX_REPORTED:
            self.stdout.write(f"  … and {len(report.rejected) - MAX_REPORTED:,} more")
