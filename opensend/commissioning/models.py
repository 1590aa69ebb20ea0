"""Joint commissioning: commissions (contracts and commissioned services) with their
commissioners' contributions, the commissioning cycle with its decisions and who agreed them,
and individually commissioned provision (spot purchases for one child).

Rows change only through ``opensend.commissioning.services``, which check the rules in
``opensend.commissioning.rules`` and write everything of one action in one transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from opensend.commissioning.codes import (
    Arrangement,
    CapacityUnit,
    CommissionStatus,
    CycleStageKind,
    FundingStream,
    ProvisionType,
    ReminderKind,
)
from opensend.core.models import Area, Organisation, User
from opensend.directory.models import Service
from opensend.ehc.models import ProvisionLine
from opensend.people.models import Child

__all__ = [
    "Commission",
    "CommissioningProject",
    "Contribution",
    "CycleStage",
    "Decision",
    "DecisionAgreement",
    "DecisionEvidence",
    "DisputeOutcome",
    "IndividualCommission",
    "ReminderSent",
    "ResponsibilityDispute",
]


class Commission(models.Model):
    """A commissioned service or contract: who provides what, for how much, from whose
    budget, with what capacity and outcomes."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="commissions")
    reference = models.CharField(max_length=40, help_text="The contract reference.")
    title = models.CharField(max_length=200)
    purpose = models.TextField("what it is for", blank=True)
    provision_type = models.CharField(
        "type of provision", max_length=24, choices=ProvisionType.choices
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="provider_commissions"
    )
    services = models.ManyToManyField(
        Service, related_name="commissions", blank=True, help_text="Local Offer services."
    )
    start_date = models.DateField()
    end_date = models.DateField()
    annual_value = models.DecimalField("value per year", max_digits=12, decimal_places=2)
    whole_life_value = models.DecimalField("whole-life value", max_digits=14, decimal_places=2)
    capacity_quantity = models.DecimalField(
        "capacity", max_digits=10, decimal_places=2, null=True, blank=True
    )
    capacity_unit = models.CharField(max_length=16, choices=CapacityUnit.choices, blank=True)
    arrangement = models.CharField(max_length=16, choices=Arrangement.choices)
    lead_commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    s75_reference = models.CharField("section 75 agreement reference", max_length=100, blank=True)
    status = models.CharField(
        max_length=16, choices=CommissionStatus.choices, default=CommissionStatus.PLANNED
    )
    review_date = models.DateField(null=True, blank=True)
    contract_expiry = models.DateField(
        null=True, blank=True, help_text="The last day of the contract with any extensions."
    )
    reprocurement_decision_date = models.DateField(
        "re-procurement decision due", null=True, blank=True
    )
    outcomes = models.TextField(
        "outcomes written into the contract", blank=True, help_text="One outcome a line."
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "reference"], name="commissioning_reference_unique_in_area"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="commissioning_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(annual_value__gte=0) & Q(whole_life_value__gte=0),
                name="commissioning_value_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "status"]),
            models.Index(fields=["provider", "status"]),
            models.Index(fields=["area", "provision_type"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def outcome_lines(self) -> list[str]:
        return [line.strip() for line in self.outcomes.splitlines() if line.strip()]

    @property
    def capacity(self) -> str:
        if self.capacity_quantity is None:
            return ""
        return f"{self.capacity_quantity.normalize():f} {self.get_capacity_unit_display()}".strip()


class Contribution(models.Model):
    """What one commissioner puts into a commission each year, and from which budget."""

    commission = models.ForeignKey(
        Commission, on_delete=models.CASCADE, related_name="contributions"
    )
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    funding_stream = models.CharField(max_length=16, choices=FundingStream.choices)
    annual_amount = models.DecimalField("amount per year", max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["commission", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commission", "commissioner", "funding_stream"],
                name="commissioning_contribution_once",
            ),
            models.CheckConstraint(
                condition=Q(annual_amount__gt=Decimal(0)),
                name="commissioning_contribution_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commissioner}: {self.annual_amount} a year"


class CommissioningProject(models.Model):
    """Commissioning work that is not (yet) one contract: a needs review, a market
    shaping exercise, a re-design across several services."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="commissioning_projects")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    partners = models.ManyToManyField(Organisation, related_name="+", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class CycleStage(models.Model):
    """One stage of the commissioning cycle of a commission or a project."""

    commission = models.ForeignKey(
        Commission, on_delete=models.CASCADE, null=True, blank=True, related_name="stages"
    )
    project = models.ForeignKey(
        CommissioningProject,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stages",
    )
    stage = models.CharField(max_length=16, choices=CycleStageKind.choices)
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(commission__isnull=False) & Q(project__isnull=True))
                | (Q(commission__isnull=True) & Q(project__isnull=False)),
                name="commissioning_stage_of_one_thing",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="commissioning_stage_completes_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} from {self.started_on}"


class Decision(models.Model):
    """A decision taken at a stage of the cycle."""

    stage = models.ForeignKey(CycleStage, on_delete=models.CASCADE, related_name="decisions")
    summary = models.TextField("what was decided")
    decided_on = models.DateField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["decided_on", "pk"]

    def __str__(self) -> str:
        return self.summary[:60]


class DecisionEvidence(models.Model):
    """Evidence for a decision: a file, or a link to a document held elsewhere."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="commissioning/evidence/%Y/", blank=True)
    url = models.URLField("link", max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url=""), name="commissioning_evidence_file_or_link"
            )
        ]

    def __str__(self) -> str:
        return self.title


class DecisionAgreement(models.Model):
    """A partner's agreement to a decision: which organisation, who for them, when."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="agreements")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    agreed_by_name = models.CharField("agreed for them by", max_length=150)
    agreed_on = models.DateField()

    class Meta:
        ordering = ["agreed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "organisation"], name="commissioning_agreement_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} agreed on {self.agreed_on}"


class IndividualCommission(models.Model):
    """A spot purchase: provision bought for one child, usually because no commissioned
    service delivers what the child's EHC plan names."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="spot_purchases")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="spot_purchases")
    provision_line = models.ForeignKey(
        ProvisionLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="spot_purchases",
        help_text="The line of the EHC plan this delivers.",
    )
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    provision_type = models.CharField(
        "type of provision", max_length=24, choices=ProvisionType.choices
    )
    description = models.CharField(max_length=255, blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=2)
    start_date = models.DateField()
    end_date = models.DateField()
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="commissioning_spot_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(cost__gte=0), name="commissioning_spot_cost_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["area", "provision_type"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.get_provision_type_display()}"

    @property
    def reference(self) -> str:
        return f"SP{self.pk:06d}"


class ReminderSent(models.Model):
    """A reminder sent about a commission's date, so the same one is never sent twice."""

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    due_date = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    recipient = models.EmailField()
    provider_reference = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commission", "kind", "due_date", "days_before", "recipient"],
                name="commissioning_reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date} to {self.recipient}"


class DisputeOutcome(models.TextChoices):
    """How a disagreement about who commissions a line of provision ended."""

    RESPONSIBILITY_ACCEPTED = "accepted", "The disputing organisation accepted responsibility"
    RESPONSIBILITY_MOVED = "moved", "Responsibility moved to another commissioner"
    SHARED = "shared", "The commissioners agreed to share the cost"
    WITHDRAWN = "withdrawn", "The dispute was withdrawn"


class ResponsibilityDispute(models.Model):
    """A commissioner (the ICB, or the council's social care commissioner) disputing that a
    line of an EHC plan's provision is theirs to commission or pay for. Open until resolved;
    the gap analysis lists the open ones by age."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="responsibility_disputes")
    provision_line = models.ForeignKey(
        ProvisionLine, on_delete=models.PROTECT, related_name="responsibility_disputes"
    )
    disputing_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The ICB or local authority disputing responsibility.",
    )
    disputed = models.TextField("what is disputed")
    raised_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=DisputeOutcome.choices, blank=True)
    outcome_note = models.TextField("how it was resolved", blank=True)
    raised_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["raised_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("raised_on")),
                name="commissioning_dispute_resolved_after_raised",
            ),
            models.CheckConstraint(
                condition=(Q(resolved_on__isnull=True) & Q(outcome=""))
                | (Q(resolved_on__isnull=False) & ~Q(outcome="")),
                name="commissioning_dispute_resolved_with_outcome",
            ),
        ]
        indexes = [models.Index(fields=["area", "resolved_on"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.disputing_organisation}"

    @property
    def reference(self) -> str:
        return f"RD{self.pk:05d}"

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None
