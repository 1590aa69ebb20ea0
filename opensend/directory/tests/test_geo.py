"""Postcodes and distances, and loading the ONS Postcode Directory."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from opensend.directory.geo import (
    Point,
    bounding_box,
    district_centroid,
    district_of,
    locate,
    locate_with_reason,
    miles_between,
    normalise_postcode,
)
from opensend.directory.management.commands.load_onspd import load, parse_row
from opensend.directory.models import Postcode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WA7 1AB", "WA7 1AB"),
        ("wa71ab", "WA7 1AB"),
        ("  wa7   1ab ", "WA7 1AB"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("L1 8JQ", "L1 8JQ"),
        ("M1 1AE", "M1 1AE"),
        ("EC1A1BB", "EC1A 1BB"),
        ("wa7", "WA7"),
        ("L1", "L1"),
        ("SW1A", "SW1A"),
        ("", None),
        ("hello", None),
        ("12345", None),
        ("WA7 1A", None),
        ("WA7 1ABC", None),
        ("W", None),
        ("WA7-1AB", None),
    ],
)
def test_normalise_postcode(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    ("text", "district"),
    [("WA7 1AB", "WA7"), ("sw1a1aa", "SW1A"), ("l1", "L1"), ("nonsense", None)],
)
def test_district_of(text, district):
    assert district_of(text) == district


def test_miles_between():
    liverpool = Point(53.40254, -2.97928)
    runcorn = Point(53.32987, -2.7028)
    london = Point(51.50265, -0.13111)
    assert miles_between(liverpool, liverpool) == 0
    assert miles_between(liverpool, runcorn) == pytest.approx(12.5, abs=0.5)
    assert miles_between(liverpool, london) == pytest.approx(178, abs=3)
    assert miles_between(liverpool, runcorn) == pytest.approx(miles_between(runcorn, liverpool))


def test_bounding_box_holds_the_circle():
    origin = Point(53.4, -2.98)
    south, west, north, east = bounding_box(origin, 10)
    for corner in (Point(north, origin.longitude), Point(origin.latitude, east)):
        assert miles_between(origin, corner) == pytest.approx(10, rel=0.01)
    assert south < origin.latitude < north and west < origin.longitude < east


def test_district_centroids_come_from_the_shipped_file():
    assert district_centroid("WA7") == Point(53.32987, -2.7028)
    assert district_centroid("wa7") == Point(53.32987, -2.7028)
    assert district_centroid("ZZ9") is None


@pytest.mark.django_db
def test_locate_prefers_a_loaded_full_postcode():
    assert locate("WA7 1AB") == Point(53.32987, -2.7028)  # the district's centroid
    Postcode.objects.create(postcode="WA7 1AB", latitude=53.3, longitude=-2.7)
    assert locate("wa71ab") == Point(53.3, -2.7)
    assert locate("WA7") == Point(53.32987, -2.7028)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ZZ9 9ZZ", "We could not find the postcode ZZ9 9ZZ"),
        ("banana", "Enter a real postcode"),
        ("", "Enter a real postcode"),
    ],
)
def test_locate_with_reason(text, problem):
    point, reason = locate_with_reason(text)
    assert point is None
    assert reason.startswith(problem)


# --- load_onspd ---------------------------------------------------------------------------------

ONSPD = """pcd,pcd2,pcds,dointr,doterm,oslaua,osward,lat,long
WA7 1AB,WA7  1AB,WA7 1AB,198001,,E06000006,E05001234,53.331000,-2.701000
WA7 1AD,WA7  1AD,WA7 1AD,198001,200012,E06000006,E05001234,53.332000,-2.702000
L1  8JQ,L1   8JQ,L1 8JQ,198001,,E08000012,E05000001,53.403000,-2.980000
WA7 9ZZ,WA7  9ZZ,WA7 9ZZ,198001,,E06000006,E05001234,99.999999,0.000000
BADCODE,BADCODE,NOT A CODE,198001,,E06000006,E05001234,53.0,-2.0
WA7 2XY,WA7  2XY,WA7 2XY,198001,,E06000006,E05001234,north,-2.0
"""


@pytest.mark.django_db
def test_load_keeps_good_rows_and_reports_bad_ones():
    report = load(io.StringIO(ONSPD), batch_size=1)
    assert report.loaded == 2
    assert report.skipped_terminated == 1
    assert [line for line, _ in report.rejected] == [5, 6, 7]
    assert "no location" in report.rejected[0][1]
    assert "not a full postcode" in report.rejected[1][1]
    assert "not a number" in report.rejected[2][1]
    row = Postcode.objects.get(postcode="WA7 1AB")
    assert (row.latitude, row.longitude, row.lad_code, row.terminated) == (
        53.331,
        -2.701,
        "E06000006",
        False,
    )


@pytest.mark.django_db
def test_load_only_the_chosen_areas_and_terminated_on_request():
    report = load(io.StringIO(ONSPD), lads={"E08000012"}, include_terminated=True)
    assert report.loaded == 1
    assert report.skipped_area == 5
    assert list(Postcode.objects.values_list("postcode", flat=True)) == ["L1 8JQ"]
    load(io.StringIO(ONSPD), lads={"E06000006"}, include_terminated=True)
    assert Postcode.objects.get(postcode="WA7 1AD").terminated is True


@pytest.mark.django_db
def test_loading_again_updates_in_place():
    load(io.StringIO(ONSPD))
    load(io.StringIO(ONSPD.replace("53.331000", "53.339000")))
    assert Postcode.objects.count() == 2
    assert Postcode.objects.get(postcode="WA7 1AB").latitude == 53.339


@pytest.mark.django_db
def test_a_file_without_the_onspd_columns_changes_nothing():
    with pytest.raises(CommandError, match="no lat, long column"):
        load(io.StringIO("pcds,oslaua,doterm\nWA7 1AB,E06000006,\n"))
    assert not Postcode.objects.exists()


def test_parse_row_rejects_a_district():
    with pytest.raises(ValueError, match="not a full postcode"):
        parse_row({"pcds": "WA7", "lat": "53", "long": "-2", "oslaua": "", "doterm": ""})


@pytest.mark.django_db
def test_the_command(tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text(ONSPD, encoding="utf-8")
    out = io.StringIO()
    call_command("load_onspd", str(path), "--lad", "e06000006", stdout=out)
    assert "Loaded 1 postcodes" in out.getvalue()
    assert "line 5: WA7 9ZZ: has no location" in out.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("load_onspd", str(tmp_path / "missing.csv"))
