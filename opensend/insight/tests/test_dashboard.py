"""The dashboard's selectors on a small hand-built area where every figure is known in advance:
EHC timeliness, annual reviews, advice by agency, waiting lists, contracts to watch, Local
Offer feedback, each exact and suppressed; and the exceptions they raise."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from opensend.commissioning.tests.factories import commission
from opensend.core.disclosure import SUPPRESSED
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, SettingFactory, staff
from opensend.directory.models import Feedback, FeedbackAbout
from opensend.ehc.models import (
    AdviceRequest,
    AdviceStatus,
    AdviceType,
    AnnualReview,
    AssessmentRequest,
    Plan,
    PlanStatus,
    RequestKind,
    RequestSource,
    RequestStage,
    ReviewStage,
)
from opensend.insight import dashboard
from opensend.insight.dashboard import Agency, ExceptionKind
from opensend.pathways import services as pathway_services
from opensend.pathways.tests.factories import PathwayFactory
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

D = dt.date
C = SUPPRESSED
#: The day of the hand-built figures: the window is 1 April 2025 to 18 March 2026.
ON = D(2026, 3, 18)
WEEK = dt.timedelta(weeks=1)


# --- builders -------------------------------------------------------------------------------


def issued_plan(area, *, issued, due, exception=False, kind=RequestKind.NEW):
    """A request whose final plan was issued on ``issued`` against a 20-week limit ``due``."""
    received = due - 20 * WEEK
    return AssessmentRequest.objects.create(
        area=area,
        child=ChildFactory(area=area),
        kind=kind,
        source=RequestSource.PARENT,
        received_date=received,
        decision_due=received + 6 * WEEK,
        not_to_issue_due=received + 16 * WEEK,
        draft_target=received + 14 * WEEK,
        final_due=due,
        stage=RequestStage.FINAL_ISSUED,
        final_issued_date=issued,
        closed_date=issued,
        has_exception=exception,
    )


def assessing(area):
    received = D(2025, 3, 3)
    return AssessmentRequest.objects.create(
        area=area,
        child=ChildFactory(area=area),
        kind=RequestKind.NEW,
        source=RequestSource.PARENT,
        received_date=received,
        decision_due=received + 6 * WEEK,
        not_to_issue_due=received + 16 * WEEK,
        draft_target=received + 14 * WEEK,
        final_due=received + 20 * WEEK,
        stage=RequestStage.ASSESSING,
    )


def advice_request(request, advice_type, *, requested, returned=None, status=None, exception=""):
    return AdviceRequest.objects.create(
        request=request,
        advice_type=advice_type,
        requested_date=requested,
        due_date=requested + 6 * WEEK,
        status=status or (AdviceStatus.RETURNED if returned else AdviceStatus.REQUESTED),
        returned_date=returned,
        exception_kind=exception,
    )


def review(area, *, due, stage=ReviewStage.SCHEDULED, meeting=None):
    plan = Plan.objects.create(
        area=area,
        child=ChildFactory(area=area),
        status=PlanStatus.ACTIVE,
        start_date=due - dt.timedelta(days=364),
    )
    return AnnualReview.objects.create(plan=plan, due_date=due, stage=stage, meeting_date=meeting)


_feedback_refs = itertools.count(1)


def comment(area, *, received, answered=None, published=None):
    zone = timezone.get_current_timezone()

    def moment(day):
        return None if day is None else dt.datetime.combine(day, dt.time(10, 30), tzinfo=zone)

    return Feedback.objects.create(
        area=area,
        reference=f"FB{next(_feedback_refs):06d}",
        about=FeedbackAbout.CONTENT,
        comment="The page about short breaks is hard to find.",
        received_at=moment(received),
        answered_at=moment(answered),
        published_at=moment(published),
        status="published" if published else ("answered" if answered else "new"),
    )


def timeliness_area(area):
    """April 2025: 8 new plans, 7 within 20 weeks. March 2026: 3 new plans, 1 within 20 weeks,
    one of the 2 late ones under an exception. Outside: before the window, after the day, a
    re-assessment, another area."""
    for day in range(1, 8):
        issued_plan(area, issued=D(2025, 4, day), due=D(2025, 4, 20))
    issued_plan(area, issued=D(2025, 4, 30), due=D(2025, 4, 20))
    issued_plan(area, issued=D(2026, 3, 2), due=D(2026, 3, 2))
    issued_plan(area, issued=D(2026, 3, 10), due=D(2026, 3, 3))
    issued_plan(area, issued=D(2026, 3, 11), due=D(2026, 3, 3), exception=True)
    issued_plan(area, issued=D(2025, 3, 31), due=D(2025, 4, 20))
    issued_plan(area, issued=D(2026, 3, 19), due=D(2026, 3, 31))
    issued_plan(area, issued=D(2025, 6, 2), due=D(2025, 6, 30), kind=RequestKind.REASSESSMENT)
    issued_plan(AreaFactory(), issued=D(2025, 6, 2), due=D(2025, 6, 30))


# --- EHC timeliness -------------------------------------------------------------------------


def test_timeliness_exact(area):
    timeliness_area(area)
    ehc = dashboard.timeliness(area, on=ON, exact=True)
    assert (ehc.months[0].label, ehc.months[-1].label) == ("April 2025", "March 2026")
    assert len(ehc.months) == 12
    april, march = ehc.months[0], ehc.months[-1]
    assert (april.issued, april.on_time, april.rate) == (8, 7, "87.5%")
    assert (march.issued, march.on_time, march.rate) == (3, 1, "33.3%")
    assert (march.issued_excluding_exceptions, march.on_time_excluding_exceptions) == (2, 1)
    assert march.rate_excluding_exceptions == "50.0%"
    assert ehc.months[1].rate == "None due"
    total = ehc.total
    assert total.label == "Last 12 months"
    assert (total.issued, total.on_time, total.rate) == (11, 8, "72.7%")
    assert (total.issued_excluding_exceptions, total.on_time_excluding_exceptions) == (10, 8)
    assert total.rate_excluding_exceptions == "80.0%"
    assert ehc.rate_excluding_exceptions == pytest.approx(0.8)
    # No target in the KPI store: held to the national rate, and above it.
    assert ehc.target_source == "the national rate (England, 2024)"
    assert ehc.target_shown == "46.4%"
    assert not ehc.below_target


def test_timeliness_suppressed_hides_small_months_and_the_one_that_would_reveal_them(area):
    timeliness_area(area)
    ehc = dashboard.timeliness(area, on=ON, exact=False)
    april, march = ehc.months[0], ehc.months[-1]
    # March's figures (3, 1, 2, 1) are small; April's are hidden too, or the 12-month total
    # less April would give March away.
    assert (march.issued, march.on_time, march.rate) == (C, C, C)
    assert (april.issued, april.on_time, april.rate) == (C, C, C)
    assert april.rate_excluding_exceptions == C
    assert ehc.months[1].issued == 0  # zero identifies nobody
    assert (ehc.total.issued, ehc.total.on_time, ehc.total.rate) == (11, 8, "72.7%")


@pytest.mark.parametrize(
    ("target", "below"),
    [
        pytest.param(Decimal("85"), True, id="target-above-the-rate"),
        pytest.param(Decimal("80"), False, id="target-equal-to-the-rate"),
        pytest.param(Decimal("60"), False, id="target-below-the-rate"),
    ],
)
def test_timeliness_held_to_the_areas_target(area, target, below):
    from opensend.insight.metrics import Metric
    from opensend.insight.models import Indicator

    timeliness_area(area)
    Indicator.objects.create(
        area=area,
        code="ehc-20-weeks",
        name="New EHC plans within 20 weeks",
        numerator_label="Plans issued within 20 weeks",
        denominator_label="Plans issued",
        domain="education",
        unit="percent",
        polarity="higher",
        frequency="monthly",
        source="computed",
        computed_metric=Metric.EHC_20_WEEKS,
        target=target,
    )
    ehc = dashboard.timeliness(area, on=ON, exact=True)
    assert ehc.target_source == "the area's target"
    assert ehc.below_target is below


def test_timeliness_below_target_is_not_said_when_the_rate_is_suppressed(area):
    issued_plan(area, issued=D(2026, 3, 10), due=D(2026, 3, 3))
    ehc = dashboard.timeliness(area, on=ON, exact=False)
    assert ehc.total.rate_excluding_exceptions == C
    assert not ehc.below_target
    assert dashboard.timeliness(area, on=ON, exact=True).below_target


# --- Annual reviews -------------------------------------------------------------------------


def reviews_area(area):
    """Due in the window: 7 held on time, 1 held late, 2 not held (one with a meeting
    arranged after the due date). Overdue now: those 2 and 1 due before the window. Not
    counted: due later, cancelled, another area."""
    for day in range(1, 8):
        review(area, due=D(2025, 9, day), stage=ReviewStage.COMPLETED, meeting=D(2025, 8, day))
    review(area, due=D(2025, 10, 1), stage=ReviewStage.MEETING_HELD, meeting=D(2025, 10, 2))
    review(area, due=D(2026, 1, 5))
    review(area, due=D(2026, 3, 17), meeting=D(2026, 3, 25))
    review(area, due=D(2025, 2, 1))
    review(area, due=D(2026, 5, 1))
    review(area, due=D(2025, 11, 3), stage=ReviewStage.CANCELLED)
    review(AreaFactory(), due=D(2025, 11, 3))


def test_reviews_exact(area):
    reviews_area(area)
    figures = dashboard.reviews(area, on=ON, exact=True)
    assert figures == dashboard.Reviews(
        due=10, held_on_time=7, not_on_time=3, share_on_time="70.0%", overdue_now=3
    )


def test_reviews_suppressed(area):
    reviews_area(area)
    figures = dashboard.reviews(area, on=ON, exact=False)
    # 3 not on time is small, and 7 on time would reveal it (10 - 7).
    assert figures == dashboard.Reviews(
        due=10, held_on_time=C, not_on_time=C, share_on_time=C, overdue_now=C
    )


def test_a_review_due_today_is_not_yet_overdue(area):
    review(area, due=ON)
    figures = dashboard.reviews(area, on=ON, exact=True)
    assert (figures.due, figures.overdue_now) == (1, 0)


# --- Advice by agency -----------------------------------------------------------------------


def advice_area(area):
    """Health: 6 on time, 1 late, 1 overdue, 1 not yet due, 1 excused by an exception, 1
    cancelled. Education: 1 education and 1 educational psychology, both on time. Social
    care: none. The family's own advice, overdue, belongs to no agency."""
    request = assessing(area)
    for _ in range(6):
        advice_request(request, AdviceType.HEALTH, requested=D(2025, 6, 2), returned=D(2025, 7, 10))
    advice_request(request, AdviceType.HEALTH, requested=D(2025, 6, 2), returned=D(2025, 8, 1))
    advice_request(request, AdviceType.HEALTH, requested=D(2026, 1, 5))
    advice_request(request, AdviceType.HEALTH, requested=D(2026, 3, 2))
    advice_request(
        request, AdviceType.HEALTH, requested=D(2025, 12, 1), exception="missed_appointment"
    )
    advice_request(
        request, AdviceType.HEALTH, requested=D(2025, 12, 1), status=AdviceStatus.CANCELLED
    )
    advice_request(request, AdviceType.EDUCATION, requested=D(2025, 5, 1), returned=D(2025, 6, 1))
    advice_request(
        request, AdviceType.PSYCHOLOGICAL, requested=D(2025, 5, 1), returned=D(2025, 6, 12)
    )
    advice_request(request, AdviceType.PARENT, requested=D(2025, 12, 1))
    advice_request(assessing(AreaFactory()), AdviceType.HEALTH, requested=D(2026, 1, 5))


def _advice_rows(rows):
    return {
        row.agency: (
            row.requested,
            row.due,
            row.returned_on_time,
            row.share_on_time,
            row.overdue_now,
        )
        for row in rows
    }


def test_advice_exact(area):
    advice_area(area)
    rows = dashboard.advice(area, on=ON, exact=True)
    assert [row.agency for row in rows] == [Agency.EDUCATION, Agency.HEALTH, Agency.SOCIAL_CARE]
    assert _advice_rows(rows) == {
        Agency.EDUCATION: (2, 2, 2, "100.0%", 0),
        Agency.HEALTH: (10, 9, 6, "66.7%", 1),
        Agency.SOCIAL_CARE: (0, 0, 0, "None due", 0),
    }


def test_advice_suppressed(area):
    advice_area(area)
    assert _advice_rows(dashboard.advice(area, on=ON, exact=False)) == {
        Agency.EDUCATION: (C, C, C, C, 0),
        Agency.HEALTH: (10, 9, 6, "66.7%", C),
        Agency.SOCIAL_CARE: (0, 0, 0, "None due", 0),
    }


# --- Waiting lists --------------------------------------------------------------------------


def waiting_area(area):
    """A pathway where 7 children have waited more than 18 weeks (0% within the standard), one
    where 7 have waited 2 weeks (100%), and an empty one."""
    long_wait = PathwayFactory(area=area, name="Autism assessment")
    short_wait = PathwayFactory(area=area, name="Speech and language therapy", kind="salt")
    PathwayFactory(area=area, name="Physiotherapy", kind="physio")
    PathwayFactory(name="Elsewhere")
    for number in range(7):
        for pathway, received in ((long_wait, D(2025, 6, 2)), (short_wait, ON - 2 * WEEK)):
            pathway_services.referral_record(
                acting_user=None,
                pathway=pathway,
                child=ChildFactory(area=area),
                provider_reference=f"R-{number}",
                source="gp",
                received_on=received,
            )
    return long_wait, short_wait


def test_waiting_lists(area):
    long_wait, short_wait = waiting_area(area)
    rows = dashboard.waiting_lists(area, on=ON, exact=False)
    assert [row.pathway.name for row in rows] == [
        "Autism assessment",
        "Physiotherapy",
        "Speech and language therapy",
    ]
    autism, physio, salt = rows
    assert (autism.shown.size, autism.shown.share_percent, autism.below_standard) == (
        7,
        "0.0%",
        True,
    )
    assert (salt.shown.size, salt.shown.share_percent, salt.below_standard) == (7, "100.0%", False)
    assert (physio.shown.size, physio.below_standard) == (0, False)


def test_a_small_waiting_list_is_not_said_to_be_below_the_standard_when_suppressed(area):
    pathway = PathwayFactory(area=area, name="Sensory OT", kind="sensory_ot")
    pathway_services.referral_record(
        acting_user=None,
        pathway=pathway,
        child=ChildFactory(area=area),
        provider_reference="R-1",
        source="gp",
        received_on=D(2025, 6, 2),
    )
    (suppressed,) = dashboard.waiting_lists(area, on=ON, exact=False)
    assert (suppressed.shown.size, suppressed.shown.share_percent) == (C, C)
    assert not suppressed.below_standard
    (exact,) = dashboard.waiting_lists(area, on=ON, exact=True)
    assert exact.below_standard


# --- Contracts to watch ---------------------------------------------------------------------

CONTRACT_DAY = D(2026, 9, 1)


@pytest.fixture
def funder(area):
    return OrganisationFactory(name="Halford Vale Council", home_area=area)


@pytest.fixture
def provider(area):
    return OrganisationFactory(
        name="Brightwater Therapy", kind=OrganisationKind.VOLUNTARY_PROVIDER, home_area=area
    )


def contracts_area(area, funder, provider):
    money = [(funder, "high_needs", 100000)]
    commission(area, provider, money, reference="REVIEW", review_date=D(2026, 8, 1))
    commission(area, provider, money, reference="EXPIRY", contract_expiry=D(2026, 11, 30))
    commission(area, provider, money, reference="ENDS", end_date=D(2026, 10, 31))
    commission(
        area, provider, money, reference="BOTH", review_date=D(2026, 8, 31), end_date=D(2026, 12, 1)
    )
    commission(area, provider, money, reference="LATER", contract_expiry=D(2026, 12, 2))
    commission(area, provider, money, reference="ENDED", status="ended", review_date=D(2026, 8, 1))
    commission(area, provider, money, reference="REVIEWED", review_date=CONTRACT_DAY)


def test_contracts_to_watch(area, funder, provider):
    contracts_area(area, funder, provider)
    board = staff(Role.BOARD_MEMBER, funder)
    alerts = dashboard.contracts(board, area, on=CONTRACT_DAY)
    assert {a.commission.reference: a.reason for a in alerts} == {
        "REVIEW": "Its review was due on 1 August 2026",
        "EXPIRY": "It ends on 30 November 2026, within 3 months",
        "ENDS": "It ends on 31 October 2026, within 3 months",
        "BOTH": "Its review was due on 31 August 2026 and it ends on 1 December 2026, "
        "within 3 months",
    }
    assert all(alert.linked for alert in alerts)  # a board member sees commission summaries
    analyst = staff(Role.ANALYST, funder)
    assert not any(alert.linked for alert in dashboard.contracts(analyst, area, on=CONTRACT_DAY))


# --- Feedback -------------------------------------------------------------------------------


def test_feedback(area):
    comment(area, received=D(2025, 5, 1), answered=D(2025, 5, 20), published=D(2025, 6, 1))
    comment(area, received=D(2026, 3, 1), answered=D(2026, 3, 18))
    comment(area, received=D(2026, 3, 18))
    comment(area, received=D(2025, 1, 10), answered=D(2025, 4, 1))  # received before the window
    comment(area, received=D(2025, 1, 10))  # still waiting, from before the window
    comment(area, received=D(2026, 3, 19))  # after the day
    comment(AreaFactory(), received=D(2026, 3, 1))
    assert dashboard.feedback(area, on=ON) == dashboard.FeedbackFigures(
        received=3, answered=3, published=1, awaiting_answer=2
    )


# --- The window and the areas ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "first"),
    [
        (D(2026, 3, 18), D(2025, 4, 1)),
        (D(2026, 1, 1), D(2025, 2, 1)),
        (D(2026, 12, 31), D(2026, 1, 1)),
    ],
)
def test_the_window_is_this_month_and_the_eleven_before(on, first):
    assert dashboard.window_start(on) == first
    assert dashboard.month_starts(on)[-1] == on.replace(day=1)


@pytest.mark.parametrize(
    ("role", "kind", "sees"),
    [
        (Role.BOARD_MEMBER, OrganisationKind.LOCAL_AUTHORITY, True),
        (Role.BOARD_MEMBER, OrganisationKind.PARENT_CARER_FORUM, True),
        (Role.COMMISSIONER, OrganisationKind.ICB, True),
        (Role.SEND_MANAGER, OrganisationKind.LOCAL_AUTHORITY, True),
        (Role.ANALYST, OrganisationKind.LOCAL_AUTHORITY, True),
        (Role.EHC_COORDINATOR, OrganisationKind.LOCAL_AUTHORITY, False),
        (Role.PROVIDER, OrganisationKind.VOLUNTARY_PROVIDER, False),
        (Role.SENCO, OrganisationKind.SCHOOL, False),
        (Role.HEALTH_PRACTITIONER, OrganisationKind.NHS_TRUST, False),
        (Role.LOCAL_OFFER_OFFICER, OrganisationKind.LOCAL_AUTHORITY, False),
    ],
)
def test_who_sees_the_dashboard_of_an_area(area, role, kind, sees):
    organisation = (
        SettingFactory(home_area=area)
        if kind == OrganisationKind.SCHOOL
        else OrganisationFactory(kind=kind, home_area=area)
    )
    user = staff(role, organisation)
    assert (area.pk in dashboard.dashboard_area_ids(user)) is sees


@pytest.mark.parametrize(
    ("role", "kind", "exact"),
    [
        (Role.SEND_MANAGER, OrganisationKind.LOCAL_AUTHORITY, True),
        (Role.BOARD_MEMBER, OrganisationKind.LOCAL_AUTHORITY, False),
        (Role.COMMISSIONER, OrganisationKind.LOCAL_AUTHORITY, False),
        (Role.ANALYST, OrganisationKind.ICB, False),
    ],
)
def test_who_sees_exact_figures(area, role, kind, exact):
    user = staff(role, OrganisationFactory(kind=kind, home_area=area))
    assert dashboard.sees_exact_figures(user, area) is exact


def test_exceptions_list_waiting_lists_timeliness_and_contracts_with_why(area, funder, provider):
    timeliness_area(area)
    long_wait, _ = waiting_area(area)
    commission(
        area,
        provider,
        [(funder, "high_needs", 100000)],
        reference="REVIEW",
        review_date=ON - WEEK,
        title="Short breaks",
    )
    from opensend.insight.metrics import Metric
    from opensend.insight.models import Indicator

    Indicator.objects.create(
        area=area,
        code="ehc-20-weeks",
        name="New EHC plans within 20 weeks",
        numerator_label="Plans issued within 20 weeks",
        denominator_label="Plans issued",
        domain="education",
        unit="percent",
        polarity="higher",
        frequency="monthly",
        source="computed",
        computed_metric=Metric.EHC_20_WEEKS,
        target=Decimal(90),
        active=False,
    )
    board = staff(Role.BOARD_MEMBER, funder)
    ehc = dashboard.timeliness(area, on=ON, exact=False)
    items = dashboard.exceptions(
        timeliness=ehc,
        waiting=dashboard.waiting_lists(area, on=ON, exact=False),
        statuses=(),
        alerts=dashboard.contracts(board, area, on=ON),
    )
    assert [(item.kind, item.title) for item in items] == [
        (ExceptionKind.WAITING_LIST, f"Autism assessment ({long_wait.provider.name})"),
        (ExceptionKind.CONTRACT, f"REVIEW: Short breaks ({provider.name})"),
    ]
    assert items[0].reason == (
        "0.0% of the children waiting have waited 18 weeks or less, against the standard of "
        "92%; the longest wait is 41.3 weeks"
    )
    assert items[1].reason == "Its review was due on 11 March 2026"
    assert items[1].link == dashboard.Link("commissioning:commission", (items[1].link.args[0],))
