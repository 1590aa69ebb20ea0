"""Reminders of a commission's dates: the contract review, the contract's expiry and the
decision whether to re-procure, 90 days and again 30 days before each. Sent by email to the
commissioners of the organisations that fund or lead the commission in its area. A
``ReminderSent`` row per reminder and person means the same reminder for the same date is
never sent twice; a date moved later gets its own reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from opensend.commissioning.codes import CommissionStatus, ReminderKind
from opensend.commissioning.models import Commission, ReminderSent
from opensend.commissioning.rules import reminder_window
from opensend.core.mail import SendError, get_sender
from opensend.core.models import Membership
from opensend.core.roles import Role

DATES: tuple[tuple[ReminderKind, str], ...] = (
    (ReminderKind.REVIEW, "review_date"),
    (ReminderKind.EXPIRY, "contract_expiry"),
    (ReminderKind.REPROCUREMENT, "reprocurement_decision_date"),
)


@dataclass
class Counts:
    due: int = 0
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    nobody_to_notify: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "due": self.due,
            "sent": self.sent,
            "already_sent": self.already_sent,
            "failed": self.failed,
            "nobody_to_notify": self.nobody_to_notify,
        }


def recipients(commission: Commission, day: dt.date) -> list[str]:
    """Email addresses of the commissioners, in the commission's area, of the organisations
    that contribute to it or lead it."""
    organisation_ids = set(commission.contributions.values_list("commissioner_id", flat=True))
    if commission.lead_commissioner_id is not None:
        organisation_ids.add(commission.lead_commissioner_id)
    emails = (
        Membership.objects.current(day)
        .filter(
            organisation_id__in=organisation_ids,
            role_links__role=Role.COMMISSIONER,
            areas=commission.area_id,
            user__is_active=True,
        )
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(set(emails))


def _message(
    commission: Commission, kind: ReminderKind, due: dt.date, days: int
) -> tuple[str, str]:
    link = settings.OPENSEND_BASE_URL.rstrip("/") + reverse(
        "commissioning:commission", args=[commission.pk]
    )
    when = f"{due.day} {due:%B %Y}"
    subject = f"{kind.label} due within {days} days: {commission.reference} {commission.title}"
    body = (
        f"The {kind.label.lower()} of {commission.title} ({commission.reference}), provided by "
        f"{commission.provider.name}, is due on {when}.\n\n"
        f"See the commission: {link}"
    )
    return subject, body


def send_commission_reminders(
    *, today: dt.date | None = None, area_id: int | None = None
) -> Counts:
    day = today or timezone.localdate()
    counts = Counts()
    sender = get_sender()
    commissions = Commission.objects.exclude(status=CommissionStatus.ENDED).select_related(
        "provider"
    )
    if area_id is not None:
        commissions = commissions.filter(area_id=area_id)
    for commission in commissions:
        for kind, field in DATES:
            due: dt.date | None = getattr(commission, field)
            if due is None:
                continue
            window = reminder_window(due, day)
            if window is None:
                continue
            counts.due += 1
            people = recipients(commission, day)
            if not people:
                counts.nobody_to_notify += 1
                continue
            subject, body = _message(commission, kind, due, window)
            for email in people:
                already = ReminderSent.objects.filter(
                    commission=commission,
                    kind=kind,
                    due_date=due,
                    days_before=window,
                    recipient=email,
                ).exists()
                if already:
                    counts.already_sent += 1
                    continue
                reference = f"commission-{commission.pk}-{kind.value}-{due}-{window}"
                try:
                    provider_reference = sender.send(
                        to=email, subject=subject, body=body, reference=reference
                    )
                except SendError:
                    counts.failed += 1
                    continue
                try:
                    with transaction.atomic():
                        ReminderSent.objects.create(
                            commission=commission,
                            kind=kind,
                            due_date=due,
                            days_before=window,
                            recipient=email,
                            provider_reference=provider_reference[:100],
                        )
                except IntegrityError:  # another run got there first
                    counts.already_sent += 1
                    continue
                counts.sent += 1
    return counts
