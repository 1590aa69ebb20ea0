"""What the public ORUK API reads: only ``Service.objects.public()`` of one area, found and
ordered by the Local Offer's own search (``opensend.directory.search``) so the API and the site
agree, with the profile's extra filters on top.

Query parameters are parsed here into an ``ApiQuery``; a bad one raises ``BadParameter`` naming
it, which the views answer with 400.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from opensend.core.models import Area
from opensend.directory import geo
from opensend.directory import search as site_search
from opensend.directory.models import (
    Attribute,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from opensend.directory.oruk.validate import parse_date_time

__all__ = [
    "MAX_PER_PAGE",
    "ApiQuery",
    "BadParameter",
    "PageOf",
    "int_param",
    "page_query",
    "parse_query",
    "public_service_ids",
    "service_at_location_page",
    "services_page",
    "taxonomies",
    "taxonomy_terms",
    "uuid_param",
]

#: The largest page the API serves; a bigger ``per_page`` is reduced to this.
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
METRES_PER_MILE = 1609.344

DAYS = {"MO": "MO", "TU": "TU", "WE": "WE", "TH": "TH", "FR": "FR", "SA": "SA", "SU": "SU"}
DAYS.update(
    {
        name: code
        for code, name in zip(
            DAYS.copy(),
            ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"),
            strict=True,
        )
    }
)


class BadParameter(ValueError):
    """A query parameter the API cannot use."""

    def __init__(self, parameter: str, reason: str) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(f"{parameter}: {reason}")


@dataclass(frozen=True)
class ApiQuery:
    search: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    day: str = ""
    postcode: str = ""
    proximity_metres: float | None = None
    modified_after: dt.datetime | None = None


def int_param(params: Mapping[str, str], name: str, *, minimum: int) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"\d+", raw) or int(raw) < minimum:
        raise BadParameter(name, f"must be a whole number of at least {minimum}")
    return int(raw)


def uuid_param(params: Mapping[str, str], name: str) -> uuid.UUID | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadParameter(name, "must be a UUID") from None


def _time(params: Mapping[str, str], name: str) -> dt.time | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", raw)
    try:
        if not match:
            raise ValueError(raw)
        return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        raise BadParameter(name, "must be a time like 09:30 or 09:30:00") from None


def parse_query(params: Mapping[str, str]) -> ApiQuery:
    """The API query from request parameters; raises ``BadParameter`` for the first bad one."""
    per_page = int_param(params, "per_page", minimum=1) or DEFAULT_PER_PAGE
    day = params.get("day", "").strip().upper()
    if day and day not in DAYS:
        raise BadParameter("day", "must be a day: MO, TU, WE, TH, FR, SA or SU")
    postcode = params.get("postcode", "").strip()
    proximity: float | None = None
    raw_proximity = params.get("proximity", "").strip()
    if raw_proximity:
        try:
            proximity = float(raw_proximity)
        except ValueError:
            raise BadParameter("proximity", "must be a number of metres") from None
        if not math.isfinite(proximity) or proximity <= 0:
            raise BadParameter("proximity", "must be a number of metres above 0")
        if not postcode:
            raise BadParameter("proximity", "needs a postcode to measure from")
    if postcode:
        point, problem = geo.locate_with_reason(postcode)
        if point is None:
            raise BadParameter("postcode", problem)
    modified_after: dt.datetime | None = None
    raw_modified = params.get("modified_after", "").strip()
    if raw_modified:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_modified):
            raw_modified += "T00:00:00Z"
        modified_after = parse_date_time(raw_modified.replace(" ", "+"))
        if modified_after is None:
            raise BadParameter("modified_after", "must be a date-time like 2024-03-15T10:30:00Z")
        if modified_after.tzinfo is None:
            modified_after = modified_after.replace(tzinfo=dt.UTC)
    minimum_age = int_param(params, "minimum_age", minimum=0)
    maximum_age = int_param(params, "maximum_age", minimum=0)
    return ApiQuery(
        search=params.get("search", "").strip()[:200],
        page=int_param(params, "page", minimum=1) or 1,
        per_page=min(per_page, MAX_PER_PAGE),
        taxonomy_term_id=uuid_param(params, "taxonomy_term_id"),
        taxonomy_id=uuid_param(params, "taxonomy_id"),
        organization_id=uuid_param(params, "organization_id"),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        start_time=_time(params, "start_time"),
        end_time=_time(params, "end_time"),
        day=DAYS.get(day, ""),
        postcode=postcode,
        proximity_metres=proximity,
        modified_after=modified_after,
    )


def page_query(params: Mapping[str, str]) -> ApiQuery:
    """Only ``page`` and ``per_page``, for the lists that take nothing else."""
    per_page = int_param(params, "per_page", minimum=1) or DEFAULT_PER_PAGE
    return ApiQuery(
        page=int_param(params, "page", minimum=1) or 1, per_page=min(per_page, MAX_PER_PAGE)
    )


@dataclass
class PageOf:
    """One page of a list, in the profile's ``Page`` envelope."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    def envelope(self, contents: list[Any]) -> dict[str, Any]:
        pages = max(1, math.ceil(self.total / self.per_page))
        return {
            "total_items": self.total,
            "total_pages": pages,
            "page_number": self.page,
            "size": len(contents),
            "first_page": self.page == 1,
            "last_page": self.page >= pages,
            "empty": self.total == 0,
            "contents": contents,
        }


def _descendants(term_id: uuid.UUID) -> set[uuid.UUID]:
    taxonomy_id = TaxonomyTerm.objects.filter(id=term_id).values_list("taxonomy_id", flat=True)
    children: dict[Any, list[Any]] = {}
    for pk, parent in TaxonomyTerm.objects.filter(taxonomy_id__in=taxonomy_id).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent, []).append(pk)
    found: set[uuid.UUID] = set()
    wanted = [term_id]
    while wanted:
        current = wanted.pop()
        if current not in found:
            found.add(current)
            wanted.extend(children.get(current, []))
    return found


def _extra_filters(query: ApiQuery) -> Q | None:
    """The profile's filters that the site's search does not have."""
    conditions = Q()
    used = False
    if query.taxonomy_term_id is not None:
        terms = _descendants(query.taxonomy_term_id)
        conditions &= Q(
            Exists(Attribute.objects.filter(service=OuterRef("pk"), taxonomy_term_id__in=terms))
        )
        used = True
    if query.taxonomy_id is not None:
        conditions &= Q(
            Exists(
                Attribute.objects.filter(
                    service=OuterRef("pk"), taxonomy_term__taxonomy_id=query.taxonomy_id
                )
            )
        )
        used = True
    if query.organization_id is not None:
        conditions &= Q(organization_id=query.organization_id)
        used = True
    if query.minimum_age is not None:
        # The profile: "services with a minimum age of at least the specified value".
        conditions &= Q(minimum_age__gte=query.minimum_age)
        used = True
    if query.maximum_age is not None:
        # The profile: "services with a maximum age at or below the specified value".
        conditions &= Q(maximum_age__lte=query.maximum_age)
        used = True
    if query.start_time is not None or query.end_time is not None:
        when = Q()
        if query.day:
            when &= Q(byday__contains=query.day)
        if query.start_time is not None:
            when &= Q(opens_at__gte=query.start_time)
        if query.end_time is not None:
            when &= Q(closes_at__lte=query.end_time)
        conditions &= Q(Exists(Schedule.objects.filter(when, service=OuterRef("pk")))) | Q(
            Exists(Schedule.objects.filter(when, service_at_location__service=OuterRef("pk")))
        )
        used = True
    if query.modified_after is not None:
        conditions &= Q(last_modified__gte=query.modified_after)
        used = True
    return conditions if used else None


def _site_query(query: ApiQuery) -> site_search.SearchQuery:
    within = (
        query.proximity_metres / METRES_PER_MILE if query.proximity_metres is not None else None
    )
    return site_search.SearchQuery(
        words=query.search,
        day=query.day,
        postcode=query.postcode,
        within_miles=within,
        sort=site_search.SORT_DISTANCE if query.postcode and not query.search else "",
    )


def public_service_ids(area: Area, query: ApiQuery) -> list[uuid.UUID]:
    """Every public service of ``area`` that matches ``query``, in the site search's order
    (relevance with words, distance from a postcode, else name). Logs the search (first
    pages only) as the site does, with ``source="api"``."""
    site_query = _site_query(query)
    # The site's search gives one page; the API filters further before paging, so it takes
    # the whole ordered list of ids.
    try:
        ordered: list[uuid.UUID] = site_search.ordered_service_ids(area, site_query)
    except site_search.PostcodeNotFound as problem:
        raise BadParameter("postcode", str(problem)) from problem
    extra = _extra_filters(query)
    if extra is not None and ordered:
        allowed = set(
            Service.objects.public()
            .filter(area=area, pk__in=ordered)
            .filter(extra)
            .values_list("pk", flat=True)
        )
        ordered = [pk for pk in ordered if pk in allowed]
    if query.page == 1:
        site_search.log_search(area=area, query=site_query, result_count=len(ordered), source="api")
    return ordered


def _page(ids: Sequence[Any], query: ApiQuery) -> list[Any]:
    start = (query.page - 1) * query.per_page
    return list(ids[start : start + query.per_page])


def services_page(area: Area, query: ApiQuery) -> PageOf:
    ids = public_service_ids(area, query)
    wanted = _page(ids, query)
    by_id = {s.pk: s for s in Service.objects.filter(pk__in=wanted).select_related("organization")}
    return PageOf([by_id[pk] for pk in wanted if pk in by_id], len(ids), query.page, query.per_page)


def service_at_location_page(area: Area, query: ApiQuery) -> PageOf:
    """Services at locations, for the services the search finds, in its order; with a postcode,
    nearest first, and with ``proximity`` only those within that many metres."""
    ids = public_service_ids(area, query)
    rank = {pk: i for i, pk in enumerate(ids)}
    rows = list(
        ServiceAtLocation.objects.filter(service_id__in=ids).values_list(
            "id",
            "service_id",
            "location__name",
            "location__location_type",
            "location__latitude",
            "location__longitude",
        )
    )
    distances: dict[Any, float] = {}
    if query.postcode:
        origin = geo.locate(query.postcode)
        if origin is None:  # pragma: no cover - parse_query has checked it
            raise BadParameter("postcode", "is not a postcode we know")
        postcodes = dict(
            ServiceAtLocation.objects.filter(
                id__in=[r[0] for r in rows if r[4] is None or r[5] is None],
                location__addresses__isnull=False,
            ).values_list("id", "location__addresses__postal_code")
        )
        points = geo.locate_many(postcodes.values())
        for sal_id, _service, _name, kind, latitude, longitude in rows:
            if kind == "virtual":
                continue
            if latitude is not None and longitude is not None:
                point: geo.Point | None = geo.Point(latitude, longitude)
            else:
                point = points.get(geo.normalise_postcode(postcodes.get(sal_id, "")) or "")
            if point is not None:
                distances[sal_id] = geo.miles_between(origin, point) * METRES_PER_MILE
        if query.proximity_metres is not None:
            rows = [r for r in rows if distances.get(r[0], math.inf) <= query.proximity_metres]
        rows.sort(key=lambda r: (distances.get(r[0], math.inf), rank[r[1]], r[2] or "", str(r[0])))
    else:
        rows.sort(key=lambda r: (rank[r[1]], r[2] or "", str(r[0])))
    wanted = _page([r[0] for r in rows], query)
    by_id = {
        sal.pk: sal
        for sal in ServiceAtLocation.objects.filter(pk__in=wanted).select_related(
            "location", "service__organization"
        )
    }
    return PageOf(
        [by_id[pk] for pk in wanted if pk in by_id],
        len(rows),
        query.page,
        query.per_page,
    )


def taxonomies(area: Area) -> QuerySet[Taxonomy]:
    """The built-in SEND taxonomy and the area's own (imported) taxonomies."""
    return Taxonomy.objects.filter(Q(area__isnull=True) | Q(area=area)).order_by("name", "id")


def taxonomy_terms(area: Area) -> QuerySet[TaxonomyTerm]:
    return (
        TaxonomyTerm.objects.filter(taxonomy__in=taxonomies(area))
        .select_related("taxonomy")
        .order_by("taxonomy__name", "taxonomy_id", "position", "name", "id")
    )
