"""Annual reviews and phase transfers (Regs 18–22): scheduling, the meeting, the report, the
decision to maintain, amend or cease, and the amended plan."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from opensend.core.codes import ReviewOutcome
from opensend.core.models import Organisation, User
from opensend.ehc import rules
from opensend.ehc.models import (
    AnnualReview,
    Plan,
    PlanStatus,
    PlanVersion,
    ReviewStage,
    Step,
    StepKind,
    VersionKind,
)
from opensend.ehc.services._common import (
    StepOutOfOrder,
    authorise_case_work,
    cancel_steps,
    close_steps,
    event,
    open_step,
    require_date,
    today,
)


def _current_setting(plan: Plan) -> Organisation | None:
    from opensend.ehc.services.plans import current_issued_version

    version = current_issued_version(plan)
    if version is None:
        return None
    placement = version.placements.filter(rank=1, setting__isnull=False).first()
    return placement.setting if placement else None


#: Organisation phases (GIAS) as the phase-transfer rules know them.
_SETTING_PHASES: dict[str, str | None] = {
    "nursery": rules.SettingPhase.EARLY_YEARS,
    "primary": rules.SettingPhase.PRIMARY,
    "middle": rules.SettingPhase.MIDDLE,
    "secondary": rules.SettingPhase.SECONDARY,
    "all_through": rules.SettingPhase.ALL_THROUGH,
    "post16": rules.SettingPhase.POST_16,
}

#: A phase-transfer review is held early enough to amend the plan by the deadline.
PHASE_TRANSFER_LEAD = dt.timedelta(weeks=8)


def _phase_transfer(
    plan: Plan, due: dt.date, opened_on: dt.date
) -> tuple[rules.PhaseTransfer, dt.date, dt.date] | None:
    """The next phase transfer whose deadline this review must meet: one at the end of the
    current academic year, or of the year the review falls in."""
    setting = _current_setting(plan)
    phase = _SETTING_PHASES.get(setting.phase) if setting is not None else None
    for on in (opened_on, due):
        transfer = rules.next_phase_transfer(plan.child.date_of_birth, on, setting_phase=phase)
        if transfer is None or transfer[2] < opened_on:
            continue
        already_dealt_with = AnnualReview.objects.filter(
            plan=plan, transfer_date=transfer[1], stage=ReviewStage.COMPLETED
        ).exists()
        if not already_dealt_with:
            return transfer
    return None


def _schedule(*, plan: Plan, due: dt.date, opened_on: dt.date) -> AnnualReview:
    child = plan.child
    transfer = _phase_transfer(plan, due, opened_on)
    if transfer is not None:
        due = max(opened_on, min(due, transfer[2] - PHASE_TRANSFER_LEAD))
    review = AnnualReview(plan=plan, due_date=due)
    if transfer is not None:
        kind, transfer_date, deadline = transfer
        review.phase_transfer = kind
        review.transfer_date = transfer_date
        review.phase_transfer_deadline = deadline
    review.full_clean(validate_constraints=False)
    review.save()
    open_step(
        kind=StepKind.REVIEW_MEETING,
        child=child,
        plan=plan,
        review=review,
        opened_on=opened_on,
        due_date=due,
        holder_user=plan.coordinator,
    )
    if review.phase_transfer_deadline is not None:
        open_step(
            kind=StepKind.PHASE_TRANSFER,
            child=child,
            plan=plan,
            review=review,
            opened_on=opened_on,
            due_date=review.phase_transfer_deadline,
            holder_user=plan.coordinator,
        )
    plan.next_review_due = due
    Plan.objects.filter(pk=plan.pk).update(next_review_due=due)
    return review


def reschedule_from(*, plan: Plan, last: dt.date, acting_user: User | None) -> AnnualReview:
    """Cancel any open review and schedule the next one from ``last`` (the plan's issue or
    the last review meeting). Called inside other services' transactions."""
    for review in AnnualReview.objects.filter(plan=plan).exclude(
        stage__in=[ReviewStage.COMPLETED, ReviewStage.CANCELLED]
    ):
        review.stage = ReviewStage.CANCELLED
        review.save(update_fields=["stage"])
        cancel_steps(review=review, on=max(last, review.plan.start_date or last))
    due = rules.annual_review_due(last, date_of_birth=plan.child.date_of_birth)
    return _schedule(plan=plan, due=due, opened_on=last)


def _lock(review: AnnualReview) -> AnnualReview:
    return (
        AnnualReview.objects.select_for_update(of=("self",))
        .select_related("plan__child__area", "plan__coordinator")
        .get(pk=review.pk)
    )


def _require(review: AnnualReview, stages: set[ReviewStage], doing: str) -> None:
    if review.plan.status != PlanStatus.ACTIVE:
        raise StepOutOfOrder(f"The plan is {review.plan.get_status_display().lower()}.")
    if review.stage not in stages:
        raise StepOutOfOrder(
            f"You cannot {doing} now: the review is at “{review.get_stage_display()}”."
        )


@transaction.atomic
def review_invite(
    *,
    acting_user: User | None,
    review: AnnualReview,
    sent_date: dt.date,
    meeting_date: dt.date,
) -> AnnualReview:
    """Invite the family and professionals to the meeting, with at least 2 weeks' notice
    (Reg 20(3))."""
    review = _lock(review)
    decision = authorise_case_work(acting_user, review.plan.child)
    _require(review, {ReviewStage.SCHEDULED}, "send invitations")
    require_date("sent_date", sent_date, not_before=None, label="")
    if sent_date > rules.review_notice_due(meeting_date):
        raise ValidationError(
            {
                "meeting_date": "Invitations must go out at least 2 weeks before the meeting: "
                f"for a meeting on {meeting_date:%-d %B %Y}, by "
                f"{rules.review_notice_due(meeting_date):%-d %B %Y}."
            }
        )
    review.invitations_sent_date = sent_date
    review.meeting_date = meeting_date
    review.lock_version += 1
    review.save(update_fields=["invitations_sent_date", "meeting_date", "lock_version"])
    event(
        acting_user=acting_user,
        decision=decision,
        child=review.plan.child,
        plan=review.plan,
        action="review_invited",
        summary=f"Annual review meeting arranged for {meeting_date:%-d %B %Y}",
        event_date=sent_date,
        detail={"late": meeting_date > review.due_date},
    )
    return review


@transaction.atomic
def review_hold_meeting(
    *, acting_user: User | None, review: AnnualReview, meeting_date: dt.date
) -> AnnualReview:
    """Record the review meeting. The report is due 2 weeks later and the LA's decision
    4 weeks later (Regs 20(7), 20(10))."""
    review = _lock(review)
    plan = review.plan
    decision = authorise_case_work(acting_user, plan.child)
    _require(review, {ReviewStage.SCHEDULED}, "record the meeting")
    require_date(
        "meeting_date",
        meeting_date,
        not_before=plan.last_review_date or plan.start_date,
        label="the last review",
    )
    review.meeting_date = meeting_date
    review.stage = ReviewStage.MEETING_HELD
    review.prepares_for_adulthood = rules.prepares_for_adulthood(
        plan.child.date_of_birth, meeting_date
    )
    review.lock_version += 1
    review.save()
    close_steps(kinds=[StepKind.REVIEW_MEETING], review=review, on=meeting_date)
    open_step(
        kind=StepKind.REVIEW_REPORT,
        child=plan.child,
        plan=plan,
        review=review,
        opened_on=meeting_date,
        due_date=rules.review_report_due(meeting_date),
        holder_user=plan.coordinator,
    )
    open_step(
        kind=StepKind.REVIEW_DECISION,
        child=plan.child,
        plan=plan,
        review=review,
        opened_on=meeting_date,
        due_date=rules.review_decision_due(meeting_date),
        holder_user=plan.coordinator,
    )
    plan.last_review_date = meeting_date
    Plan.objects.filter(pk=plan.pk).update(last_review_date=meeting_date)
    event(
        acting_user=acting_user,
        decision=decision,
        child=plan.child,
        plan=plan,
        action="review_meeting",
        summary="Annual review meeting held",
        event_date=meeting_date,
        detail={"on_time": meeting_date <= review.due_date},
    )
    return review


@transaction.atomic
def review_receive_report(
    *, acting_user: User | None, review: AnnualReview, received_date: dt.date, summary: str
) -> AnnualReview:
    review = _lock(review)
    decision = authorise_case_work(acting_user, review.plan.child)
    _require(review, {ReviewStage.MEETING_HELD}, "record the report")
    require_date(
        "received_date", received_date, not_before=review.meeting_date, label="the meeting"
    )
    if not summary.strip():
        raise ValidationError({"summary": "Summarise the report's recommendations."})
    review.report_received_date = received_date
    review.report_summary = summary.strip()
    review.stage = ReviewStage.REPORT_RECEIVED
    review.lock_version += 1
    review.save()
    close_steps(kinds=[StepKind.REVIEW_REPORT], review=review, on=received_date)
    event(
        acting_user=acting_user,
        decision=decision,
        child=review.plan.child,
        plan=review.plan,
        action="review_report",
        summary="Annual review report received",
        event_date=received_date,
    )
    return review


@transaction.atomic
def review_decide(
    *,
    acting_user: User | None,
    review: AnnualReview,
    decision_date: dt.date,
    outcome: ReviewOutcome | str,
    reasons: str = "",
) -> AnnualReview:
    """Decide to maintain, amend or cease the plan, within 4 weeks of the meeting (Reg 20(10)).
    To amend, a draft of the amended plan is started from the plan in force: since *Devon*
    (2022) the notice must carry the proposed amendments, so send it with ``draft_issue``."""
    review = _lock(review)
    plan = review.plan
    decision = authorise_case_work(acting_user, plan.child)
    _require(review, {ReviewStage.REPORT_RECEIVED}, "decide")
    assert review.meeting_date is not None  # noqa: S101 - guaranteed by the stage
    require_date(
        "decision_date", decision_date, not_before=review.meeting_date, label="the meeting"
    )
    outcome = ReviewOutcome(outcome)
    if outcome != ReviewOutcome.MAINTAIN and not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for the decision."})
    review.outcome = outcome
    review.decision_date = decision_date
    review.decision_reasons = reasons.strip()
    close_steps(kinds=[StepKind.REVIEW_DECISION], review=review, on=decision_date)
    Plan.objects.filter(pk=plan.pk).update(last_review_outcome=outcome)
    if outcome == ReviewOutcome.AMEND:
        from opensend.ehc.services.plans import version_start

        review.stage = ReviewStage.AMENDING
        review.amended_plan_due = rules.amended_plan_due(decision_date, review.meeting_date)
        version_start(plan=plan, kind=VersionKind.AMENDMENT, review=review, acting_user=acting_user)
        open_step(
            kind=StepKind.AMENDED_PLAN,
            child=plan.child,
            plan=plan,
            review=review,
            opened_on=decision_date,
            due_date=review.amended_plan_due,
            holder_user=plan.coordinator,
        )
    else:
        review.stage = ReviewStage.COMPLETED
        review.completed_date = decision_date
        if outcome == ReviewOutcome.CEASE:
            Plan.objects.filter(pk=plan.pk).update(cease_notice_date=decision_date)
    review.lock_version += 1
    review.save()
    if outcome == ReviewOutcome.MAINTAIN:
        cancel_steps(review=review, kinds=[StepKind.PHASE_TRANSFER], on=decision_date)
        _schedule(
            plan=plan,
            due=rules.annual_review_due(
                review.meeting_date, date_of_birth=plan.child.date_of_birth
            ),
            opened_on=decision_date,
        )
    elif outcome == ReviewOutcome.CEASE:
        cancel_steps(review=review, on=decision_date)
    event(
        acting_user=acting_user,
        decision=decision,
        child=plan.child,
        plan=plan,
        action="review_decided",
        summary=f"Decision after the annual review: {outcome.label.lower()} the plan",
        event_date=decision_date,
        detail={
            "outcome": outcome.value,
            "on_time": decision_date <= rules.review_decision_due(review.meeting_date),
        },
    )
    return review


def complete_amendment(*, review: AnnualReview, version: PlanVersion, on: dt.date) -> None:
    """The final amended plan is issued: the review is complete, a phase transfer is done if
    the plan now names a setting, and the next review is due 12 months after the meeting.
    Called inside ``plan_issue_final``'s transaction."""
    review = _lock(review)
    plan = review.plan
    review.stage = ReviewStage.COMPLETED
    review.completed_date = on
    close_steps(kinds=[StepKind.AMENDED_PLAN], review=review, on=on)
    placement = version.placements.filter(rank=1, setting__isnull=False).first()
    if review.phase_transfer and placement is not None:
        review.new_setting = placement.setting
        close_steps(kinds=[StepKind.PHASE_TRANSFER], review=review, on=on)
    review.lock_version += 1
    review.save()
    assert review.meeting_date is not None  # noqa: S101
    _schedule(
        plan=plan,
        due=rules.annual_review_due(review.meeting_date, date_of_birth=plan.child.date_of_birth),
        opened_on=on,
    )


@transaction.atomic
def review_reschedule(
    *, acting_user: User | None, review: AnnualReview, due_date: dt.date, reason: str
) -> AnnualReview:
    """Bring a review forward (an under-5's 3–6 monthly review, a change of needs). It can
    never be put back past the statutory 12 months."""
    review = _lock(review)
    plan = review.plan
    decision = authorise_case_work(acting_user, plan.child)
    _require(review, {ReviewStage.SCHEDULED}, "reschedule")
    last = plan.last_review_date or plan.start_date
    assert last is not None  # noqa: S101
    statutory = rules.annual_review_due(last, date_of_birth=plan.child.date_of_birth)
    if due_date > statutory:
        raise ValidationError(
            {"due_date": f"The review must be held by {statutory:%-d %B %Y} (12 months)."}
        )
    if due_date < today():
        raise ValidationError({"due_date": "Choose a date from today onwards."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the review is brought forward."})
    review.due_date = due_date
    review.lock_version += 1
    review.save(update_fields=["due_date", "lock_version"])
    Step.objects.filter(
        review=review, kind=StepKind.REVIEW_MEETING, completed_on__isnull=True
    ).update(due_date=due_date)
    Plan.objects.filter(pk=plan.pk).update(next_review_due=due_date)
    event(
        acting_user=acting_user,
        decision=decision,
        child=plan.child,
        plan=plan,
        action="review_rescheduled",
        summary=f"Annual review brought forward to {due_date:%-d %B %Y}",
        event_date=today(),
        detail={"reason": reason.strip()},
    )
    return review
