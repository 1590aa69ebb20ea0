"""opensend local-offer-reviews [--area LA_CODE] [--date YYYY-MM-DD] [--now]

Queues the Local Offer review task: services not checked within the area's review interval are
flagged to their owners (once per review period), hidden once the grace period has passed too,
and temporarily closed services reopen on their day. Run it once a day from cron
(docs/local-offer-editing.md). With the immediate task backend (the default outside production)
the task runs here and now; with the database backend a worker (``opensend db-worker``) runs
it. ``--now`` runs it here whatever the backend. Running it twice sends nothing twice."""

from __future__ import annotations

import datetime as dt

from opensend.core.daily_command import DailyTaskCommand
from opensend.directory.services.review import review_services
from opensend.directory.tasks import review_services_task


class Command(DailyTaskCommand):
    help = "Flag Local Offer services due for review and hide those past the grace period."
    what = "Local Offer reviews"
    too_early = "services would hide early"
    task = review_services_task

    def run_here(self, *, today: dt.date | None, area_id: int | None) -> dict[str, int]:
        return review_services(today=today, area_id=area_id).as_dict()

    def summary(self, counts: dict[str, int]) -> str:
        return (
            f"services acted on: {counts['services']}; owners told: {counts['notified']}; "
            f"hidden: {counts['hidden']}; reopened: {counts['reopened']}; "
            f"failed, to retry next run: {counts['failed']}; "
            f"with nobody to tell: {counts['nobody_to_notify']}."
        )
