"""Searching the Local Offer: a word index with stemming and typo tolerance, the SEND filters,
distance from a postcode, and anonymous logging of every search.

The index (``SearchTerm``) holds one row per stemmed word of a published service with a weight:
a word in the service's name counts most, then the names of its categories and needs (and a few
everyday words for each need), then its organisation, description and places. A query is
tokenised and stemmed the same way; each word is matched exactly, as a prefix ("physio"), or,
when it is not in the area's vocabulary, to its nearest spellings ("speach" → "speech"). The
score of a service is the sum of the weights of the words it matched, in one SQL aggregate over
``SearchTerm`` that works the same on SQLite and PostgreSQL; services matching every query word
rank above those matching some.

``search`` only ever returns ``Service.objects.public()`` services of the area. See
docs/local-offer-search.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import re
import threading
import time as time_module
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Lower
from django.utils import timezone
from rapidfuzz import process
from rapidfuzz.distance import OSA

from opensend.core.models import Area
from opensend.directory import geo
from opensend.directory.models import (
    Address,
    Attribute,
    CostOption,
    Schedule,
    SearchLog,
    SearchTerm,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from opensend.directory.taxonomy import CATEGORIES, term_id

__all__ = [
    "DAYS",
    "PostcodeNotFound",
    "SearchQuery",
    "SearchResult",
    "Suggestion",
    "free_services",
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
    _vocabulary_changed(service.area_id)


@transaction.atomic
def unindex_service(service: Service) -> None:
    """Remove ``service`` from the index (archived, deleted)."""
    SearchTerm.objects.filter(service=service).delete()
    _vocabulary_changed(service.area_id)


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
                _vocabulary_changed(area_id)
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


# --- Vocabulary (for prefixes and spelling), cached per area ------------------------------------

#: Seconds a process keeps an area's vocabulary; another process's reindex is seen within this.
VOCABULARY_TTL = 60.0
_vocabulary: dict[int, tuple[float, tuple[str, ...], frozenset[str]]] = {}
_vocabulary_lock = threading.Lock()


def _vocabulary_changed(area_id: int) -> None:
    def forget() -> None:
        with _vocabulary_lock:
            _vocabulary.pop(area_id, None)

    forget()
    transaction.on_commit(forget)


def vocabulary(area: Area) -> tuple[tuple[str, ...], frozenset[str]]:
    """The area's indexed words (sorted) and the same as a set."""
    now = time_module.monotonic()
    with _vocabulary_lock:
        cached = _vocabulary.get(area.pk)
    if cached is not None and now - cached[0] < VOCABULARY_TTL:
        return cached[1], cached[2]
    words = tuple(
        sorted(
            SearchTerm.objects.filter(service__area=area).values_list("term", flat=True).distinct()
        )
    )
    entry = (now, words, frozenset(words))
    with _vocabulary_lock:
        _vocabulary[area.pk] = entry
    return words, entry[2]


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


def free_services() -> Q:
    """Free to use: a cost option with amount 0, or no cost options and no fees written.

    The filters are uncorrelated ``IN`` subqueries, which both databases evaluate once."""
    zero = CostOption.objects.filter(amount=0).values("service_id")
    any_cost = CostOption.objects.values("service_id")
    return Q(pk__in=zero) | (~Q(pk__in=any_cost) & Q(fees=""))


def _open_when(day: str, time: dt.time | None) -> Q:
    """Has a schedule (its own, or at one of its locations) on ``day`` and/or open at ``time``."""
    schedule = Q()
    if day:
        schedule &= Q(byday__contains=day)
    if time is not None:
        schedule &= Q(opens_at__lte=time, closes_at__gt=time)
    own = Schedule.objects.filter(schedule, service__isnull=False).values("service_id")
    at_location = Schedule.objects.filter(schedule, service_at_location__isnull=False).values(
        "service_at_location__service_id"
    )
    return Q(pk__in=own) | Q(pk__in=at_location)


def _tagged(term_ids: Iterable[uuid.UUID]) -> Q:
    return Q(
        pk__in=Attribute.objects.filter(
            taxonomy_term_id__in=list(term_ids), service__isnull=False
        ).values("service_id")
    )


def _filtered(area: Area, query: SearchQuery) -> QuerySet[Service]:
    services = Service.objects.public().filter(area=area)
    if query.categories:
        services = services.filter(_tagged(_category_term_ids(query.categories)))
    if query.needs:
        services = services.filter(_tagged(term_id(f"need-{code.lower()}") for code in query.needs))
    if query.age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age),
        )
    if query.free_only:
        services = services.filter(free_services())
    if query.day or query.time is not None:
        services = services.filter(_open_when(query.day, query.time))
    return services


# --- Distance ------------------------------------------------------------------------------------


def _sid(field_name: str) -> Cast:
    """A service id as text: cheap to read in bulk (no UUID conversion per row)."""
    return Cast(field_name, output_field=CharField())


def _places(candidates: QuerySet[Service], origin: geo.Point, within_miles: float | None) -> Q:
    """The candidates' mappable places (not virtual), within the bounding box of
    ``within_miles`` when given; places with no coordinates are kept (their postcode is
    looked up)."""
    places = Q(service__in=candidates.values("pk")) & ~Q(location__location_type="virtual")
    if within_miles is not None:
        south, west, north, east = geo.bounding_box(origin, within_miles)
        places &= (
            Q(location__latitude__range=(south, north), location__longitude__range=(west, east))
            | Q(location__latitude__isnull=True)
            | Q(location__longitude__isnull=True)
        )
    return places


def _distances(
    candidates: QuerySet[Service], origin: geo.Point, within_miles: float | None
) -> dict[str, tuple[float, str]]:
    """The distance in miles from ``origin`` to the nearest mappable location of each
    candidate service (its coordinates, or its address's postcode when it has none), and the
    service's name, keyed by the service id as text. Services with no mappable location are
    left out; with ``within_miles``, so are those further away (a bounding box in SQL, so only
    the few services near the origin are read, then exact miles)."""
    rows = (
        ServiceAtLocation.objects.filter(_places(candidates, origin, within_miles))
        .annotate(sid=_sid("service_id"))
        .values_list(
            "sid",
            "service__name",
            "location__latitude",
            "location__longitude",
            "location__addresses__postal_code",
        )
        .order_by()
    )
    found: dict[str, tuple[float, str]] = {}
    unplaced: list[tuple[str, str, str]] = []
    for service_id, name, latitude, longitude, postcode in rows:
        if latitude is None or longitude is None:
            if postcode:
                unplaced.append((service_id, name, postcode))
            continue
        miles = geo.miles_between(origin, geo.Point(latitude, longitude))
        if service_id not in found or miles < found[service_id][0]:
            found[service_id] = (miles, name)
    if unplaced:
        points = geo.locate_many(postcode for _, _, postcode in unplaced)
        for service_id, name, postcode in unplaced:
            point = points.get(geo.normalise_postcode(postcode) or "")
            if point is None:
                continue
            miles = geo.miles_between(origin, point)
            if service_id not in found or miles < found[service_id][0]:
                found[service_id] = (miles, name)
    if within_miles is not None:
        found = {key: value for key, value in found.items() if value[0] <= within_miles}
    return found


# --- Search --------------------------------------------------------------------------------------


Scored = tuple[str, float, int, str]  # service id as text, score, words matched, name


def _term_rows(candidates: QuerySet[Service], matches: Sequence[WordMatch]) -> QuerySet[Any]:
    """The index rows of the candidates that match any query word."""
    every = {m.stem for m in matches if m.exact} | {t for m in matches for t in m.approximate}
    return SearchTerm.objects.filter(term__in=every, service__in=candidates.values("pk"))


def _scored_rows(candidates: QuerySet[Service], matches: Sequence[WordMatch]) -> QuerySet[Any]:
    """One row per candidate matching any query word: ``sid`` (text), ``name``, ``score`` (the
    sum of matched weights, approximate matches counting for less) and ``matched`` (how many
    of the query's words it matched): one aggregate over the index."""
    exact_terms = {m.stem for m in matches if m.exact}
    weight = Case(
        When(term__in=exact_terms, then=F("weight")),
        default=F("weight") * Value(APPROXIMATE_FACTOR),
        output_field=FloatField(),
    )
    per_word = {
        f"w{i}": Max(
            Case(
                When(term__in=({m.stem} if m.exact else set()) | set(m.approximate), then=1),
                default=0,
                output_field=IntegerField(),
            )
        )
        for i, m in enumerate(matches)
    }
    matched: Any = Value(0, output_field=IntegerField())
    for key in per_word:
        matched = matched + F(key)
    return (
        _term_rows(candidates, matches)
        .values(sid=_sid("service_id"), name=F("service__name"))
        .annotate(score=Sum(weight), **per_word)
        .annotate(matched=matched)
    )


def _relevance_order() -> list[Any]:
    return [F("matched").desc(), F("score").desc(), Lower("name"), "sid"]


def _word_matches(area: Area, words: str) -> list[WordMatch]:
    stems = list(dict.fromkeys(stem_words(words)))
    if not stems:
        return []
    vocab, known = vocabulary(area)
    return [match_word(stem, vocab, known) for stem in stems]


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


def _rank(scored: list[Scored], distances: dict[str, tuple[float, str]], sort: str) -> list[str]:
    """Order scored rows in Python: only for the services near a postcode (few) or a whole
    directory sorted by distance (the API without a proximity)."""

    def by_relevance(row: Scored) -> tuple[Any, ...]:
        return (-row[2], -row[1], row[3].lower(), row[0])

    def by_distance(row: Scored) -> tuple[Any, ...]:
        found = distances.get(row[0])
        return (found[0] if found is not None else math.inf, *by_relevance(row))

    def by_name(row: Scored) -> tuple[Any, ...]:
        return (row[3].lower(), row[0])

    key = {SORT_DISTANCE: by_distance, SORT_NAME: by_name}.get(sort, by_relevance)
    return [row[0] for row in sorted(scored, key=key)]


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
    """What a query needs before any service is read: the candidates (filters, in SQL), the
    words matched against the vocabulary, the origin and the order."""

    candidates: QuerySet[Service]
    matches: list[WordMatch]
    origin: geo.Point | None
    postcode_problem: str
    sort: str
    within_miles: float | None

    @property
    def in_python(self) -> bool:
        """Whether the order needs distances: a distance limit (only the services inside it
        are read) or nearest first."""
        return self.origin is not None and (
            self.within_miles is not None or self.sort == SORT_DISTANCE
        )


def _plan(area: Area, query: SearchQuery) -> _Plan:
    origin: geo.Point | None = None
    problem = ""
    if query.postcode.strip():
        origin, problem = geo.locate_with_reason(query.postcode)
    return _Plan(
        candidates=_filtered(area, query),
        matches=_word_matches(area, query.words),
        origin=origin,
        postcode_problem=problem,
        sort=_effective_sort(query, origin),
        within_miles=query.within_miles if origin is not None else None,
    )


def _python_order(plan: _Plan) -> tuple[list[str], dict[str, tuple[float, str]]]:
    """Every matching service id (text) in order, with the distances: for searches whose
    order or limit needs distances."""
    origin = plan.origin or geo.Point(0.0, 0.0)  # in_python: there is one
    distances = _distances(plan.candidates, origin, plan.within_miles)
    candidates = plan.candidates
    if plan.within_miles is not None:
        # only the services with a place inside the bounding box (the exact miles come next)
        candidates = candidates.filter(
            pk__in=ServiceAtLocation.objects.filter(
                _places(plan.candidates, origin, plan.within_miles)
            ).values("service_id")
        )
    scored: list[Scored]
    if plan.matches:
        scored = [
            (row["sid"], row["score"], row["matched"], row["name"])
            for row in _scored_rows(candidates, plan.matches).order_by()
        ]
    elif plan.within_miles is not None:
        scored = [(sid, 0.0, 0, name) for sid, (_miles, name) in distances.items()]
    else:
        scored = [
            (sid, 0.0, 0, name)
            for sid, name in candidates.annotate(sid=_sid("pk"))
            .values_list("sid", "name")
            .order_by()
        ]
    if plan.within_miles is not None:
        scored = [row for row in scored if row[0] in distances]
    return _rank(scored, distances, plan.sort), distances


def _sql_count(plan: _Plan) -> int:
    if plan.matches:
        return _term_rows(plan.candidates, plan.matches).values("service_id").distinct().count()
    return plan.candidates.count()


def _sql_order(plan: _Plan, start: int, stop: int | None) -> list[str]:
    """Service ids (text) ``[start:stop]`` in order, ranked and paged in the database."""
    if plan.matches:
        rows = _scored_rows(plan.candidates, plan.matches).order_by(*_relevance_order())
        return [row["sid"] for row in rows[start:stop]]
    named = plan.candidates.annotate(sid=_sid("pk"), lower_name=Lower("name"))
    ordered = named.order_by("lower_name", "sid").values_list("sid", flat=True)
    return list(ordered[start:stop])


def _sql_page(plan: _Plan, offset: int, limit: int) -> tuple[list[str], int | None]:
    """A page of service ids (text) ranked by relevance, with how many services match in all
    (a window count over the same aggregate), or ``None`` for the count when the page is past
    the last one."""
    rows = list(
        _scored_rows(plan.candidates, plan.matches)
        .annotate(total=Window(Count("*")))
        .order_by(*_relevance_order())[offset : offset + limit]
    )
    if rows:
        return [row["sid"] for row in rows], int(rows[0]["total"])
    return [], 0 if offset == 0 else None


def _count(area: Area, query: SearchQuery) -> int:
    """How many services ``query`` finds (for suggestions): counted, not read."""
    plan = _plan(area, query)
    if plan.in_python:
        return len(_python_order(plan)[0])
    return _sql_count(plan)


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
    ordered = _python_order(plan)[0] if plan.in_python else _sql_order(plan, 0, None)
    return [uuid.UUID(sid) for sid in ordered]


def search(area: Area, query: SearchQuery, *, source: str | None = "web") -> SearchResult:
    """Search the public services of ``area``. Logs the search anonymously (first pages only)
    when ``source`` is given ("web" or "api"). A bounded number of queries whatever the size
    of the directory or the page; ranked and paged in the database, except near a postcode
    (only the services within the distance are read) or nearest first."""
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
    distances: dict[str, tuple[float, str]] = {}
    requested = max(1, query.page)
    page_ids: list[str] | None = None
    if plan.in_python:
        ordered, distances = _python_order(plan)
        result.total = len(ordered)
    elif plan.matches:
        # the page and the count in one query; the count apart only past the last page
        page_ids, total = _sql_page(plan, (requested - 1) * per_page, per_page)
        result.total = total if total is not None else _sql_count(plan)
    else:
        result.total = _sql_count(plan)
    result.pages = max(1, math.ceil(result.total / per_page))
    result.page = min(requested, result.pages)
    offset = (result.page - 1) * per_page
    if plan.in_python:
        page_ids = ordered[offset : offset + per_page]
    elif not result.total:
        page_ids = []
    elif page_ids is None or result.page != requested:
        page_ids = _sql_order(plan, offset, offset + per_page)
    if plan.origin is not None and not plan.in_python and page_ids:
        # ranked by relevance or name near a postcode: the distances of the page only
        distances = _distances(
            plan.candidates.filter(pk__in=[uuid.UUID(sid) for sid in page_ids]),
            plan.origin,
            None,
        )
    services: list[Service] = []
    if page_ids:
        ids = [uuid.UUID(sid) for sid in page_ids]
        by_id = {s.pk: s for s in _with_details(Service.objects.filter(pk__in=ids))}
        services = [by_id[pk] for pk in ids if pk in by_id]
    result.distances = {sid: miles for sid, (miles, _name) in distances.items()}
    for service in services:
        service.distance_miles = _distance_of(result.distances, service)  # type: ignore[attr-defined]
    result.services = services
    if result.total == 0:
        result.suggestions = suggestions(area, query, result)
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


#: The facets a result summary shows (``service.attributes`` of a search result holds only
#: these: reading every accessibility and suitability term of a page cost more than the search).
SUMMARY_FACETS = (TaxonomyTerm.Facet.CATEGORY, TaxonomyTerm.Facet.NEED)


def _with_details(services: QuerySet[Service]) -> QuerySet[Service]:
    """What a result summary shows (organisation, categories and needs in the taxonomy's order,
    cost options), fetched in a fixed number of queries."""
    attributes = (
        Attribute.objects.filter(taxonomy_term__facet__in=SUMMARY_FACETS)
        .select_related("taxonomy_term")
        .only(
            "service_id",
            "taxonomy_term__name",
            "taxonomy_term__term",
            "taxonomy_term__facet",
            "taxonomy_term__position",
            "taxonomy_term__parent_id",
        )
        .order_by("taxonomy_term__position", "taxonomy_term__name")
    )
    return services.select_related("organization").prefetch_related(
        Prefetch("attributes", queryset=attributes), "cost_options"
    )


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


def suggestions(area: Area, query: SearchQuery, result: SearchResult) -> list[Suggestion]:
    """Broader searches that find something, when a search finds nothing (each counted)."""
    found: list[Suggestion] = []
    widened = False
    for text, broader in _broader(query, result)[: MAX_SUGGESTIONS * 2]:
        is_wider = broader.within_miles is not None and broader.within_miles != query.within_miles
        if is_wider and widened:
            continue  # only the nearest distance that finds something
        count = _count(area, broader)
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
    return SearchLog.objects.create(
        area=area,
        occurred_at=timezone.now(),
        words=" ".join(query.words.split())[:200],
        filters=query.filters(),
        postcode_district=(district or "")[:4],
        result_count=result_count,
        source=source if source in ("web", "api") else "web",
    )
