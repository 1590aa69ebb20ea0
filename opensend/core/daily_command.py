"""The shape every daily job's command shares (``ehc-reminders``, ``local-offer-reviews``):
``--area``, ``--date`` (not in the future) and ``--now``; queue the task, or run it here; print
what it did, or that the worker will.

With the immediate task backend (the default outside production) a queued task runs in the
command's own process and its counts are printed; with the database backend the worker
(``opensend db-worker``) runs it later."""

from __future__ import annotations

import datetime as dt
from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.base import Task

from opensend.core.models import Area

__all__ = ["DailyTaskCommand"]


class DailyTaskCommand(BaseCommand, metaclass=ABCMeta):
    """Subclasses set ``what`` (e.g. "Reminders"), ``too_early`` (why a future date is
    refused), ``task`` (the django-tasks task, taking ``today`` as ISO text and ``area_id``)
    and define ``run_here`` and ``summary``."""

    what: ClassVar[str]
    too_early: ClassVar[str]
    task: ClassVar[Task[..., Any]]

    @abstractmethod
    def run_here(self, *, today: dt.date | None, area_id: int | None) -> dict[str, int]:
        """Do the day's work in this process; returns its counts."""

    @abstractmethod
    def summary(self, counts: dict[str, int]) -> str:
        """The counts in words."""

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
                raise CommandError(f"--date cannot be in the future: {self.too_early}.")
        area_id = area.pk if area is not None else None
        heading = (
            f"{self.what} for {area if area is not None else 'every area'} as on "
            f"{f'{day.day} {day:%B %Y}' if day else 'today'}"
        )
        if options["now"]:
            counts = self.run_here(today=day, area_id=area_id)
            self.stdout.write(f"{heading}: {self.summary(counts)}")
            return
        result = self.task.enqueue(today=day.isoformat() if day else None, area_id=area_id)
        if result.status == TaskResultStatus.SUCCESSFUL:
            self.stdout.write(f"{heading}: {self.summary(result.return_value or {})}")
        elif result.status == TaskResultStatus.FAILED:
            raise CommandError(f"The task failed: {result.errors[-1].traceback}")
        else:
            self.stdout.write(
                f"{heading} queued as task {result.id}; the worker (opensend db-worker) will "
                "run it."
            )
