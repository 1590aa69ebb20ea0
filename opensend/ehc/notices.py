"""Reminders about EHC steps that are due soon or overdue (ADR 13).

``send_step_reminders`` finds the open steps whose due date is at most ``rules.DUE_SOON_DAYS``
away or has passed, works out who should hear about each one, and sends each person one notice
through the configured sender (``opensend.core.mail``). The background task in
``opensend.ehc.tasks`` and the ``ehc-reminders`` command both call it.

Sending nothing twice. A ``Notice`` row is unique on (step, kind, due date, recipient). It is
written, in its own transaction, *before* anything is sent. Sending happens in a second
transaction that first re-reads the row under a row lock (``SKIP LOCKED`` on PostgreSQL; on
SQLite the whole database is locked for writing) and goes ahead only if it is still unsent;
``sent_at`` and the provider's reference are stored in the same transaction. So a second run,
or a second worker at the same time, finds the row sent (or locked) and sends nothing. A send
that fails leaves the row unsent, logs the error, and the next run tries again while the step
is still open, with the text brought up to date. A due date that changes (a rescheduled review)
makes a new notice due. The one gap is a crash after the provider has accepted a message but
before the transaction commits: that message is sent again next run (at least once, never
silently lost).

What a notice says. Every notice names the case by its reference and the child's **initials**,
never the full name: email leaves the system, and the person it reaches signs in to see the
rest. It says which step, what has changed (now due within the week, or now overdue), what is
needed and by when (the date in words, the days left or overdue), the statutory limit and its
regulation from ``rules.LIMITS``, a link to the page where the work is done, and why this
person is getting it. ``compose`` is a pure function of the step (with its related rows
loaded), the kind of notice, the day and the site's address.

Who hears. The step's holder: its ``holder_user`` if active; for a step addressed to an
organisation, its current staff (active accounts, membership covering the child's area) with a
role that does that work (``roles_for``). If nobody can be found, the case's coordinator hears
instead, to chase it; failing that, the area's SEND managers, to give the case to someone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from opensend.core import access_log
from opensend.core.mail import Sender, get_sender
from opensend.core.models import AccessAction, Membership, Organisation, User
from opensend.core.roles import HEALTH_KINDS, SETTING_KINDS, OrganisationKind, Role
from opensend.ehc import rules
from opensend.ehc.models import (
    AdviceType,
    Notice,
    NoticeKind,
    RequestKind,
    Step,
    StepKind,
)
from opensend.people.models import Child

__all__ = [
    "ADVICE_TITLES",
    "STEP_TEXTS",
    "Recipient",
    "ReminderResult",
    "Route",
    "StaffDirectory",
    "StepText",
    "child_initials",
    "compose",
    "long_date",
    "notice_kind",
    "recipients_for",
    "roles_for",
    "send_step_reminders",
    "step_limit",
    "step_path",
]

logger = logging.getLogger(__name__)

#: The access log's "why" for a reminder: it leaves the system, so it is recorded as an export.
PURPOSE = "Reminder to the person holding a step of the EHC process"


# --- What each step is, and what to do about it ----------------------------------------------


@dataclass(frozen=True)
class StepText:
    """How a notice names a step (``title``, lower case: it follows "Overdue:") and what it
    asks the holder to do (``action``)."""

    title: str
    action: str


STEP_TEXTS: dict[StepKind, StepText] = {
    StepKind.DECIDE_TO_ASSESS: StepText(
        "decision whether to assess",
        "Decide whether to carry out an EHC needs assessment and tell the family. If the answer "
        "is no, the letter must give the reasons and the family's rights to mediation and "
        "appeal.",
    ),
    StepKind.ADVICE: StepText(
        "advice",
        "Send your advice for the EHC needs assessment and record it in OpenSEND. If "
        "exceptional circumstances stop you giving it in time, record the exception instead.",
    ),
    StepKind.DECIDE_TO_ISSUE: StepText(
        "decision whether to issue a plan",
        "Decide whether to issue an EHC plan. A decision not to issue must reach the family "
        "within 16 weeks of the request, with their rights to mediation and appeal; if the "
        "answer is yes, start the draft plan.",
    ),
    StepKind.DRAFT_PLAN: StepText(
        "draft plan",
        "Finish the draft plan and send it to the family. Sending it by week 14 leaves time for "
        "their 15 days to comment and for consulting settings before the final plan is due.",
    ),
    StepKind.DRAFT_COMMENTS: StepText(
        "family's comments on the draft",
        "Record the family's comments, any school or college they ask for and any meeting they "
        "want. If their 15 days are over and they sent nothing, record that and move on to the "
        "final plan.",
    ),
    StepKind.CONSULTATION: StepText(
        "reply to a consultation about a place",
        "Tell the council whether your school or college can meet the child's needs, with your "
        "reasons if it cannot. Reply in OpenSEND.",
    ),
    StepKind.FINAL_PLAN: StepText(
        "final plan",
        "Issue the final EHC plan, naming the school, college or other setting in section I, "
        "and send it to the family with their rights to mediation and appeal.",
    ),
    StepKind.REVIEW_MEETING: StepText(
        "annual review meeting",
        "Hold the annual review meeting. Give everyone invited at least 2 weeks' notice and "
        "circulate the advice at least 2 weeks before the meeting.",
    ),
    StepKind.REVIEW_REPORT: StepText(
        "annual review report",
        "Record the review report and send it to everyone who was invited to the meeting.",
    ),
    StepKind.REVIEW_DECISION: StepText(
        "decision after the annual review",
        "Decide whether to keep, amend or cease the plan and tell the family. A decision to "
        "amend must set out the proposed amendments.",
    ),
    StepKind.AMENDED_PLAN: StepText(
        "amended plan",
        "Issue the final amended plan, after the family's 15 days to comment on the proposed "
        "amendments.",
    ),
    StepKind.PHASE_TRANSFER: StepText(
        "phase transfer",
        "Review and amend the plan so that it names the school, college or other setting for "
        "the move.",
    ),
}

ADVICE_TITLES: dict[AdviceType, str] = {
    AdviceType.PARENT: "the family's advice",
    AdviceType.EDUCATION: "education advice",
    AdviceType.HEALTH: "health advice",
    AdviceType.PSYCHOLOGICAL: "educational psychology advice",
    AdviceType.SOCIAL_CARE: "social care advice",
    AdviceType.PREPARING_FOR_ADULTHOOD: "preparing for adulthood advice",
    AdviceType.OTHER: "advice",
}

#: The family's own advice is held by the coordinator, who gathers it.
FAMILY_ADVICE_ACTION = (
    "Record the family's advice and views for the EHC needs assessment, or contact the family "
    "about it."
)

_STEP_LIMITS: dict[StepKind, rules.Limit] = {
    StepKind.DECIDE_TO_ASSESS: rules.Limit.DECIDE_TO_ASSESS,
    StepKind.ADVICE: rules.Limit.ADVICE,
    StepKind.DECIDE_TO_ISSUE: rules.Limit.DECIDE_NOT_TO_ISSUE,
    StepKind.DRAFT_PLAN: rules.Limit.DRAFT_PLAN,
    StepKind.DRAFT_COMMENTS: rules.Limit.DRAFT_COMMENTS,
    StepKind.CONSULTATION: rules.Limit.SETTING_CONSULTATION,
    StepKind.FINAL_PLAN: rules.Limit.FINAL_PLAN,
    StepKind.REVIEW_MEETING: rules.Limit.ANNUAL_REVIEW,
    StepKind.REVIEW_REPORT: rules.Limit.REVIEW_REPORT,
    StepKind.REVIEW_DECISION: rules.Limit.REVIEW_DECISION,
    StepKind.AMENDED_PLAN: rules.Limit.AMENDED_PLAN,
    StepKind.PHASE_TRANSFER: rules.Limit.PHASE_TRANSFER,
}


def step_limit(step: Step) -> rules.Limit:
    """The time limit behind a step. The same kind of step can answer to different limits: a
    final plan after a re-assessment (Reg 27(2)), comments on proposed amendments after a
    review (Reg 22(2)(c)), a phase transfer to post-16 or between post-16 institutions."""
    kind = StepKind(step.kind)
    if (
        kind == StepKind.FINAL_PLAN
        and step.request is not None
        and step.request.kind == RequestKind.REASSESSMENT
    ):
        return rules.Limit.REASSESSMENT_FINAL_PLAN
    if kind == StepKind.DRAFT_COMMENTS and step.review_id is not None:
        return rules.Limit.AMENDMENT_COMMENTS
    if kind == StepKind.PHASE_TRANSFER and step.review is not None and step.review.phase_transfer:
        return rules.PHASE_TRANSFER_LIMITS[rules.PhaseTransfer(step.review.phase_transfer)]
    return _STEP_LIMITS[kind]


def _title(step: Step) -> str:
    kind = StepKind(step.kind)
    if kind == StepKind.ADVICE and step.advice is not None:
        return ADVICE_TITLES[AdviceType(step.advice.advice_type)]
    if kind == StepKind.DRAFT_COMMENTS and step.review_id is not None:
        return "family's comments on the proposed amendments"
    return STEP_TEXTS[kind].title


def _action(step: Step) -> str:
    if step.kind == StepKind.ADVICE and step.advice is not None and step.advice.organisation_id:
        return STEP_TEXTS[StepKind.ADVICE].action
    if step.kind == StepKind.ADVICE:
        return FAMILY_ADVICE_ACTION
    return STEP_TEXTS[StepKind(step.kind)].action


# --- Where the work is done -------------------------------------------------------------------


def _case_path(step: Step) -> str:
    if step.request_id is not None:
        return f"/ehc/requests/{step.request_id}/"
    if step.plan_id is not None:
        return f"/ehc/plans/{step.plan_id}/"
    return "/ehc/my-cases/"


def step_path(step: Step, *, for_holder: bool = True) -> str:
    """The page where the step's work is done: the advice return form for advice; for a
    setting asked about a place, its "My cases" list (its staff may not see the case itself);
    otherwise the case (the request while there is one, else the plan)."""
    if step.kind == StepKind.ADVICE and step.advice_id is not None:
        return f"/ehc/advice/{step.advice_id}/return/"
    if step.kind == StepKind.CONSULTATION and for_holder:
        return "/ehc/my-cases/"
    return _case_path(step)


def case_reference(step: Step) -> str:
    if step.request is not None:
        return step.request.reference
    if step.plan is not None:
        return step.plan.reference
    return f"S{step.pk:06d}"


# --- Words --------------------------------------------------------------------------------------


def long_date(day: dt.date) -> str:
    """A date in words, as GOV.UK writes it with the day: Monday 16 February 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def child_initials(child: Child) -> str:
    """The initials of the name the child is known by ("AT" for Alex Taylor). Notices carry
    these and the case reference, not the name: email leaves the system."""
    forename = child.preferred_forename or child.forename
    surname = child.preferred_surname or child.surname
    return "".join(part.strip()[:1].upper() for part in (forename, surname) if part.strip())


def notice_kind(due: dt.date, today: dt.date) -> NoticeKind | None:
    """Overdue after the due date; due soon from ``DUE_SOON_DAYS`` before it to the day itself
    (the same window as the caseload's "due this week"); otherwise no notice yet."""
    if today > due:
        return NoticeKind.OVERDUE
    if (due - today).days <= rules.DUE_SOON_DAYS:
        return NoticeKind.DUE_SOON
    return None


def _when(due: dt.date, today: dt.date) -> tuple[str, str]:
    """The subject's prefix and the body's "how long" phrase."""
    if today > due:
        late = (today - due).days
        return "Overdue", f"{_days(late)} overdue"
    left = (due - today).days
    if left == 0:
        return "Due today", "due today"
    if left == 1:
        return "Due tomorrow", "due tomorrow, 1 day left"
    return f"Due in {_days(left)}", f"{_days(left)} left"


# --- Who hears, and why -------------------------------------------------------------------------


class Route(StrEnum):
    """Why a person gets a notice."""

    HOLDER = "holder"
    ORGANISATION = "organisation"
    COORDINATOR = "coordinator"
    MANAGER = "manager"


def _why(step: Step, route: Route) -> str:
    organisation = step.holder_organisation
    name = organisation.name if organisation is not None else "the organisation asked"
    if route == Route.HOLDER:
        return "You are getting this because this step is assigned to you in OpenSEND."
    if route == Route.ORGANISATION:
        return (
            f"You are getting this because this step is addressed to {name}, where your role "
            f"covers this work."
        )
    if route == Route.COORDINATOR:
        return (
            f"You are getting this as the case's coordinator: nobody at {name} can receive "
            f"reminders in OpenSEND. Please contact them about it."
        )
    return (
        "You are getting this as a SEND manager for the area: nobody active holds this step. "
        "Please give the case to a coordinator."
    )


def _details(step: Step) -> list[str]:
    """The facts of the step that tell its holder which piece of work this is."""
    lines: list[str] = []
    advice = step.advice if step.kind == StepKind.ADVICE else None
    if advice is not None:
        who = advice.organisation.name if advice.organisation is not None else "the family"
        lines.append(f"Asked of: {who}, on {long_date(advice.requested_date)}")
    consultation = step.consultation if step.kind == StepKind.CONSULTATION else None
    if consultation is not None:
        lines.append(
            f"Setting consulted: {consultation.setting.name}, on "
            f"{long_date(consultation.sent_date)}"
        )
    review = step.review if step.kind == StepKind.PHASE_TRANSFER else None
    if review is not None and review.phase_transfer:
        move = rules.PhaseTransfer(review.phase_transfer).label
        if review.transfer_date is not None:
            move = f"{move}, moving on {long_date(review.transfer_date)}"
        lines.append(f"Move: {move}")
    if not lines:
        lines.append(f"Step started: {long_date(step.opened_on)}")
    return lines


def compose(
    step: Step,
    kind: NoticeKind | str,
    today: dt.date,
    base_url: str,
    *,
    route: Route = Route.HOLDER,
) -> tuple[str, str]:
    """The subject and plain-text body of a notice about ``step``.

    Pure: reads only the step and the rows it refers to (load them with ``select_related``).
    The body says which case (reference and the child's initials), which step, what has
    changed, what is needed, the due date in words with the days left or overdue, the time
    limit with its regulation, the link, and why this person is getting it.
    """
    kind = NoticeKind(kind)
    if step.due_date is None:
        raise ValueError("A step with no due date has nothing to remind about.")
    due = step.due_date
    if notice_kind(due, today) != kind:
        raise ValueError(f"A step due on {due.isoformat()} is not {kind.label.lower()} on {today}.")
    reference = case_reference(step)
    title = _title(step)
    prefix, how_long = _when(due, today)
    subject = f"{prefix}: {title} for case {reference}"

    if kind == NoticeKind.OVERDUE:
        changed = (
            f"This step is now overdue: it was due on {long_date(due)} and is not yet recorded "
            f"as done."
        )
    else:
        changed = (
            f"This step is now due within {_days(rules.DUE_SOON_DAYS)}: it must be done by "
            f"{long_date(due)}."
        )
    spec = rules.LIMITS[step_limit(step)]
    limit = f"{spec.label} ({spec.regulation}). {spec.description}"
    if not spec.statutory:
        limit += " This is a good-practice target, not a statutory limit."
    initials = child_initials(step.child)
    link = base_url.rstrip("/") + step_path(step, for_holder=route == Route.ORGANISATION)
    heading = title[:1].upper() + title[1:]
    body = "\n".join(
        [
            f"{heading} for case {reference}: {how_long}.",
            "",
            f"Case: {reference} (child's initials: {initials})",
            *_details(step),
            f"Due: {long_date(due)} ({how_long})",
            "",
            "What has changed",
            changed,
            "",
            "What is needed",
            _action(step),
            "",
            "Time limit",
            limit,
            "",
            f"Open it in OpenSEND: {link}",
            "",
            _why(step, route),
            "",
            "This reminder gives the child's initials only. Sign in to OpenSEND to see the case.",
        ]
    )
    return subject, body


# --- Who holds a step -------------------------------------------------------------------------

_HEALTH_ROLES = frozenset({Role.HEALTH_PRACTITIONER, Role.DESIGNATED_CLINICAL_OFFICER})
_SOCIAL_CARE_ROLES = frozenset({Role.SOCIAL_WORKER, Role.DESIGNATED_SOCIAL_CARE_OFFICER})


def roles_for(step: Step, organisation: Organisation) -> frozenset[Role]:
    """The roles at an organisation that do the work a step asks of it: health advice goes to
    health practitioners and Designated Clinical Officers; social care advice to social workers
    and Designated Social Care Officers; anything asked of a school or college to its SENCOs;
    other advice asked of the council to its EHC coordinators; other advice asked of a
    provider to its provider staff."""
    advice_type = step.advice.advice_type if step.advice is not None else ""
    if step.kind == StepKind.CONSULTATION or organisation.kind in SETTING_KINDS:
        return frozenset({Role.SENCO})
    if advice_type == AdviceType.HEALTH or organisation.kind in HEALTH_KINDS:
        return _HEALTH_ROLES
    if advice_type == AdviceType.SOCIAL_CARE:
        return _SOCIAL_CARE_ROLES
    if organisation.kind == OrganisationKind.LOCAL_AUTHORITY:
        return frozenset({Role.EHC_COORDINATOR})
    return frozenset({Role.PROVIDER})


@dataclass(frozen=True)
class Recipient:
    email: str
    route: Route


@dataclass(frozen=True)
class _Staff:
    user: User
    roles: frozenset[str]
    area_ids: frozenset[int]


class StaffDirectory:
    """Current staff of the organisations that hold steps, and the SEND managers of each
    area, read once per run. Membership is judged on the real today: a notice goes to whoever
    works there now, whatever day the run is for."""

    def __init__(self, organisation_ids: Iterable[int], area_ids: Iterable[int]) -> None:
        today = timezone.localdate()
        self.staff: dict[int, list[_Staff]] = defaultdict(list)
        self.managers: dict[int, list[User]] = defaultdict(list)
        memberships = (
            Membership.objects.current(today)
            .filter(user__is_active=True, organisation_id__in=set(organisation_ids))
            .select_related("user")
            .prefetch_related("role_links", "areas")
        )
        for membership in memberships:
            self.staff[membership.organisation_id].append(
                _Staff(
                    membership.user,
                    frozenset(membership.role_codes),
                    frozenset(area.pk for area in membership.areas.all()),
                )
            )
        managers = (
            Membership.objects.current(today)
            .filter(
                user__is_active=True,
                organisation__kind=OrganisationKind.LOCAL_AUTHORITY,
                role_links__role=Role.SEND_MANAGER,
                areas__in=set(area_ids),
            )
            .select_related("user")
            .prefetch_related("areas")
            .distinct()
        )
        for membership in managers:
            for area in membership.areas.all():
                self.managers[area.pk].append(membership.user)


def _coordinator(step: Step) -> User | None:
    if step.request is not None and step.request.coordinator is not None:
        return step.request.coordinator
    if step.plan is not None:
        return step.plan.coordinator
    return None


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    result: list[Recipient] = []
    for recipient in recipients:
        key = recipient.email.lower()
        if key and key not in seen:
            seen.add(key)
            result.append(recipient)
    return result


def recipients_for(step: Step, directory: StaffDirectory) -> list[Recipient]:
    """Who hears about a step (see the module's docstring): its holder, else the case's
    coordinator, else the area's SEND managers. Inactive accounts never hear."""
    if step.holder_user is not None and step.holder_user.is_active:
        return [Recipient(step.holder_user.email, Route.HOLDER)]
    if step.holder_organisation is not None:
        wanted = roles_for(step, step.holder_organisation)
        found = _unique(
            Recipient(member.user.email, Route.ORGANISATION)
            for member in directory.staff.get(step.holder_organisation_id or 0, [])
            if member.roles & wanted and step.area_id in member.area_ids
        )
        if found:
            return found
        coordinator = _coordinator(step)
        if coordinator is not None and coordinator.is_active:
            return [Recipient(coordinator.email, Route.COORDINATOR)]
    return _unique(
        Recipient(user.email, Route.MANAGER) for user in directory.managers.get(step.area_id, [])
    )


# --- The run -------------------------------------------------------------------------------------


@dataclass
class ReminderResult:
    """What a run did. ``failed`` notices stay unsent and are tried again next run."""

    steps: int = 0
    notices_created: int = 0
    sent: int = 0
    failed: int = 0
    already_sent: int = 0
    nobody_to_notify: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def due_steps(*, today: dt.date, area_id: int | None = None) -> QuerySet[Step]:
    """Open steps that are due within ``DUE_SOON_DAYS`` or overdue, not cancelled and not
    lifted by an exception, with everything ``compose`` and ``recipients_for`` read."""
    steps = Step.objects.filter(
        completed_on__isnull=True,
        cancelled=False,
        suspended=False,
        due_date__isnull=False,
        due_date__lte=today + dt.timedelta(days=rules.DUE_SOON_DAYS),
        opened_on__lte=today,
    )
    if area_id is not None:
        steps = steps.filter(area_id=area_id)
    return steps.select_related(
        "child",
        "request__coordinator",
        "plan__coordinator",
        "review",
        "advice__organisation",
        "consultation__setting",
        "holder_user",
        "holder_organisation",
    ).order_by("due_date", "pk")


def _deliver(notice_id: int, *, subject: str, body: str, step: Step, sender: Sender) -> bool | None:
    """Send one notice if it is still unsent and nobody else is sending it. True if sent,
    False if the send failed, None if there was nothing to do."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True)
            .filter(pk=notice_id, sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return None
        try:
            provider_reference = sender.send(
                to=notice.recipient,
                subject=subject,
                body=body,
                reference=f"opensend-notice-{notice.pk}",
            )
        except Exception:
            # Left unsent: the next run tries again. The log names the notice, not its text.
            logger.exception(
                "Reminder notice %s to %s could not be sent; it will be retried next run",
                notice.pk,
                notice.recipient,
            )
            return False
        notice.subject = subject[:255]
        notice.body = body
        notice.sent_at = timezone.now()
        notice.provider_reference = str(provider_reference)[:100]
        notice.save(update_fields=["subject", "body", "sent_at", "provider_reference"])
        access_log.record(
            actor=None,
            action=AccessAction.EXPORT,
            object_type="ehc.notice",
            object_id=notice.pk,
            subjects=[("people.child", step.child_id)],
            purpose=PURPOSE,
            detail={
                "recipient": notice.recipient,
                "kind": notice.kind,
                "step": step.kind,
                "due": notice.due_date.isoformat(),
            },
        )
    return True


def send_step_reminders(
    *,
    today: dt.date | None = None,
    area_id: int | None = None,
    sender: Sender | None = None,
    base_url: str | None = None,
) -> ReminderResult:
    """Send the due-soon and overdue notices for every area, or one (``area_id``), as on
    ``today`` (default: today; never a day in the future). Safe to run again at any time."""
    real_today = timezone.localdate()
    today = today or real_today
    if today > real_today:
        raise ValidationError("Reminders cannot be sent as of a day in the future.")
    sender = sender or get_sender()
    base_url = base_url if base_url is not None else settings.OPENSEND_BASE_URL
    result = ReminderResult()
    steps = list(due_steps(today=today, area_id=area_id))
    directory = StaffDirectory(
        (step.holder_organisation_id for step in steps if step.holder_organisation_id),
        {step.area_id for step in steps},
    )
    for step in steps:
        assert step.due_date is not None  # noqa: S101 - filtered by due_steps
        kind = notice_kind(step.due_date, today)
        if kind is None:  # pragma: no cover - due_steps only returns steps that are due
            continue
        result.steps += 1
        recipients = recipients_for(step, directory)
        if not recipients:
            result.nobody_to_notify += 1
            logger.warning(
                "Nobody can be sent a reminder about step %s (%s, area %s)",
                step.pk,
                step.kind,
                step.area_id,
            )
            continue
        for recipient in recipients:
            subject, body = compose(step, kind, today, base_url, route=recipient.route)
            with transaction.atomic():
                notice, created = Notice.objects.get_or_create(
                    step=step,
                    kind=kind,
                    due_date=step.due_date,
                    recipient=recipient.email,
                    defaults={"subject": subject[:255], "body": body},
                )
            result.notices_created += int(created)
            if notice.sent_at is not None:
                result.already_sent += 1
                continue
            outcome = _deliver(notice.pk, subject=subject, body=body, step=step, sender=sender)
            if outcome is True:
                result.sent += 1
            elif outcome is False:
                result.failed += 1
            else:
                result.already_sent += 1
    logger.info("EHC reminders for %s: %s", today.isoformat(), result.as_dict())
    return result
