"""`opensend local-offer-reindex` rebuilds the search index from the public rows."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from opensend.directory.models import SearchTerm
from opensend.directory.search import SearchQuery, search
from opensend.directory.tests.factories import public_service

pytestmark = pytest.mark.django_db


def test_reindexing_restores_a_lost_index(area):
    service = public_service(area=area, name="Splash Club", description="Swimming for all.")
    SearchTerm.objects.all().delete()
    assert search(area, SearchQuery(words="swimming"), source=None).total == 0
    out = io.StringIO()
    call_command("local_offer_reindex", "--area", area.la_code, stdout=out)
    assert "Halford Vale: 1 public services indexed." in out.getvalue()
    found = search(area, SearchQuery(words="swimming"), source=None)
    assert [s.pk for s in found.services] == [service.pk]


def test_an_unknown_area_is_refused(area):
    with pytest.raises(CommandError, match="no area with the LA code 123"):
        call_command("local_offer_reindex", "--area", "123")
