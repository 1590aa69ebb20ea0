"""The performance framework's store: indicators (KPI definitions an area holds), their values
by period, the periods an officer has closed, and the returns providers upload.

The rules are the pure modules beside this one: ``kpi`` (validation, a period's value, RAG,
travel, suppression, periods) and ``spc`` (the Making Data Count XmR chart).
``Indicator.definition()`` turns a row into the ``kpi.KpiDefinition`` they take. Rows change
only through ``opensend.insight.services``. A correction to a value keeps the value it
replaces as an ``IndicatorValueRevision``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from opensend.commissioning.models import Commission
from opensend.core.models import Area, Organisation
from opensend.insight import kpi
from opensend.insight.metrics import Metric
from opensend.pathways.models import Pathway

__all__ = [
    "ClosedPeriod",
    "Domain",
    "Indicator",
    "IndicatorValue",
    "IndicatorValueRevision",
    "KpiReturn",
    "RagKind",
    "ValueSource",
]


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]


YEAR_STARTS = [
    (kpi.YearStart.FINANCIAL.value, "Financial year (from April)"),
    (kpi.YearStart.ACADEMIC.value, "Academic year (from September)"),
    (kpi.YearStart.CALENDAR.value, "Calendar year (from January)"),
]


class Domain(models.TextChoices):
    EDUCATION = "education", "Education"
    HEALTH = "health", "Health"
    CARE = "care", "Social care"
    JOINT = "joint", "Joint (education, health and care)"


class RagKind(models.TextChoices):
    NONE = "", "No RAG rating"
    RELATIVE = "relative", "Relative to the target (amber within a tolerance)"
    ABSOLUTE = "absolute", "Fixed green and red thresholds"


class ToleranceKindChoice(models.TextChoices):
    UNITS = kpi.ToleranceKind.UNITS.value, "In the KPI's own units"
    SHARE = kpi.ToleranceKind.SHARE_OF_TARGET.value, "As a percentage of the target"


class ValueSource(models.TextChoices):
    COMPUTED = "computed", "Computed by OpenSEND"
    PROVIDER = "provider", "Supplied by the provider"
    MANUAL = "manual", "Entered by an officer"


def _figure(**extra: Any) -> Any:
    return models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, **extra)


class Indicator(models.Model):
    """One KPI an area measures: what it counts, which way is better, its target and RAG
    thresholds, how often and from where its values come."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="indicators")
    code = models.SlugField(max_length=40, help_text="Short and unique in the area: ehc-20-weeks.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    counted = models.TextField("what is counted", blank=True)
    numerator_label = models.CharField("numerator", max_length=255)
    denominator_label = models.CharField(
        "denominator", max_length=255, blank=True, help_text="Leave blank unless it is a rate."
    )
    domain = models.CharField(max_length=16, choices=Domain.choices)
    unit = models.CharField(max_length=16, choices=_choices(kpi.Unit))
    polarity = models.CharField(max_length=16, choices=_choices(kpi.Polarity))
    frequency = models.CharField(max_length=16, choices=_choices(kpi.Frequency))
    year_start = models.CharField(
        "reporting year",
        max_length=16,
        choices=YEAR_STARTS,
        default=kpi.YearStart.FINANCIAL.value,
    )
    decimal_places = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(3)])
    source = models.CharField(max_length=16, choices=_choices(kpi.Source))
    target = _figure()
    rag_kind = models.CharField(
        "RAG rating", max_length=16, choices=RagKind.choices, blank=True, default=RagKind.NONE
    )
    rag_tolerance = _figure(verbose_name="amber tolerance")
    rag_tolerance_kind = models.CharField(
        "tolerance measured",
        max_length=8,
        choices=ToleranceKindChoice.choices,
        default=ToleranceKindChoice.UNITS,
    )
    rag_green = _figure(verbose_name="green threshold")
    rag_red = _figure(verbose_name="red threshold")
    computed_metric = models.CharField(
        "computed from", max_length=32, choices=Metric.choices, blank=True
    )
    pathway = models.ForeignKey(
        Pathway,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The pathway a waiting-list KPI measures.",
    )
    metric_days = models.PositiveSmallIntegerField(
        "days allowed",
        null=True,
        blank=True,
        help_text="For feedback answered within a number of days.",
    )
    commission = models.ForeignKey(
        Commission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        help_text="The contract this KPI is written into; its provider supplies the values.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["domain", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="insight_code_unique_in_area")
        ]
        indexes = [models.Index(fields=["area", "active"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def rag(self) -> kpi.Rag | None:
        """The RAG thresholds as ``kpi`` takes them (``None`` where there is no rating or a
        threshold is missing: ``definition_problems`` says so when saving)."""
        if self.rag_kind == RagKind.RELATIVE and self.rag_tolerance is not None:
            return kpi.RelativeRag(
                self.rag_tolerance, kpi.ToleranceKind(self.rag_tolerance_kind or "units")
            )
        if (
            self.rag_kind == RagKind.ABSOLUTE
            and self.rag_green is not None
            and self.rag_red is not None
        ):
            return kpi.AbsoluteRag(self.rag_green, self.rag_red)
        return None

    def definition(self) -> kpi.KpiDefinition:
        return kpi.KpiDefinition(
            code=self.code,
            name=self.name,
            numerator=self.numerator_label,
            denominator=self.denominator_label or None,
            unit=kpi.Unit(self.unit),
            polarity=kpi.Polarity(self.polarity),
            frequency=kpi.Frequency(self.frequency),
            source=kpi.Source(self.source),
            target=self.target,
            rag=self.rag(),
            year_start=kpi.YearStart(self.year_start),
            decimal_places=self.decimal_places,
        )

    def period_of(self, day: dt.date) -> kpi.Period:
        """The period of this indicator that ``day`` falls in."""
        return kpi.period_of(day, kpi.Frequency(self.frequency), kpi.YearStart(self.year_start))

    def period(self, start: dt.date) -> kpi.Period:
        """The period beginning on ``start`` (``ValueError`` if no period of this indicator
        begins then)."""
        return kpi.Period(start, kpi.Frequency(self.frequency), kpi.YearStart(self.year_start))

    @property
    def is_computed(self) -> bool:
        return self.source == kpi.Source.COMPUTED


class IndicatorValue(models.Model):
    """An indicator's figures for one period. ``value`` is what ``kpi.period_value`` makes of
    the numerator and denominator (rounded to 6 places), or null where there is no data."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField()
    numerator = _figure()
    denominator = _figure()
    value = models.DecimalField(max_digits=22, decimal_places=6, null=True, blank=True)
    note = models.TextField(blank=True)
    supplied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    supplied_by_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=16, choices=ValueSource.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start"], name="insight_value_once_a_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} from {self.period_start}"

    @property
    def period(self) -> kpi.Period:
        return self.indicator.period(self.period_start)

    def period_value(self, definition: kpi.KpiDefinition | None = None) -> kpi.PeriodValue:
        """The value as ``kpi`` computes it, exactly, from the stored figures."""
        return kpi.period_value(
            definition or self.indicator.definition(),
            numerator=self.numerator,
            denominator=self.denominator,
        )


class IndicatorValueRevision(models.Model):
    """The figures a correction replaced: who had supplied them, and who corrected them."""

    value = models.ForeignKey(IndicatorValue, on_delete=models.CASCADE, related_name="revisions")
    numerator = _figure()
    denominator = _figure()
    old_value = models.DecimalField(max_digits=22, decimal_places=6, null=True, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=ValueSource.choices)
    supplied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["value", "-replaced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.value} as recorded at {self.recorded_at:%Y-%m-%d %H:%M}"


class ClosedPeriod(models.Model):
    """A period of an indicator an officer has closed: its value may no longer change."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="closed_periods"
    )
    period_start = models.DateField()
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start"], name="insight_period_closed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} closed from {self.period_start}"


class ReturnStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    REFUSED = "refused", "Refused"


class KpiReturn(models.Model):
    """One upload (or API post) of a provider's KPI values for a contract, whatever came of
    it: the row errors of a refused one are kept to show and download."""

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="kpi_returns")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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
        return f"KPI return for {self.commission} at {self.uploaded_at:%Y-%m-%d %H:%M}"

    def error_list(self) -> list[dict[str, Any]]:
        return list(self.errors or [])
