"""The service form writes into the ORUK document: what it shows changes, everything else of an
imported record survives; and its pure helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.directory.forms import ServiceForm, build_document, initial_from_document, parse_time
from opensend.directory.taxonomy import term_id

pytestmark = pytest.mark.django_db

SERVICE_ID = "7d7f3c1e-3b0a-4a57-9a4b-0c6d3f2b9e11"


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("9:30", dt.time(9, 30)),
        ("09.30", dt.time(9, 30)),
        ("17:00", dt.time(17, 0)),
        ("9am", dt.time(9, 0)),
        ("12pm", dt.time(12, 0)),
        ("12am", dt.time(0, 0)),
        ("5:30pm", dt.time(17, 30)),
        ("24:00", None),
        ("13pm", None),
        ("9:75", None),
        ("nine", None),
    ],
)
def test_parse_time(text, time):
    assert parse_time(text) == time


def imported_document():
    return {
        "id": SERVICE_ID,
        "name": "Imported Club",
        "status": "active",
        "accreditations": "Quality mark",
        "funding": [{"id": "f1", "source": "Council grant"}],
        "attributes": [
            {
                "id": "a-other",
                "taxonomy_term_id": "11111111-1111-1111-1111-111111111111",
                "link_type": "x",
            },
            {"id": "a-asd", "taxonomy_term_id": str(term_id("need-asd")), "link_type": "need"},
        ],
        "schedules": [
            {
                "id": "s-week",
                "freq": "WEEKLY",
                "byday": "MO",
                "opens_at": "09:00:00",
                "closes_at": "10:00:00",
                "notes": "Bring a towel",
            },
            {"id": "s-month", "freq": "MONTHLY", "bymonthday": "1"},
        ],
        "contacts": [
            {
                "id": "c1",
                "name": "Reception",
                "title": "Front desk",
                "phones": [{"id": "p1", "number": "01632 960003"}],
            },
            {"id": "c2", "name": "Manager"},
        ],
        "service_at_locations": [
            {
                "id": "sal1",
                "location": {
                    "id": "l1",
                    "name": "Leisure Centre",
                    "external_identifier": "10092008082",
                    "addresses": [
                        {
                            "id": "ad1",
                            "address_1": "1 Pool Road",
                            "city": "Runcorn",
                            "postal_code": "WA7 1AB",
                            "region": "Cheshire",
                            "state_province": "",
                            "country": "GB",
                        }
                    ],
                },
            }
        ],
        "languages": [{"id": "lang1", "name": "Welsh"}],
        "opensend": {"how_to_access": "self", "referral_by": "", "schedule2": {}},
    }


def test_an_edit_keeps_what_the_form_does_not_show():
    document = imported_document()
    form = ServiceForm(
        data={
            **{k: v for k, v in initial_from_document(document).items() if v is not None},
            "name": "Imported Club",
            "description": "Now described",
            "times_1_days": ["MO", "TU"],
            "times_1_opens": "9:00",
            "times_1_closes": "11:00",
            "needs": ["need-asd", "need-hi"],
            "contact_1_phone_1": "01632 960004",
            "languages": "Welsh, Polish",
        }
    )
    assert form.is_valid(), form.errors
    new = form.build_document(document, service_id=SERVICE_ID)
    assert new["accreditations"] == "Quality mark"
    assert new["funding"] == document["funding"]
    assert new["description"] == "Now described"
    ids = [a["id"] for a in new["attributes"]]
    assert "a-other" in ids and "a-asd" in ids and len(ids) == 3
    weekly, monthly = new["schedules"]
    assert weekly["id"] == "s-week" and weekly["notes"] == "Bring a towel"
    assert weekly["byday"] == "MO,TU" and weekly["closes_at"] == "11:00:00"
    assert monthly["id"] == "s-month"
    assert [c["id"] for c in new["contacts"]] == ["c1", "c2"]
    assert new["contacts"][0]["title"] == "Front desk"
    assert new["contacts"][0]["phones"][0] == {"id": "p1", "number": "01632 960004"}
    location = new["service_at_locations"][0]["location"]
    assert location["external_identifier"] == "10092008082"
    assert location["addresses"][0]["region"] == "Cheshire"
    assert new["languages"][0]["id"] == "lang1"
    assert [lang["name"] for lang in new["languages"]] == ["Welsh", "Polish"]
    assert "description" not in document  # the base document is not changed


def test_unticking_removes_only_that_term_and_free_replaces_costs():
    document = imported_document()
    document["cost_options"] = [{"id": "co1", "option": "Session", "amount": 5}]
    data = {
        "name": "Imported Club",
        "needs": [],
        "free": "free",
        "costs": [],
        "locations": [
            {
                "id": "sal1",
                "name": "Leisure Centre",
                "address_1": "1 Pool Road",
                "address_2": "",
                "city": "Runcorn",
                "postcode": "WA7 1AB",
                "point": None,
            }
        ],
        "contacts": [{"id": "c2", "name": "Manager", "email": "", "phones": []}],
    }
    new = build_document(document, data, service_id=SERVICE_ID)
    assert [a["id"] for a in new["attributes"]] == ["a-other"]
    assert new["cost_options"] == [{"id": "co1", "option": "Free", "amount": 0}]
    assert [c["id"] for c in new["contacts"]] == ["c2"]  # the first contact was removed


def test_initial_values_from_a_document():
    initial = initial_from_document(imported_document())
    assert initial["needs"] == ["need-asd"]
    assert initial["times_1_id"] == "s-week"
    assert initial["times_1_days"] == ["MO"]
    assert initial["times_1_opens"] == "09:00"
    assert "times_2_id" not in initial  # the monthly schedule is not a weekly row
    assert initial["contact_1_id"] == "c1"
    assert initial["contact_1_phone_1"] == "01632 960003"
    assert initial["contact_1_phone_1_id"] == "p1"
    assert initial["contact_2_name"] == "Manager"
    assert initial["location_1_id"] == "sal1"
    assert initial["location_1_postcode"] == "WA7 1AB"
    assert initial["languages"] == "Welsh"
    assert initial["how_to_access"] == "self"
