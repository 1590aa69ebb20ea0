"""Reading census files from disk: CSV (with a byte-order mark, quoted commas, Excel's ANSI
encoding) and XLSX (date and number cells), header aliases and refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.returns.census.layout import match_header
from opensend.returns.census.reader import FileRefused, read_census_file
from opensend.returns.tests.helpers import HEADER, pupil, write_csv, write_xlsx


def test_csv_with_a_byte_order_mark_and_quoted_commas(tmp_path):
    rows = [pupil(1, urn="100001", Surname="Smith, Jones"), pupil(2, urn="100001")]
    content = write_csv(tmp_path / "census.csv", rows, encoding="utf-8-sig")
    assert content.startswith(b"\xef\xbb\xbf")
    assert b'"Smith, Jones"' in content
    read = read_census_file(content, "census.csv")
    assert read.file_format == "csv"
    assert read.header.positions["UPN"] == 0  # the byte-order mark is not part of the heading
    assert [row.number for row in read.rows] == [2, 3]
    assert read.rows[0].values["Surname"] == "Smith, Jones"
    assert read.notices == ()


def test_headings_match_aliases_ignoring_case_spaces_and_underscores(tmp_path):
    header = [
        "upn",
        "SURNAME",
        "Forename",
        "Date of Birth",
        "sex",
        "SEN_provision",
        "Primary SEN type",
        "secondary_sen_type",
        "LAESTAB",
        "Year group",
        "Ethnicity",
    ]
    row = pupil(1)
    values = dict(
        zip(header, [row[column] for column in HEADER[:8]] + ["9903001", "5", "WBRI"], strict=True)
    )
    content = write_csv(tmp_path / "aliases.csv", [values], header)
    read = read_census_file(content, "aliases.csv")
    assert set(read.header.positions) == {
        "UPN",
        "Surname",
        "Forename",
        "DOB",
        "Gender",
        "SENprovision",
        "SENtype1",
        "SENtype2",
        "LAESTAB",
    }
    assert read.rows[0].values["DOB"] == "2015-03-14"
    assert read.rows[0].values["LAESTAB"] == "9903001"
    assert read.notices == ("These columns are not used and were ignored: Year group, Ethnicity.",)


def test_sentype_is_an_alias_of_sentype1():
    header = match_header(
        [
            "UPN",
            "Surname",
            "Forename",
            "DOB",
            "Gender",
            "SENprovision",
            "SENtype",
            "SENtype2",
            "URN",
        ]
    )
    assert header.problems == ()
    assert header.positions["SENtype1"] == 6


def test_missing_required_columns_are_named():
    header = match_header(["UPN", "Surname", "Gender", "SENprovision", "SENtype2"])
    assert header.problems == (
        "The file is missing these columns: Forename, DOB (or DateOfBirth), "
        "SENtype1 (or PrimarySENtype or SENtype), URN or LAESTAB.",
    )


def test_two_headings_for_one_column_are_refused():
    header = match_header(
        [
            "UPN",
            "Surname",
            "Forename",
            "DOB",
            "DateOfBirth",
            "Gender",
            "SENprovision",
            "SENtype1",
            "SENtype2",
            "URN",
        ]
    )
    assert header.problems == ("The columns DOB and DateOfBirth both give DOB; keep one of them.",)


def test_a_file_missing_columns_is_refused_with_their_names(tmp_path):
    header = [column for column in HEADER if column not in ("DOB", "URN")]
    content = write_csv(tmp_path / "short.csv", [pupil(1)], header)
    with pytest.raises(FileRefused) as refused:
        read_census_file(content, "short.csv")
    assert str(refused.value) == (
        "The file is missing these columns: DOB (or DateOfBirth), URN or LAESTAB."
    )


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_file(tmp_path):
    path = tmp_path / "gaps.csv"
    write_csv(path, [pupil(1, urn="100001")])
    with path.open("a", newline="", encoding="utf-8") as handle:
        handle.write(",,,,,,,,\r\n\r\n")
        handle.write(",".join(str(pupil(2, urn="100001")[c]) for c in HEADER) + "\r\n")
    read = read_census_file(path.read_bytes(), "gaps.csv")
    assert [row.number for row in read.rows] == [2, 5]


def test_short_rows_read_missing_cells_as_empty(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(",".join(HEADER) + "\nA1,Smith\n", encoding="utf-8")
    read = read_census_file(path.read_bytes(), "ragged.csv")
    assert read.rows[0].values["Surname"] == "Smith"
    assert read.rows[0].values["URN"] == ""


def test_a_csv_saved_in_excels_ansi_encoding_is_read_with_a_notice(tmp_path):
    content = write_csv(tmp_path / "ansi.csv", [pupil(1, Forename="Zoë")], encoding="cp1252")
    read = read_census_file(content, "ansi.csv")
    assert read.rows[0].values["Forename"] == "Zoë"
    assert read.notices[0].startswith("The file is not UTF-8 encoded; it was read as Windows-1252")


def test_xlsx_reads_date_cells_number_cells_and_text(tmp_path):
    rows = [
        pupil(1, DOB=dt.date(2015, 3, 14), URN=100001),
        pupil(2, DOB="14/03/2015", URN="100002"),
    ]
    content = write_xlsx(tmp_path / "census.xlsx", rows)
    read = read_census_file(content, "census.xlsx")
    assert read.file_format == "xlsx"
    assert read.rows[0].values["DOB"] == dt.date(2015, 3, 14)
    assert read.rows[0].values["URN"] == "100001"
    assert read.rows[1].values["DOB"] == "14/03/2015"
    assert read.rows[0].values["SENtype2"] == ""


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"  \r\n", "The file is empty."),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0" + b"\0" * 100,
            "This is an old-style Excel workbook (.xls). Save it as an Excel workbook (.xlsx) "
            "or as CSV and upload it again.",
        ),
        ("fake.xlsx", b"UPN,Surname\n", "The file is named .xlsx but is not an Excel workbook."),
        (
            "broken.xlsx",
            b"PK\x03\x04 not really a zip",
            "The file could not be read as an Excel workbook (.xlsx).",
        ),
        (
            "blank-first.csv",
            b"\n" + ",".join(HEADER).encode() + b"\n",
            "The first row of the file must be the column headings.",
        ),
        (
            "header-only.csv",
            ",".join(HEADER).encode() + b"\n",
            "The file has column headings but no pupils.",
        ),
        (
            "semicolons.csv",
            ";".join(HEADER).encode() + b"\nA1;Smith\n",
            "The values are separated by semicolons. Save the file as comma-separated CSV "
            "('CSV UTF-8' in Excel) and upload it again.",
        ),
        (
            "quote.csv",
            ",".join(HEADER).encode() + b'\nA1,"Smith\n',
            "The CSV file could not be read at line 2: unexpected end of data.",
        ),
        (
            "stray.csv",
            ",".join(HEADER).encode() + b'\nA1,"Smith"son\n',
            "The CSV file could not be read at line 2: ',' expected after '\"'.",
        ),
    ],
)
def test_unreadable_files_are_refused_saying_why(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused) as refused:
        read_census_file(path.read_bytes(), name)
    assert str(refused.value) == reason
