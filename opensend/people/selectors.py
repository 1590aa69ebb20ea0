"""Reads of the joint child record, shared by pages, the API and exports. Each takes the user,
applies the access policy, does its own joins, and writes the access log entry the read needs
(a search results page, a record view, a refusal)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from opensend.core import access_log
from opensend.core.codes import SENNeed
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.people import policy, timeline
from opensend.people.models import (
    Child,
    ChildFlag,
    ChildNameToken,
    Consent,
    FamilyContact,
    Involvement,
    Need,
    Placement,
    SENStatus,
    SENStatusPeriod,
)
from opensend.people.names import prefix_upper_bound
from opensend.people.phases import Phase, birth_range_for_phase
from opensend.people.search import ParsedQuery, parse

CHILD = "people.child"


def _organisation(organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    return Organisation.objects.filter(pk=organisation_id).first()


def _via(via: str) -> dict[str, str]:
    return {"via": via} if via else {}


def _current(day: dt.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def current_setting_name(day: dt.date) -> Subquery:
    """The name of the setting a child is on roll at on a day (latest start first)."""
    return Subquery(
        Placement.objects.filter(_current(day), child=OuterRef("pk"))
        .order_by("-start_date", "-pk")
        .values("setting__name")[:1],
        output_field=CharField(),
    )


def children_visible_to(user: User, grants: policy.Grants | None = None) -> QuerySet[Child]:
    """Every child the user may see, for lists and the API."""
    grants = grants or policy.grants_for(user)
    if not grants.sees_any_child:
        return Child.objects.none()
    return Child.objects.filter(policy.visible_children_q(grants))


@dataclass
class SearchPage:
    query: ParsedQuery
    children: Sequence[Child]
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


def _name_term_filter(term: str) -> Q:
    bound = prefix_upper_bound(term)
    tokens = ChildNameToken.objects.filter(token__gte=term)
    if bound is not None:
        tokens = tokens.filter(token__lt=bound)
    return Q(pk__in=tokens.values("child_id"))


#: Results in the order people expect whatever the case of a name. Ordering by an expression
#: also stops PostgreSQL walking the whole surname index to fill a page of a narrow search.
RESULT_ORDER = (Lower("surname"), Lower("forename"), "date_of_birth", "pk")
#: For a search matching very many children (one letter), sorting them all by the expression
#: costs more than walking the surname index, which then finds a page at once.
BROAD_RESULT_ORDER = ("surname", "forename", "date_of_birth", "pk")
BROAD_SEARCH = 5000


def child_search_queryset(grants: policy.Grants, query: ParsedQuery) -> QuerySet[Child]:
    """Children the user may see that match every part of the query: each name term is the
    start of one of their names; identifiers and date of birth match exactly."""
    if query.is_empty or not grants.sees_any_child:
        return Child.objects.none()
    children = Child.objects.filter(policy.visible_children_q(grants))
    for term in query.name_terms:
        children = children.filter(_name_term_filter(term))
    # The identifier indexes are partial (non-empty values only); repeating their condition
    # lets the planner use them.
    for upn in query.upns:
        children = children.filter(upn=upn).exclude(upn="")
    for number in query.ten_digit_numbers:
        children = children.filter(
            (Q(nhs_number=number) & ~Q(nhs_number="")) | (Q(uln=number) & ~Q(uln=""))
        )
    if query.date_of_birth is not None:
        children = children.filter(date_of_birth=query.date_of_birth)
    return children


def child_search(
    *,
    user: User,
    text: str,
    page: int = 1,
    page_size: int = 25,
    grants: policy.Grants | None = None,
    log: bool = True,
    via: str = "",
) -> SearchPage:
    """One page of search results, logged with every child it shows. ``via`` names the
    channel when it is not the web pages (for example an API token), for the access log."""
    grants = grants or policy.grants_for(user)
    query = parse(text)
    matches = child_search_queryset(grants, query)
    if query.is_empty:
        return SearchPage(query, [], 0, 1, page_size)
    total = matches.count()
    page = max(1, min(page, max(1, -(-total // page_size))))
    offset = (page - 1) * page_size
    today = timezone.localdate()
    children = list(
        matches.select_related("area")
        .annotate(current_setting=current_setting_name(today))
        .order_by(*(RESULT_ORDER if total <= BROAD_SEARCH else BROAD_RESULT_ORDER))[
            offset : offset + page_size
        ]
    )
    if log:
        access_log.record(
            actor=user,
            action=AccessAction.SEARCH,
            object_type=CHILD,
            subjects=[(CHILD, child.pk) for child in children],
            purpose="Search results page",
            detail={"query": query.text, "page": page, "total": total, **_via(via)},
        )
    return SearchPage(query, children, total, page, page_size)


def child_get_for_user(
    *,
    user: User,
    child_id: int,
    action: policy.Action = policy.Action.VIEW,
    grants: policy.Grants | None = None,
    log: bool = True,
    reason: str = "",
    via: str = "",
) -> tuple[Child, policy.Decision]:
    """Fetch a child and check the user may take ``action`` on the record. A refusal is logged
    and raised as ``PermissionDenied``; a child that does not exist is ``Http404``. A view is
    logged with its basis."""
    child = Child.objects.select_related("area").filter(pk=child_id).first()
    if child is None:
        raise Http404("No child with that reference")
    grants = grants or policy.grants_for(user)
    decision = policy.decide(grants, child, action)
    if not decision.allowed:
        access_log.record(
            actor=user,
            action=AccessAction.REFUSED,
            object_type=CHILD,
            object_id=child.pk,
            subjects=[(CHILD, child.pk)],
            purpose="No legitimate relationship",
            detail={"attempted": str(action), **_via(via)},
        )
        raise PermissionDenied("You do not have a legitimate relationship with this child.")
    if log and action == policy.Action.VIEW:
        access_log.record(
            actor=user,
            action=AccessAction.VIEW,
            object_type=CHILD,
            object_id=child.pk,
            subjects=[(CHILD, child.pk)],
            purpose=decision.purpose,
            reason=reason,
            organisation=_organisation(decision.organisation_id),
            detail=_via(via),
        )
    return child, decision


@dataclass
class ChildRecord:
    child: Child
    decision: policy.Decision
    status_periods: list[SENStatusPeriod]
    current_needs: list[Need]
    past_needs: list[Need]
    current_placements: list[Placement]
    past_placements: list[Placement]
    current_flags: list[ChildFlag]
    past_flags: list[ChildFlag]
    contacts: list[FamilyContact]
    consents: list[Consent]
    involvements: list[Involvement]
    timeline: list[timeline.Entry] = field(default_factory=list)


def child_record(
    *, user: User, child: Child, decision: policy.Decision, on: dt.date | None = None
) -> ChildRecord:
    """Everything on one child's record, in a fixed number of queries whatever its size.
    A parent carer sees their own contact details but not other family members' (an address
    may be withheld from another parent for the family's safety)."""
    day = on or timezone.localdate()
    loaded = (
        Child.objects.select_related("area")
        .prefetch_related(
            Prefetch(
                "sen_status_periods",
                queryset=SENStatusPeriod.objects.select_related("source_organisation").order_by(
                    "-start_date"
                ),
            ),
            Prefetch(
                "needs",
                queryset=Need.objects.select_related("source_organisation").order_by(
                    "rank", "-start_date"
                ),
            ),
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related("setting__home_area").order_by(
                    "-start_date"
                ),
            ),
            Prefetch(
                "flags",
                queryset=ChildFlag.objects.select_related("source_organisation").order_by(
                    "-start_date"
                ),
            ),
            Prefetch(
                "contacts", queryset=FamilyContact.objects.order_by("-is_main_contact", "full_name")
            ),
            Prefetch(
                "consents",
                queryset=Consent.objects.select_related("given_by_contact").order_by("-given_on"),
            ),
            Prefetch(
                "involvements",
                queryset=Involvement.objects.select_related("organisation").order_by("-start_date"),
            ),
        )
        .get(pk=child.pk)
    )
    needs = list(loaded.needs.all())
    placements = list(loaded.placements.all())
    flags = list(loaded.flags.all())
    contacts = list(loaded.contacts.all())
    if decision.basis == policy.Basis.PARENTAL_RESPONSIBILITY:
        contacts = [contact for contact in contacts if contact.user_id == user.pk]

    def is_current(item: Need | ChildFlag) -> bool:
        return item.start_date <= day and (item.end_date is None or item.end_date >= day)

    return ChildRecord(
        child=loaded,
        decision=decision,
        status_periods=list(loaded.sen_status_periods.all()),
        current_needs=[need for need in needs if is_current(need)],
        past_needs=[need for need in needs if not is_current(need)],
        current_placements=[p for p in placements if p.is_current(day)],
        past_placements=[p for p in placements if not p.is_current(day)],
        current_flags=[flag for flag in flags if is_current(flag)],
        past_flags=[flag for flag in flags if not is_current(flag)],
        contacts=contacts,
        consents=list(loaded.consents.all()),
        involvements=list(loaded.involvements.all()),
        timeline=timeline.entries_for(loaded),
    )


@dataclass
class AreaGlance:
    """Children on SEN support and with EHC plans in one or more areas, by primary need and
    by phase, on a day."""

    on: dt.date
    areas: list[Area]
    totals: dict[str, int]
    by_need: dict[str, dict[str, int]]  # need code -> status -> count
    by_phase: dict[str, dict[str, int]]  # phase -> status -> count
    out_of_area_placements: int


def _phase_case(on: dt.date) -> Case:
    whens = []
    for phase in Phase:
        earliest, latest = birth_range_for_phase(phase, on)
        condition = Q()
        if earliest is not None:
            condition &= Q(date_of_birth__gte=earliest)
        if latest is not None:
            condition &= Q(date_of_birth__lte=latest)
        whens.append(When(condition, then=Value(phase.value)))
    return Case(*whens, output_field=CharField())


def area_at_a_glance(
    *, area_ids: frozenset[int] | set[int], on: dt.date | None = None
) -> AreaGlance:
    """Counts computed by the database (three grouped queries), never by loading children."""
    day = on or timezone.localdate()
    statuses = [SENStatus.SEN_SUPPORT.value, SENStatus.EHC_PLAN.value]
    cohort = Child.objects.filter(
        area_id__in=area_ids, sen_status__in=statuses, date_of_death__isnull=True
    )
    by_need: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(statuses, 0))
    totals = dict.fromkeys(statuses, 0)
    for row in cohort.values("sen_status", "primary_need").annotate(n=Count("pk")):
        need = row["primary_need"] or "UNKNOWN"
        by_need[need][row["sen_status"]] += row["n"]
        totals[row["sen_status"]] += row["n"]
    by_phase: dict[str, dict[str, int]] = {
        phase.value: dict.fromkeys(statuses, 0) for phase in Phase
    }
    rows = (
        cohort.annotate(phase_group=_phase_case(day))
        .values("sen_status", "phase_group")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        if row["phase_group"]:
            by_phase[row["phase_group"]][row["sen_status"]] += row["n"]
    out_of_area = (
        Placement.objects.filter(_current(day), child__in=cohort, setting__home_area__isnull=False)
        .exclude(setting__home_area_id=F("child__area_id"))
        .values("child_id")
        .distinct()
        .count()
    )
    ordered_need = {code: by_need[code] for code in [*SENNeed.values, "UNKNOWN"] if code in by_need}
    return AreaGlance(
        on=day,
        areas=list(Area.objects.filter(pk__in=area_ids)),
        totals=totals,
        by_need=ordered_need,
        by_phase=by_phase,
        out_of_area_placements=out_of_area,
    )
