"""Writes of the commissioning app: one function per action, keyword-only, each in one
transaction, checking ``rules`` and ``permissions`` and writing its access log entry with the
change. A refusal is ``PermissionDenied``; bad input is a ``ValidationError`` by field
(contribution rows as ``contributions.<n>.<field>``), and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from opensend.commissioning import evidence as evidence_files
from opensend.commissioning import rules
from opensend.commissioning.codes import COMMISSIONER_KINDS, CycleStageKind
from opensend.commissioning.models import (
    Commission,
    CommissioningProject,
    Contribution,
    CycleStage,
    Decision,
    DecisionAgreement,
    DecisionEvidence,
    DisputeOutcome,
    IndividualCommission,
    ResponsibilityDispute,
)
from opensend.commissioning.permissions import access_for
from opensend.core import access_log
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.directory.models import Service
from opensend.ehc.models import ProvisionLine
from opensend.people.models import Child

COMMISSION = "commissioning.commission"
SPOT_PURCHASE = "commissioning.individualcommission"
CHILD = "people.child"


@dataclass(frozen=True)
class ContributionInput:
    commissioner: Organisation
    funding_stream: str
    annual_amount: Decimal


@dataclass(frozen=True)
class EvidenceInput:
    title: str
    url: str = ""
    file: Any = None


def _authorise(acting_user: User | None, area: Area) -> None:
    """Commissioners (at a local authority or ICB) of the area; ``None`` is the system."""
    if acting_user is None:
        return
    if not access_for(acting_user).may_change(area.pk):
        raise PermissionDenied(f"Only commissioners for {area.name} can change its commissions.")


def _raise(errors: rules.Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _contribution_rows(contributions: Sequence[ContributionInput]) -> list[rules.ContributionRow]:
    return [
        rules.ContributionRow(
            commissioner_id=row.commissioner.pk,
            commissioner_name=row.commissioner.name,
            commissioner_kind=row.commissioner.kind,
            funding_stream=row.funding_stream,
            annual_amount=row.annual_amount,
        )
        for row in contributions
    ]


def _check(commission: Commission, contributions: Sequence[ContributionInput]) -> None:
    errors: rules.Errors = {}
    errors.update(rules.period_errors(commission.start_date, commission.end_date))
    for field, messages in rules.value_errors(
        start=commission.start_date,
        end=commission.end_date,
        annual_value=commission.annual_value,
        whole_life=commission.whole_life_value,
    ).items():
        errors.setdefault(field, []).extend(messages)
    for field, messages in rules.arrangement_errors(
        arrangement=commission.arrangement,
        annual_value=commission.annual_value,
        lead_commissioner_id=commission.lead_commissioner_id,
        s75_reference=commission.s75_reference,
        contributions=_contribution_rows(contributions),
    ).items():
        errors.setdefault(field, []).extend(messages)
    if commission.capacity_quantity is not None and not commission.capacity_unit:
        errors.setdefault("capacity_unit", []).append(
            "Select what the capacity is counted in (places, hours, sessions or assessments)"
        )
    try:
        commission.full_clean(exclude=["services"], validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field not in errors:
                errors[field] = list(messages)
    if (
        Commission.objects.filter(area_id=commission.area_id, reference=commission.reference)
        .exclude(pk=commission.pk)
        .exists()
    ):
        errors.setdefault("reference", []).append(
            f"Another commission in this area already has the reference {commission.reference}"
        )
    _raise(errors)


def _services_check(area: Area, services: Iterable[Service]) -> list[Service]:
    """The Local Offer services a commission delivers: each once, all in its area."""
    chosen = list({service.pk: service for service in services}.values())
    wrong = [service.name for service in chosen if service.area_id != area.pk]
    if wrong:
        raise ValidationError(
            {
                "services": [
                    f"{name} is not in the Local Offer of {area.name}, so this commission "
                    "cannot deliver it"
                    for name in wrong
                ]
            }
        )
    return chosen


_COMMISSION_FIELDS = (
    "reference",
    "title",
    "purpose",
    "provision_type",
    "provider",
    "start_date",
    "end_date",
    "annual_value",
    "whole_life_value",
    "capacity_quantity",
    "capacity_unit",
    "arrangement",
    "lead_commissioner",
    "s75_reference",
    "status",
    "review_date",
    "contract_expiry",
    "reprocurement_decision_date",
    "outcomes",
)


@transaction.atomic
def commission_create(
    *,
    acting_user: User | None,
    area: Area,
    contributions: Sequence[ContributionInput],
    services: Iterable[Service] = (),
    **fields: Any,
) -> Commission:
    """Record a commission with its contributions: all of it, or (on any error) none."""
    _authorise(acting_user, area)
    unknown = set(fields) - set(_COMMISSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown commission fields: {', '.join(sorted(unknown))}")
    commission = Commission(area=area, created_by=acting_user, **fields)
    _check(commission, contributions)
    chosen = _services_check(area, services)
    commission.save()
    commission.services.set(chosen)
    _save_contributions(commission, contributions)
    _log(acting_user, AccessAction.CREATE, commission, {"contributions": len(contributions)})
    return commission


@transaction.atomic
def commission_update(
    *,
    acting_user: User | None,
    commission: Commission,
    contributions: Sequence[ContributionInput],
    services: Iterable[Service] | None = None,
    **fields: Any,
) -> Commission:
    """Change a commission and replace its contributions, together or not at all."""
    _authorise(acting_user, commission.area)
    unknown = set(fields) - set(_COMMISSION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown commission fields: {', '.join(sorted(unknown))}")
    commission = Commission.objects.select_for_update().get(pk=commission.pk)
    changed = sorted(name for name, value in fields.items() if getattr(commission, name) != value)
    for name, value in fields.items():
        setattr(commission, name, value)
    commission.updated_at = timezone.now()
    _check(commission, contributions)
    chosen = _services_check(commission.area, services) if services is not None else None
    if chosen is not None and {service.pk for service in chosen} != set(
        commission.services.values_list("pk", flat=True)
    ):
        changed.append("services")
    commission.save()
    if chosen is not None:
        commission.services.set(chosen)
    commission.contributions.all().delete()
    _save_contributions(commission, contributions)
    _log(acting_user, AccessAction.CHANGE, commission, {"changed": changed})
    return commission


def _save_contributions(commission: Commission, contributions: Sequence[ContributionInput]) -> None:
    for index, row in enumerate(contributions):
        contribution = Contribution(
            commission=commission,
            commissioner=row.commissioner,
            funding_stream=row.funding_stream,
            annual_amount=row.annual_amount,
        )
        try:
            contribution.full_clean(exclude=["commission"])
        except ValidationError as error:
            raise ValidationError(
                {
                    f"contributions.{index}.{field}": messages
                    for field, messages in error.message_dict.items()
                }
            ) from error
        contribution.save()


def _log(
    acting_user: User | None, action: AccessAction, commission: Commission, detail: dict[str, Any]
) -> None:
    access_log.record(
        actor=acting_user,
        action=action,
        object_type=COMMISSION,
        object_id=commission.pk,
        purpose="Commissioning",
        detail={"commissioning": action.value, "reference": commission.reference, **detail},
    )


# --- the commissioning cycle ------------------------------------------------------------


def _parties(stage: CycleStage) -> set[int]:
    """The organisations party to what a stage is about."""
    if stage.commission is not None:
        commission = stage.commission
        parties = set(commission.contributions.values_list("commissioner_id", flat=True))
        parties.add(commission.provider_id)
        if commission.lead_commissioner_id is not None:
            parties.add(commission.lead_commissioner_id)
        return parties
    assert stage.project is not None  # noqa: S101 - the check constraint
    return set(stage.project.partners.values_list("pk", flat=True))


def _stage_area(stage: CycleStage) -> Area:
    owner = stage.commission if stage.commission is not None else stage.project
    assert owner is not None  # noqa: S101 - the check constraint
    return owner.area


@transaction.atomic
def project_create(
    *,
    acting_user: User | None,
    area: Area,
    title: str,
    description: str = "",
    partners: Iterable[Organisation] = (),
) -> CommissioningProject:
    _authorise(acting_user, area)
    project = CommissioningProject(area=area, title=title, description=description)
    project.full_clean()
    project.save()
    project.partners.set(list(partners))
    return project


@transaction.atomic
def cycle_stage_start(
    *,
    acting_user: User | None,
    stage: str,
    started_on: dt.date,
    commission: Commission | None = None,
    project: CommissioningProject | None = None,
    notes: str = "",
) -> CycleStage:
    """Start a stage of the cycle (understand, plan, do, review) for a commission or a
    project; the stage before it, if open, is completed the same day."""
    if (commission is None) == (project is None):
        raise ValidationError("A stage belongs to a commission or a project: give one.")
    owner = commission if commission is not None else project
    assert owner is not None  # noqa: S101 - checked just above
    _authorise(acting_user, owner.area)
    if stage not in CycleStageKind.values:
        raise ValidationError({"stage": ["Select a stage of the commissioning cycle"]})
    new = CycleStage(
        commission=commission, project=project, stage=stage, started_on=started_on, notes=notes
    )
    new.full_clean()
    previous = CycleStage.objects.filter(
        commission=commission, project=project, completed_on__isnull=True
    )
    for open_stage in previous:
        if started_on < open_stage.started_on:
            raise ValidationError(
                {"started_on": ["A stage cannot start before the stage it follows started"]}
            )
        open_stage.completed_on = started_on
        open_stage.save(update_fields=["completed_on"])
    new.save()
    return new


@transaction.atomic
def decision_record(
    *,
    acting_user: User | None,
    stage: CycleStage,
    summary: str,
    decided_on: dt.date,
    evidence: Sequence[EvidenceInput] = (),
) -> Decision:
    """Record what was decided at a stage, with its evidence (files or links)."""
    _authorise(acting_user, _stage_area(stage))
    errors: rules.Errors = {}
    if not summary.strip():
        errors["summary"] = ["Enter what was decided"]
    if decided_on < stage.started_on:
        errors["decided_on"] = ["The decision cannot be before the stage started"]
    if decided_on > timezone.localdate():
        errors.setdefault("decided_on", []).append("The decision date must be today or earlier")
    for index, item in enumerate(evidence):
        if not item.title.strip() or not (item.url or item.file):
            errors[f"evidence.{index}"] = ["Give each piece of evidence a title and a file or link"]
        elif item.file is not None:
            problem = evidence_files.file_problem(item.file.name or "", item.file.size, item.file)
            if problem:
                errors[f"evidence.{index}"] = [problem]
    _raise(errors)
    decision = Decision(
        stage=stage, summary=summary.strip(), decided_on=decided_on, recorded_by=acting_user
    )
    decision.full_clean()
    decision.save()
    stored: list[DecisionEvidence] = []
    try:
        for index, item in enumerate(evidence):
            row = DecisionEvidence(decision=decision, title=item.title.strip(), url=item.url)
            try:
                row.full_clean(exclude=["decision", "file"])
            except ValidationError as error:
                raise ValidationError(
                    {f"evidence.{index}": [m for ms in error.message_dict.values() for m in ms]}
                ) from error
            if item.file is not None:
                # the storage writes the file now; it is removed again below if anything fails
                row.file.save(PurePath(item.file.name or "evidence").name, item.file, save=False)
                stored.append(row)
            row.save()
    except BaseException:
        for row in stored:
            row.file.delete(save=False)
        raise
    return decision


@transaction.atomic
def decision_agree(
    *,
    acting_user: User | None,
    decision: Decision,
    organisation: Organisation,
    agreed_by_name: str,
    agreed_on: dt.date,
) -> DecisionAgreement:
    """Record that a partner agreed a decision: only an organisation party to the
    commission (a commissioner, the lead, the provider) or a partner of the project."""
    _authorise(acting_user, _stage_area(decision.stage))
    errors: rules.Errors = {}
    if organisation.pk not in _parties(decision.stage):
        errors["organisation"] = [
            f"{organisation.name} is not party to this commission, so cannot agree its decisions"
        ]
    if not agreed_by_name.strip():
        errors["agreed_by_name"] = ["Enter who agreed it for the organisation"]
    if agreed_on < decision.decided_on:
        errors["agreed_on"] = ["The agreement cannot be before the decision was made"]
    if decision.agreements.filter(organisation=organisation).exists():
        errors.setdefault("organisation", []).append(
            f"{organisation.name} has already agreed this decision"
        )
    _raise(errors)
    agreement = DecisionAgreement(
        decision=decision,
        organisation=organisation,
        agreed_by_name=agreed_by_name.strip(),
        agreed_on=agreed_on,
    )
    agreement.full_clean()
    agreement.save()
    return agreement


# --- spot purchases ---------------------------------------------------------------------


@transaction.atomic
def spot_purchase_record(
    *,
    acting_user: User | None,
    child: Child,
    provision_line: ProvisionLine | None,
    commissioner: Organisation,
    provider: Organisation,
    provision_type: str,
    cost: Decimal,
    start_date: dt.date,
    end_date: dt.date,
    description: str = "",
) -> IndividualCommission:
    """Record provision bought for one child. It is about the child, so it is written to
    the access log with the child as subject."""
    area = child.area
    _authorise(acting_user, area)
    errors = rules.period_errors(start_date, end_date, noun="purchase")
    if provision_line is not None and provision_line.version.plan.child_id != child.pk:
        errors.setdefault("provision_line", []).append(
            "That provision line is in another child's EHC plan"
        )
    if acting_user is not None:
        access = access_for(acting_user)
        if commissioner.pk not in access.commissioner_organisation_ids:
            errors.setdefault("commissioner", []).append(
                "You can record purchases only for an organisation you commission for"
            )
    if cost < 0:
        errors.setdefault("cost", []).append("The cost cannot be negative")
    _raise(errors)
    purchase = IndividualCommission(
        area=area,
        child=child,
        provision_line=provision_line,
        commissioner=commissioner,
        provider=provider,
        provision_type=provision_type,
        cost=cost,
        start_date=start_date,
        end_date=end_date,
        description=description.strip(),
        created_by=acting_user,
    )
    purchase.full_clean(validate_constraints=False)
    purchase.save()
    access_log.record(
        actor=acting_user,
        action=AccessAction.CREATE,
        object_type=SPOT_PURCHASE,
        object_id=purchase.pk,
        subjects=[(CHILD, child.pk)],
        purpose="Commissioning provision named in the child's EHC plan",
        organisation=commissioner,
        detail={"commissioning": "spot_purchase", "provision_type": provision_type},
    )
    return purchase


# --- responsibility disputes ------------------------------------------------------------------

DISPUTE = "commissioning.responsibilitydispute"


def _dispute_log(
    acting_user: User | None,
    action: AccessAction,
    dispute: ResponsibilityDispute,
    child_id: int,
    detail: dict[str, Any],
) -> None:
    access_log.record(
        actor=acting_user,
        action=action,
        object_type=DISPUTE,
        object_id=dispute.pk,
        subjects=[(CHILD, child_id)],
        purpose="Commissioning: who is responsible for provision in the child's EHC plan",
        detail={
            "commissioning": "responsibility_dispute",
            "reference": dispute.reference,
            **detail,
        },
    )


@transaction.atomic
def dispute_raise(
    *,
    acting_user: User | None,
    provision_line: ProvisionLine,
    disputing_organisation: Organisation,
    disputed: str,
    raised_on: dt.date,
) -> ResponsibilityDispute:
    """Record that the ICB or the council disputes being responsible for a line of a plan's
    provision. Only the area's commissioners; about a child, so written to the access log."""
    plan = provision_line.version.plan
    area = plan.area
    _authorise(acting_user, area)
    errors: rules.Errors = {}
    if disputing_organisation.kind not in COMMISSIONER_KINDS or not (
        disputing_organisation.areas.filter(pk=area.pk).exists()
    ):
        errors["disputing_organisation"] = [
            f"{disputing_organisation.name} is not the council or an ICB of {area.name}, so "
            "cannot dispute responsibility here"
        ]
    if not disputed.strip():
        errors["disputed"] = ["Enter what is disputed"]
    if raised_on > timezone.localdate():
        errors["raised_on"] = ["The date the dispute was raised must be today or earlier"]
    if (
        "disputing_organisation" not in errors
        and ResponsibilityDispute.objects.filter(
            provision_line=provision_line,
            disputing_organisation=disputing_organisation,
            resolved_on__isnull=True,
        ).exists()
    ):
        errors["provision_line"] = [
            f"{disputing_organisation.name} already has an open dispute about this line"
        ]
    _raise(errors)
    dispute = ResponsibilityDispute(
        area=area,
        provision_line=provision_line,
        disputing_organisation=disputing_organisation,
        disputed=disputed.strip(),
        raised_on=raised_on,
        raised_by=acting_user,
    )
    dispute.full_clean()
    dispute.save()
    _dispute_log(
        acting_user,
        AccessAction.CREATE,
        dispute,
        plan.child_id,
        {"organisation": disputing_organisation.name},
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    acting_user: User | None,
    dispute: ResponsibilityDispute,
    resolved_on: dt.date,
    outcome: str,
    outcome_note: str = "",
) -> ResponsibilityDispute:
    """Close a dispute with its outcome: once, on or after the day it was raised."""
    _authorise(acting_user, dispute.area)
    dispute = (
        ResponsibilityDispute.objects.select_for_update()
        .select_related("provision_line__version__plan")
        .get(pk=dispute.pk)
    )
    errors: rules.Errors = {}
    if dispute.resolved_on is not None:
        errors["resolved_on"] = [
            f"This dispute was already resolved on {dispute.resolved_on:%-d %B %Y}"
        ]
    elif resolved_on < dispute.raised_on:
        errors["resolved_on"] = ["A dispute cannot be resolved before it was raised"]
    elif resolved_on > timezone.localdate():
        errors["resolved_on"] = ["The date it was resolved must be today or earlier"]
    if outcome not in DisputeOutcome.values:
        errors["outcome"] = ["Select how the dispute was resolved"]
    _raise(errors)
    dispute.resolved_on = resolved_on
    dispute.outcome = outcome
    dispute.outcome_note = outcome_note.strip()
    dispute.resolved_by = acting_user
    dispute.full_clean()
    dispute.save(update_fields=["resolved_on", "outcome", "outcome_note", "resolved_by"])
    _dispute_log(
        acting_user,
        AccessAction.CHANGE,
        dispute,
        dispute.provision_line.version.plan.child_id,
        {"outcome": outcome},
    )
    return dispute
