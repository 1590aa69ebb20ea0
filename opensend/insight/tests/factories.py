"""Test data for the performance framework, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.db import transaction

from opensend.commissioning.models import Commission
from opensend.commissioning.tests.factories import commission
from opensend.core.models import Area, Organisation
from opensend.insight import services
from opensend.insight.models import Indicator, IndicatorValue

_codes = itertools.count(1)

#: The day the tests treat as today, unless they say otherwise.
TODAY = dt.date(2026, 11, 20)


def indicator(area: Area, **fields: Any) -> Indicator:
    """A monthly percentage indicator recorded by hand, higher is better, target 90% with 5
    points of amber, unless the test says otherwise."""
    values: dict[str, Any] = {
        "code": f"kpi-{next(_codes)}",
        "name": "Children seen within 6 weeks",
        "numerator_label": "children seen within 6 weeks",
        "denominator_label": "children referred",
        "domain": "health",
        "unit": "percent",
        "polarity": "higher",
        "frequency": "monthly",
        "source": "manual",
        "target": Decimal(90),
        "rag_kind": "relative",
        "rag_tolerance": Decimal(5),
    }
    values.update(fields)
    return services.indicator_create(acting_user=None, area=area, **values)


def contract_indicator(contract: Commission, **fields: Any) -> Indicator:
    """A KPI written into a contract, supplied by its provider."""
    return indicator(contract.area, source="provider", commission=contract, **fields)


def contract(area: Area, provider: Organisation, commissioner: Organisation) -> Commission:
    return commission(area, provider, [(commissioner, "high_needs", 100000)])


def value(
    target: Indicator,
    period_start: dt.date,
    numerator: int | Decimal | None,
    denominator: int | Decimal | None = None,
    **kwargs: Any,
) -> IndicatorValue:
    """A value recorded by the system (as an officer would, without the permission check).
    The service's inner step locks the period's row, so it runs in a transaction of its own
    (a test outside one, such as a browser test on PostgreSQL, would otherwise fail)."""
    with transaction.atomic():
        return services._store(
            acting_user=None,
            indicator=target,
            period_start=period_start,
            figures=services.Figures(
                None if numerator is None else Decimal(numerator),
                None if denominator is None else Decimal(denominator),
            ),
            note=kwargs.get("note", ""),
            source=kwargs.get("source", services.ValueSource.MANUAL),
            organisation=None,
            today=kwargs.get("today", TODAY),
        ).value
