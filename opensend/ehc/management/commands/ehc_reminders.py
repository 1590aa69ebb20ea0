"""opensend ehc-reminders [--area LA_CODE] [--date YYYY-MM-DD] [--now]

Queues the EHC reminder task: notices about steps due within the week or overdue, to whoever
holds them. Run it once a day from cron (docs/operations.md). With the immediate task backend
(the default outside production) the task runs here and now; with the database backend a
worker (``opensend db-worker``) runs it. ``--now`` runs it here whatever the backend. Running
it twice sends nothing twice."""

from __future__ import annotations

import datetime as dt

from opensend.core.daily_command import DailyTaskCommand
from opensend.ehc.notices import send_step_reminders
from opensend.ehc.tasks import send_step_reminders_task


class Command(DailyTaskCommand):
    help = "Send reminders about EHC steps due within the week or overdue (queued as a task)."
    what = "Reminders"
    too_early = "notices would go early"
    task = send_step_reminders_task

    def run_here(self, *, today: dt.date | None, area_id: int | None) -> dict[str, int]:
        return send_step_reminders(today=today, area_id=area_id).as_dict()

    def summary(self, counts: dict[str, int]) -> str:
        return (
            f"steps due soon or overdue: {counts['steps']}; notices sent: {counts['sent']}; "
            f"already sent: {counts['already_sent']}; "
            f"failed, to retry next run: {counts['failed']}; "
            f"steps with nobody to notify: {counts['nobody_to_notify']}."
        )
