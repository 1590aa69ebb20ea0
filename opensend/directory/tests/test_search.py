"""The search engine: relevance, typo tolerance, filters, distance, visibility, suggestions and
anonymous logging."""

from __future__ import annotations

import datetime as dt

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
    SearchQuery,
    index_service,
    search,
    stem_words,
    unindex_service,
    vocabulary,
)
from opensend.directory.tests.factories import public_service

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
