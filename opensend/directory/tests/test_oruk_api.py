"""The public ORUK API: every endpoint's response validated against the profile's schemas
(through the OpenAPI description, with its remote ``$ref``s mapped to the shipped files), the
query parameters, errors, CORS and what the public may see."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from opensend.core.tests.factories import AreaFactory
from opensend.directory.models import SearchLog, Service, ServiceAtLocation, ServiceStatus
from opensend.directory.oruk.validate import response_validator, validator
from opensend.directory.taxonomy import SEND_TAXONOMY_ID, term_id
from opensend.directory.tests.factories import (
    LocationFactory,
    ServiceFactory,
    public_service,
)

pytestmark = pytest.mark.django_db

BASE = "/local-offer/990/oruk"


def errors(api_path, data):
    return [
        f"{list(e.absolute_path)}: {e.message}"
        for e in response_validator(api_path).iter_errors(data)
    ]


def valid(api_path, data):
    problems = errors(api_path, data)
    assert problems == [], problems
    return data


@pytest.fixture
def directory(area):
    """A small Local Offer: three public services and one the public cannot see."""
    speech = public_service(
        area=area,
        name="Chatterbox Speech Drop-in",
        description="Speech and language therapy advice for parents.",
        minimum_age=0,
        maximum_age=5,
        needs=("SLCN",),
        categories=("therapies",),
        postcode="L1 8JQ",
        latitude=53.4046,
        longitude=-2.9800,
        opens=("TU", "09:30", "11:30"),
        cost="0",
    )
    swim = public_service(
        area=area,
        name="Splash Inclusive Swimming",
        description="Swimming sessions for disabled children.",
        minimum_age=5,
        maximum_age=16,
        needs=("PD",),
        categories=("leisure",),
        postcode="WA7 1AB",
        latitude=53.3420,
        longitude=-2.7300,
        opens=("SA", "10:00", "12:00"),
    )
    advice = public_service(
        area=area,
        name="Halford Vale SENDIASS",
        description="Impartial advice about SEND for parents and young people.",
        categories=("advice-and-support",),
        minimum_age=0,
        maximum_age=25,
    )
    hidden = ServiceFactory(area=area, name="Unpublished Speech Group")
    return {"speech": speech, "swim": swim, "advice": advice, "hidden": hidden}


def get(client, path, **params):
    return client.get(f"{BASE}{path}", params)


def test_the_root_names_the_version_profile_and_openapi(client, area):
    response = get(client, "/")
    assert response.status_code == 200
    body = valid("/", response.json())
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("/local-offer/990/oruk/openapi.json")
    openapi = client.get(body["openapi_url"])
    assert openapi.status_code == 200 and openapi.json()["openapi"].startswith("3")


def test_services_is_a_valid_page_of_public_services_only(client, directory):
    response = get(client, "/services")
    assert response.status_code == 200
    body = valid("/services", response.json())
    names = [s["name"] for s in body["contents"]]
    assert names == [
        "Chatterbox Speech Drop-in",
        "Halford Vale SENDIASS",
        "Splash Inclusive Swimming",
    ]
    assert body["total_items"] == 3 and body["total_pages"] == 1 and body["size"] == 3
    assert body["first_page"] and body["last_page"] and not body["empty"]
    assert "schedules" not in body["contents"][0]  # the list carries one-to-one fields only


def test_a_service_is_the_full_valid_document(client, directory):
    service = directory["speech"]
    body = valid("/services/{id}", get(client, f"/services/{service.id}").json())
    assert body["id"] == str(service.id)
    assert body["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "L1 8JQ"
    assert body["opensend"]["schedule2"] == {}
    assert validator("compiled/service.json").is_valid(body)


@pytest.mark.parametrize(
    "make_id",
    [
        lambda d: d["hidden"].id,  # not published
        lambda d: uuid.UUID(int=5),  # unknown
        lambda d: "not-a-uuid",
    ],
)
def test_unknown_or_non_public_services_are_404_json(client, directory, make_id):
    response = get(client, f"/services/{make_id(directory)}")
    assert response.status_code == 404
    assert response.json()["error"] == "not found"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_archived_closed_and_other_areas_services_are_not_public(client, directory):
    directory["swim"].archived_at = timezone.now()
    directory["swim"].save()
    directory["advice"].status = ServiceStatus.DEFUNCT
    directory["advice"].save()
    other = AreaFactory(la_code="991", ons_code="E06000991")
    elsewhere = public_service(area=other, name="Elsewhere Club")
    names = [s["name"] for s in get(client, "/services").json()["contents"]]
    assert names == ["Chatterbox Speech Drop-in"]
    assert get(client, f"/services/{elsewhere.id}").status_code == 404
    assert client.get(f"/local-offer/991/oruk/services/{elsewhere.id}").status_code == 200


def test_unknown_area_is_404_json(client, area):
    response = client.get("/local-offer/999/oruk/services")
    assert response.status_code == 404
    assert "999" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "swimming"}, ["Splash Inclusive Swimming"]),
        ({"taxonomy_term_id": str(term_id("need-slcn"))}, ["Chatterbox Speech Drop-in"]),
        ({"taxonomy_term_id": str(term_id("health"))}, ["Chatterbox Speech Drop-in"]),  # child
        (
            {"taxonomy_id": str(SEND_TAXONOMY_ID)},
            ["Chatterbox Speech Drop-in", "Halford Vale SENDIASS", "Splash Inclusive Swimming"],
        ),
        ({"taxonomy_id": str(uuid.UUID(int=3))}, []),
        ({"minimum_age": "5"}, ["Splash Inclusive Swimming"]),
        ({"maximum_age": "5"}, ["Chatterbox Speech Drop-in"]),
        ({"day": "SA"}, ["Splash Inclusive Swimming"]),
        ({"day": "saturday"}, ["Splash Inclusive Swimming"]),
        (
            {"start_time": "09:00", "end_time": "12:00"},
            ["Chatterbox Speech Drop-in", "Splash Inclusive Swimming"],
        ),
        ({"start_time": "10:00"}, ["Splash Inclusive Swimming"]),
        ({"day": "TU", "end_time": "11:30:00"}, ["Chatterbox Speech Drop-in"]),
        (
            {"postcode": "L1 8JQ"},
            ["Chatterbox Speech Drop-in", "Splash Inclusive Swimming", "Halford Vale SENDIASS"],
        ),
        ({"postcode": "L1 8JQ", "proximity": "2000"}, ["Chatterbox Speech Drop-in"]),
        (
            {"modified_after": "2000-01-01"},
            ["Chatterbox Speech Drop-in", "Halford Vale SENDIASS", "Splash Inclusive Swimming"],
        ),
        ({"modified_after": "2999-01-01T00:00:00Z"}, []),
    ],
)
def test_services_filters(client, directory, params, expected):
    body = valid("/services", get(client, "/services", **params).json())
    assert [s["name"] for s in body["contents"]] == expected
    assert body["total_items"] == len(expected)
    assert body["empty"] == (not expected)


@pytest.mark.parametrize(
    ("params", "site_query"),
    [
        ({"search": "speach"}, {"words": "speach"}),  # a typo, forgiven as the site does
        ({"search": "swimming children"}, {"words": "swimming children"}),
        ({"postcode": "WA7 1AB"}, {"postcode": "WA7 1AB", "sort": "distance"}),
        ({"day": "TU"}, {"day": "TU"}),
    ],
)
def test_the_api_and_the_site_search_agree(client, directory, area, params, site_query):
    from opensend.directory.search import SearchQuery, search

    site = search(area, SearchQuery(**site_query), source=None)
    body = get(client, "/services", **params).json()
    assert [s["id"] for s in body["contents"]] == [str(s.id) for s in site.services]
    assert body["total_items"] == site.total
    if params.get("search") == "speach":
        assert body["contents"][0]["name"] == "Chatterbox Speech Drop-in"


def test_organization_id_filters(client, directory):
    org = directory["swim"].organization_id
    body = get(client, "/services", organization_id=str(org)).json()
    assert [s["name"] for s in body["contents"]] == ["Splash Inclusive Swimming"]


def test_paging_and_the_per_page_cap(client, directory):
    first = valid("/services", get(client, "/services", per_page="2").json())
    assert first["size"] == 2 and first["total_pages"] == 2 and not first["last_page"]
    second = valid("/services", get(client, "/services", per_page="2", page="2").json())
    assert second["size"] == 1 and second["last_page"] and not second["first_page"]
    assert second["page_number"] == 2
    beyond = valid("/services", get(client, "/services", page="9").json())
    assert beyond["contents"] == [] and beyond["last_page"] and not beyond["empty"]
    capped = get(client, "/services", per_page="100000").json()
    assert capped["size"] == 3 and capped["total_pages"] == 1


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"per_page": "-1"}, "per_page"),
        ({"taxonomy_term_id": "need-asd"}, "taxonomy_term_id"),
        ({"taxonomy_id": "x"}, "taxonomy_id"),
        ({"organization_id": "x"}, "organization_id"),
        ({"minimum_age": "young"}, "minimum_age"),
        ({"maximum_age": "1.5"}, "maximum_age"),
        ({"start_time": "9am"}, "start_time"),
        ({"end_time": "25:00"}, "end_time"),
        ({"day": "someday"}, "day"),
        ({"postcode": "NOT A POSTCODE"}, "postcode"),
        ({"postcode": "ZZ99 9ZZ"}, "postcode"),
        ({"proximity": "1000"}, "proximity"),
        ({"postcode": "L1 8JQ", "proximity": "near"}, "proximity"),
        ({"postcode": "L1 8JQ", "proximity": "-5"}, "proximity"),
        ({"modified_after": "last week"}, "modified_after"),
    ],
)
def test_a_bad_parameter_is_400_json_naming_it(client, directory, params, parameter):
    for endpoint in ("/services", "/service_at_locations"):
        response = get(client, endpoint, **params)
        assert response.status_code == 400, (endpoint, params)
        body = response.json()
        assert body["parameter"] == parameter
        assert body["detail"]
        assert response["Access-Control-Allow-Origin"] == "*"


def test_service_at_locations_is_a_valid_page(client, directory):
    body = valid("/service_at_locations", get(client, "/service_at_locations").json())
    assert [c["service"]["name"] for c in body["contents"]] == [
        "Chatterbox Speech Drop-in",
        "Splash Inclusive Swimming",
    ]
    assert body["contents"][0]["location"]["latitude"] == pytest.approx(53.4046)


def test_service_at_locations_by_postcode_and_proximity_in_metres(client, directory):
    near = get(client, "/service_at_locations", postcode="WA7 1AB").json()
    assert [c["service"]["name"] for c in near["contents"]] == [
        "Splash Inclusive Swimming",
        "Chatterbox Speech Drop-in",
    ]
    within = valid(
        "/service_at_locations",
        get(client, "/service_at_locations", postcode="WA7 1AB", proximity="5000").json(),
    )
    assert [c["service"]["name"] for c in within["contents"]] == ["Splash Inclusive Swimming"]
    assert within["total_items"] == 1


def test_a_location_without_coordinates_is_placed_by_its_postcode(client, area):
    service = public_service(area=area, name="Postcode Only Club", postcode="WA7 1AB")
    location = service.service_at_locations.get().location
    assert location.latitude is None
    body = get(client, "/service_at_locations", postcode="WA7 1AB", proximity="3000").json()
    assert [c["service"]["name"] for c in body["contents"]] == ["Postcode Only Club"]


def test_a_service_at_location_is_the_full_valid_document(client, directory):
    sal = directory["speech"].service_at_locations.get()
    response = get(client, f"/service_at_locations/{sal.id}")
    assert response.status_code == 200
    body = response.json()
    # The profile's OpenAPI names compiled/service.json here; the record is a
    # service_at_location, so it is checked against compiled/service_at_location.json.
    problems = list(validator("compiled/service_at_location.json").iter_errors(body))
    assert problems == []
    assert body["service"]["id"] == str(directory["speech"].id)
    assert body["location"]["addresses"][0]["postal_code"] == "L1 8JQ"


def test_a_service_at_location_of_a_hidden_service_is_404(client, directory, area):
    location = LocationFactory(area=area)
    sal = ServiceAtLocation.objects.create(service=directory["hidden"], location=location)
    assert get(client, f"/service_at_locations/{sal.id}").status_code == 404
    assert get(client, "/service_at_locations/nonsense").status_code == 404


def test_taxonomies_and_their_terms(client, directory):
    body = valid("/taxonomies", get(client, "/taxonomies").json())
    assert [t["id"] for t in body["contents"]] == [str(SEND_TAXONOMY_ID)]
    detail = valid("/taxonomies/{id}", get(client, f"/taxonomies/{SEND_TAXONOMY_ID}").json())
    assert any(t["term"] == "need-asd" for t in detail["taxonomy_terms"])
    assert get(client, f"/taxonomies/{uuid.UUID(int=1)}").status_code == 404


def test_taxonomy_terms_page_and_detail(client, directory):
    body = valid("/taxonomy_terms", get(client, "/taxonomy_terms", per_page="10").json())
    assert body["size"] == 10 and body["total_items"] > 50
    term = valid(
        "/taxonomy_terms/{id}", get(client, f"/taxonomy_terms/{term_id('need-asd')}").json()
    )
    assert term["taxonomy_id"] == str(SEND_TAXONOMY_ID) and term["term"] == "need-asd"
    by_taxonomy = get(client, "/taxonomy_terms", taxonomy_id=str(uuid.UUID(int=3))).json()
    assert by_taxonomy["empty"] and by_taxonomy["total_items"] == 0
    assert get(client, "/taxonomy_terms/xyz").status_code == 404


def test_other_areas_taxonomies_are_not_listed(client, area):
    from opensend.directory.models import Taxonomy

    other = AreaFactory(la_code="991", ons_code="E06000991")
    theirs = Taxonomy.objects.create(area=other, name="Theirs", description="Theirs.")
    ours = Taxonomy.objects.create(area=area, name="Ours", description="Ours.")
    ids = [t["id"] for t in get(client, "/taxonomies").json()["contents"]]
    assert str(ours.id) in ids and str(theirs.id) not in ids
    assert get(client, f"/taxonomies/{theirs.id}").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_is_allowed(client, directory, method):
    response = getattr(client, method)(f"{BASE}/services")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Service.objects.count() == 4


def test_options_answers_the_cors_preflight(client, area):
    response = client.options(f"{BASE}/services", HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_every_response_is_cors_open_and_needs_no_sign_in(client, directory):
    for path in ("/", "/services", "/service_at_locations", "/taxonomies", "/taxonomy_terms"):
        response = get(client, path)
        assert response.status_code == 200, path
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Content-Type"].startswith("application/json")


def test_trailing_slashes_are_accepted(client, directory):
    assert get(client, "/services/").status_code == 200
    assert get(client, f"/services/{directory['speech'].id}/").status_code == 200


def test_searches_are_logged_as_api_searches_first_page_only(client, directory):
    get(client, "/services", search="swimming", postcode="L1 8JQ")
    get(client, "/services", search="swimming", page="2")
    log = SearchLog.objects.get()
    assert log.source == "api" and log.words == "swimming"
    assert log.postcode_district == "L1" and log.result_count == 1


def test_a_list_costs_a_bounded_number_of_queries(client, area, django_assert_max_num_queries):
    for n in range(12):
        public_service(
            area=area, name=f"Club {n:02}", postcode="L1 8JQ", latitude=53.4, longitude=-2.9
        )
    with django_assert_max_num_queries(20):
        assert get(client, "/services", per_page="12").json()["size"] == 12
    with django_assert_max_num_queries(20):
        assert (
            get(client, "/service_at_locations", per_page="12", postcode="L1 8JQ").json()["size"]
            == 12
        )


def test_a_service_detail_costs_a_bounded_number_of_queries(
    client, directory, django_assert_max_num_queries
):
    with django_assert_max_num_queries(25):
        assert get(client, f"/services/{directory['speech'].id}").status_code == 200


def test_dates_in_documents(client, directory):
    service = directory["speech"]
    service.assured_date = dt.date(2026, 2, 1)
    service.save()
    body = get(client, f"/services/{service.id}").json()
    assert body["assured_date"] == "2026-02-01"
    assert dt.datetime.fromisoformat(body["last_modified"]).tzinfo is not None


def test_the_synthetic_local_offer_is_valid_through_the_api(client):
    """Every public service of a generated area, listed and in full, against the schemas."""
    from opensend.synth import generator

    options = generator.make_options(
        profile="halton", scale=0.02, seed=3, la_code="996", on=dt.date(2026, 1, 15)
    )
    generator.generate(acting_user=None, options=options, replace=False)
    base = "/local-offer/996/oruk"
    listing = valid("/services", client.get(f"{base}/services", {"per_page": 100}).json())
    assert listing["total_items"] > 10
    for item in listing["contents"]:
        valid("/services/{id}", client.get(f"{base}/services/{item['id']}").json())
    sals = valid(
        "/service_at_locations", client.get(f"{base}/service_at_locations", {"per_page": 5}).json()
    )
    for item in sals["contents"]:
        full = client.get(f"{base}/service_at_locations/{item['id']}").json()
        assert list(validator("compiled/service_at_location.json").iter_errors(full)) == []
