"""Background tasks of the commissioning app (django-tasks; ADR 13). Arguments are JSON: a day
as ``YYYY-MM-DD``, an area by id."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from opensend.commissioning.reminders import send_commission_reminders


@task()
def send_commission_reminders_task(
    *, today: str | None = None, area_id: int | None = None
) -> dict[str, int]:
    """Send the reminders of reviews, expiries and re-procurement decisions due within 90 or
    30 days, for every area or one, as on ``today`` (default: the day the task runs)."""
    day = dt.date.fromisoformat(today) if today else None
    return send_commission_reminders(today=day, area_id=area_id).as_dict()
