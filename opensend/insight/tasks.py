"""Background tasks of the performance framework (django-tasks; ADR 13). Arguments are JSON:
a day as ``YYYY-MM-DD``, an area by id."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from opensend.insight.services import indicators_compute


@task()
def compute_indicators_task(
    *, today: str | None = None, area_id: int | None = None
) -> dict[str, int]:
    """Compute the open periods of every computed indicator, for every area or one, as on
    ``today`` (default: the day the task runs)."""
    day = dt.date.fromisoformat(today) if today else None
    return indicators_compute(today=day, area_id=area_id).as_dict()
