"""Keeping the Local Offer current: a service nobody has checked within the area's review
interval is flagged to its owner once per review period, and hidden from the public once the
grace period after that has passed too. Checking it, or approving an edit, brings it back.

The rules (when a review falls due, whether to flag or hide) are pure functions tested with a
table of cases; ``review_services`` applies them to every public service of an area, sends the
notices through ``opensend.core.mail`` and records what it did.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from opensend.core import access_log, mail
from opensend.core.models import AccessAction, Area, Membership, User
from opensend.core.roles import Role
from opensend.directory.models import DirectorySettings, Service, ServiceStatus
from opensend.directory.permissions import OFFICER_ROLES, is_officer

__all__ = [
    "ReviewAction",
    "ReviewCounts",
    "hide_on",
    "recipients_for",
    "review_action",
    "review_due_on",
    "review_services",
    "settings_update",
]

logger = logging.getLogger(__name__)


class ReviewAction(enum.Enum):
    NONE = "none"
    NOTIFY = "notify"
    HIDE = "hide"


def review_due_on(
    *, last_checked_on: dt.date | None, created_on: dt.date, interval_days: int
) -> dt.date:
    """The day a service's review falls due: ``interval_days`` after it was last checked (or,
    never checked, after it was created)."""
    return (last_checked_on or created_on) + dt.timedelta(days=interval_days)


def hide_on(*, due_on: dt.date, grace_days: int) -> dt.date:
    """The day an unchecked service is hidden: ``grace_days`` after its review fell due."""
    return due_on + dt.timedelta(days=grace_days)


def review_action(
    *,
    today: dt.date,
    due_on: dt.date,
    grace_days: int,
    notified_on: dt.date | None,
    hidden: bool,
) -> ReviewAction:
    """What to do about one service today.

    Before the review falls due, nothing. From the day it falls due, flag it to its owner, once
    per review period (a notice sent before this period's due date was for an earlier one). From
    the end of the grace period, hide it. A hidden service is left alone."""
    if hidden or today < due_on:
        return ReviewAction.NONE
    if today >= hide_on(due_on=due_on, grace_days=grace_days):
        return ReviewAction.HIDE
    if notified_on is not None and notified_on >= due_on:
        return ReviewAction.NONE
    return ReviewAction.NOTIFY


@dataclass
class ReviewCounts:
    services: int = 0
    notified: int = 0
    hidden: int = 0
    reopened: int = 0
    failed: int = 0
    nobody_to_notify: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def recipients_for(service: Service) -> list[str]:
    """Who hears that a service is due for review: the provider users of the organisation that
    owns its directory organisation; else the directory organisation's email; else the area's
    Local Offer officers."""
    today = timezone.localdate()
    owner_id = service.organization.owner_id
    if owner_id is not None:
        providers = (
            Membership.objects.current(today)
            .filter(
                organisation_id=owner_id,
                areas=service.area,
                role_links__role=Role.PROVIDER,
                user__is_active=True,
            )
            .values_list("user__email", flat=True)
        )
        emails = sorted({email for email in providers if email})
        if emails:
            return emails
    if service.organization.email:
        return [service.organization.email]
    officers = (
        Membership.objects.current(today)
        .filter(areas=service.area, role_links__role__in=OFFICER_ROLES, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    return sorted({email for email in officers if email})


def _candidates(area: Area, before: dt.datetime) -> QuerySet[Service]:
    """Public services of ``area`` not checked since ``before`` (SQL does the first cut)."""
    return (
        Service.objects.public()
        .filter(area=area)
        .filter(
            Q(last_checked_at__lt=before) | Q(last_checked_at__isnull=True, created_at__lt=before)
        )
        .select_related("organization", "area")
    )


def _notice(
    service: Service, *, due_on: dt.date, hides_on: dt.date, hidden: bool
) -> tuple[str, str]:
    if hidden:
        subject = f"Hidden from the Local Offer: {service.name}"
        first = (
            f"{service.name} has been hidden from the public Local Offer because nobody has "
            f"confirmed its information is right since its review fell due on "
            f"{due_on.day} {due_on:%B %Y}."
        )
    else:
        subject = f"Please check your Local Offer entry: {service.name}"
        first = (
            f"The information about {service.name} in the Local Offer was due to be checked on "
            f"{due_on.day} {due_on:%B %Y}. Families rely on it being right."
        )
    body = "\n\n".join(
        [
            first,
            "Sign in, open the service and either mark it as checked or edit what has changed.",
            ""
            if hidden
            else f"If nobody checks it by {hides_on.day} {hides_on:%B %Y}, it will be hidden "
            f"from the public until it is checked.",
            f"Local Offer: {service.area.name}",
        ]
    ).replace("\n\n\n\n", "\n\n")
    return subject, body


def _send(service: Service, subject: str, body: str, kind: str) -> bool | None:
    """Send the notice to everyone who should hear; ``None`` if there is nobody, ``False`` if
    any send failed (the next run tries again)."""
    recipients = recipients_for(service)
    if not recipients:
        return None
    sender = mail.get_sender()
    ok = True
    for to in recipients:
        try:
            sender.send(to=to, subject=subject, body=body, reference=f"lo-{kind}-{service.pk}")
        except mail.SendError:
            logger.warning("Could not send the review notice for service %s", service.pk)
            ok = False
    return ok


def _record(service: Service, what: str, detail: dict[str, Any]) -> None:
    access_log.record(
        actor=None,
        actor_label="Local Offer reviews",
        action=AccessAction.CHANGE,
        object_type="directory.service",
        object_id=service.pk,
        detail={what: detail},
    )


def _review_area(area: Area, today: dt.date, counts: ReviewCounts) -> None:
    from opensend.directory.search import index_service, unindex_service

    settings, _ = DirectorySettings.objects.get_or_create(area=area)
    now = timezone.now()
    # Temporarily closed services whose reopening day has come reopen.
    for service in Service.objects.filter(
        area=area, status=ServiceStatus.TEMPORARILY_CLOSED, reopens_on__lte=today
    ):
        with transaction.atomic():
            service.status = ServiceStatus.ACTIVE
            service.reopens_on = None
            service.last_modified = now
            service.save(update_fields=["status", "reopens_on", "last_modified"])
            _record(service, "reopened", {"on": today.isoformat()})
            index_service(service)
        counts.reopened += 1
    cutoff = timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=settings.review_interval_days - 1), dt.time())
    )
    for service in _candidates(area, cutoff):
        checked = service.last_checked_at
        due = review_due_on(
            last_checked_on=timezone.localdate(checked) if checked else None,
            created_on=timezone.localdate(service.created_at),
            interval_days=settings.review_interval_days,
        )
        notified = service.stale_notified_at
        action = review_action(
            today=today,
            due_on=due,
            grace_days=settings.grace_period_days,
            notified_on=timezone.localdate(notified) if notified else None,
            hidden=service.stale_hidden_at is not None,
        )
        if action is ReviewAction.NONE:
            continue
        counts.services += 1
        hides = hide_on(due_on=due, grace_days=settings.grace_period_days)
        subject, body = _notice(
            service, due_on=due, hides_on=hides, hidden=action is ReviewAction.HIDE
        )
        if action is ReviewAction.HIDE:
            with transaction.atomic():
                service.stale_hidden_at = now
                service.save(update_fields=["stale_hidden_at"])
                _record(service, "hidden_unchecked", {"review_due": due.isoformat()})
                unindex_service(service)
            counts.hidden += 1
            _send(service, subject, body, "hidden")
            continue
        sent = _send(service, subject, body, "review")
        if sent is None:
            counts.nobody_to_notify += 1
            continue
        if not sent:
            counts.failed += 1
            continue
        with transaction.atomic():
            service.stale_notified_at = now
            service.save(update_fields=["stale_notified_at"])
            _record(service, "review_notice", {"review_due": due.isoformat()})
        counts.notified += 1


def review_services(*, today: dt.date | None = None, area_id: int | None = None) -> ReviewCounts:
    """Flag services due for review to their owners and hide those past the grace period, in
    every area or one, as on ``today``. Running it twice the same day does nothing twice."""
    today = today or timezone.localdate()
    counts = ReviewCounts()
    areas = Area.objects.all() if area_id is None else Area.objects.filter(pk=area_id)
    for area in areas.order_by("pk"):
        _review_area(area, today, counts)
    return counts


@transaction.atomic
def settings_update(
    *,
    acting_user: User,
    area: Area,
    review_interval_days: int,
    grace_period_days: int,
    feedback_email: str,
    accessibility_statement: str,
) -> DirectorySettings:
    """An officer changes how the area runs its Local Offer."""
    if not is_officer(acting_user, area):
        raise PermissionDenied("Only a Local Offer officer of the area can change its settings.")
    settings, _ = DirectorySettings.objects.select_for_update().get_or_create(area=area)
    before = {
        "review_interval_days": settings.review_interval_days,
        "grace_period_days": settings.grace_period_days,
        "feedback_email": settings.feedback_email,
    }
    settings.review_interval_days = review_interval_days
    settings.grace_period_days = grace_period_days
    settings.feedback_email = feedback_email.strip()
    settings.accessibility_statement = accessibility_statement.strip()
    settings.full_clean()
    settings.save()
    access_log.record(
        actor=acting_user,
        action=AccessAction.ADMIN,
        object_type="directory.directorysettings",
        object_id=settings.pk,
        detail={
            "before": before,
            "after": {
                "review_interval_days": review_interval_days,
                "grace_period_days": grace_period_days,
                "feedback_email": settings.feedback_email,
            },
        },
    )
    return settings
