"""The EHC API's schemas: what the operations in ``opensend.ehc.api`` take and return, and the
functions that build the answers from the models.

Coded values come as ``{"code": ..., "label": ...}`` like the rest of the API; dates are ISO
8601; amounts of money and of provision are decimals sent as strings ("1250.00") so that no
penny is lost to floating point. Request bodies name the fields the services take, except
that a related record is given by its id (``organisation_id``) and the date of a decision is
``date``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, TypeVar

from django.db.models import Choices
from ninja import Field, Schema

from opensend.api.schemas import (
    AreaOut,
    OrganisationOut,
    UserOut,
    coded,
    organisation_out,
    user_out,
)
from opensend.core.codes import (
    CeaseReason,
    DirectPaymentType,
    ResidentialCode,
    ReviewOutcome,
    SENSetting,
    WorkBasedProvision,
)
from opensend.core.models import Organisation, User
from opensend.ehc.models import (
    AdviceRequest,
    AdviceStatus,
    AdviceType,
    AnnualReview,
    AssessmentRequest,
    CaseEvent,
    Commissioner,
    Consultation,
    ConsultationResponse,
    Frequency,
    Plan,
    PlanPlacement,
    PlanSection,
    PlanStatus,
    PlanVersion,
    ProvisionLine,
    QuantityUnit,
    RequestKind,
    RequestSource,
    RequestStage,
    ReviewStage,
    SectionSignOff,
    Step,
    StepKind,
    TimeLimitException,
    VersionKind,
    VersionState,
)
from opensend.ehc.rules import EXCEPTION_LABELS, ExceptionKind, PhaseTransfer, StepStatus
from opensend.ehc.selectors import AgencyOverdue, AreaFigures, MonthRate
from opensend.people.models import Child

# Coded values -----------------------------------------------------------------------------


class RequestKindOut(Schema):
    code: RequestKind
    label: str


class RequestSourceOut(Schema):
    """Who asked for the assessment (SEN2 RequestSource)."""

    code: RequestSource
    label: str


class RequestStageOut(Schema):
    """Where the request is: received, assessing, drafting, draft_issued, final_issued, or
    closed as not_assessing, not_issuing or withdrawn."""

    code: RequestStage
    label: str


class StepKindOut(Schema):
    code: StepKind
    label: str


class StepStatusOut(Schema):
    """on_time, due_this_week (due within 7 days), overdue, met, met_late, or suspended (an
    exception lifts the statutory limit)."""

    code: StepStatus
    label: str


class AdviceTypeOut(Schema):
    code: AdviceType
    label: str


class AdviceStatusOut(Schema):
    code: AdviceStatus
    label: str


class ExceptionKindOut(Schema):
    """Why meeting a time limit was impractical, so that the law lifts it (Regs 5(4), 8(2),
    10(4), 13(3))."""

    code: ExceptionKind
    label: str


class PlanStatusOut(Schema):
    code: PlanStatus
    label: str


class VersionKindOut(Schema):
    code: VersionKind
    label: str


class VersionStateOut(Schema):
    code: VersionState
    label: str


class PlanSectionOut(Schema):
    """A section of the plan, A to K (Reg 12)."""

    code: PlanSection
    label: str


class CommissionerOut(Schema):
    """Who pays for a line of provision."""

    code: Commissioner
    label: str


class FrequencyOut(Schema):
    code: Frequency
    label: str


class QuantityUnitOut(Schema):
    code: QuantityUnit
    label: str


class SENSettingOut(Schema):
    """SEN2 SENSetting: an arrangement without a school or college."""

    code: SENSetting
    label: str


class ResidentialCodeOut(Schema):
    code: ResidentialCode
    label: str


class WorkBasedProvisionOut(Schema):
    code: WorkBasedProvision
    label: str


class DirectPaymentTypeOut(Schema):
    code: DirectPaymentType
    label: str


class ReviewStageOut(Schema):
    code: ReviewStage
    label: str


class ReviewOutcomeOut(Schema):
    """The decision after an annual review: M maintain, A amend, C cease."""

    code: ReviewOutcome
    label: str


class CeaseReasonOut(Schema):
    code: CeaseReason
    label: str


class PhaseTransferOut(Schema):
    code: PhaseTransfer
    label: str


class ConsultationResponseOut(Schema):
    """A consulted setting's answer: awaited, can_meet or cannot_meet."""

    code: ConsultationResponse
    label: str


SchemaT = TypeVar("SchemaT", bound=Schema)


def _coded(schema: type[SchemaT], choices: type[Choices], value: str) -> SchemaT | None:
    """A coded value, or ``None`` when nothing is recorded."""
    return schema.model_validate(coded(choices, value)) if value else None


def _name(user: User | None) -> str | None:
    return str(user) if user is not None else None


def _organisation(organisation: Organisation | None) -> OrganisationOut | None:
    return organisation_out(organisation) if organisation is not None else None


def _user(user: User | None) -> UserOut | None:
    return user_out(user) if user is not None else None


# Steps: the work someone holds -------------------------------------------------------------


class ChildRefOut(Schema):
    """The child a case is about."""

    id: int
    display_name: str
    date_of_birth: dt.date


def child_ref(child: Child) -> ChildRefOut:
    return ChildRefOut(
        id=child.pk, display_name=child.display_name, date_of_birth=child.date_of_birth
    )


class StepOut(Schema):
    """A piece of work in a case, with who holds it, when it is due and its status today."""

    id: int
    kind: StepKindOut
    status: StepStatusOut
    child: ChildRefOut
    opened_on: dt.date
    due_date: dt.date | None = Field(..., description="None for work with no time limit.")
    completed_on: dt.date | None
    statutory: bool = Field(..., description="The limit is set by law, not good practice.")
    suspended: bool = Field(..., description="An exception lifts this step's statutory limit.")
    cancelled: bool = Field(..., description="Ended without being done (a withdrawn request).")
    request_id: int | None
    plan_id: int | None
    review_id: int | None
    advice_id: int | None
    consultation_id: int | None
    holder_user: UserOut | None
    holder_organisation: OrganisationOut | None


def step_out(step: Step, child: Child | None = None) -> StepOut:
    """``step`` carries the ``status`` annotation of ``selectors.step_status_expression``."""
    status = StepStatus(getattr(step, "status"))  # noqa: B009 - an annotation
    return StepOut(
        id=step.pk,
        kind=StepKindOut.model_validate(coded(StepKind, step.kind)),
        status=StepStatusOut(code=status, label=status.label),
        child=child_ref(child or step.child),
        opened_on=step.opened_on,
        due_date=step.due_date,
        completed_on=step.completed_on,
        statutory=step.statutory,
        suspended=step.suspended,
        cancelled=step.cancelled,
        request_id=step.request_id,
        plan_id=step.plan_id,
        review_id=step.review_id,
        advice_id=step.advice_id,
        consultation_id=step.consultation_id,
        holder_user=_user(step.holder_user),
        holder_organisation=_organisation(step.holder_organisation),
    )


class StepPageOut(Schema):
    """One page of steps, soonest due first."""

    page: int = Field(..., description="The page returned (the last page, if beyond it).")
    page_size: int
    pages: int
    total: int = Field(..., description="How many steps match, on every page.")
    items: list[StepOut]


# Requests ----------------------------------------------------------------------------------


class ClockOut(Schema):
    """The statutory clock, from the day the request was received (RULES §1)."""

    decision_due: dt.date = Field(..., description="Decide whether to assess: 6 weeks.")
    not_to_issue_due: dt.date = Field(..., description="Decide not to issue: 16 weeks.")
    draft_target: dt.date = Field(..., description="Draft plan: good practice, 14 weeks.")
    final_due: dt.date = Field(
        ..., description="Final plan: 20 weeks (14 weeks for a re-assessment)."
    )


class AdviceOut(Schema):
    """A request for advice to an agency, due 6 weeks after it was sent (Reg 8(1))."""

    id: int
    request_id: int
    advice_type: AdviceTypeOut
    organisation: OrganisationOut | None = Field(..., description="None for the family.")
    requested_date: dt.date
    due_date: dt.date
    status: AdviceStatusOut
    returned_date: dt.date | None
    summary: str
    exception_kind: ExceptionKindOut | None
    exception_note: str


def _exception_kind(value: str) -> ExceptionKindOut | None:
    if not value:
        return None
    kind = ExceptionKind(value)
    return ExceptionKindOut(code=kind, label=EXCEPTION_LABELS[kind])


def advice_out(advice: AdviceRequest) -> AdviceOut:
    return AdviceOut(
        id=advice.pk,
        request_id=advice.request_id,
        advice_type=AdviceTypeOut.model_validate(coded(AdviceType, advice.advice_type)),
        organisation=_organisation(advice.organisation),
        requested_date=advice.requested_date,
        due_date=advice.due_date,
        status=AdviceStatusOut.model_validate(coded(AdviceStatus, advice.status)),
        returned_date=advice.returned_date,
        summary=advice.summary,
        exception_kind=_exception_kind(advice.exception_kind),
        exception_note=advice.exception_note,
    )


class ExceptionOut(Schema):
    """A recorded exception lifting the 6-, 16- and 20-week limits."""

    id: int
    request_id: int
    kind: ExceptionKindOut
    start_date: dt.date
    end_date: dt.date | None
    description: str


def exception_out(exception: TimeLimitException) -> ExceptionOut:
    kind = _exception_kind(exception.kind)
    assert kind is not None  # noqa: S101 - the kind is required
    return ExceptionOut(
        id=exception.pk,
        request_id=exception.request_id,
        kind=kind,
        start_date=exception.start_date,
        end_date=exception.end_date,
        description=exception.description,
    )


class CaseEventOut(Schema):
    """An entry in the case's audit trail."""

    date: dt.date = Field(..., description="The day it happened (it may be back-dated).")
    action: str = Field(..., description="A stable code: request_received, draft_issued, …")
    summary: str
    actor: str | None = Field(..., description="Who recorded it; None for the system.")
    recorded_at: dt.datetime
    detail: dict[str, Any]


def event_out(event: CaseEvent) -> CaseEventOut:
    return CaseEventOut(
        date=event.event_date,
        action=event.action,
        summary=event.summary,
        actor=_name(event.actor),
        recorded_at=event.recorded_at,
        detail=event.detail,
    )


class RequestSummaryOut(Schema):
    """A request for assessment, as a list shows it."""

    id: int
    reference: str
    kind: RequestKindOut
    source: RequestSourceOut
    stage: RequestStageOut
    received_date: dt.date
    final_due: dt.date
    final_issued_date: dt.date | None
    closed_date: dt.date | None
    has_exception: bool
    coordinator: UserOut | None
    plan_id: int | None


def request_summary_out(request: AssessmentRequest) -> RequestSummaryOut:
    return RequestSummaryOut(
        id=request.pk,
        reference=request.reference,
        kind=RequestKindOut.model_validate(coded(RequestKind, request.kind)),
        source=RequestSourceOut.model_validate(coded(RequestSource, request.source)),
        stage=RequestStageOut.model_validate(coded(RequestStage, request.stage)),
        received_date=request.received_date,
        final_due=request.final_due,
        final_issued_date=request.final_issued_date,
        closed_date=request.closed_date,
        has_exception=request.has_exception,
        coordinator=_user(request.coordinator),
        plan_id=request.plan_id,
    )


class RequestOut(Schema):
    """A request for an EHC needs assessment: its clock, decisions, advice, exceptions, the
    steps open and done, and its history."""

    id: int
    reference: str
    child: ChildRefOut
    area_la_code: str
    kind: RequestKindOut
    source: RequestSourceOut
    requester_organisation: OrganisationOut | None
    requester_name: str
    previous_la_code: str | None = Field(..., description="For a plan transferred in.")
    received_date: dt.date
    coordinator: UserOut | None
    stage: RequestStageOut
    is_open: bool
    clock: ClockOut
    decision_date: dt.date | None = Field(..., description="Decided whether to assess on.")
    decision_reasons: str
    issue_decision_date: dt.date | None = Field(..., description="Decided whether to issue on.")
    issue_decision_reasons: str
    final_issued_date: dt.date | None
    closed_date: dt.date | None
    withdrawal_reason: str
    has_exception: bool = Field(..., description="An exception lifts the 6/16/20-week limits.")
    plan_id: int | None
    advice_requests: list[AdviceOut]
    exceptions: list[ExceptionOut]
    steps: list[StepOut] = Field(..., description="Every step of the case, soonest due first.")
    events: list[CaseEventOut] = Field(..., description="The case's history, oldest first.")


def request_out(
    request: AssessmentRequest,
    *,
    advice: list[AdviceRequest],
    exceptions: list[TimeLimitException],
    steps: list[Step],
    events: list[CaseEvent],
) -> RequestOut:
    return RequestOut(
        id=request.pk,
        reference=request.reference,
        child=child_ref(request.child),
        area_la_code=request.area.la_code,
        kind=RequestKindOut.model_validate(coded(RequestKind, request.kind)),
        source=RequestSourceOut.model_validate(coded(RequestSource, request.source)),
        requester_organisation=_organisation(request.requester_organisation),
        requester_name=request.requester_name,
        previous_la_code=request.previous_la_code or None,
        received_date=request.received_date,
        coordinator=_user(request.coordinator),
        stage=RequestStageOut.model_validate(coded(RequestStage, request.stage)),
        is_open=request.is_open,
        clock=ClockOut(
            decision_due=request.decision_due,
            not_to_issue_due=request.not_to_issue_due,
            draft_target=request.draft_target,
            final_due=request.final_due,
        ),
        decision_date=request.decision_date,
        decision_reasons=request.decision_reasons,
        issue_decision_date=request.issue_decision_date,
        issue_decision_reasons=request.issue_decision_reasons,
        final_issued_date=request.final_issued_date,
        closed_date=request.closed_date,
        withdrawal_reason=request.withdrawal_reason,
        has_exception=request.has_exception,
        plan_id=request.plan_id,
        advice_requests=[advice_out(item) for item in advice],
        exceptions=[exception_out(item) for item in exceptions],
        steps=[step_out(step, request.child) for step in steps],
        events=[event_out(event) for event in events],
    )


# Plans -------------------------------------------------------------------------------------


class ProvisionLineOut(Schema):
    """A line of provision in section F, G, H1 or H2."""

    id: int
    section: PlanSectionOut
    position: int
    description: str
    outcome: str
    quantity: Decimal | None
    unit: QuantityUnitOut | None
    frequency: FrequencyOut | None
    amount: str = Field(..., description="How much and how often, in words: 30 minutes, daily.")
    provider_organisation: OrganisationOut | None
    provider_description: str
    commissioner: CommissionerOut
    annual_cost: Decimal | None = Field(..., description="Pounds a year, where known.")


def _pence(value: Decimal | None) -> Decimal | None:
    """A decimal as the database keeps it, to 2 places, however it was given."""
    return value.quantize(Decimal("0.01")) if value is not None else None


def line_out(line: ProvisionLine) -> ProvisionLineOut:
    return ProvisionLineOut(
        id=line.pk,
        section=PlanSectionOut.model_validate(coded(PlanSection, line.section)),
        position=line.position,
        description=line.description,
        outcome=line.outcome,
        quantity=_pence(line.quantity),
        unit=_coded(QuantityUnitOut, QuantityUnit, line.unit),
        frequency=_coded(FrequencyOut, Frequency, line.frequency),
        amount=line.amount,
        provider_organisation=_organisation(line.provider_organisation),
        provider_description=line.provider_description,
        commissioner=CommissionerOut.model_validate(coded(Commissioner, line.commissioner)),
        annual_cost=_pence(line.annual_cost),
    )


class PlanPlacementOut(Schema):
    """A setting named in section I, or an arrangement without one."""

    rank: int = Field(..., description="1 the main setting, 2 a second one.")
    setting: OrganisationOut | None
    sen_setting: SENSettingOut | None
    sen_setting_other: str
    in_sen_unit: bool
    in_resourced_provision: bool
    residential: ResidentialCodeOut | None
    work_based: WorkBasedProvisionOut | None


def placement_out(placement: PlanPlacement) -> PlanPlacementOut:
    return PlanPlacementOut(
        rank=placement.rank,
        setting=_organisation(placement.setting),
        sen_setting=_coded(SENSettingOut, SENSetting, placement.sen_setting),
        sen_setting_other=placement.sen_setting_other,
        in_sen_unit=placement.in_sen_unit,
        in_resourced_provision=placement.in_resourced_provision,
        residential=_coded(ResidentialCodeOut, ResidentialCode, placement.residential),
        work_based=_coded(WorkBasedProvisionOut, WorkBasedProvision, placement.work_based),
    )


class SignOffOut(Schema):
    """A health or social care agency's agreement to its sections."""

    section: PlanSectionOut
    organisation: OrganisationOut
    signed_by: str
    signed_on: dt.date
    note: str


def sign_off_out(sign_off: SectionSignOff) -> SignOffOut:
    return SignOffOut(
        section=PlanSectionOut.model_validate(coded(PlanSection, sign_off.section)),
        organisation=organisation_out(sign_off.organisation),
        signed_by=str(sign_off.signed_by),
        signed_on=sign_off.signed_on,
        note=sign_off.note,
    )


class ConsultationOut(Schema):
    """A school or college consulted about being named in the plan (s.39(2)); it has 15 days
    to answer."""

    id: int
    plan_id: int
    version_number: int = Field(..., description="The version (draft) the setting was sent.")
    setting: OrganisationOut
    sent_date: dt.date
    response_due: dt.date
    response: ConsultationResponseOut
    response_date: dt.date | None
    response_note: str
    parent_preference: bool = Field(..., description="The family asked for this setting.")


def consultation_out(consultation: Consultation) -> ConsultationOut:
    return ConsultationOut(
        id=consultation.pk,
        plan_id=consultation.version.plan_id,
        version_number=consultation.version.number,
        setting=organisation_out(consultation.setting),
        sent_date=consultation.sent_date,
        response_due=consultation.response_due,
        response=ConsultationResponseOut.model_validate(
            coded(ConsultationResponse, consultation.response)
        ),
        response_date=consultation.response_date,
        response_note=consultation.response_note,
        parent_preference=consultation.parent_preference,
    )


class PlanVersionOut(Schema):
    """One version of a plan: its sections A to K, provision, placements and sign-offs."""

    plan_id: int
    number: int
    kind: VersionKindOut
    state: VersionStateOut
    request_id: int | None
    review_id: int | None
    section_a: str
    section_b: str
    section_c: str
    section_d: str
    section_e: str
    section_f: str
    section_g: str
    section_h1: str
    section_h2: str
    section_i: str
    section_j: str
    section_k: str
    personal_budget: bool
    organised_arrangements: DirectPaymentTypeOut | None
    direct_payments: DirectPaymentTypeOut | None
    draft_served_date: dt.date | None
    comments_due: dt.date | None = Field(..., description="The end of the family's 15 days.")
    comments_received_date: dt.date | None
    family_comments: str
    meeting_requested: bool
    preferred_setting: OrganisationOut | None
    preferred_setting_other: str
    issued_date: dt.date | None
    issued_by: str | None
    lock_version: int = Field(
        ..., description="Send it back with a change to a draft; it goes up with each change."
    )
    updated_at: dt.datetime
    updated_by: str | None
    lines: list[ProvisionLineOut]
    placements: list[PlanPlacementOut]
    sign_offs: list[SignOffOut]
    consultations: list[ConsultationOut] = Field(
        ..., description="Settings consulted while this version was the draft."
    )


SECTION_FIELDS = tuple(f"section_{section.value}" for section in PlanSection)


def version_out(version: PlanVersion) -> PlanVersionOut:
    """``version`` comes from ``selectors.plan_versions``, its lines, placements and sign-offs
    prefetched (and its consultations, with their settings, where a list is answered)."""
    sections = {name: getattr(version, name) for name in SECTION_FIELDS}
    return PlanVersionOut(
        plan_id=version.plan_id,
        number=version.number,
        kind=VersionKindOut.model_validate(coded(VersionKind, version.kind)),
        state=VersionStateOut.model_validate(coded(VersionState, version.state)),
        request_id=version.request_id,
        review_id=version.review_id,
        **sections,
        personal_budget=version.personal_budget,
        organised_arrangements=_coded(
            DirectPaymentTypeOut, DirectPaymentType, version.organised_arrangements
        ),
        direct_payments=_coded(DirectPaymentTypeOut, DirectPaymentType, version.direct_payments),
        draft_served_date=version.draft_served_date,
        comments_due=version.comments_due,
        comments_received_date=version.comments_received_date,
        family_comments=version.family_comments,
        meeting_requested=version.meeting_requested,
        preferred_setting=_organisation(version.preferred_setting),
        preferred_setting_other=version.preferred_setting_other,
        issued_date=version.issued_date,
        issued_by=_name(version.issued_by),
        lock_version=version.lock_version,
        updated_at=version.updated_at,
        updated_by=_name(version.updated_by),
        lines=[line_out(line) for line in version.lines.all()],
        placements=[placement_out(placement) for placement in version.placements.all()],
        sign_offs=[sign_off_out(sign_off) for sign_off in version.sign_offs.all()],
        consultations=[consultation_out(item) for item in version.consultations.all()],
    )


class PlanVersionSummaryOut(Schema):
    number: int
    kind: VersionKindOut
    state: VersionStateOut
    draft_served_date: dt.date | None
    issued_date: dt.date | None


def version_summary_out(version: PlanVersion) -> PlanVersionSummaryOut:
    return PlanVersionSummaryOut(
        number=version.number,
        kind=VersionKindOut.model_validate(coded(VersionKind, version.kind)),
        state=VersionStateOut.model_validate(coded(VersionState, version.state)),
        draft_served_date=version.draft_served_date,
        issued_date=version.issued_date,
    )


class ReviewOut(Schema):
    """An annual review (Regs 18–22), with the phase transfer it must see through, if any."""

    id: int
    plan_id: int
    stage: ReviewStageOut
    due_date: dt.date = Field(..., description="The meeting must be held by this day.")
    invitations_sent_date: dt.date | None
    meeting_date: dt.date | None
    report_received_date: dt.date | None
    report_summary: str
    prepares_for_adulthood: bool = Field(..., description="Year 9 onwards.")
    outcome: ReviewOutcomeOut | None
    decision_date: dt.date | None
    decision_reasons: str
    amended_plan_due: dt.date | None
    completed_date: dt.date | None
    phase_transfer: PhaseTransferOut | None
    transfer_date: dt.date | None
    phase_transfer_deadline: dt.date | None = Field(
        ..., description="The amended plan naming the new setting is due by this day."
    )
    new_setting: OrganisationOut | None


def review_out(review: AnnualReview) -> ReviewOut:
    transfer = PhaseTransfer(review.phase_transfer) if review.phase_transfer else None
    return ReviewOut(
        id=review.pk,
        plan_id=review.plan_id,
        stage=ReviewStageOut.model_validate(coded(ReviewStage, review.stage)),
        due_date=review.due_date,
        invitations_sent_date=review.invitations_sent_date,
        meeting_date=review.meeting_date,
        report_received_date=review.report_received_date,
        report_summary=review.report_summary,
        prepares_for_adulthood=review.prepares_for_adulthood,
        outcome=_coded(ReviewOutcomeOut, ReviewOutcome, review.outcome),
        decision_date=review.decision_date,
        decision_reasons=review.decision_reasons,
        amended_plan_due=review.amended_plan_due,
        completed_date=review.completed_date,
        phase_transfer=(
            PhaseTransferOut(code=transfer, label=transfer.label) if transfer is not None else None
        ),
        transfer_date=review.transfer_date,
        phase_transfer_deadline=review.phase_transfer_deadline,
        new_setting=_organisation(review.new_setting),
    )


#: Review stages after which a review is no longer under way.
CLOSED_REVIEW_STAGES = frozenset({ReviewStage.COMPLETED, ReviewStage.CANCELLED})


class PlanSummaryOut(Schema):
    """A plan, as a list shows it."""

    id: int
    reference: str
    status: PlanStatusOut
    start_date: dt.date | None
    next_review_due: dt.date | None
    ceased_date: dt.date | None


def plan_summary_out(plan: Plan) -> PlanSummaryOut:
    return PlanSummaryOut(
        id=plan.pk,
        reference=plan.reference,
        status=PlanStatusOut.model_validate(coded(PlanStatus, plan.status)),
        start_date=plan.start_date,
        next_review_due=plan.next_review_due,
        ceased_date=plan.ceased_date,
    )


class PlanOut(Schema):
    """An EHC plan: the version in force, the draft being written (if any), every version,
    and its annual reviews."""

    id: int
    reference: str
    child: ChildRefOut
    area_la_code: str
    status: PlanStatusOut
    coordinator: UserOut | None
    start_date: dt.date | None = Field(..., description="The day the first final was issued.")
    transferred_in_from: str | None = Field(..., description="LA code of the area it came from.")
    last_review_date: dt.date | None
    next_review_due: dt.date | None
    last_review_outcome: ReviewOutcomeOut | None
    appeal_pending: bool = Field(..., description="An appeal is under way: the plan stays.")
    cease_notice_date: dt.date | None
    ceased_date: dt.date | None
    cease_reason: CeaseReasonOut | None
    in_force: PlanVersionOut | None = Field(
        ..., description="The latest issued version; None before the first final plan."
    )
    draft: PlanVersionOut | None = Field(
        ..., description="The draft being written or with the family, if there is one."
    )
    versions: list[PlanVersionSummaryOut] = Field(..., description="Every version, in order.")
    reviews: list[ReviewOut] = Field(..., description="Annual reviews, in order of due date.")
    open_review: ReviewOut | None = Field(
        ...,
        description="The review under way (due, meeting held, report received or amending); "
        "None once the plan has ceased.",
    )


def plan_out(
    plan: Plan,
    *,
    in_force: PlanVersion | None,
    draft: PlanVersion | None,
    versions: list[PlanVersion],
    reviews: list[AnnualReview],
) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        reference=plan.reference,
        child=child_ref(plan.child),
        area_la_code=plan.area.la_code,
        status=PlanStatusOut.model_validate(coded(PlanStatus, plan.status)),
        coordinator=_user(plan.coordinator),
        start_date=plan.start_date,
        transferred_in_from=plan.transferred_in_from or None,
        last_review_date=plan.last_review_date,
        next_review_due=plan.next_review_due,
        last_review_outcome=_coded(ReviewOutcomeOut, ReviewOutcome, plan.last_review_outcome),
        appeal_pending=plan.appeal_pending,
        cease_notice_date=plan.cease_notice_date,
        ceased_date=plan.ceased_date,
        cease_reason=_coded(CeaseReasonOut, CeaseReason, plan.cease_reason),
        in_force=version_out(in_force) if in_force is not None else None,
        draft=version_out(draft) if draft is not None else None,
        versions=[version_summary_out(version) for version in versions],
        reviews=[review_out(review) for review in reviews],
        open_review=next(
            (review_out(review) for review in reviews if review.stage not in CLOSED_REVIEW_STAGES),
            None,
        ),
    )


class ChildCasesOut(Schema):
    """A child's requests for assessment and plans, newest first."""

    child: ChildRefOut
    requests: list[RequestSummaryOut]
    plans: list[PlanSummaryOut]


# The area's figures ------------------------------------------------------------------------


class MonthRateOut(Schema):
    """New plans issued in a month, and how many within 20 weeks of the request."""

    month: dt.date = Field(..., description="The first day of the month of issue.")
    issued: int
    on_time: int
    rate: float | None = Field(..., description="on_time / issued, from 0 to 1.")
    issued_excluding_exceptions: int
    on_time_excluding_exceptions: int
    rate_excluding_exceptions: float | None


def month_rate_out(row: MonthRate) -> MonthRateOut:
    return MonthRateOut(
        month=row.month,
        issued=row.issued,
        on_time=row.on_time,
        rate=row.rate,
        issued_excluding_exceptions=row.issued_excluding_exceptions,
        on_time_excluding_exceptions=row.on_time_excluding_exceptions,
        rate_excluding_exceptions=row.rate_excluding_exceptions,
    )


class StepCountsOut(Schema):
    """Open steps by status today."""

    on_time: int
    due_this_week: int
    overdue: int
    suspended: int


class AreaFiguresOut(Schema):
    active_plans: int
    open_requests: int
    open_steps: StepCountsOut
    reviews_overdue: int = Field(..., description="Annual review meetings past their due date.")
    advice_overdue: int = Field(..., description="Advice past its 6 weeks, without exception.")
    requests_in_year: int = Field(..., description="New requests received this calendar year.")
    refused_in_year: int = Field(..., description="Of those, refused an assessment.")


def figures_out(figures: AreaFigures) -> AreaFiguresOut:
    counts = figures.open_steps
    return AreaFiguresOut(
        active_plans=figures.active_plans,
        open_requests=figures.open_requests,
        open_steps=StepCountsOut(
            on_time=counts.get(StepStatus.ON_TIME, 0),
            due_this_week=counts.get(StepStatus.DUE_THIS_WEEK, 0),
            overdue=counts.get(StepStatus.OVERDUE, 0),
            suspended=counts.get(StepStatus.SUSPENDED, 0),
        ),
        reviews_overdue=figures.reviews_overdue,
        advice_overdue=figures.advice_overdue,
        requests_in_year=figures.requests_in_year,
        refused_in_year=figures.refused_in_year,
    )


class AgencyOverdueOut(Schema):
    """Outstanding advice from one organisation, and how much of it is past its 6 weeks."""

    advice_type: AdviceTypeOut
    organisation: str
    outstanding: int
    overdue: int


def agency_overdue_out(row: AgencyOverdue) -> AgencyOverdueOut:
    return AgencyOverdueOut(
        advice_type=AdviceTypeOut(code=AdviceType(row.advice_type), label=row.advice_type_label),
        organisation=row.organisation,
        outstanding=row.outstanding,
        overdue=row.overdue,
    )


class TimelinessOut(Schema):
    """An area's timeliness: the 20-week rate by month of issue (with and without the cases
    an exception applied to, as the DfE publishes both), today's figures, and advice
    outstanding by agency."""

    area: AreaOut
    start: dt.date = Field(..., description="The first day of the period (from).")
    end: dt.date = Field(..., description="The last day of the period (to).")
    today: dt.date
    rates: list[MonthRateOut] = Field(..., description="Months with plans issued, in order.")
    period: MonthRateOut = Field(
        ..., description="The whole period; its month is the first day of the period."
    )
    figures: AreaFiguresOut
    advice_overdue_by_agency: list[AgencyOverdueOut]


# Request bodies ----------------------------------------------------------------------------


class RequestReceiveIn(Schema):
    """A request for an EHC needs assessment, or a re-assessment of a plan."""

    child_id: int
    received_date: dt.date = Field(..., description="Today or earlier.")
    source: RequestSource
    kind: Literal["new", "reassessment"] = Field(
        "new", description="A plan transferred in is not a request."
    )
    requester_organisation_id: int | None = None
    requester_name: str = Field("", max_length=150)
    coordinator_id: int | None = Field(
        None, description="An EHC coordinator or SEND manager of the child's area."
    )


class AssessmentDecisionIn(Schema):
    date: dt.date = Field(..., description="The day of the decision (Reg 4, 5).")
    assess: bool
    reasons: str = Field("", description="Required for a decision not to assess.")


class AdviceRequestIn(Schema):
    advice_type: AdviceType
    organisation_id: int | None = Field(None, description="Required except for the family.")
    requested_date: dt.date


class AdviceReturnIn(Schema):
    returned_date: dt.date
    summary: str = Field(..., description="The advice, or a summary of it.")


class ExceptionIn(Schema):
    """An exception lifting the 6-, 16- and 20-week limits (Regs 5(4), 10(4), 13(3))."""

    kind: ExceptionKind
    start_date: dt.date
    end_date: dt.date | None = None
    description: str
    advice_requested_on: dt.date | None = Field(
        None, description="For a closure: the day the advice was requested from the setting."
    )


class IssueDecisionIn(Schema):
    date: dt.date = Field(..., description="The day of the decision (Reg 10).")
    issue: bool
    reasons: str = Field("", description="Required for a decision not to issue.")


class WithdrawIn(Schema):
    date: dt.date
    reason: str


#: A direct payment type's code, or nothing (SEN2 OrganisedArrangements, DirectPayments).
PaymentCode = Literal["", "E", "S", "H", "I"]


class DraftUpdateIn(Schema):
    """Changes to a draft: the fields sent are changed, the rest (and any sent as null) are
    left as they are."""

    lock_version: int = Field(..., ge=0, description="The draft's lock_version when you read it.")
    section_a: str | None = None
    section_b: str | None = None
    section_c: str | None = None
    section_d: str | None = None
    section_e: str | None = None
    section_f: str | None = None
    section_g: str | None = None
    section_h1: str | None = None
    section_h2: str | None = None
    section_i: str | None = None
    section_j: str | None = None
    section_k: str | None = None
    personal_budget: bool | None = None
    organised_arrangements: PaymentCode | None = Field(
        None, description="E, S, H or I (a DirectPaymentType), or an empty string for none."
    )
    direct_payments: PaymentCode | None = Field(
        None, description="E, S, H or I (a DirectPaymentType), or an empty string for none."
    )


class ProvisionLineIn(Schema):
    """A line of provision for a draft."""

    lock_version: int = Field(..., ge=0, description="The draft's lock_version when you read it.")
    section: Literal["f", "g", "h1", "h2"]
    description: str
    commissioner: Commissioner
    outcome: str = Field("", max_length=255)
    quantity: Decimal | None = Field(None, gt=0, max_digits=7, decimal_places=2)
    unit: QuantityUnit | None = None
    frequency: Frequency | None = None
    provider_organisation_id: int | None = None
    provider_description: str = Field("", max_length=200)
    annual_cost: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)


class ProvisionLineSavedOut(Schema):
    line: ProvisionLineOut
    lock_version: int = Field(..., description="The draft's lock_version now.")


class LockVersionOut(Schema):
    lock_version: int = Field(..., description="The draft's lock_version now.")


class DraftIssueIn(Schema):
    served_date: dt.date = Field(..., description="The day the draft went to the family.")


class FinalIssueIn(Schema):
    issued_date: dt.date


class ReviewMeetingIn(Schema):
    meeting_date: dt.date


class ReviewReportIn(Schema):
    received_date: dt.date
    summary: str = Field(..., description="The report's recommendations.")


class ReviewDecisionIn(Schema):
    date: dt.date = Field(..., description="The day of the decision (within 4 weeks).")
    outcome: ReviewOutcome
    reasons: str = Field("", description="Required to amend or cease.")


class RequestAssignIn(Schema):
    coordinator_id: int = Field(
        ..., description="An EHC coordinator or SEND manager of the child's area."
    )


class AdviceExceptionIn(Schema):
    """Why advice cannot be given within 6 weeks (Reg 8(2))."""

    kind: ExceptionKind = Field(
        ...,
        description="personal_circumstances, away_from_area or missed_appointment; the "
        "closures are exceptions to the 6-, 16- and 20-week limits, not to advice.",
    )
    note: str = Field(..., description="The circumstances.")


class AdviceCancelIn(Schema):
    reason: str = Field(..., description="Why the advice is no longer needed.")


class PlacementIn(Schema):
    """The setting named in section I, or an arrangement without one: send exactly one of
    ``setting_id`` and ``sen_setting``."""

    lock_version: int = Field(..., ge=0, description="The draft's lock_version when you read it.")
    setting_id: int | None = Field(None, description="A school or college.")
    sen_setting: SENSetting | None = Field(
        None, description="An arrangement without a setting (SEN2 SENSetting)."
    )
    sen_setting_other: str = Field(
        "", max_length=200, description="Required for the arrangement OTH."
    )
    in_sen_unit: bool = False
    in_resourced_provision: bool = False
    residential: ResidentialCode | None = None
    work_based: WorkBasedProvision | None = None


class PlacementSavedOut(Schema):
    placement: PlanPlacementOut
    lock_version: int = Field(..., description="The draft's lock_version now.")


class DraftCommentsIn(Schema):
    """The family's response to the draft (Reg 13(1))."""

    received_date: dt.date
    comments: str = ""
    preferred_setting_id: int | None = Field(
        None, description="The school or college the family asked for."
    )
    preferred_setting_other: str = Field(
        "", max_length=200, description="A setting asked for that has no record here."
    )
    meeting_requested: bool = False


class ConsultationSendIn(Schema):
    setting_id: int = Field(..., description="The school or college consulted.")
    sent_date: dt.date
    parent_preference: bool = Field(False, description="The family asked for this setting.")


class ConsultationRespondIn(Schema):
    response: ConsultationResponse = Field(..., description="can_meet or cannot_meet.")
    response_date: dt.date
    note: str = Field("", description="Required when the setting cannot meet the needs.")


class SignOffIn(Schema):
    section: PlanSection = Field(..., description="c or g (health); d, h1 or h2 (social care).")
    signed_on: dt.date
    note: str = ""


class ReviewInviteIn(Schema):
    sent_date: dt.date = Field(..., description="The day the invitations went out.")
    meeting_date: dt.date = Field(..., description="At least 2 weeks later (Reg 20(3)).")


class PlanCeaseIn(Schema):
    """Ceasing a plan (Regs 29–31)."""

    ceased_date: dt.date
    reason: CeaseReason = Field(..., description="SEN2 CeaseReason, 1 to 9.")
    notice_date: dt.date | None = Field(
        None, description="The day the notice was given (default: the review decision)."
    )
    review_shows_no_wish_to_return: bool = Field(
        False, description="18 or over and left education: a review shows they will not return."
    )
    transferred_to: str = Field(
        "", max_length=3, description="For reason 5: the new area's 3-digit LA code."
    )


class PlanAppealIn(Schema):
    pending: bool = Field(..., description="An appeal is under way (true) or concluded (false).")


class TransferInIn(Schema):
    """A plan another local authority maintained, taken on when the family moved here
    (Reg 15)."""

    child_id: int
    previous_la_code: str = Field(..., description="The other area's 3-digit LA code.")
    transfer_date: dt.date = Field(..., description="The day the plan became this area's.")
    last_review_date: dt.date | None = Field(
        None, description="Its last annual review, which the next one is due 12 months from."
    )
    coordinator_id: int | None = Field(
        None, description="An EHC coordinator or SEND manager of the child's area."
    )
