"""The work pages of the EHC process: "My cases" (every open step a person holds, and the
advice or consultations addressed to their organisation), the area's caseload, and the area's
timeliness figures.

Thin: the selectors filter, count and compute each step's status in the database; these views
read the query string, take one page of rows with LIMIT/OFFSET, record in the access log which
children a list showed, and render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from opensend.core import access_log
from opensend.core.models import AccessAction, Area, User
from opensend.ehc import selectors
from opensend.ehc.models import Step, StepKind
from opensend.ehc.rules import StepStatus
from opensend.web.shell import UserShell, signed_in_user, user_shell

#: Rows on one page of a list of steps.
PAGE_SIZE = 50

#: The statuses an open step can have, in the order the pages show them.
OPEN_STATUSES: tuple[StepStatus, ...] = (
    StepStatus.OVERDUE,
    StepStatus.DUE_THIS_WEEK,
    StepStatus.ON_TIME,
    StepStatus.SUSPENDED,
)

#: GOV.UK tag colour of each status.
STATUS_TAG_CLASSES: dict[StepStatus, str] = {
    StepStatus.ON_TIME: "govuk-tag--green",
    StepStatus.DUE_THIS_WEEK: "govuk-tag--yellow",
    StepStatus.OVERDUE: "govuk-tag--red",
    StepStatus.SUSPENDED: "govuk-tag--grey",
    StepStatus.MET: "govuk-tag--teal",
    StepStatus.MET_LATE: "govuk-tag--orange",
}

#: How many months the timeliness table covers, this month included.
TIMELINESS_MONTHS = 12

STEP = "ehc.step"
CHILD = "people.child"


# --- links to the case pages ----------------------------------------------------------------


def case_url(name: str, object_id: int, fallback: str) -> str:
    """The address of a case page by its URL name, or ``fallback`` (the same address written
    out) while that page is not yet registered."""
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return fallback


def step_href(step: Step, *, runs_cases: bool) -> str | None:
    """Where a row of a list leads. A case officer goes to the case (the request, else the
    plan, else the child's EHC page); staff of an organisation asked for advice go to the page
    where they return it."""
    if runs_cases:
        if step.request_id is not None:
            return case_url("ehc:request", step.request_id, f"/ehc/requests/{step.request_id}/")
        if step.plan_id is not None:
            return case_url("ehc:plan", step.plan_id, f"/ehc/plans/{step.plan_id}/")
        return case_url("ehc:child", step.child_id, f"/ehc/children/{step.child_id}/")
    if step.kind == StepKind.ADVICE and step.advice_id is not None:
        return case_url(
            "ehc:advice-return", step.advice_id, f"/ehc/advice/{step.advice_id}/return/"
        )
    if step.kind == StepKind.CONSULTATION and step.consultation_id is not None:
        try:
            return reverse("ehc:consultation-respond", args=[step.consultation_id])
        except NoReverseMatch:
            return None
    return None


# --- rows and pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    """One row of a list of steps, ready for the template."""

    step: Step
    child_name: str
    href: str | None
    reference: str
    what: str
    detail: str
    holder: str
    due_date: dt.date | None
    status: StepStatus
    status_class: str


def step_row(step: Step, *, runs_cases: bool) -> StepRow:
    status = StepStatus(getattr(step, "status", StepStatus.ON_TIME))
    detail = ""
    if step.kind == StepKind.ADVICE and step.advice is not None:
        detail = step.advice.get_advice_type_display()
    elif not step.statutory:
        detail = "Good practice target, not a statutory limit"
    if step.request is not None:
        reference = step.request.reference
    elif step.plan is not None:
        reference = step.plan.reference
    else:
        reference = ""
    if step.holder_user is not None:
        holder = str(step.holder_user)
    elif step.holder_organisation is not None:
        holder = step.holder_organisation.name
    else:
        holder = "Nobody yet"
    return StepRow(
        step=step,
        child_name=step.child.display_name,
        href=step_href(step, runs_cases=runs_cases),
        reference=reference,
        what=step.get_kind_display(),
        detail=detail,
        holder=holder,
        due_date=step.due_date,
        status=status,
        status_class=STATUS_TAG_CLASSES[status],
    )


@dataclass(frozen=True)
class StepPage:
    rows: list[StepRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return min(self.total, self.page * self.page_size)


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def step_page(
    steps: QuerySet[Step],
    *,
    total: int,
    page: int,
    page_size: int,
    la_area_ids: frozenset[int],
) -> StepPage:
    """One page of ``steps`` (already filtered and ordered). ``total`` comes from the status
    counts, so the page costs no separate COUNT.

    Two queries: the page's ids by LIMIT/OFFSET on the step table alone, then those rows with
    their joins. In one query PostgreSQL misjudges how many rows a status filter keeps and
    joins every matching step before sorting (tens of thousands in a large area)."""
    pages = max(1, -(-total // page_size))
    page = min(page, pages)
    offset = (page - 1) * page_size
    ids = list(steps.values_list("pk", flat=True)[offset : offset + page_size])
    found = {step.pk: step for step in steps.filter(pk__in=ids)} if ids else {}
    rows = [
        step_row(found[pk], runs_cases=found[pk].area_id in la_area_ids)
        for pk in ids
        if pk in found
    ]
    return StepPage(rows=rows, total=total, page=page, page_size=page_size)


def log_list(*, user: User, purpose: str, rows: Sequence[StepRow], detail: dict[str, Any]) -> None:
    """Record which children a list showed, as a search results page is recorded."""
    if not rows:
        return
    access_log.record(
        actor=user,
        action=AccessAction.SEARCH,
        object_type=STEP,
        subjects=sorted({(CHILD, row.step.child_id) for row in rows}),
        purpose=purpose,
        detail=detail,
    )


# --- filters --------------------------------------------------------------------------------


def choice(request: HttpRequest, name: str, allowed: Iterable[str]) -> str:
    """A query-string value, or "" when it is missing or not one of ``allowed`` (a hand-edited
    address shows the unfiltered list rather than an error)."""
    value = request.GET.get(name, "")
    return value if value in set(allowed) else ""


def select_items(
    options: Iterable[tuple[str, str]], selected: str, everything: str
) -> list[dict[str, Any]]:
    """Items for a GOV.UK select: "all" first, then the options."""
    items: list[dict[str, Any]] = [{"value": "", "text": everything, "selected": not selected}]
    items.extend(
        {"value": value, "text": text, "selected": value == selected} for value, text in options
    )
    return items


def query_string(params: Mapping[str, object]) -> str:
    return urlencode({key: value for key, value in params.items() if value not in ("", None)})


def with_query(base: str, params: Mapping[str, object]) -> str:
    """``base`` with the parameters that are set, or ``base`` alone."""
    query = query_string(params)
    return f"{base}?{query}" if query else base


def page_base(base: str, params: Mapping[str, object]) -> str:
    """The address of a page of the list, less its number (for the pagination links)."""
    query = query_string(params)
    return f"{base}?{query}&page=" if query else f"{base}?page="


def status_links(
    base: str, params: Mapping[str, object], counts: Mapping[str, int], current: str
) -> list[dict[str, Any]]:
    """The count of open steps in each status, each a link that filters the list by it."""
    links = []
    for status in OPEN_STATUSES:
        query = query_string({**params, "status": status.value})
        links.append(
            {
                "status": status.value,
                "label": status.label,
                "count": counts.get(status.value, 0),
                "href": f"{base}?{query}",
                "current": status.value == current,
            }
        )
    return links


def kind_options() -> list[tuple[str, str]]:
    return [(kind.value, kind.label) for kind in StepKind]


def status_options() -> list[tuple[str, str]]:
    return [(status.value, status.label) for status in OPEN_STATUSES]


def chosen_area(request: HttpRequest, area_ids: Iterable[int]) -> tuple[Area, list[Area]]:
    """The area a page is about: ``?area=`` when it is one of the user's, else the first of
    them by name. Another area's id is not found."""
    areas = list(Area.objects.filter(pk__in=list(area_ids)).order_by("name", "pk"))
    if not areas:
        raise PermissionDenied("This page is for the local authority's SEND team.")
    wanted = request.GET.get("area", "")
    if not wanted:
        return areas[0], areas
    for area in areas:
        if str(area.pk) == wanted:
            return area, areas
    raise Http404("No such area")


def area_items(areas: Sequence[Area], area: Area) -> list[dict[str, Any]]:
    return [{"value": str(a.pk), "text": a.name, "selected": a.pk == area.pk} for a in areas]


def answers_for_an_organisation(shell: UserShell) -> bool:
    return bool(shell.roles & selectors.ANSWERING_ROLES)


# --- the pages ------------------------------------------------------------------------------


class MyCasesView(View):
    """Every open step the user holds, soonest due first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        shell = user_shell(request)
        runs_cases = bool(shell.grants.la_area_ids)
        if not (runs_cases or answers_for_an_organisation(shell)):
            raise PermissionDenied("Your roles do not give you EHC work.")
        today = timezone.localdate()
        status = choice(request, "status", [s.value for s in OPEN_STATUSES])
        kind = choice(request, "kind", StepKind.values)
        steps = selectors.my_steps(
            user=user, today=today, filters=selectors.StepFilters(kind=kind), grants=shell.grants
        )
        counts = selectors.status_counts(steps)
        if status:
            steps = steps.filter(Q(status=status))  # the annotation the selector adds
        total = counts[status] if status else sum(counts[s.value] for s in OPEN_STATUSES)
        results = step_page(
            steps,
            total=total,
            page=page_number(request),
            page_size=PAGE_SIZE,
            la_area_ids=shell.grants.la_area_ids,
        )
        params = {"status": status, "kind": kind}
        log_list(
            user=user,
            purpose="My cases",
            rows=results.rows,
            detail={**params, "page": results.page, "total": total},
        )
        base = reverse("ehc:my-cases")
        return render(
            request,
            "ehc/caseload_my_cases.html",
            {
                "page_title": "My cases",
                "today": today,
                "results": results,
                "filtered": bool(status or kind),
                "status": status,
                "all_status_href": with_query(base, {"kind": kind}),
                "status_links": status_links(base, {"kind": kind}, counts, status),
                "open_total": sum(counts[s.value] for s in OPEN_STATUSES),
                "status_items": select_items(status_options(), status, "All open steps"),
                "kind_items": select_items(kind_options(), kind, "All steps"),
                "clear_href": base,
                "page_base": page_base(base, params),
                "runs_cases": runs_cases,
            },
        )


class CaseloadView(View):
    """The area's open steps, for its EHC coordinators and SEND managers."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        shell = user_shell(request)
        if not shell.grants.la_area_ids:
            raise PermissionDenied("The caseload is for the local authority's SEND team.")
        area, areas = chosen_area(request, shell.grants.la_area_ids)
        today = timezone.localdate()
        status = choice(request, "status", [s.value for s in OPEN_STATUSES])
        kind = choice(request, "kind", StepKind.values)
        coordinators = list(selectors.coordinators(area))
        coordinator = choice(request, "coordinator", [str(c.pk) for c in coordinators])
        steps = selectors.area_steps(
            user=user,
            area=area,
            today=today,
            filters=selectors.StepFilters(
                kind=kind, coordinator_id=int(coordinator) if coordinator else None
            ),
        )
        counts = selectors.status_counts(steps)
        if status:
            steps = steps.filter(Q(status=status))  # the annotation the selector adds
        total = counts[status] if status else sum(counts[s.value] for s in OPEN_STATUSES)
        results = step_page(
            steps,
            total=total,
            page=page_number(request),
            page_size=PAGE_SIZE,
            la_area_ids=shell.grants.la_area_ids,
        )
        area_param = str(area.pk) if len(areas) > 1 else ""
        params = {"area": area_param, "status": status, "kind": kind, "coordinator": coordinator}
        log_list(
            user=user,
            purpose="Area caseload",
            rows=results.rows,
            detail={**params, "area": area.pk, "page": results.page, "total": total},
        )
        base = reverse("ehc:caseload")
        return render(
            request,
            "ehc/caseload_area.html",
            {
                "page_title": f"Caseload in {area.name}",
                "today": today,
                "area": area,
                "area_items": area_items(areas, area) if len(areas) > 1 else [],
                "results": results,
                "filtered": bool(status or kind or coordinator),
                "status": status,
                "all_status_href": with_query(
                    base, {"area": area_param, "kind": kind, "coordinator": coordinator}
                ),
                "status_links": status_links(
                    base,
                    {"area": area_param, "kind": kind, "coordinator": coordinator},
                    counts,
                    status,
                ),
                "open_total": sum(counts[s.value] for s in OPEN_STATUSES),
                "status_items": select_items(status_options(), status, "All open steps"),
                "kind_items": select_items(kind_options(), kind, "All steps"),
                "coordinator_items": select_items(
                    [(str(c.pk), str(c)) for c in coordinators], coordinator, "Everyone"
                ),
                "clear_href": with_query(base, {"area": area_param}),
                "page_base": page_base(base, params),
                "timeliness_href": with_query(reverse("ehc:timeliness"), {"area": area_param}),
            },
        )


# --- timeliness -----------------------------------------------------------------------------


def month_starts(today: dt.date, months: int) -> list[dt.date]:
    """The first days of the last ``months`` months, oldest first, this month last."""
    starts = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def percentage(part: int, whole: int) -> str:
    """A rate as the DfE publishes it, to one decimal place; "No plans" when none were issued."""
    if not whole:
        return "No plans"
    return f"{100 * part / whole:.1f}%"


@dataclass(frozen=True)
class RateRow:
    label: str
    issued: int
    on_time: int
    rate: str
    issued_excluding_exceptions: int
    on_time_excluding_exceptions: int
    rate_excluding_exceptions: str


def rate_rows(rates: Sequence[selectors.MonthRate], months: Sequence[dt.date]) -> list[RateRow]:
    """One row per month, months with no plan issued included, then the total."""
    by_month = {rate.month: rate for rate in rates}
    rows = []
    totals = [0, 0, 0, 0]
    for month in months:
        rate = by_month.get(month)
        figures = (
            (
                rate.issued,
                rate.on_time,
                rate.issued_excluding_exceptions,
                rate.on_time_excluding_exceptions,
            )
            if rate is not None
            else (0, 0, 0, 0)
        )
        totals = [total + figure for total, figure in zip(totals, figures, strict=True)]
        rows.append(_rate_row(f"{month:%B %Y}", *figures))
    rows.append(_rate_row(f"Last {len(months)} months", *totals))
    return rows


def _rate_row(label: str, issued: int, on_time: int, issued_x: int, on_time_x: int) -> RateRow:
    return RateRow(
        label=label,
        issued=issued,
        on_time=on_time,
        rate=percentage(on_time, issued),
        issued_excluding_exceptions=issued_x,
        on_time_excluding_exceptions=on_time_x,
        rate_excluding_exceptions=percentage(on_time_x, issued_x),
    )


class TimelinessView(View):
    """The area's timeliness: the 20-week rate by month of issue, the headline figures and
    advice overdue by agency. Exact figures: only LA SEND officers and the designated
    clinical and social care officers, whose duties cover the whole area, see this page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        signed_in_user(request)
        shell = user_shell(request)
        area_ids = shell.grants.la_area_ids | shell.grants.oversight_area_ids
        # The figures are exact (no small-number suppression): only those whose duty covers
        # the whole area's children may see them.
        if not (area_ids and shell.exact_area_figures):
            raise PermissionDenied("Timeliness figures are for the area's SEND leaders.")
        area, areas = chosen_area(request, area_ids)
        today = timezone.localdate()
        months = month_starts(today, TIMELINESS_MONTHS)
        rates = selectors.twenty_week_rates(area=area, start=months[0], end=today)
        area_param = str(area.pk) if len(areas) > 1 else ""
        runs_cases = area.pk in shell.grants.la_area_ids
        return render(
            request,
            "ehc/caseload_timeliness.html",
            {
                "page_title": f"EHC timeliness in {area.name}",
                "today": today,
                "area": area,
                "area_items": area_items(areas, area) if len(areas) > 1 else [],
                "rate_rows": rate_rows(rates, months),
                "first_month": months[0],
                "figures": selectors.area_figures(area=area, today=today),
                "agencies": selectors.advice_overdue_by_agency(area=area, today=today),
                "caseload_href": (
                    with_query(reverse("ehc:caseload"), {"area": area_param})
                    if runs_cases
                    else None
                ),
            },
        )


urlpatterns: list[URLPattern] = [
    path("my-cases/", MyCasesView.as_view(), name="my-cases"),
    path("caseload/", CaseloadView.as_view(), name="caseload"),
    path("timeliness/", TimelinessView.as_view(), name="timeliness"),
]
