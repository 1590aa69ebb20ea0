"""opensend commissioning-reminders [--area LA_CODE] [--date YYYY-MM-DD] [--now]

Queues the commissioning reminder task: emails about contract reviews, expiries and
re-procurement decisions due within 90 days and within 30 days, to the commissioners of each
commission. Run it once a day from cron. ``--now`` runs it here whatever the task backend.
Running it twice sends nothing twice."""

from __future__ import annotations

import datetime as dt

from opensend.commissioning.reminders import send_commission_reminders
from opensend.commissioning.tasks import send_commission_reminders_task
from opensend.core.daily_command import DailyTaskCommand


class Command(DailyTaskCommand):
    help = "Send reminders of contract reviews, expiries and re-procurement decisions."
    what = "Reminders"
    too_early = "reminders would go early"
    task = send_commission_reminders_task

    def run_here(self, *, today: dt.date | None, area_id: int | None) -> dict[str, int]:
        return send_commission_reminders(today=today, area_id=area_id).as_dict()

    def summary(self, counts: dict[str, int]) -> str:
        return (
            f"dates due: {counts['due']}; reminders sent: {counts['sent']}; "
            f"already sent: {counts['already_sent']}; "
            f"failed, to retry next run: {counts['failed']}; "
            f"dates with nobody to notify: {counts['nobody_to_notify']}."
        )
