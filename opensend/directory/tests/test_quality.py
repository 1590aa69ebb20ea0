"""Data quality: completeness of what parents need, staleness and unmappable services, and the
staff services list's filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from opensend.directory import quality
from opensend.directory.models import Service
from opensend.directory.services import editing
from opensend.directory.tests.factories import public_service
from opensend.directory.tests.test_editing import officer_of, provider_setup, save

pytestmark = pytest.mark.django_db


def _by_key(report):
    return {field.key: field for field in report.fields}


def test_completeness_counts_and_lists_what_is_missing(area):
    _user, organization = provider_setup(area)
    full = public_service(
        area=area,
        organization=organization,
        name="Full",
        needs=("ASD",),
        postcode="L1 8JQ",
        latitude=53.4,
        longitude=-2.9,
        phone="01632 960002",
        cost="0",
        opens=("MO", "09:00", "17:00"),
        how_to_access="self",
        minimum_age=0,
        maximum_age=18,
    )
    bare = public_service(area=area, organization=organization, name="Bare", description="")
    public_service(area=area, organization=organization, name="Archived").delete()
    report = quality.data_quality(area)
    assert report.total == 2
    fields = _by_key(report)
    for key in (
        "contact",
        "how_to_access",
        "times",
        "cost",
        "location",
        "needs",
        "ages",
        "description",
    ):
        assert fields[key].have == 1, key
        assert fields[key].percent == 50
        assert fields[key].missing == [bare], key
    assert full not in fields["contact"].missing


def test_contact_by_service_email_counts(area):
    _user, organization = provider_setup(area)
    public_service(area=area, organization=organization, email="hello@example.org")
    assert _by_key(quality.data_quality(area))["contact"].have == 1


def test_staleness_due_overdue_hidden(area):
    _user, organization = provider_setup(area)
    fresh = public_service(area=area, organization=organization, name="Fresh")
    due = public_service(area=area, organization=organization, name="Due")
    overdue = public_service(area=area, organization=organization, name="Overdue")
    hidden = public_service(area=area, organization=organization, name="Hidden")
    now = timezone.now()
    Service.objects.filter(pk=due.pk).update(last_checked_at=now - dt.timedelta(days=400))
    Service.objects.filter(pk=overdue.pk).update(last_checked_at=now - dt.timedelta(days=500))
    Service.objects.filter(pk=hidden.pk).update(stale_hidden_at=now)
    report = quality.data_quality(area)
    assert (report.due, report.overdue, report.hidden) == (2, 1, 1)
    assert report.due_services == [overdue, due]
    assert fresh not in report.due_services
    assert set(quality.due_for_review(area)) == {due, overdue}


def test_unmappable_services(area):
    _user, organization = provider_setup(area)
    mapped = public_service(area=area, organization=organization, latitude=53.4, longitude=-2.9)
    by_postcode = public_service(area=area, organization=organization, postcode="WA7 1AB")
    bad_postcode = public_service(area=area, organization=organization, postcode="ZZ9 9ZZ")
    nowhere = public_service(area=area, organization=organization)
    unmappable = quality.unmappable_services(area)
    assert set(unmappable) == {bad_postcode, nowhere}
    assert mapped not in unmappable and by_postcode not in unmappable


def test_the_services_list_filters_and_scope(area, local_authority):
    user, organization = provider_setup(area)
    other_user, other_org = provider_setup(area, name="Other")
    officer = officer_of(local_authority)
    mine = public_service(area=area, organization=organization, name="Mine")
    theirs = public_service(area=area, organization=other_org, name="Theirs")
    draft = save(user, mine, description="draft")
    assert list(quality.service_list(fetched_by=user, area=area)) == [mine]
    assert set(quality.service_list(fetched_by=officer, area=area)) == {mine, theirs}
    assert list(quality.service_list(fetched_by=user, area=area, show="drafts")) == [mine]
    assert list(quality.service_list(fetched_by=user, area=area, show="mine")) == [mine]
    assert list(quality.service_list(fetched_by=officer, area=area, show="mine")) == []
    assert list(quality.service_list(fetched_by=user, area=area, show="waiting")) == []
    editing.revision_submit(acting_user=user, revision=draft)
    waiting = list(quality.service_list(fetched_by=officer, area=area, show="waiting"))
    assert waiting == [mine]
    assert waiting[0].waiting
    editing.service_archive(acting_user=officer, service=theirs)
    assert list(quality.service_list(fetched_by=officer, area=area, show="archived")) == [theirs]
    assert theirs not in quality.service_list(fetched_by=officer, area=area)
    assert list(quality.service_list(fetched_by=other_user, area=area)) == []
