"""Background tasks of the Local Offer, on Django's tasks framework (the ``django-tasks``
backport; ADR 13). With the immediate backend (the demo, the tests) a task runs in the process
that enqueues it; in production the database backend queues it for ``opensend db-worker``.

Arguments are JSON (the database backend stores them): a day as ``YYYY-MM-DD``, an area by id.
"""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from opensend.directory.services.review import review_services


@task()
def review_services_task(*, today: str | None = None, area_id: int | None = None) -> dict[str, int]:
    """Flag services due for review to their owners, hide those past the grace period and
    reopen temporarily closed services whose day has come (``review.review_services``), in
    every area or one, as on ``today`` (default: the day the task runs). Returns what it did."""
    day = dt.date.fromisoformat(today) if today else None
    return review_services(today=day, area_id=area_id).as_dict()
