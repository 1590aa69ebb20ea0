"""The search engine: relevance, typo tolerance, filters, distance, visibility, suggestions and
anonymous logging."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from opensend.core.tests.factories import AreaFactory
from opensend.directory.models import (
    CostOption,
    Postcode,
    SearchLog,
    SearchTerm,
    Service,
    ServiceStatus,
)
from opensend.directory.search import (
    PostcodeNotFound,
    SearchQuery,
    index_service,
    index_services,
    match_word,
    ordered_service_ids,
    reindex_area,
    search,
    stem_words,
    unindex_service,
    vocabulary,
)
from opensend.directory.tests.factories import AddressFactory, public_service, tag

L1 = (53.40254, -2.97928)  # the L1 district's centroid in the shipped file
WA7 = (53.32987, -2.7028)


def names(result):
    return [s.name for s in result.services]


@pytest.fixture
def directory(area):
    services = {
        "slt": public_service(
            area=area,
            name="Speech and Language Therapy Service",
            description="Assessment and therapy for children with speech and communication needs.",
            needs=("SLCN",),
            categories=("therapies",),
            minimum_age=0,
            maximum_age=18,
            cost="5",
            opens=("MO,TU", "09:00", "17:00"),
            latitude=L1[0],
            longitude=L1[1],
        ),
        "physio": public_service(
            area=area,
            name="Children's Physiotherapy",
            description="Physiotherapy for children with physical disabilities.",
            needs=("PD",),
            categories=("therapies",),
            minimum_age=0,
            maximum_age=19,
            latitude=WA7[0],
            longitude=WA7[1],
        ),
        "autism": public_service(
            area=area,
            name="Autism Family Support",
            description="Support for families after an autism diagnosis.",
            needs=("ASD",),
            categories=("parent-carer-support",),
            cost="0",
            opens=("SA", "10:00", "12:00"),
        ),
        "swim": public_service(
            area=area,
            name="Splash Swimming Club",
            description="Inclusive sessions in the pool on Saturday mornings.",
            categories=("leisure",),
            minimum_age=5,
            maximum_age=11,
            fees="£3 a session",
            postcode="WA7 1AB",
        ),
        "breaks": public_service(
            area=area,
            name="Sunny Days Short Breaks",
            description="Overnight short breaks for disabled children and young people.",
            categories=("short-breaks",),
            minimum_age=8,
            maximum_age=17,
        ),
        "camhs": public_service(
            area=area,
            name="CAMHS Getting Help",
            description="Mental health support for young people.",
            needs=("SEMH",),
            categories=("mental-health",),
        ),
    }
    return services


# --- Relevance ---------------------------------------------------------------------------------

RELEVANCE = [
    ("speech therapy", "Speech and Language Therapy Service"),
    ("speach therapy", "Speech and Language Therapy Service"),
    ("speech", "Speech and Language Therapy Service"),
    ("autism", "Autism Family Support"),
    ("autisim", "Autism Family Support"),
    ("autistic", "Autism Family Support"),
    ("physio", "Children's Physiotherapy"),
    ("physiotherapy", "Children's Physiotherapy"),
    ("swimming", "Splash Swimming Club"),
    ("swim", "Splash Swimming Club"),
    ("short breaks", "Sunny Days Short Breaks"),
    ("short brakes", "Sunny Days Short Breaks"),
    ("mental health", "CAMHS Getting Help"),
    ("camhs", "CAMHS Getting Help"),
    ("the speech and the language", "Speech and Language Therapy Service"),
    ("SPEECH", "Speech and Language Therapy Service"),
]


@pytest.mark.parametrize(("words", "first"), RELEVANCE)
def test_relevance(directory, area, words, first):
    result = search(area, SearchQuery(words=words), source=None)
    assert result.services, f"{words!r} found nothing"
    assert result.services[0].name == first


def test_matching_every_word_ranks_above_a_strong_match_on_one(area):
    public_service(area=area, name="Swimming")
    both = public_service(
        area=area,
        name="Pool time",
        description="Swimming lessons in small groups.",
        needs=("ASD",),
    )
    result = search(area, SearchQuery(words="swimming autism"), source=None)
    assert result.services[0] == both
    assert len(result.services) == 2


def test_a_word_found_nowhere_finds_nothing(directory, area):
    assert search(area, SearchQuery(words="xylophone"), source=None).total == 0


def test_stop_words_are_dropped():
    assert stem_words("the speech and the language") == ["speech", "languag"]
    assert stem_words("and the of") == []


def test_stop_words_alone_list_everything(directory, area):
    assert search(area, SearchQuery(words="the and"), source=None).total == len(directory)


def test_a_misspelling_offers_the_corrected_words(directory, area):
    result = search(area, SearchQuery(words="speach"), source=None)
    assert result.corrected_words == "speech"
    assert names(result)[0] == "Speech and Language Therapy Service"


# --- Index ----------------------------------------------------------------------------------------


def test_the_name_weighs_more_than_the_description(directory):
    terms = dict(SearchTerm.objects.filter(service=directory["slt"]).values_list("term", "weight"))
    assert terms["speech"] > terms["assess"]
    assert "the" not in terms


def test_need_words_are_indexed(directory):
    terms = set(
        SearchTerm.objects.filter(service=directory["autism"]).values_list("term", flat=True)
    )
    assert {"autism", "autist"} <= terms


def test_unindex_removes_the_rows_and_reindex_refreshes_the_vocabulary(directory, area):
    assert "swim" in vocabulary(area)[1]
    unindex_service(directory["swim"])
    assert not SearchTerm.objects.filter(service=directory["swim"]).exists()
    assert "swim" not in vocabulary(area)[1]
    index_service(directory["swim"])
    assert "swim" in vocabulary(area)[1]


def test_an_archived_service_is_not_indexed(directory):
    service = directory["camhs"]
    service.archived_at = timezone.now()
    service.save()
    index_service(service)
    assert not SearchTerm.objects.filter(service=service).exists()


# --- Filters --------------------------------------------------------------------------------------

FILTERS = [
    (SearchQuery(categories=("therapies",)), {"slt", "physio"}),
    (SearchQuery(categories=("health",)), {"slt", "physio", "camhs"}),  # sub-categories
    (SearchQuery(categories=("leisure", "short-breaks")), {"swim", "breaks"}),
    (SearchQuery(needs=("ASD",)), {"autism"}),
    (SearchQuery(needs=("PD", "SEMH")), {"physio", "camhs"}),
    (SearchQuery(age=19), {"physio", "autism", "camhs"}),
    (SearchQuery(age=4), {"slt", "physio", "autism", "camhs"}),
    (SearchQuery(free_only=True), {"physio", "autism", "breaks", "camhs"}),
    (SearchQuery(day="MO"), {"slt"}),
    (SearchQuery(day="SA", time=dt.time(11, 0)), {"autism"}),
    (SearchQuery(day="SA", time=dt.time(12, 0)), set()),
    (SearchQuery(time=dt.time(9, 30)), {"slt"}),
    (SearchQuery(words="therapy", needs=("PD",)), {"physio"}),
    (SearchQuery(categories=("therapies",), age=19), {"physio"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_filters(directory, area, query, expected):
    result = search(area, query, source=None)
    assert {s.pk for s in result.services} == {directory[key].pk for key in expected}
    assert result.total == len(expected)


def test_free_means_a_zero_cost_option_or_no_costs_and_no_fees(area):
    zero = public_service(area=area, name="Zero", cost="0")
    nothing = public_service(area=area, name="Nothing said")
    public_service(area=area, name="Priced", cost="2.50")
    public_service(area=area, name="Fees written", fees="£2 a visit")
    both = public_service(area=area, name="Free or paid", cost="4")
    CostOption.objects.create(service=both, amount=0, option="Siblings")
    found = search(area, SearchQuery(free_only=True), source=None)
    assert set(found.services) == {zero, nothing, both}


# --- Distance -------------------------------------------------------------------------------------


def test_a_district_postcode_filters_and_sorts_by_distance(directory, area):
    result = search(area, SearchQuery(postcode="l1", within_miles=5, sort="distance"), source=None)
    assert names(result) == ["Speech and Language Therapy Service"]
    assert result.services[0].distance_miles == pytest.approx(0.0, abs=0.01)


def test_services_without_a_mappable_location_are_left_out_of_a_distance_search(directory, area):
    result = search(area, SearchQuery(postcode="WA7", within_miles=25), source=None)
    # the swimming club has no coordinates but an address postcode in WA7
    assert set(names(result)) == {
        "Children's Physiotherapy",
        "Splash Swimming Club",
        "Speech and Language Therapy Service",
    }
    assert names(result)[-1] == "Speech and Language Therapy Service"


def test_a_postcode_without_a_distance_sorts_everything_nearest_first(directory, area):
    result = search(area, SearchQuery(postcode="WA7 1AB"), source=None)
    assert result.total == len(directory)
    distances = [s.distance_miles for s in result.services]
    assert distances[0] == pytest.approx(0.0, abs=0.01)
    assert distances[-1] is None  # unmappable services come last


@pytest.mark.parametrize("postcode", ["L1 8JQ", "l18jq", " l1  8jq ", "L18JQ"])
def test_full_postcodes_use_the_onspd_row_when_loaded(directory, area, postcode):
    Postcode.objects.create(postcode="L1 8JQ", latitude=WA7[0], longitude=WA7[1])
    result = search(area, SearchQuery(postcode=postcode, within_miles=1), source=None)
    # placed in WA7 by the ONSPD row, not in L1 by its district
    assert set(names(result)) == {"Children's Physiotherapy", "Splash Swimming Club"}


def test_a_full_postcode_not_loaded_falls_back_to_its_district(directory, area):
    result = search(area, SearchQuery(postcode="L1 9ZZ", within_miles=1), source=None)
    assert names(result) == ["Speech and Language Therapy Service"]
    assert result.postcode_problem == ""


@pytest.mark.parametrize(
    ("postcode", "problem"),
    [
        ("ZZ9 9ZZ", "We could not find the postcode ZZ9 9ZZ"),
        ("hello", "Enter a real postcode"),
        ("12345", "Enter a real postcode"),
    ],
)
def test_an_unknown_postcode_says_so_and_does_not_filter(directory, area, postcode, problem):
    result = search(area, SearchQuery(postcode=postcode, within_miles=5), source=None)
    assert problem in result.postcode_problem
    assert result.total == len(directory)


# --- Visibility -----------------------------------------------------------------------------------


def _hide(service: Service, how: str) -> None:
    today = timezone.localdate()
    if how == "draft":
        service.published_revision = None
    elif how == "archived":
        service.archived_at = timezone.now()
    elif how == "scheduled":
        service.publish_from = today + dt.timedelta(days=3)
    elif how == "hidden":
        service.stale_hidden_at = timezone.now()
    elif how == "inactive":
        service.status = ServiceStatus.INACTIVE
    elif how == "defunct":
        service.status = ServiceStatus.DEFUNCT
    service.save()


@pytest.mark.parametrize("how", ["draft", "archived", "scheduled", "hidden", "inactive", "defunct"])
def test_services_the_public_may_not_see_never_appear(area, how):
    visible = public_service(area=area, name="Hidden gem visible")
    hidden = public_service(area=area, name="Hidden gem")
    _hide(hidden, how)  # still in the index: search must not trust it
    for query in (SearchQuery(), SearchQuery(words="hidden gem"), SearchQuery(postcode="L1")):
        result = search(area, query, source=None)
        assert hidden not in result.services
        assert visible in result.services


def test_a_temporarily_closed_service_still_appears(area):
    service = public_service(
        area=area, name="Closed for now", status=ServiceStatus.TEMPORARILY_CLOSED
    )
    assert service in search(area, SearchQuery(words="closed"), source=None).services


def test_a_scheduled_service_appears_on_its_day(area):
    service = public_service(area=area, name="Coming soon")
    _hide(service, "scheduled")
    Service.objects.filter(pk=service.pk).update(publish_from=timezone.localdate())
    assert search(area, SearchQuery(words="coming"), source=None).services == [
        Service.objects.get(pk=service.pk)
    ]


def test_another_areas_services_never_appear(area):
    other = AreaFactory()
    public_service(area=other, name="Elsewhere swimming")
    mine = public_service(area=area, name="Home swimming")
    assert search(area, SearchQuery(words="swimming"), source=None).services == [mine]


# --- Paging and queries ---------------------------------------------------------------------------


def test_pages(area):
    for n in range(25):
        public_service(area=area, name=f"Club {n:02d}", description="A club.")
    first = search(area, SearchQuery(words="club", per_page=10), source=None)
    third = search(area, SearchQuery(words="club", per_page=10, page=3), source=None)
    beyond = search(area, SearchQuery(per_page=10, page=99), source=None)
    assert (first.total, first.pages, len(first.services)) == (25, 3, 10)
    assert (third.page, len(third.services)) == (3, 5)
    assert beyond.page == 3
    browse = search(area, SearchQuery(per_page=10), source=None)
    assert names(browse)[:2] == ["Club 00", "Club 01"]


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(),
        SearchQuery(words="club support"),
        SearchQuery(words="club", postcode="L1", within_miles=10, needs=("ASD",)),
        SearchQuery(categories=("health",), free_only=True, day="MO", time=dt.time(10)),
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_directory(
    area, query, django_assert_max_num_queries
):
    for n in range(30):
        public_service(
            area=area,
            name=f"Club {n}",
            needs=("ASD",),
            categories=("therapies",),
            latitude=L1[0],
            longitude=L1[1],
            cost="0",
            opens=("MO", "09:00", "17:00"),
        )
    vocabulary(area)
    with django_assert_max_num_queries(12):
        result = search(area, query, source="web")
    assert result.total >= 0


# --- Suggestions ----------------------------------------------------------------------------------


def test_no_results_suggests_broader_searches_that_find_something(directory, area):
    result = search(area, SearchQuery(words="speech", free_only=True, day="SU"), source=None)
    assert result.total == 0
    texts = [s.text for s in result.suggestions]
    assert "Include services that charge" not in texts  # still nothing on Sundays
    assert "Remove the day and time filter" not in texts
    result = search(area, SearchQuery(words="speech", free_only=True), source=None)
    assert [(s.text, s.count) for s in result.suggestions] == [("Include services that charge", 1)]


def test_no_results_within_a_distance_suggests_a_wider_one(directory, area):
    result = search(
        area, SearchQuery(words="physiotherapy", postcode="L1", within_miles=5), source=None
    )
    assert result.total == 0
    texts = [s.text for s in result.suggestions]
    assert "Search within 25 miles" in texts
    assert "Search any distance" in texts


def test_no_results_suggests_single_words(directory, area):
    result = search(area, SearchQuery(words="swimming dragons"), source=None)
    assert result.total == 1  # partial matches still count
    result = search(area, SearchQuery(words="swimming", needs=("ASD",)), source=None)
    assert result.total == 0
    assert [s.text for s in result.suggestions] == [
        "Search without your words",
        "Remove the need filter",
    ]


# --- Logging --------------------------------------------------------------------------------------


def test_each_search_is_logged_anonymously_with_the_district_only(directory, area):
    search(
        area,
        SearchQuery(words="speech  therapy", needs=("SLCN",), postcode="l1 8jq", within_miles=5),
    )
    log = SearchLog.objects.get()
    assert log.words == "speech therapy"
    assert log.postcode_district == "L1"
    assert log.filters == {"needs": ["SLCN"], "within_miles": 5}
    assert log.result_count == 1
    assert log.source == "web"
    assert "8JQ" not in str(log.filters) and "8jq" not in log.words


def test_searches_that_find_nothing_are_logged_with_zero(directory, area):
    search(area, SearchQuery(words="hydrotherapy pool", free_only=True, age=7), source="api")
    log = SearchLog.objects.get()
    assert (log.result_count, log.source) == (0, "api")
    assert log.filters == {"free_only": True, "age": 7}


def test_later_pages_and_unlogged_searches_write_nothing(directory, area):
    search(area, SearchQuery(words="speech", page=2))
    search(area, SearchQuery(words="speech"), source=None)
    assert not SearchLog.objects.exists()


# --- Matching words against the vocabulary -------------------------------------------------------

VOCABULARY = (
    "autism",
    "autist",
    "club",
    "clubhous",
    "physiotherapi",
    "physic",
    "speech",
    "speed",
    "spell",
    "therapi",
    "therapist",
)

MATCHES = [
    # (query stem, exact, approximate, corrected)
    ("speech", True, (), ""),  # known: no misspellings of it are added
    ("club", True, ("clubhous",), ""),  # and longer words it starts
    ("physio", False, ("physiotherapi",), ""),  # a prefix is not a misspelling
    ("speach", False, ("speech",), "speech"),  # one edit: only the nearest, not "speed"
    ("autsim", False, ("autism",), "autism"),  # two letters swapped count as one edit
    ("therap", False, ("therapi", "therapist"), ""),  # shortest first
    ("phisio", False, ("physiotherapi",), "physiotherapi"),  # a misspelt start
    ("phisic", False, ("physic",), "physic"),  # a whole word before a start at the same distance
    ("phy", False, (), ""),  # too short to be a prefix or a misspelling
    ("xylophon", False, (), ""),
]


@pytest.mark.parametrize(("stem", "exact", "approximate", "corrected"), MATCHES)
def test_match_word(stem, exact, approximate, corrected):
    words = tuple(sorted(VOCABULARY))
    found = match_word(stem, words, frozenset(words))
    assert (found.exact, found.approximate, found.corrected) == (exact, approximate, corrected)


def test_nearest_spellings_keep_ties():
    words = ("spead", "speed", "speeds")
    found = match_word("spied", words, frozenset(words))
    # one edit from "speed", and from the start of "speeds"; two from "spead"
    assert found.approximate == ("speed", "speeds")
    words = ("bread", "break")
    assert match_word("breal", words, frozenset(words)).approximate == ("bread", "break")


def test_a_prefix_matches_at_most_the_ten_shortest_words():
    words = tuple(sorted(f"club{'x' * n}" for n in range(1, 30)))
    found = match_word("club", words, frozenset(words))
    assert len(found.approximate) == 10
    assert found.approximate[0] == "clubx"


def test_stems_are_the_same_when_remembered():
    assert stem_words("Swimming swims SWIM") == ["swim", "swim", "swim"]
    assert stem_words("Swimming swims SWIM") == ["swim", "swim", "swim"]


# --- Indexing many services at once --------------------------------------------------------------


def _rows(services):
    return {
        (term.service_id, term.term, term.weight)
        for term in SearchTerm.objects.filter(service__in=services)
    }


def test_index_services_writes_the_same_rows_as_index_service(directory, area):
    located = directory["swim"]
    AddressFactory.create(
        location=located.service_at_locations.get().location, city="Runcorn", postal_code="WA7 2AB"
    )
    tag(located, "need-asd", "need")
    tag(located, "therapies", "category")
    archived = directory["camhs"]
    archived.archived_at = timezone.now()
    archived.save()
    services = list(Service.objects.filter(area=area))
    for service in services:
        index_service(service)
    one_by_one = _rows(services)
    SearchTerm.objects.all().delete()
    assert index_services(Service.objects.filter(area=area)) == len(services) - 1
    assert _rows(services) == one_by_one
    assert not SearchTerm.objects.filter(service=archived).exists()
    assert ("runcorn" in {t for _, t, _w in one_by_one}) is True


def test_reindex_area_refreshes_the_vocabulary_and_leaves_other_areas(directory, area):
    other = public_service(area=AreaFactory(), name="Elsewhere zumba")
    assert "swim" in vocabulary(area)[1]
    SearchTerm.objects.filter(service__area=area).delete()
    assert reindex_area(area) == len(directory)
    assert "swim" in vocabulary(area)[1]
    assert SearchTerm.objects.filter(service=other, term="zumba").exists()


# --- Ranking and paging in the database -----------------------------------------------------------


def _all_pages(area, query):
    seen = []
    page = 1
    while True:
        result = search(area, replace(query, page=page, per_page=3), source=None)
        seen += result.services
        if page >= result.pages:
            return seen, result.total
        page += 1


@pytest.fixture
def clubs(area):
    made = []
    for n in range(8):
        made.append(
            public_service(
                area=area,
                name=f"{'Swimming' if n % 2 else 'Youth'} club {n}",
                description="Swimming sessions." if n % 3 == 0 else "A club.",
                needs=("ASD",) if n < 4 else (),
                latitude=L1[0] + n * 0.01,
                longitude=L1[1],
            )
        )
    return made


PAGED = [
    SearchQuery(words="swimming club"),
    SearchQuery(words="club", needs=("ASD",)),
    SearchQuery(),
    SearchQuery(postcode="L1", within_miles=3),
    SearchQuery(postcode="L1", sort="distance"),
    SearchQuery(words="club", postcode="L1", within_miles=3),
    SearchQuery(words="club", postcode="L1"),
]


@pytest.mark.parametrize("query", PAGED)
def test_pages_follow_on_and_match_the_api_order(clubs, area, query):
    services, total = _all_pages(area, query)
    assert len(services) == total == len(set(services))
    assert [s.pk for s in services] == ordered_service_ids(area, query)


def test_relevance_ties_are_broken_by_name_then_id(area):
    made = [public_service(area=area, name=name) for name in ("beta club", "Alpha club")]
    made.append(public_service(area=area, name="Alpha club"))
    found = search(area, SearchQuery(words="club"), source=None).services
    assert [s.name for s in found] == ["Alpha club", "Alpha club", "beta club"]
    assert found[0].pk.hex < found[1].pk.hex


def test_more_words_matched_outranks_a_higher_score(clubs, area):
    found = search(area, SearchQuery(words="swimming club autism"), source=None).services
    # Youth club 0 matches all three words, "swimming" only in its description; Swimming clubs
    # 5 and 7 score more but do not meet autism
    assert [s.name for s in found[:5]] == [
        "Swimming club 1",
        "Swimming club 3",
        "Youth club 0",
        "Swimming club 5",
        "Swimming club 7",
    ]


def test_distances_are_given_for_a_page_ranked_by_relevance(clubs, area):
    result = search(area, SearchQuery(words="club", postcode="L1"), source=None)
    assert all(s.distance_miles is not None for s in result.services)
    miles = {s.name: s.distance_miles for s in result.services}
    assert miles["Youth club 0"] == pytest.approx(0.0, abs=0.01)
    assert miles["Swimming club 1"] == pytest.approx(0.69, abs=0.01)


def test_a_distance_limit_counts_only_services_inside_it(clubs, area):
    # about 0.69 miles between clubs: within 2 miles of L1 are clubs 0 to 2
    result = search(area, SearchQuery(postcode="L1", within_miles=2), source=None)
    assert [s.name for s in result.services] == ["Youth club 0", "Swimming club 1", "Youth club 2"]
    assert result.total == 3


def test_ordered_service_ids_says_when_the_postcode_is_unknown(clubs, area):
    with pytest.raises(PostcodeNotFound, match="ZZ9 9ZZ"):
        ordered_service_ids(area, SearchQuery(postcode="ZZ9 9ZZ"))
    assert not SearchLog.objects.exists()


def _sql_filtered(area, query):
    """The filters written as SQL: the reference the index in memory must agree with."""
    from django.db.models import Q

    from opensend.directory.models import Attribute, Schedule
    from opensend.directory.search import _category_term_ids
    from opensend.directory.taxonomy import term_id

    def tagged(ids):
        return Q(
            pk__in=Attribute.objects.filter(taxonomy_term_id__in=list(ids)).values("service_id")
        )

    services = Service.objects.public().filter(area=area)
    if query.categories:
        services = services.filter(tagged(_category_term_ids(query.categories)))
    if query.needs:
        services = services.filter(tagged(term_id(f"need-{c.lower()}") for c in query.needs))
    if query.age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age),
        )
    if query.free_only:
        zero = CostOption.objects.filter(amount=0).values("service_id")
        any_cost = CostOption.objects.values("service_id")
        services = services.filter(Q(pk__in=zero) | (~Q(pk__in=any_cost) & Q(fees="")))
    if query.day or query.time is not None:
        when = Q()
        if query.day:
            when &= Q(byday__contains=query.day)
        if query.time is not None:
            when &= Q(opens_at__lte=query.time, closes_at__gt=query.time)
        own = Schedule.objects.filter(when, service__isnull=False).values("service_id")
        placed = Schedule.objects.filter(when, service_at_location__isnull=False).values(
            "service_at_location__service_id"
        )
        services = services.filter(Q(pk__in=own) | Q(pk__in=placed))
    return set(services.values_list("name", flat=True))


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(),
        SearchQuery(day="MO"),
        SearchQuery(day="SA", time=dt.time(11, 0), free_only=True),
        SearchQuery(time=dt.time(9, 0)),
        SearchQuery(time=dt.time(17, 0)),
        SearchQuery(categories=("health",), needs=("ASD",), age=7, day="TU"),
        SearchQuery(categories=("therapies",)),
        SearchQuery(needs=("ASD", "SLCN")),
        SearchQuery(age=0),
        SearchQuery(age=18),
        SearchQuery(age=25),
        SearchQuery(free_only=True),
    ],
)
def test_the_filters_in_memory_agree_with_the_same_filters_in_sql(directory, area, query):
    """The index applies the filters in Python; the same filters written as SQL over the
    published rows must find the same services."""
    found = {s.name for s in search(area, replace(query, per_page=100), source=None).services}
    assert found == _sql_filtered(area, query)


def test_ordered_service_ids_takes_a_fixed_number_of_queries(
    clubs, area, django_assert_max_num_queries
):
    vocabulary(area)
    with django_assert_max_num_queries(4):
        found = ordered_service_ids(area, SearchQuery(words="club", postcode="L1", within_miles=3))
    assert len(found) == 5
