"""Which evidence files are accepted: by extension, size and the content's first bytes (and,
for office files, the part the format requires). Synthetic files made here."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from opensend.commissioning import evidence

PDF = b"%PDF-1.7\n%synthetic board paper\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)
CSV = b"decided_on,decision\n2026-04-01,Extend the contract by a year\n"
CSV_LATIN1 = "commissioner,amount\nCaf\xe9 partnership,\xa3100\n".encode("cp1252")


def zipped(members: dict[str, bytes], stored_first: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(
                zipfile.ZipInfo(stored_first), members[stored_first], zipfile.ZIP_STORED
            )
        for name, data in members.items():
            if name != stored_first:
                archive.writestr(name, data)
    return out.getvalue()


def xlsx() -> bytes:
    book = Workbook()
    sheet = book.create_sheet("Costings")
    sheet.append(["Commission", "Value"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = xlsx()
ODT = zipped(
    {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"},
    stored_first="mimetype",
)
ODS = zipped(
    {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"},
    stored_first="mimetype",
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("board-paper.pdf", PDF),
        ("BOARD PAPER.PDF", PDF),
        ("options-appraisal.docx", DOCX),
        ("costings.xlsx", XLSX),
        ("minutes.odt", ODT),
        ("budget.ods", ODS),
        ("decisions.csv", CSV),
        ("spend.csv", CSV_LATIN1),
        ("diagram.png", PNG),
        ("whiteboard.jpg", JPEG),
        ("whiteboard.jpeg", JPEG),
    ],
)
def test_good_files_are_accepted(name, content):
    assert evidence.bytes_problem(name, content) == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # the extension
        ("paper.doc", PDF, "must be a PDF, Word (DOCX), Excel (XLSX), OpenDocument"),
        ("paper.exe", b"MZ\x90\x00", "must be a PDF, Word (DOCX)"),
        ("paper", PDF, "must be a PDF, Word (DOCX)"),
        ("paper.pdf.html", PDF, "must be a PDF, Word (DOCX)"),
        # the content does not match the name
        ("paper.pdf", PNG, "is not a real PDF file: its content does not match its name"),
        ("paper.pdf", b"<html>%PDF-1.7</html>", "is not a real PDF file"),
        ("photo.png", JPEG, "is not a real PNG file"),
        ("photo.jpg", PNG, "is not a real JPEG file"),
        ("letter.docx", XLSX, "is not a real Word (DOCX) file"),
        ("costings.xlsx", DOCX, "is not a real Excel (XLSX) file"),
        ("costings.xlsx", b"PK\x03\x04 not really a zip archive", "is not a real Excel (XLSX)"),
        ("minutes.odt", ODS, "is not a real OpenDocument text (ODT) file"),
        ("budget.ods", ODT, "is not a real OpenDocument spreadsheet (ODS) file"),
        ("budget.ods", DOCX, "is not a real OpenDocument spreadsheet (ODS) file"),
        ("data.csv", PDF, "is not a real CSV file"),
        ("data.csv", XLSX, "is not a real CSV file"),
        ("data.csv", b"a,b\n1,\x00\x00\n", "is not a real CSV file"),
        # empty
        ("paper.pdf", b"", "The evidence file is empty"),
    ],
)
def test_bad_files_are_refused_with_the_reason(name, content, message):
    problem = evidence.bytes_problem(name, content)
    assert message in problem
    assert problem.startswith("The evidence file ")


@pytest.mark.parametrize(
    ("size", "accepted"),
    [(evidence.MAX_BYTES - 1, True), (evidence.MAX_BYTES, True), (evidence.MAX_BYTES + 1, False)],
)
def test_the_size_limit_is_10_mb(size, accepted):
    problem = evidence.file_problem("paper.pdf", size, io.BytesIO(PDF))
    assert (problem == "") is accepted
    if not accepted:
        assert problem == "The evidence file must be smaller than 10 MB"


def test_the_file_is_left_at_its_start_for_the_storage_to_read():
    data = io.BytesIO(XLSX)
    data.seek(100)
    assert evidence.file_problem("costings.xlsx", len(XLSX), data) == ""
    assert data.tell() == 0


def test_the_error_names_the_field_it_is_given():
    problem = evidence.bytes_problem("x.gif", b"GIF89a", noun="The minutes")
    assert problem.startswith("The minutes must be a PDF")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.pdf", "application/pdf"),
        ("a.XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("a.csv", "text/csv"),
        ("a.jpeg", "image/jpeg"),
        ("a.html", "application/octet-stream"),
    ],
)
def test_files_are_served_with_the_content_type_of_their_checked_extension(name, content_type):
    assert evidence.content_type_for(name) == content_type
