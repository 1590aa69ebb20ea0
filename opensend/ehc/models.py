"""EHC needs assessment and plans: requests, advice, decisions, drafts, final plans, annual
reviews, phase transfers and ceasing, with the statutory clock.

The lifecycle is a state machine (docs/adr/0011-ehc-lifecycle.md): ``AssessmentRequest.stage``
and ``AnnualReview.stage`` change only through ``opensend.ehc.services``, which check the
transition, compute the time limits with ``opensend.ehc.rules`` and keep the open ``Step`` rows
(the work each person or organisation holds, with its due date) in step with the case. Caseload
and timeliness figures are queries over those rows, run in the database.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from opensend.core.codes import (
    CeaseReason,
    DirectPaymentType,
    ResidentialCode,
    ReviewOutcome,
    SENSetting,
    WorkBasedProvision,
)
from opensend.core.models import Area, Organisation, User
from opensend.ehc.rules import (
    EXCEPTION_LABELS,
    PHASE_TRANSFER_LABELS,
    ExceptionKind,
    PhaseTransfer,
    StepStatus,
)
from opensend.people.models import Child

__all__ = [
    "AdviceRequest",
    "AdviceStatus",
    "AdviceType",
    "AnnualReview",
    "AssessmentRequest",
    "CaseEvent",
    "Commissioner",
    "Consultation",
    "ConsultationResponse",
    "Frequency",
    "Notice",
    "NoticeKind",
    "Plan",
    "PlanPlacement",
    "PlanSection",
    "PlanStatus",
    "PlanVersion",
    "ProvisionLine",
    "QuantityUnit",
    "RequestKind",
    "RequestSource",
    "RequestStage",
    "ReviewStage",
    "SectionSignOff",
    "Step",
    "StepKind",
    "StepStatus",
    "TimeLimitException",
    "VersionKind",
    "VersionState",
]


class RequestKind(models.TextChoices):
    NEW = "new", "Request for an EHC needs assessment"
    REASSESSMENT = "reassessment", "Request for a re-assessment"
    TRANSFER_IN = "transfer_in", "Plan transferred in from another area"


class RequestSource(models.TextChoices):
    """Who asked for the assessment (SEN2 v1.3 RequestSource)."""

    PARENT = "parent", "Parent or carer"
    YOUNG_PERSON = "young_person", "Young person"
    SETTING = "setting", "School, college or early years setting"
    HEALTH = "health", "Health service"
    SOCIAL_CARE = "social_care", "Social care"
    LOCAL_AUTHORITY = "local_authority", "The local authority"
    OTHER = "other", "Other"


class RequestStage(models.TextChoices):
    RECEIVED = "received", "Deciding whether to assess"
    ASSESSING = "assessing", "Assessing needs"
    DRAFTING = "drafting", "Writing the draft plan"
    DRAFT_ISSUED = "draft_issued", "Draft plan with the family"
    FINAL_ISSUED = "final_issued", "Final plan issued"
    NOT_ASSESSING = "not_assessing", "Decided not to assess"
    NOT_ISSUING = "not_issuing", "Decided not to issue a plan"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: Stages in which the request is still being worked on.
OPEN_REQUEST_STAGES = frozenset(
    {
        RequestStage.RECEIVED,
        RequestStage.ASSESSING,
        RequestStage.DRAFTING,
        RequestStage.DRAFT_ISSUED,
    }
)


class AssessmentRequest(models.Model):
    """A request for an EHC needs assessment (or re-assessment), from receipt to a final plan
    or a decision not to assess or not to issue. SEN2 ``Request`` and ``Assessment``."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="ehc_requests")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="ehc_requests")
    kind = models.CharField(max_length=16, choices=RequestKind.choices, default=RequestKind.NEW)
    source = models.CharField(max_length=16, choices=RequestSource.choices)
    requester_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requester_name = models.CharField(max_length=150, blank=True)
    received_date = models.DateField(
        help_text="The day the request arrived (or the day the LA became responsible, s.24)."
    )
    previous_la_code = models.CharField(
        "previous LA code",
        max_length=3,
        blank=True,
        help_text="For a plan transferred in: the DfE code of the area it came from.",
    )
    plan = models.ForeignKey(
        "Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        help_text="The plan this request produced, or the plan being re-assessed.",
    )
    coordinator = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stage = models.CharField(
        max_length=16, choices=RequestStage.choices, default=RequestStage.RECEIVED
    )

    # the statutory clock, computed once from the received date and the area's day counting
    decision_due = models.DateField("decision whether to assess due")
    not_to_issue_due = models.DateField("decision not to issue due")
    draft_target = models.DateField("draft plan target")
    final_due = models.DateField("final plan due")

    decision_date = models.DateField("decided whether to assess on", null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    issue_decision_date = models.DateField("decided whether to issue on", null=True, blank=True)
    issue_decision_reasons = models.TextField(blank=True)
    final_issued_date = models.DateField(null=True, blank=True)
    closed_date = models.DateField(
        null=True, blank=True, help_text="Final plan issued, a refusal, or withdrawal."
    )
    withdrawal_reason = models.TextField(blank=True)
    has_exception = models.BooleanField(
        default=False, help_text="An exception lifting the 6-, 16- or 20-week limit is recorded."
    )

    # disagreement after a decision (SEN2 RequestMediation/Tribunal, AssessmentMediation/
    # Tribunal); the disputes app records the detail
    request_mediation = models.BooleanField(default=False)
    request_tribunal = models.BooleanField(default=False)
    assessment_mediation = models.BooleanField(default=False)
    assessment_tribunal = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-received_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision_date__isnull=True) | Q(decision_date__gte=F("received_date")),
                name="ehc_decision_after_request",
            ),
            models.CheckConstraint(
                condition=Q(final_issued_date__isnull=True)
                | Q(final_issued_date__gte=F("received_date")),
                name="ehc_final_after_request",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "stage"]),
            models.Index(fields=["area", "received_date"]),
            models.Index(fields=["area", "final_issued_date"]),
            models.Index(fields=["child", "received_date"]),
            models.Index(fields=["coordinator", "stage"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} received {self.received_date:%-d %B %Y}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_REQUEST_STAGES

    @property
    def reference(self) -> str:
        return f"R{self.pk:06d}"


class TimeLimitException(models.Model):
    """A recorded exception that lifts the 6-, 16- and 20-week limits for a request
    (Regs 5(4), 10(4), 13(3))."""

    request = models.ForeignKey(
        AssessmentRequest, on_delete=models.CASCADE, related_name="exceptions"
    )
    kind = models.CharField(
        max_length=32, choices=[(k.value, EXCEPTION_LABELS[k]) for k in ExceptionKind]
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="ehc_exception_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.start_date}"


class AdviceType(models.TextChoices):
    """The advice and information an EHC needs assessment seeks (Reg 6(1))."""

    PARENT = "parent", "Parent or young person"
    EDUCATION = "education", "Education"
    HEALTH = "health", "Health (medical)"
    PSYCHOLOGICAL = "psychological", "Educational psychology"
    SOCIAL_CARE = "social_care", "Social care"
    PREPARING_FOR_ADULTHOOD = "adulthood", "Preparing for adulthood (Year 9 onwards)"
    OTHER = "other", "Other"


class AdviceStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    RETURNED = "returned", "Returned"
    CANCELLED = "cancelled", "Cancelled"


class AdviceRequest(models.Model):
    """A request for advice to an agency during an assessment, due 6 weeks after it is sent
    (Reg 8(1))."""

    request = models.ForeignKey(
        AssessmentRequest, on_delete=models.CASCADE, related_name="advice_requests"
    )
    advice_type = models.CharField(max_length=16, choices=AdviceType.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ehc_advice_requests",
        help_text="Who is asked; none for the family's own advice.",
    )
    requested_date = models.DateField()
    due_date = models.DateField()
    status = models.CharField(
        max_length=16, choices=AdviceStatus.choices, default=AdviceStatus.REQUESTED
    )
    returned_date = models.DateField(null=True, blank=True)
    returned_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(blank=True, help_text="The advice, or a summary of it.")
    exception_kind = models.CharField(
        max_length=32,
        blank=True,
        choices=[(k.value, EXCEPTION_LABELS[k]) for k in ExceptionKind],
        help_text="An exception to the 6-week limit for advice (Reg 8(2)).",
    )
    exception_note = models.TextField(blank=True)
    cancelled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_date__isnull=True) | Q(returned_date__gte=F("requested_date")),
                name="ehc_advice_returned_after_request",
            ),
            models.CheckConstraint(
                condition=Q(status=AdviceStatus.RETURNED, returned_date__isnull=False)
                | ~Q(status=AdviceStatus.RETURNED),
                name="ehc_advice_returned_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_date"]),
            models.Index(fields=["status", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_advice_type_display()} advice requested {self.requested_date}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft (not yet in force)"
    ACTIVE = "active", "Active"
    CEASED = "ceased", "Ceased"
    NOT_FINALISED = "not_finalised", "Draft not finalised"


class Plan(models.Model):
    """An EHC plan: from its first draft to ceasing. Its content is in ``PlanVersion`` rows,
    one per draft, final or amendment, every issued version kept."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="ehc_plans")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="ehc_plans")
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    coordinator = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField(
        null=True, blank=True, help_text="The day the first final plan was issued."
    )
    transferred_in_from = models.CharField(
        max_length=3, blank=True, help_text="DfE LA code of the area the plan came from."
    )
    last_review_date = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    last_review_outcome = models.CharField(max_length=1, choices=ReviewOutcome.choices, blank=True)
    appeal_pending = models.BooleanField(
        default=False, help_text="An appeal is under way: the plan stays in place."
    )
    cease_notice_date = models.DateField(null=True, blank=True)
    ceased_date = models.DateField(null=True, blank=True)
    cease_reason = models.CharField(max_length=1, choices=CeaseReason.choices, blank=True)
    transferred_out_to = models.CharField(max_length=3, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status__in=["draft", "active"]),
                name="ehc_one_live_plan",
            ),
            models.CheckConstraint(
                condition=Q(ceased_date__isnull=True) | Q(ceased_date__gte=F("start_date")),
                name="ehc_plan_ceases_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status="ceased")
                | (Q(ceased_date__isnull=False) & ~Q(cease_reason="")),
                name="ehc_ceased_plan_has_date_and_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "status", "next_review_due"]),
            models.Index(fields=["area", "status", "start_date"]),
            models.Index(fields=["coordinator", "status"]),
        ]

    def __str__(self) -> str:
        return f"EHC plan {self.reference}"

    @property
    def reference(self) -> str:
        return f"P{self.pk:06d}"


class VersionKind(models.TextChoices):
    NEW = "new", "New plan"
    AMENDMENT = "amendment", "Amendment after review"
    REASSESSMENT = "reassessment", "Re-assessment"
    TRANSFER_IN = "transfer_in", "Transferred in"


class VersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PlanSection(models.TextChoices):
    """The sections of an EHC plan (Reg 12, CoP 9.62)."""

    A = "a", "A: The views, interests and aspirations of the child and family"
    B = "b", "B: Special educational needs"
    C = "c", "C: Health needs related to the SEN"
    D = "d", "D: Social care needs related to the SEN"
    E = "e", "E: Outcomes"
    F = "f", "F: Special educational provision"
    G = "g", "G: Health provision"
    H1 = "h1", "H1: Social care provision under the Chronically Sick and Disabled Persons Act"
    H2 = "h2", "H2: Other social care provision"
    I = "i", "I: Placement"  # noqa: E741 - the plan's own section letter
    J = "j", "J: Personal budget"
    K = "k", "K: Advice and information"


#: Sections whose provision is recorded as lines.
PROVISION_SECTIONS = (PlanSection.F, PlanSection.G, PlanSection.H1, PlanSection.H2)
#: Sections another agency signs off: health (C, G) by the ICB, social care (D, H1, H2) by the
#: LA's social care service.
HEALTH_SECTIONS = (PlanSection.C, PlanSection.G)
SOCIAL_CARE_SECTIONS = (PlanSection.D, PlanSection.H1, PlanSection.H2)
TEXT_SECTIONS = tuple(PlanSection)


class PlanVersion(models.Model):
    """One version of a plan: a draft, then the issued final; each amendment is a new version.
    ``lock_version`` guards against two people editing the same draft at once."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=VersionKind.choices)
    state = models.CharField(
        max_length=16, choices=VersionState.choices, default=VersionState.DRAFT
    )
    request = models.ForeignKey(
        AssessmentRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review = models.ForeignKey(
        "AnnualReview", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    section_a = models.TextField(PlanSection.A.label, blank=True)
    section_b = models.TextField(PlanSection.B.label, blank=True)
    section_c = models.TextField(PlanSection.C.label, blank=True)
    section_d = models.TextField(PlanSection.D.label, blank=True)
    section_e = models.TextField(PlanSection.E.label, blank=True)
    section_f = models.TextField(PlanSection.F.label, blank=True)
    section_g = models.TextField(PlanSection.G.label, blank=True)
    section_h1 = models.TextField(PlanSection.H1.label, blank=True)
    section_h2 = models.TextField(PlanSection.H2.label, blank=True)
    section_i = models.TextField(PlanSection.I.label, blank=True)
    section_j = models.TextField(PlanSection.J.label, blank=True)
    section_k = models.TextField(PlanSection.K.label, blank=True)

    # personal budget (SEN2 PB, OA, DP)
    personal_budget = models.BooleanField("personal budget taken up", default=False)
    organised_arrangements = models.CharField(
        max_length=1, choices=DirectPaymentType.choices, blank=True
    )
    direct_payments = models.CharField(max_length=1, choices=DirectPaymentType.choices, blank=True)

    # the draft with the family (Reg 13(1)): 15 days beginning with the day it is served
    draft_served_date = models.DateField(null=True, blank=True)
    comments_due = models.DateField(null=True, blank=True)
    comments_received_date = models.DateField(null=True, blank=True)
    family_comments = models.TextField(blank=True)
    meeting_requested = models.BooleanField(default=False)
    preferred_setting = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    preferred_setting_other = models.CharField(max_length=200, blank=True)

    issued_date = models.DateField(null=True, blank=True)
    issued_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lock_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="ehc_version_number_once"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(state="draft"), name="ehc_one_draft_per_plan"
            ),
            models.CheckConstraint(
                condition=~Q(state="issued") | Q(issued_date__isnull=False),
                name="ehc_issued_version_has_date",
            ),
            models.CheckConstraint(
                condition=Q(issued_date__isnull=True)
                | Q(draft_served_date__isnull=True)
                | Q(issued_date__gte=F("draft_served_date")),
                name="ehc_final_after_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} version {self.number} ({self.get_state_display()})"

    def section_text(self, section: PlanSection | str) -> str:
        return str(getattr(self, f"section_{PlanSection(section).value}"))


class Commissioner(models.TextChoices):
    """Who pays for a line of provision."""

    LA_EDUCATION = "la_education", "Local authority (education, high needs)"
    SCHOOL_BUDGET = "school_budget", "The school or college's own budget"
    LA_SOCIAL_CARE = "la_social_care", "Local authority (social care)"
    ICB = "icb", "Integrated Care Board"
    LA_PUBLIC_HEALTH = "la_public_health", "Local authority (public health)"


#: Which commissioners may fund which section's provision.
SECTION_COMMISSIONERS: dict[str, frozenset[str]] = {
    PlanSection.F: frozenset({Commissioner.LA_EDUCATION, Commissioner.SCHOOL_BUDGET}),
    PlanSection.G: frozenset({Commissioner.ICB, Commissioner.LA_PUBLIC_HEALTH}),
    PlanSection.H1: frozenset({Commissioner.LA_SOCIAL_CARE}),
    PlanSection.H2: frozenset({Commissioner.LA_SOCIAL_CARE}),
}


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"
    TERMLY = "termly", "Each term"
    HALF_TERMLY = "half_termly", "Each half term"
    ANNUALLY = "annually", "Each year"
    ONCE = "once", "Once"


class QuantityUnit(models.TextChoices):
    MINUTES = "minutes", "minutes"
    HOURS = "hours", "hours"
    SESSIONS = "sessions", "sessions"
    DAYS = "days", "days"
    NIGHTS = "nights", "nights"


class ProvisionLine(models.Model):
    """One line of provision in section F, G, H1 or H2: what, how much, how often, who
    provides it, who commissions it and what it costs."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="lines")
    section = models.CharField(
        max_length=2, choices=[(s.value, s.label) for s in PROVISION_SECTIONS]
    )
    position = models.PositiveIntegerField(default=0)
    description = models.TextField("what is provided")
    outcome = models.CharField("outcome it supports", max_length=255, blank=True)
    quantity = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=16, choices=QuantityUnit.choices, blank=True)
    frequency = models.CharField(max_length=16, choices=Frequency.choices, blank=True)
    provider_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider_description = models.CharField(
        "provided by", max_length=200, blank=True, help_text="The service or role providing it."
    )
    commissioner = models.CharField(max_length=20, choices=Commissioner.choices)
    annual_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["version", "section", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="ehc_provision_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(annual_cost__isnull=True) | Q(annual_cost__gte=0),
                name="ehc_provision_cost_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["section", "commissioner"])]

    def __str__(self) -> str:
        return f"{self.section.upper()}: {self.description[:60]}"

    @property
    def amount(self) -> str:
        parts = []
        if self.quantity is not None:
            quantity = f"{self.quantity.normalize():f}"
            parts.append(f"{quantity} {self.get_unit_display()}".strip())
        if self.frequency:
            parts.append(self.get_frequency_display().lower())
        return ", ".join(parts)


class PlanPlacement(models.Model):
    """A setting named in section I (SEN2 PlanDetail / PlacementDetail): an establishment, or
    a code for an arrangement that has none."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="placements")
    rank = models.PositiveSmallIntegerField(default=1, choices=[(1, "Main"), (2, "Second")])
    setting = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sen_setting = models.CharField(
        "arrangement without a setting", max_length=4, choices=SENSetting.choices, blank=True
    )
    sen_setting_other = models.CharField(max_length=200, blank=True)
    in_sen_unit = models.BooleanField("in an SEN unit", default=False)
    in_resourced_provision = models.BooleanField(default=False)
    residential = models.CharField(max_length=1, choices=ResidentialCode.choices, blank=True)
    work_based = models.CharField(max_length=1, choices=WorkBasedProvision.choices, blank=True)

    class Meta:
        ordering = ["version", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["version", "rank"], name="ehc_placement_rank_once"),
            models.CheckConstraint(
                condition=(Q(setting__isnull=False) & Q(sen_setting=""))
                | (Q(setting__isnull=True) & ~Q(sen_setting="")),
                name="ehc_placement_setting_or_code",
            ),
        ]

    def __str__(self) -> str:
        return self.setting.name if self.setting else self.get_sen_setting_display()


class SectionSignOff(models.Model):
    """A health or social care agency's agreement to its sections of a version."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="sign_offs")
    section = models.CharField(max_length=2, choices=PlanSection.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "section"]
        constraints = [
            models.UniqueConstraint(fields=["version", "section"], name="ehc_section_signed_once")
        ]

    def __str__(self) -> str:
        return f"Section {self.section.upper()} signed off by {self.organisation}"


class ConsultationResponse(models.TextChoices):
    AWAITED = "awaited", "Awaiting a response"
    CAN_MEET = "can_meet", "Can meet the child's needs"
    CANNOT_MEET = "cannot_meet", "Cannot meet the child's needs"


class Consultation(models.Model):
    """Consulting a setting about naming it in the plan (s.39(2)); it has 15 days to respond."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="consultations")
    setting = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sent_date = models.DateField()
    response_due = models.DateField()
    response = models.CharField(
        max_length=16, choices=ConsultationResponse.choices, default=ConsultationResponse.AWAITED
    )
    response_date = models.DateField(null=True, blank=True)
    response_note = models.TextField(blank=True)
    parent_preference = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "sent_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "setting"], name="ehc_consult_once"),
            models.CheckConstraint(
                condition=Q(response_date__isnull=True) | Q(response_date__gte=F("sent_date")),
                name="ehc_consult_response_after_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"Consultation with {self.setting}"


class ReviewStage(models.TextChoices):
    SCHEDULED = "scheduled", "Review due"
    MEETING_HELD = "meeting_held", "Meeting held, awaiting the report"
    REPORT_RECEIVED = "report_received", "Report received, awaiting the decision"
    AMENDING = "amending", "Amending the plan"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class AnnualReview(models.Model):
    """An annual review of a plan (Regs 18–22), with a phase transfer where one is due."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(
        max_length=16, choices=ReviewStage.choices, default=ReviewStage.SCHEDULED
    )
    due_date = models.DateField(help_text="The meeting must be held by this day.")
    meeting_date = models.DateField(null=True, blank=True)
    invitations_sent_date = models.DateField(null=True, blank=True)
    report_received_date = models.DateField(null=True, blank=True)
    report_summary = models.TextField(blank=True)
    prepares_for_adulthood = models.BooleanField(default=False)
    outcome = models.CharField(max_length=1, choices=ReviewOutcome.choices, blank=True)
    decision_date = models.DateField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    amended_plan_due = models.DateField(null=True, blank=True)
    completed_date = models.DateField(null=True, blank=True)
    phase_transfer = models.CharField(
        max_length=32,
        blank=True,
        choices=[(k.value, PHASE_TRANSFER_LABELS[k]) for k in PhaseTransfer],
    )
    transfer_date = models.DateField(null=True, blank=True)
    phase_transfer_deadline = models.DateField(null=True, blank=True)
    new_setting = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lock_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=~Q(stage__in=["completed", "cancelled"]),
                name="ehc_one_open_review",
            ),
        ]
        indexes = [models.Index(fields=["stage", "due_date"])]

    def __str__(self) -> str:
        return f"Annual review of {self.plan} due {self.due_date}"


class StepKind(models.TextChoices):
    DECIDE_TO_ASSESS = "decide_to_assess", "Decide whether to assess"
    ADVICE = "advice", "Return advice"
    DECIDE_TO_ISSUE = "decide_to_issue", "Decide whether to issue a plan"
    DRAFT_PLAN = "draft_plan", "Issue the draft plan"
    DRAFT_COMMENTS = "draft_comments", "Family's comments on the draft"
    CONSULTATION = "consultation", "Respond to the consultation"
    FINAL_PLAN = "final_plan", "Issue the final plan"
    REVIEW_MEETING = "review_meeting", "Hold the annual review meeting"
    REVIEW_REPORT = "review_report", "Receive the review report"
    REVIEW_DECISION = "review_decision", "Decide after the review"
    AMENDED_PLAN = "amended_plan", "Issue the amended plan"
    PHASE_TRANSFER = "phase_transfer", "Name the new setting for the phase transfer"


#: Steps whose limit an exception lifts (Regs 5(4), 10(4), 13(3)).
EXCEPTION_STEP_KINDS = frozenset(
    {StepKind.DECIDE_TO_ASSESS, StepKind.DECIDE_TO_ISSUE, StepKind.FINAL_PLAN}
)


class Step(models.Model):
    """A piece of work someone holds in a case, with its due date: the rows behind "my cases",
    the area's caseload, timeliness and reminders. Services open and close them."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    request = models.ForeignKey(
        AssessmentRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    review = models.ForeignKey(
        AnnualReview, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    advice = models.ForeignKey(
        AdviceRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, null=True, blank=True, related_name="steps"
    )
    holder_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    holder_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_on = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    statutory = models.BooleanField(default=True)
    suspended = models.BooleanField(
        default=False, help_text="An exception lifts this step's statutory limit."
    )
    completed_on = models.DateField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("opened_on")),
                name="ehc_step_completed_after_opened",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "completed_on", "due_date"]),
            models.Index(fields=["holder_user", "completed_on", "due_date"]),
            models.Index(fields=["holder_organisation", "completed_on", "due_date"]),
            models.Index(fields=["area", "kind", "completed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_date}"


class CaseEvent(models.Model):
    """The audit trail of a case: each service writes what it did, who did it and what
    changed. Shown as the case's history and on the child's timeline."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="ehc_events")
    request = models.ForeignKey(
        AssessmentRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=48)
    summary = models.CharField(max_length=255)
    detail = models.JSONField(default=dict, blank=True)
    event_date = models.DateField(help_text="The day the thing happened (may be back-dated).")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["event_date", "recorded_at", "pk"]
        indexes = [models.Index(fields=["child", "event_date"])]

    def __str__(self) -> str:
        return self.summary


class NoticeKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class Notice(models.Model):
    """A reminder sent about a step. One per step, kind, due date and recipient, so running the
    reminder task twice sends nothing twice."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    due_date = models.DateField()
    recipient = models.EmailField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "kind", "due_date", "recipient"], name="ehc_notice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} notice to {self.recipient}"
