import datetime as dt

import pytest
from django.test import Client

from opensend.core.disclosure import SUPPRESSED
from opensend.core.models import AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, staff
from opensend.people import services
from opensend.people.models import RecordSource
from opensend.people.tests.factories import ChildFactory

D = dt.date


def _children(area, count, status="K", need="SLCN"):
    for _ in range(count):
        child = ChildFactory(area=area, date_of_birth=D(2016, 1, 1))
        services.sen_status_set(
            acting_user=None,
            child=child,
            status=status,
            start_date=D(2023, 1, 1),
            source=RecordSource.CENSUS,
        )
        services.need_record(
            acting_user=None,
            child=child,
            code=need,
            rank=1,
            start_date=D(2023, 1, 1),
            source_agency="education",
            source=RecordSource.CENSUS,
        )


@pytest.mark.django_db
class TestHome:
    def test_case_officers_see_exact_figures(self, client, coordinator, area):
        _children(area, 3)
        _children(area, 12, status="E", need="ASD")
        client.force_login(coordinator)
        body = client.get("/").content.decode()
        assert 'data-figure="sen-support">3<' in body
        assert 'data-figure="ehc-plan">12<' in body
        assert SUPPRESSED not in body

    def test_aggregate_roles_see_small_numbers_suppressed(self, client, local_authority, area):
        _children(area, 3)
        _children(area, 12, status="E", need="ASD")
        analyst = staff(Role.ANALYST, local_authority)
        client.force_login(analyst)
        body = client.get("/").content.decode()
        assert f'data-figure="sen-support">{SUPPRESSED}<' in body
        assert 'data-figure="ehc-plan">12<' in body
        assert "shown as [c]" in body

    def test_a_user_with_no_role_is_told_what_to_do(self, client):
        from opensend.core.tests.factories import UserFactory

        client.force_login(UserFactory())
        assert "Ask your system administrator" in client.get("/").content.decode()


@pytest.mark.django_db
class TestSearchAndRecord:
    def test_search_page(self, client, coordinator, area):
        child = ChildFactory(area=area, forename="Zoë", surname="O'Brien-Smith")
        client.force_login(coordinator)
        response = client.get("/children/", {"q": "zo obr"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "1 child found" in body
        assert f"/children/{child.pk}/" in body

    @pytest.mark.parametrize(
        ("q", "message"),
        [
            ("", "Enter a name, UPN, NHS number or date of birth"),
            ("'", "Enter at least one letter of a name"),
            ("31/02/2016", "31/02/2016 is not a real date"),
        ],
    )
    def test_search_errors(self, client, coordinator, q, message):
        client.force_login(coordinator)
        response = client.get("/children/", {"q": q})
        assert response.status_code == 400
        assert message in response.content.decode()

    def test_record_page_and_its_log_entry(self, client, coordinator, area):
        child = ChildFactory(area=area, forename="Zoë")
        client.force_login(coordinator)
        response = client.get(f"/children/{child.pk}/")
        assert response.status_code == 200
        assert (
            "You can see this record because: Local authority SEND officer"
            in response.content.decode()
        )
        entry = AccessLogEntry.objects.order_by("-seq").first()
        assert (entry.action, entry.object_id, entry.actor_id) == (
            "view",
            str(child.pk),
            coordinator.pk,
        )
        assert entry.request_id == response["X-Request-ID"]
        assert entry.ip_address == "127.0.0.1"

    def test_a_refusal_is_a_403_page_and_logged(self, client, coordinator):
        stranger = ChildFactory(area=AreaFactory())
        client.force_login(coordinator)
        response = client.get(f"/children/{stranger.pk}/")
        assert response.status_code == 403
        assert "You do not have access to this page" in response.content.decode()
        assert "recorded in the access log" in response.content.decode()
        entry = AccessLogEntry.objects.order_by("-seq").first()
        assert (entry.action, entry.object_id) == ("refused", str(stranger.pk))


@pytest.mark.django_db
class TestErrorsAndPublicPages:
    def test_404(self, client, coordinator):
        client.force_login(coordinator)
        response = client.get("/children/98765/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_500_page(self, rf):
        from opensend.web.views.errors import server_error

        request = rf.get("/")
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        response = server_error(request)
        assert response.status_code == 500
        assert "Sorry, there is a problem with the service" in response.content.decode()

    def test_csrf_failure_page(self, coordinator):
        client = Client(enforce_csrf_checks=True)
        client.force_login(coordinator)
        response = client.post("/sign-out/")
        assert response.status_code == 403
        assert "Your form could not be sent" in response.content.decode()

    @pytest.mark.parametrize("path", ["/accessibility/", "/privacy/", "/sign-in/", "/health/"])
    def test_public_pages(self, client, path):
        assert client.get(path).status_code == 200

    def test_security_headers(self, client):
        response = client.get("/sign-in/")
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_error_summary_lists_a_message_once():
    from django import forms

    from opensend.web.helpers import error_summary

    class Form(forms.Form):
        email = forms.CharField()

    form = Form({"email": "x"})
    form.is_valid()
    form.add_error(None, "Enter a correct email address and password")
    form.add_error("email", "Enter a correct email address and password")
    assert error_summary(form) == [
        {"text": "Enter a correct email address and password", "href": "#id_email"}
    ]


@pytest.mark.django_db
def test_a_parent_has_no_search_in_the_menu(client, area):
    from opensend.core.tests.factories import UserFactory

    child = ChildFactory(area=area)
    parent = UserFactory()
    contact = services.contact_add(
        acting_user=None,
        child=child,
        full_name="P",
        relationship="mother",
        has_parental_responsibility=True,
    )
    services.contact_link_user(acting_user=None, contact=contact, user=parent)
    client.force_login(parent)
    body = client.get("/").content.decode()
    assert "Find a child" not in body
    assert f"/children/{child.pk}/" in body


def _queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_pages_make_the_same_number_of_queries_whatever_the_data(client, coordinator, area):
    """No N+1: the home page, a search results page and a record page cost the same number of
    queries for a little data as for a lot."""
    from opensend.core.tests.factories import SettingFactory

    client.force_login(coordinator)
    _children(area, 2, need="ASD")
    small_child = ChildFactory(area=area, surname="Querycount")
    counts_small = (
        _queries(client, "/"),
        _queries(client, "/children/?q=querycount"),
        _queries(client, f"/children/{small_child.pk}/"),
    )
    _children(area, 20, need="SLCN")
    _children(area, 20, status="E", need="SEMH")
    big_child = ChildFactory(area=area, surname="Querycount")
    for _ in range(24):
        child = ChildFactory(area=area, surname="Querycount")
        services.placement_start(
            acting_user=None,
            child=child,
            setting=SettingFactory(home_area=area),
            start_date=D(2022, 9, 1),
            source=RecordSource.CENSUS,
        )
    for year in range(2015, 2024):
        services.placement_start(
            acting_user=None,
            child=big_child,
            setting=SettingFactory(home_area=area),
            start_date=D(year, 9, 1),
            source=RecordSource.CENSUS,
        )
        services.flag_set(
            acting_user=None,
            child=big_child,
            kind=[
                "cin",
                "fsm",
                "eal",
                "young_carer",
                "cp",
                "lac",
                "disability_register",
                "care_leaver",
                "cin",
            ][year - 2015],
            start_date=D(year, 1, 1),
            source_agency="social_care",
            source=RecordSource.MANUAL,
        )
    counts_big = (
        _queries(client, "/"),
        _queries(client, "/children/?q=querycount"),
        _queries(client, f"/children/{big_child.pk}/"),
    )
    assert counts_big == counts_small, (counts_small, counts_big)
    assert max(counts_big) <= 26, counts_big  # the record page reads each app's timeline


@pytest.mark.django_db
def test_400_page_for_a_request_it_cannot_understand(client):
    response = client.get("/sign-in/", headers={"host": "not-allowed.example"})
    assert response.status_code == 400
    assert "Sorry, we could not understand that request" in response.content.decode()
