"""The Local Offer's search index held in memory: each area's posting lists (for every indexed
word, the services that hold it and its weight there), its vocabulary, and what the filters and
distances need of each indexed service (names, needs and categories, ages, whether it is free,
its times and its places), built once per version of the index and kept by each web process.

Ranking and filtering in Python cost a few milliseconds where the same work in SQL cost tens
(docs/adr/0018-search-index-in-memory.md). ``SearchTerm`` and the published rows stay the
durable form: they are written when a service is published, and any process rebuilds its copy
from them. Whether a service is public today is not kept here: the search asks the database.

Which copy is current is decided by the area's ``SearchIndexStamp``: every change to the index
writes a new random stamp in the same transaction, and ``area_index`` reads the stamp (one small
query) before using its copy. A change is therefore seen by every process on its next search;
a change rolled back leaves the old stamp, so the copy built from it is never used again.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import uuid
from array import array
from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone

from opensend.directory import geo
from opensend.directory.models import (
    Attribute,
    CostOption,
    Schedule,
    SearchIndexStamp,
    SearchTerm,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

__all__ = ["AreaIndex", "Facets", "Filters", "Ranked", "area_index", "index_changed", "sid"]

#: Areas whose index a process keeps (a deployment serves a few; tests make many).
AREAS_KEPT = 8


def sid(field_name: str) -> Cast:
    """A service id as text: cheap to read in bulk (no UUID conversion per row). SQLite gives
    the hex digits, PostgreSQL the dashed form; both sort as the UUIDs do."""
    return Cast(field_name, output_field=CharField())


#: A ranked service: its position in the index, words matched, score.
Ranked = tuple[int, int, float]


@dataclass(frozen=True)
class WordTerms:
    """The indexed words one query word matched: ``exact`` (the word itself, if known) and
    ``approximate`` (prefixes and corrected spellings, which count for less)."""

    exact: str | None
    approximate: tuple[str, ...]

    @property
    def terms(self) -> set[str]:
        found = set(self.approximate)
        if self.exact is not None:
            found.add(self.exact)
        return found


@dataclass
class Facets:
    """What the filters and distances need of each indexed service, by position."""

    tagged: dict[uuid.UUID, set[int]] = field(default_factory=dict)  # category and need terms
    #: each service's category and need terms, in the taxonomy's order (for result summaries)
    terms_of: dict[int, list[TaxonomyTerm]] = field(default_factory=dict)
    minimum_age: list[int | None] = field(default_factory=list)
    maximum_age: list[int | None] = field(default_factory=list)
    free: set[int] = field(default_factory=set)
    #: (position, days as written, opens, closes): the service's own times and its places'
    times: list[tuple[int, str, dt.time | None, dt.time | None]] = field(default_factory=list)
    #: (position, latitude, longitude) of every place that is not virtual and has coordinates
    places: list[tuple[int, float, float]] = field(default_factory=list)
    #: (position, postcode) of places that are not virtual and have no coordinates
    unplaced: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Filters:
    """A query's filters as the index applies them (empty means any)."""

    term_groups: tuple[frozenset[uuid.UUID], ...] = ()  # each group: any of its terms
    age: int | None = None
    free_only: bool = False
    day: str = ""
    time: dt.time | None = None

    def __bool__(self) -> bool:
        return bool(
            self.term_groups
            or self.age is not None
            or self.free_only
            or self.day
            or self.time is not None
        )


#: The facets whose terms a search filters by.
FILTERED_FACETS = (TaxonomyTerm.Facet.CATEGORY, TaxonomyTerm.Facet.NEED)


class AreaIndex:
    """One area's index: posting lists, vocabulary, names and facets. Read-only once built, so
    one copy serves every thread of the process."""

    def __init__(
        self,
        stamp: str,
        sids: Sequence[str],
        names: Sequence[str],
        postings: dict[str, tuple[array[int], array[float]]],
        facets: Facets | None = None,
    ) -> None:
        self.stamp = stamp
        self.sids = list(sids)
        self.position = {service_id: i for i, service_id in enumerate(self.sids)}
        self.sort_names = [name.lower() for name in names]
        self.postings = postings
        self.words: tuple[str, ...] = tuple(sorted(postings))
        self.known: frozenset[str] = frozenset(postings)
        self.facets = facets or Facets(
            minimum_age=[None] * len(self.sids), maximum_age=[None] * len(self.sids)
        )
        self.everyone: frozenset[int] = frozenset(range(len(self.sids)))
        self.by_name = sorted(range(len(self.sids)), key=self.name_key)

    def name_key(self, at: int) -> tuple[str, str]:
        return (self.sort_names[at], self.sids[at])

    @classmethod
    def build(cls, area_id: int, stamp: str) -> AreaIndex:
        """Read the area's indexed services (published, not archived), their index rows and
        facets: eight queries."""
        indexed = Service.objects.filter(
            area_id=area_id, published_revision__isnull=False, archived_at__isnull=True
        )
        position: dict[str, int] = {}
        sids: list[str] = []
        names: list[str] = []
        facets = Facets()
        free_text: dict[int, bool] = {}
        for service_id, name, minimum, maximum, fees in (
            indexed.annotate(sid=sid("pk"))
            .values_list("sid", "name", "minimum_age", "maximum_age", "fees")
            .order_by()
        ):
            position[service_id] = len(sids)
            free_text[len(sids)] = not fees
            sids.append(service_id)
            names.append(name)
            facets.minimum_age.append(minimum)
            facets.maximum_age.append(maximum)

        lists: dict[str, tuple[list[int], list[float]]] = {}
        rows = (
            SearchTerm.objects.filter(service__in=indexed)
            .annotate(sid=sid("service_id"))
            .values_list("sid", "term", "weight")
            .order_by()
        )
        for service_id, term, weight in rows.iterator(chunk_size=20_000):
            at = position.get(service_id)
            if at is None:
                continue
            entry = lists.get(term)
            if entry is None:
                entry = lists[term] = ([], [])
            entry[0].append(at)
            entry[1].append(weight)
        postings = {term: (array("i", ids), array("d", ws)) for term, (ids, ws) in lists.items()}

        terms = {
            term.pk: term
            for term in TaxonomyTerm.objects.filter(facet__in=FILTERED_FACETS).only(
                "name", "term", "facet", "position", "parent_id"
            )
        }
        for service_id, term_id in (
            Attribute.objects.filter(service__in=indexed, taxonomy_term__facet__in=FILTERED_FACETS)
            .annotate(sid=sid("service_id"))
            .values_list("sid", "taxonomy_term_id")
            .order_by()
        ):
            at = position.get(service_id)
            if at is not None and term_id in terms:
                facets.tagged.setdefault(term_id, set()).add(at)
                facets.terms_of.setdefault(at, []).append(terms[term_id])
        for found in facets.terms_of.values():
            found.sort(key=lambda term: (term.position, term.name))

        charged: set[int] = set()
        for service_id, amount in (
            CostOption.objects.filter(service__in=indexed)
            .annotate(sid=sid("service_id"))
            .values_list("sid", "amount")
            .order_by()
        ):
            at = position.get(service_id)
            if at is None:
                continue
            charged.add(at)
            if amount is not None and amount == 0:
                facets.free.add(at)
        facets.free.update(at for at, no_fees in free_text.items() if no_fees and at not in charged)

        own = Schedule.objects.filter(service__in=indexed).annotate(sid=sid("service_id"))
        at_places = Schedule.objects.filter(service_at_location__service__in=indexed).annotate(
            sid=sid("service_at_location__service_id")
        )
        for schedules in (own, at_places):
            for service_id, byday, opens, closes in schedules.values_list(
                "sid", "byday", "opens_at", "closes_at"
            ).order_by():
                at = position.get(service_id)
                if at is not None:
                    facets.times.append((at, byday or "", opens, closes))

        for service_id, latitude, longitude, postcode in (
            ServiceAtLocation.objects.filter(service__in=indexed)
            .exclude(location__location_type="virtual")
            .annotate(sid=sid("service_id"))
            .values_list(
                "sid",
                "location__latitude",
                "location__longitude",
                "location__addresses__postal_code",
            )
            .order_by()
        ):
            at = position.get(service_id)
            if at is None:
                continue
            if latitude is not None and longitude is not None:
                facets.places.append((at, float(latitude), float(longitude)))
            elif postcode:
                facets.unplaced.append((at, postcode))
        return cls(stamp, sids, names, postings, facets)

    def summary_terms(self, service_id: str) -> dict[str, list[TaxonomyTerm]]:
        """The service's category and need terms by facet, in the taxonomy's order."""
        by_facet: dict[str, list[TaxonomyTerm]] = {}
        at = self.position.get(service_id)
        for term in self.facets.terms_of.get(at, []) if at is not None else []:
            by_facet.setdefault(term.facet, []).append(term)
        return by_facet

    def positions(self, service_ids: Iterable[str]) -> set[int]:
        """The index positions of these services (text ids), ignoring any not indexed."""
        position = self.position
        return {position[s] for s in service_ids if s in position}

    def matching(self, filters: Filters, among: Collection[int]) -> set[int]:
        """The services among ``among`` that pass every filter: for each group of terms, tagged
        with one of them; ``age`` within the service's ages (a missing bound is open); free
        (a cost option of 0, or no cost options and no fees written); with a time (its own or
        at one of its places) on ``day`` (as written in the schedule) and open at ``time``."""
        found = set(among)
        facets = self.facets
        for group in filters.term_groups:
            tagged: set[int] = set()
            for term in group:
                tagged |= facets.tagged.get(term, set())
            found &= tagged
        if filters.age is not None:
            age = filters.age
            low, high = facets.minimum_age, facets.maximum_age

            def fits(at: int) -> bool:
                lowest, highest = low[at], high[at]
                return (lowest is None or lowest <= age) and (highest is None or highest >= age)

            found = {at for at in found if fits(at)}
        if filters.free_only:
            found &= facets.free
        if filters.day or filters.time is not None:
            day, time = filters.day, filters.time
            open_then = {
                at
                for at, byday, opens, closes in facets.times
                if (not day or day in byday)
                and (
                    time is None
                    or (opens is not None and closes is not None and opens <= time < closes)
                )
            }
            found &= open_then
        return found

    def distances(
        self, origin: geo.Point, among: Collection[int], within_miles: float | None
    ) -> dict[int, float]:
        """Miles from ``origin`` to the nearest place of each service among ``among`` (its
        coordinates, or its postcode's when it has none); services with no place that can be
        mapped are left out, and with ``within_miles`` so are those further away."""
        keep = among if isinstance(among, set | frozenset) else set(among)
        box: tuple[float, float, float, float] | None = None
        if within_miles is not None:
            box = geo.bounding_box(origin, within_miles)
        found: dict[int, float] = {}

        def near(at: int, latitude: float, longitude: float) -> None:
            miles = geo.miles_between(origin, geo.Point(latitude, longitude))
            if miles < found.get(at, math.inf):
                found[at] = miles

        for at, latitude, longitude in self.facets.places:
            if at not in keep:
                continue
            if box is not None and not (
                box[0] <= latitude <= box[2] and box[1] <= longitude <= box[3]
            ):
                continue
            near(at, latitude, longitude)
        unplaced = [(at, postcode) for at, postcode in self.facets.unplaced if at in keep]
        if unplaced:
            points = geo.locate_many(postcode for _, postcode in unplaced)
            for at, postcode in unplaced:
                point = points.get(geo.normalise_postcode(postcode) or "")
                if point is not None:
                    near(at, point.latitude, point.longitude)
        if within_miles is not None:
            found = {at: miles for at, miles in found.items() if miles <= within_miles}
        return found

    def rank(
        self,
        words: Sequence[WordTerms],
        *,
        approximate_factor: float,
        allowed: Collection[int] | None = None,
        excluded: Collection[int] = (),
    ) -> list[Ranked]:
        """Every service matching any of ``words`` (within ``allowed`` when given, never in
        ``excluded``), best first: most query words matched, then the highest score (the sum
        of the weights of the distinct indexed words matched, approximate ones at
        ``approximate_factor``), then name, then id."""
        exact = {w.exact for w in words if w.exact is not None}
        scores: dict[int, float] = {}
        for term in set().union(*(w.terms for w in words)) if words else set():
            posting = self.postings.get(term)
            if posting is None:
                continue
            factor = 1.0 if term in exact else approximate_factor
            get = scores.get
            for at, weight in zip(posting[0], posting[1], strict=True):
                scores[at] = get(at, 0.0) + weight * factor
        matched = dict.fromkeys(scores, 0)
        for word in words:
            hit: set[int] = set()
            for term in word.terms:
                posting = self.postings.get(term)
                if posting is not None:
                    hit.update(posting[0])
            for at in hit:
                matched[at] += 1
        if allowed is not None:
            keep = allowed if isinstance(allowed, set | frozenset) else set(allowed)
            chosen = [at for at in scores if at in keep]
        else:
            chosen = list(scores)
        if excluded:
            chosen = [at for at in chosen if at not in excluded]
        names, sids = self.sort_names, self.sids
        chosen.sort(key=lambda at: (-matched[at], -scores[at], names[at], sids[at]))
        return [(at, matched[at], scores[at]) for at in chosen]


_kept: OrderedDict[int, AreaIndex] = OrderedDict()
_kept_lock = threading.Lock()


def current_stamp(area_id: int) -> str | None:
    return SearchIndexStamp.objects.filter(area_id=area_id).values_list("stamp", flat=True).first()


def area_index(area_id: int) -> AreaIndex:
    """The area's index as of its current stamp: this process's copy when it is current, else
    built afresh (and kept, unless the area has never been indexed)."""
    stamp = current_stamp(area_id)
    if stamp is not None:
        with _kept_lock:
            kept = _kept.get(area_id)
            if kept is not None and kept.stamp == stamp:
                _kept.move_to_end(area_id)
                return kept
    built = AreaIndex.build(area_id, stamp or "")
    if stamp is not None:
        with _kept_lock:
            _kept[area_id] = built
            _kept.move_to_end(area_id)
            while len(_kept) > AREAS_KEPT:
                _kept.popitem(last=False)
    return built


def index_changed(area_id: int) -> None:
    """Mark the area's index as changed: every process rebuilds its copy on its next search.
    Call inside the transaction that changed ``SearchTerm``."""
    SearchIndexStamp.objects.update_or_create(
        area_id=area_id, defaults={"stamp": uuid.uuid4().hex, "changed_at": timezone.now()}
    )
