import datetime as dt

import pytest

from opensend.people.search import parse

D = dt.date


@pytest.mark.parametrize(
    ("text", "names", "upns", "numbers", "dob"),
    [
        ("jo smi", ["jo", "smi"], [], [], None),
        ("B801200005001", [], ["B801200005001"], [], None),
        ("943 476 5870", [], [], ["9434765870"], None),
        ("9434765870", [], [], ["9434765870"], None),
        ("14/03/2015", [], [], [], D(2015, 3, 14)),
        ("14-3-2015 smith", ["smith"], [], [], D(2015, 3, 14)),
        ("2015-03-14", [], [], [], D(2015, 3, 14)),
        ("smith 14 March 2015", ["smith"], [], [], D(2015, 3, 14)),
        ("14 mar 2015", [], [], [], D(2015, 3, 14)),
        ("May Smith", ["may", "smith"], [], [], None),  # a month name alone is a name
    ],
)
def test_parse(text, names, upns, numbers, dob):
    query = parse(text)
    assert query.name_terms == names
    assert query.upns == upns
    assert query.ten_digit_numbers == numbers
    assert query.date_of_birth == dob
    assert not query.problems


def test_impossible_date_is_a_problem():
    query = parse("31/02/2015")
    assert query.problems == ["31/02/2015 is not a real date"]
    assert query.date_of_birth is None


def test_two_dates_is_a_problem():
    query = parse("01/01/2015 02/02/2016")
    assert query.problems == ["Search for one date of birth at a time"]


def test_empty():
    assert parse("  ").is_empty
    assert parse("'-").is_empty
