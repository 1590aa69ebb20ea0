"""Names, places and contact details: plausible, fictional, and the same for the same seed."""

from __future__ import annotations

import random

import pytest
from django.core.validators import validate_email

from opensend.core.models import postcode_validator
from opensend.synth import names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zoë O'Brien", "zoe.obrien.7@example.com"),
        ("Tomáš Kováč", "tomas.kovac.7@example.com"),
        ("Mary-Jane Smith-Jones", "maryjane.smithjones.7@example.com"),
        ("", "contact.7@example.com"),
    ],
)
def test_emails_are_ascii_at_example_com(name, expected):
    email = names.email_for(name, 7)
    assert email == expected
    validate_email(email)


def test_postcodes_use_the_given_districts_and_a_valid_inward_part():
    rng = random.Random(1)
    for _ in range(200):
        postcode = names.postcode(rng, ("WA7", "WA8"))
        postcode_validator(postcode)
        assert postcode.split(" ")[0] in ("WA7", "WA8")
        assert postcode[-2] in names.INWARD_LETTERS
        assert postcode[-1] in names.INWARD_LETTERS


def test_phone_numbers_are_in_the_drama_range():
    rng = random.Random(2)
    for _ in range(50):
        assert names.drama_phone(rng).startswith("07700 900")


def test_the_same_seed_picks_the_same_names():
    first = names.NamePicker(random.Random(9))
    second = names.NamePicker(random.Random(9))
    picks = [
        (first.child_forename("british", "F"), first.surname("south_asian")) for _ in range(20)
    ]
    again = [
        (second.child_forename("british", "F"), second.surname("south_asian")) for _ in range(20)
    ]
    assert picks == again


def test_every_ethnicity_has_a_name_group_and_places_are_unique():
    assert set(names.ETHNICITY_GROUP.values()) <= set(names.GROUPS)
    assert len(set(names.PLACES)) == len(names.PLACES)
    picker = names.NamePicker(random.Random(3))
    surnames = {picker.surname("british") for _ in range(3000)}
    assert any("-" in surname for surname in surnames)  # some double-barrelled
    assert any("'" in surname for surname in surnames)  # and some with apostrophes
