"""Pathways and waiting lists: an area's pathways (who provides them and the standard they are
held to), the referrals on them with the dated events and patient pauses that ``rules.py``
turns into the 18-week clock, support offered while a family waits, and the returns providers
upload.

The events and pauses are the record; the dates on ``Referral`` (received, triaged, first
appointment, clock stop) are kept by the services from the events, so that the figures can
count in SQL without walking every pathway.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from opensend.core.models import Area, Organisation
from opensend.core.roles import PROVIDER_KINDS
from opensend.pathways import rules
from opensend.people.models import Child


class PathwayKind(models.TextChoices):
    AUTISM = "nd_autism", "Neurodevelopmental: autism"
    ADHD = "nd_adhd", "Neurodevelopmental: ADHD"
    SPEECH_AND_LANGUAGE = "salt", "Speech and language therapy"
    OCCUPATIONAL_THERAPY = "ot", "Occupational therapy"
    SENSORY_OT = "sensory_ot", "Sensory occupational therapy"
    PHYSIOTHERAPY = "physio", "Physiotherapy"
    CAMHS = "camhs", "Child and adolescent mental health services (CAMHS)"
    OTHER = "other", "Other"


class MeasureChoice(models.TextChoices):
    UNADJUSTED = rules.Measure.UNADJUSTED.value, "National RTT (patient pauses not deducted)"
    ADJUSTED = rules.Measure.ADJUSTED.value, "Adjusted for patient pauses (local measure)"


class Pathway(models.Model):
    """A pathway an area commissions from one provider, and the standards it is held to."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="pathways")
    kind = models.CharField(max_length=16, choices=PathwayKind.choices)
    name = models.CharField(max_length=200)
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="pathways")
    standard_weeks = models.PositiveSmallIntegerField(
        default=rules.STANDARD_WEEKS, validators=[MinValueValidator(1), MaxValueValidator(104)]
    )
    standard_percent = models.PositiveSmallIntegerField(
        default=92, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    triage_working_days = models.PositiveSmallIntegerField(
        default=rules.TRIAGE_WORKING_DAYS, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    measure = models.CharField(
        max_length=16, choices=MeasureChoice.choices, default=MeasureChoice.UNADJUSTED
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="pathway_name_unique_in_area")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.provider_id is not None and self.provider.kind not in PROVIDER_KINDS:
            raise ValidationError(
                {"provider": "The provider must be an NHS trust or another provider of services."}
            )

    @property
    def rules_measure(self) -> rules.Measure:
        return rules.Measure(self.measure)


class ReferralSource(models.TextChoices):
    GP = "gp", "GP"
    SCHOOL = "school", "School or setting"
    HEALTH_VISITOR = "health_visitor", "Health visitor"
    PARENT = "parent", "Parent or carer"
    SOCIAL_CARE = "social_care", "Social care"
    OTHER = "other", "Other"


class TriageOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted onto the pathway"
    NOT_ACCEPTED = "not_accepted", "Not accepted: referred back with advice"


#: Why a referral left the list: the stop events of the rules, or a missed first appointment
#: that nullified the clock.
STOP_REASON_CHOICES = [
    (kind.value, kind.label)
    for kind in rules.EventKind
    if kind in rules.STOP_EVENTS or kind is rules.EventKind.DID_NOT_ATTEND
]
EVENT_CHOICES = [(kind.value, kind.label) for kind in rules.EventKind]


class Referral(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="referrals")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="pathway_referrals")
    provider_reference = models.CharField("provider's referral id", max_length=40)
    source = models.CharField(max_length=16, choices=ReferralSource.choices)
    received_on = models.DateField()
    triaged_on = models.DateField(null=True, blank=True)
    triage_outcome = models.CharField(max_length=16, choices=TriageOutcome.choices, blank=True)
    first_appointment_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    stop_reason = models.CharField(max_length=32, choices=STOP_REASON_CHOICES, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pathway", "received_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "provider_reference"], name="referral_reference_unique"
            )
        ]
        indexes = [
            models.Index(fields=["pathway", "received_on"]),
            models.Index(fields=["pathway", "stopped_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.pathway} referral {self.provider_reference}"

    def as_rules(self) -> rules.Pathway:
        """The referral as ``rules.py`` reads it (use ``prefetch_related('events', 'pauses')``)."""
        return to_rules(list(self.events.all()), list(self.pauses.all()))


class ReferralEvent(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EVENT_CHOICES)
    on = models.DateField()
    clearly_communicated = models.BooleanField(default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["referral", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on}"

    def as_rules(self) -> rules.Event:
        return rules.Event(rules.EventKind(self.kind), self.on, self.clearly_communicated)


class ReferralPause(models.Model):
    """A delay the family asked for: from ``start`` up to, not including, ``end``."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="pauses")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["referral", "start"]

    def __str__(self) -> str:
        return f"Pause from {self.start}"

    def as_rules(self) -> rules.Pause:
        return rules.Pause(self.start, self.end)


def to_rules(events: list[ReferralEvent], pauses: list[ReferralPause]) -> rules.Pathway:
    ordered = sorted(events, key=lambda e: (e.on, e.pk or 0))
    return rules.Pathway(
        events=tuple(e.as_rules() for e in ordered), pauses=tuple(p.as_rules() for p in pauses)
    )


class SupportKind(models.TextChoices):
    ADVICE_PACK = "advice_pack", "Advice and information pack"
    WORKSHOP = "workshop", "Parent or carer workshop"
    DROP_IN = "drop_in", "Drop-in or advice line"
    SCHOOL_STRATEGIES = "school_strategies", "Strategies for the school or setting"
    SIGNPOSTING = "signposting", "Signposting to another service"
    OTHER = "other", "Other"


class SupportWhileWaiting(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="support")
    kind = models.CharField(max_length=24, choices=SupportKind.choices)
    description = models.CharField(max_length=500, blank=True)
    offered_on = models.DateField()
    offered_by = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["referral", "offered_on", "pk"]
        verbose_name_plural = "support while waiting"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.offered_on}"


class ReturnStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    REFUSED = "refused", "Refused"


class ProviderReturn(models.Model):
    """One upload (or API post) of a provider's referral-level return, whatever came of it."""

    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="returns")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=8)  # csv, xlsx or json
    status = models.CharField(max_length=16, choices=ReturnStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Return for {self.pathway} at {self.uploaded_at:%Y-%m-%d %H:%M}"

    def error_list(self) -> list[dict[str, Any]]:
        return list(self.errors or [])
