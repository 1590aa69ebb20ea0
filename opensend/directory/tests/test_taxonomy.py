"""The built-in SEND taxonomy: stable identifiers, every facet present, idempotent."""

from __future__ import annotations

import uuid

import pytest

from opensend.core.codes import SENNeed
from opensend.directory.models import Schedule2Topic, Taxonomy, TaxonomyTerm
from opensend.directory.schedule2 import OPTIONS, QUESTIONS, option_label, unknown_options
from opensend.directory.taxonomy import (
    CATEGORIES,
    SEND_TAXONOMY_ID,
    ensure_send_taxonomy,
    term_id,
)

pytestmark = pytest.mark.django_db


def test_term_ids_are_stable_across_deployments():
    # The identifiers other directories rely on: changing them breaks every consumer.
    assert term_id("need-asd") == uuid.uuid5(
        uuid.UUID("6f1f4a52-8c0e-5d0b-9a52-6f70656e7365"), "term:need-asd"
    )
    assert term_id("need-asd") != term_id("need-slcn")


def test_the_taxonomy_exists_after_migrate():
    taxonomy = Taxonomy.objects.get(id=SEND_TAXONOMY_ID)
    assert taxonomy.area is None
    assert taxonomy.terms.filter(facet=TaxonomyTerm.Facet.CATEGORY).count() == len(CATEGORIES) + 1


@pytest.mark.parametrize(
    ("code", "facet", "parent"),
    [
        ("need-asd", TaxonomyTerm.Facet.NEED, "need"),
        ("need-ds", TaxonomyTerm.Facet.NEED, "need"),
        ("therapies", TaxonomyTerm.Facet.CATEGORY, "health"),
        ("health", TaxonomyTerm.Facet.CATEGORY, "category"),
        ("short-breaks", TaxonomyTerm.Facet.CATEGORY, "category"),
        ("changing-places", TaxonomyTerm.Facet.ACCESSIBILITY, "accessibility"),
        ("for-siblings", TaxonomyTerm.Facet.SUITABILITY, "suitability"),
        ("s2-facilities", TaxonomyTerm.Facet.SCHEDULE2, "schedule2"),
        ("s2-facilities-sensory-room", TaxonomyTerm.Facet.SCHEDULE2, "s2-facilities"),
    ],
)
def test_terms_sit_under_their_parents(code, facet, parent):
    term = TaxonomyTerm.objects.get(id=term_id(code))
    assert term.term == code
    assert term.facet == facet
    assert term.parent_id == term_id(parent)


def test_every_census_need_but_nsa_is_a_need_term():
    codes = set(
        TaxonomyTerm.objects.filter(
            facet=TaxonomyTerm.Facet.NEED, parent__isnull=False
        ).values_list("term", flat=True)
    )
    assert codes == {f"need-{n.value.lower()}" for n in SENNeed if n != SENNeed.NSA}


def test_ensuring_twice_changes_nothing_and_restores_edits():
    before = TaxonomyTerm.objects.count()
    TaxonomyTerm.objects.filter(id=term_id("need-asd")).update(name="Changed by hand")
    ensure_send_taxonomy()
    assert TaxonomyTerm.objects.count() == before
    assert TaxonomyTerm.objects.get(id=term_id("need-asd")).name == "Autistic spectrum disorder"


def test_every_schedule2_topic_has_a_question_and_options():
    assert set(QUESTIONS) == set(Schedule2Topic) == set(OPTIONS)
    for options in OPTIONS.values():
        codes = [code for code, _ in options]
        assert len(codes) == len(set(codes)) >= 4


def test_schedule2_option_lookup():
    assert option_label(Schedule2Topic.FACILITIES, "sensory-room") == "A sensory room"
    with pytest.raises(KeyError):
        option_label(Schedule2Topic.FACILITIES, "swimming-pool")
    assert unknown_options(Schedule2Topic.FACILITIES, ["lift", "moat"]) == ["moat"]
