"""The SEN2 pages: the area's page (generate, live checks, figures), a generated return,
downloading it (refused with errors unless confirmed), the problem reports as CSV, the
history, and who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import cast

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from opensend.core.models import AccessAction, AccessLogEntry, Organisation
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, SettingFactory, staff
from opensend.ehc.tests import factories as ehc
from opensend.people import services as people_services
from opensend.people.models import Child, RecordSource
from opensend.people.tests.factories import ChildFactory
from opensend.returns import services
from opensend.returns.models import SEN2Return
from opensend.returns.sen2 import mapping

pytestmark = pytest.mark.django_db

D = dt.date
PAGE = reverse("returns:sen2")
HISTORY = reverse("returns:sen2-history")
LIVE_CSV = reverse("returns:sen2-live-problems")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def make_child(area, **identity) -> Child:
    identity.setdefault("ethnicity", "WBRI")
    identity.setdefault("home_postcode", "HV1 2AB")
    return cast(Child, ChildFactory(area=area, **identity))


def case_2025(area, *, need: str | None = "ASD", **identity) -> Child:
    """A child whose plan was issued in 2025 (the 2026 return), with or without a need."""
    child = make_child(area, **identity)
    setting = cast(Organisation, SettingFactory(home_area=area))
    people_services.placement_start(
        acting_user=None,
        child=child,
        setting=setting,
        start_date=D(2020, 9, 1),
        source=RecordSource.CENSUS,
    )
    if need:
        people_services.need_record(
            acting_user=None,
            child=child,
            code=need,
            rank=1,
            start_date=D(2020, 1, 1),
            source_agency="education",
            source=RecordSource.CENSUS,
        )
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    ehc.final_issued(ehc.draft_issued(request), setting=setting)
    return child


def live_request(area, **identity) -> Child:
    """A child with a request received in the period of the next (live) collection."""
    child = make_child(area, **identity)
    latest = mapping.latest_collection_year(timezone.localdate())
    ehc.received(child, on=D(latest, 1, 5))
    return child


def last_entry() -> AccessLogEntry:
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry is not None
    return entry


def test_the_page_shows_the_live_checks_with_links_to_each_child(signed_in, area, coordinator):
    child = live_request(area, ethnicity="")
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    live_year = mapping.live_collection_year(timezone.localdate())
    assert '<h1 class="govuk-heading-l">SEN2 return</h1>' in page
    assert f"Live checks: the {live_year} return so far" in page
    record = reverse("people:record", args=[child.pk])
    assert f'<a class="govuk-link" href="{record}">{child.forename} {child.surname}</a>' in page
    assert "Ethnicity is missing: record the ethnicity" in page
    assert f'href="{LIVE_CSV}?area={area.pk}"' in page
    assert "Requests received in" in page and "within 20 weeks" in page
    assert "What is checked" in page and "S901" in page
    latest = mapping.latest_collection_year(timezone.localdate())
    assert f'<option value="{latest}" selected>{latest}</option>' in page
    assert '<option value="2023">2023</option>' in page
    entry = last_entry()  # the children whose problems are shown
    assert (entry.action, entry.actor, entry.detail) == (
        AccessAction.SEARCH,
        coordinator,
        {"sen2": f"live checks for {live_year}", "shown": 1},
    )


def test_no_problems_says_so(signed_in, area):
    page = signed_in.get(PAGE).content.decode()
    assert "No problems found." in page
    assert "No active plans." in page


def test_checking_again_sees_a_fix_at_once(signed_in, area):
    child = live_request(area, ethnicity="")
    assert "Ethnicity is missing" in signed_in.get(PAGE).content.decode()
    people_services.child_update(acting_user=None, child=child, ethnicity="WIRI")
    assert "No problems found." in signed_in.get(PAGE).content.decode()
    assert "Check again now" in signed_in.get(f"{PAGE}?area={area.pk}&check=again").content.decode()


def test_generating_needs_the_designated_officers(signed_in, area):
    response = signed_in.post(PAGE, {"area": str(area.pk), "year": "2026"})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_dmo">Select yes if the area has a designated medical officer</a>' in page
    assert '<a href="#id_dco">Select yes if the area has a designated clinical officer</a>' in page
    assert not SEN2Return.objects.exists()
    response = signed_in.post(PAGE, {"area": str(area.pk), "year": "2022", "dmo": "N", "dco": "N"})
    assert response.status_code == 400
    assert "Select a collection year from the list" in response.content.decode()


def test_generate_then_download_a_return_with_errors_only_when_confirmed(
    signed_in, area, coordinator
):
    missing = case_2025(area, need=None)
    response = signed_in.post(PAGE, {"area": str(area.pk), "year": "2026", "dmo": "N", "dco": "Y"})
    record = SEN2Return.objects.get()
    url = reverse("returns:sen2-return", args=[record.pk])
    assert response.status_code == 302 and response["Location"] == url
    page = signed_in.get(url).content.decode()
    assert '<h1 class="govuk-heading-l">SEN2 return 2026</h1>' in page
    assert "This return has 1 error. Correct the records listed below" in page
    assert reverse("people:record", args=[missing.pk]) in page
    assert "The child has an active plan but no primary type of need: record it." in page
    assert "Download with errors" in page

    download = reverse("returns:sen2-download", args=[record.pk])
    exports = AccessLogEntry.objects.filter(action=AccessAction.EXPORT).count()
    response = signed_in.get(download)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#download">This return has 1 error, so it has not been downloaded.' in page
    response = signed_in.post(download, {})
    assert response.status_code == 400
    assert (
        '<a href="#id_confirm">Confirm that you want to download the return with its errors</a>'
        in response.content.decode()
    )
    assert AccessLogEntry.objects.filter(action=AccessAction.EXPORT).count() == exports

    response = signed_in.post(download, {"confirm": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="SEN2_2026_990_001.xml"'
    assert response.content.decode() == record.xml
    entry = last_entry()
    assert (entry.action, entry.actor, entry.detail["with_errors"]) == (
        AccessAction.EXPORT,
        coordinator,
        True,
    )


def test_a_ready_return_downloads_at_once(signed_in, area, coordinator):
    case_2025(area)
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    page = signed_in.get(reverse("returns:sen2-return", args=[record.pk])).content.decode()
    assert "No problems were found. The return is ready to submit" in page
    download = reverse("returns:sen2-download", args=[record.pk])
    assert f'href="{download}"' in page
    response = signed_in.get(download)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.content.decode().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert (last_entry().action, last_entry().detail["export"]) == (AccessAction.EXPORT, "SEN2 XML")


def test_the_problem_reports_download_as_csv(signed_in, area, coordinator):
    child = case_2025(area, need=None, surname="=HYPERLINK(1)")  # not at the start of a cell
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    response = signed_in.get(reverse("returns:sen2-problems", args=[record.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="SEN2_2026_990_001_problems.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["child_id", "person", "rule", "field", "where", "problem", "value"],
        [
            str(child.pk),
            f"{child.forename} =HYPERLINK(1)",
            "S603",
            "SENneed",
            "Request received 6 January 2025: active plan",
            "The child has an active plan but no primary type of need: record it.",
            "",
        ],
    ]
    assert last_entry().detail == {"export": "SEN2 problem report", "rows": 1}

    live_request(area, ethnicity="")
    response = signed_in.get(f"{LIVE_CSV}?area={area.pk}")
    assert response.status_code == 200
    live_year = mapping.live_collection_year(timezone.localdate())
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="SEN2_{live_year}_990_live_problems.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert sorted(row[2:4] for row in rows[1:]) == [["S101", "Ethnicity"], ["S603", "SENneed"]]
    assert last_entry().detail["export"] == "SEN2 live problem report"


def test_a_cell_that_would_be_a_formula_is_made_text(signed_in, area, coordinator):
    case_2025(area, need=None, forename="=SUM(A1)")
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    response = signed_in.get(reverse("returns:sen2-problems", args=[record.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=SUM(A1) ")


def test_the_history_lists_the_areas_returns_and_hides_others(signed_in, area, coordinator):
    mine = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    elsewhere = AreaFactory(name="Other Borough")
    theirs = services.sen2_generate(acting_user=None, area=elsewhere, year=2026)
    page = signed_in.get(HISTORY).content.decode()
    assert "Past SEN2 returns, newest first" in page
    assert reverse("returns:sen2-return", args=[mine.pk]) in page
    assert reverse("returns:sen2-return", args=[theirs.pk]) not in page
    for name in ("sen2-return", "sen2-download", "sen2-problems"):
        assert signed_in.get(reverse(f"returns:{name}", args=[theirs.pk])).status_code == 404
    assert (
        signed_in.post(
            reverse("returns:sen2-download", args=[theirs.pk]), {"confirm": "1"}
        ).status_code
        == 404
    )
    area_page = signed_in.get(PAGE).content.decode()
    assert reverse("returns:sen2-return", args=[mine.pk]) in area_page


def test_the_history_says_when_there_is_nothing_yet(signed_in):
    assert (
        "No SEN2 return has been generated for your areas yet."
        in signed_in.get(HISTORY).content.decode()
    )


def test_a_user_of_two_areas_chooses_the_area(client, area, local_authority):
    other = AreaFactory(name="Sefton Moss")
    council = OrganisationFactory(name="Joint SEND Service", home_area=area, areas=[area, other])
    client.force_login(staff(Role.SEND_MANAGER, council))
    page = client.get(PAGE).content.decode()
    assert '<select class="govuk-select" id="choose-area" name="area">' in page
    assert f'<input type="hidden" name="area" value="{area.pk}">' in page  # the first by name
    page = client.get(f"{PAGE}?area={other.pk}").content.decode()
    assert '<span class="govuk-caption-l">Sefton Moss</span>' in page
    assert f'<input type="hidden" name="area" value="{other.pk}">' in page
    response = client.post(PAGE, {"area": str(other.pk), "year": "2026", "dmo": "Y", "dco": "Y"})
    assert SEN2Return.objects.get().area == other
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.SENCO, Role.HEALTH_PRACTITIONER, Role.COMMISSIONER])
def test_other_roles_are_refused_every_page(client, area, local_authority, coordinator, role):
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    organisation = {
        Role.SENCO: SettingFactory(home_area=area),
        Role.HEALTH_PRACTITIONER: OrganisationFactory(
            home_area=area, kind=OrganisationKind.NHS_TRUST
        ),
        Role.COMMISSIONER: local_authority,
    }[role]
    client.force_login(staff(role, organisation))
    for url in (
        PAGE,
        HISTORY,
        LIVE_CSV,
        reverse("returns:sen2-return", args=[record.pk]),
        reverse("returns:sen2-download", args=[record.pk]),
        reverse("returns:sen2-problems", args=[record.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "EHC coordinator or SEND manager" in response.content.decode()
    response = client.post(PAGE, {"area": str(area.pk), "year": "2026", "dmo": "N", "dco": "N"})
    assert response.status_code == 403
    assert (
        client.post(
            reverse("returns:sen2-download", args=[record.pk]), {"confirm": "1"}
        ).status_code
        == 403
    )
    assert SEN2Return.objects.count() == 1


def test_signing_in_is_required(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:sign-in"))
