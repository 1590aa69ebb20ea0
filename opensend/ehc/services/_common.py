"""What every EHC service shares: who may act, the audit trail, the open steps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from opensend.core import access_log
from opensend.core.calendar import DayCounting
from opensend.core.models import AccessAction, Area, Membership, Organisation, User
from opensend.core.roles import Role
from opensend.ehc.models import (
    AdviceRequest,
    AnnualReview,
    AssessmentRequest,
    CaseEvent,
    Consultation,
    Plan,
    Step,
    StepKind,
)
from opensend.people import policy
from opensend.people.models import Child

CHILD = "people.child"


class StepOutOfOrder(ValidationError):
    """A step asked for at the wrong point of the case (a final plan before its draft)."""


class ConcurrentEdit(ValidationError):
    """Someone else saved the same plan since this person opened it."""


def today() -> dt.date:
    return timezone.localdate()


def counting(area: Area) -> DayCounting:
    return DayCounting(area.ehc_day_counting)


def authorise_case_work(acting_user: User | None, child: Child) -> policy.Decision | None:
    """Only the local authority's SEND officers for the child's area run the EHC process.
    ``None`` for the system (imports, the generator)."""
    if acting_user is None:
        return None
    decision = policy.decide(policy.grants_for(acting_user), child, policy.Action.CHANGE)
    if not decision.allowed:
        raise PermissionDenied("Only the local authority's SEND team can change this case.")
    return decision


#: Roles whose holders answer for their organisation: return its advice, respond to its
#: consultations. An analyst or commissioner at the same trust does not.
ANSWERING_ROLES = frozenset({*policy.INVOLVEMENT_ROLES, Role.SENCO})


def member_of(user: User, organisation: Organisation, on: dt.date | None = None) -> bool:
    """Whether the user works for the organisation in a role that answers for it."""
    return (
        Membership.objects.current(on or today())
        .filter(
            user=user,
            organisation=organisation,
            role_links__role__in=ANSWERING_ROLES,
        )
        .exists()
    )


def authorise_for_organisation(
    acting_user: User | None, child: Child, organisation: Organisation | None, what: str
) -> policy.Decision | None:
    """The LA's SEND officers, or staff of the organisation the work is addressed to."""
    if acting_user is None:
        return None
    grants = policy.grants_for(acting_user)
    decision = policy.decide(grants, child, policy.Action.CHANGE)
    if decision.allowed:
        return decision
    if organisation is not None and member_of(acting_user, organisation):
        return policy.Decision(True, policy.Basis.INVOLVEMENT, organisation.pk)
    raise PermissionDenied(f"You may not {what}: it is addressed to another organisation.")


def require_date(field: str, value: dt.date, *, not_before: dt.date | None, label: str) -> None:
    """A date that must not be in the future nor before an earlier step."""
    if value > today():
        raise ValidationError({field: "The date must be today or in the past."})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {field: f"The date must be on or after {label} ({not_before:%-d %B %Y})."}
        )


def event(
    *,
    acting_user: User | None,
    decision: policy.Decision | None,
    child: Child,
    action: str,
    summary: str,
    event_date: dt.date,
    request: AssessmentRequest | None = None,
    plan: Plan | None = None,
    detail: dict[str, Any] | None = None,
    access_action: AccessAction = AccessAction.CHANGE,
) -> CaseEvent:
    """Write the case's audit trail entry and the access log entry, in the caller's
    transaction."""
    detail = detail or {}
    case_event = CaseEvent.objects.create(
        area_id=child.area_id,
        child=child,
        request=request,
        plan=plan,
        actor=acting_user,
        action=action,
        summary=summary[:255],
        detail=detail,
        event_date=event_date,
    )
    organisation = (
        Organisation.objects.get(pk=decision.organisation_id)
        if decision is not None and decision.organisation_id is not None
        else None
    )
    object_type, object_id = (
        ("ehc.request", request.pk)
        if request is not None
        else ("ehc.plan", plan.pk)
        if plan is not None
        else (CHILD, child.pk)
    )
    access_log.record(
        actor=acting_user,
        action=access_action,
        object_type=object_type,
        object_id=object_id,
        subjects=[(CHILD, child.pk)],
        purpose=decision.purpose if decision is not None else "System process",
        organisation=organisation,
        detail={"ehc": action, **detail},
    )
    return case_event


def open_step(
    *,
    kind: StepKind,
    child: Child,
    opened_on: dt.date,
    due_date: dt.date | None,
    statutory: bool = True,
    request: AssessmentRequest | None = None,
    plan: Plan | None = None,
    review: AnnualReview | None = None,
    advice: AdviceRequest | None = None,
    consultation: Consultation | None = None,
    holder_user: User | None = None,
    holder_organisation: Organisation | None = None,
    suspended: bool = False,
) -> Step:
    return Step.objects.create(
        area_id=child.area_id,
        child=child,
        kind=kind,
        request=request,
        plan=plan,
        review=review,
        advice=advice,
        consultation=consultation,
        holder_user=holder_user,
        holder_organisation=holder_organisation,
        opened_on=opened_on,
        due_date=due_date,
        statutory=statutory,
        suspended=suspended,
    )


def _scope(
    request: AssessmentRequest | None,
    plan: Plan | None,
    review: AnnualReview | None,
    advice: AdviceRequest | None,
    consultation: Consultation | None,
) -> Q:
    q = Q()
    if request is not None:
        q &= Q(request=request)
    if plan is not None:
        q &= Q(plan=plan)
    if review is not None:
        q &= Q(review=review)
    if advice is not None:
        q &= Q(advice=advice)
    if consultation is not None:
        q &= Q(consultation=consultation)
    return q


def close_steps(
    *,
    kinds: Iterable[StepKind],
    on: dt.date,
    request: AssessmentRequest | None = None,
    plan: Plan | None = None,
    review: AnnualReview | None = None,
    advice: AdviceRequest | None = None,
    consultation: Consultation | None = None,
) -> int:
    """Mark the open steps of these kinds done on a day (never before they opened)."""
    scope = _scope(request, plan, review, advice, consultation)
    count = 0
    for step in Step.objects.filter(scope, kind__in=list(kinds), completed_on__isnull=True):
        step.completed_on = max(on, step.opened_on)
        step.save(update_fields=["completed_on"])
        count += 1
    return count


def cancel_steps(
    *,
    on: dt.date,
    kinds: Iterable[StepKind] | None = None,
    request: AssessmentRequest | None = None,
    plan: Plan | None = None,
    review: AnnualReview | None = None,
    advice: AdviceRequest | None = None,
) -> int:
    """End open steps that no longer need doing (a withdrawn request, a ceased plan)."""
    queryset = Step.objects.filter(
        _scope(request, plan, review, advice, None), completed_on__isnull=True
    )
    if kinds is not None:
        queryset = queryset.filter(kind__in=list(kinds))
    count = 0
    for step in queryset:
        step.completed_on = max(on, step.opened_on)
        step.cancelled = True
        step.save(update_fields=["completed_on", "cancelled"])
        count += 1
    return count


def lock_request(request: AssessmentRequest) -> AssessmentRequest:
    """Re-read the request under a row lock, so two people cannot move it at once."""
    return (
        AssessmentRequest.objects.select_for_update(of=("self",))
        .select_related("child", "area")
        .get(pk=request.pk)
    )


def touch(instance: AssessmentRequest | Plan) -> None:
    instance.updated_at = timezone.now()
