"""Writes of the performance framework: one function per action, keyword-only, each in one
transaction, checking ``permissions`` and the rules of ``kpi`` and writing its access log
entry with the change. A refusal is ``PermissionDenied``; bad input is a ``ValidationError``
by field, and nothing is written.

A correction to a period's value keeps the figures it replaces as an
``IndicatorValueRevision`` (and the access log records who made it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from opensend.core import access_log
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.insight import kpi, metrics
from opensend.insight.metrics import PARAMETERS, Metric
from opensend.insight.models import (
    ClosedPeriod,
    Indicator,
    IndicatorValue,
    IndicatorValueRevision,
    RagKind,
    ValueSource,
)
from opensend.insight.permissions import access_for

INDICATOR = "insight.indicator"
VALUE = "insight.indicatorvalue"
PURPOSE = "Performance framework"

Errors = dict[str, list[str]]

#: The model field each of ``kpi.definition_problems_by_field``'s keys is about.
_KPI_FIELDS = {
    "code": "code",
    "name": "name",
    "numerator": "numerator_label",
    "denominator": "denominator_label",
    "decimal_places": "decimal_places",
    "target": "target",
    "polarity": "polarity",
    "tolerance": "rag_tolerance",
    "green": "rag_green",
    "red": "rag_red",
}

INDICATOR_FIELDS = (
    "code",
    "name",
    "description",
    "counted",
    "numerator_label",
    "denominator_label",
    "domain",
    "unit",
    "polarity",
    "frequency",
    "year_start",
    "decimal_places",
    "source",
    "target",
    "rag_kind",
    "rag_tolerance",
    "rag_tolerance_kind",
    "rag_green",
    "rag_red",
    "computed_metric",
    "pathway",
    "metric_days",
    "commission",
    "active",
)

#: Fields that decide which periods an indicator has: fixed once it has values.
_PERIOD_FIELDS = ("frequency", "year_start")


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _authorise_officer(acting_user: User | None, area: Area, what: str) -> None:
    """Commissioners and SEND managers of the area; ``None`` is the system."""
    if acting_user is None:
        return
    if not access_for(acting_user).may_define(area.pk):
        raise PermissionDenied(f"Only commissioners and SEND managers for {area.name} can {what}.")


# --- indicators ----------------------------------------------------------------------------


def _indicator_errors(indicator: Indicator) -> Errors:
    """Everything wrong with an indicator about to be saved, by model field."""
    errors: Errors = {}
    try:
        indicator.full_clean(validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors.keys() & {"unit", "polarity", "frequency", "source", "year_start", "code"}:
        return errors  # the definition cannot be built from unknown choices
    if indicator.rag_kind == RagKind.RELATIVE and indicator.rag_tolerance is None:
        _add(errors, "rag_tolerance", "Enter the amber tolerance (0 for no amber)")
    if indicator.rag_kind == RagKind.ABSOLUTE:
        if indicator.rag_green is None:
            _add(errors, "rag_green", "Enter the green threshold")
        if indicator.rag_red is None:
            _add(errors, "rag_red", "Enter the red threshold")
    for key, messages in kpi.definition_problems_by_field(indicator.definition()).items():
        for message in messages:
            _add(errors, _KPI_FIELDS.get(key, key), message)
    _add_source_errors(indicator, errors)
    if (
        Indicator.objects.filter(area_id=indicator.area_id, code=indicator.code)
        .exclude(pk=indicator.pk)
        .exists()
    ):
        _add(
            errors, "code", f"Another indicator in this area already has the code {indicator.code}"
        )
    return errors


def _add_source_errors(indicator: Indicator, errors: Errors) -> None:
    source = kpi.Source(indicator.source)
    if source is kpi.Source.COMPUTED:
        if not indicator.computed_metric:
            _add(errors, "computed_metric", "Select what OpenSEND computes this KPI from")
        else:
            needs = PARAMETERS[Metric(indicator.computed_metric)]
            if "pathway" in needs and indicator.pathway is None:
                _add(errors, "pathway", "Select the pathway whose waiting list this measures")
            if "days" in needs and not indicator.metric_days:
                _add(errors, "metric_days", "Enter the number of days allowed for an answer")
    elif indicator.computed_metric:
        _add(
            errors,
            "computed_metric",
            "Only a KPI computed by OpenSEND says what it is computed from: choose "
            "'Computed by OpenSEND' as the source, or leave this blank",
        )
    if source is kpi.Source.PROVIDER and indicator.commission is None:
        _add(errors, "commission", "Select the contract whose provider supplies the values")
    if indicator.pathway is not None and indicator.pathway.area_id != indicator.area_id:
        _add(errors, "pathway", f"{indicator.pathway} is not a pathway of this area")
    if indicator.commission is not None and indicator.commission.area_id != indicator.area_id:
        _add(errors, "commission", f"{indicator.commission} is not a contract of this area")


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown indicator fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def indicator_create(*, acting_user: User | None, area: Area, **fields: Any) -> Indicator:
    """Define an indicator: saved only if ``kpi.validate`` and the store's own rules pass."""
    _authorise_officer(acting_user, area, "define indicators")
    _check_fields(fields)
    indicator = Indicator(area=area, **fields)
    errors = _indicator_errors(indicator)
    if errors:
        raise ValidationError(errors)
    indicator.save()
    _log_indicator(acting_user, AccessAction.CREATE, indicator, {})
    return indicator


@transaction.atomic
def indicator_update(*, acting_user: User | None, indicator: Indicator, **fields: Any) -> Indicator:
    """Change an indicator's definition. Its frequency and reporting year are fixed once it
    has values, so that every stored value stays a period of it."""
    _authorise_officer(acting_user, indicator.area, "change indicators")
    _check_fields(fields)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    changed = sorted(name for name, value in fields.items() if getattr(indicator, name) != value)
    errors: Errors = {}
    if indicator.values.exists():
        for name in _PERIOD_FIELDS:
            if name in changed:
                _add(
                    errors,
                    name,
                    "This cannot change once the indicator has values: define a new "
                    "indicator instead",
                )
    for name, value in fields.items():
        setattr(indicator, name, value)
    indicator.updated_at = timezone.now()
    for field, messages in _indicator_errors(indicator).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    indicator.save()
    if changed:
        _log_indicator(acting_user, AccessAction.CHANGE, indicator, {"changed": changed})
    return indicator


def _log_indicator(
    acting_user: User | None, action: AccessAction, indicator: Indicator, detail: dict[str, Any]
) -> None:
    access_log.record(
        actor=acting_user,
        action=action,
        object_type=INDICATOR,
        object_id=indicator.pk,
        purpose=PURPOSE,
        detail={"indicator": indicator.code, "area": indicator.area_id, **detail},
    )


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A period's figures as supplied: ``value`` only stands in for the numerator of a plain
    figure, and must agree with the numerator and denominator where both are given."""

    numerator: Decimal | None = None
    denominator: Decimal | None = None
    value: Decimal | None = None


@dataclass(frozen=True)
class Recorded:
    value: IndicatorValue
    created: bool
    changed: bool


VALUE_PLACES = Decimal("0.000001")


def _stored(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        VALUE_PLACES, rounding=ROUND_HALF_UP
    )


def _rounded(definition: kpi.KpiDefinition, value: Fraction | Decimal) -> Decimal:
    exact_value = Fraction(value)
    return (Decimal(exact_value.numerator) / Decimal(exact_value.denominator)).quantize(
        Decimal(1).scaleb(-definition.decimal_places), rounding=ROUND_HALF_UP
    )


def period_problems(indicator: Indicator, period_start: dt.date, *, today: dt.date) -> list[str]:
    """Why no value can be recorded for the period beginning ``period_start``: not the start
    of one of the indicator's periods, a period that has not begun, or a closed one."""
    try:
        period = indicator.period(period_start)
    except ValueError:
        right = indicator.period_of(period_start)
        return [
            f"{long_date(period_start)} is not the first day of a "
            f"{indicator.get_frequency_display().lower()} period of this indicator: "
            f"the period it falls in begins on {long_date(right.start)}"
        ]
    if period.start > today:
        return [f"The period {period.label} has not begun yet"]
    closed = (
        ClosedPeriod.objects.filter(indicator=indicator, period_start=period_start)
        .select_related("closed_by")
        .first()
    )
    if closed is not None:
        return [closed_message(closed, period)]
    return []


def closed_message(closed: ClosedPeriod, period: kpi.Period) -> str:
    who = closed.closed_by.full_name if closed.closed_by is not None else "the system"
    when = long_date(timezone.localtime(closed.closed_at).date())
    return (
        f"The period {period.label} was closed on {when} by {who}: its value can no longer "
        "change. Ask an officer to reopen the period if it must be corrected"
    )


def figures_problems(indicator: Indicator, figures: Figures) -> tuple[Errors, Figures]:
    """What is wrong with a period's figures, by field (``numerator``, ``denominator``,
    ``value``), and the figures to store (the value moved to the numerator of a plain
    figure)."""
    definition = indicator.definition()
    errors: Errors = {}
    numerator, denominator, value = figures.numerator, figures.denominator, figures.value
    if definition.is_rate:
        if (numerator is None or denominator is None) and value is not None:
            _add(
                errors,
                "numerator" if numerator is None else "denominator",
                f"{indicator.name} is a rate: give the numerator ({definition.numerator}) "
                f"and the denominator ({definition.denominator}); the value is worked out "
                "from them",
            )
    else:
        if denominator is not None:
            _add(
                errors,
                "denominator",
                f"{indicator.name} is a plain figure: leave the denominator empty",
            )
            return errors, figures
        if numerator is None:
            numerator, value = value, None
        elif value is not None and value != numerator:
            _add(
                errors,
                "value",
                f"The value ({value}) and the numerator ({numerator}) differ: {indicator.name} "
                "is a plain figure, so give one of them",
            )
    if errors:
        return errors, figures
    problems = kpi.figure_problems(definition, numerator=numerator, denominator=denominator)
    for message in problems:
        about_denominator = message.startswith("The denominator") or "no denominator" in message
        _add(errors, "denominator" if about_denominator else "numerator", message)
    if errors:
        return errors, figures
    if definition.is_rate and value is not None and numerator is not None and denominator:
        worked_out = kpi.period_value(definition, numerator=numerator, denominator=denominator)
        if worked_out.value is not None and _rounded(definition, worked_out.value) != _rounded(
            definition, value
        ):
            _add(
                errors,
                "value",
                f"The value ({value}) does not match the numerator and denominator, which give "
                f"{kpi.format_value(definition, worked_out.value)}: correct one of them, or "
                "leave the value empty",
            )
    return errors, Figures(numerator, denominator, None)


def _store(
    *,
    acting_user: User | None,
    indicator: Indicator,
    period_start: dt.date,
    figures: Figures,
    note: str,
    source: ValueSource,
    organisation: Organisation | None,
    today: dt.date,
) -> Recorded:
    """Check and write one period's figures (the callers authorise). Unchanged figures and
    note write nothing."""
    errors: Errors = {}
    for message in period_problems(indicator, period_start, today=today):
        _add(errors, "period_start", message)
    figure_errors, clean = figures_problems(indicator, figures)
    for field, messages in figure_errors.items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    worked_out = kpi.period_value(
        indicator.definition(), numerator=clean.numerator, denominator=clean.denominator
    )
    stored_value = _stored(worked_out.value)
    existing = (
        IndicatorValue.objects.select_for_update()
        .filter(indicator=indicator, period_start=period_start)
        .first()
    )
    if existing is None:
        row = IndicatorValue.objects.create(
            indicator=indicator,
            period_start=period_start,
            numerator=clean.numerator,
            denominator=clean.denominator,
            value=stored_value,
            note=note,
            supplied_by=acting_user,
            supplied_by_organisation=organisation,
            source=source,
        )
        _log_value(acting_user, AccessAction.CREATE, row, organisation)
        return Recorded(row, created=True, changed=True)
    same = (
        _same(existing.numerator, clean.numerator)
        and _same(existing.denominator, clean.denominator)
        and existing.note == note
    )
    if same:
        return Recorded(existing, created=False, changed=False)
    IndicatorValueRevision.objects.create(
        value=existing,
        numerator=existing.numerator,
        denominator=existing.denominator,
        old_value=existing.value,
        note=existing.note,
        source=existing.source,
        supplied_by=existing.supplied_by,
        recorded_at=existing.recorded_at,
        replaced_by=acting_user,
    )
    existing.numerator = clean.numerator
    existing.denominator = clean.denominator
    existing.value = stored_value
    existing.note = note
    existing.source = source
    existing.supplied_by = acting_user
    existing.supplied_by_organisation = organisation
    existing.recorded_at = timezone.now()
    existing.save()
    _log_value(acting_user, AccessAction.CHANGE, existing, organisation)
    return Recorded(existing, created=False, changed=True)


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b


def _log_value(
    acting_user: User | None,
    action: AccessAction,
    row: IndicatorValue,
    organisation: Organisation | None,
) -> None:
    access_log.record(
        actor=acting_user,
        action=action,
        object_type=VALUE,
        object_id=row.pk,
        purpose=PURPOSE,
        organisation=organisation,
        detail={
            "indicator": row.indicator.code,
            "period_start": row.period_start.isoformat(),
            "numerator": None if row.numerator is None else str(row.numerator),
            "denominator": None if row.denominator is None else str(row.denominator),
            "source": row.source,
        },
    )


@transaction.atomic
def value_record(
    *,
    acting_user: User | None,
    indicator: Indicator,
    period_start: dt.date,
    figures: Figures,
    note: str = "",
    today: dt.date | None = None,
) -> Recorded:
    """An officer records (or corrects) a period's value by hand. Computed indicators take
    their values from ``indicator_compute``; a closed period is refused."""
    _authorise_officer(acting_user, indicator.area, "record values")
    if indicator.is_computed:
        raise ValidationError(
            {
                "period_start": [
                    f"{indicator.name} is computed by OpenSEND: its values come from the "
                    "records, not by hand"
                ]
            }
        )
    return _store(
        acting_user=acting_user,
        indicator=indicator,
        period_start=period_start,
        figures=figures,
        note=note,
        source=ValueSource.MANUAL,
        organisation=None,
        today=today or timezone.localdate(),
    )


def value_supply(
    *,
    acting_user: User | None,
    indicator: Indicator,
    period_start: dt.date,
    figures: Figures,
    note: str,
    organisation: Organisation,
    today: dt.date,
) -> Recorded:
    """A provider's value for one of its contract's KPIs (``kpi_returns`` authorises the
    return as a whole and wraps its rows in one transaction)."""
    return _store(
        acting_user=acting_user,
        indicator=indicator,
        period_start=period_start,
        figures=figures,
        note=note,
        source=ValueSource.PROVIDER,
        organisation=organisation,
        today=today,
    )


def value_compute(
    *, indicator: Indicator, period_start: dt.date, figures: Figures, today: dt.date
) -> Recorded:
    """A computed value, written by the system (``opensend compute-indicators``)."""
    return _store(
        acting_user=None,
        indicator=indicator,
        period_start=period_start,
        figures=figures,
        note="",
        source=ValueSource.COMPUTED,
        organisation=None,
        today=today,
    )


# --- closing periods -----------------------------------------------------------------------


@transaction.atomic
def period_close(
    *,
    acting_user: User | None,
    indicator: Indicator,
    period_start: dt.date,
    today: dt.date | None = None,
) -> ClosedPeriod:
    """Close a period that has ended: its value can then no longer be recorded or changed."""
    _authorise_officer(acting_user, indicator.area, "close periods")
    day = today or timezone.localdate()
    try:
        period = indicator.period(period_start)
    except ValueError:
        raise ValidationError(
            {"period_start": period_problems(indicator, period_start, today=day)}
        ) from None
    if period.end >= day:
        raise ValidationError(
            {
                "period_start": [
                    f"The period {period.label} has not ended: it can be closed from "
                    f"{long_date(period.end + dt.timedelta(days=1))}"
                ]
            }
        )
    existing = (
        ClosedPeriod.objects.filter(indicator=indicator, period_start=period_start)
        .select_related("closed_by")
        .first()
    )
    if existing is not None:
        raise ValidationError({"period_start": [closed_message(existing, period)]})
    closed = ClosedPeriod.objects.create(
        indicator=indicator, period_start=period_start, closed_by=acting_user
    )
    _log_indicator(
        acting_user,
        AccessAction.CHANGE,
        indicator,
        {"closed": period_start.isoformat(), "period": period.label},
    )
    return closed


@transaction.atomic
def period_reopen(*, acting_user: User | None, closed: ClosedPeriod) -> None:
    """Reopen a closed period so that its value can be corrected."""
    indicator = closed.indicator
    _authorise_officer(acting_user, indicator.area, "reopen periods")
    period = indicator.period(closed.period_start)
    _log_indicator(
        acting_user,
        AccessAction.CHANGE,
        indicator,
        {"reopened": closed.period_start.isoformat(), "period": period.label},
    )
    closed.delete()


# --- computed indicators -------------------------------------------------------------------

#: How far back ``indicators_compute`` recomputes periods that are still open: about a year.
LOOKBACK_MONTHS = 12


@dataclass
class ComputeResult:
    indicators: int = 0
    periods: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "indicators": self.indicators,
            "periods": self.periods,
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
        }


def open_periods(indicator: Indicator, *, today: dt.date) -> list[kpi.Period]:
    """The indicator's periods of the last year up to the current one that are not closed."""
    current = indicator.period_of(today)
    count = max(LOOKBACK_MONTHS // kpi.Frequency(indicator.frequency).months, 1)
    periods = [*kpi.previous_periods(current, count), current]
    closed = set(
        ClosedPeriod.objects.filter(
            indicator=indicator, period_start__in=[p.start for p in periods]
        ).values_list("period_start", flat=True)
    )
    return [period for period in periods if period.start not in closed]


def indicators_compute(
    *, today: dt.date | None = None, area_id: int | None = None
) -> ComputeResult:
    """Work out every open period of every active computed indicator (of one area, or all)
    from OpenSEND's records, and store what changed. Running it twice writes nothing the
    second time; a closed period is never touched. Each indicator is written in its own
    transaction, so one that cannot be computed does not hold back the others."""
    day = today or timezone.localdate()
    result = ComputeResult()
    indicators = Indicator.objects.filter(active=True, source=kpi.Source.COMPUTED).select_related(
        "area", "pathway"
    )
    if area_id is not None:
        indicators = indicators.filter(area_id=area_id)
    for indicator in indicators:
        result.indicators += 1
        parameters = metrics.Parameters(pathway=indicator.pathway, days=indicator.metric_days)
        periods = open_periods(indicator, today=day)
        try:
            with transaction.atomic():
                for period in periods:
                    figures = metrics.compute(
                        indicator.computed_metric,
                        indicator.area,
                        period,
                        today=day,
                        parameters=parameters,
                    )
                    denominator = (
                        Decimal(figures.denominator) if indicator.denominator_label else None
                    )
                    recorded = value_compute(
                        indicator=indicator,
                        period_start=period.start,
                        figures=Figures(Decimal(figures.numerator), denominator),
                        today=day,
                    )
                    result.periods += 1
                    if recorded.created:
                        result.created += 1
                    elif recorded.changed:
                        result.changed += 1
                    else:
                        result.unchanged += 1
        except (metrics.MetricUnavailable, ValidationError, ValueError):
            result.failed += 1
    return result
