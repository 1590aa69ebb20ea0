"""opensend local-offer-reviews [--area LA_CODE] [--date YYYY-MM-DD] [--now]

Queues the Local Offer review task: services not checked within the area's review interval are
flagged to their owners (once per review period), hidden once the grace period has passed too,
and temporarily closed services reopen on their day. Run it once a day from cron
(docs/local-offer-editing.md). With the immediate task backend (the default outside production)
the task runs here and now; with the database backend a worker (``opensend db-worker``) runs
it. ``--now`` runs it here whatever the backend. Running it twice sends nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tasks import TaskResultStatus

from opensend.core.models import Area
from opensend.directory.services.review import review_services
from opensend.directory.tasks import review_services_task


def _summary(counts: dict[str, int]) -> str:
    return (
        f"services acted on: {counts['services']}; owners told: {counts['notified']}; "
        f"hidden: {counts['hidden']}; reopened: {counts['reopened']}; "
        f"failed, to retry next run: {counts['failed']}; "
        f"with nobody to tell: {counts['nobody_to_notify']}."
    )


class Command(BaseCommand):
    help = "Flag Local Offer services due for review and hide those past the grace period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--area", metavar="LA_CODE", help="one area, by its DfE LA code")
        parser.add_argument(
            "--date", metavar="YYYY-MM-DD", help="as on this day (default: today; not later)"
        )
        parser.add_argument(
            "--now", action="store_true", help="run here rather than queue for the worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        area: Area | None = None
        if options["area"]:
            area = Area.objects.filter(la_code=options["area"]).first()
            if area is None:
                raise CommandError(f"There is no area with LA code {options['area']}.")
        day: dt.date | None = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD ({error}).") from error
            if day > timezone.localdate():
                raise CommandError("--date cannot be in the future: services would hide early.")
        where = str(area) if area is not None else "every area"
        on = f"{day.day} {day:%B %Y}" if day else "today"
        if options["now"]:
            counts = review_services(today=day, area_id=area.pk if area else None).as_dict()
            self.stdout.write(f"Local Offer reviews for {where} as on {on}: {_summary(counts)}")
            return
        result = review_services_task.enqueue(
            today=day.isoformat() if day else None, area_id=area.pk if area else None
        )
        if result.status == TaskResultStatus.SUCCESSFUL:
            counts = result.return_value or {}
            self.stdout.write(f"Local Offer reviews for {where} as on {on}: {_summary(counts)}")
        elif result.status == TaskResultStatus.FAILED:
            raise CommandError(f"The review task failed: {result.errors[-1].traceback}")
        else:
            self.stdout.write(
                f"Local Offer reviews for {where} as on {on} queued as task {result.id}; "
                f"the worker (opensend db-worker) will run them."
            )
