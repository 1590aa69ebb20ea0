"""Background tasks of the EHC app, on Django's tasks framework (the ``django-tasks`` backport;
ADR 13). With the immediate backend (the demo, the tests) a task runs in the process that
enqueues it; in production the database backend queues it for ``opensend db-worker``.

Arguments are JSON (the database backend stores them): a day as ``YYYY-MM-DD``, an area by id.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from opensend.ehc.notices import send_step_reminders


@task()
def send_step_reminders_task(
    *, today: str | None = None, area_id: int | None = None
) -> dict[str, int]:
    """Send the due-soon and overdue notices (``notices.send_step_reminders``) for every area
    or one, as on ``today`` (default: the day the task runs). Returns what it did."""
    day = dt.date.fromisoformat(today) if today else None
    return send_step_reminders(today=day, area_id=area_id).as_dict()
