"""The pure rules of Local Offer feedback: the reference, the check for details that may
identify someone, academic years, small-number suppression and the per-session rate limit."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from opensend.directory.feedback_selectors import (
    academic_year_bounds,
    academic_year_label,
    academic_year_of,
    count_label,
)
from opensend.directory.services.feedback import (
    REFERENCE_ALPHABET,
    identifying_details,
    new_reference,
)
from opensend.directory.views.feedback import RATE_LIMIT, rate_limited


def test_a_reference_looks_like_lo_and_six_unambiguous_characters():
    for _ in range(200):
        reference = new_reference()
        assert re.fullmatch(rf"LO-[{REFERENCE_ALPHABET}]{{6}}", reference)
        assert not set(reference[3:]) & set("01OIL")


def test_references_are_not_sequential_or_repeated():
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # nothing identifying
        ("The Local Offer website is hard to search on my phone.", []),
        ("Please add more short breaks in the summer holidays.", []),
        ("The Speech Therapy page had an old phone number.", []),
        ("I could not find anything for autistic teenagers in Halford.", []),
        ("We waited 18 months for an assessment.", []),
        # email addresses
        ("Email me at jo.bloggs@example.com please", [("email", "jo.bloggs@example.com")]),
        ("contact: a+b@mail.example.org.", [("email", "a+b@mail.example.org")]),
        # phone numbers
        ("Ring me on 01632 960123 after 3pm", [("phone", "01632 960123")]),
        ("my mobile is 07700 900456", [("phone", "07700 900456")]),
        ("call +44 7700 900789 any time", [("phone", "+44 7700 900789")]),
        ("or (01632) 960 001", [("phone", "(01632) 960 001")]),
        # postcodes
        ("We live in L1 8JQ and the bus never comes", [("postcode", "L1 8JQ")]),
        ("near wa7 2gh", [("postcode", "wa7 2gh")]),
        ("postcode SW1A1AA", [("postcode", "SW1A1AA")]),
        # names
        ("Mrs Patel at the clinic was very kind", [("name", "Mrs Patel")]),
        ("Dr. Okafor explained it well", [("name", "Dr. Okafor")]),
        ("My son Jack is 9 and loves swimming", [("name", "Jack")]),
        ("my daughter, Amira, needs a quiet space", [("name", "Amira")]),
        ("We saw Sam Jones at the forum", [("name", "Sam Jones")]),
        # capitalised common words are not names
        ("The Parent Carer Forum and Short Breaks Team helped", []),
        ("On Monday September the Youth Club was shut", []),
        # several at once, each once, in kind order
        (
            "Jo Bloggs, jo@example.com, 07700 900111, L1 8JQ, jo@example.com",
            [
                ("email", "jo@example.com"),
                ("phone", "07700 900111"),
                ("postcode", "L1 8JQ"),
                ("name", "Jo Bloggs"),
            ],
        ),
    ],
)
def test_identifying_details(text, expected):
    assert [(detail.kind, detail.text) for detail in identifying_details(text)] == expected


def test_an_identifying_detail_says_what_it_looks_like():
    labels = {detail.label for detail in identifying_details("Mr Smith, a@b.com, 01632 960000")}
    assert labels == {"a name", "an email address", "a phone number"}


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2025, 9, 1), 2025),
        (dt.date(2025, 8, 31), 2024),
        (dt.date(2026, 1, 15), 2025),
        (dt.date(2026, 8, 31), 2025),
        (dt.date(2026, 9, 1), 2026),
        (dt.date(2025, 12, 31), 2025),
    ],
)
def test_academic_year_of(day, year):
    assert academic_year_of(day) == year


def test_academic_year_label_and_bounds():
    assert academic_year_label(2025) == "2025 to 2026"
    start, end = academic_year_bounds(2025)
    assert (start.date(), end.date()) == (dt.date(2025, 9, 1), dt.date(2026, 9, 1))
    assert start.tzinfo is not None


@pytest.mark.parametrize(
    ("count", "label"),
    [(0, "0"), (1, "fewer than 6"), (5, "fewer than 6"), (6, "6"), (12, "12"), (1500, "1,500")],
)
def test_small_counts_are_suppressed(count, label):
    assert count_label(count) == label


NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("sent", "limited"),
    [
        ([], False),
        ([NOW - MINUTE] * (RATE_LIMIT - 1), False),
        ([NOW - MINUTE] * RATE_LIMIT, True),
        ([NOW - 61 * MINUTE] * RATE_LIMIT, False),  # all over an hour ago
        ([NOW - 61 * MINUTE] * 2 + [NOW - MINUTE] * (RATE_LIMIT - 1), False),
        ([NOW - 59 * MINUTE] * RATE_LIMIT, True),
        ([NOW + MINUTE] * RATE_LIMIT, False),  # a clock from the future counts for nothing
    ],
)
def test_rate_limit(sent, limited):
    assert rate_limited(sent, NOW) is limited
