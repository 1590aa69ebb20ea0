"""The figures of a pathway, on a small list worked out by hand, and who sees which."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.http import Http404

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, staff
from opensend.pathways import selectors, services
from opensend.pathways.rules import WeekBand
from opensend.pathways.tests.factories import PathwayFactory, TrustFactory
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

D = dt.date
ON = D(2026, 6, 30)


def refer(pathway, reference, received, *events, pause=None):
    referral = services.referral_record(
        acting_user=None,
        pathway=pathway,
        child=ChildFactory(area=pathway.area),
        provider_reference=reference,
        source="gp",
        received_on=received,
    )
    for kind, on in events:
        services.referral_add_event(acting_user=None, referral=referral, kind=kind, on=on)
    if pause:
        services.referral_pause(acting_user=None, referral=referral, start=pause[0], end=pause[1])
    return referral


@pytest.fixture
def pathway(area):
    """The hand-worked list on Tuesday 30 June 2026 (bank holidays: 3 and 6 April, 4 and 25 May).

    A  received 5 Jan, triaged 12 Jan (met, due 19 Jan), waiting 176 days (18-52 weeks)
    B  received 2 Mar, triaged 20 Mar (late, due 16 Mar), waiting 120 days (12-18 weeks)
    C  received 1 Jun, not triaged (overdue, due 15 Jun), waiting 29 days (4-12 weeks)
    D  received 2 Feb, triaged 3 Feb (met), treatment started 11 May: off the list
    E  received 26 Jun, triage not yet due, waiting 4 days (0-1 weeks)
    F  received 1 May 2025, discharged 1 Jun 2025: before the 12 months shown, left out
    """
    pathway = PathwayFactory(area=area, name="Autism assessment")
    refer(pathway, "A", D(2026, 1, 5), ("triaged", D(2026, 1, 12)))
    refer(pathway, "B", D(2026, 3, 2), ("triaged", D(2026, 3, 20)))
    refer(pathway, "C", D(2026, 6, 1))
    refer(
        pathway,
        "D",
        D(2026, 2, 2),
        ("triaged", D(2026, 2, 3)),
        ("treatment_started", D(2026, 5, 11)),
    )
    refer(pathway, "E", D(2026, 6, 26))
    refer(pathway, "F", D(2025, 5, 1), ("discharged", D(2025, 6, 1)))
    return pathway


def test_the_hand_worked_list(pathway):
    figures = selectors.pathway_figures(pathway, on=ON)
    summary = figures.summary
    assert summary.size == 4
    assert figures.within_standard == 3
    assert figures.share_within_standard == Fraction(3, 4)
    assert not figures.meets_standard
    assert summary.median_days == Fraction(149, 2)
    assert summary.longest_days == 176
    assert dict(summary.by_band) == {
        WeekBand.UP_TO_1: 1,
        WeekBand.UP_TO_2: 0,
        WeekBand.UP_TO_4: 0,
        WeekBand.UP_TO_12: 1,
        WeekBand.UP_TO_18: 1,
        WeekBand.UP_TO_52: 1,
        WeekBand.OVER_52: 0,
    }
    assert (figures.triage.received, figures.triage.met) == (4, 2)
    assert figures.invalid == 0


def test_demand_and_clock_stops_by_month(pathway):
    flows = selectors.pathway_figures(pathway, on=ON).flows
    assert flows[0].month == D(2025, 7, 1)
    assert flows[-1].month == D(2026, 6, 1)
    referrals = {f.month.month: f.referrals for f in flows if f.referrals}
    stops = {f.month.month: f.clock_stops for f in flows if f.clock_stops}
    assert referrals == {1: 1, 2: 1, 3: 1, 6: 2}
    assert stops == {5: 1}


def test_the_forecast_from_the_last_six_complete_months(pathway):
    projection = selectors.pathway_figures(pathway, on=ON, target=D(2026, 12, 1)).forecast
    assert projection is not None
    assert (projection.rate_from, projection.rate_to) == (D(2025, 12, 1), D(2026, 5, 1))
    assert projection.arrivals == Fraction(1, 2)  # 3 referrals in 6 months
    assert projection.clearances == Fraction(1, 6)  # 1 clock stop
    assert projection.target == D(2026, 12, 1)
    assert projection.met is None  # fewer seen than referred: never at current capacity
    assert projection.capacity_needed >= 1
    assert projection.projection[0].size == 4


def test_the_adjusted_measure_deducts_patient_pauses(area):
    pathway = PathwayFactory(area=area, measure="adjusted")
    refer(pathway, "A", D(2026, 1, 5), pause=(D(2026, 2, 1), D(2026, 2, 11)))
    assert selectors.pathway_figures(pathway, on=ON).summary.longest_days == 166
    national = PathwayFactory(area=area)
    refer(national, "A", D(2026, 1, 5), pause=(D(2026, 2, 1), D(2026, 2, 11)))
    assert selectors.pathway_figures(national, on=ON).summary.longest_days == 176


def test_commissioners_see_small_numbers_suppressed_and_providers_exactly(pathway):
    figures = selectors.pathway_figures(pathway, on=ON)
    exact = selectors.headline(figures, exact=True)
    assert (exact.size, exact.share_percent, exact.median_weeks) == (4, "75.0%", "10.6 weeks")
    assert exact.longest_weeks == "25.1 weeks"
    shown = selectors.headline(figures, exact=False)
    assert shown.size == "[c]"
    assert shown.share_percent == shown.median_weeks == shown.longest_weeks == "[c]"
    assert shown.meets_standard is None
    assert {count for _, count in shown.bands} == {"[c]", 0}
    assert shown.triage_percent == "[c]"


def test_band_suppression_hides_a_second_count_so_the_first_cannot_be_worked_out(area):
    pathway = PathwayFactory(area=area)
    for number in range(8):
        refer(pathway, f"OLD{number}", D(2026, 1, 5))
    refer(pathway, "NEW", D(2026, 6, 26))
    shown = selectors.headline(selectors.pathway_figures(pathway, on=ON), exact=False)
    assert shown.size == 9
    bands = dict(shown.bands)
    assert bands[WeekBand.UP_TO_1] == "[c]"
    assert bands[WeekBand.UP_TO_52] == "[c]"  # else 9 - 8 gives the hidden 1


def test_who_sees_which_pathways(pathway, area):
    council = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, home_area=area)
    icb = OrganisationFactory(kind=OrganisationKind.ICB, home_area=area)
    other_area = AreaFactory()
    elsewhere = PathwayFactory(area=other_area)
    other_trust_pathway = PathwayFactory(area=area, provider=TrustFactory(home_area=area))
    seen = {
        "provider": staff(Role.PROVIDER, pathway.provider),
        "clinician": staff(Role.HEALTH_PRACTITIONER, pathway.provider),
        "la_commissioner": staff(Role.COMMISSIONER, council),
        "icb_commissioner": staff(Role.COMMISSIONER, icb),
        "coordinator": staff(Role.EHC_COORDINATOR, council),
        "board_member": staff(Role.BOARD_MEMBER, council),
    }
    expected = {
        "provider": {pathway.pk},
        "clinician": {pathway.pk},
        "la_commissioner": {pathway.pk, other_trust_pathway.pk},
        "icb_commissioner": {pathway.pk, other_trust_pathway.pk},
        "coordinator": set(),
        "board_member": set(),
    }
    for who, user in seen.items():
        assert (
            set(selectors.pathway_list(fetched_by=user).values_list("pk", flat=True))
            == (expected[who])
        ), who
    with pytest.raises(Http404):
        selectors.pathway_get_for_user(fetched_by=seen["provider"], pathway_id=elsewhere.pk)
    with pytest.raises(Http404):
        selectors.pathway_get_for_user(
            fetched_by=seen["provider"], pathway_id=other_trust_pathway.pk
        )
