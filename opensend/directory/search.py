"""Searching the Local Offer: a word index with stemming and typo tolerance, the SEND filters,
distance from a postcode, and anonymous logging of every search.

The index (``SearchTerm``) holds one row per stemmed word of a published service with a weight:
a word in the service's name counts most, then the names of its categories and needs (and a few
everyday words for each need), then its organisation, description and places. A query is
tokenised and stemmed the same way; each word is matched exactly, as a prefix ("physio"), or,
when it is not in the area's vocabulary, to its nearest spellings ("speach" → "speech"). The
score of a service is the sum of the weights of the words it matched; services matching every
query word rank above those matching some.

Words, filters and distances are worked out over the area's index held in memory
(``search_index``), rebuilt when the area's index stamp changes; the database says which
services are public today and reads the page. ``search`` only ever returns
``Service.objects.public()`` services of the area. See docs/local-offer-search.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import re
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]
from django.db import connection, transaction
from django.db.models import (
    QuerySet,
)
from django.utils import timezone
from rapidfuzz import process
from rapidfuzz.distance import OSA

from opensend.core.models import Area
from opensend.directory import geo
from opensend.directory.models import (
    Address,
    Attribute,
    SearchLog,
    SearchTerm,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from opensend.directory.search_index import (
    AreaIndex,
    Filters,
    WordTerms,
    area_index,
    index_changed,
)
from opensend.directory.search_index import sid as _sid
from opensend.directory.taxonomy import CATEGORIES, term_id

__all__ = [
    "DAYS",
    "PostcodeNotFound",
    "SearchQuery",
    "SearchResult",
    "Suggestion",
    "index_service",
    "index_services",
    "log_search",
    "ordered_service_ids",
    "reindex_area",
    "search",
    "stem_words",
    "tokenise",
    "unindex_service",
]

# --- Words ------------------------------------------------------------------------------------

WEIGHT_NAME = 10.0
WEIGHT_TERM = 5.0
WEIGHT_ORGANISATION = 2.0
WEIGHT_TEXT = 1.0
#: A word met again in a lower-weighted field adds a little, up to this much in all.
REPEAT_BONUS = 0.25
MAX_REPEAT_BONUS = 1.0
#: A prefix or corrected spelling counts for this share of an exact match.
APPROXIMATE_FACTOR = 0.7
MAX_TERM_LENGTH = 64

_STOP_WORDS = """
    a about after all also am an and any are as at be been but by can could did do does for
    from had has
    have he her here his how i if in into is it its me my near no not of on or our
    she so some than that the their them then there these they this those to too up us was we
    were what when where which who why will with would you your yours"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

#: Everyday words for each census need, indexed with the need's name so that a parent's words
#: find services tagged with the code ("autism" finds ASD services).
NEED_WORDS: dict[str, str] = {
    "need-asd": "autism autistic asd asc",
    "need-slcn": "speech language communication talking slcn",
    "need-semh": "emotional mental health wellbeing behaviour anxiety semh",
    "need-hi": "deaf hearing",
    "need-vi": "blind sight visual vision",
    "need-msi": "deafblind sensory",
    "need-pd": "physical disability wheelchair mobility",
    "need-spld": "dyslexia dyspraxia dyscalculia spld",
    "need-mld": "learning mld",
    "need-sld": "learning sld",
    "need-pmld": "learning profound pmld",
    "need-ds": "down syndrome",
}

_stemmer = snowballstemmer.stemmer("english")
_stem_lock = threading.Lock()
_TOKEN = re.compile(r"[a-z0-9]+")


def tokenise(text: str) -> list[str]:
    """Lower-case words and numbers, apostrophes dropped ("children's" → "childrens")."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    return _TOKEN.findall(text)


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    """One word's stem, remembered: a directory repeats the same few thousand words."""
    with _stem_lock:  # the Snowball stemmer object is not thread-safe
        return str(_stemmer.stemWord(word))[:MAX_TERM_LENGTH]


def stem_words(text: str) -> list[str]:
    """The stemmed words of ``text`` that search uses, stop words dropped, in order."""
    stems = (_stem(word) for word in tokenise(text) if word not in STOP_WORDS)
    return [stem for stem in stems if stem]


def _weigh(fields: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Each stem's weight: the best field it appears in, plus a small bonus for each further
    appearance, bounded so that repeating a word cannot buy a high rank."""
    best: dict[str, float] = {}
    bonus: dict[str, float] = {}
    for text, weight in fields:
        for stem in stem_words(text):
            if stem in best:
                bonus[stem] = min(MAX_REPEAT_BONUS, bonus.get(stem, 0.0) + REPEAT_BONUS)
                best[stem] = max(best[stem], weight)
            else:
                best[stem] = weight
    return {stem: weight + bonus.get(stem, 0.0) for stem, weight in best.items()}


def _service_fields(service: Service) -> list[tuple[str, float]]:
    fields: list[tuple[str, float]] = [(service.name, WEIGHT_NAME)]
    terms = TaxonomyTerm.objects.filter(attributes__service=service).select_related("parent")
    for term in terms:
        if term.facet == TaxonomyTerm.Facet.SCHEDULE2:
            continue
        fields.append((term.name, WEIGHT_TERM))
        if term.facet == TaxonomyTerm.Facet.NEED:
            fields.append((NEED_WORDS.get(term.term, ""), WEIGHT_TERM))
        if term.parent is not None and term.parent.parent_id is not None:
            fields.append((term.parent.name, WEIGHT_TERM))
    fields.append((service.organization.name, WEIGHT_ORGANISATION))
    fields.append((service.description, WEIGHT_TEXT))
    for sal in service.service_at_locations.select_related("location"):
        fields.append((sal.location.name, WEIGHT_TEXT))
        fields.extend((address.city, WEIGHT_TEXT) for address in sal.location.addresses.all())
    return fields


def _indexable(service: Service) -> bool:
    """Published and not archived. Whether it is public today (scheduled, hidden, status) is
    decided when searching, so a scheduled service appears on its day without a reindex."""
    return service.published_revision_id is not None and service.archived_at is None


@transaction.atomic
def index_service(service: Service) -> None:
    """Rebuild the index rows of ``service`` from its public rows (or remove them if it is not
    published). Called whenever a version is published."""
    SearchTerm.objects.filter(service=service).delete()
    if _indexable(service):
        weights = _weigh(_service_fields(service))
        SearchTerm.objects.bulk_create(
            [SearchTerm(service=service, term=term, weight=w) for term, w in weights.items()]
        )
    index_changed(service.area_id)


@transaction.atomic
def unindex_service(service: Service) -> None:
    """Remove ``service`` from the index (archived, deleted)."""
    SearchTerm.objects.filter(service=service).delete()
    index_changed(service.area_id)


#: Services indexed per round of queries by ``index_services``.
INDEX_BATCH = 500


def _fields_in_bulk(services: Sequence[Service]) -> dict[uuid.UUID, list[tuple[str, float]]]:
    """``_service_fields`` for many services in a fixed number of queries (the same fields, so
    the same weights)."""
    ids = [service.pk for service in services]
    fields: dict[uuid.UUID, list[tuple[str, float]]] = {
        service.pk: [(service.name, WEIGHT_NAME)] for service in services
    }
    tagged = (
        Attribute.objects.filter(service_id__in=ids)
        .exclude(taxonomy_term__facet=TaxonomyTerm.Facet.SCHEDULE2)
        .values_list(
            "service_id",
            "taxonomy_term__name",
            "taxonomy_term__facet",
            "taxonomy_term__term",
            "taxonomy_term__parent__name",
            "taxonomy_term__parent__parent_id",
        )
    )
    for service_id, name, facet, code, parent_name, grandparent_id in tagged:
        found = fields[service_id]
        found.append((name, WEIGHT_TERM))
        if facet == TaxonomyTerm.Facet.NEED:
            found.append((NEED_WORDS.get(code, ""), WEIGHT_TERM))
        if parent_name is not None and grandparent_id is not None:
            found.append((parent_name, WEIGHT_TERM))
    for service in services:
        fields[service.pk].append((service.organization.name, WEIGHT_ORGANISATION))
        fields[service.pk].append((service.description, WEIGHT_TEXT))
    places = list(
        ServiceAtLocation.objects.filter(service_id__in=ids).values_list(
            "service_id", "location_id", "location__name"
        )
    )
    cities: dict[uuid.UUID, list[str]] = {}
    for location_id, city in Address.objects.filter(
        location_id__in={location_id for _, location_id, _ in places}
    ).values_list("location_id", "city"):
        cities.setdefault(location_id, []).append(city)
    for service_id, location_id, location_name in places:
        fields[service_id].append((location_name, WEIGHT_TEXT))
        fields[service_id].extend((city, WEIGHT_TEXT) for city in cities.get(location_id, []))
    return fields


def index_services(services: Iterable[Service]) -> int:
    """Rebuild the index rows of many services at once (an import, a generated area, a
    reindex): the same rows as ``index_service`` for each, in a few queries per
    ``INDEX_BATCH`` services. Returns how many were indexed (published and not archived)."""
    indexed = 0
    batch: list[Service] = []

    def flush() -> None:
        nonlocal indexed
        if not batch:
            return
        with transaction.atomic():
            SearchTerm.objects.filter(service_id__in=[s.pk for s in batch]).delete()
            wanted = [service for service in batch if _indexable(service)]
            fields = _fields_in_bulk(wanted)
            rows = [
                SearchTerm(service=service, term=term, weight=weight)
                for service in wanted
                for term, weight in _weigh(fields[service.pk]).items()
            ]
            SearchTerm.objects.bulk_create(rows, batch_size=2000)
            for area_id in {service.area_id for service in batch}:
                index_changed(area_id)
        indexed += len(wanted)
        batch.clear()

    for service in services:
        batch.append(service)
        if len(batch) >= INDEX_BATCH:
            flush()
    flush()
    return indexed


def reindex_area(area: Area) -> int:
    """Rebuild the index for every service of ``area``; returns how many were indexed."""
    return index_services(
        Service.objects.filter(area=area).select_related("organization").order_by("pk")
    )


# --- Vocabulary (for prefixes and spelling) ------------------------------------------------------


def vocabulary(area: Area) -> tuple[tuple[str, ...], frozenset[str]]:
    """The area's indexed words (sorted) and the same as a set, from its index in memory."""
    index = area_index(area.pk)
    return index.words, index.known


@dataclass(frozen=True)
class WordMatch:
    """How one query word matched the vocabulary."""

    stem: str
    exact: bool
    approximate: tuple[str, ...]
    corrected: str = ""  # the nearest spelling when the word itself is not known


MAX_PREFIX_MATCHES = 10
MIN_PREFIX_LENGTH = 4
MAX_FUZZY_MATCHES = 3


def _max_edits(stem: str) -> int:
    """How many typing mistakes a word may hold and still be matched: one in a short word,
    two in a longer one (a swap of two neighbouring letters counts as one)."""
    return 1 if len(stem) <= 5 else 2


def match_word(stem: str, words: tuple[str, ...], known: frozenset[str]) -> WordMatch:
    """Exactly; as the start of longer words (4 letters or more, the shortest few); and only
    when the word is neither known nor the start of a known word, its nearest spellings (the
    closest only, ties kept)."""
    exact = stem in known
    approximate: list[str] = []
    if len(stem) >= MIN_PREFIX_LENGTH:
        approximate = [w for w in _prefixed(stem, words) if w != stem]
    corrected = ""
    if not exact and not approximate and len(stem) >= 4:
        fuzzy = _nearest_spellings(stem, words)
        if fuzzy:
            corrected = fuzzy[0]
            approximate.extend(fuzzy)
    return WordMatch(stem=stem, exact=exact, approximate=tuple(approximate), corrected=corrected)


def _nearest_spellings(stem: str, words: tuple[str, ...]) -> list[str]:
    """The known words nearest to ``stem`` within ``_max_edits``: whole words, or words whose
    start is one edit away ("phisio" → "physiotherapi", by its start "physio"). Only the nearest
    distance is kept; whole words come before starts, at most ``MAX_FUZZY_MATCHES``."""
    cutoff = _max_edits(stem)
    whole = process.extract(stem, words, scorer=OSA.distance, score_cutoff=cutoff, limit=None)
    starts: dict[str, list[str]] = {}
    for word in words:
        if len(word) > len(stem):
            starts.setdefault(word[: len(stem)], []).append(word)
    begun = process.extract(stem, list(starts), scorer=OSA.distance, score_cutoff=1, limit=None)
    distances = [distance for _w, distance, _i in whole] + [d for _w, d, _i in begun]
    if not distances:
        return []
    nearest = min(distances)
    found = sorted(word for word, distance, _i in whole if distance == nearest)
    for start in sorted(start for start, distance, _i in begun if distance == nearest):
        found.extend(
            word for word in sorted(starts[start], key=lambda w: (len(w), w)) if word not in found
        )
    return found[:MAX_FUZZY_MATCHES]


def _prefixed(stem: str, words: tuple[str, ...]) -> list[str]:
    """The known words that start with ``stem``, shortest (closest) first, at most
    ``MAX_PREFIX_MATCHES``."""
    start = bisect.bisect_left(words, stem)
    found: list[str] = []
    for word in words[start:]:
        if not word.startswith(stem):
            break
        found.append(word)
    found.sort(key=lambda word: (len(word), word))
    return found[:MAX_PREFIX_MATCHES]


# --- Queries and results -----------------------------------------------------------------------

DAYS: tuple[tuple[str, str], ...] = (
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
)
DAY_CODES = frozenset(code for code, _ in DAYS)

SORT_RELEVANCE = "relevance"
SORT_DISTANCE = "distance"
SORT_NAME = "name"
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchQuery:
    """What a parent (or the API) asked for. Empty values mean "any"."""

    words: str = ""
    categories: tuple[str, ...] = ()  # SEND taxonomy category codes, sub-categories included
    needs: tuple[str, ...] = ()  # census codes, e.g. "ASD"
    age: int | None = None
    free_only: bool = False
    day: str = ""  # MO..SU
    time: dt.time | None = None
    postcode: str = ""
    within_miles: float | None = None
    page: int = 1
    per_page: int = 20
    sort: str = ""  # relevance (with words), distance (with a postcode) or name

    def filters(self) -> dict[str, Any]:
        """The filters as logged: no words, no postcode."""
        found: dict[str, Any] = {}
        if self.categories:
            found["categories"] = list(self.categories)
        if self.needs:
            found["needs"] = list(self.needs)
        if self.age is not None:
            found["age"] = self.age
        if self.free_only:
            found["free_only"] = True
        if self.day:
            found["day"] = self.day
        if self.time is not None:
            found["time"] = self.time.strftime("%H:%M")
        if self.within_miles is not None:
            found["within_miles"] = self.within_miles
        return found

    def to_params(self) -> list[tuple[str, str]]:
        """The query as the search page's GET parameters (for links)."""
        params: list[tuple[str, str]] = []
        if self.words:
            params.append(("q", self.words))
        params.extend(("category", code) for code in self.categories)
        params.extend(("need", code) for code in self.needs)
        if self.age is not None:
            params.append(("age", str(self.age)))
        if self.free_only:
            params.append(("free", "yes"))
        if self.day:
            params.append(("day", self.day))
        if self.time is not None:
            params.append(("time", self.time.strftime("%H:%M")))
        if self.postcode:
            params.append(("postcode", self.postcode))
        if self.within_miles is not None:
            params.append(("distance", f"{self.within_miles:g}"))
        if self.sort:
            params.append(("sort", self.sort))
        if self.page != 1:
            params.append(("page", str(self.page)))
        return params

    def to_params_without_page(self) -> list[tuple[str, str]]:
        return [(key, value) for key, value in self.to_params() if key != "page"]


@dataclass(frozen=True)
class Suggestion:
    """A broader search to try: what it changes, and the query."""

    text: str
    query: SearchQuery
    count: int | None = None


@dataclass
class SearchResult:
    services: list[Service]
    total: int
    page: int
    pages: int
    per_page: int
    suggestions: list[Suggestion] = field(default_factory=list)
    postcode_problem: str = ""
    corrected_words: str = ""  # the query with its misspellings corrected, if any were
    origin: geo.Point | None = None
    distances: dict[str, float] = field(default_factory=dict, repr=False)


# --- Filters -----------------------------------------------------------------------------------


def _category_term_ids(codes: Sequence[str]) -> set[uuid.UUID]:
    """The SEND category terms with these codes and all their sub-categories (from the
    built-in taxonomy, whose ids are fixed: no query)."""
    children: dict[str, list[str]] = {}
    for spec in CATEGORIES:
        children.setdefault(spec.parent, []).append(spec.code)
    found: set[str] = set()
    wanted = [code for code in codes if code]
    while wanted:
        code = wanted.pop()
        if code not in found:
            found.add(code)
            wanted.extend(children.get(code, []))
    return {term_id(code) for code in found}


def _filters(query: SearchQuery) -> Filters:
    groups: list[frozenset[uuid.UUID]] = []
    if query.categories:
        groups.append(frozenset(_category_term_ids(query.categories)))
    if query.needs:
        groups.append(frozenset(term_id(f"need-{code.lower()}") for code in query.needs))
    return Filters(
        term_groups=tuple(groups),
        age=query.age,
        free_only=query.free_only,
        day=query.day,
        time=query.time,
    )


# --- Search --------------------------------------------------------------------------------------


def _word_matches(index: AreaIndex, words: str) -> list[WordMatch]:
    stems = list(dict.fromkeys(stem_words(words)))
    if not stems:
        return []
    return [match_word(stem, index.words, index.known) for stem in stems]


def _corrected(words: str, matches: Sequence[WordMatch]) -> str:
    """The query with each unknown word replaced by its nearest known spelling (as indexed, a
    stem), or "" if no word needed correcting."""
    if not any(m.corrected and not m.exact for m in matches):
        return ""
    corrections = {m.stem: m.corrected for m in matches if m.corrected and not m.exact}
    out: list[str] = []
    for word in tokenise(words):
        stems = stem_words(word)
        stem = stems[0] if stems else ""
        out.append(corrections.get(stem, word))
    return " ".join(out)


def _effective_sort(query: SearchQuery, origin: geo.Point | None) -> str:
    if query.sort == SORT_DISTANCE and origin is not None:
        return SORT_DISTANCE
    if query.sort == SORT_NAME:
        return SORT_NAME
    if query.sort == SORT_RELEVANCE and query.words.strip():
        return SORT_RELEVANCE
    if query.words.strip() and stem_words(query.words):
        return SORT_RELEVANCE
    return SORT_DISTANCE if origin is not None else SORT_NAME


@dataclass
class _Plan:
    """What a query needs: the area's index, the services the public may see today (asked of
    the database), the words matched against the index, the origin and the order."""

    index: AreaIndex
    visible: frozenset[int]
    filters: Filters
    matches: list[WordMatch]
    postcode: str
    origin: geo.Point | None
    postcode_problem: str
    sort: str
    within_miles: float | None


def _visible(area: Area, index: AreaIndex) -> frozenset[int]:
    """The indexed services the public may see today: all but the few the database says are
    not public (scheduled for later, hidden, inactive; drafts and archived are never indexed)."""
    hidden = (
        Service.objects.not_public()
        .filter(area=area)
        .annotate(sid=_sid("pk"))
        .values_list("sid", flat=True)
        .order_by()
    )
    return index.everyone - index.positions(hidden)


def _plan(area: Area, query: SearchQuery, like: _Plan | None = None) -> _Plan:
    """Plan ``query``; ``like`` is a plan of the same area made just before (a suggestion
    re-uses its index and visibility instead of asking again)."""
    origin: geo.Point | None = None
    problem = ""
    if like is not None and query.postcode == like.postcode:
        origin, problem = like.origin, like.postcode_problem
    elif query.postcode.strip():
        origin, problem = geo.locate_with_reason(query.postcode)
    if like is not None:
        index, visible = like.index, like.visible
    else:
        index = area_index(area.pk)
        visible = _visible(area, index)
    return _Plan(
        index=index,
        visible=visible,
        filters=_filters(query),
        matches=_word_matches(index, query.words),
        postcode=query.postcode,
        origin=origin,
        postcode_problem=problem,
        sort=_effective_sort(query, origin),
        within_miles=query.within_miles if origin is not None else None,
    )


def _ordered(plan: _Plan) -> tuple[list[int], dict[int, float]]:
    """Every service ``plan`` finds (index positions), in order, with the distances the order
    needed: relevance (words matched, score, name, id) with words, else name; nearest first
    when asked for with a postcode. With a distance limit only the services within it."""
    index = plan.index
    candidates: set[int] | frozenset[int] = plan.visible
    if plan.filters:
        candidates = index.matching(plan.filters, candidates)
    distances: dict[int, float] = {}
    if plan.origin is not None and (plan.within_miles is not None or plan.sort == SORT_DISTANCE):
        distances = index.distances(plan.origin, candidates, plan.within_miles)
        if plan.within_miles is not None:
            candidates = distances.keys() & candidates
    if plan.matches:
        words = [
            WordTerms(exact=m.stem if m.exact else None, approximate=m.approximate)
            for m in plan.matches
        ]
        ranked = index.rank(words, approximate_factor=APPROXIMATE_FACTOR, allowed=candidates)
    elif plan.sort == SORT_DISTANCE:
        ranked = [(at, 0, 0.0) for at in candidates]
    else:
        return [at for at in index.by_name if at in candidates], distances
    if plan.sort == SORT_DISTANCE:
        names, sids = index.sort_names, index.sids
        ranked.sort(
            key=lambda row: (
                distances.get(row[0], math.inf),
                -row[1],
                -row[2],
                names[row[0]],
                sids[row[0]],
            )
        )
    elif plan.sort == SORT_NAME:
        ranked.sort(key=lambda row: index.name_key(row[0]))
    return [at for at, _matched, _score in ranked], distances


def _count(area: Area, query: SearchQuery, like: _Plan | None = None) -> int:
    """How many services ``query`` finds (for suggestions)."""
    return len(_ordered(_plan(area, query, like))[0])


class PostcodeNotFound(ValueError):
    """The query's postcode cannot be placed (``str()`` says why)."""


def ordered_service_ids(area: Area, query: SearchQuery) -> list[uuid.UUID]:
    """Every public service of ``area`` that ``query`` finds, in the search's order (relevance
    with words, distance with a postcode and ``sort="distance"``, else name), ignoring its
    page: for the ORUK API, which filters further before paging. Logs nothing. Raises
    ``PostcodeNotFound`` when the postcode cannot be placed (the site search would ignore
    it)."""
    plan = _plan(area, query)
    if plan.postcode_problem:
        raise PostcodeNotFound(plan.postcode_problem)
    sids = plan.index.sids
    return [uuid.UUID(sids[at]) for at in _ordered(plan)[0]]


def search(area: Area, query: SearchQuery, *, source: str | None = "web") -> SearchResult:
    """Search the public services of ``area``. Logs the search anonymously (first pages only)
    when ``source`` is given ("web" or "api"). A fixed number of queries whatever the size of
    the directory or the page: the words, filters and distances are worked out over the area's
    index in memory; the database says which services are public today and reads the page."""
    plan = _plan(area, query)
    per_page = max(1, min(query.per_page, MAX_PER_PAGE))
    result = SearchResult(
        services=[],
        total=0,
        page=1,
        pages=1,
        per_page=per_page,
        postcode_problem=plan.postcode_problem,
        origin=plan.origin,
    )
    if plan.matches:
        result.corrected_words = _corrected(query.words, plan.matches)
    ordered, distances = _ordered(plan)
    result.total = len(ordered)
    result.pages = max(1, math.ceil(result.total / per_page))
    result.page = min(max(1, query.page), result.pages)
    offset = (result.page - 1) * per_page
    page = ordered[offset : offset + per_page]
    index = plan.index
    if plan.origin is not None and page and not distances:
        # ranked by relevance or name near a postcode: the distances of the page only
        distances = index.distances(plan.origin, set(page), None)
    services: list[Service] = []
    if page:
        text_ids = {uuid.UUID(index.sids[at]): index.sids[at] for at in page}
        ids = list(text_ids)
        by_id = {s.pk: s for s in _with_details(Service.objects.filter(pk__in=ids))}
        services = [by_id[pk] for pk in ids if pk in by_id]
        for service in services:
            # the categories and needs a summary shows, in the taxonomy's order (from memory)
            service.summary_terms = index.summary_terms(text_ids[service.pk])  # type: ignore[attr-defined]
    result.distances = {index.sids[at]: miles for at, miles in distances.items()}
    for service in services:
        service.distance_miles = _distance_of(result.distances, service)  # type: ignore[attr-defined]
    result.services = services
    if result.total == 0:
        result.suggestions = suggestions(area, query, result, like=plan)
    if source and query.page == 1:
        log_search(area=area, query=query, result_count=result.total, source=source)
    return result


def _distance_of(distances: dict[str, float], service: Service) -> float | None:
    if not distances:
        return None
    for key in (service.pk.hex, str(service.pk)):  # SQLite keeps the hex, PostgreSQL the dashes
        if key in distances:
            return distances[key]
    return None


def _with_details(services: QuerySet[Service]) -> QuerySet[Service]:
    """What a result summary reads from the database (organisation, cost options), in a fixed
    number of queries; its categories and needs come from the index (``summary_terms``)."""
    return services.select_related("organization").prefetch_related("cost_options")


# --- Suggestions ----------------------------------------------------------------------------------

WIDER_MILES = (5.0, 10.0, 25.0)


def _broader(query: SearchQuery, result: SearchResult) -> list[tuple[str, SearchQuery]]:
    base = replace(query, page=1)
    options: list[tuple[str, SearchQuery]] = []
    if result.corrected_words:
        options.append(
            (
                f"Search for \u201c{result.corrected_words}\u201d",
                replace(base, words=result.corrected_words),
            )
        )
    if query.within_miles is not None and result.origin is not None:
        for wider in (m for m in WIDER_MILES if m > (query.within_miles or 0)):
            options.append((f"Search within {wider:g} miles", replace(base, within_miles=wider)))
        options.append(("Search any distance", replace(base, within_miles=None)))
    if query.words and len(stem_words(query.words)) > 1:
        for word in tokenise(query.words):
            if word in STOP_WORDS:
                continue
            options.append((f"Search for \u201c{word}\u201d only", replace(base, words=word)))
    if query.words and (query.categories or query.needs or query.age is not None):
        options.append(("Search without your words", replace(base, words="")))
    if query.categories:
        options.append(("Remove the category filter", replace(base, categories=())))
    if query.needs:
        options.append(("Remove the need filter", replace(base, needs=())))
    if query.age is not None:
        options.append(("Remove the age filter", replace(base, age=None)))
    if query.free_only:
        options.append(("Include services that charge", replace(base, free_only=False)))
    if query.day or query.time is not None:
        options.append(("Remove the day and time filter", replace(base, day="", time=None)))
    return options


MAX_SUGGESTIONS = 5


def suggestions(
    area: Area, query: SearchQuery, result: SearchResult, *, like: _Plan | None = None
) -> list[Suggestion]:
    """Broader searches that find something, when a search finds nothing (each counted)."""
    found: list[Suggestion] = []
    widened = False
    for text, broader in _broader(query, result)[: MAX_SUGGESTIONS * 2]:
        is_wider = broader.within_miles is not None and broader.within_miles != query.within_miles
        if is_wider and widened:
            continue  # only the nearest distance that finds something
        count = _count(area, broader, like)
        if count:
            widened = widened or is_wider
            found.append(Suggestion(text=text, query=broader, count=count))
        if len(found) >= MAX_SUGGESTIONS:
            break
    return found


# --- Logging -------------------------------------------------------------------------------------


def log_search(*, area: Area, query: SearchQuery, result_count: int, source: str) -> SearchLog:
    """Record a search with nothing that identifies who made it: its words, filters, the
    postcode district (never the full postcode) and how many services it found."""
    district = geo.district_of(query.postcode) if query.postcode else ""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # an anonymous search count is not worth a wait for the disk on every search: a
            # crash may lose the last fraction of a second of them, never anything else
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return SearchLog.objects.create(
            area=area,
            occurred_at=timezone.now(),
            words=" ".join(query.words.split())[:200],
            filters=query.filters(),
            postcode_district=(district or "")[:4],
            result_count=result_count,
            source=source if source in ("web", "api") else "web",
        )
