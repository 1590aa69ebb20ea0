"""Provider returns: CSV and XLSX files written and read back, every row error, all or nothing,
idempotent re-upload, and a provider uploading for a pathway that is not theirs."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from opensend.core.models import AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.pathways import services
from opensend.pathways.models import ProviderReturn, Referral, ReturnStatus
from opensend.pathways.provider_returns import COLUMN_NAMES, parse_date
from opensend.pathways.tests.factories import PathwayFactory, TrustFactory
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

D = dt.date
HEADINGS = [
    "Provider referral id",
    "NHS number",
    "Date of birth",
    "Received",
    "Source",
    "Triaged",
    "First appointment",
    "Clock stop date",
    "Clock stop reason",
    "Pause start",
    "Pause end",
]


@pytest.fixture
def pathway(area):
    return PathwayFactory(area=area, name="Speech and language therapy")


@pytest.fixture
def uploader(pathway):
    return staff(Role.PROVIDER, pathway.provider)


@pytest.fixture
def children(area):
    return [
        ChildFactory(area=area, date_of_birth=D(2016, 5, 1)),
        ChildFactory(area=area, date_of_birth=D(2018, 9, 12)),
    ]


def good_rows(children):
    return [
        [
            "SLT-1", children[0].nhs_number, "2016-05-01", "2026-01-05", "School",
            "2026-01-12", "2026-03-02", "2026-04-06", "treatment_started", "", "",
        ],
        [
            "SLT-2", children[1].nhs_number, "12/09/2018", "2026-02-02", "GP",
            "", "", "", "", "2026-03-01", "2026-03-15",
        ],
    ]  # fmt: skip


def csv_bytes(rows, headings=HEADINGS):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows, headings=HEADINGS):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append([_excel(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _excel(value):
    """Dates as real Excel dates, as a spreadsheet would hold them."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return dt.datetime.fromisoformat(value)
    return value


def upload(pathway, user, content, name="return.csv"):
    return services.return_file_import(
        acting_user=user, pathway=pathway, file_name=name, content=content
    )


@pytest.mark.parametrize(
    ("name", "build"), [("return.csv", csv_bytes), ("return.xlsx", xlsx_bytes)]
)
def test_a_good_return_is_imported(pathway, uploader, children, name, build):
    record = upload(pathway, uploader, build(good_rows(children)), name)
    assert (record.status, record.created, record.updated) == (ReturnStatus.IMPORTED, 2, 0)
    assert record.file_format == name.rsplit(".", 1)[1]
    first = Referral.objects.get(provider_reference="SLT-1")
    assert first.child == children[0]
    assert first.source == "school"
    assert (first.triaged_on, first.first_appointment_on) == (D(2026, 1, 12), D(2026, 3, 2))
    assert (first.stopped_on, first.stop_reason) == (D(2026, 4, 6), "treatment_started")
    second = Referral.objects.get(provider_reference="SLT-2")
    assert second.stopped_on is None
    assert list(second.pauses.values_list("start", "end")) == [(D(2026, 3, 1), D(2026, 3, 15))]
    entry = AccessLogEntry.objects.filter(object_type="pathways.return").get()
    assert entry.action == "import"
    assert entry.subjects.count() == 2


def test_uploading_the_same_return_again_changes_nothing(pathway, uploader, children):
    content = csv_bytes(good_rows(children))
    upload(pathway, uploader, content)
    before = sorted(
        Referral.objects.values_list(
            "provider_reference", "received_on", "triaged_on", "stopped_on", "stop_reason"
        )
    )
    again = upload(pathway, uploader, content)
    assert (again.status, again.created, again.updated) == (ReturnStatus.IMPORTED, 0, 2)
    assert Referral.objects.count() == 2
    after = sorted(
        Referral.objects.values_list(
            "provider_reference", "received_on", "triaged_on", "stopped_on", "stop_reason"
        )
    )
    assert after == before
    assert Referral.objects.get(provider_reference="SLT-1").events.count() == 4


def test_the_same_referral_id_updates(pathway, uploader, children):
    upload(pathway, uploader, csv_bytes(good_rows(children)))
    changed = good_rows(children)
    changed[1][7:9] = ["2026-05-01", "discharged"]
    upload(pathway, uploader, csv_bytes(changed))
    second = Referral.objects.get(provider_reference="SLT-2")
    assert (second.stopped_on, second.stop_reason) == (D(2026, 5, 1), "discharged")


def row_with(children, **changes):
    row = dict(zip(COLUMN_NAMES, good_rows(children)[0], strict=True))
    row.update(changes)
    return [row[name] for name in COLUMN_NAMES]


TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"provider_referral_id": ""}, "provider_referral_id", "Enter the provider referral id"),
        ({"provider_referral_id": "X" * 41}, "provider_referral_id", "40 characters or fewer"),
        ({"nhs_number": ""}, "nhs_number", "Enter the child's NHS number"),
        ({"nhs_number": "1234567890"}, "nhs_number", ""),
        ({"nhs_number": "9434765919"}, "nhs_number", "is known to OpenSEND"),
        ({"date_of_birth": "2016-05-02"}, "date_of_birth", "has a different date of birth"),
        ({"date_of_birth": ""}, "date_of_birth", "Enter the date of birth date"),
        ({"received": ""}, "received", "Enter the received date"),
        ({"received": "31/02/2026"}, "received", "Received must be a real date"),
        ({"triaged": TOMORROW}, "triaged", "Triaged must be today or in the past"),
        ({"source": "Postman"}, "source", "Source must be GP, school"),
        ({"clock_stop_reason": "bored"}, "clock_stop_reason", "Clock stop reason must be"),
        ({"clock_stop_reason": ""}, "clock_stop_reason", "Enter why the clock stopped"),
        ({"clock_stop_date": ""}, "clock_stop_date", "Enter the date the clock stopped"),
        ({"pause_end": "2026-03-01"}, "pause_start", "Enter the date the pause started"),
        (
            {"clock_stop_date": "2026-01-01"},
            "clock",
            "First definitive treatment started on 1 January 2026 is before the referral was "
            "received on 5 January 2026",
        ),
        (
            {"pause_start": "2026-03-10"},
            "clock",
            "The pause starting on 10 March 2026 is still going when the clock stopped on "
            "6 April 2026",
        ),
        (
            {"first_appointment": "2026-05-01"},
            "clock",
            "Appointment attended on 1 May 2026 is after the clock stopped on 6 April 2026",
        ),
        (
            {"triaged": "2026-01-01"},
            "clock",
            "Triage on 1 January 2026 is before the referral was received on 5 January 2026",
        ),
        ({"received": "2016-04-01"}, "received", "is before the child was born"),
    ],
)
def test_every_row_error_and_nothing_written(pathway, uploader, children, changes, field, message):
    rows = [good_rows(children)[1], row_with(children, **changes)]
    record = upload(pathway, uploader, csv_bytes(rows))
    assert record.status == ReturnStatus.REFUSED
    errors = record.error_list()
    assert {"row", "field", "message"} <= set(errors[0])
    matching = [e for e in errors if e["row"] == 3 and e["field"] == field]
    assert matching, errors
    assert message in matching[0]["message"]
    assert Referral.objects.count() == 0  # all or nothing: the good row is not written either


def test_a_referral_id_twice_in_one_file(pathway, uploader, children):
    rows = good_rows(children)
    rows[1][0] = "SLT-1"
    record = upload(pathway, uploader, csv_bytes(rows))
    assert record.error_list() == [
        {
            "row": 3,
            "field": "provider_referral_id",
            "message": "Referral SLT-1 is also on row 2: one row per referral",
        }
    ]


def test_a_referral_id_already_used_for_another_child(pathway, uploader, children):
    upload(pathway, uploader, csv_bytes(good_rows(children)[:1]))
    moved = good_rows(children)[1]
    moved[0] = "SLT-1"
    record = upload(pathway, uploader, csv_bytes([moved]))
    assert record.error_list()[0]["message"] == (
        "Referral SLT-1 is already recorded for a different child"
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "r.csv", "The file is empty."),
        (b"just,some,headings\n", "r.csv", "The file has no column for: Provider referral id"),
        (b"not a workbook", "r.xlsx", "named .xlsx but is not an Excel workbook"),
        (b"PK\x03\x04broken", "r.xlsx", "could not be read as an Excel workbook"),
    ],
)
def test_files_that_cannot_be_read(pathway, uploader, content, name, message):
    with pytest.raises(services.ReturnRefused, match=message):
        upload(pathway, uploader, content, name)
    assert not ProviderReturn.objects.exists()


def test_headings_only(pathway, uploader):
    with pytest.raises(services.ReturnRefused, match="no referrals"):
        upload(pathway, uploader, csv_bytes([]))


def test_a_provider_uploading_for_a_pathway_that_is_not_theirs(pathway, area, children):
    other = staff(Role.PROVIDER, TrustFactory(home_area=area))
    with pytest.raises(PermissionDenied, match="only its staff can change it"):
        upload(pathway, other, csv_bytes(good_rows(children)))
    assert not Referral.objects.exists()
    assert not ProviderReturn.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-31", D(2026, 3, 31)),
        ("31/03/2026", D(2026, 3, 31)),
        ("31-03-2026", D(2026, 3, 31)),
        (dt.datetime(2026, 3, 31, 0, 0), D(2026, 3, 31)),
        (D(2026, 3, 31), D(2026, 3, 31)),
    ],
)
def test_dates_read(value, expected):
    assert parse_date(value) == expected


def test_rows_posted_as_json(pathway, uploader, children):
    rows = [dict(zip(COLUMN_NAMES, row, strict=True)) for row in good_rows(children)]
    record = services.return_rows_import(acting_user=uploader, pathway=pathway, rows=rows)
    assert (record.status, record.created) == (ReturnStatus.IMPORTED, 2)
    rows[0]["received"] = "soon"
    refused = services.return_rows_import(acting_user=uploader, pathway=pathway, rows=rows)
    assert refused.error_list()[0]["row"] == 1
