"""What plans promise (``gaps.plan_demand``), added up in Python from the lines of each plan's
current version: each plan's amount a year is rounded on its own, as when the database grouped
the lines by plan and wording (``reference_demand``, the way it was first computed), and the
two give the same figures on a synthetic area's plans."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from opensend.commissioning import gap_rules, gaps
from opensend.commissioning.codes import ProvisionType
from opensend.commissioning.tests.test_gap_analysis import child_with_need, plan_with
from opensend.synth import generator

pytestmark = pytest.mark.django_db

REFERENCE = dt.date(2026, 1, 15)


def reference_demand(area, on):
    """The demand as first computed: the database groups the lines by plan and wording."""
    rows = (
        gaps.current_lines(area, on)
        .order_by()
        .values(
            "version__plan_id",
            "description",
            "provider_description",
            "commissioner",
            "unit",
            "frequency",
        )
        .annotate(
            lines=Count("pk"),
            total_quantity=Sum("quantity"),
            counted=Count("quantity"),
            cost=Sum("annual_cost"),
            costed=Count("annual_cost"),
        )
    )
    demand = {}
    for row in rows:
        kind = gap_rules.classify(row["description"], row["provider_description"])
        entry = demand.setdefault(kind, gaps.TypeDemand(kind))
        plan_id = row["version__plan_id"]
        entry.lines += row["lines"]
        entry.children.add(plan_id)
        entry.by_commissioner.setdefault(row["commissioner"], set()).add(plan_id)
        entry.lines_by_commissioner[row["commissioner"]] += row["lines"]
        annual = gap_rules.annualise(row["total_quantity"], row["unit"], row["frequency"])
        if annual is None:
            entry.unquantified += row["lines"]
        else:
            entry.annual[annual.measure] = (
                entry.annual.get(annual.measure, Decimal(0)) + annual.amount
            )
            entry.unquantified += row["lines"] - row["counted"]
        if row["cost"] is not None:
            entry.cost += row["cost"]
            entry.costed += row["costed"]
    return demand


def comparable(demand):
    """The figures of each type (plans counted, not named: a plan's version stands for it)."""
    return {
        kind: (
            entry.lines,
            len(entry.children),
            entry.annual,
            entry.unquantified,
            entry.cost,
            entry.costed,
            {who: len(plans) for who, plans in entry.by_commissioner.items()},
            dict(entry.lines_by_commissioner),
        )
        for kind, entry in demand.items()
    }


def salt(quantity, unit="minutes", frequency="daily", cost=None, description=None):
    return {
        "section": "f",
        "description": description or "Speech and language therapy",
        "commissioner": "la_education",
        "quantity": None if quantity is None else Decimal(quantity),
        "unit": unit,
        "frequency": frequency,
        "provider_description": "School",
        "annual_cost": None if cost is None else Decimal(cost),
    }


def test_each_plans_amount_is_rounded_on_its_own(world):
    """20 minutes a school day is 63.33 hours a year. One plan promises it in two lines of 10
    minutes, another in one line: 126.66 hours. (Rounding each line, 31.67 twice and 63.33,
    would give 126.67; rounding the total of 40 minutes a day, 126.67 too.)"""
    area = world.area
    first = child_with_need(area, "SLCN", dt.date(2015, 3, 14))
    second = child_with_need(area, "SLCN", dt.date(2016, 3, 14))
    plan_with(first, [salt(10), salt(10, cost="900.50"), salt(None, "", "")])
    plan_with(second, [salt(20, cost="450.25"), salt(6, "hours", "termly", description="SaLT")])
    on = dt.date.today()

    demand = gaps.plan_demand(area, on)

    entry = demand[ProvisionType.SALT]
    assert entry.lines == 5
    assert len(entry.children) == 2
    assert entry.annual == {gap_rules.Measure.HOURS: Decimal("144.66")}  # 63.33 * 2 + 18
    assert entry.unquantified == 1
    assert (entry.cost, entry.costed) == (Decimal("1350.75"), 2)
    assert {who: len(plans) for who, plans in entry.by_commissioner.items()} == {"la_education": 2}
    assert comparable(demand) == comparable(reference_demand(area, on))


@contextmanager
def generated(django_db_blocker):
    options = generator.make_options(
        profile="halton", scale=0.1, seed=5, la_code="994", on=REFERENCE
    )
    with django_db_blocker.unblock(), transaction.atomic():
        yield generator.generate(acting_user=None, options=options)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def synthetic(django_db_setup, django_db_blocker):
    with generated(django_db_blocker) as result:
        yield result


@pytest.mark.parametrize("on", [REFERENCE, dt.date(2025, 6, 30), dt.date(2023, 9, 1)])
def test_a_synthetic_areas_plans_give_the_same_figures(synthetic, on):
    demand = gaps.plan_demand(synthetic.area, on)
    assert sum(entry.lines for entry in demand.values()) > 50
    assert comparable(demand) == comparable(reference_demand(synthetic.area, on))
