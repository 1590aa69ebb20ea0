"""The partnership board's performance dashboard (issue 5, part 4): the reads behind the page
and its XLSX export.

One area, one day, and a rolling window of the 12 months to that day (this month included):

- **EHC timeliness**: new plans issued within 20 weeks, by month of issue and over the window,
  with and without the cases where an exception applied (``opensend.ehc.selectors``), beside
  the national rate and the area's target where its KPI store holds one.
- **Annual reviews** due in the window, held by their due date, and overdue now.
- **Advice** asked of education, health and social care: requested, returned within 6 weeks,
  overdue now.
- **Waiting lists**: each pathway's figures (``opensend.pathways.selectors``).
- **Indicators**: every active KPI of the area the user may see, with RAG and the Making Data
  Count verdicts (``opensend.insight.selectors``); contract KPIs apart.
- **Local Offer feedback** received, answered and published.
- **Exceptions**: everything concerning, each with why it is listed ("services that continue to
  be challenged will be reported by exception").

Every figure is counted in the database: a handful of aggregate queries per section, however
many children the area has. Small numbers (1 to 5 children) are suppressed for everyone but
the officers whose duty covers the whole area's children (``sees_exact_figures``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from opensend.commissioning.codes import CommissionStatus
from opensend.commissioning.models import Commission
from opensend.commissioning.permissions import access_for
from opensend.core.calendar import add_months
from opensend.core.disclosure import SUPPRESSED, suppress, suppress_table
from opensend.core.models import Area, Membership, User
from opensend.core.roles import Role
from opensend.directory.models import Feedback
from opensend.ehc import selectors as ehc_selectors
from opensend.ehc.models import AdviceRequest, AdviceStatus, AdviceType, AnnualReview, ReviewStage
from opensend.insight import selectors as store
from opensend.insight.metrics import Metric
from opensend.insight.models import Domain, Indicator
from opensend.pathways import selectors as pathway_selectors
from opensend.pathways.models import Pathway
from opensend.people import policy

#: Who sees the dashboard of an area: its board members, commissioners, SEND managers and
#: analysts. Providers, parents and everyone else do not.
DASHBOARD_ROLES = frozenset({Role.BOARD_MEMBER, Role.COMMISSIONER, Role.SEND_MANAGER, Role.ANALYST})
#: The rolling window: this month and the 11 before it.
WINDOW_MONTHS = 12
#: A contract is listed when it ends within this many months.
EXPIRY_WARNING_MONTHS = 3

Shown = int | str


# --- Who sees it --------------------------------------------------------------------------------


def dashboard_area_ids(user: User, on: dt.date | None = None) -> frozenset[int]:
    """The areas whose dashboard the user may see: those where a current membership gives them
    one of ``DASHBOARD_ROLES``. One query."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    day = on or timezone.localdate()
    area_ids = (
        Membership.objects.current(day)
        .filter(user=user, role_links__role__in=list(DASHBOARD_ROLES))
        .values_list("areas", flat=True)
    )
    return frozenset(area_id for area_id in area_ids if area_id is not None)


def dashboard_areas(*, fetched_by: User) -> list[Area]:
    """The user's dashboard areas by name; refused (403) for a user who has none."""
    areas = list(Area.objects.filter(pk__in=dashboard_area_ids(fetched_by)).order_by("name", "pk"))
    if not areas:
        raise PermissionDenied(
            "The performance dashboard is for the area's board members, commissioners, SEND "
            "managers and analysts."
        )
    return areas


def dashboard_area_get(*, fetched_by: User, la_code: str) -> Area:
    """One of the user's dashboard areas by its LA code; 403 for a user with none, 404 for an
    area that is not theirs (not telling them whether it exists)."""
    for area in dashboard_areas(fetched_by=fetched_by):
        if area.la_code == la_code:
            return area
    raise Http404("No such area")


def sees_exact_figures(user: User, area: Area, on: dt.date | None = None) -> bool:
    """Exact figures for the officers whose duty covers every child of the area (its SEND
    team, its designated officers), who see those children's records anyway; everyone else
    (board members, commissioners, analysts) sees small numbers suppressed."""
    grants = policy.grants_for(user, on)
    return area.pk in grants.la_area_ids or area.pk in grants.oversight_area_ids


# --- Showing figures ----------------------------------------------------------------------------


def percent(part: int, whole: int) -> str:
    """A share to one decimal place ("46.4%"); "None due" when there was nothing to count."""
    if not whole:
        return "None due"
    return f"{float(Fraction(part, whole) * 100):.1f}%"


def shown_percent(part: Shown, whole: Shown, exact_part: int, exact_whole: int) -> str:
    """The share, or the suppression mark where either figure behind it is hidden."""
    if SUPPRESSED in (part, whole):
        return SUPPRESSED
    return percent(exact_part, exact_whole)


def plain_percent(value: Fraction) -> str:
    """A percentage to one decimal place, without a trailing ".0": "46.4%", "60%"."""
    text = f"{float(value):.1f}"
    return f"{text.removesuffix('.0')}%"


def _shown(count: int, *, exact: bool) -> Shown:
    return count if exact else suppress(count)


def _table(rows: Mapping[str, Mapping[str, int]], *, exact: bool) -> dict[str, dict[str, Shown]]:
    """A table of counts with primary and secondary suppression (or exact)."""
    if exact:
        return {key: dict(row) for key, row in rows.items()}
    return suppress_table(rows)


def window_start(on: dt.date) -> dt.date:
    """The first day of the rolling window: the first of the month 11 months before ``on``."""
    return add_months(on.replace(day=1), -(WINDOW_MONTHS - 1))


def month_starts(on: dt.date) -> list[dt.date]:
    first = window_start(on)
    return [add_months(first, offset) for offset in range(WINDOW_MONTHS)]


def _month_label(month: dt.date) -> str:
    return f"{month:%B %Y}"


# --- EHC timeliness -----------------------------------------------------------------------------

#: The national rate of new EHC plans issued within 20 weeks, excluding exception cases:
#: England, calendar year 2024 (DfE, "Education, health and care plans", June 2025; RULES.md
#: section 10). Including exception cases it was 45.9%.
NATIONAL_TWENTY_WEEKS = Fraction(464, 10)
NATIONAL_TWENTY_WEEKS_ALL = Fraction(459, 10)
NATIONAL_YEAR = 2024


@dataclass(frozen=True)
class TimelinessRow:
    label: str
    issued: Shown
    on_time: Shown
    rate: str
    issued_excluding_exceptions: Shown
    on_time_excluding_exceptions: Shown
    rate_excluding_exceptions: str


@dataclass(frozen=True)
class Timeliness:
    months: tuple[TimelinessRow, ...]
    total: TimelinessRow
    #: Over the window, exactly (for the exceptions list; never shown unless ``total`` is).
    rate_excluding_exceptions: Fraction | None
    #: The target the rate is held to (a percentage) and where it comes from.
    target: Fraction | None
    target_source: str
    national: Fraction = NATIONAL_TWENTY_WEEKS
    national_all: Fraction = NATIONAL_TWENTY_WEEKS_ALL
    national_year: int = NATIONAL_YEAR

    @property
    def target_shown(self) -> str:
        return "" if self.target is None else plain_percent(self.target)

    @property
    def national_shown(self) -> str:
        return plain_percent(self.national)

    @property
    def national_all_shown(self) -> str:
        return plain_percent(self.national_all)

    @property
    def below_target(self) -> bool:
        """Whether the window's rate (excluding exceptions) is below the target, where the
        rate may be shown."""
        if self.target is None or self.rate_excluding_exceptions is None:
            return False
        if self.total.rate_excluding_exceptions == SUPPRESSED:
            return False
        return self.rate_excluding_exceptions * 100 < self.target


_TIMELINESS_COLUMNS = ("issued", "on_time", "issued_x", "on_time_x")


def _timeliness_row(
    label: str, exact: Mapping[str, int], shown: Mapping[str, Shown]
) -> TimelinessRow:
    return TimelinessRow(
        label=label,
        issued=shown["issued"],
        on_time=shown["on_time"],
        rate=shown_percent(shown["on_time"], shown["issued"], exact["on_time"], exact["issued"]),
        issued_excluding_exceptions=shown["issued_x"],
        on_time_excluding_exceptions=shown["on_time_x"],
        rate_excluding_exceptions=shown_percent(
            shown["on_time_x"], shown["issued_x"], exact["on_time_x"], exact["issued_x"]
        ),
    )


def _timeliness_target(area: Area) -> tuple[Fraction | None, str]:
    """The target of the area's computed 20-week KPI, if its store holds one; otherwise the
    national rate, so that an area doing worse than England is reported."""
    target = (
        Indicator.objects.filter(
            area=area, active=True, computed_metric=Metric.EHC_20_WEEKS, target__isnull=False
        )
        .order_by("pk")
        .values_list("target", flat=True)
        .first()
    )
    if target is not None:
        return Fraction(target), "the area's target"
    return NATIONAL_TWENTY_WEEKS, f"the national rate (England, {NATIONAL_YEAR})"


def timeliness(area: Area, *, on: dt.date, exact: bool) -> Timeliness:
    """New plans issued within 20 weeks in each month of the window and over it. Two queries."""
    months = month_starts(on)
    rates = {
        rate.month: rate
        for rate in ehc_selectors.twenty_week_rates(area=area, start=months[0], end=on)
    }
    counts: dict[str, dict[str, int]] = {}
    for month in months:
        rate = rates.get(month)
        counts[_month_label(month)] = {
            "issued": rate.issued if rate else 0,
            "on_time": rate.on_time if rate else 0,
            "issued_x": rate.issued_excluding_exceptions if rate else 0,
            "on_time_x": rate.on_time_excluding_exceptions if rate else 0,
        }
    shown = _table(counts, exact=exact)
    totals = {column: sum(row[column] for row in counts.values()) for column in _TIMELINESS_COLUMNS}
    shown_totals = {column: _shown(totals[column], exact=exact) for column in _TIMELINESS_COLUMNS}
    target, source = _timeliness_target(area)
    return Timeliness(
        months=tuple(_timeliness_row(label, counts[label], shown[label]) for label in counts),
        total=_timeliness_row(f"Last {WINDOW_MONTHS} months", totals, shown_totals),
        rate_excluding_exceptions=(
            Fraction(totals["on_time_x"], totals["issued_x"]) if totals["issued_x"] else None
        ),
        target=target,
        target_source=source,
    )


# --- Annual reviews -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reviews:
    due: Shown  # reviews due in the window, by today
    held_on_time: Shown  # of those, the meeting held by the due date
    not_on_time: Shown  # held late, or not held yet
    share_on_time: str
    overdue_now: Shown  # due before today and the meeting not held, whenever due


def reviews(area: Area, *, on: dt.date, exact: bool) -> Reviews:
    """Annual reviews of the area's plans due in the window up to today: how many had their
    meeting by the due date (Reg 20: within 12 months), and how many are overdue now. A
    cancelled review (the plan ceased or moved away) is not counted. One query."""
    first = window_start(on)
    due_in_window = Q(due_date__gte=first, due_date__lte=on)
    held = ~Q(stage=ReviewStage.SCHEDULED) & Q(meeting_date__isnull=False)
    figures = (
        AnnualReview.objects.filter(plan__area=area)
        .exclude(stage=ReviewStage.CANCELLED)
        .aggregate(
            due=Count("pk", filter=due_in_window),
            on_time=Count("pk", filter=due_in_window & held & Q(meeting_date__lte=F("due_date"))),
            overdue=Count("pk", filter=Q(stage=ReviewStage.SCHEDULED, due_date__lt=on)),
        )
    )
    due, on_time = figures["due"], figures["on_time"]
    split = _table({"reviews": {"on_time": on_time, "not_on_time": due - on_time}}, exact=exact)
    row = split["reviews"]
    return Reviews(
        due=_shown(due, exact=exact),
        held_on_time=row["on_time"],
        not_on_time=row["not_on_time"],
        share_on_time=shown_percent(row["on_time"], _shown(due, exact=exact), on_time, due),
        overdue_now=_shown(figures["overdue"], exact=exact),
    )


# --- Advice by agency ---------------------------------------------------------------------------


class Agency(StrEnum):
    EDUCATION = "education"
    HEALTH = "health"
    SOCIAL_CARE = "social_care"

    @property
    def label(self) -> str:
        return {
            Agency.EDUCATION: "Education (including educational psychology)",
            Agency.HEALTH: "Health",
            Agency.SOCIAL_CARE: "Social care",
        }[self]


#: The advice each agency gives (Reg 6(1)): educational psychology is the local authority's
#: education service. The family's own advice and "other" advice belong to no agency.
AGENCY_ADVICE: dict[Agency, frozenset[str]] = {
    Agency.EDUCATION: frozenset({AdviceType.EDUCATION, AdviceType.PSYCHOLOGICAL}),
    Agency.HEALTH: frozenset({AdviceType.HEALTH}),
    Agency.SOCIAL_CARE: frozenset({AdviceType.SOCIAL_CARE}),
}


@dataclass(frozen=True)
class AgencyAdvice:
    agency: Agency
    requested: Shown  # requested in the window
    due: Shown  # due in the window, by today
    returned_on_time: Shown  # of those due, returned within the 6 weeks
    share_on_time: str
    overdue_now: Shown  # not returned, past its 6 weeks, no Reg 8(2) exception

    @property
    def label(self) -> str:
        return self.agency.label


def advice(area: Area, *, on: dt.date, exact: bool) -> tuple[AgencyAdvice, ...]:
    """Advice asked of each agency (Reg 8: returned within 6 weeks of the request). Cancelled
    requests are not counted; advice under a Reg 8(2) exception is not overdue. One query."""
    first = window_start(on)
    due_in_window = Q(due_date__gte=first, due_date__lte=on)
    rows = (
        AdviceRequest.objects.filter(
            request__area=area,
            advice_type__in=sorted(set().union(*AGENCY_ADVICE.values())),
        )
        # Only rows that can count: requested or due in the window, or still outstanding.
        .filter(
            Q(requested_date__gte=first) | Q(due_date__gte=first) | Q(status=AdviceStatus.REQUESTED)
        )
        .exclude(status=AdviceStatus.CANCELLED)
        .values("advice_type")
        .annotate(
            requested=Count("pk", filter=Q(requested_date__gte=first, requested_date__lte=on)),
            due=Count("pk", filter=due_in_window),
            on_time=Count(
                "pk",
                filter=due_in_window
                & Q(status=AdviceStatus.RETURNED, returned_date__lte=F("due_date")),
            ),
            overdue=Count(
                "pk",
                filter=Q(status=AdviceStatus.REQUESTED, due_date__lt=on, exception_kind=""),
            ),
        )
        .order_by()
    )
    by_type = {row["advice_type"]: row for row in rows}
    result: list[AgencyAdvice] = []
    for agency, types in AGENCY_ADVICE.items():
        totals = {
            key: sum(by_type[kind][key] for kind in types if kind in by_type)
            for key in ("requested", "due", "on_time", "overdue")
        }
        due = _shown(totals["due"], exact=exact)
        on_time = _shown(totals["on_time"], exact=exact)
        result.append(
            AgencyAdvice(
                agency=agency,
                requested=_shown(totals["requested"], exact=exact),
                due=due,
                returned_on_time=on_time,
                share_on_time=shown_percent(on_time, due, totals["on_time"], totals["due"]),
                overdue_now=_shown(totals["overdue"], exact=exact),
            )
        )
    return tuple(result)


# --- Waiting lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingList:
    pathway: Pathway
    shown: pathway_selectors.Headline

    @property
    def below_standard(self) -> bool:
        """Below the standard, where that may be said (not for a suppressed list of 1 to 5)."""
        return self.shown.meets_standard is False


def waiting_lists(area: Area, *, on: dt.date, exact: bool) -> tuple[WaitingList, ...]:
    """Every pathway of the area with its headline figures. The board sees every pathway of
    its area, whatever the pathways app shows the user on its own pages."""
    pathways = Pathway.objects.filter(area=area).select_related("area", "provider")
    return tuple(
        WaitingList(
            pathway=pathway,
            shown=pathway_selectors.headline(
                pathway_selectors.pathway_figures(pathway, on=on), exact=exact
            ),
        )
        for pathway in pathways.order_by("name", "pk")
    )


# --- Indicators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicators:
    contract: tuple[store.IndicatorStatus, ...]  # KPIs written into a contract
    by_domain: tuple[tuple[str, tuple[store.IndicatorStatus, ...]], ...]  # (domain label, ...)

    @property
    def all(self) -> tuple[store.IndicatorStatus, ...]:
        return self.contract + tuple(s for _, group in self.by_domain for s in group)


def _contract_title(indicator: Indicator) -> str:
    return indicator.commission.title if indicator.commission is not None else ""


def indicators(user: User, area: Area, *, on: dt.date, exact: bool) -> Indicators:
    """The area's active indicators the user may see, with their status: contract KPIs apart
    (by contract), the others by domain."""
    found = store.indicators_for(user, area).filter(active=True).order_by("name", "pk")
    statuses = [store.indicator_status(indicator, on=on, exact=exact) for indicator in found]
    contract = tuple(
        sorted(
            (s for s in statuses if s.indicator.commission_id is not None),
            key=lambda s: (
                s.indicator.commission.title if s.indicator.commission else "",
                s.indicator.name,
            ),
        )
    )
    groups: dict[str, list[store.IndicatorStatus]] = {domain.value: [] for domain in Domain}
    for status in statuses:
        if status.indicator.commission_id is None:
            groups.setdefault(status.indicator.domain, []).append(status)
    labels = dict(Domain.choices)
    return Indicators(
        contract=contract,
        by_domain=tuple(
            (str(labels.get(domain, domain)), tuple(group))
            for domain, group in groups.items()
            if group
        ),
    )


# --- Contracts to watch -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractAlert:
    commission: Commission
    reason: str
    linked: bool  # whether the user may open the commission's page


def contracts(user: User, area: Area, *, on: dt.date) -> tuple[ContractAlert, ...]:
    """Contracts not yet ended whose review date has passed, or which end within 3 months (on
    their expiry with extensions, or their end date). One query, and one for the link."""
    horizon = add_months(on, EXPIRY_WARNING_MONTHS)
    found = (
        Commission.objects.filter(area=area)
        .exclude(status=CommissionStatus.ENDED)
        .annotate(ends=Coalesce("contract_expiry", "end_date"))
        .filter(Q(review_date__lt=on) | Q(ends__gte=on, ends__lte=horizon))
        .select_related("provider")
        .order_by("ends", "title", "pk")
    )
    linked = area.pk in access_for(user).summary_area_ids
    alerts: list[ContractAlert] = []
    for commission in found:
        reasons: list[str] = []
        if commission.review_date is not None and commission.review_date < on:
            reasons.append(f"its review was due on {commission.review_date:%-d %B %Y}")
        ends: dt.date = commission.ends
        if on <= ends <= horizon:
            reasons.append(f"it ends on {ends:%-d %B %Y}, within {EXPIRY_WARNING_MONTHS} months")
        reason = " and ".join(reasons)
        alerts.append(ContractAlert(commission, reason[0].upper() + reason[1:], linked))
    return tuple(alerts)


# --- Feedback -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFigures:
    received: int
    answered: int
    published: int
    awaiting_answer: int  # received, whenever, and not answered yet


def feedback(area: Area, *, on: dt.date) -> FeedbackFigures:
    """Local Offer feedback in the window (Reg 56): received, answered and published, and
    how much waits for an answer now. Counts of comments, not of children: not suppressed
    (a comment identifies nobody on the dashboard, which shows no comment). One query."""
    zone = timezone.get_current_timezone()
    first = dt.datetime.combine(window_start(on), dt.time.min, tzinfo=zone)
    last = dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    figures = Feedback.objects.filter(area=area).aggregate(
        received=Count("pk", filter=Q(received_at__gte=first, received_at__lt=last)),
        answered=Count("pk", filter=Q(answered_at__gte=first, answered_at__lt=last)),
        published=Count("pk", filter=Q(published_at__gte=first, published_at__lt=last)),
        awaiting=Count("pk", filter=Q(answered_at__isnull=True, received_at__lt=last)),
    )
    return FeedbackFigures(
        received=figures["received"],
        answered=figures["answered"],
        published=figures["published"],
        awaiting_answer=figures["awaiting"],
    )


# --- Exceptions ---------------------------------------------------------------------------------


class ExceptionKind(StrEnum):
    INDICATOR = "indicator"
    WAITING_LIST = "waiting_list"
    TIMELINESS = "timeliness"
    CONTRACT = "contract"

    @property
    def label(self) -> str:
        return {
            ExceptionKind.INDICATOR: "Indicator",
            ExceptionKind.WAITING_LIST: "Waiting list",
            ExceptionKind.TIMELINESS: "EHC timeliness",
            ExceptionKind.CONTRACT: "Contract",
        }[self]


@dataclass(frozen=True)
class Link:
    """A page to open: a URL name and its arguments."""

    name: str
    args: tuple[int | str, ...]


@dataclass(frozen=True)
class ExceptionItem:
    kind: ExceptionKind
    title: str
    reason: str
    link: Link | None = None


def exceptions(
    *,
    timeliness: Timeliness,
    waiting: Sequence[WaitingList],
    statuses: Sequence[store.IndicatorStatus],
    alerts: Sequence[ContractAlert],
) -> tuple[ExceptionItem, ...]:
    """What is concerning, in the order the board reads it: indicators, waiting lists, EHC
    timeliness, contracts."""
    items: list[ExceptionItem] = [
        ExceptionItem(
            ExceptionKind.INDICATOR,
            status.indicator.name,
            status.reason,
            Link("insight:indicator", (status.indicator.pk,)),
        )
        for status in statuses
        if status.concerning
    ]
    for row in waiting:
        if row.below_standard:
            pathway = row.pathway
            items.append(
                ExceptionItem(
                    ExceptionKind.WAITING_LIST,
                    f"{pathway.name} ({pathway.provider.name})",
                    f"{row.shown.share_percent} of the children waiting have waited "
                    f"{pathway.standard_weeks} weeks or less, against the standard of "
                    f"{pathway.standard_percent}%; the longest wait is "
                    f"{row.shown.longest_weeks}",
                )
            )
    if timeliness.below_target and timeliness.target is not None:
        items.append(
            ExceptionItem(
                ExceptionKind.TIMELINESS,
                "New EHC plans issued within 20 weeks",
                f"{timeliness.total.rate_excluding_exceptions} of new plans in the last "
                f"{WINDOW_MONTHS} months (excluding exception cases) were issued within 20 "
                f"weeks, below {plain_percent(timeliness.target)}, {timeliness.target_source}",
            )
        )
    items.extend(
        ExceptionItem(
            ExceptionKind.CONTRACT,
            f"{alert.commission.reference}: {alert.commission.title} "
            f"({alert.commission.provider.name})",
            alert.reason,
            Link("commissioning:commission", (alert.commission.pk,)) if alert.linked else None,
        )
        for alert in alerts
    )
    return tuple(items)


# --- The whole dashboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    area: Area
    on: dt.date
    first_day: dt.date
    exact: bool
    exceptions: tuple[ExceptionItem, ...]
    timeliness: Timeliness
    reviews: Reviews
    advice: tuple[AgencyAdvice, ...]
    waiting_lists: tuple[WaitingList, ...]
    indicators: Indicators
    contracts: tuple[ContractAlert, ...]
    feedback: FeedbackFigures

    @property
    def window_label(self) -> str:
        return f"{self.first_day:%-d %B %Y} to {self.on:%-d %B %Y}"

    @property
    def suppressed(self) -> bool:
        return not self.exact


def dashboard(*, fetched_by: User, area: Area, on: dt.date | None = None) -> Dashboard:
    """The dashboard of ``area`` for the user on ``on`` (today). The caller has authorised the
    area (``dashboard_area_get``)."""
    day = on or timezone.localdate()
    exact = sees_exact_figures(fetched_by, area, day)
    ehc = timeliness(area, on=day, exact=exact)
    waiting = waiting_lists(area, on=day, exact=exact)
    kpis = indicators(fetched_by, area, on=day, exact=exact)
    alerts = contracts(fetched_by, area, on=day)
    return Dashboard(
        area=area,
        on=day,
        first_day=window_start(day),
        exact=exact,
        exceptions=exceptions(timeliness=ehc, waiting=waiting, statuses=kpis.all, alerts=alerts),
        timeliness=ehc,
        reviews=reviews(area, on=day, exact=exact),
        advice=advice(area, on=day, exact=exact),
        waiting_lists=waiting,
        indicators=kpis,
        contracts=alerts,
        feedback=feedback(area, on=day),
    )
