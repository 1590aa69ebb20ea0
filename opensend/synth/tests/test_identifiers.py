"""Synthetic identifiers: valid, in reserved-looking ranges, never shared between areas."""

from __future__ import annotations

import itertools

import pytest

from opensend.core.identifiers import nhs_number_problem, upn_problem
from opensend.synth import identifiers


@pytest.mark.parametrize(
    ("la_code", "serial", "urn"),
    [("990", 0, "910000"), ("990", 9999, "919999"), ("998", 42, "990042")],
)
def test_urns_are_in_the_areas_block(la_code, serial, urn):
    assert identifiers.urn(la_code, serial) == urn


@pytest.mark.parametrize(
    ("la_code", "serial", "ukprn"), [("990", 0, "10991000"), ("994", 123, "10995123")]
)
def test_ukprns_are_eight_digits_starting_with_1(la_code, serial, ukprn):
    assert identifiers.ukprn(la_code, serial) == ukprn


@pytest.mark.parametrize("la_code", ["989", "999", "876", "abc"])
def test_only_synthetic_area_codes_have_identifier_blocks(la_code):
    with pytest.raises(ValueError):
        identifiers.urn(la_code, 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: identifiers.urn("990", 10_000), "0 to 9999"),
        (lambda: identifiers.ukprn("990", 1000), "0 to 999"),
        (lambda: identifiers.elsewhere_establishment("990", 6, 100), "at most 100"),
    ],
)
def test_identifier_serials_outside_their_range_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_elsewhere_establishment_numbers_carry_the_home_areas_index():
    assert identifiers.elsewhere_establishment("993", 6, 7) == "6307"


def test_nhs_numbers_are_valid_test_numbers_unique_and_different_per_area():
    first = list(itertools.islice(identifiers.nhs_numbers("990"), 5000))
    second = list(itertools.islice(identifiers.nhs_numbers("991"), 5000))
    assert len(set(first)) == 5000
    assert not set(first) & set(second)
    for number in first + second:
        assert number.startswith("999")
        assert nhs_number_problem(number) is None
    assert first[:3] == list(itertools.islice(identifiers.nhs_numbers("990"), 3))
    assert first[1] != str(int(first[0]) + 1)  # scattered, not consecutive


def test_each_area_has_room_for_a_hundred_thousand_nhs_numbers():
    assert sum(1 for _ in identifiers.nhs_numbers("998")) > 100_000


def test_upns_are_valid_and_count_up_per_school_and_year():
    allocator = identifiers.UPNAllocator("990")
    upns = [allocator.allocate("2001", 2015) for _ in range(1000)]
    assert all(upn is not None and upn_problem(upn) is None for upn in upns)
    assert len(set(upns)) == 1000
    assert upns[0] is not None
    assert upns[0][1:] == "990200115000"
    assert allocator.allocate("2001", 2015) is None  # the serials of that school and year ran out
    assert allocator.allocate("2001", 2016) is not None
