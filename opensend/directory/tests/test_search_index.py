"""The search index in memory: one copy per area and process, used while the area's stamp is
unchanged, rebuilt when any process changes the index, never trusted after a rollback; and its
ranking, which must order services exactly as the relevance rules say."""

from __future__ import annotations

from array import array

import pytest
from django.db import transaction
from django.utils import timezone

from opensend.core.tests.factories import AreaFactory
from opensend.directory import search_index
from opensend.directory.models import SearchIndexStamp, SearchTerm
from opensend.directory.search import SearchQuery, index_service, search, unindex_service
from opensend.directory.search_index import AreaIndex, WordTerms, area_index
from opensend.directory.tests.factories import public_service


def names(result):
    return [s.name for s in result.services]


def test_the_copy_is_kept_while_the_stamp_is_unchanged(area):
    public_service(area=area, name="Otter swimming club")
    first = area_index(area.pk)
    assert area_index(area.pk) is first
    assert "otter" in first.known


def test_indexing_a_service_writes_a_new_stamp_and_the_next_search_sees_it(area):
    service = public_service(area=area, name="Otter swimming club")
    before = SearchIndexStamp.objects.get(area=area).stamp
    kept = area_index(area.pk)
    service.name = "Beaver swimming club"
    service.save()
    index_service(service)
    assert SearchIndexStamp.objects.get(area=area).stamp != before
    assert area_index(area.pk) is not kept
    assert names(search(area, SearchQuery(words="beaver"), source=None)) == ["Beaver swimming club"]
    assert search(area, SearchQuery(words="otter"), source=None).total == 0


def test_a_change_made_by_another_process_is_seen_on_the_next_search(area):
    service = public_service(area=area, name="Otter swimming club")
    assert search(area, SearchQuery(words="kayak"), source=None).total == 0
    # another process adds a word and writes a new stamp; this process's copy is stale
    SearchTerm.objects.create(service=service, term="kayak", weight=10.0)
    SearchIndexStamp.objects.filter(area=area).update(stamp="from-elsewhere")
    assert names(search(area, SearchQuery(words="kayak"), source=None)) == ["Otter swimming club"]


def test_a_rolled_back_change_is_never_used(area):
    service = public_service(area=area, name="Otter swimming club")
    area_index(area.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        unindex_service(service)
        assert search(area, SearchQuery(words="otter"), source=None).total == 0
        raise RuntimeError("the edit failed")
    # the old stamp is back, and with it the index that holds the service
    assert names(search(area, SearchQuery(words="otter"), source=None)) == ["Otter swimming club"]


def test_areas_keep_their_own_index(area):
    other = AreaFactory()
    public_service(area=other, name="Elsewhere kayak club")
    public_service(area=area, name="Home otter club")
    assert "kayak" not in area_index(area.pk).known
    assert "otter" not in area_index(other.pk).known


def test_an_area_never_indexed_has_an_empty_index_and_is_not_kept(db):
    empty = AreaFactory()
    search_index._kept.pop(empty.pk, None)  # an earlier test's area may have had this id
    index = area_index(empty.pk)
    assert index.sids == [] and index.words == ()
    assert empty.pk not in search_index._kept


def test_only_a_few_areas_are_kept(db):
    areas = [AreaFactory() for _ in range(search_index.AREAS_KEPT + 2)]
    for each in areas:
        public_service(area=each, name="Club")
        area_index(each.pk)
    assert len(search_index._kept) <= search_index.AREAS_KEPT
    assert areas[-1].pk in search_index._kept
    assert areas[0].pk not in search_index._kept


def test_the_index_reads_in_a_fixed_number_of_queries(area, django_assert_num_queries):
    for n in range(20):
        public_service(area=area, name=f"Club {n}", description="Swimming and kayaks.")
    SearchIndexStamp.objects.filter(area=area).update(stamp="rebuild", changed_at=timezone.now())
    # the stamp, the services, the index rows, the taxonomy's categories and needs, the
    # services' needs and categories, costs, the services' and their places' times, the places
    with django_assert_num_queries(9):
        index = area_index(area.pk)
    assert len(index.sids) == 20


# --- Ranking -------------------------------------------------------------------------------------


def _index(postings: dict[str, list[tuple[int, float]]], names: list[str]) -> AreaIndex:
    return AreaIndex(
        "test",
        [f"{n:032x}" for n in range(len(names))],
        names,
        {
            term: (array("i", [at for at, _ in rows]), array("d", [w for _, w in rows]))
            for term, rows in postings.items()
        },
    )


POSTINGS = {
    "speech": [(0, 10.0), (1, 1.0), (3, 5.0)],
    "therapi": [(0, 10.0), (2, 10.0)],
    "therapist": [(1, 5.0)],
    "autism": [(2, 5.0), (3, 5.0)],
}
NAMES = ["Speech therapy", "Zebra speech club", "Autism therapy", "Autism speech group"]


@pytest.mark.parametrize(
    ("words", "allowed", "excluded", "expected"),
    [
        # one word: score order
        ([WordTerms("speech", ())], None, (), [0, 3, 1]),
        # all words matched come first, whatever the score
        ([WordTerms("speech", ()), WordTerms("autism", ())], None, (), [3, 0, 2, 1]),
        # approximate terms count for less (0.7) than exact ones
        ([WordTerms("therapi", ("therapist",))], None, (), [2, 0, 1]),
        # a word with only approximate matches still counts as matched
        ([WordTerms(None, ("therapist",)), WordTerms("speech", ())], None, (), [1, 0, 3]),
        # equal scores: by name
        ([WordTerms("autism", ())], None, (), [3, 2]),
        # the database's choice: allowed and excluded
        ([WordTerms("speech", ())], {1, 3}, (), [3, 1]),
        ([WordTerms("speech", ())], None, {0}, [3, 1]),
        # unknown words find nothing
        ([WordTerms(None, ("nothing",))], None, (), []),
        ([], None, (), []),
    ],
)
def test_ranking(words, allowed, excluded, expected):
    index = _index(POSTINGS, NAMES)
    ranked = index.rank(words, approximate_factor=0.7, allowed=allowed, excluded=excluded)
    assert [at for at, _matched, _score in ranked] == expected


def test_a_term_exact_for_one_word_counts_in_full_and_once():
    index = _index(POSTINGS, NAMES)
    ranked = index.rank(
        [WordTerms("therapi", ()), WordTerms(None, ("therapi",))], approximate_factor=0.7
    )
    assert ranked[:2] == [(2, 2, 10.0), (0, 2, 10.0)]


@pytest.mark.postgres_only
def test_on_postgresql_a_search_log_does_not_wait_for_the_disk(area):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from opensend.directory.search import log_search

    with CaptureQueriesContext(connection) as context:
        row = log_search(area=area, query=SearchQuery(words="swim"), result_count=3, source="web")
    sql = [query["sql"] for query in context.captured_queries]
    assert "SET LOCAL synchronous_commit TO OFF" in sql
    assert row.pk is not None and row.result_count == 3
