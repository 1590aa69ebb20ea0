"""The Local Offer the generator writes for a synthetic area: what is in it, that it is the same
for the same seed, and that its end state is what publishing each service would produce."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.utils import timezone

from opensend.core.tests.factories import AreaFactory
from opensend.directory import geo
from opensend.directory.models import (
    Feedback,
    FeedbackStatus,
    HowToAccess,
    Location,
    Phone,
    RevisionState,
    Schedule2Answer,
    Schedule2Topic,
    SearchLog,
    SearchTerm,
    Service,
    ServiceRevision,
    ServiceStatus,
)
from opensend.directory.oruk.apply import apply_service_document
from opensend.directory.oruk.documents import service_document
from opensend.directory.search import SearchQuery, index_service, search
from opensend.directory.services.feedback import identifying_details
from opensend.directory.tests.factories import public_service
from opensend.synth import generator
from opensend.synth.generator.local_offer import (
    FEEDBACK_THEMES,
    TEMPLATES,
    clear_local_offer,
    local_offer_add_if_missing,
    local_offer_generate,
)
from opensend.synth.profiles import PROFILES

REFERENCE = dt.date(2026, 1, 15)

pytestmark = pytest.mark.django_db


def make(profile="halton", scale=0.02, seed=1, la_code=None, replace=False):
    options = generator.make_options(
        profile=profile, scale=scale, seed=seed, la_code=la_code, on=REFERENCE
    )
    return generator.generate(acting_user=None, options=options, replace=replace)


@contextmanager
def generated(django_db_blocker, **options):
    with django_db_blocker.unblock(), transaction.atomic():
        yield make(**options)
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def halton(django_db_setup, django_db_blocker):
    with generated(django_db_blocker, la_code="996") as result:
        yield result


def public(area):
    return Service.objects.public().filter(area=area)


def digest(area):
    """A hash of the Local Offer's content, independent of database keys and of the moment
    the rows were written."""
    rows = []
    for service in Service.objects.filter(area=area).order_by("name"):
        document = service_document(service)
        document.pop("last_modified", None)
        rows.append(
            [
                document,
                service.publish_from,
                service.reopens_on,
                service.last_checked_at,
                service.stale_hidden_at,
                service.archived_at is not None,
                [
                    (r.number, r.state, r.summary)
                    for r in ServiceRevision.objects.filter(service=service).order_by("number")
                ],
            ]
        )
    rows.append(
        list(
            Feedback.objects.filter(area=area)
            .order_by("reference")
            .values_list("reference", "comment", "status", "published_comment", "received_at")
        )
    )
    rows.append(
        list(
            SearchLog.objects.filter(area=area)
            .order_by("occurred_at", "words")
            .values_list("occurred_at", "words", "postcode_district", "result_count")
        )
    )
    return hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()


# --- what is in it ------------------------------------------------------------------------


def test_every_kind_of_provision_and_every_school_is_there(halton):
    area = halton.area
    names = set(Service.objects.filter(area=area).values_list("name", flat=True))
    for template in TEMPLATES:
        assert any(name.startswith(template.name) for name in names), template.key
    schools = generator.area_organisations(area).filter(home_area=area).exclude(setting_type="")
    for school in schools:
        if school.closed_on is None:
            service = Service.objects.get(area=area, name=school.name)
            assert service.organization.owner == school
            topics = set(
                Schedule2Answer.objects.filter(service=service).values_list("topic", flat=True)
            )
            assert topics == set(Schedule2Topic.values)
    assert halton.rows["directory.Service"] == Service.objects.filter(area=area).count()


def test_names_are_unique_within_the_area(halton):
    names = Counter(Service.objects.filter(area=halton.area).values_list("name", flat=True))
    assert [name for name, n in names.items() if n > 1] == []


def test_phone_numbers_are_in_ofcom_drama_ranges(halton):
    numbers = list(
        Phone.objects.filter(contact__service__area=halton.area).values_list("number", flat=True)
    )
    assert numbers
    drama = re.compile(r"^(01632 960\d{3}|07700 900\d{3})$")
    assert [n for n in numbers if not drama.match(n)] == []


def test_emails_and_web_addresses_are_reserved_domains(halton):
    for service in Service.objects.filter(area=halton.area).select_related("organization"):
        assert service.email.endswith("example.org")
        assert ".example.org/" in service.url
        assert service.organization.website.endswith(".example.org/")


def test_coordinates_are_in_england_near_the_areas_districts(halton):
    districts = PROFILES["halton"].postcode_districts
    centroids = [geo.district_centroid(d) for d in districts]
    locations = Location.objects.filter(area=halton.area).prefetch_related("addresses")
    assert locations
    for location in locations:
        address = location.addresses.get()
        assert geo.normalise_postcode(address.postal_code) == address.postal_code
        assert geo.district_of(address.postal_code) in districts
        if location.latitude is None:
            continue
        assert 49.9 < location.latitude < 55.9
        assert -6.4 < location.longitude < 1.8
        here = geo.Point(location.latitude, location.longitude)
        assert min(geo.miles_between(here, c) for c in centroids if c) < 5


def test_services_have_what_a_parent_needs(halton):
    services = public(halton.area).prefetch_related("contacts__phones", "schedules", "attributes")
    for service in services:
        assert service.description
        assert service.minimum_age is not None and service.maximum_age is not None
        assert service.how_to_access in HowToAccess.values
        if service.how_to_access in (HowToAccess.REFERRAL, HowToAccess.EITHER):
            assert service.referral_by
        assert any(c.phones.all() for c in service.contacts.all())
        assert service.schedules.all()
        link_types = {a.link_type for a in service.attributes.all()}
        assert "category" in link_types


def test_editorial_states_are_all_represented(halton):
    area = halton.area
    now = timezone.now()
    services = Service.objects.filter(area=area)
    closed = public(area).filter(status=ServiceStatus.TEMPORARILY_CLOSED)
    assert closed.exists()
    assert all(s.reopens_on and s.alert for s in closed)
    assert public(area).filter(status=ServiceStatus.ACTIVE).exclude(alert="").exists()
    stale = public(area).filter(last_checked_at__lt=now - dt.timedelta(days=365))
    assert stale.exists()
    assert all(s.stale_notified_at for s in stale)
    hidden = services.filter(stale_hidden_at__isnull=False)
    assert hidden.exists() and not public(area).filter(pk__in=hidden).exists()
    waiting = ServiceRevision.objects.filter(service__area=area, state=RevisionState.SUBMITTED)
    assert waiting.filter(service__published_revision__isnull=False).exists()
    new = services.filter(published_revision__isnull=True)
    assert new.exists()
    assert all(s.revisions.get().state == RevisionState.SUBMITTED for s in new)
    assert services.filter(archived_at__isnull=False).exists()
    assert services.filter(publish_from__gt=timezone.localdate()).exists()
    assert ServiceRevision.objects.filter(
        service__area=area, state=RevisionState.SUPERSEDED
    ).exists()


# --- the end state is what publishing produces ---------------------------------------------


def test_every_public_service_has_its_approved_version_and_index_rows(halton):
    area = halton.area
    for service in public(area):
        revision = service.published_revision
        assert revision.state == RevisionState.APPROVED
        assert (
            ServiceRevision.objects.filter(service=service, state=RevisionState.APPROVED).count()
            == 1
        )
        assert revision.document == service_document(service)
        assert SearchTerm.objects.filter(service=service).exists()


def test_the_index_is_what_index_service_builds(halton):
    area = halton.area
    for service in Service.objects.filter(area=area).order_by("name")[:25]:
        before = sorted(SearchTerm.objects.filter(service=service).values_list("term", "weight"))
        index_service(service)
        after = sorted(SearchTerm.objects.filter(service=service).values_list("term", "weight"))
        assert before == after, service.name
    archived = Service.objects.filter(area=area, archived_at__isnull=False)
    assert not SearchTerm.objects.filter(service__in=archived).exists()


def test_applying_a_published_document_changes_nothing(halton):
    """Publishing the document again through the ORUK applier gives the same rows, so the bulk
    writes match what ``publish_document`` would have written."""
    services = list(public(halton.area).order_by("name"))
    sample = services[::7]
    assert sample
    for service in sample:
        document = service.published_revision.document
        with transaction.atomic():
            apply_service_document(
                area=halton.area, document=document, organization=service.organization
            )
            again = service_document(Service.objects.get(pk=service.pk))
            transaction.set_rollback(True)
        again.pop("last_modified")
        expected = dict(document)
        expected.pop("last_modified")
        assert again == expected, service.name


def test_search_finds_the_generated_services(halton):
    area = halton.area
    result = search(area, SearchQuery(words="speech and language therapy"), source=None)
    assert result.total >= 1
    assert "speech and language" in result.services[0].name.lower()
    result = search(area, SearchQuery(needs=("ASD",), categories=("short-breaks",)), source=None)
    assert result.total >= 1


# --- feedback and search logs ----------------------------------------------------------------


def test_feedback_has_published_answers_grouped_by_theme(halton):
    area = halton.area
    published = Feedback.objects.filter(area=area, status=FeedbackStatus.PUBLISHED)
    assert published.count() >= 10
    themes = {theme.name for f in published for theme in f.themes.all()}
    assert {"Finding information", "Short breaks", "Waiting times", "Transport"} <= themes
    assert themes <= set(FEEDBACK_THEMES)
    for feedback in published:
        assert feedback.response and feedback.action and feedback.published_at
        assert feedback.answered_at <= feedback.published_at
        assert identifying_details(feedback.published_comment) == []
    assert Feedback.objects.filter(area=area, status=FeedbackStatus.NEW).exists()


def test_search_logs_span_months_and_include_searches_that_found_nothing(halton):
    logs = SearchLog.objects.filter(area=halton.area)
    first = logs.order_by("occurred_at").first().occurred_at
    last = logs.order_by("-occurred_at").first().occurred_at
    assert (last - first).days >= 90
    assert logs.filter(result_count=0).exists()
    assert logs.filter(result_count__gt=0).exists()
    districts = set(logs.exclude(postcode_district="").values_list("postcode_district", flat=True))
    assert districts <= set(PROFILES["halton"].postcode_districts)
    for log in logs.filter(result_count=0)[:3]:
        query = SearchQuery(words=log.words)
        if not log.filters:
            assert search(halton.area, query, source=None).total == 0


# --- determinism and refusals ------------------------------------------------------------------


def test_the_same_seed_gives_the_same_local_offer_and_another_seed_another():
    first = make(la_code="995", seed=5)
    before = digest(first.area)
    again = make(la_code="995", seed=5, replace=True)
    assert again.area.pk == first.area.pk
    assert digest(again.area) == before
    other = make(la_code="995", seed=6, replace=True)
    assert digest(other.area) != before


def test_a_real_area_is_refused():
    area = AreaFactory(is_synthetic=False)
    with pytest.raises(ValueError, match="real area"):
        local_offer_generate(acting_user=None, area=area, seed=1, districts=("WA7",))
    with pytest.raises(ValueError, match="real area"):
        clear_local_offer(area)


def test_an_area_that_already_has_services_is_refused():
    area = AreaFactory(is_synthetic=True)
    public_service(area=area, name="Existing service")
    with pytest.raises(ValueError, match="already has a Local Offer"):
        local_offer_generate(acting_user=None, area=area, seed=1, districts=("WA7",))


def test_unknown_districts_are_refused():
    area = AreaFactory(is_synthetic=True)
    with pytest.raises(ValueError, match="district file"):
        local_offer_generate(acting_user=None, area=area, seed=1, districts=("ZZ99",))


def test_a_chosen_number_of_services_is_generated():
    area = AreaFactory(is_synthetic=True)
    rows = local_offer_generate(
        acting_user=None, area=area, seed=3, districts=("WA7", "WA8"), services=120
    )
    assert rows["directory.Service"] == 120
    names = Counter(Service.objects.filter(area=area).values_list("name", flat=True))
    assert max(names.values()) == 1
    clear_local_offer(area)
    assert not Service.objects.filter(area=area).exists()
    assert not SearchLog.objects.filter(area=area).exists()


def test_an_area_generated_before_the_stage_gets_its_local_offer_once(halton):
    area = halton.area
    with transaction.atomic():
        clear_local_offer(area)
        assert not Service.objects.filter(area=area).exists()
        made = local_offer_add_if_missing(area=area, seed=1)
        assert made == Service.objects.filter(area=area).count() > 0
        assert local_offer_add_if_missing(area=area, seed=1) == 0
        transaction.set_rollback(True)
