"""``pathway_figures`` counts referrals that were only received (and perhaps triaged) from their
dates, and works every other referral out with ``rules.py``. These tests hold it to the figures
of working every referral out with ``rules.py`` (``reference_figures``, the way the figures
were first computed): on referrals of every shape, valid or not, and on a synthetic area's
three and a half years of referrals, on several dates and under both measures."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.db.models import Q

from opensend.core import bank_holidays
from opensend.core.calendar import add_months
from opensend.pathways import rules, selectors
from opensend.pathways.models import (
    MeasureChoice,
    Pathway,
    Referral,
    ReferralEvent,
    ReferralPause,
)
from opensend.pathways.tests.factories import PathwayFactory
from opensend.people.tests.factories import ChildFactory
from opensend.synth import generator

pytestmark = pytest.mark.django_db

D = dt.date
ON = D(2026, 6, 30)
REFERENCE = D(2026, 1, 15)

R = "referral_received"
T = "triaged"
OFFERED = "appointment_offered"
ATTENDED = "appointment_attended"
DNA = "did_not_attend"
REBOOKED = "rebooked"
TREATED = "treatment_started"
MONITORING = "active_monitoring"
DISCHARGED = "discharged"


def reference_figures(pathway, *, on, target=None):
    """The figures as first computed: every referral, with its events and pauses as model
    instances, through ``rules.py``."""
    first_month = add_months(on.replace(day=1), -(selectors.DEMAND_MONTHS - 1))
    referrals = (
        Referral.objects.filter(pathway=pathway, received_on__lte=on)
        .filter(Q(stopped_on__isnull=True) | Q(stopped_on__gte=first_month))
        .prefetch_related("events", "pauses")
    )
    states, valid, invalid = [], [], 0
    for referral in referrals:
        as_rules = referral.as_rules()
        try:
            states.append(rules.clock_state(as_rules, on=on, measure=pathway.rules_measure))
            rules.clocks(as_rules.as_at(on))
        except rules.PathwayInvalid:
            invalid += 1
            continue
        valid.append(as_rules.as_at(on))
    holidays = bank_holidays.around(on)
    days = pathway.triage_working_days
    due_by = [
        r
        for r in valid
        if (ref := r.referral()) is not None
        and ref.on >= first_month
        and rules.triage_due(ref.on, holidays=holidays, working_days=days) <= on
    ]
    met = sum(
        1
        for r in due_by
        if rules.triage(r, on=on, holidays=holidays, working_days=days).status
        is rules.TriageStatus.MET
    )
    limit = pathway.standard_weeks * 7
    flows = rules.monthly_flows(valid, first=first_month, last=on)
    return {
        "summary": rules.summarise(states),
        "within": sum(1 for s in states if s.on_waiting_list and s.waited_days <= limit),
        "flows": flows,
        "triage": (len(due_by), met),
        "invalid": invalid,
        "forecast": selectors._forecast(states, flows, on=on, target=target),
    }


def assert_same(pathway, on, target=None):
    figures = selectors.pathway_figures(pathway, on=on, target=target)
    expected = reference_figures(pathway, on=on, target=target)
    assert figures.summary == expected["summary"]
    assert figures.within_standard == expected["within"]
    assert figures.flows == expected["flows"]
    assert (figures.triage.received, figures.triage.met) == expected["triage"]
    assert figures.invalid == expected["invalid"]
    assert figures.forecast == expected["forecast"]
    return figures


def add_referral(pathway, received_on, events, pauses=()):
    """A referral written straight to the tables, so that impossible ones can be made too."""
    referral = Referral.objects.create(
        pathway=pathway,
        child=ChildFactory(area=pathway.area),
        provider_reference=f"R{Referral.objects.count() + 1}",
        source="gp",
        received_on=received_on,
    )
    ReferralEvent.objects.bulk_create(
        ReferralEvent(referral=referral, kind=kind, on=on) for kind, on in events
    )
    ReferralPause.objects.bulk_create(
        ReferralPause(referral=referral, start=start, end=end) for start, end in pauses
    )
    return referral


# --- which referrals are counted from their dates ----------------------------------------------


def rows(*events, pauses=()):
    return selectors.ReferralRows(
        events=tuple((kind, on, True) for kind, on in events), pauses=tuple(pauses)
    )


@pytest.mark.parametrize(
    ("referral", "expected"),
    [
        (rows((R, D(2026, 1, 5))), (D(2026, 1, 5), None)),
        (rows((R, D(2026, 1, 5)), (T, D(2026, 1, 12))), (D(2026, 1, 5), D(2026, 1, 12))),
        (rows((R, D(2026, 1, 5)), (T, D(2026, 1, 5))), (D(2026, 1, 5), D(2026, 1, 5))),
        # triaged twice: the first counts
        (
            rows((R, D(2026, 1, 5)), (T, D(2026, 1, 12)), (T, D(2026, 2, 1))),
            (D(2026, 1, 5), D(2026, 1, 12)),
        ),
        # what happened after the date does not count yet
        (rows((R, D(2026, 1, 5)), (T, D(2026, 7, 1))), (D(2026, 1, 5), None)),
        (rows((R, D(2026, 1, 5)), (TREATED, D(2026, 7, 1))), (D(2026, 1, 5), None)),
        (rows((R, D(2026, 1, 5)), (R, D(2026, 7, 1))), (D(2026, 1, 5), None)),
        (rows((R, D(2026, 1, 5)), pauses=[(D(2026, 7, 1), None)]), (D(2026, 1, 5), None)),
        # anything else goes through rules.py
        (rows(), None),
        (rows((T, D(2026, 1, 12))), None),
        (rows((R, D(2026, 7, 1))), None),
        (rows((R, D(2026, 1, 5)), (R, D(2026, 2, 5))), None),
        (rows((T, D(2026, 1, 2)), (R, D(2026, 1, 5))), None),
        (rows((R, D(2026, 1, 5)), (OFFERED, D(2026, 3, 1))), None),
        (rows((R, D(2026, 1, 5)), (TREATED, D(2026, 3, 1))), None),
        (rows((R, D(2026, 1, 5)), (DISCHARGED, D(2026, 3, 1))), None),
        (rows((R, D(2026, 1, 5)), pauses=[(D(2026, 2, 1), D(2026, 3, 1))]), None),
        (rows((R, D(2026, 1, 5)), pauses=[(D(2026, 6, 30), None)]), None),
    ],
)
def test_waiting_since(referral, expected):
    assert referral.waiting_since(ON) == expected


def test_rows_read_as_the_rules_read_a_referral(area):
    pathway = PathwayFactory(area=area)
    referral = add_referral(
        pathway,
        D(2026, 1, 5),
        [(T, D(2026, 1, 12)), (R, D(2026, 1, 5)), (OFFERED, D(2026, 3, 1))],
        pauses=[(D(2026, 2, 1), D(2026, 2, 10))],
    )
    (found,) = selectors.referral_rows(pathway, on=ON, since=D(2025, 7, 1))
    assert (
        found.as_rules()
        == Referral.objects.prefetch_related("events", "pauses").get(pk=referral.pk).as_rules()
    )


# --- the same figures as rules.py --------------------------------------------------------------


@pytest.fixture
def every_shape(area):
    """Referrals of every shape the figures meet, some of them impossible."""
    pathway = PathwayFactory(area=area, name="Every shape")
    shapes = [
        (D(2026, 1, 5), [(R, D(2026, 1, 5)), (T, D(2026, 1, 12))], []),
        (D(2026, 3, 2), [(R, D(2026, 3, 2)), (T, D(2026, 3, 20))], []),
        (D(2026, 6, 1), [(R, D(2026, 6, 1))], []),
        (D(2026, 6, 26), [(R, D(2026, 6, 26))], []),
        (D(2024, 11, 4), [(R, D(2024, 11, 4)), (T, D(2024, 11, 8))], []),  # waiting 86 weeks
        (
            D(2026, 2, 2),
            [
                (R, D(2026, 2, 2)),
                (T, D(2026, 2, 3)),
                (OFFERED, D(2026, 4, 1)),
                (ATTENDED, D(2026, 5, 11)),
                (TREATED, D(2026, 5, 11)),
            ],
            [],
        ),
        (
            D(2025, 9, 1),
            [
                (R, D(2025, 9, 1)),
                (T, D(2025, 9, 3)),
                (OFFERED, D(2025, 12, 1)),
                (DNA, D(2026, 1, 5)),
                (REBOOKED, D(2026, 1, 20)),
            ],
            [],
        ),
        (
            D(2025, 10, 1),
            [
                (R, D(2025, 10, 1)),
                (T, D(2025, 10, 2)),
                (ATTENDED, D(2026, 2, 1)),
                (MONITORING, D(2026, 2, 1)),
            ],
            [],
        ),
        (D(2026, 1, 10), [(R, D(2026, 1, 10)), (T, D(2026, 1, 12))], [(D(2026, 2, 1), None)]),
        (
            D(2026, 1, 12),
            [(R, D(2026, 1, 12))],
            [(D(2026, 3, 1), D(2026, 4, 1)), (D(2026, 5, 1), D(2026, 5, 15))],
        ),
        # triaged after the date, received before it; and one received after the date
        (D(2026, 6, 20), [(R, D(2026, 6, 20)), (T, D(2026, 7, 3))], []),
        # impossible: triaged before the referral; two referrals; no referral event at all;
        # treatment after discharge; overlapping pauses
        (D(2026, 2, 10), [(T, D(2026, 2, 9)), (R, D(2026, 2, 10))], []),
        (D(2026, 2, 11), [(R, D(2026, 2, 11)), (R, D(2026, 3, 11))], []),
        (D(2026, 2, 12), [], []),
        (
            D(2026, 2, 13),
            [(R, D(2026, 2, 13)), (DISCHARGED, D(2026, 3, 1)), (TREATED, D(2026, 4, 1))],
            [],
        ),
        (
            D(2026, 2, 14),
            [(R, D(2026, 2, 14))],
            [(D(2026, 3, 1), D(2026, 4, 1)), (D(2026, 3, 15), D(2026, 4, 15))],
        ),
        # the referral event later than the date it says it was received
        (D(2026, 6, 1), [(R, D(2026, 7, 2))], []),
    ]
    for received, events, pauses in shapes:
        add_referral(pathway, received, events, pauses)
    return pathway


@pytest.mark.parametrize(
    "on", [ON, D(2026, 7, 10), D(2026, 5, 31), D(2026, 1, 31), D(2025, 12, 1), D(2025, 3, 1)]
)
@pytest.mark.parametrize("measure", [MeasureChoice.UNADJUSTED, MeasureChoice.ADJUSTED])
def test_every_shape_gives_the_figures_of_the_rules(every_shape, on, measure):
    Pathway.objects.filter(pk=every_shape.pk).update(measure=measure)
    every_shape.refresh_from_db()
    figures = assert_same(every_shape, on)
    if on == ON:  # the impossible referrals are found and left out
        assert figures.invalid >= 5
        assert figures.summary.size > 0


def test_the_forecast_is_worked_out_only_when_read(every_shape, django_assert_num_queries):
    figures = selectors.pathway_figures(every_shape, on=ON, target=D(2026, 12, 1))
    assert "forecast" not in figures.__dict__
    with django_assert_num_queries(0):
        projection = figures.forecast
    assert projection == reference_figures(every_shape, on=ON, target=D(2026, 12, 1))["forecast"]
    assert projection is not None
    assert projection.target == D(2026, 12, 1)


@contextmanager
def generated(django_db_blocker):
    options = generator.make_options(
        profile="halton", scale=0.15, seed=3, la_code="995", on=REFERENCE
    )
    with django_db_blocker.unblock(), transaction.atomic():
        yield generator.generate(acting_user=None, options=options)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def synthetic(django_db_setup, django_db_blocker):
    with generated(django_db_blocker) as result:
        yield result


@pytest.mark.parametrize(
    "on",
    [
        REFERENCE,
        REFERENCE - dt.timedelta(days=1),
        D(2025, 10, 31),
        D(2025, 4, 6),
        D(2024, 2, 29),
    ],
)
@pytest.mark.parametrize("measure", [MeasureChoice.UNADJUSTED, MeasureChoice.ADJUSTED])
def test_a_synthetic_areas_lists_give_the_figures_of_the_rules(synthetic, on, measure):
    pathways = list(Pathway.objects.filter(area=synthetic.area).order_by("name"))
    assert len(pathways) >= 5
    waiting = 0
    for pathway in pathways:
        pathway.measure = measure
        figures = assert_same(pathway, on)
        waiting += figures.summary.size
    assert waiting > 0
