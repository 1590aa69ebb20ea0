"""``opensend import-census``: the summary and every problem printed, and the exit status."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from opensend.core.models import AccessLogEntry
from opensend.core.roles import Role
from opensend.core.tests.factories import staff
from opensend.people.models import Child
from opensend.returns.models import CensusImport, CensusImportStatus
from opensend.returns.tests.helpers import HEADER, pupil, upn, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def _call(*args):
    out = io.StringIO()
    call_command("import_census", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def _fails(*args):
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_census", *[str(arg) for arg in args], stdout=out)
    return failed.value, out.getvalue()


def test_a_good_file_is_imported_by_the_system(tmp_path, area, schools):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, schools[0].urn), pupil(2, schools[0].urn)])
    output = _call(path, "--area", "990", "--census-date", "2025-01-16")
    record = CensusImport.objects.get()
    assert output.splitlines() == [
        f"Census import {record.pk}: census.csv for Halford Vale, census 2025-01-16",
        "Status: Imported",
        "Rows: 2; valid: 2; with problems: 0; created: 2; updated: 0; unchanged: 0; "
        "not imported: 0",
    ]
    assert record.uploaded_by is None and Child.objects.count() == 2
    assert AccessLogEntry.objects.order_by("-seq").first().actor_label == "system"


def test_an_xlsx_file_is_imported_as_a_user(tmp_path, area, schools, coordinator):
    path = tmp_path / "census.xlsx"
    write_xlsx(path, [pupil(1, schools[0].urn)])
    _call(path, "--area", "990", "--census-date", "2025-01-16", "--user", coordinator.email.upper())
    record = CensusImport.objects.get()
    assert (record.file_format, record.uploaded_by, record.status) == (
        "xlsx",
        coordinator,
        CensusImportStatus.IMPORTED,
    )


def test_a_file_with_problems_prints_each_and_exits_1(tmp_path, area, schools):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, schools[0].urn), pupil(2, schools[0].urn, SENprovision="S")])
    error, output = _fails(path, "--area", "990", "--census-date", "2025-01-16")
    assert error.returncode == 1
    assert str(error) == (
        "Nothing was imported: 1 rows have problems. Correct them, or run again with "
        "--valid-only to import the valid rows."
    )
    assert (
        "Row 3, SENprovision: S (statement) is a legacy code: statements were replaced by EHC "
        "plans, so use E for a pupil with an EHC plan"
    ) in output.splitlines()
    assert not Child.objects.exists()


def test_valid_only_imports_the_valid_rows_and_exits_0(tmp_path, area, schools):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, schools[0].urn), pupil(2, schools[0].urn, Gender="")])
    output = _call(path, "--area", "990", "--census-date", "2025-01-16", "--valid-only")
    assert "Status: Valid rows imported" in output
    assert "Row 3, Gender: missing: every pupil needs a gender (M, F or U)" in output
    assert list(Child.objects.values_list("upn", flat=True)) == [upn(1)]


def test_a_refused_file_exits_1(tmp_path, area):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, "100001")], [c for c in HEADER if c != "UPN"])
    error, output = _fails(path, "--area", "990", "--census-date", "2025-01-16")
    assert error.returncode == 1
    assert str(error) == "The file was refused: The file is missing these columns: UPN."
    assert "Status: Refused" in output


def test_no_valid_row_exits_1_even_with_valid_only(tmp_path, area):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, "999999")])
    error, _ = _fails(path, "--area", "990", "--census-date", "2025-01-16", "--valid-only")
    assert (error.returncode, str(error)) == (
        1,
        "Nothing was imported: no row of the file is valid.",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", "123", "--census-date", "2025-01-16"], "No area with LA code 123."),
        (
            ["--area", "990", "--census-date", "16/01/2025"],
            "--census-date 16/01/2025 is not a date; use YYYY-MM-DD.",
        ),
        (
            ["--area", "990", "--census-date", "2099-01-15"],
            "The census date must be today or in the past.",
        ),
        (
            ["--area", "990", "--census-date", "2025-01-16", "--user", "nobody@example.org"],
            "No active user with email nobody@example.org.",
        ),
    ],
)
def test_wrong_use_exits_2(tmp_path, area, args, message):
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, "100001")])
    error, _ = _fails(path, *args)
    assert (error.returncode, str(error)) == (2, message)
    assert not CensusImport.objects.exists()


def test_a_missing_file_exits_2(tmp_path, area):
    error, _ = _fails(tmp_path / "nowhere.csv", "--area", "990", "--census-date", "2025-01-16")
    assert error.returncode == 2
    assert str(error).startswith(f"Cannot read {tmp_path / 'nowhere.csv'}: No such file")


def test_a_user_who_may_not_import_exits_2(tmp_path, area, schools):
    senco = staff(Role.SENCO, schools[0])
    path = tmp_path / "census.csv"
    write_csv(path, [pupil(1, schools[0].urn)])
    error, _ = _fails(path, "--area", "990", "--census-date", "2025-01-16", "--user", senco.email)
    assert error.returncode == 2
    assert "Only an EHC coordinator or SEND manager of Halford Vale" in str(error)
    assert not Child.objects.exists()


def test_the_cli_name_import_census_reaches_this_command(monkeypatch):
    from django.core import management

    from opensend import cli

    called = []
    monkeypatch.setattr(management, "execute_from_command_line", called.append)
    cli.main(["opensend", "import-census", "census.csv", "--area", "990"])
    assert called == [["opensend", "import_census", "census.csv", "--area", "990"]]
    assert management.get_commands()["import_census"] == "opensend.returns"
