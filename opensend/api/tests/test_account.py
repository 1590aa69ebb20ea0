"""``/me`` and ``/areas``: who the caller is, and the areas they work in."""

import pytest
from django.test import Client

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, grant


@pytest.mark.django_db
class TestMe:
    def test_describes_the_user_their_memberships_roles_and_areas(self, world, as_user):
        northby = AreaFactory(name="Northby", la_code="992", ons_code="E06000992")
        icb = OrganisationFactory(
            name="Halford and Northby ICB",
            kind=OrganisationKind.ICB,
            home_area=world.area,
            areas=[world.area, northby],
        )
        grant(world.coordinator, icb, Role.ANALYST, Role.BOARD_MEMBER)
        body = as_user(world.coordinator).get("/api/v1/me").json()
        assert body["user"] == {
            "id": world.coordinator.pk,
            "email": world.coordinator.email,
            "full_name": "Casey Coordinator",
            "job_title": "",
        }
        assert body["authentication"]["method"] == "token"
        assert body["authentication"]["token_name"] == "Tests"
        memberships = {m["organisation"]["name"]: m for m in body["memberships"]}
        assert set(memberships) == {"Halford Vale Council", "Halford and Northby ICB"}
        assert memberships["Halford and Northby ICB"]["roles"] == [
            {"code": "analyst", "label": "Analyst / public health"},
            {"code": "board_member", "label": "Board member"},
        ]
        assert memberships["Halford and Northby ICB"]["area_la_codes"] == ["990", "992"]
        assert memberships["Halford Vale Council"]["organisation"]["kind"] == {
            "code": "local_authority",
            "label": "Local authority",
        }
        assert [role["code"] for role in body["roles"]] == [
            "analyst",
            "board_member",
            "ehc_coordinator",
        ]
        assert [area["la_code"] for area in body["areas"]] == ["990", "992"]
        assert body["sees_children_records"] is True

    @pytest.mark.parametrize(
        ("who", "sees"),
        [("coordinator", True), ("senco", True), ("parent", True), ("analyst", False)],
    )
    def test_says_whether_the_user_sees_childrens_records(self, world, as_user, who, sees):
        body = as_user(getattr(world, who)).get("/api/v1/me").json()
        assert body["sees_children_records"] is sees

    def test_a_parent_has_no_memberships(self, world, as_user):
        body = as_user(world.parent).get("/api/v1/me").json()
        assert (body["memberships"], body["roles"], body["areas"]) == ([], [], [])

    def test_queries_do_not_grow_with_memberships(
        self, world, as_user, django_assert_max_num_queries
    ):
        client = as_user(world.coordinator)
        client.get("/api/v1/me")
        for n in range(6):
            organisation = OrganisationFactory(
                name=f"Partner {n}", kind=OrganisationKind.ICB, home_area=world.area
            )
            grant(world.coordinator, organisation, Role.COMMISSIONER)
        with django_assert_max_num_queries(8):
            body = client.get("/api/v1/me").json()
        assert len(body["memberships"]) == 7


@pytest.mark.django_db
class TestAreas:
    def test_lists_the_areas_of_current_memberships(self, world, as_user):
        body = as_user(world.coordinator).get("/api/v1/areas").json()
        assert body == {
            "items": [
                {
                    "la_code": "990",
                    "ons_code": "E06000990",
                    "name": "Halford Vale",
                    "region": {"code": "E12000002", "label": "North West"},
                    "is_synthetic": False,
                }
            ]
        }

    def test_each_area_once_in_name_order(self, world, as_user):
        grant(world.coordinator, world.other_council, Role.SEND_MANAGER)
        icb = OrganisationFactory(
            name="ICB",
            kind=OrganisationKind.ICB,
            home_area=world.area,
            areas=[world.area, world.other_area],
        )
        grant(world.coordinator, icb, Role.COMMISSIONER)
        body = as_user(world.coordinator).get("/api/v1/areas").json()
        assert [area["name"] for area in body["items"]] == ["Halford Vale", "Westmere"]

    def test_a_parent_works_in_no_area(self, world, as_user):
        assert as_user(world.parent).get("/api/v1/areas").json() == {"items": []}

    def test_needs_authentication(self, db):
        response = Client().get("/api/v1/areas")
        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")

    def test_queries_bounded(self, world, as_user, django_assert_max_num_queries):
        client = as_user(world.coordinator)
        client.get("/api/v1/areas")
        with django_assert_max_num_queries(4):
            client.get("/api/v1/areas")
