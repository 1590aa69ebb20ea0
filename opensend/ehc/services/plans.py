"""The plan: versions and their sections, provision lines, placements, sign-off by health and
social care, the draft with the family, consultation with settings, the final plan, plans
transferred in, and ceasing (Regs 11–16, 29–31)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from opensend.core.codes import SENSetting
from opensend.core.models import Membership, Organisation, User
from opensend.core.roles import SETTING_KINDS, Role
from opensend.ehc import rules
from opensend.ehc.models import (
    HEALTH_SECTIONS,
    PROVISION_SECTIONS,
    SECTION_COMMISSIONERS,
    SOCIAL_CARE_SECTIONS,
    AnnualReview,
    AssessmentRequest,
    Consultation,
    ConsultationResponse,
    Plan,
    PlanPlacement,
    PlanSection,
    PlanStatus,
    PlanVersion,
    ProvisionLine,
    RequestKind,
    RequestSource,
    RequestStage,
    ReviewStage,
    Step,
    StepKind,
    VersionKind,
    VersionState,
)
from opensend.ehc.services._common import (
    ConcurrentEdit,
    StepOutOfOrder,
    authorise_case_work,
    authorise_for_organisation,
    cancel_steps,
    close_steps,
    counting,
    event,
    lock_request,
    member_of,
    open_step,
    require_date,
    today,
)
from opensend.people import services as people_services
from opensend.people.models import Child, RecordSource, SENStatus

#: Fields of a version people edit through ``version_update``.
EDITABLE_FIELDS = frozenset(
    {f"section_{section.value}" for section in PlanSection}
    | {"personal_budget", "organised_arrangements", "direct_payments"}
)


def _next_number(plan: Plan) -> int:
    return (plan.versions.aggregate(top=Max("number"))["top"] or 0) + 1


def current_issued_version(plan: Plan) -> PlanVersion | None:
    return (
        plan.versions.filter(state=VersionState.ISSUED).order_by("-number").first()
        if plan.pk
        else None
    )


def _record_sen_status(
    acting_user: User | None, child: Child, status: SENStatus, start_date: dt.date
) -> None:
    """The child's SEN status follows the plan: "EHC plan" from its issue, and what follows
    from its ceasing."""
    people_services.sen_status_set(
        acting_user=acting_user,
        child=child,
        status=status,
        start_date=start_date,
        source=RecordSource.EHC,
    )


def version_start(
    *,
    plan: Plan,
    kind: VersionKind,
    acting_user: User | None,
    request: AssessmentRequest | None = None,
    review: AnnualReview | None = None,
) -> PlanVersion:
    """A new draft version; an amendment or re-assessment starts as a copy of the plan in
    force, lines and placements included. Called inside another service's transaction."""
    base = current_issued_version(plan)
    version = PlanVersion(
        plan=plan,
        number=_next_number(plan),
        kind=kind,
        state=VersionState.DRAFT,
        request=request,
        review=review,
        updated_by=acting_user,
    )
    if base is not None:
        for field in EDITABLE_FIELDS:
            setattr(version, field, getattr(base, field))
    version.full_clean(validate_constraints=False)
    version.save()
    if base is not None:
        ProvisionLine.objects.bulk_create(
            [
                ProvisionLine(
                    version=version,
                    section=line.section,
                    position=line.position,
                    description=line.description,
                    outcome=line.outcome,
                    quantity=line.quantity,
                    unit=line.unit,
                    frequency=line.frequency,
                    provider_organisation_id=line.provider_organisation_id,
                    provider_description=line.provider_description,
                    commissioner=line.commissioner,
                    annual_cost=line.annual_cost,
                )
                for line in base.lines.all()
            ]
        )
        PlanPlacement.objects.bulk_create(
            [
                PlanPlacement(
                    version=version,
                    rank=placement.rank,
                    setting_id=placement.setting_id,
                    sen_setting=placement.sen_setting,
                    sen_setting_other=placement.sen_setting_other,
                    in_sen_unit=placement.in_sen_unit,
                    in_resourced_provision=placement.in_resourced_provision,
                    residential=placement.residential,
                    work_based=placement.work_based,
                )
                for placement in base.placements.all()
            ]
        )
    return version


def _lock_version(version: PlanVersion, expected_lock_version: int | None) -> PlanVersion:
    locked = (
        PlanVersion.objects.select_for_update(of=("self",))
        .select_related("plan__child__area", "plan__area")
        .get(pk=version.pk)
    )
    if locked.state != VersionState.DRAFT:
        raise StepOutOfOrder(
            f"Version {locked.number} is {locked.get_state_display().lower()}; only a draft "
            "can be changed."
        )
    if expected_lock_version is not None and locked.lock_version != expected_lock_version:
        who = locked.updated_by or "someone else"
        raise ConcurrentEdit(
            f"{who} saved this plan at {timezone.localtime(locked.updated_at):%H:%M} after you "
            "opened it. Your changes have not been saved: reload the plan to see theirs, then "
            "make your changes again."
        )
    return locked


def _bump(version: PlanVersion, acting_user: User | None) -> None:
    version.lock_version += 1
    version.updated_at = timezone.now()
    version.updated_by = acting_user
    version.save(update_fields=["lock_version", "updated_at", "updated_by"])


@transaction.atomic
def version_update(
    *,
    acting_user: User | None,
    version: PlanVersion,
    expected_lock_version: int,
    changes: dict[str, Any],
) -> PlanVersion:
    """Change a draft's sections or personal budget. Refused, with nothing lost, when someone
    else saved the draft since ``expected_lock_version`` was read."""
    version = _lock_version(version, expected_lock_version)
    decision = authorise_case_work(acting_user, version.plan.child)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"These are not parts of a plan: {', '.join(sorted(unknown))}.")
    changed = [field for field, value in changes.items() if getattr(version, field) != value]
    for field in changed:
        setattr(version, field, changes[field])
    version.full_clean(validate_constraints=False)
    version.save(update_fields=[*changed] if changed else [])
    _bump(version, acting_user)
    if changed:
        event(
            acting_user=acting_user,
            decision=decision,
            child=version.plan.child,
            plan=version.plan,
            action="plan_edited",
            summary=f"Draft version {version.number} edited",
            event_date=today(),
            detail={"fields": sorted(changed)},
        )
    return version


def _validate_line(section: str, commissioner: str) -> None:
    if section not in {s.value for s in PROVISION_SECTIONS}:
        raise ValidationError({"section": "Provision lines belong in section F, G, H1 or H2."})
    allowed = SECTION_COMMISSIONERS[PlanSection(section)]
    if commissioner not in allowed:
        names = " or ".join(sorted(str(label) for label in _labels(allowed)))
        raise ValidationError(
            {"commissioner": f"Provision in section {section.upper()} is commissioned by {names}."}
        )


def _labels(values: frozenset[str]) -> list[str]:
    from opensend.ehc.models import Commissioner

    return [Commissioner(value).label for value in values]


@transaction.atomic
def provision_line_save(
    *,
    acting_user: User | None,
    version: PlanVersion,
    expected_lock_version: int,
    section: str,
    description: str,
    commissioner: str,
    line: ProvisionLine | None = None,
    outcome: str = "",
    quantity: Decimal | None = None,
    unit: str = "",
    frequency: str = "",
    provider_organisation: Organisation | None = None,
    provider_description: str = "",
    annual_cost: Decimal | None = None,
) -> ProvisionLine:
    """Add a line of provision to a draft, or change one (``line``)."""
    version = _lock_version(version, expected_lock_version)
    decision = authorise_case_work(acting_user, version.plan.child)
    _validate_line(section, commissioner)
    if not description.strip():
        raise ValidationError({"description": "Say what is provided."})
    if quantity is not None and not unit:
        raise ValidationError({"unit": "Say what the amount is measured in (hours, sessions)."})
    if provider_organisation is None and not provider_description.strip():
        raise ValidationError({"provider_description": "Say who provides it."})
    if line is None:
        line = ProvisionLine(
            version=version,
            position=(version.lines.filter(section=section).count() + 1),
        )
    elif line.version_id != version.pk:
        raise ValidationError("That line belongs to another version of the plan.")
    line.section = section
    line.description = description.strip()
    line.outcome = outcome.strip()
    line.quantity = quantity
    line.unit = unit
    line.frequency = frequency
    line.provider_organisation = provider_organisation
    line.provider_description = provider_description.strip()
    line.commissioner = commissioner
    line.annual_cost = annual_cost
    line.full_clean(validate_constraints=False)
    line.save()
    _bump(version, acting_user)
    event(
        acting_user=acting_user,
        decision=decision,
        child=version.plan.child,
        plan=version.plan,
        action="provision_saved",
        summary=f"Section {section.upper()} provision saved on draft version {version.number}",
        event_date=today(),
        detail={"section": section, "commissioner": commissioner},
    )
    return line


@transaction.atomic
def provision_line_remove(
    *,
    acting_user: User | None,
    line: ProvisionLine,
    expected_lock_version: int,
) -> None:
    version = _lock_version(line.version, expected_lock_version)
    decision = authorise_case_work(acting_user, version.plan.child)
    section = line.section
    line.delete()
    _bump(version, acting_user)
    event(
        acting_user=acting_user,
        decision=decision,
        child=version.plan.child,
        plan=version.plan,
        action="provision_removed",
        summary=f"Section {section.upper()} provision removed from draft version {version.number}",
        event_date=today(),
    )


@transaction.atomic
def placement_name(
    *,
    acting_user: User | None,
    version: PlanVersion,
    expected_lock_version: int,
    rank: int = 1,
    setting: Organisation | None = None,
    sen_setting: str = "",
    sen_setting_other: str = "",
    in_sen_unit: bool = False,
    in_resourced_provision: bool = False,
    residential: str = "",
    work_based: str = "",
) -> PlanPlacement:
    """Name the setting (or the arrangement) in section I."""
    version = _lock_version(version, expected_lock_version)
    decision = authorise_case_work(acting_user, version.plan.child)
    if (setting is None) == (not sen_setting):
        raise ValidationError(
            {"setting": "Name either a setting or an arrangement without one, not both."}
        )
    if setting is not None and setting.kind not in SETTING_KINDS:
        raise ValidationError({"setting": f"{setting.name} is not a school or college."})
    if sen_setting == SENSetting.OTH and not sen_setting_other.strip():
        raise ValidationError({"sen_setting_other": "Describe the other arrangement."})
    if rank not in (1, 2):
        raise ValidationError({"rank": "A plan names a main setting and at most one other."})
    placement, _ = PlanPlacement.objects.update_or_create(
        version=version,
        rank=rank,
        defaults={
            "setting": setting,
            "sen_setting": sen_setting,
            "sen_setting_other": sen_setting_other.strip(),
            "in_sen_unit": in_sen_unit,
            "in_resourced_provision": in_resourced_provision,
            "residential": residential,
            "work_based": work_based,
        },
    )
    placement.full_clean(validate_constraints=False)
    _bump(version, acting_user)
    event(
        acting_user=acting_user,
        decision=decision,
        child=version.plan.child,
        plan=version.plan,
        action="placement_named",
        summary=f"Section I: {placement} named on draft version {version.number}",
        event_date=today(),
        detail={"rank": rank, "setting": str(placement)},
    )
    return placement


@transaction.atomic
def placement_remove(
    *, acting_user: User | None, placement: PlanPlacement, expected_lock_version: int
) -> None:
    version = _lock_version(placement.version, expected_lock_version)
    decision = authorise_case_work(acting_user, version.plan.child)
    name = str(placement)
    placement.delete()
    _bump(version, acting_user)
    event(
        acting_user=acting_user,
        decision=decision,
        child=version.plan.child,
        plan=version.plan,
        action="placement_removed",
        summary=f"Section I: {name} removed from draft version {version.number}",
        event_date=today(),
    )


SIGN_OFF_ROLES: dict[str, frozenset[str]] = {
    "health": frozenset({Role.DESIGNATED_CLINICAL_OFFICER, Role.HEALTH_PRACTITIONER}),
    "social_care": frozenset({Role.DESIGNATED_SOCIAL_CARE_OFFICER, Role.SOCIAL_WORKER}),
}


def _signing_organisation(user: User, section: PlanSection) -> Organisation:
    agency = "health" if section in HEALTH_SECTIONS else "social_care"
    roles = SIGN_OFF_ROLES[agency]
    for membership in (
        Membership.objects.current(today())
        .filter(user=user)
        .select_related("organisation")
        .prefetch_related("role_links")
    ):
        if membership.role_codes & roles:
            return membership.organisation
    what = "health" if agency == "health" else "social care"
    raise PermissionDenied(f"Only {what} staff can sign off section {section.value.upper()}.")


@transaction.atomic
def section_sign_off(
    *,
    acting_user: User,
    version: PlanVersion,
    section: PlanSection | str,
    signed_on: dt.date,
    note: str = "",
) -> None:
    """Record that health (C, G) or social care (D, H1, H2) agree their sections."""
    section = PlanSection(section)
    if section not in (*HEALTH_SECTIONS, *SOCIAL_CARE_SECTIONS):
        raise ValidationError(
            {"section": "Only the health and social care sections are signed off."}
        )
    version = PlanVersion.objects.select_related("plan__child").get(pk=version.pk)
    if version.state == VersionState.WITHDRAWN:
        raise StepOutOfOrder("This version was withdrawn.")
    organisation = _signing_organisation(acting_user, section)
    decision = authorise_for_organisation(
        acting_user, version.plan.child, organisation, "sign off this plan"
    )
    require_date("signed_on", signed_on, not_before=None, label="")
    from opensend.ehc.models import SectionSignOff

    if SectionSignOff.objects.filter(version=version, section=section).exists():
        raise ValidationError(
            {"section": f"Section {section.value.upper()} is already signed off."}
        )
    SectionSignOff.objects.create(
        version=version,
        section=section,
        organisation=organisation,
        signed_by=acting_user,
        signed_on=signed_on,
        note=note.strip(),
    )
    event(
        acting_user=acting_user,
        decision=decision,
        child=version.plan.child,
        plan=version.plan,
        action="section_signed_off",
        summary=f"Section {section.value.upper()} signed off by {organisation.name}",
        event_date=signed_on,
    )


def _request_for(version: PlanVersion) -> AssessmentRequest | None:
    return lock_request(version.request) if version.request is not None else None


@transaction.atomic
def draft_issue(
    *, acting_user: User | None, version: PlanVersion, served_date: dt.date
) -> PlanVersion:
    """Serve the draft on the family (or, after a review, the proposed amendments). They have
    15 days beginning with that day to comment, ask for a meeting and say which setting they
    want (Reg 13(1), Reg 22). A new plan's draft names no setting (s.38(2)(b)(ii))."""
    version = _lock_version(version, None)
    plan = version.plan
    decision = authorise_case_work(acting_user, plan.child)
    if version.draft_served_date is not None:
        raise StepOutOfOrder("This draft has already been sent to the family.")
    request = _request_for(version)
    if request is not None:
        if request.stage != RequestStage.DRAFTING:
            raise StepOutOfOrder(
                f"You cannot issue the draft now: the request is at "
                f"“{request.get_stage_display()}”."
            )
        assert request.issue_decision_date is not None  # noqa: S101
        require_date(
            "served_date",
            served_date,
            not_before=request.issue_decision_date,
            label="the decision to issue",
        )
        if (
            version.kind == VersionKind.NEW
            and version.placements.filter(setting__isnull=False).exists()
        ):
            raise ValidationError(
                "A draft plan must not name a school or college: remove section I's setting "
                "before sending the draft."
            )
    else:
        review = _review_for(version)
        require_date(
            "served_date",
            served_date,
            not_before=review.decision_date if review else None,
            label="the review decision",
        )
    missing = [
        section.label.split(":")[0]
        for section in (PlanSection.A, PlanSection.B, PlanSection.E, PlanSection.F)
        if not version.section_text(section).strip()
    ]
    if missing and not version.lines.filter(section=PlanSection.F).exists():
        raise ValidationError(
            f"The draft has no content in section{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; complete {'them' if len(missing) > 1 else 'it'} first."
        )
    version.draft_served_date = served_date
    version.comments_due = rules.draft_comments_due(served_date)
    version.save(update_fields=["draft_served_date", "comments_due"])
    _bump(version, acting_user)
    if request is not None:
        request.stage = RequestStage.DRAFT_ISSUED
        request.save(update_fields=["stage", "updated_at"])
        close_steps(kinds=[StepKind.DRAFT_PLAN], request=request, on=served_date)
    else:
        review = _review_for(version)
        if review is not None and review.meeting_date is not None:
            review.amended_plan_due = rules.amended_plan_due(served_date, review.meeting_date)
            review.save(update_fields=["amended_plan_due"])
            Step.objects.filter(
                review=review, kind=StepKind.AMENDED_PLAN, completed_on__isnull=True
            ).update(due_date=review.amended_plan_due)
    open_step(
        kind=StepKind.DRAFT_COMMENTS,
        child=plan.child,
        request=request,
        plan=plan,
        review=_review_for(version),
        opened_on=served_date,
        due_date=version.comments_due,
        statutory=False,
        holder_user=plan.coordinator or (request.coordinator if request else None),
    )
    event(
        acting_user=acting_user,
        decision=decision,
        child=plan.child,
        request=request,
        plan=plan,
        action="draft_issued",
        summary=(
            "Draft plan sent to the family"
            if request is not None
            else "Proposed amendments sent to the family"
        ),
        event_date=served_date,
        detail={"comments_due": version.comments_due.isoformat(), "version": version.number},
    )
    return version


def _review_for(version: PlanVersion) -> AnnualReview | None:
    return AnnualReview.objects.filter(pk=version.review_id).first() if version.review_id else None


@transaction.atomic
def draft_record_comments(
    *,
    acting_user: User | None,
    version: PlanVersion,
    received_date: dt.date,
    comments: str,
    preferred_setting: Organisation | None = None,
    preferred_setting_other: str = "",
    meeting_requested: bool = False,
) -> PlanVersion:
    """Record the family's response to the draft: comments, a meeting, a preferred setting."""
    version = _lock_version(version, None)
    decision = authorise_case_work(acting_user, version.plan.child)
    if version.draft_served_date is None:
        raise StepOutOfOrder("The draft has not been sent to the family yet.")
    require_date(
        "received_date",
        received_date,
        not_before=version.draft_served_date,
        label="the day the draft was sent",
    )
    if preferred_setting is not None and preferred_setting.kind not in SETTING_KINDS:
        raise ValidationError({"preferred_setting": "Choose a school or college."})
    version.comments_received_date = received_date
    version.family_comments = comments.strip()
    version.preferred_setting = preferred_setting
    version.preferred_setting_other = preferred_setting_other.strip()
    version.meeting_requested = meeting_requested
    version.save(
        update_fields=[
            "comments_received_date",
            "family_comments",
            "preferred_setting",
            "preferred_setting_other",
            "meeting_requested",
        ]
    )
    _bump(version, acting_user)
    close_steps(kinds=[StepKind.DRAFT_COMMENTS], plan=version.plan, on=received_date)
    event(
        acting_user=acting_user,
        decision=decision,
        child=version.plan.child,
        plan=version.plan,
        request=version.request,
        action="draft_comments",
        summary="Family's comments on the draft received",
        event_date=received_date,
        detail={
            "preferred_setting": preferred_setting.name if preferred_setting else "",
            "meeting_requested": meeting_requested,
        },
    )
    return version


@transaction.atomic
def consultation_send(
    *,
    acting_user: User | None,
    version: PlanVersion,
    setting: Organisation,
    sent_date: dt.date,
    parent_preference: bool = False,
) -> Consultation:
    """Consult a school or college about being named (s.39(2)); it has 15 days to respond."""
    version = _lock_version(version, None)
    decision = authorise_case_work(acting_user, version.plan.child)
    if version.draft_served_date is None:
        raise StepOutOfOrder("Send the draft to the family before consulting settings.")
    if setting.kind not in SETTING_KINDS:
        raise ValidationError({"setting": f"{setting.name} is not a school or college."})
    require_date("sent_date", sent_date, not_before=version.draft_served_date, label="the draft")
    if Consultation.objects.filter(version=version, setting=setting).exists():
        raise ValidationError({"setting": f"{setting.name} has already been consulted."})
    consultation = Consultation(
        version=version,
        setting=setting,
        sent_date=sent_date,
        response_due=rules.setting_consultation_due(sent_date),
        parent_preference=parent_preference,
    )
    consultation.full_clean()
    consultation.save()
    open_step(
        kind=StepKind.CONSULTATION,
        child=version.plan.child,
        plan=version.plan,
        request=version.request,
        consultation=consultation,
        opened_on=sent_date,
        due_date=consultation.response_due,
        statutory=True,
        holder_organisation=setting,
    )
    event(
        acting_user=acting_user,
        decision=decision,
        child=version.plan.child,
        plan=version.plan,
        request=version.request,
        action="consultation_sent",
        summary=f"{setting.name} consulted about a place",
        event_date=sent_date,
        detail={"response_due": consultation.response_due.isoformat()},
    )
    return consultation


@transaction.atomic
def consultation_respond(
    *,
    acting_user: User | None,
    consultation: Consultation,
    response: ConsultationResponse | str,
    response_date: dt.date,
    note: str = "",
) -> Consultation:
    consultation = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("version__plan__child", "setting")
        .get(pk=consultation.pk)
    )
    child: Child = consultation.version.plan.child
    decision = authorise_for_organisation(
        acting_user, child, consultation.setting, "answer this consultation"
    )
    response = ConsultationResponse(response)
    if response == ConsultationResponse.AWAITED:
        raise ValidationError({"response": "Say whether the setting can meet the needs."})
    if consultation.response != ConsultationResponse.AWAITED:
        raise StepOutOfOrder("The setting has already responded.")
    require_date(
        "response_date", response_date, not_before=consultation.sent_date, label="the request"
    )
    if response == ConsultationResponse.CANNOT_MEET and not note.strip():
        raise ValidationError({"note": "Give the setting's reasons."})
    consultation.response = response
    consultation.response_date = response_date
    consultation.response_note = note.strip()
    consultation.save()
    close_steps(kinds=[StepKind.CONSULTATION], consultation=consultation, on=response_date)
    event(
        acting_user=acting_user,
        decision=decision,
        child=child,
        plan=consultation.version.plan,
        action="consultation_answered",
        summary=f"{consultation.setting.name}: {response.label.lower()}",
        event_date=response_date,
    )
    return consultation


def _issue_problems(version: PlanVersion, issued_date: dt.date) -> list[str]:
    problems: list[str] = []
    if not version.placements.filter(rank=1).exists():
        problems.append("Name the setting or arrangement in section I.")
    assert version.draft_served_date is not None  # noqa: S101
    if (
        issued_date < (version.comments_due or issued_date)
        and version.comments_received_date is None
    ):
        problems.append(
            f"The family have until {version.comments_due:%-d %B %Y} to comment on the draft; "
            "record their comments before issuing the final plan earlier."
        )
    return problems


@transaction.atomic
def plan_issue_final(
    *, acting_user: User | None, version: PlanVersion, issued_date: dt.date
) -> PlanVersion:
    """Issue the final plan (Reg 13(2): within 20 weeks of the request; 14 for a
    re-assessment) or the final amended plan (Reg 22). The version is kept for ever; the
    child's SEN status becomes "EHC plan" and the next annual review is scheduled."""
    version = _lock_version(version, None)
    plan = (
        Plan.objects.select_for_update(of=("self",))
        .select_related("child__area")
        .get(pk=version.plan_id)
    )
    child = plan.child
    decision = authorise_case_work(acting_user, child)
    if version.draft_served_date is None:
        raise StepOutOfOrder("A final plan comes after its draft: send the draft to the family.")
    require_date(
        "issued_date",
        issued_date,
        not_before=version.draft_served_date,
        label="the draft",
    )
    problems = _issue_problems(version, issued_date)
    if problems:
        raise ValidationError(problems)
    request = _request_for(version)
    review = _review_for(version)
    if request is not None and request.stage != RequestStage.DRAFT_ISSUED:
        raise StepOutOfOrder(
            f"You cannot issue the final plan now: the request is at "
            f"“{request.get_stage_display()}”."
        )
    version.state = VersionState.ISSUED
    version.issued_date = issued_date
    version.issued_by = acting_user
    version.save(update_fields=["state", "issued_date", "issued_by"])
    _bump(version, acting_user)
    first_issue = plan.start_date is None
    if first_issue:
        plan.start_date = issued_date
    plan.status = PlanStatus.ACTIVE
    plan.updated_at = timezone.now()
    plan.full_clean(validate_constraints=False)
    plan.save()
    # the family's 15 days ended when they ended, whether or not they commented
    close_steps(
        kinds=[StepKind.DRAFT_COMMENTS],
        plan=plan,
        on=min(issued_date, version.comments_due or issued_date),
    )
    cancel_steps(kinds=[StepKind.CONSULTATION], plan=plan, on=issued_date)
    if request is not None:
        request.stage = RequestStage.FINAL_ISSUED
        request.final_issued_date = issued_date
        request.closed_date = issued_date
        request.full_clean()
        request.save()
        close_steps(kinds=[StepKind.FINAL_PLAN], request=request, on=issued_date)
        cancel_steps(request=request, on=issued_date)
    from opensend.ehc.services import reviews

    if review is not None:
        reviews.complete_amendment(review=review, version=version, on=issued_date)
    else:
        # a new plan, or a re-assessment: the review clock starts again from this plan
        reviews.reschedule_from(plan=plan, last=issued_date, acting_user=acting_user)
    _record_sen_status(acting_user, child, SENStatus.EHC_PLAN, issued_date)
    on_time = request is None or issued_date <= request.final_due
    event(
        acting_user=acting_user,
        decision=decision,
        child=child,
        request=request,
        plan=plan,
        action="final_issued",
        summary=(
            f"Final EHC plan issued (version {version.number})"
            if review is None
            else f"Final amended plan issued (version {version.number})"
        ),
        event_date=issued_date,
        detail={
            "version": version.number,
            "on_time": on_time,
            "exception": bool(request and request.has_exception),
        },
    )
    return version


@transaction.atomic
def plan_transfer_in(
    *,
    acting_user: User | None,
    child: Child,
    previous_la_code: str,
    transfer_date: dt.date,
    last_review_date: dt.date | None = None,
    coordinator: User | None = None,
) -> Plan:
    """Take on a plan maintained by another local authority when the family move here
    (Reg 15): it becomes ours on the transfer date, with its review clock kept."""
    decision = authorise_case_work(acting_user, child)
    require_date("transfer_date", transfer_date, not_before=child.date_of_birth, label="birth")
    if not (previous_la_code.isdigit() and len(previous_la_code) == 3):
        raise ValidationError({"previous_la_code": "Enter the other area's 3-digit LA code."})
    if last_review_date is not None and last_review_date > transfer_date:
        raise ValidationError(
            {"last_review_date": "The last review must be on or before the transfer date."}
        )
    if previous_la_code == child.area.la_code:
        raise ValidationError({"previous_la_code": "That is this area's own LA code."})
    if Plan.objects.filter(child=child, status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT]).exists():
        raise ValidationError({"child": f"{child.display_name} already has an EHC plan here."})
    day_counting = counting(child.area)
    request = AssessmentRequest(
        area=child.area,
        child=child,
        kind=RequestKind.TRANSFER_IN,
        source=RequestSource.LOCAL_AUTHORITY,
        received_date=transfer_date,
        previous_la_code=previous_la_code,
        coordinator=coordinator,
        stage=RequestStage.FINAL_ISSUED,
        decision_due=rules.decision_to_assess_due(transfer_date, day_counting),
        not_to_issue_due=rules.decision_not_to_issue_due(transfer_date, day_counting),
        draft_target=rules.draft_plan_target(transfer_date, day_counting),
        final_due=rules.final_plan_due(transfer_date, day_counting),
        decision_date=transfer_date,
        issue_decision_date=transfer_date,
        final_issued_date=transfer_date,
        closed_date=transfer_date,
    )
    request.full_clean()
    plan = Plan(
        area=child.area,
        child=child,
        status=PlanStatus.ACTIVE,
        coordinator=coordinator,
        start_date=transfer_date,
        transferred_in_from=previous_la_code,
    )
    plan.full_clean()
    plan.save()
    request.plan = plan
    request.save()
    version = PlanVersion(
        plan=plan,
        number=1,
        kind=VersionKind.TRANSFER_IN,
        state=VersionState.ISSUED,
        request=request,
        issued_date=transfer_date,
        issued_by=acting_user,
        section_a="Transferred from another local authority: enter the plan's content.",
    )
    version.full_clean(validate_constraints=False)
    version.save()
    from opensend.ehc.services import reviews

    reviews.reschedule_from(
        plan=plan, last=last_review_date or transfer_date, acting_user=acting_user
    )
    _record_sen_status(acting_user, child, SENStatus.EHC_PLAN, transfer_date)
    event(
        acting_user=acting_user,
        decision=decision,
        child=child,
        request=request,
        plan=plan,
        action="plan_transferred_in",
        summary=f"EHC plan transferred in from LA {previous_la_code}",
        event_date=transfer_date,
    )
    return plan


@transaction.atomic
def plan_record_appeal(*, acting_user: User | None, plan: Plan, pending: bool) -> Plan:
    """Record that an appeal about the plan is under way (the plan stays in place) or over."""
    plan = Plan.objects.select_for_update(of=("self",)).select_related("child").get(pk=plan.pk)
    decision = authorise_case_work(acting_user, plan.child)
    if plan.status != PlanStatus.ACTIVE:
        raise StepOutOfOrder(
            f"The plan is {plan.get_status_display().lower()}; an appeal is recorded on a plan "
            "in force."
        )
    plan.appeal_pending = pending
    plan.save(update_fields=["appeal_pending"])
    event(
        acting_user=acting_user,
        decision=decision,
        child=plan.child,
        plan=plan,
        action="appeal_recorded",
        summary="Appeal lodged: the plan stays in place" if pending else "Appeal concluded",
        event_date=today(),
    )
    return plan


@transaction.atomic
def plan_cease(
    *,
    acting_user: User | None,
    plan: Plan,
    ceased_date: dt.date,
    reason: str,
    notice_date: dt.date | None = None,
    review_shows_no_wish_to_return: bool = False,
    transferred_to: str = "",
) -> Plan:
    """Cease to maintain a plan (Regs 29–31), only where the law allows: under 18 only if it
    is no longer needed; 18 or over and left education only after a review; never while an
    appeal is under way."""
    plan = (
        Plan.objects.select_for_update(of=("self",)).select_related("child__area").get(pk=plan.pk)
    )
    child = plan.child
    decision = authorise_case_work(acting_user, child)
    if plan.status != PlanStatus.ACTIVE:
        raise StepOutOfOrder(f"The plan is {plan.get_status_display().lower()}; it cannot cease.")
    assert plan.start_date is not None  # noqa: S101 - an active plan has started
    require_date("ceased_date", ceased_date, not_before=plan.start_date, label="the plan's start")
    problems = rules.cease_problems(
        date_of_birth=child.date_of_birth,
        on=ceased_date,
        reason=reason,
        review_shows_no_wish_to_return=review_shows_no_wish_to_return,
        appeal_pending=plan.appeal_pending,
    )
    if problems:
        raise ValidationError({"reason": problems})
    if reason == "5" and not transferred_to:
        raise ValidationError({"transferred_to": "Enter the LA code of the new area."})
    plan.status = PlanStatus.CEASED
    plan.ceased_date = ceased_date
    plan.cease_reason = reason
    plan.cease_notice_date = notice_date or plan.cease_notice_date or ceased_date
    plan.transferred_out_to = transferred_to
    plan.next_review_due = None
    plan.full_clean(validate_constraints=False)
    plan.save()
    AnnualReview.objects.filter(plan=plan).exclude(
        stage__in=[ReviewStage.COMPLETED, ReviewStage.CANCELLED]
    ).update(stage=ReviewStage.CANCELLED)
    cancel_steps(plan=plan, on=ceased_date)
    Step.objects.filter(review__plan=plan, completed_on__isnull=True).update(
        completed_on=ceased_date, cancelled=True
    )
    _record_sen_status(
        acting_user, child, SENStatus.SEN_SUPPORT if reason == "2" else SENStatus.NONE, ceased_date
    )
    event(
        acting_user=acting_user,
        decision=decision,
        child=child,
        plan=plan,
        action="plan_ceased",
        summary=f"EHC plan ceased: {plan.get_cease_reason_display()}",
        event_date=ceased_date,
        detail={"reason": reason},
    )
    return plan


def request_is_for(request: AssessmentRequest, child: Child) -> bool:
    return request.child_id == child.pk


def open_request_for(child: Child) -> AssessmentRequest | None:
    return (
        AssessmentRequest.objects.filter(
            child=child,
            stage__in=[
                RequestStage.RECEIVED,
                RequestStage.ASSESSING,
                RequestStage.DRAFTING,
                RequestStage.DRAFT_ISSUED,
            ],
        )
        .order_by("-received_date")
        .first()
    )


__all__ = [
    "consultation_respond",
    "consultation_send",
    "current_issued_version",
    "draft_issue",
    "draft_record_comments",
    "member_of",
    "placement_name",
    "placement_remove",
    "plan_cease",
    "plan_issue_final",
    "plan_record_appeal",
    "plan_transfer_in",
    "provision_line_remove",
    "provision_line_save",
    "section_sign_off",
    "version_start",
    "version_update",
]
