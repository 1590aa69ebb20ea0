"""Which files are accepted as evidence for a commissioning decision: the rule, with no
database, shared by the decision form and ``services.decision_record``.

A file is accepted when its name ends in one of the allowed extensions, it is not empty and no
larger than ``MAX_BYTES``, and its content is what the extension says: the first bytes carry
the format's signature (``%PDF-``, the PNG and JPEG signatures, a ZIP archive for the office
formats), an office file holds the part its format requires (``word/document.xml`` for DOCX,
``xl/workbook.xml`` for XLSX, the OpenDocument ``mimetype`` for ODT and ODS), and a CSV file
is text (no NUL bytes, no binary signature). The name alone is never trusted, and neither is
the content type the browser sends.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

__all__ = [
    "ACCEPT",
    "ALLOWED",
    "KINDS_TEXT",
    "MAX_BYTES",
    "FileKind",
    "bytes_problem",
    "content_type_for",
    "extension",
    "file_problem",
]

#: The largest evidence file accepted: 10 MB.
MAX_BYTES = 10 * 1024 * 1024

#: How many bytes of the start of a file are read to sniff its format.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str


ALLOWED: dict[str, FileKind] = {
    ".pdf": FileKind("PDF", "application/pdf"),
    ".docx": FileKind(
        "Word (DOCX)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": FileKind(
        "Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ".odt": FileKind("OpenDocument text (ODT)", "application/vnd.oasis.opendocument.text"),
    ".ods": FileKind(
        "OpenDocument spreadsheet (ODS)", "application/vnd.oasis.opendocument.spreadsheet"
    ),
    ".csv": FileKind("CSV", "text/csv"),
    ".png": FileKind("PNG", "image/png"),
    ".jpg": FileKind("JPEG", "image/jpeg"),
    ".jpeg": FileKind("JPEG", "image/jpeg"),
}

#: The formats in words, for hints and errors.
KINDS_TEXT = "PDF, Word (DOCX), Excel (XLSX), OpenDocument (ODT, ODS), CSV, PNG or JPEG"

#: The ``accept`` attribute of the file input.
ACCEPT = ",".join(ALLOWED)

_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files (.doc, .xls)
_BINARY = (_PDF, _PNG, _JPEG, _ZIP, _OLE, b"GIF8", b"\x7fELF", b"MZ")

_OOXML_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
_ODF_MIMETYPE = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
}


def extension(name: str) -> str:
    return PurePath(name or "").suffix.lower()


def content_type_for(name: str) -> str:
    """The content type a stored evidence file is served with: from its (checked) extension."""
    kind = ALLOWED.get(extension(name))
    return kind.content_type if kind else "application/octet-stream"


def _zip_member_names(data: IO[bytes]) -> set[str] | None:
    try:
        with zipfile.ZipFile(data) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _odf_mimetype(data: IO[bytes]) -> bytes | None:
    try:
        with zipfile.ZipFile(data) as archive:
            info = archive.getinfo("mimetype")
            if info.file_size > 200:
                return None
            return archive.read(info).strip()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None


def _content_matches(suffix: str, head: bytes, data: IO[bytes]) -> bool:
    if suffix == ".pdf":
        return head.startswith(_PDF)
    if suffix == ".png":
        return head.startswith(_PNG)
    if suffix in (".jpg", ".jpeg"):
        return head.startswith(_JPEG)
    if suffix in _OOXML_PART:
        if not head.startswith(_ZIP):
            return False
        names = _zip_member_names(data)
        return names is not None and _OOXML_PART[suffix] in names
    if suffix in _ODF_MIMETYPE:
        return head.startswith(_ZIP) and _odf_mimetype(data) == _ODF_MIMETYPE[suffix]
    if suffix == ".csv":
        return b"\x00" not in head and not head.startswith(_BINARY)
    return False


def file_problem(name: str, size: int, data: IO[bytes], noun: str = "The evidence file") -> str:
    """Why the file cannot be accepted, as a sentence naming it (``noun``); empty if it can.

    ``data`` is read from its start and left at its start."""
    suffix = extension(name)
    if suffix not in ALLOWED:
        return f"{noun} must be a {KINDS_TEXT} file"
    if size <= 0:
        return f"{noun} is empty"
    if size > MAX_BYTES:
        return f"{noun} must be smaller than {MAX_BYTES // (1024 * 1024)} MB"
    data.seek(0)
    head = data.read(SNIFF_BYTES)
    data.seek(0)
    if not isinstance(head, bytes):
        return f"{noun} could not be read"
    matches = _content_matches(suffix, head, data)
    data.seek(0)
    if not matches:
        label = ALLOWED[suffix].label
        return f"{noun} is not a real {label} file: its content does not match its name"
    return ""


def bytes_problem(name: str, content: bytes, noun: str = "The evidence file") -> str:
    """``file_problem`` for content held in memory."""
    return file_problem(name, len(content), io.BytesIO(content), noun)
