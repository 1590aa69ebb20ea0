"""opensend compute-indicators [--area LA_CODE] [--date YYYY-MM-DD] [--now]

Queues the task that works out every computed KPI (EHC timeliness, annual reviews, advice
returns by agency, waiting lists, Local Offer feedback) for each of its open periods of the
last year, from OpenSEND's own records. Run it once a day from cron. ``--now`` runs it here
whatever the task backend. Running it twice writes nothing the second time; closed periods
are never changed."""

from __future__ import annotations

import datetime as dt

from opensend.core.daily_command import DailyTaskCommand
from opensend.insight.services import indicators_compute
from opensend.insight.tasks import compute_indicators_task


class Command(DailyTaskCommand):
    help = "Compute the open periods of every KPI OpenSEND computes from its own records."
    what = "Computed indicators"
    too_early = "the figures would count days that have not happened"
    task = compute_indicators_task

    def run_here(self, *, today: dt.date | None, area_id: int | None) -> dict[str, int]:
        return indicators_compute(today=today, area_id=area_id).as_dict()

    def summary(self, counts: dict[str, int]) -> str:
        return (
            f"indicators: {counts['indicators']}; periods computed: {counts['periods']}; "
            f"new values: {counts['created']}; changed: {counts['changed']}; "
            f"unchanged: {counts['unchanged']}; indicators that could not be computed: "
            f"{counts['failed']}."
        )
