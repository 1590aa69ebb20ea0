"""The children endpoints: the access policy as a matrix through the API, search semantics and
pagination, the record and timeline, what each request writes to the access log, and the
number of queries each takes."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from opensend.api.tests.conftest import MANUAL, SINCE, TokenClient, last_entry, token_for
from opensend.core.models import AccessAction, AccessLogEntry, AccessLogSubject
from opensend.core.tests.factories import OrganisationFactory, SettingFactory
from opensend.people import services as people
from opensend.people.tests.factories import ChildFactory

SEARCH = "/api/v1/children"


def record_url(child):
    return f"/api/v1/children/{child.pk}"


def _subjects(entry):
    return set(AccessLogSubject.objects.filter(entry=entry).values_list("subject_id", flat=True))


# who -> the children they may see, of pupil (on roll at the school, parent signs in),
# neighbour (same area, another school) and elsewhere (another area)
MATRIX = {
    "coordinator": {"pupil", "neighbour"},
    "other_coordinator": {"elsewhere"},
    "senco": {"pupil"},
    "parent": {"pupil"},
    "analyst": set(),
}
CHILDREN = ("pupil", "neighbour", "elsewhere")


@pytest.mark.django_db
class TestAccessPolicyMatrix:
    @pytest.mark.parametrize("who", sorted(MATRIX))
    def test_search_finds_exactly_the_children_they_may_see(self, world, as_user, who):
        response = as_user(getattr(world, who)).get(SEARCH, q="testchild")
        assert response.status_code == 200
        found = {item["id"] for item in response.json()["items"]}
        assert found == {getattr(world, name).pk for name in MATRIX[who]}
        assert response.json()["total"] == len(MATRIX[who])

    @pytest.mark.parametrize("who", sorted(MATRIX))
    @pytest.mark.parametrize("name", CHILDREN)
    def test_record_is_shown_or_refused_and_logged(self, world, as_user, who, name):
        user = getattr(world, who)
        child = getattr(world, name)
        client = as_user(user)
        for url in (record_url(child), f"{record_url(child)}/timeline"):
            response = client.get(url)
            entry = last_entry()
            assert entry.actor == user
            assert (entry.object_type, entry.object_id) == ("people.child", str(child.pk))
            assert _subjects(entry) == {str(child.pk)}
            via = entry.detail["via"]
            assert via.startswith("api token ")
            assert client.secret.startswith(via.removeprefix("api token "))
            if name in MATRIX[who]:
                assert response.status_code == 200
                assert entry.action == AccessAction.VIEW
                assert entry.purpose
            else:
                assert response.status_code == 403
                assert response.json() == {
                    "detail": "You do not have a legitimate relationship with this child.",
                    "code": "no_legitimate_relationship",
                }
                assert entry.action == AccessAction.REFUSED

    def test_the_basis_is_given_and_logged(self, world, as_user):
        for who, basis, purpose in (
            ("coordinator", "la_area", "Local authority SEND officer for the child's area"),
            ("senco", "on_roll", "SENCO at the setting where the child is on roll"),
            ("parent", "parental_responsibility", "Parent carer with parental responsibility"),
        ):
            body = as_user(getattr(world, who)).get(record_url(world.pupil)).json()
            assert body["access"] == {"basis": basis, "purpose": purpose}
            assert last_entry().purpose == purpose

    def test_the_log_entry_carries_the_request_id_and_address(self, world, as_user):
        response = as_user(world.coordinator).get(record_url(world.pupil))
        entry = last_entry()
        assert entry.request_id == response["X-Request-ID"]
        assert entry.ip_address == "127.0.0.1"

    def test_a_senco_loses_a_pupil_who_leaves(self, world, as_user):
        client = as_user(world.senco)
        assert client.get(record_url(world.pupil)).status_code == 200
        placement = world.pupil.placements.get()
        people.placement_end(
            acting_user=None, placement=placement, end_date=dt.date.today() - dt.timedelta(days=1)
        )
        assert client.get(record_url(world.pupil)).status_code == 403
        assert client.get(SEARCH, q="amira").json()["total"] == 0


@pytest.mark.django_db
class TestSearch:
    def test_a_result_has_the_summary_fields(self, world, as_user):
        people.sen_status_set(
            acting_user=None, child=world.pupil, status="E", start_date=SINCE, source=MANUAL
        )
        people.need_record(
            acting_user=None,
            child=world.pupil,
            code="ASD",
            rank=1,
            start_date=SINCE,
            source_agency="health",
            source=MANUAL,
        )
        response = as_user(world.coordinator).get(SEARCH, q="amira")
        assert response.json() == {
            "query": "amira",
            "page": 1,
            "page_size": 25,
            "pages": 1,
            "total": 1,
            "items": [
                {
                    "id": world.pupil.pk,
                    "display_name": "Amira Testchild-Okafor",
                    "forename": "Amira",
                    "surname": "Testchild-Okafor",
                    "preferred_forename": None,
                    "preferred_surname": None,
                    "date_of_birth": "2015-03-14",
                    "upn": world.pupil.upn,
                    "sen_status": {"code": "E", "label": "EHC plan"},
                    "primary_need": {"code": "ASD", "label": "Autistic spectrum disorder"},
                    "current_setting": "Halford Vale Primary",
                    "area_la_code": "990",
                }
            ],
        }

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("testchild", {"pupil", "neighbour"}),
            ("amira test", {"pupil"}),
            ("TESTCHILD-LOWE", {"neighbour"}),
            ("14/03/2015", {"pupil", "neighbour"}),
            ("ben 2015-03-14", {"neighbour"}),
            ("nobody", set()),
        ],
    )
    def test_same_semantics_as_the_web_search(self, world, as_user, text, expected):
        body = as_user(world.coordinator).get(SEARCH, q=text).json()
        assert {item["id"] for item in body["items"]} == {
            getattr(world, name).pk for name in expected
        }

    def test_finds_by_identifiers(self, world, as_user):
        client = as_user(world.coordinator)
        nhs = world.neighbour.nhs_number
        for text in (world.pupil.upn.lower(), f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"):
            assert client.get(SEARCH, q=text).json()["total"] == 1

    @pytest.mark.parametrize(
        ("params", "status", "code", "detail"),
        [
            ({}, 422, "invalid_request", "q: Field required"),
            ({"q": "   "}, 400, "query_empty", "Search with q"),
            ({"q": "!!"}, 400, "query_empty", "Search with q"),
            ({"q": "31/02/2015"}, 400, "query_invalid", "31/02/2015 is not a real date"),
            ({"q": "x" * 201}, 422, "invalid_request", "q: String should have at most 200"),
            ({"q": "amira", "page": 0}, 422, "invalid_request", "page: Input should be greater"),
            (
                {"q": "amira", "page": "two"},
                422,
                "invalid_request",
                "page: Input should be a valid",
            ),
            ({"q": "amira", "page_size": 0}, 422, "invalid_request", "page_size"),
            ({"q": "amira", "page_size": 101}, 422, "invalid_request", "less than or equal to 100"),
        ],
    )
    def test_bad_searches_are_refused_saying_why(
        self, world, as_user, params, status, code, detail
    ):
        client = as_user(world.coordinator)
        before = AccessLogEntry.objects.count()
        response = client.get(SEARCH, **params)
        assert response.status_code == status
        body = response.json()
        assert body["code"] == code
        assert detail in body["detail"]
        if status == 422:
            assert body["errors"][0]["location"] == "query"
        assert AccessLogEntry.objects.count() == before  # nothing searched, nothing logged

    def test_pages_within_bounds(self, area, coordinator, as_user):
        for n in range(7):
            ChildFactory(area=area, forename=f"Pat{n}", surname="Pageable")
        client = as_user(coordinator)
        first = client.get(SEARCH, q="pageable", page_size=3).json()
        last = client.get(SEARCH, q="pageable", page_size=3, page=3).json()
        beyond = client.get(SEARCH, q="pageable", page_size=3, page=99).json()
        assert (first["total"], first["pages"], first["page"], len(first["items"])) == (7, 3, 1, 3)
        assert (last["page"], len(last["items"])) == (3, 1)
        assert beyond["page"] == 3  # past the end: the last page
        assert beyond["items"] == last["items"]
        every = [
            item["forename"]
            for n in (1, 2, 3)
            for item in client.get(SEARCH, q="pageable", page_size=3, page=n).json()["items"]
        ]
        assert every == [f"Pat{n}" for n in range(7)]
        assert len(client.get(SEARCH, q="pageable", page_size=100).json()["items"]) == 7

    def test_each_page_is_logged_with_the_children_on_it(self, area, coordinator, as_user):
        children = [ChildFactory(area=area, surname="Logged") for _ in range(4)]
        body = as_user(coordinator).get(SEARCH, q="logged", page_size=3, page=2).json()
        entry = last_entry()
        assert (entry.action, entry.actor) == (AccessAction.SEARCH, coordinator)
        assert entry.detail["via"].startswith("api token ")
        assert {k: v for k, v in entry.detail.items() if k != "via"} == {
            "query": "logged",
            "page": 2,
            "total": 4,
        }
        assert _subjects(entry) == {str(item["id"]) for item in body["items"]}
        assert len(_subjects(entry)) == 1
        assert {str(child.pk) for child in children} >= _subjects(entry)

    def test_a_search_that_finds_nobody_is_logged_without_subjects(self, world, as_user):
        as_user(world.analyst).get(SEARCH, q="amira")
        entry = last_entry()
        assert (entry.action, entry.actor) == (AccessAction.SEARCH, world.analyst)
        assert _subjects(entry) == set()

    def test_queries_do_not_grow_with_results(
        self, area, coordinator, as_user, django_assert_max_num_queries
    ):
        setting = SettingFactory(home_area=area)
        client = as_user(coordinator)
        client.get("/api/v1/me")  # the token's first use writes last_used_at

        def search():
            with CaptureQueriesContext(connection) as queries:
                body = client.get(SEARCH, q="counted", page_size=100).json()
            return body, len(queries)

        for n in range(40):
            child = ChildFactory(area=area, surname=f"Counted{n:02d}")
            people.placement_start(
                acting_user=None, child=child, setting=setting, start_date=SINCE, source=MANUAL
            )
            if n == 0:
                one, few_queries = search()
        body, many_queries = search()
        assert (len(one["items"]), len(body["items"])) == (1, 40)
        assert all(item["current_setting"] == setting.name for item in body["items"])
        assert many_queries == few_queries
        # token, grants (4), count, page, access log entry with its subjects (6 with savepoint)
        with django_assert_max_num_queries(13):
            client.get(SEARCH, q="counted", page_size=100)


def _full_record(world):
    """Give the pupil something of everything."""
    child = world.pupil
    people.sen_status_set(
        acting_user=None, child=child, status="K", start_date=dt.date(2022, 1, 10), source=MANUAL
    )
    people.sen_status_set(
        acting_user=None, child=child, status="E", start_date=dt.date(2023, 6, 1), source=MANUAL
    )
    people.need_record(
        acting_user=None,
        child=child,
        code="SLCN",
        rank=1,
        start_date=dt.date(2022, 1, 10),
        source_agency="education",
        source=MANUAL,
    )
    old = child.needs.get()
    people.need_end(acting_user=None, need=old, end_date=dt.date(2023, 5, 31))
    people.need_record(
        acting_user=None,
        child=child,
        code="ASD",
        rank=1,
        start_date=dt.date(2023, 6, 1),
        source_agency="health",
        source=MANUAL,
        notes="Diagnosed by the community paediatrics team.",
    )
    away = SettingFactory(
        name="Farfield Special School",
        home_area=world.other_area,
        setting_type="special_academy",
        phase="all_through",
    )
    people.placement_start(
        acting_user=None,
        child=child,
        setting=away,
        start_date=dt.date(2024, 9, 2),
        source=MANUAL,
        kind="dual_subsidiary",
    )
    people.flag_set(
        acting_user=None,
        child=child,
        kind="fsm",
        start_date=dt.date(2022, 9, 1),
        source_agency="education",
        source=MANUAL,
    )
    mother = child.contacts.get(full_name="Nadia Okafor")
    people.consent_record(
        acting_user=None,
        child=child,
        purpose="share_ehc",
        given_on=dt.date(2023, 2, 1),
        given_by_contact=mother,
    )
    trust = OrganisationFactory(
        name="Halford Community Health", kind="nhs_trust", home_area=world.area
    )
    people.involvement_start(
        acting_user=None,
        child=child,
        organisation=trust,
        kind="referral",
        start_date=dt.date(2023, 3, 1),
        reason="Speech and language therapy",
    )
    return away, trust


@pytest.mark.django_db
class TestRecord:
    def test_the_whole_record(self, world, as_user):
        away, trust = _full_record(world)
        child = world.pupil
        body = as_user(world.coordinator).get(record_url(child)).json()
        assert body["id"] == child.pk
        assert body["area"]["la_code"] == "990"
        assert body["identity"]["display_name"] == "Amira Testchild-Okafor"
        assert body["identity"]["date_of_birth"] == "2015-03-14"
        assert body["identity"]["sex"] == {"code": "F", "label": "Female"}
        assert body["identity"]["ethnicity"] is None
        assert body["identifiers"] == {
            "upn": child.upn,
            "nhs_number": child.nhs_number,
            "uln": None,
        }
        assert body["sen_status"] == {"code": "E", "label": "EHC plan"}
        assert body["primary_need"] == {"code": "ASD", "label": "Autistic spectrum disorder"}
        history = [
            (p["status"]["code"], p["start_date"], p["end_date"], p["current"])
            for p in body["sen_status_history"]
        ]
        assert history == [
            ("E", "2023-06-01", None, True),
            ("K", "2022-01-10", "2023-05-31", False),
            ("N", "2015-03-14", "2022-01-09", False),
        ]
        needs = [(n["need"]["code"], n["rank"], n["current"], n["end_date"]) for n in body["needs"]]
        assert needs == [("ASD", 1, True, None), ("SLCN", 1, False, "2023-05-31")]
        assert body["needs"][0]["notes"] == "Diagnosed by the community paediatrics team."
        assert body["needs"][0]["source_agency"] == {"code": "health", "label": "Health"}
        placements = {p["setting"]["name"]: p for p in body["placements"]}
        assert placements["Farfield Special School"]["out_of_area"] is True
        assert placements["Farfield Special School"]["setting"]["urn"] == away.urn
        assert placements["Farfield Special School"]["setting"]["area_la_code"] == "991"
        assert placements["Farfield Special School"]["kind"]["code"] == "dual_subsidiary"
        assert placements["Halford Vale Primary"]["out_of_area"] is False
        assert placements["Halford Vale Primary"]["current"] is True
        assert placements["Halford Vale Primary"]["setting"]["setting_type"] == {
            "code": "academy",
            "label": "Academy or free school (mainstream)",
        }
        assert [flag["kind"]["code"] for flag in body["flags"]] == ["fsm"]
        assert body["consents"] == [
            {
                "purpose": {
                    "code": "share_ehc",
                    "label": "Share with education, health and care partners for the EHC process",
                },
                "given_by": "Nadia Okafor (Mother)",
                "given_by_young_person": False,
                "given_on": "2023-02-01",
                "withdrawn_on": None,
                "active": True,
            }
        ]
        [involvement] = body["involvements"]
        assert involvement["organisation"]["name"] == trust.name
        assert involvement["kind"]["code"] == "referral"
        assert involvement["reason"] == "Speech and language therapy"
        assert involvement["current"] is True

    def test_staff_see_every_contact_as_the_web_page_shows_them(self, world, as_user):
        contacts = as_user(world.coordinator).get(record_url(world.pupil)).json()["contacts"]
        assert [contact["full_name"] for contact in contacts] == ["Nadia Okafor", "Tomas Okafor"]
        assert contacts[0] == {
            "full_name": "Nadia Okafor",
            "relationship": {"code": "mother", "label": "Mother"},
            "has_parental_responsibility": True,
            "is_main_contact": True,
            "phone": "01632 960001",
            "email": "nadia.okafor@example.org",
            "preferred_language": None,
            "needs_interpreter": False,
        }

    def test_a_parent_sees_only_their_own_contact(self, world, as_user):
        contacts = as_user(world.parent).get(record_url(world.pupil)).json()["contacts"]
        assert [contact["full_name"] for contact in contacts] == ["Nadia Okafor"]

    def test_an_unknown_child_is_not_found(self, world, as_user):
        client = as_user(world.coordinator)
        before = AccessLogEntry.objects.count()
        for url in ("/api/v1/children/999999", "/api/v1/children/999999/timeline"):
            response = client.get(url)
            assert response.status_code == 404
            assert response.json() == {
                "detail": "No child with that reference",
                "code": "not_found",
            }
        assert AccessLogEntry.objects.count() == before

    def test_a_reference_that_is_not_a_number_is_not_found(self, world, as_user):
        response = as_user(world.coordinator).get("/api/v1/children/abc")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_without_authentication_nothing_is_read_or_logged(self, world):
        before = AccessLogEntry.objects.count()
        response = Client().get(record_url(world.pupil))
        assert response.status_code == 401
        assert AccessLogEntry.objects.count() == before

    def test_the_browser_session_reads_under_the_same_policy(self, world):
        client = Client()
        client.force_login(world.senco)
        assert client.get(record_url(world.pupil)).status_code == 200
        assert client.get(record_url(world.neighbour)).status_code == 403
        assert last_entry().action == AccessAction.REFUSED
        assert last_entry().actor == world.senco

    def test_queries_do_not_grow_with_the_record(
        self, world, as_user, django_assert_max_num_queries
    ):
        client = as_user(world.coordinator)
        client.get("/api/v1/me")

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(record_url(world.pupil)).status_code == 200
            return len(queries)

        small = count()
        _full_record(world)
        for n in range(5):
            people.flag_set(
                acting_user=None,
                child=world.pupil,
                kind=["cin", "lac", "eal", "young_carer", "disability_register"][n],
                start_date=dt.date(2023, 1, 1 + n),
                source_agency="social_care",
                source=MANUAL,
                source_organisation=world.council,
            )
        assert count() == small
        with django_assert_max_num_queries(22):
            client.get(record_url(world.pupil))


@pytest.mark.django_db
class TestTimeline:
    def test_entries_newest_first(self, world, as_user):
        _full_record(world)
        body = as_user(world.coordinator).get(f"{record_url(world.pupil)}/timeline").json()
        assert body["child_id"] == world.pupil.pk
        dates = [item["date"] for item in body["items"]]
        assert dates == sorted(dates, reverse=True)
        titles = {item["title"] for item in body["items"]}
        assert "Started at Farfield Special School" in titles
        assert "Primary need: Autistic spectrum disorder" in titles
        first_need = next(
            item
            for item in body["items"]
            if item["title"] == "Primary need: Autistic spectrum disorder"
        )
        assert first_need == {
            "date": "2023-06-01",
            "agency": {"code": "health", "label": "Health"},
            "category": "Need",
            "title": "Primary need: Autistic spectrum disorder",
            "detail": "Diagnosed by the community paediatrics team.",
            "organisation": None,
        }

    def test_a_timeline_read_is_logged_as_a_view(self, world, as_user):
        as_user(world.senco).get(f"{record_url(world.pupil)}/timeline")
        entry = last_entry()
        assert (entry.action, entry.actor, entry.object_id) == (
            AccessAction.VIEW,
            world.senco,
            str(world.pupil.pk),
        )

    def test_queries_bounded(self, world, as_user, django_assert_max_num_queries):
        _full_record(world)
        client = TokenClient(token_for(world.coordinator))
        client.get("/api/v1/me")
        with django_assert_max_num_queries(22):
            assert client.get(f"{record_url(world.pupil)}/timeline").status_code == 200
