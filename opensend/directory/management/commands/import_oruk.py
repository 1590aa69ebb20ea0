"""opensend import-oruk --area LA_CODE FILE_OR_URL [--feed NAME] [--timeout SECONDS]

Imports another directory's Open Referral UK services into an area's Local Offer, as the
officers' import page does, for scheduled loads: a JSON file (a list of services, a page of
services, or one service) or a feed's URL (its base, or its ``/services`` list, which is
followed page by page). Prints the counts and every problem of every rejected record.

Exit status: 0 imported (every record, or all but the rejected ones, which are listed);
1 the feed could not be read at all (not JSON, the network unreachable); 2 the command was used
wrongly (unknown area, a file that cannot be opened).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opensend.core.models import Area
from opensend.directory.models import ImportRun
from opensend.directory.services import imports

FAILED = 1
USAGE = 2


class Command(BaseCommand):
    help = "Import an Open Referral UK file or feed into an area's Local Offer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a JSON file, or the feed's http(s) address")
        parser.add_argument("--area", required=True, help="the area's 3-digit DfE LA code")
        parser.add_argument(
            "--feed",
            default="",
            help="for a file: the name of the directory it comes from (default: its file name)",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=imports.DEFAULT_TIMEOUT,
            help="seconds to wait for each response from a feed",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        area = Area.objects.filter(la_code=options["area"]).first()
        if area is None:
            raise CommandError(f"No area with LA code {options['area']}.", returncode=USAGE)
        source: str = options["source"]
        if source.startswith(("http://", "https://")):
            run = imports.import_url(
                area=area, url=source, acting_user=None, timeout=options["timeout"]
            )
        else:
            path = Path(source)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(
                    f"Cannot read {source}: {exc.strerror}", returncode=USAGE
                ) from exc
            run = imports.import_file(
                area=area, name=path.name, data=data, acting_user=None, feed=options["feed"]
            )
        self._print(run)
        if run.outcome == ImportRun.Outcome.FAILED:
            raise CommandError(f"The import failed: {run.failure}", returncode=FAILED)

    def _print(self, run: ImportRun) -> None:
        self.stdout.write(
            f"{run.get_outcome_display()}: {run.created} new, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.rejected} rejected."
        )
        for entry in run.report:
            where = entry.get("path") or "the record"
            self.stdout.write(
                f"  record {entry.get('index')} ({entry.get('id') or 'no id'}) {where}: "
                f"{entry.get('reason')}"
            )
