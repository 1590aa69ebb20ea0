"""The performance framework's writes: defining indicators (kpi.validate's problems by field),
recording and correcting values (with their history), closing and reopening periods, and who
may do each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opensend.core.models import AccessLogEntry
from opensend.insight import services
from opensend.insight.models import ClosedPeriod, IndicatorValue, IndicatorValueRevision
from opensend.insight.tests.factories import TODAY, indicator, value

pytestmark = pytest.mark.django_db

APRIL = dt.date(2026, 4, 1)


def _errors(raised: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return raised.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"unit": "percent", "denominator_label": ""}, "denominator_label", "needs a denominator"),
        ({"target": Decimal(120)}, "target", "between 0 and 100"),
        ({"rag_tolerance": Decimal(-1)}, "rag_tolerance", "cannot be negative"),
        ({"rag_kind": "relative", "rag_tolerance": None}, "rag_tolerance", "amber tolerance"),
        (
            {"rag_kind": "absolute", "rag_green": Decimal(80), "rag_red": Decimal(90)},
            "rag_red",
            "at or below the green",
        ),
        ({"rag_kind": "absolute", "rag_green": None}, "rag_green", "green threshold"),
        ({"polarity": "neither"}, "polarity", "better direction"),
        ({"source": "computed"}, "computed_metric", "Select what OpenSEND computes"),
        (
            {"source": "computed", "computed_metric": "waiting_under_18_weeks"},
            "pathway",
            "Select the pathway",
        ),
        (
            {"source": "computed", "computed_metric": "feedback_answered"},
            "metric_days",
            "number of days",
        ),
        ({"computed_metric": "ehc_20_weeks"}, "computed_metric", "Only a KPI computed"),
        ({"source": "provider"}, "commission", "Select the contract"),
        ({"code": "Not a slug!"}, "code", "slug"),
        ({"decimal_places": 5}, "decimal_places", "less than or equal to 3"),
    ],
)
def test_indicator_create_reports_problems_by_field(world, fields, field, message):
    with pytest.raises(ValidationError) as raised:
        indicator(world.area, **fields)
    assert any(message in text for text in _errors(raised)[field]), _errors(raised)


def test_indicator_code_is_unique_in_its_area_only(world):
    indicator(world.area, code="ehc-20")
    with pytest.raises(ValidationError) as raised:
        indicator(world.area, code="ehc-20")
    assert "already has the code ehc-20" in _errors(raised)["code"][0]
    assert indicator(world.other_area, code="ehc-20").area == world.other_area


def test_indicator_contract_must_be_of_the_area(world):
    with pytest.raises(ValidationError) as raised:
        indicator(world.other_area, source="provider", commission=world.trust_contract)
    assert "is not a contract of this area" in _errors(raised)["commission"][0]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("commissioner", True),
        ("send_manager", True),
        ("coordinator", False),
        ("trust_user", False),
        ("board_member", False),
        ("other_commissioner", False),
    ],
)
def test_who_may_define_indicators(world, who, allowed):
    user = getattr(world, who)
    fields = {
        "code": "seen-6-weeks",
        "name": "Seen within 6 weeks",
        "numerator_label": "seen",
        "denominator_label": "referred",
        "domain": "health",
        "unit": "percent",
        "polarity": "higher",
        "frequency": "monthly",
        "source": "manual",
    }
    if allowed:
        created = services.indicator_create(acting_user=user, area=world.area, **fields)
        entry = AccessLogEntry.objects.get(object_type=services.INDICATOR, object_id=created.pk)
        assert entry.actor == user
    else:
        with pytest.raises(PermissionDenied):
            services.indicator_create(acting_user=user, area=world.area, **fields)


def test_frequency_is_fixed_once_there_are_values(world):
    kpi_row = indicator(world.area)
    value(kpi_row, APRIL, 9, 10)
    with pytest.raises(ValidationError) as raised:
        services.indicator_update(
            acting_user=world.commissioner, indicator=kpi_row, frequency="quarterly"
        )
    assert "cannot change once the indicator has values" in _errors(raised)["frequency"][0]
    changed = services.indicator_update(
        acting_user=world.commissioner, indicator=kpi_row, name="Seen in 6 weeks"
    )
    assert changed.name == "Seen in 6 weeks"


@pytest.mark.parametrize(
    ("kind", "numerator", "denominator", "given", "stored", "field", "message"),
    [
        ("rate", 9, 10, None, Decimal("90"), None, ""),
        ("rate", 9, 10, Decimal("90.0"), Decimal("90"), None, ""),
        ("rate", 2, 3, Decimal("66.7"), Decimal("66.666667"), None, ""),
        ("rate", 0, 0, None, None, None, ""),  # nothing to measure: no data, not 0%
        ("rate", 9, 10, Decimal("85"), None, "value", "does not match"),
        ("rate", None, None, Decimal("85"), None, "numerator", "is a rate"),
        ("rate", 11, 10, None, None, "numerator", "cannot be more than the denominator"),
        ("rate", 3, -1, None, None, "denominator", "cannot be negative"),
        ("count", None, None, Decimal(14), Decimal(14), None, ""),
        ("count", 14, None, Decimal(14), Decimal(14), None, ""),
        ("count", 14, None, Decimal(15), None, "value", "differ"),
        ("count", 14, 3, None, None, "denominator", "plain figure"),
        ("count", -2, None, None, None, "numerator", "cannot be negative"),
    ],
)
def test_value_figures(world, kind, numerator, denominator, given, stored, field, message):
    fields = (
        {}
        if kind == "rate"
        else {"unit": "count", "denominator_label": "", "rag_kind": "", "target": None}
    )
    kpi_row = indicator(world.area, **fields)
    figures = services.Figures(
        None if numerator is None else Decimal(numerator),
        None if denominator is None else Decimal(denominator),
        given,
    )
    record = lambda: services.value_record(  # noqa: E731
        acting_user=world.commissioner,
        indicator=kpi_row,
        period_start=APRIL,
        figures=figures,
        today=TODAY,
    )
    if field is None:
        assert record().value.value == stored
    else:
        with pytest.raises(ValidationError) as raised:
            record()
        assert any(message in text for text in _errors(raised)[field]), _errors(raised)
        assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(
    ("period_start", "message"),
    [
        (dt.date(2026, 4, 2), "is not the first day of a monthly period"),
        (dt.date(2026, 12, 1), "has not begun yet"),
    ],
)
def test_value_period_must_be_a_period_that_has_begun(world, period_start, message):
    kpi_row = indicator(world.area)
    with pytest.raises(ValidationError) as raised:
        value(kpi_row, period_start, 9, 10)
    assert message in _errors(raised)["period_start"][0]


def test_correction_keeps_the_figures_it_replaces(world):
    kpi_row = indicator(world.area)
    first = services.value_record(
        acting_user=world.send_manager,
        indicator=kpi_row,
        period_start=APRIL,
        figures=services.Figures(Decimal(8), Decimal(10)),
        today=TODAY,
    )
    again = services.value_record(
        acting_user=world.send_manager,
        indicator=kpi_row,
        period_start=APRIL,
        figures=services.Figures(Decimal(8), Decimal(10)),
        today=TODAY,
    )
    assert first.created and not again.changed
    corrected = services.value_record(
        acting_user=world.commissioner,
        indicator=kpi_row,
        period_start=APRIL,
        figures=services.Figures(Decimal(9), Decimal(10)),
        note="Two referrals were counted twice",
        today=TODAY,
    )
    assert corrected.changed and corrected.value.value == Decimal(90)
    revision = IndicatorValueRevision.objects.get()
    assert (revision.numerator, revision.old_value) == (Decimal(8), Decimal(80))
    assert revision.supplied_by == world.send_manager
    assert revision.replaced_by == world.commissioner
    assert AccessLogEntry.objects.filter(object_type=services.VALUE, action="change").count() == 1


def test_computed_indicators_take_no_values_by_hand(world):
    kpi_row = indicator(world.area, source="computed", computed_metric="ehc_20_weeks")
    with pytest.raises(ValidationError) as raised:
        services.value_record(
            acting_user=world.commissioner,
            indicator=kpi_row,
            period_start=APRIL,
            figures=services.Figures(Decimal(1), Decimal(2)),
            today=TODAY,
        )
    assert "computed by OpenSEND" in _errors(raised)["period_start"][0]


def test_a_value_for_a_closed_period_is_refused_with_who_closed_it(world):
    kpi_row = indicator(world.area)
    value(kpi_row, APRIL, 8, 10)
    services.period_close(
        acting_user=world.commissioner, indicator=kpi_row, period_start=APRIL, today=TODAY
    )
    with pytest.raises(ValidationError) as raised:
        value(kpi_row, APRIL, 9, 10)
    message = _errors(raised)["period_start"][0]
    assert message.startswith("The period Apr 2026 was closed on ")
    assert "by Isla Commissioner" in message
    assert IndicatorValue.objects.get().numerator == Decimal(8)
    services.period_reopen(acting_user=world.commissioner, closed=ClosedPeriod.objects.get())
    assert value(kpi_row, APRIL, 9, 10).numerator == Decimal(9)


@pytest.mark.parametrize(
    ("period_start", "message"),
    [
        (dt.date(2026, 11, 1), "has not ended: it can be closed from 1 December 2026"),
        (dt.date(2026, 4, 15), "is not the first day"),
    ],
)
def test_only_ended_periods_close(world, period_start, message):
    kpi_row = indicator(world.area)
    with pytest.raises(ValidationError) as raised:
        services.period_close(
            acting_user=world.commissioner,
            indicator=kpi_row,
            period_start=period_start,
            today=TODAY,
        )
    assert message in _errors(raised)["period_start"][0]


def test_closing_twice_says_when_it_was_closed(world):
    kpi_row = indicator(world.area)
    services.period_close(
        acting_user=world.commissioner, indicator=kpi_row, period_start=APRIL, today=TODAY
    )
    with pytest.raises(ValidationError) as raised:
        services.period_close(
            acting_user=world.send_manager, indicator=kpi_row, period_start=APRIL, today=TODAY
        )
    assert "was closed on" in _errors(raised)["period_start"][0]


@pytest.mark.parametrize("who", ["trust_user", "board_member", "coordinator", "other_commissioner"])
def test_only_officers_close_reopen_and_record(world, who):
    user = getattr(world, who)
    kpi_row = indicator(world.area)
    with pytest.raises(PermissionDenied):
        services.period_close(acting_user=user, indicator=kpi_row, period_start=APRIL, today=TODAY)
    closed = services.period_close(
        acting_user=None, indicator=kpi_row, period_start=APRIL, today=TODAY
    )
    with pytest.raises(PermissionDenied):
        services.period_reopen(acting_user=user, closed=closed)
    with pytest.raises(PermissionDenied):
        services.value_record(
            acting_user=user,
            indicator=kpi_row,
            period_start=dt.date(2026, 5, 1),
            figures=services.Figures(Decimal(1), Decimal(2)),
            today=TODAY,
        )
    assert ClosedPeriod.objects.count() == 1
