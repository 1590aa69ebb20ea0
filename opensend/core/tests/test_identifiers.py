import pytest
from django.core.exceptions import ValidationError

from opensend.core import identifiers as ids


@pytest.mark.parametrize(
    ("upn", "problem"),
    [
        ("B801200005001", None),  # RULES.md §5 worked example
        ("P207000016049", None),  # the widely copied example: the correct letter is P
        ("Q207000016049", "the check letter is Q but the digits give P"),
        ("A801200005001", "the check letter is A but the digits give B"),
        ("B80120000500", "a UPN is 13 characters; this has 12"),
        ("B8012000050011", "a UPN is 13 characters; this has 14"),
        ("1801200005001", "a UPN is a letter, 11 digits, then a digit or (temporary UPN) a letter"),
        ("I801200005001", "I is never a UPN check letter"),
        ("B80120000500I", "I is never the last letter of a temporary UPN"),
        ("BA01200005001", "a UPN is a letter, 11 digits, then a digit or (temporary UPN) a letter"),
    ],
)
def test_upn_problem(upn, problem):
    assert ids.upn_problem(upn) == problem


@pytest.mark.parametrize(
    ("body", "letter"),
    [("801200005001", "B"), ("207000016049", "P")],
)
def test_upn_check_letter(body, letter):
    assert ids.upn_check_letter(body) == letter


def test_temporary_upn_counts_its_final_letter():
    body = "80120000500" + "C"
    letter = ids.upn_check_letter(body)
    assert ids.upn_problem(letter + body) is None
    assert ids.is_temporary_upn(letter + body)
    # The final letter changes the check letter: C is index 2, weighted 13.
    assert letter != ids.upn_check_letter("80120000500" + "D")


def test_make_upn_is_valid_and_structured():
    upn = ids.make_upn("990", 4123, 2019, 7)
    assert ids.upn_problem(upn) is None
    assert upn[1:] == "990412319007"


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("9434765870", None),  # RULES.md §5
        ("9434765871", "the check digit is 1 but the first nine digits give 0"),
        ("943476587", "an NHS number is 10 digits"),
        ("94347658700", "an NHS number is 10 digits"),
        ("94347A5870", "an NHS number is 10 digits"),
        ("4010232137", None),
        (
            "1000000010",
            "no NHS number can start with these nine digits (their check digit would be 10)",
        ),
    ],
)
def test_nhs_number_problem(number, problem):
    assert ids.nhs_number_problem(number) == problem


def test_make_nhs_number_round_trips_and_refuses_impossible_stems():
    assert ids.make_nhs_number(943476587) == "9434765870"
    assert ids.make_nhs_number(100000001) is None


@pytest.mark.parametrize(
    ("uln", "problem"),
    [
        ("9276308686", None),  # RULES.md §5
        ("9276308687", "the digits of this ULN do not pass its check"),
        ("0276308686", "a ULN does not start with 0"),
        ("927630868", "a ULN is 10 digits"),
        ("92763086X6", "a ULN is 10 digits"),
    ],
)
def test_uln_problem(uln, problem):
    assert ids.uln_problem(uln) == problem


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [(" b801 2000 05001 ", "B801200005001"), ("943-476-5870", "9434765870"), ("", "")],
)
def test_normalise_identifier(raw, normalised):
    assert ids.normalise_identifier(raw) == normalised


@pytest.mark.parametrize(
    ("validator", "good", "bad", "message"),
    [
        (ids.validate_upn, "b801 200005001", "A801200005001", "Enter a valid UPN"),
        (ids.validate_nhs_number, "943 476 5870", "9434765871", "Enter a valid NHS number"),
        (ids.validate_uln, "9276308686", "9276308687", "Enter a valid ULN"),
    ],
)
def test_django_validators(validator, good, bad, message):
    validator(good)
    with pytest.raises(ValidationError, match=message):
        validator(bad)
