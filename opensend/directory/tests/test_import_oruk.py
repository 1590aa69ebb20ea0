"""Importing another directory's ORUK feed: by file (array, page, single service) and by URL
(a local feed on loopback), idempotent, with every rejected record reported and the rest
imported."""

from __future__ import annotations

import copy
import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from opensend.directory.models import (
    ImportedRecord,
    ImportRun,
    RevisionState,
    Service,
    ServiceRevision,
)
from opensend.directory.search import SearchQuery, search
from opensend.directory.services import imports
from opensend.directory.taxonomy import term_id

pytestmark = pytest.mark.django_db

ORG_ID = "7b0c3a1e-8d2f-4c6b-9e1a-2f3d4c5b6a00"


def service_record(n, **overrides):
    record = {
        "id": str(uuid.UUID(int=0x7B0C3A1E8D2F4C6B9E1A2F3D4C5B0000 + n)),
        "name": f"Riverside Youth Club {n}",
        "description": "An inclusive youth club for young people with SEND.",
        "status": "active",
        "minimum_age": 11,
        "maximum_age": 18,
        "organization": {
            "id": ORG_ID,
            "name": "Riverside Community Trust",
            "description": "A community charity.",
        },
        "attributes": [
            {
                "id": str(uuid.UUID(int=0x7B0C3A1E8D2F4C6B9E1A2F3D4C5B1000 + n)),
                "taxonomy_term_id": str(term_id("youth-clubs")),
                "link_type": "category",
            }
        ],
    }
    record.update(overrides)
    return record


def as_bytes(value):
    return json.dumps(value).encode("utf-8")


def test_a_file_of_services_is_imported_and_published(area):
    run = imports.import_file(
        area=area,
        name="riverside.json",
        data=as_bytes([service_record(1), service_record(2)]),
        acting_user=None,
    )
    assert run.outcome == ImportRun.Outcome.COMPLETED
    assert (run.created, run.updated, run.unchanged, run.rejected) == (2, 0, 0, 0)
    assert run.finished_at is not None
    public = Service.objects.public().filter(area=area)
    assert public.count() == 2
    revision = ServiceRevision.objects.get(service__name="Riverside Youth Club 1")
    assert revision.state == RevisionState.APPROVED
    assert revision.summary == "Imported from riverside.json"
    kept = ImportedRecord.objects.get(external_id=service_record(1)["id"])
    assert kept.raw == service_record(1) and len(kept.raw_hash) == 64
    assert kept.service.imported_from == kept
    assert kept.first_run == run and kept.last_run == run
    # published means searchable
    assert search(area, SearchQuery(words="riverside"), source=None).total == 2


@pytest.mark.parametrize(
    "payload",
    [
        [service_record(1)],
        {"total_items": 1, "total_pages": 1, "page_number": 1, "contents": [service_record(1)]},
        service_record(1),
    ],
    ids=["array", "page", "single"],
)
def test_each_file_shape_is_read(area, payload):
    run = imports.import_file(area=area, name="f.json", data=as_bytes(payload), acting_user=None)
    assert run.created == 1


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"not json", "not JSON"),
        (b'{"hello": "world"}', "holds no services"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_a_file_that_is_not_a_feed_fails_the_run(area, data, why):
    run = imports.import_file(area=area, name="bad.json", data=data, acting_user=None)
    assert run.outcome == ImportRun.Outcome.FAILED
    assert why in run.failure
    assert not Service.objects.exists()


def test_importing_again_is_idempotent_and_only_changes_what_changed(area):
    records = [service_record(1), service_record(2)]
    imports.import_file(area=area, name="f.json", data=as_bytes(records), acting_user=None)
    again = imports.import_file(area=area, name="f.json", data=as_bytes(records), acting_user=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert ServiceRevision.objects.count() == 2

    changed = copy.deepcopy(records)
    changed[1]["name"] = "Riverside Youth Club Two"
    third = imports.import_file(area=area, name="f.json", data=as_bytes(changed), acting_user=None)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    service = Service.objects.get(id=records[1]["id"])
    assert service.name == "Riverside Youth Club Two"
    assert service.revisions.count() == 2
    assert ImportedRecord.objects.get(external_id=records[1]["id"]).last_run == third
    assert ImportedRecord.objects.get(external_id=records[0]["id"]).last_run == third


def test_the_same_record_from_a_named_feed_is_matched_whatever_the_file_is_called(area):
    data = as_bytes([service_record(1)])
    imports.import_file(area=area, name="jan.json", data=data, acting_user=None, feed="Riverside")
    run = imports.import_file(
        area=area, name="feb.json", data=data, acting_user=None, feed="Riverside"
    )
    assert run.unchanged == 1 and run.source == "feb.json"


def test_invalid_records_are_reported_and_the_others_still_import(area):
    bad_status = service_record(2, status="open")
    no_name = service_record(3)
    del no_name["name"]
    bad_postcode = service_record(
        4,
        service_at_locations=[
            {
                "id": str(uuid.UUID(int=44)),
                "location": {
                    "id": str(uuid.UUID(int=45)),
                    "location_type": "physical",
                    "addresses": [
                        {
                            "id": str(uuid.UUID(int=46)),
                            "address_1": "1 Quay",
                            "city": "Halford",
                            "state_province": "Halford Vale",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    )
    records = [
        service_record(1),
        bad_status,
        no_name,
        "not an object",
        bad_postcode,
        service_record(5),
    ]
    run = imports.import_file(area=area, name="f.json", data=as_bytes(records), acting_user=None)
    assert run.outcome == ImportRun.Outcome.COMPLETED_WITH_REJECTIONS
    assert (run.created, run.rejected) == (2, 4)
    assert {
        "index": 1,
        "id": bad_status["id"],
        "path": "status",
        "reason": run.report[0]["reason"],
    } == run.report[0]
    assert "must be one of" in run.report[0]["reason"]
    rows = {(r["index"], r["path"]) for r in run.report}
    assert (2, "name") in rows
    assert (3, "") in rows
    assert (4, "service_at_locations[0].location.addresses[0].postal_code") in rows
    assert set(Service.objects.values_list("name", flat=True)) == {
        "Riverside Youth Club 1",
        "Riverside Youth Club 5",
    }
    assert not ImportedRecord.objects.filter(external_id=bad_status["id"]).exists()


def test_script_in_an_imported_description_is_neutralised(area):
    record = service_record(
        1, description="Fun<script>document.location='https://evil.example'</script> times"
    )
    imports.import_file(area=area, name="f.json", data=as_bytes([record]), acting_user=None)
    service = Service.objects.get()
    assert service.description == "Fun times"
    assert "<script>" not in json.dumps(service.published_revision.document)
    # The raw record is kept as it came.
    assert "<script>" in ImportedRecord.objects.get().raw["description"]


def test_the_report_csv_rows_are_safe_for_spreadsheets(area):
    run = ImportRun(
        area=area, report=[{"index": 0, "id": "=cmd()", "path": "name", "reason": "is required"}]
    )
    rows = imports.report_rows(run)
    assert rows[0] == ["index", "id", "path", "reason"]
    assert rows[1] == ["0", "'=cmd()", "name", "is required"]


# --- by URL ---------------------------------------------------------------------------------


class Feed:
    """A small ORUK feed on loopback: paged /services and /services/{id}."""

    def __init__(self, records, per_page=2, broken_ids=()):
        self.records = {r["id"]: r for r in records}
        self.per_page = per_page
        self.broken_ids = set(broken_ids)
        self.requests = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                feed.requests.append(parts.path)
                if parts.path == "/api/services":
                    page = int(parse_qs(parts.query).get("page", ["1"])[0])
                    ids = list(feed.records)
                    pages = max(1, -(-len(ids) // feed.per_page))
                    chunk = ids[(page - 1) * feed.per_page : page * feed.per_page]
                    body = {
                        "total_items": len(ids),
                        "total_pages": pages,
                        "page_number": page,
                        "size": len(chunk),
                        "first_page": page == 1,
                        "last_page": page >= pages,
                        "empty": not ids,
                        "contents": [
                            {"id": i, "name": feed.records[i].get("name", "")} for i in chunk
                        ],
                    }
                    return self._send(200, body)
                if parts.path.startswith("/api/services/"):
                    key = parts.path.rsplit("/", 1)[1]
                    if key in feed.broken_ids:
                        return self._send(500, {"error": "boom"})
                    if key in feed.records:
                        return self._send(200, feed.records[key])
                return self._send(404, {"error": "not found"})

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_a_feed_is_followed_page_by_page_then_each_service_fetched(area):
    records = [service_record(n) for n in range(1, 6)]
    with Feed(records, per_page=2) as feed:
        run = imports.import_url(area=area, url=feed.url, acting_user=None, timeout=5)
    assert run.outcome == ImportRun.Outcome.COMPLETED, run.failure
    assert run.created == 5
    assert feed.requests.count("/api/services") == 3
    assert run.source == feed.url
    assert ImportedRecord.objects.filter(feed=feed.url).count() == 5


def test_a_feed_url_ending_in_services_is_understood(area):
    with Feed([service_record(1)]) as feed:
        run = imports.import_url(
            area=area, url=feed.url + "/services/", acting_user=None, timeout=5
        )
        again = imports.import_url(area=area, url=feed.url, acting_user=None, timeout=5)
    assert run.created == 1 and again.unchanged == 1


def test_a_record_that_cannot_be_fetched_is_rejected_and_the_others_imported(area):
    records = [service_record(1), service_record(2)]
    with Feed(records, broken_ids=[records[0]["id"]]) as feed:
        run = imports.import_url(area=area, url=feed.url, acting_user=None, timeout=5)
    assert (run.created, run.rejected) == (1, 1)
    assert run.report[0]["id"] == records[0]["id"]
    assert "500" in run.report[0]["reason"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_feed_fails_clearly(area):
    run = imports.import_url(
        area=area, url=f"http://127.0.0.1:{free_port()}/api", acting_user=None, timeout=2
    )
    assert run.outcome == ImportRun.Outcome.FAILED
    assert "Could not reach" in run.failure
    assert not Service.objects.exists()


def test_a_feed_that_is_not_oruk_fails_clearly(area):
    with Feed([]) as feed:
        run = imports.import_url(
            area=area, url=feed.url.replace("/api", "/nothing"), acting_user=None, timeout=5
        )
    assert run.outcome == ImportRun.Outcome.FAILED
    assert "404" in run.failure


def test_only_http_feeds_are_read(area):
    run = imports.import_url(area=area, url="file:///etc/passwd", acting_user=None)
    assert run.outcome == ImportRun.Outcome.FAILED
    assert "http" in run.failure


def test_a_timeout_is_reported(area):
    def slow(url, timeout):
        raise TimeoutError

    run = imports.import_url(
        area=area, url="https://feed.example/api", acting_user=None, opener=slow, timeout=1
    )
    assert run.outcome == ImportRun.Outcome.FAILED
    assert "did not answer within 1 seconds" in run.failure


def test_our_own_api_can_be_imported_into_another_area(area, live_server):
    from opensend.core.tests.factories import AreaFactory
    from opensend.directory.tests.factories import public_service

    public_service(area=area, name="Chatterbox Speech Drop-in", needs=("SLCN",), postcode="L1 8JQ")
    other = AreaFactory(la_code="991", ons_code="E06000991")
    # Ids are global, so the other area is given a copy under its own feed: here the records
    # are refused (ids of another area's records), and reported, not lost or overwritten.
    run = imports.import_url(
        area=other, url=f"{live_server.url}/local-offer/990/oruk", acting_user=None, timeout=10
    )
    assert run.rejected == 1 and "another area" in run.report[0]["reason"]
    assert Service.objects.get().area == area
