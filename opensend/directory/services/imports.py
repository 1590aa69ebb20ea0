"""Importing another directory's Open Referral UK feed into an area's Local Offer.

A feed arrives as a file (a JSON array of services, a ``Page`` envelope with ``contents``, or a
single service) or by URL (the paged ``/services`` list, then each ``/services/{id}``). Each
record is one ``ImportedRecord`` per ``(area, feed, external id)``, keeping the raw record and
its hash beside the service it became:

- a record whose hash has not changed since the last import is counted *unchanged* and not
  written again;
- a new or changed record is cleaned (``clean_document``: markup neutralised) and published
  through ``publish_document`` as a new approved version, summary "Imported from <feed>";
- a record that cannot be applied is *rejected*: ``ImportRun.report`` gets one row per
  problem — the record's index in the feed, its id, the path and the reason — and the other
  records still import. Each record is applied in its own transaction (a savepoint), so one bad
  record never undoes another.

The run is an ``ImportRun``: its counts, its report, and if the feed could not be read at all
(not JSON, the network unreachable) its ``failure``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from opensend.core.models import Area, User
from opensend.directory.models import ImportedRecord, ImportRun, Service
from opensend.directory.oruk.apply import DocumentInvalid, clean_document
from opensend.directory.services.publish import publish_document

__all__ = [
    "FeedUnavailable",
    "FeedUnreadable",
    "FetchedRecord",
    "fetch_feed",
    "import_file",
    "import_records",
    "import_url",
    "raw_hash",
    "records_from_json",
    "report_rows",
]

logger = logging.getLogger(__name__)

#: Seconds to wait for any one response from a feed.
DEFAULT_TIMEOUT = 15.0
#: The most list pages followed, so a feed that never says "last page" still ends.
MAX_PAGES = 500
#: The page size asked of a feed (it may give fewer).
FEED_PER_PAGE = 100
#: The largest response read from a feed, in bytes.
MAX_RESPONSE_BYTES = 20 * 1024 * 1024


class FeedUnreadable(ValueError):
    """The file or response is not an ORUK feed at all (not JSON, or no records in it)."""


class FeedUnavailable(OSError):
    """The feed could not be reached: no network, a timeout, or an HTTP error on its list."""


@dataclass(frozen=True)
class FetchedRecord:
    """One record of a feed as it arrived, or why it could not be fetched."""

    index: int
    external_id: str
    raw: Any
    error: str = ""


def raw_hash(raw: Any) -> str:
    """The SHA-256 of the record in a canonical JSON form (sorted keys, no spaces)."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _external_id(raw: Any) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str | int):
        return str(raw["id"])[:100]
    return ""


def records_from_json(data: bytes | str) -> list[FetchedRecord]:
    """The records of a file: a JSON array of services, a ``Page`` envelope whose
    ``contents`` are services, or one service."""
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedUnreadable(f"The file is not JSON: {error}") from None
    if isinstance(parsed, dict) and isinstance(parsed.get("contents"), list):
        items = parsed["contents"]
    elif isinstance(parsed, list):
        items = parsed
    elif isinstance(parsed, dict) and "id" in parsed:
        items = [parsed]
    else:
        raise FeedUnreadable(
            "The file holds no services: give a JSON array of services, a page with "
            "“contents”, or one service"
        )
    return [FetchedRecord(i, _external_id(raw), raw) for i, raw in enumerate(items)]


# --- Fetching by URL ------------------------------------------------------------------------

Opener = Callable[[str, float], bytes]


def _open(url: str, timeout: float) -> bytes:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FeedUnavailable(f"Only http and https feeds can be read, not {parts.scheme}:")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, headers={"Accept": "application/json", "User-Agent": "OpenSEND ORUK import"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body: bytes = response.read(MAX_RESPONSE_BYTES + 1)
    if len(body) > MAX_RESPONSE_BYTES:
        raise FeedUnreadable(f"The response from {url} is larger than the import accepts")
    return body


def _get_json(url: str, timeout: float, opener: Opener) -> Any:
    try:
        body = opener(url, timeout)
    except urllib.error.HTTPError as error:
        raise FeedUnavailable(f"{url} answered {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FeedUnavailable(f"Could not reach {url}: {error.reason}") from None
    except TimeoutError:
        raise FeedUnavailable(f"{url} did not answer within {timeout:g} seconds") from None
    except OSError as error:
        raise FeedUnavailable(f"Could not reach {url}: {error}") from None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FeedUnreadable(f"{url} did not answer with JSON") from None


def feed_base(url: str) -> str:
    """The feed's base URL (where ``/services`` lives), from the URL an officer gave."""
    base = url.strip().split("?", 1)[0].rstrip("/")
    if base.endswith("/services"):
        base = base[: -len("/services")]
    return base


def fetch_feed(
    url: str, *, timeout: float = DEFAULT_TIMEOUT, opener: Opener = _open
) -> Iterator[FetchedRecord]:
    """Follow the feed's paged ``/services`` list, then fetch each ``/services/{id}``.

    Raises ``FeedUnavailable`` if the list cannot be read; a record whose own fetch fails is
    yielded with its ``error``, and the others are still fetched."""
    base = feed_base(url)
    ids: list[str] = []
    for page in range(1, MAX_PAGES + 1):
        query = urllib.parse.urlencode({"page": page, "per_page": FEED_PER_PAGE})
        listing = _get_json(f"{base}/services?{query}", timeout, opener)
        if not isinstance(listing, dict) or not isinstance(listing.get("contents"), list):
            raise FeedUnreadable(f"{base}/services is not an ORUK page (no “contents”)")
        contents = listing["contents"]
        ids.extend(_external_id(item) for item in contents)
        total_pages = listing.get("total_pages")
        if (
            not contents
            or listing.get("last_page") is True
            or (isinstance(total_pages, int) and page >= total_pages)
        ):
            break
    for index, external_id in enumerate(dict.fromkeys(ids)):
        if not external_id:
            yield FetchedRecord(index, "", None, "the list gave a service without an id")
            continue
        detail_url = f"{base}/services/{urllib.parse.quote(external_id, safe='')}"
        try:
            yield FetchedRecord(index, external_id, _get_json(detail_url, timeout, opener))
        except (FeedUnavailable, FeedUnreadable) as error:
            yield FetchedRecord(index, external_id, None, str(error))


# --- Importing ------------------------------------------------------------------------------


def _reject(run: ImportRun, record: FetchedRecord, problems: Iterable[tuple[str, str]]) -> None:
    for path, reason in problems:
        run.report.append(
            {"index": record.index, "id": record.external_id, "path": path, "reason": reason}
        )
    run.rejected += 1


def _import_one(
    *, area: Area, feed: str, run: ImportRun, record: FetchedRecord, acting_user: User | None
) -> None:
    if record.error:
        _reject(run, record, [("", record.error)])
        return
    if not isinstance(record.raw, dict):
        _reject(run, record, [("", "must be a JSON object")])
        return
    digest = raw_hash(record.raw)
    kept = ImportedRecord.objects.filter(
        area=area, feed=feed, external_id=record.external_id
    ).first()
    now = timezone.now()
    if (
        kept is not None
        and kept.raw_hash == digest
        and kept.service_id is not None
        and Service.objects.filter(pk=kept.service_id, area=area).exists()
    ):
        kept.last_run = run
        kept.fetched_at = now
        kept.save(update_fields=["last_run", "fetched_at"])
        run.unchanged += 1
        return
    document = clean_document(record.raw)
    service_key = _uuid_or_none(document.get("id"))
    existed = service_key is not None and Service.objects.filter(pk=service_key).exists()
    try:
        with transaction.atomic():
            revision = publish_document(
                area=area,
                document=document,
                organization=None,
                acting_user=acting_user,
                summary=f"Imported from {feed}"[:255],
            )
            service = revision.service
            kept, _ = ImportedRecord.objects.update_or_create(
                area=area,
                feed=feed,
                external_id=record.external_id,
                defaults={
                    "raw": record.raw,
                    "raw_hash": digest,
                    "service": service,
                    "last_run": run,
                    "fetched_at": now,
                },
                create_defaults={
                    "raw": record.raw,
                    "raw_hash": digest,
                    "service": service,
                    "first_run": run,
                    "last_run": run,
                    "fetched_at": now,
                },
            )
            Service.objects.filter(pk=service.pk).update(imported_from=kept)
    except DocumentInvalid as invalid:
        _reject(run, record, invalid.problems)
        return
    except DatabaseError as error:
        logger.warning("Import of %s from %s failed: %s", record.external_id, feed, error)
        _reject(run, record, [("", "could not be saved; the other records were imported")])
        return
    if existed:
        run.updated += 1
    else:
        run.created += 1


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _start(area: Area, source: str, acting_user: User | None) -> ImportRun:
    return ImportRun.objects.create(
        area=area, source=source[:500], started_at=timezone.now(), started_by=acting_user
    )


def _finish(run: ImportRun, *, failure: str = "") -> ImportRun:
    run.finished_at = timezone.now()
    if failure:
        run.failure = failure
        run.outcome = ImportRun.Outcome.FAILED
    elif run.rejected:
        run.outcome = ImportRun.Outcome.COMPLETED_WITH_REJECTIONS
    else:
        run.outcome = ImportRun.Outcome.COMPLETED
    run.save()
    return run


def import_records(
    *,
    area: Area,
    feed: str,
    records: Iterable[FetchedRecord],
    acting_user: User | None,
    run: ImportRun | None = None,
) -> ImportRun:
    """Import ``records`` of ``feed`` into ``area``; each record in its own transaction."""
    run = run or _start(area, feed, acting_user)
    try:
        for record in records:
            _import_one(area=area, feed=feed, run=run, record=record, acting_user=acting_user)
    except (FeedUnavailable, FeedUnreadable) as error:
        return _finish(run, failure=str(error))
    return _finish(run)


def import_file(
    *, area: Area, name: str, data: bytes, acting_user: User | None, feed: str = ""
) -> ImportRun:
    """Import an uploaded ORUK file. ``feed`` names the directory it came from (records
    are matched to earlier imports by it); the file's name if not given."""
    feed = (feed or name).strip()[:500] or "uploaded file"
    run = _start(area, name or feed, acting_user)
    try:
        records = records_from_json(data)
    except FeedUnreadable as error:
        return _finish(run, failure=str(error))
    return import_records(area=area, feed=feed, records=records, acting_user=acting_user, run=run)


def import_url(
    *,
    area: Area,
    url: str,
    acting_user: User | None,
    timeout: float = DEFAULT_TIMEOUT,
    opener: Opener = _open,
) -> ImportRun:
    """Import the ORUK feed at ``url`` (its base, or its ``/services`` list)."""
    feed = feed_base(url)
    run = _start(area, url, acting_user)
    return import_records(
        area=area,
        feed=feed,
        records=fetch_feed(url, timeout=timeout, opener=opener),
        acting_user=acting_user,
        run=run,
    )


def report_rows(run: ImportRun) -> list[list[str]]:
    """The run's report as rows for a CSV: a header, then one row per problem."""
    rows = [["index", "id", "path", "reason"]]
    for entry in run.report:
        rows.append([_cell(entry.get(key, "")) for key in ("index", "id", "path", "reason")])
    return rows


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
