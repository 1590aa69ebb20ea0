"""The Local Offer services a commission delivers: which the form offers (published, of the
area, the provider's own first, found by words), saving and clearing them through the form and
the services, refusing another area's, the commission page's links to the public pages, the
API and the OCDS items."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from opensend.commissioning import forms, ocds, services
from opensend.commissioning.models import Commission
from opensend.commissioning.tests import factories
from opensend.commissioning.tests.test_api import Api
from opensend.commissioning.tests.test_ocds import validate
from opensend.commissioning.tests.test_services import pooled_contributions, pooled_fields
from opensend.commissioning.tests.test_views import form_data
from opensend.core.models import AccessLogEntry
from opensend.directory.models import ServiceStatus
from opensend.directory.tests.factories import (
    DirectoryOrganizationFactory,
    ServiceFactory,
    public_service,
)

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def offer(world):
    """Halford Vale's Local Offer: two services of Brightwater (the charity), one of another
    organisation, one of the trust; plus services that must not be offered."""
    brightwater = DirectoryOrganizationFactory(
        area=world.area, name="Brightwater Sensory Therapy", owner=world.charity
    )
    community = DirectoryOrganizationFactory(area=world.area, name="Halford Parent Forum")
    trust = DirectoryOrganizationFactory(
        area=world.area, name="Halford Community Health", owner=world.trust
    )
    northmoor = DirectoryOrganizationFactory(area=world.other_area, name="Northmoor Play")
    made = {
        "sensory": public_service(
            area=world.area, organization=brightwater, name="Sensory play sessions"
        ),
        "equipment": public_service(
            area=world.area, organization=brightwater, name="Equipment loans"
        ),
        "forum": public_service(area=world.area, organization=community, name="Parent forum"),
        "salt": public_service(area=world.area, organization=trust, name="Talking clinic"),
        "draft": ServiceFactory(area=world.area, organization=community, name="Draft club"),
        "archived": public_service(area=world.area, organization=community, name="Archived club"),
        "defunct": public_service(
            area=world.area,
            organization=community,
            name="Closed club",
            status=ServiceStatus.DEFUNCT,
        ),
        "elsewhere": public_service(
            area=world.other_area, organization=northmoor, name="Northmoor play"
        ),
    }
    made["archived"].archived_at = timezone.now()
    made["archived"].save(update_fields=["archived_at"])
    return made


def ticks(page):
    """The Local Offer checkboxes on a page: (id, value, checked)."""
    return [
        (match[0], match[1], "checked" in match[2])
        for match in re.findall(
            r'<input class="govuk-checkboxes__input" id="([^"]+)" name="services" '
            r'type="checkbox" value="([^"]+)"([^>]*)>',
            page,
        )
    ]


def legends(page):
    return [
        " ".join(text.split())
        for text in re.findall(
            r'<legend class="govuk-fieldset__legend[^"]*">(.*?)</legend>', page, re.S
        )
    ]


# --- what the form offers -----------------------------------------------------------------


def test_the_form_offers_the_areas_published_services_only(world, offer):
    page = client_for(world.la_commissioner).get("/commissioning/new/").content.decode()
    offered = {value for _, value, _ in ticks(page)}
    assert offered == {str(offer[key].pk) for key in ("sensory", "equipment", "forum", "salt")}
    assert "Services in the Local Offer" in legends(page)
    assert "Choose the provider first" in page


def test_the_providers_own_services_come_first_with_the_others_after(world, offer):
    client = client_for(world.la_commissioner)
    response = client.post(
        "/commissioning/new/", {**form_data(world), "find_services": "1", "services_q": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert legends(page)[-2:] == [
        "Services run by Brightwater Sensory Therapy",
        "Other services in the Local Offer",
    ]
    values = [value for _, value, _ in ticks(page)]
    assert values[:2] == [str(offer["equipment"].pk), str(offer["sensory"].pk)]
    assert set(values[2:]) == {str(offer["forum"].pk), str(offer["salt"].pk)}
    assert ticks(page)[0][0] == "id_services"
    assert "Run by Halford Parent Forum" in page


def test_finding_services_by_words_keeps_what_was_typed_and_saves_nothing(world, offer):
    client = client_for(world.la_commissioner)
    data = {
        **form_data(world, title="Half typed", annual_value="not yet"),
        "services": [str(offer["salt"].pk)],
        "services_q": "  parent   FORUM ",
        "find_services": "1",
    }
    response = client.post("/commissioning/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert not Commission.objects.exists()
    assert "There is a problem" not in page
    assert 'value="Half typed"' in page
    assert 'value="not yet"' in page
    assert "Nothing is saved until you select" in page
    assert "Other services in the Local Offer matching \u201cparent FORUM\u201d" in legends(page)
    shown = {value: checked for _, value, checked in ticks(page)}
    # the chosen service stays listed (and ticked) though it does not match the words
    assert shown == {
        str(offer["sensory"].pk): False,
        str(offer["equipment"].pk): False,
        str(offer["forum"].pk): False,
        str(offer["salt"].pk): True,
    }


@pytest.mark.parametrize(("provider", "own"), [("", 0), ("charity", 2)])
def test_words_matching_nothing_say_so(world, offer, provider, own):
    provider_id = str(getattr(world, provider).pk) if provider else ""
    response = client_for(world.la_commissioner).post(
        "/commissioning/new/",
        {**form_data(world, provider=provider_id), "services_q": "zebra", "find_services": "1"},
    )
    page = response.content.decode()
    assert "No other service matches \u201czebra\u201d" in page
    assert len(ticks(page)) == own


def test_an_area_without_published_services_says_so(world):
    page = client_for(world.la_commissioner).get("/commissioning/new/").content.decode()
    assert "Halford Vale has no published service in the Local Offer yet." in page
    assert "Find services" not in page
    assert ticks(page) == []


def test_a_long_local_offer_is_listed_only_when_searched(world, offer, monkeypatch):
    monkeypatch.setattr(forms, "SERVICE_LIST_LIMIT", 2)
    client = client_for(world.la_commissioner)
    page = client.get("/commissioning/new/").content.decode()
    assert ticks(page) == []
    assert "4 more services are in the Local Offer but not listed" in page
    found = client.post(
        "/commissioning/new/",
        {**form_data(world, provider=""), "services_q": "e", "find_services": "1"},
    ).content.decode()
    # "e" matches all four: two listed, two more to narrow down
    assert len(ticks(found)) == 2
    assert "2 more services are in the Local Offer but not listed" in found


def test_a_malformed_service_id_is_an_error_not_a_crash(world, offer):
    response = client_for(world.la_commissioner).post(
        "/commissioning/new/", {**form_data(world), "services": ["not-a-uuid"]}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select Local Offer services from the list" in page
    assert 'href="#id_services"' in page
    assert not Commission.objects.exists()


# --- saving through the form --------------------------------------------------------------


def test_the_form_saves_the_ticked_services_and_the_page_links_to_them(world, offer):
    client = client_for(world.la_commissioner)
    response = client.post(
        "/commissioning/new/",
        {**form_data(world), "services": [str(offer["sensory"].pk), str(offer["forum"].pk)]},
    )
    assert response.status_code == 302
    commission = Commission.objects.get()
    assert set(commission.services.all()) == {offer["sensory"], offer["forum"]}
    page = client.get(f"/commissioning/{commission.pk}/").content.decode()
    href = f"/local-offer/{world.area.la_code}/services/{offer['sensory'].pk}/"
    assert f'<a class="govuk-link" href="{href}">Sensory play sessions' in page
    assert "run by Brightwater Sensory Therapy" in page
    # the provider of the contract sees them too
    assert (
        href
        in client_for(world.charity_user).get(f"/commissioning/{commission.pk}/").content.decode()
    )


@pytest.mark.parametrize("key", ["draft", "archived", "defunct", "elsewhere"])
def test_the_form_refuses_a_service_it_does_not_offer(world, offer, key):
    response = client_for(world.la_commissioner).post(
        "/commissioning/new/", {**form_data(world), "services": [str(offer[key].pk)]}
    )
    assert response.status_code == 400
    assert "Select Local Offer services from the list" in response.content.decode()
    assert not Commission.objects.exists()


def test_the_edit_form_keeps_changes_and_clears_the_services(world, offer):
    commission = factories.commission(
        world.area,
        world.charity,
        [(world.council, "social_care", 120000)],
        reference="HV-EQ-01",
        annual_value=Decimal(120000),
        whole_life_value=Decimal(360000),
    )
    services.commission_update(
        acting_user=None,
        commission=commission,
        contributions=[
            services.ContributionInput(
                commissioner=world.council,
                funding_stream="social_care",
                annual_amount=Decimal(120000),
            )
        ],
        services=[offer["sensory"], offer["archived"]],
    )
    client = client_for(world.la_commissioner)
    page = client.get(f"/commissioning/{commission.pk}/edit/").content.decode()
    shown = {value: checked for _, value, checked in ticks(page)}
    # linked before it was archived: still offered, ticked, so saving does not drop it unseen
    assert shown[str(offer["archived"].pk)] is True
    assert shown[str(offer["sensory"].pk)] is True
    assert shown[str(offer["equipment"].pk)] is False
    commission_page = client.get(f"/commissioning/{commission.pk}/").content.decode()
    assert "Archived club (not published in the Local Offer now)" in commission_page

    data = form_data(world, arrangement="sole", s75_reference="")
    data = {k: v for k, v in data.items() if not k.startswith("contributions-1")}
    data["contributions-0-annual_amount"] = "120000"
    data["services"] = [str(offer["equipment"].pk), str(offer["archived"].pk)]
    assert client.post(f"/commissioning/{commission.pk}/edit/", data).status_code == 302
    assert set(commission.services.all()) == {offer["equipment"], offer["archived"]}
    entry = AccessLogEntry.objects.filter(object_type=services.COMMISSION).order_by("seq").last()
    assert "services" in entry.detail["changed"]

    del data["services"]
    assert client.post(f"/commissioning/{commission.pk}/edit/", data).status_code == 302
    assert not commission.services.exists()
    assert (
        "No Local Offer service linked."
        in client.get(f"/commissioning/{commission.pk}/").content.decode()
    )


# --- the services ---------------------------------------------------------------------------


def test_create_refuses_another_areas_service_naming_it_and_writes_nothing(world, offer):
    with pytest.raises(ValidationError) as refused:
        services.commission_create(
            acting_user=world.la_commissioner,
            area=world.area,
            contributions=pooled_contributions(world),
            services=[offer["sensory"], offer["elsewhere"]],
            **pooled_fields(world),
        )
    assert refused.value.message_dict == {
        "services": [
            "Northmoor play is not in the Local Offer of Halford Vale, so this commission "
            "cannot deliver it"
        ]
    }
    assert not Commission.objects.exists()
    assert not AccessLogEntry.objects.filter(object_type=services.COMMISSION).exists()


def test_update_refuses_another_areas_service_and_keeps_the_old_ones(world, offer):
    commission = services.commission_create(
        acting_user=world.la_commissioner,
        area=world.area,
        contributions=pooled_contributions(world),
        services=[offer["salt"]],
        **pooled_fields(world),
    )
    with pytest.raises(ValidationError) as refused:
        services.commission_update(
            acting_user=world.la_commissioner,
            commission=commission,
            contributions=pooled_contributions(world),
            services=[offer["elsewhere"]],
            title="Changed",
        )
    assert "services" in refused.value.message_dict
    commission.refresh_from_db()
    assert commission.title == "Joint speech and language therapy service"
    assert list(commission.services.all()) == [offer["salt"]]


def test_update_saves_replaces_and_clears_the_services(world, offer):
    commission = services.commission_create(
        acting_user=world.la_commissioner,
        area=world.area,
        contributions=pooled_contributions(world),
        services=[offer["salt"], offer["salt"]],
        **pooled_fields(world),
    )
    assert list(commission.services.all()) == [offer["salt"]]
    update = {
        "acting_user": world.icb_commissioner,
        "commission": commission,
        "contributions": pooled_contributions(world),
    }
    services.commission_update(**update, services=[offer["forum"], offer["sensory"]])
    assert set(commission.services.all()) == {offer["forum"], offer["sensory"]}
    # not given: left as they are
    services.commission_update(**update, title="Renamed")
    assert set(commission.services.all()) == {offer["forum"], offer["sensory"]}
    services.commission_update(**update, services=[])
    assert not commission.services.exists()


# --- the API and OCDS ---------------------------------------------------------------------


def api_body(world, **overrides):
    body = {
        "la_code": world.area.la_code,
        "reference": "API-1",
        "title": "Therapy",
        "provision_type": "salt",
        "provider_id": world.trust.pk,
        "start_date": "2026-04-01",
        "end_date": "2029-03-31",
        "annual_value": "100000",
        "whole_life_value": "300000",
        "arrangement": "sole",
        "status": "live",
        "contributions": [
            {
                "commissioner_id": world.council.pk,
                "funding_stream": "high_needs",
                "annual_amount": "100000",
            }
        ],
    }
    body.update(overrides)
    return body


def test_the_api_records_and_returns_the_services(world, offer):
    api = Api(world.la_commissioner)
    response = api.post("/commissions", api_body(world, service_ids=[str(offer["salt"].pk)]))
    assert response.status_code == 201, response.content
    assert response.json()["services"] == [{"id": str(offer["salt"].pk), "name": "Talking clinic"}]
    listed = api.get("/commissions").json()["results"]
    assert listed[0]["services"] == [{"id": str(offer["salt"].pk), "name": "Talking clinic"}]


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["nonsense"], "nonsense is not a Local Offer service id."),
        (["00000000-0000-4000-8000-000000000000"], "There is no Local Offer service 00000000-"),
        ("elsewhere", "Northmoor play is not in the Local Offer of Halford Vale"),
    ],
)
def test_the_api_refuses_bad_service_ids_naming_the_field(world, offer, ids, message):
    if ids == "elsewhere":
        ids = [str(offer["elsewhere"].pk)]
    response = Api(world.la_commissioner).post("/commissions", api_body(world, service_ids=ids))
    assert response.status_code == 422
    body = json.dumps(response.json())
    assert message in body
    assert "service_ids" in body
    assert not Commission.objects.exists()


def test_ocds_lists_the_local_offer_services_as_items(world, offer):
    commission = services.commission_create(
        acting_user=None,
        area=world.area,
        contributions=pooled_contributions(world),
        services=[offer["salt"], offer["forum"]],
        **pooled_fields(world),
    )
    release = ocds.release(commission)
    items = release["contracts"][0]["items"]
    assert items[0]["classification"]["scheme"] == "x_OpenSEND_ProvisionType"
    assert sorted(item["description"] for item in items[1:]) == ["Parent forum", "Talking clinic"]
    salt = next(item for item in items if item["description"] == "Talking clinic")
    assert salt == {
        "id": f"local-offer-{offer['salt'].pk}",
        "description": "Talking clinic",
        "classification": {
            "scheme": "x_OpenSEND_LocalOffer",
            "id": str(offer["salt"].pk),
            "description": "Talking clinic",
        },
    }
    package = json.loads(
        client_for(world.la_commissioner)
        .get(f"/commissioning/areas/{world.area.la_code}/ocds.json")
        .content
    )
    validate(package)
    assert len(package["releases"][0]["tender"]["items"]) == 3
