"""The gap analysis: the reads that set an area's need and demand against its supply, as of a
date, and show where they do not meet. The page, the XLSX export and the API share it.

Need and demand: children by primary need and age band; the provision lines of the plans in
force, by type of provision (``gap_rules.classify``) and responsible commissioner, annualised
(``gap_rules.annualise``); referrals and waits per pathway (``pathways.selectors``).
Supply: live commissions' capacity and value by type; public Local Offer services by
category and postcode district. Gaps: types that plans promise with no live commission behind
them; spend on spot purchases by type; demand against capacity; open responsibility
disputes; Local Offer searches that found nothing, by need and district.

Who sees what (``gap_access``): commissioners of the area (at the council or the ICB) and the
council's SEND managers see exact figures; board members see every count of 1 to 5 children
suppressed, with what would reveal it (``opensend.core.disclosure``), and no dispute list;
providers and everyone else see nothing (404).

Every query aggregates in the database and is bounded by the area's distinct rows (plan lines
are grouped by plan and wording, so a classification runs once per distinct wording, cached).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.fields.json import KT
from django.http import Http404
from django.utils import timezone

from opensend.commissioning import gap_rules
from opensend.commissioning.codes import (
    COMMISSIONER_KINDS,
    CapacityUnit,
    CommissionStatus,
    ProvisionType,
)
from opensend.commissioning.models import Commission, IndividualCommission, ResponsibilityDispute
from opensend.commissioning.permissions import access_for
from opensend.commissioning.selectors import spot_totals_by_type
from opensend.core.codes import SENNeed
from opensend.core.disclosure import SUPPRESSED, is_small, suppress, suppress_table
from opensend.core.models import Area, Membership, Organisation, User
from opensend.core.roles import OrganisationKind, Role
from opensend.directory import geo
from opensend.directory.models import Address, Attribute, SearchLog, Service
from opensend.directory.taxonomy import CATEGORIES, term_id
from opensend.ehc.models import Commissioner, Plan, PlanVersion, ProvisionLine, VersionState
from opensend.pathways import selectors as pathway_selectors
from opensend.pathways.models import Pathway
from opensend.people.models import Child, SENStatus

#: Local Offer searches are counted over this many days to the date.
SEARCH_DAYS = 365
#: Spot purchases count when they were in force at any time in this many days to the date.
SPEND_DAYS = 365
#: Live commissions: in force on the date, with one of these statuses.
LIVE_STATUSES = (CommissionStatus.LIVE, CommissionStatus.ENDING)

Cell = str | int | Decimal | dt.date | None
Shown = int | str

NO_NEED = "No need chosen"
NO_DISTRICT = "No postcode given"
NO_ADDRESS = "No address (online, by phone or at home)"
NEED_NOT_RECORDED = "Not recorded"


# --- who sees what --------------------------------------------------------------------------


@dataclass(frozen=True)
class GapAccess:
    """The areas whose gap analysis the user sees, exactly or suppressed, and the areas whose
    responsibility disputes they may raise and resolve."""

    exact_area_ids: frozenset[int] = frozenset()
    suppressed_area_ids: frozenset[int] = frozenset()
    dispute_area_ids: frozenset[int] = frozenset()

    @property
    def area_ids(self) -> frozenset[int]:
        return self.exact_area_ids | self.suppressed_area_ids

    def exact(self, area_id: int) -> bool:
        return area_id in self.exact_area_ids

    def may_change_disputes(self, area_id: int) -> bool:
        return area_id in self.dispute_area_ids


def gap_access(user: User) -> GapAccess:
    access = access_for(user)
    if not user.is_authenticated or not user.is_active:
        return GapAccess()
    managers = frozenset(
        area_id
        for area_id in Membership.objects.current()
        .filter(
            user=user,
            role_links__role=Role.SEND_MANAGER,
            organisation__kind=OrganisationKind.LOCAL_AUTHORITY,
        )
        .values_list("areas", flat=True)
        if area_id is not None
    )
    exact = access.commissioner_area_ids | managers
    return GapAccess(
        exact_area_ids=exact,
        suppressed_area_ids=access.board_area_ids - exact,
        dispute_area_ids=access.commissioner_area_ids,
    )


def gap_areas(user: User) -> list[Area]:
    return list(Area.objects.filter(pk__in=gap_access(user).area_ids).order_by("name"))


def gap_area_get_for_user(
    user: User, *, area_id: int | None = None, la_code: str | None = None
) -> tuple[Area, GapAccess]:
    """The area asked for (or the user's first), if the user sees its gap analysis; 404
    otherwise, never saying whether it exists."""
    access = gap_access(user)
    areas = Area.objects.filter(pk__in=access.area_ids).order_by("name")
    if area_id is not None:
        areas = areas.filter(pk=area_id)
    if la_code is not None:
        areas = areas.filter(la_code=la_code)
    area = areas.first()
    if area is None:
        raise Http404("No gap analysis for you here")
    return area, access


# --- tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One table of the analysis, as every output shows it (already suppressed for a board).
    ``numeric`` and ``money`` are the indexes of the columns that hold numbers and pounds."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: frozenset[int] = frozenset()
    money: frozenset[int] = frozenset()
    note: str = ""
    empty: str = "Nothing to show."


@dataclass(frozen=True)
class Section:
    heading: str
    intro: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class GapAnalysis:
    area: Area
    on: dt.date
    exact: bool
    summary: tuple[str, ...]
    sections: tuple[Section, ...]
    figures: dict[str, Any] = field(default_factory=dict)  # headline numbers for tests and API

    @property
    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)


def _numbers(*indexes: int) -> frozenset[int]:
    return frozenset(indexes)


def _counter(exact: bool) -> Callable[[int], Shown]:
    def shown(count: int) -> Shown:
        return count if exact else suppress(count)

    return shown


def _amount(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(gap_rules.TWO_PLACES)


# --- need: children by primary need and age band -------------------------------------------


def _children_by_need(area: Area, on: dt.date, exact: bool) -> tuple[Table, int]:
    bands = gap_rules.birth_date_bands(on)
    band = Case(
        *[
            When(date_of_birth__range=(first, last), then=Value(label))
            for label, first, last in bands
        ],
        default=Value(gap_rules.OVER_25),
        output_field=CharField(),
    )
    rows = (
        Child.objects.filter(area=area, date_of_birth__lte=on)
        .filter(Q(date_of_death__isnull=True) | Q(date_of_death__gt=on))
        .exclude(sen_status=SENStatus.NONE)
        .annotate(band=band)
        .order_by()
        .values("primary_need", "band")
        .annotate(children=Count("pk"), plans=Count("pk", filter=Q(sen_status=SENStatus.EHC_PLAN)))
    )
    labels = [label for label, _, _ in bands]
    need_labels = dict(SENNeed.choices)
    table: dict[str, dict[str, int]] = {}
    plans: Counter[str] = Counter()
    for row in rows:
        if row["band"] == gap_rules.OVER_25:
            continue
        need = row["primary_need"] or ""
        table.setdefault(need, dict.fromkeys(labels, 0))[row["band"]] += row["children"]
        plans[need] += row["plans"]
    order = [code for code in SENNeed.values if code in table] + ([""] if "" in table else [])
    shown_table = (
        {need: dict(table[need]) for need in order}
        if exact
        else suppress_table({need: table[need] for need in order})
    )
    count = _counter(exact)
    out: list[tuple[Cell, ...]] = []
    for need in order:
        total = sum(table[need].values())
        out.append(
            (
                str(need_labels.get(need, NEED_NOT_RECORDED)) if need else NEED_NOT_RECORDED,
                *[shown_table[need][label] for label in labels],
                count(total),
                count(plans[need]),
            )
        )
    grand = sum(sum(row.values()) for row in table.values())
    if out:
        column_totals = [sum(table[need][label] for need in order) for label in labels]
        out.append(
            (
                "All needs",
                *[count(total) for total in column_totals],
                count(grand),
                count(sum(plans.values())),
            )
        )
    return (
        Table(
            key="children_by_need",
            title="Children with SEN by primary need and age",
            columns=("Primary need", *labels, "All ages", "Of whom with an EHC plan"),
            rows=tuple(out),
            numeric=_numbers(*range(1, len(labels) + 3)),
            note=f"Children with an EHC plan or on SEN support, by their age on {on:%-d %B %Y}.",
            empty="No children with SEN are recorded in this area.",
        ),
        grand,
    )


# --- demand: plan provision -----------------------------------------------------------------


@dataclass
class TypeDemand:
    provision_type: ProvisionType
    lines: int = 0
    children: set[int] = field(default_factory=set)
    annual: dict[str, Decimal] = field(default_factory=dict)  # by gap_rules.Measure
    unquantified: int = 0  # lines that say no amount or frequency
    cost: Decimal = Decimal(0)
    costed: int = 0
    by_commissioner: dict[str, set[int]] = field(default_factory=dict)
    lines_by_commissioner: Counter[str] = field(default_factory=Counter)


def plans_in_force(area: Area, on: dt.date) -> Any:
    """The area's plans in force on ``on``: first issued by then and not ceased by then."""
    return Plan.objects.filter(area=area, start_date__lte=on).filter(
        Q(ceased_date__isnull=True) | Q(ceased_date__gt=on)
    )


def current_lines(area: Area, on: dt.date) -> Any:
    """The provision lines of the version of each plan in force on ``on``: the last one
    issued by then."""
    current = (
        PlanVersion.objects.filter(
            plan=OuterRef("pk"), state=VersionState.ISSUED, issued_date__lte=on
        )
        .order_by("-number")
        .values("pk")[:1]
    )
    versions = plans_in_force(area, on).annotate(current=Subquery(current)).values("current")
    return ProvisionLine.objects.filter(version_id__in=versions)


#: A plan's lines of one wording, commissioner, unit and frequency: (plan version,
#: description, provider, commissioner, unit, frequency).
_LineKey = tuple[int, str, str, str, str, str]


@dataclass
class _PlanLines:
    """What a plan's lines of one wording, commissioner, unit and frequency add up to."""

    lines: int = 0
    quantity: Decimal | None = None
    counted: int = 0  # lines with a quantity
    cost: Decimal | None = None
    costed: int = 0  # lines with a cost


def plan_demand(area: Area, on: dt.date) -> dict[ProvisionType, TypeDemand]:
    """What the plans in force promise, by type of provision.

    The lines of each plan's current version are read as plain rows and added up in Python by
    plan and wording (a plan in force has one current version, so the version stands for the
    plan): the database would sort tens of thousands of rows of words to group them, which
    costs more than the adding up. Each wording is classified once (cached), and each plan's
    amount a year is worked out and rounded on its own, once per distinct amount, unit and
    frequency."""
    rows = (
        current_lines(area, on)
        .order_by()
        .values_list(
            "version_id",
            "description",
            "provider_description",
            "commissioner",
            "unit",
            "frequency",
            "quantity",
            "annual_cost",
        )
    )
    grouped: dict[_LineKey, _PlanLines] = {}
    for (
        version,
        description,
        provider,
        commissioner,
        unit,
        frequency,
        quantity,
        cost,
    ) in rows:
        key = (version, description, provider, commissioner, unit, frequency)
        group = grouped.get(key)
        if group is None:
            group = grouped[key] = _PlanLines()
        group.lines += 1
        if quantity is not None:
            group.quantity = quantity if group.quantity is None else group.quantity + quantity
            group.counted += 1
        if cost is not None:
            group.cost = cost if group.cost is None else group.cost + cost
            group.costed += 1
    kinds: dict[tuple[str, str], ProvisionType] = {}
    demand: dict[ProvisionType, TypeDemand] = {}
    # (type, unit, frequency, a plan's amount) -> [plans, lines, lines with an amount]
    amounts: dict[tuple[ProvisionType, str, str, Decimal | None], list[int]] = {}
    for (plan, description, provider, commissioner, unit, frequency), group in grouped.items():
        kind = kinds.get((description, provider))
        if kind is None:
            kind = kinds[(description, provider)] = gap_rules.classify(description, provider)
        entry = demand.get(kind)
        if entry is None:
            entry = demand[kind] = TypeDemand(kind)
        entry.lines += group.lines
        entry.children.add(plan)
        entry.by_commissioner.setdefault(commissioner, set()).add(plan)
        entry.lines_by_commissioner[commissioner] += group.lines
        if group.cost is not None:
            entry.cost += group.cost
            entry.costed += group.costed
        counts = amounts.setdefault((kind, unit, frequency, group.quantity), [0, 0, 0])
        counts[0] += 1
        counts[1] += group.lines
        counts[2] += group.counted
    for (kind, unit, frequency, quantity), (plans, lines, counted) in amounts.items():
        entry = demand[kind]
        annual = gap_rules.annualise(quantity, unit, frequency)
        if annual is None:
            entry.unquantified += lines
            continue
        entry.annual[annual.measure] = (
            entry.annual.get(annual.measure, Decimal(0)) + annual.amount * plans
        )
        entry.unquantified += lines - counted
    return demand


def _type_order(types: Iterable[str]) -> list[str]:
    wanted = set(types)
    return [value for value in ProvisionType.values if value in wanted]


TYPE_LABELS = dict(ProvisionType.choices)
COMMISSIONER_LABELS = dict(Commissioner.choices)
MEASURES = tuple(gap_rules.Measure)


def _annual_cells(entry: TypeDemand, hide: bool) -> list[Cell]:
    return [
        (SUPPRESSED if hide and measure in entry.annual else _amount(entry.annual.get(measure)))
        for measure in MEASURES
    ]


def _provision_tables(demand: dict[ProvisionType, TypeDemand], exact: bool) -> tuple[Table, Table]:
    count = _counter(exact)
    rows: list[tuple[Cell, ...]] = []
    for value in _type_order(demand):
        entry = demand[ProvisionType(value)]
        hide = not exact and is_small(len(entry.children))
        rows.append(
            (
                str(TYPE_LABELS[value]),
                SUPPRESSED if hide else entry.lines,
                count(len(entry.children)),
                *_annual_cells(entry, hide),
                SUPPRESSED if hide else entry.unquantified,
                SUPPRESSED if hide else (_amount(entry.cost) if entry.costed else None),
            )
        )
    by_type = Table(
        key="provision_by_type",
        title="What plans promise a year, by type of provision",
        columns=(
            "Type of provision",
            "Plan lines",
            "Children",
            "Hours a year",
            "Sessions a year",
            "Days a year",
            "Nights a year",
            "Lines with no amount",
            "Cost a year where stated (£)",
        ),
        rows=tuple(rows),
        numeric=_numbers(1, 2, 3, 4, 5, 6, 7, 8),
        money=_numbers(8),
        note=(
            "Lines of the plans in force, sorted into types by the words of each line; "
            "amounts a year on a school-year basis (39 weeks, 190 days). A line that says "
            "no amount or frequency is counted, not added up."
        ),
        empty="No plan in force has provision lines.",
    )
    commissioners = [
        value
        for value in Commissioner.values
        if any(value in entry.by_commissioner for entry in demand.values())
    ]
    children_table = {
        value: {
            c: len(demand[ProvisionType(value)].by_commissioner.get(c, set()))
            for c in commissioners
        }
        for value in _type_order(demand)
    }
    shown = children_table if exact else suppress_table(children_table)
    by_commissioner = Table(
        key="provision_by_commissioner",
        title="Children promised each type of provision, by who commissions it",
        columns=(
            "Type of provision",
            *[str(COMMISSIONER_LABELS[c]) for c in commissioners],
        ),
        rows=tuple(
            (str(TYPE_LABELS[value]), *[shown[value][c] for c in commissioners])
            for value in _type_order(demand)
        ),
        numeric=_numbers(*range(1, len(commissioners) + 1)),
        note="The commissioner named on each line of the plan.",
        empty="No plan in force has provision lines.",
    )
    return by_type, by_commissioner


# --- demand: referrals and waits ------------------------------------------------------------


def _pathway_table(area: Area, on: dt.date) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for pathway in Pathway.objects.filter(area=area).select_related("provider").order_by("name"):
        figures = pathway_selectors.pathway_figures(pathway, on=on)
        shown = pathway_selectors.headline(figures, exact=False)
        referrals = sum(flow.referrals for flow in figures.flows)
        rows.append(
            (
                pathway.name,
                pathway.provider.name,
                suppress(referrals),
                shown.size,
                shown.share_percent,
                shown.median_weeks,
                shown.longest_weeks,
            )
        )
    return Table(
        key="pathways",
        title="Referrals and waits by pathway",
        columns=(
            "Pathway",
            "Provider",
            "Referrals in the last 12 months",
            "Children waiting",
            "Waiting 18 weeks or less",
            "Median wait",
            "Longest wait",
        ),
        rows=tuple(rows),
        numeric=_numbers(2, 3, 4, 5, 6),
        note=(
            "As the pathway pages show them to commissioners: numbers from 1 to 5 are "
            "suppressed, and so are the waits of a list that short."
        ),
        empty="No pathways are recorded for this area.",
    )


# --- supply: commissions and the Local Offer ------------------------------------------------


@dataclass
class TypeSupply:
    commissions: int = 0
    annual_value: Decimal = Decimal(0)
    capacity: dict[str, Decimal] = field(default_factory=dict)  # by CapacityUnit
    without_capacity: int = 0


def live_supply(area: Area, on: dt.date) -> dict[str, TypeSupply]:
    rows = (
        Commission.objects.filter(
            area=area, status__in=LIVE_STATUSES, start_date__lte=on, end_date__gte=on
        )
        .order_by()
        .values("provision_type", "capacity_unit")
        .annotate(
            commissions=Count("pk"),
            value=Sum("annual_value"),
            capacity_total=Sum("capacity_quantity"),
            counted=Count("capacity_quantity"),
        )
    )
    supply: dict[str, TypeSupply] = {}
    for row in rows:
        entry = supply.setdefault(row["provision_type"], TypeSupply())
        entry.commissions += row["commissions"]
        entry.annual_value += row["value"] or Decimal(0)
        entry.without_capacity += row["commissions"] - row["counted"]
        if row["counted"] and row["capacity_unit"]:
            unit = row["capacity_unit"]
            entry.capacity[unit] = entry.capacity.get(unit, Decimal(0)) + row["capacity_total"]
    return supply


UNIT_LABELS = dict(CapacityUnit.choices)


def _capacity_text(capacity: dict[str, Decimal]) -> str:
    return "; ".join(
        f"{_amount(amount):,} {UNIT_LABELS.get(unit, unit)}"
        for unit, amount in sorted(capacity.items())
    )


def _supply_table(supply: dict[str, TypeSupply]) -> Table:
    return Table(
        key="capacity_by_type",
        title="Commissioned capacity by type of provision",
        columns=("Type of provision", "Live commissions", "Value a year (£)", "Capacity"),
        rows=tuple(
            (
                str(TYPE_LABELS[value]),
                supply[value].commissions,
                _amount(supply[value].annual_value),
                _capacity_text(supply[value].capacity) or "Not stated",
            )
            for value in _type_order(supply)
        ),
        numeric=_numbers(1, 2),
        money=_numbers(2),
        note="Commissions live or ending, in force on the date.",
        empty="No commission is live on this date.",
    )


_CATEGORY_PARENTS = {spec.code: spec.parent for spec in CATEGORIES}
TOP_CATEGORIES = tuple(spec for spec in CATEGORIES if not spec.parent)


def _top(code: str) -> str:
    while _CATEGORY_PARENTS.get(code):
        code = _CATEGORY_PARENTS[code]
    return code


CATEGORY_BY_TERM = {term_id(spec.code): _top(spec.code) for spec in CATEGORIES}


def _local_offer_table(area: Area, on: dt.date) -> Table:
    """Public services by postcode district (with its most common town) and top category.
    A service at several places counts once in each district it is in."""
    public = Service.objects.public(on).filter(area=area).values("pk")
    places = (
        Address.objects.filter(location__service_at_locations__service__in=public)
        .values_list("location__service_at_locations__service_id", "postal_code", "city")
        .distinct()
    )
    categories: dict[Any, set[str]] = defaultdict(set)
    for service_id, term in Attribute.objects.filter(
        service__in=public, taxonomy_term_id__in=list(CATEGORY_BY_TERM)
    ).values_list("service_id", "taxonomy_term_id"):
        categories[service_id].add(CATEGORY_BY_TERM[term])
    services_in: dict[str, set[Any]] = defaultdict(set)
    towns: dict[str, Counter[str]] = defaultdict(Counter)
    placed: set[Any] = set()
    for service_id, postcode, city in places:
        district = geo.district_of(postcode) or NO_DISTRICT
        services_in[district].add(service_id)
        if city:
            towns[district][city.strip()] += 1
        placed.add(service_id)
    everyone = set(Service.objects.public(on).filter(area=area).values_list("pk", flat=True))
    unplaced = everyone - placed
    if unplaced:
        services_in[NO_ADDRESS] = unplaced
    rows: list[tuple[Cell, ...]] = []
    for district in sorted(services_in, key=lambda d: (d in (NO_ADDRESS, NO_DISTRICT), d)):
        here = services_in[district]
        town = towns[district].most_common(1)[0][0] if towns[district] else ""
        rows.append(
            (
                district,
                town,
                len(here),
                *[
                    sum(1 for service in here if spec.code in categories.get(service, ()))
                    for spec in TOP_CATEGORIES
                ],
            )
        )
    return Table(
        key="local_offer_by_locality",
        title="Local Offer services by postcode district and category",
        columns=("Postcode district", "Town", "Services", *[spec.name for spec in TOP_CATEGORIES]),
        rows=tuple(rows),
        numeric=_numbers(*range(2, len(TOP_CATEGORIES) + 3)),
        note=(
            "Public services at a place in each district; a service in several categories "
            "counts in each."
        ),
        empty="The Local Offer has no public services.",
    )


# --- gaps -----------------------------------------------------------------------------------


def _uncommissioned_table(
    demand: dict[ProvisionType, TypeDemand],
    supply: dict[str, TypeSupply],
    spend: dict[str, Any],
    exact: bool,
) -> tuple[Table, list[str]]:
    count = _counter(exact)
    missing = [
        value
        for value in _type_order(demand)
        if value != ProvisionType.OTHER and value not in supply
    ]
    rows = []
    for value in missing:
        entry = demand[ProvisionType(value)]
        hide = not exact and is_small(len(entry.children))
        bought = spend.get(value)
        rows.append(
            (
                str(TYPE_LABELS[value]),
                count(len(entry.children)),
                SUPPRESSED if hide else entry.lines,
                *_annual_cells(entry, hide)[:2],
                count(bought.children) if bought else 0,
                (
                    SUPPRESSED
                    if bought and not exact and is_small(bought.children)
                    else _amount(bought.cost if bought else Decimal(0))
                ),
            )
        )
    return (
        Table(
            key="uncommissioned",
            title="Provision plans promise with no commissioned service behind it",
            columns=(
                "Type of provision",
                "Children",
                "Plan lines",
                "Hours a year",
                "Sessions a year",
                "Children with spot purchases",
                "Spent on spot purchases (£)",
            ),
            rows=tuple(rows),
            numeric=_numbers(1, 2, 3, 4, 5, 6),
            money=_numbers(6),
            note="Types of provision in plans in force with no live commission of that type.",
            empty="Every type of provision plans promise has a live commission behind it.",
        ),
        missing,
    )


def _spend(area: Area, on: dt.date) -> dict[str, Any]:
    purchases = IndividualCommission.objects.filter(
        area=area, start_date__lte=on, end_date__gte=on - dt.timedelta(days=SPEND_DAYS)
    )
    return {total.provision_type: total for total in spot_totals_by_type(purchases)}


def _spend_table(spend: dict[str, Any], exact: bool) -> Table:
    count = _counter(exact)
    rows = []
    for total in sorted(spend.values(), key=lambda t: (-t.cost, t.label)):
        hide = not exact and is_small(total.children)
        average = (
            (total.cost / total.children).quantize(gap_rules.TWO_PLACES) if total.children else None
        )
        rows.append(
            (
                total.label,
                SUPPRESSED if hide else total.purchases,
                count(total.children),
                SUPPRESSED if hide else _amount(total.cost),
                SUPPRESSED if hide else average,
            )
        )
    return Table(
        key="spot_spend",
        title="Spend on individually commissioned provision, by type",
        columns=(
            "Type of provision",
            "Spot purchases",
            "Children",
            "Total cost (£)",
            "Average a child (£)",
        ),
        rows=tuple(rows),
        numeric=_numbers(1, 2, 3, 4),
        money=_numbers(3, 4),
        note=(
            f"Purchases in force at any time in the {SPEND_DAYS} days to the date, at their "
            "recorded cost: the case for commissioning a service."
        ),
        empty="No spot purchases in this period.",
    )


def _capacity_rows(
    demand: dict[ProvisionType, TypeDemand], supply: dict[str, TypeSupply], exact: bool
) -> tuple[Table, list[tuple[str, gap_rules.CapacityCheck]]]:
    rows: list[tuple[Cell, ...]] = []
    checks: list[tuple[str, gap_rules.CapacityCheck]] = []
    for value in _type_order(supply):
        entry = demand.get(ProvisionType(value)) or TypeDemand(ProvisionType(value))
        offered = supply[value]
        units = sorted(offered.capacity) or [""]
        hide = not exact and is_small(len(entry.children))
        for unit in units:
            check = gap_rules.capacity_check(
                capacity=offered.capacity.get(unit),
                capacity_unit=unit,
                demand=entry.annual,
                children=len(entry.children),
            )
            checks.append((value, check))
            rows.append(
                (
                    str(TYPE_LABELS[value]),
                    str(UNIT_LABELS.get(unit, "Not stated")) if unit else "Not stated",
                    _amount(check.capacity),
                    SUPPRESSED if hide and check.demand else _amount(check.demand),
                    SUPPRESSED if hide and check.share_percent is not None else check.share_percent,
                    check.label,
                    check.reason,
                )
            )
    return (
        Table(
            key="capacity_vs_demand",
            title="Commissioned capacity against what plans promise",
            columns=(
                "Type of provision",
                "Capacity counted in",
                "Capacity",
                "Plan demand a year",
                "Demand as % of capacity",
                "Verdict",
                "Why not compared",
            ),
            rows=tuple(rows),
            numeric=_numbers(2, 3, 4),
            note=(
                "Hours compare with hours a year, sessions with sessions, places with "
                f"children. Spare capacity: demand under {int(gap_rules.SPARE_BELOW * 100)}% "
                "of capacity."
            ),
            empty="No commission is live on this date.",
        ),
        checks,
    )


def open_disputes(area: Area, on: dt.date) -> list[ResponsibilityDispute]:
    return list(
        ResponsibilityDispute.objects.filter(area=area, raised_on__lte=on)
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=on))
        .select_related("disputing_organisation", "provision_line__version__plan")
        .order_by("raised_on", "pk")
    )


def _dispute_tables(
    disputes: Sequence[ResponsibilityDispute], on: dt.date, exact: bool
) -> tuple[Table, ...]:
    bands = Counter(gap_rules.dispute_age_band((on - d.raised_on).days) for d in disputes)
    labels = [label for label, _, _ in gap_rules.DISPUTE_AGE_BANDS]
    counts = {label: bands.get(label, 0) for label in labels}
    shown = counts if exact else suppress_table({"open": counts})["open"]
    by_age = Table(
        key="disputes_by_age",
        title="Open responsibility disputes by how long they have been open",
        columns=("Open for", "Disputes"),
        rows=(
            *[(label, shown[label]) for label in labels],
            ("All open disputes", len(disputes) if exact else suppress(len(disputes))),
        ),
        numeric=_numbers(1),
        empty="No open disputes.",
    )
    if not exact:
        return (by_age,)
    listing = Table(
        key="disputes_open",
        title="Open responsibility disputes",
        columns=(
            "Dispute",
            "Disputed by",
            "Plan",
            "Line of provision",
            "Type of provision",
            "Commissioner on the plan",
            "What is disputed",
            "Raised on",
            "Days open",
        ),
        rows=tuple(
            (
                d.reference,
                d.disputing_organisation.name,
                d.provision_line.version.plan.reference,
                f"{d.provision_line.section.upper()}: {d.provision_line.description}",
                str(
                    TYPE_LABELS[
                        gap_rules.classify(
                            d.provision_line.description, d.provision_line.provider_description
                        )
                    ]
                ),
                str(COMMISSIONER_LABELS.get(d.provision_line.commissioner, "")),
                d.disputed,
                d.raised_on,
                (on - d.raised_on).days,
            )
            for d in disputes
        ),
        numeric=_numbers(8),
        empty="No open disputes.",
    )
    return (listing, by_age)


def _searches(area: Area, on: dt.date) -> list[tuple[str, str, int]]:
    """Zero-result searches in the year to ``on``: (need, district, count), each need of a
    search that chose several counted once."""
    end = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
    start = end - dt.timedelta(days=SEARCH_DAYS)
    rows = (
        SearchLog.objects.filter(
            area=area, result_count=0, occurred_at__gte=start, occurred_at__lt=end
        )
        .annotate(needs=KT("filters__needs"))
        .order_by()
        .values("needs", "postcode_district")
        .annotate(searches=Count("pk"))
    )
    found: Counter[tuple[str, str]] = Counter()
    for row in rows:
        needs = _needs(row["needs"])
        district = row["postcode_district"] or NO_DISTRICT
        for need in needs or [NO_NEED]:
            found[(need, district)] += row["searches"]
    return [(need, district, n) for (need, district), n in found.items()]


def _needs(raw: Any) -> list[str]:
    if raw in (None, ""):
        return []
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            value = [raw]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return sorted({str(code).upper() for code in value if str(code).strip()})


def _need_label(code: str) -> str:
    labels = dict(SENNeed.choices)
    return f"{labels[code]} ({code})" if code in labels else code


def _search_tables(found: list[tuple[str, str, int]]) -> tuple[Table, Table, int]:
    by_need: Counter[str] = Counter()
    districts: dict[str, set[str]] = defaultdict(set)
    for need, district, n in found:
        by_need[need] += n
        districts[need].add(district)
    need_rows = tuple(
        (_need_label(need), n, len(districts[need]))
        for need, n in sorted(by_need.items(), key=lambda item: (-item[1], item[0]))
    )
    locality_rows = tuple(
        (_need_label(need), district, n)
        for need, district, n in sorted(found, key=lambda item: (-item[2], item[0], item[1]))
    )
    total = sum(n for _, _, n in found)
    return (
        Table(
            key="searches_by_need",
            title="Local Offer searches that found nothing, by need",
            columns=("Need searched for", "Searches", "Postcode districts"),
            rows=need_rows,
            numeric=_numbers(1, 2),
            note=(
                f"Public searches in the {SEARCH_DAYS} days to the date that found no "
                "service. A search for several needs counts under each."
            ),
            empty="No search found nothing in this period.",
        ),
        Table(
            key="searches_by_locality",
            title="Local Offer searches that found nothing, by need and postcode district",
            columns=("Need searched for", "Postcode district", "Searches"),
            rows=locality_rows,
            numeric=_numbers(2),
            empty="No search found nothing in this period.",
        ),
        total,
    )


# --- the analysis ---------------------------------------------------------------------------


def _plural(count: Shown, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _summary(
    *,
    missing: list[tuple[str, Shown]],
    spent: Decimal,
    spend_types: int,
    over: list[str],
    disputes: Shown,
    oldest_days: int | None,
    searches: int,
) -> list[str]:
    """The few sentences at the top of the page."""
    lines = []
    if missing:
        promised = "; ".join(
            f"{label.lower()} to {_plural(children, 'child', 'children')}"
            for label, children in missing
        )
        lines.append(f"Plans promise {promised} with no commissioned service behind it.")
    else:
        lines.append("Every type of provision plans promise has a live commission behind it.")
    if spend_types:
        types = _plural(spend_types, "type", "types")
        lines.append(f"£{spent:,.2f} spent on spot purchases of {types} of provision.")
    else:
        lines.append("No spot purchases in the last 12 months.")
    if over:
        lines.append(f"Over capacity: {', '.join(over)}.")
    else:
        lines.append("No commissioned service is over capacity where the units compare.")
    open_text = _plural(disputes, "responsibility dispute", "responsibility disputes")
    oldest = f", the oldest for {oldest_days} days" if oldest_days is not None else ""
    lines.append(f"{open_text} open{oldest}.")
    found = _plural(searches, "Local Offer search", "Local Offer searches")
    lines.append(f"{found} found nothing in the last 12 months.")
    return lines


def gap_analysis(*, fetched_by: User, area: Area, on: dt.date | None = None) -> GapAnalysis:
    """The area's gap analysis on ``on`` (today by default), as the user may see it."""
    area, access = gap_area_get_for_user(fetched_by, area_id=area.pk)
    on = on or timezone.localdate()
    exact = access.exact(area.pk)
    count = _counter(exact)

    need_table, children = _children_by_need(area, on, exact)
    demand = plan_demand(area, on)
    by_type, by_commissioner = _provision_tables(demand, exact)
    supply = live_supply(area, on)
    spend = _spend(area, on)
    uncommissioned, missing = _uncommissioned_table(demand, supply, spend, exact)
    capacity_table, checks = _capacity_rows(demand, supply, exact)
    disputes = open_disputes(area, on)
    searches_need, searches_place, searches = _search_tables(_searches(area, on))

    over = sorted(
        {
            str(TYPE_LABELS[value])
            for value, check in checks
            if check.verdict is gap_rules.CapacityVerdict.OVER
        }
    )
    spent = sum((total.cost for total in spend.values()), Decimal(0))
    summary = _summary(
        missing=[
            (str(TYPE_LABELS[value]), count(len(demand[ProvisionType(value)].children)))
            for value in missing
        ],
        spent=spent,
        spend_types=len(spend),
        over=over,
        disputes=count(len(disputes)),
        oldest_days=(on - disputes[0].raised_on).days if disputes and exact else None,
        searches=searches,
    )
    sections = (
        Section(
            "Need and demand",
            "Who needs what: children by need and age, what their plans promise, and who is "
            "waiting.",
            (need_table, by_type, by_commissioner, _pathway_table(area, on)),
        ),
        Section(
            "Supply",
            "What is commissioned, and what the Local Offer lists where.",
            (_supply_table(supply), _local_offer_table(area, on)),
        ),
        Section(
            "Gaps",
            "Where need and supply do not meet.",
            (
                uncommissioned,
                _spend_table(spend, exact),
                capacity_table,
                *_dispute_tables(disputes, on, exact),
                searches_need,
                searches_place,
            ),
        ),
    )
    return GapAnalysis(
        area=area,
        on=on,
        exact=exact,
        summary=tuple(summary),
        sections=sections,
        figures={
            "children": count(children),
            "uncommissioned_types": list(missing),
            "over_capacity_types": [
                value for value, check in checks if check.verdict is gap_rules.CapacityVerdict.OVER
            ],
            "spot_spend": spent,
            "open_disputes": count(len(disputes)),
            "zero_result_searches": searches,
        },
    )


# --- disputes -------------------------------------------------------------------------------


def dispute_list(*, fetched_by: User, area: Area) -> list[ResponsibilityDispute]:
    """Every dispute of the area, open first (oldest first), then resolved (latest first):
    for the area's commissioners and SEND managers only (404 for anyone else)."""
    area, access = gap_area_get_for_user(fetched_by, area_id=area.pk)
    if not access.exact(area.pk):
        raise Http404("No disputes for you here")
    disputes = list(
        ResponsibilityDispute.objects.filter(area=area).select_related(
            "disputing_organisation", "provision_line__version__plan"
        )
    )
    open_ones = sorted((d for d in disputes if d.is_open), key=lambda d: (d.raised_on, d.pk))
    closed = sorted(
        (d for d in disputes if not d.is_open),
        key=lambda d: (d.resolved_on or d.raised_on, d.pk),
        reverse=True,
    )
    return open_ones + closed


def dispute_get_for_user(user: User, dispute_id: int) -> tuple[ResponsibilityDispute, GapAccess]:
    access = gap_access(user)
    dispute = (
        ResponsibilityDispute.objects.filter(pk=dispute_id, area_id__in=access.exact_area_ids)
        .select_related("area", "disputing_organisation", "provision_line__version__plan")
        .first()
    )
    if dispute is None:
        raise Http404("No such dispute")
    return dispute, access


def disputing_organisations(area: Area) -> Any:
    """Who can dispute responsibility in an area: its council and ICB(s)."""
    return (
        Organisation.objects.filter(areas=area, kind__in=COMMISSIONER_KINDS)
        .order_by("name")
        .distinct()
    )
