"""UK postcodes and distances for the Local Offer.

A postcode is found in the ``Postcode`` table (the ONS Postcode Directory, loaded by an area
with ``opensend load_onspd``) when it is there, and otherwise placed at the centroid of its
postcode district (its outward code, e.g. "WA7"), from the district file shipped with OpenSEND
(``data/postcode-districts.csv``; see its SOURCE). Distances are great-circle ("as the crow
flies") miles.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "Point",
    "bounding_box",
    "district_centroid",
    "district_of",
    "is_full_postcode",
    "locate",
    "locate_many",
    "locate_with_reason",
    "miles_between",
    "normalise_postcode",
]

DISTRICTS_FILE = Path(__file__).resolve().parent / "data" / "postcode-districts.csv"
EARTH_RADIUS_MILES = 3958.8

# Outward code: area (1–2 letters), district (digit, then a digit or letter); inward: digit and
# two letters. The strict letter rules of each position are not checked: a postcode that
# matches the shape but does not exist is reported as not found instead.
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_FULL = re.compile(rf"^({_OUTWARD})([0-9][A-Z]{{2}})$")
_DISTRICT = re.compile(rf"^({_OUTWARD})$")


class Point(NamedTuple):
    latitude: float
    longitude: float


def normalise_postcode(text: str) -> str | None:
    """``"wa71ab"`` → ``"WA7 1AB"``; a district alone → ``"WA7"``; ``None`` if it is neither."""
    compact = re.sub(r"\s+", "", text or "").upper()
    full = _FULL.match(compact)
    if full:
        return f"{full.group(1)} {full.group(2)}"
    district = _DISTRICT.match(compact)
    if district:
        return district.group(1)
    return None


def is_full_postcode(normalised: str) -> bool:
    return " " in normalised


def district_of(text: str) -> str | None:
    """The postcode district (outward code) of a full postcode or district, or ``None``."""
    normalised = normalise_postcode(text)
    if normalised is None:
        return None
    return normalised.split(" ")[0]


@functools.cache
def _districts() -> dict[str, Point]:
    centroids: dict[str, Point] = {}
    with DISTRICTS_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                centroids[row["postcode"].strip().upper()] = Point(
                    float(row["latitude"]), float(row["longitude"])
                )
            except (KeyError, ValueError):
                continue
    return centroids


def district_centroid(district: str) -> Point | None:
    return _districts().get(district.strip().upper())


def locate(postcode: str) -> Point | None:
    """Where a postcode is: the full postcode's centroid if the ONS directory is loaded and has
    it, else its district's centroid; ``None`` if it is not a postcode or is not known."""
    return locate_with_reason(postcode)[0]


def locate_with_reason(postcode: str) -> tuple[Point | None, str]:
    """``(point, "")``, or ``(None, why)`` in words a member of the public understands."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return None, "Enter a real postcode, like WA7 1AB, or the first part of one, like WA7"
    point = locate_many([normalised]).get(normalised)
    if point is None:
        return None, f"We could not find the postcode {normalised}. Check it and try again"
    return point, ""


def locate_many(postcodes: Iterable[str]) -> dict[str, Point]:
    """Points for many postcodes in one query, keyed by normalised postcode; unknown ones are
    left out."""
    from opensend.directory.models import Postcode

    wanted = {n for n in (normalise_postcode(p) for p in postcodes) if n}
    full = {p for p in wanted if is_full_postcode(p)}
    found: dict[str, Point] = {}
    if full:
        for code, latitude, longitude in Postcode.objects.filter(postcode__in=full).values_list(
            "postcode", "latitude", "longitude"
        ):
            found[code] = Point(latitude, longitude)
    for code in wanted - found.keys():
        centroid = district_centroid(code.split(" ")[0])
        if centroid is not None:
            found[code] = centroid
    return found


def miles_between(a: Point, b: Point) -> float:
    """Great-circle distance in miles (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(origin: Point, miles: float) -> tuple[float, float, float, float]:
    """``(south, west, north, east)`` of a box holding every point within ``miles``."""
    dlat = math.degrees(miles / EARTH_RADIUS_MILES)
    cos_lat = max(0.01, math.cos(math.radians(origin.latitude)))
    dlon = min(180.0, math.degrees(miles / (EARTH_RADIUS_MILES * cos_lat)))
    return (
        origin.latitude - dlat,
        origin.longitude - dlon,
        origin.latitude + dlat,
        origin.longitude + dlon,
    )
