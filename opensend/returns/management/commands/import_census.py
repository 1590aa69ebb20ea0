"""opensend import-census FILE --area LA_CODE --census-date YYYY-MM-DD [--valid-only]
        [--user EMAIL]

Checks a school census SEN file (CSV or XLSX) and imports it, as the upload page does, for
scheduled loads. Prints the summary and every problem row. Without ``--valid-only`` a file
with any problem row is not imported at all.

Exit status: 0 imported (all rows, or with ``--valid-only`` the valid ones); 1 the file was
refused or not imported because of problem rows; 2 the command was used wrongly (unknown area
or user, a date that is not a date, a file that cannot be opened, a user who may not import).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from opensend.core.models import Area, User
from opensend.returns import services
from opensend.returns.models import CensusImport, CensusImportStatus

REJECTED = 1
USAGE = 2


class Command(BaseCommand):
    help = "Check and import a school census SEN file (CSV or XLSX) for an area."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the census file, .csv or .xlsx")
        parser.add_argument("--area", required=True, help="the area's 3-digit DfE LA code")
        parser.add_argument(
            "--census-date", required=True, help="the census day the file is for, YYYY-MM-DD"
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="import the valid rows even if some rows have problems",
        )
        parser.add_argument(
            "--user",
            help="email of the EHC coordinator or SEND manager importing (default: the system)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        area = Area.objects.filter(la_code=options["area"]).first()
        if area is None:
            raise CommandError(f"No area with LA code {options['area']}.", returncode=USAGE)
        try:
            census_date = dt.date.fromisoformat(options["census_date"])
        except ValueError as exc:
            raise CommandError(
                f"--census-date {options['census_date']} is not a date; use YYYY-MM-DD.",
                returncode=USAGE,
            ) from exc
        user: User | None = None
        if options["user"]:
            user = User.objects.filter(
                email=options["user"].strip().lower(), is_active=True
            ).first()
            if user is None:
                raise CommandError(
                    f"No active user with email {options['user']}.", returncode=USAGE
                )
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.", returncode=USAGE) from exc
        try:
            record = services.census_import_run(
                acting_user=user,
                area=area,
                census_date=census_date,
                file_name=path.name,
                content=content,
                valid_only=options["valid_only"],
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=USAGE) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=USAGE) from exc
        self._report(record)
        if not record.is_imported:
            raise CommandError(_rejection(record), returncode=REJECTED)

    def _report(self, record: CensusImport) -> None:
        out = self.stdout
        out.write(
            f"Census import {record.pk}: {record.file_name} for {record.area.name}, census "
            f"{record.census_date.isoformat()}"
        )
        out.write(f"Status: {record.get_status_display()}")
        if record.status == CensusImportStatus.REFUSED:
            out.write(record.refusal_reason)
            return
        out.write(
            f"Rows: {record.row_count}; valid: {record.valid_row_count}; with problems: "
            f"{record.invalid_row_count}; created: {record.created_count}; updated: "
            f"{record.updated_count}; unchanged: {record.unchanged_count}; not imported: "
            f"{record.skipped_count}"
        )
        for notice in record.notices:
            out.write(f"Notice: {notice}")
        for error in record.error_list():
            out.write(f"Row {error['row']}, {error['field']}: {error['problem']}")


def _rejection(record: CensusImport) -> str:
    if record.status == CensusImportStatus.REFUSED:
        return f"The file was refused: {record.refusal_reason}"
    if record.valid_row_count:
        return (
            f"Nothing was imported: {record.invalid_row_count} rows have problems. Correct them, "
            "or run again with --valid-only to import the valid rows."
        )
    return "Nothing was imported: no row of the file is valid."
