"""Providers' KPI returns: reading CSV and XLSX, row-level errors, all or nothing, and only
for the provider's own contracts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from opensend.core.models import AccessLogEntry
from opensend.insight import kpi_returns, services
from opensend.insight.models import IndicatorValue, IndicatorValueRevision, KpiReturn
from opensend.insight.tests.factories import TODAY, contract_indicator

pytestmark = pytest.mark.django_db

HEADINGS = ["Indicator code", "Period start", "Numerator", "Denominator", "Value", "Note"]


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
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def kpis(world):
    return {
        "seen": contract_indicator(world.trust_contract, code="seen-18-weeks"),
        "sessions": contract_indicator(
            world.trust_contract,
            code="sessions",
            name="Therapy sessions delivered",
            unit="count",
            numerator_label="sessions delivered",
            denominator_label="",
            rag_kind="",
            target=None,
        ),
        "charity": contract_indicator(world.charity_contract, code="charity-kpi"),
    }


def _import(world, content, name="return.csv", user=None, contract=None):
    return kpi_returns.kpi_return_file_import(
        acting_user=user or world.trust_user,
        commission=contract or world.trust_contract,
        file_name=name,
        content=content,
        today=TODAY,
    )


@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_a_good_return_is_imported(world, kpis, make):
    name = "return.csv" if make is csv_bytes else "return.xlsx"
    rows = [
        ["seen-18-weeks", "2026-09-01", 45, 50, "", "One clinic closed for a week"],
        ["Sessions", "01/10/2026", "", "", 312, ""],
    ]
    record = _import(world, make(rows), name)
    assert (record.status, record.created, record.updated) == ("imported", 2, 0)
    seen = IndicatorValue.objects.get(indicator=kpis["seen"])
    assert (seen.value, seen.source, seen.supplied_by_organisation) == (
        Decimal(90),
        "provider",
        world.trust,
    )
    assert seen.note == "One clinic closed for a week"
    assert IndicatorValue.objects.get(indicator=kpis["sessions"]).numerator == Decimal(312)
    assert AccessLogEntry.objects.filter(object_type="insight.kpireturn").count() == 1


def test_the_same_return_twice_changes_nothing_and_a_correction_keeps_history(world, kpis):
    rows = [["seen-18-weeks", "2026-09-01", 45, 50, "", ""]]
    _import(world, csv_bytes(rows))
    again = _import(world, csv_bytes(rows))
    assert (again.created, again.updated) == (0, 0)
    corrected = _import(world, csv_bytes([["seen-18-weeks", "2026-09-01", 46, 50, "", ""]]))
    assert corrected.updated == 1
    assert IndicatorValueRevision.objects.get().numerator == Decimal(45)


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (["", "2026-09-01", 1, 2, "", ""], "indicator_code", "Enter the indicator code"),
        (["charity-kpi", "2026-09-01", 1, 2, "", ""], "indicator_code", "is not a KPI supplied"),
        (["seen-18-weeks", "", 1, 2, "", ""], "period_start", "Enter the first day"),
        (["seen-18-weeks", "Sept", 1, 2, "", ""], "period_start", "is not a date"),
        (["seen-18-weeks", "2026-09-15", 1, 2, "", ""], "period_start", "not the first day"),
        (["seen-18-weeks", "2027-01-01", 1, 2, "", ""], "period_start", "has not begun"),
        (["seen-18-weeks", "2026-09-01", "lots", 2, "", ""], "numerator", "is not a number"),
        (["seen-18-weeks", "2026-09-01", 3, 2, "", ""], "numerator", "cannot be more than"),
        (["seen-18-weeks", "2026-09-01", "", "", 90, ""], "numerator", "is a rate"),
        (["seen-18-weeks", "2026-09-01", 9, 10, 80, ""], "value", "does not match"),
        (["seen-18-weeks", "2026-09-01", "", "", "", ""], "numerator", "Enter the figures"),
        (["sessions", "2026-09-01", 3, 4, "", ""], "denominator", "plain figure"),
    ],
)
def test_row_errors_refuse_the_whole_return(world, kpis, row, field, message):
    good = ["sessions", "2026-08-01", "", "", 300, ""]
    record = _import(world, csv_bytes([good, row]))
    assert record.status == "refused"
    assert not IndicatorValue.objects.exists()
    errors = record.error_list()
    assert [error["row"] for error in errors] == [3] * len(errors)
    assert any(e["field"] == field and message in e["message"] for e in errors), errors


def test_a_closed_period_is_refused(world, kpis):
    services.period_close(
        acting_user=world.commissioner,
        indicator=kpis["seen"],
        period_start=dt.date(2026, 9, 1),
        today=TODAY,
    )
    record = _import(world, csv_bytes([["seen-18-weeks", "2026-09-01", 45, 50, "", ""]]))
    assert record.status == "refused"
    assert "The period Sep 2026 was closed on" in record.error_list()[0]["message"]


def test_the_same_period_twice_in_a_file_is_refused(world, kpis):
    rows = [["seen-18-weeks", "2026-09-01", 45, 50, "", ""]] * 2
    record = _import(world, csv_bytes(rows))
    assert record.error_list()[0]["message"].startswith("Row 2 already gives seen-18-weeks")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "return.csv", "The file is empty"),
        (b"Code,Numerator\nx,1\n", "return.csv", "no column for: Period start"),
        (b"Code,Period start,Note\nx,2026-09-01,\n", "return.csv", "Numerator or a Value"),
        (b"Code,Period start,Value\n", "return.csv", "no figures"),
        (b"not a workbook", "return.xlsx", "not an Excel workbook"),
    ],
)
def test_unreadable_files(world, kpis, content, name, message):
    with pytest.raises(kpi_returns.ReturnRefused, match=message):
        _import(world, content, name)
    assert not KpiReturn.objects.exists()


@pytest.mark.parametrize("who", ["charity_user", "commissioner", "board_member"])
def test_only_the_contracts_provider_sends_its_return(world, kpis, who):
    rows = [["seen-18-weeks", "2026-09-01", 45, 50, "", ""]]
    with pytest.raises(PermissionDenied, match="Only Halford Community Health NHS Trust"):
        _import(world, csv_bytes(rows), user=getattr(world, who))
    assert not IndicatorValue.objects.exists()
    assert AccessLogEntry.objects.filter(action="refused").count() == 1
