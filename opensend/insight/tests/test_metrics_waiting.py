"""The waiting-list metric on referrals recorded through the pathways services: at the end of
the period (or on the day worked out, in the current one), those waiting no longer than the
pathway's standard over everyone waiting. Each row's figures are worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.insight import kpi, metrics
from opensend.pathways import services as pathway_services
from opensend.pathways.tests.factories import PathwayFactory, ReferralFactory

pytestmark = pytest.mark.django_db

D = dt.date
AUGUST = kpi.Period(D(2026, 8, 1), kpi.Frequency.MONTHLY)
LONG_AFTER = D(2026, 11, 20)

#: On 31 August 2026 a referral received on 27 April has waited 126 days, the last day
#: within 18 weeks; one received on 26 April has waited 127.
EDGE = D(2026, 4, 27)
OVER = D(2026, 4, 26)


def _referral(pathway, received_on, stopped_on=None, pause=None):
    referral = ReferralFactory(pathway=pathway, received_on=received_on)
    if pause is not None:
        pathway_services.referral_pause(
            acting_user=None, referral=referral, start=pause[0], end=pause[1], reason="Holiday"
        )
    if stopped_on is not None:
        pathway_services.referral_stop_clock(
            acting_user=None, referral=referral, reason="treatment_started", on=stopped_on
        )
    return referral


def _figures(pathway, today, period=AUGUST):
    figures = metrics.compute(
        metrics.Metric.WAITING_UNDER_18_WEEKS,
        pathway.area,
        period,
        today=today,
        parameters=metrics.Parameters(pathway=pathway),
    )
    return figures.numerator, figures.denominator


@pytest.mark.parametrize(
    ("referrals", "today", "expected"),
    [
        pytest.param([(EDGE,)], LONG_AFTER, (1, 1), id="126-days-within"),
        pytest.param([(OVER,)], LONG_AFTER, (0, 1), id="127-days-over"),
        pytest.param(
            [(EDGE,), (OVER,), (D(2026, 8, 1),), (D(2026, 1, 5),)],
            LONG_AFTER,
            (2, 4),
            id="two-of-four",
        ),
        # A clock stopped in the period is off the list; one stopped after it was still on.
        pytest.param(
            [(D(2026, 3, 2), D(2026, 8, 20)), (D(2026, 8, 3),)],
            LONG_AFTER,
            (1, 1),
            id="stopped-in-the-period",
        ),
        pytest.param(
            [(D(2026, 3, 2), D(2026, 9, 10))], LONG_AFTER, (0, 1), id="stopped-after-the-period"
        ),
        pytest.param([(D(2026, 9, 7),)], LONG_AFTER, (0, 0), id="received-after-the-period"),
        # Worked out on 15 August: 27 April is 110 days back, 10 April 127.
        pytest.param([(EDGE,), (D(2026, 4, 10),)], D(2026, 8, 15), (1, 2), id="current-period"),
        pytest.param([], LONG_AFTER, (0, 0), id="nobody-waiting"),
    ],
)
def test_waiting_within_18_weeks(area, referrals, today, expected):
    pathway = PathwayFactory(area=area)
    for referral in referrals:
        _referral(pathway, *referral)
    assert _figures(pathway, today) == expected


@pytest.mark.parametrize(
    ("standard_weeks", "expected"),
    [
        (18, (2, 2)),
        # 12 weeks is 84 days: 8 June is 84 days before 31 August, 7 June 85.
        (12, (1, 2)),
    ],
)
def test_the_pathways_own_standard(area, standard_weeks, expected):
    pathway = PathwayFactory(area=area, standard_weeks=standard_weeks)
    _referral(pathway, D(2026, 6, 8))
    _referral(pathway, D(2026, 6, 7))
    assert _figures(pathway, LONG_AFTER) == expected


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        # 20 April to 31 August is 133 days: over 18 weeks by the national rule, which
        # deducts no pause ...
        ("unadjusted", (0, 1)),
        # ... within under the local adjusted measure, less the family's 10 days away.
        ("adjusted", (1, 1)),
    ],
)
def test_a_family_pause_counts_only_under_the_adjusted_measure(area, measure, expected):
    pathway = PathwayFactory(area=area, measure=measure)
    _referral(pathway, D(2026, 4, 20), pause=(D(2026, 6, 1), D(2026, 6, 11)))
    assert _figures(pathway, LONG_AFTER) == expected


def test_only_the_indicators_pathway_is_counted(area):
    pathway = PathwayFactory(area=area, name="Autism assessment")
    other = PathwayFactory(area=area, name="Speech and language therapy")
    _referral(pathway, EDGE)
    _referral(other, OVER)
    _referral(other, OVER)
    assert _figures(pathway, LONG_AFTER) == (1, 1)
    assert _figures(other, LONG_AFTER) == (0, 2)


def test_a_waiting_list_kpi_needs_its_pathway(area):
    with pytest.raises(metrics.MetricUnavailable, match="needs its pathway"):
        metrics.compute(
            metrics.Metric.WAITING_UNDER_18_WEEKS,
            area,
            AUGUST,
            today=LONG_AFTER,
            parameters=metrics.Parameters(),
        )
