import pytest

from opensend.people.names import fold, prefix_upper_bound, query_terms, tokens_for_name


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("Smith", {"smith"}),
        ("Zoë", {"zoe"}),
        ("O'Brien-Smith", {"obrien", "o", "brien", "smith", "obriensmith"}),
        ("Mary Ann", {"mary", "ann", "maryann"}),
        ("  ", set()),
        ("Nguyễn", {"nguyen"}),
        ("D’Souza", {"dsouza", "d", "souza"}),
    ],
)
def test_tokens_for_name(name, tokens):
    assert tokens_for_name(name) == tokens


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Zo  O'Bri", ["zo", "obri"]),
        ("smith smith", ["smith"]),
        ("  ", []),
        ("JO-ANNE", ["jo", "anne"]),
    ],
)
def test_query_terms(text, terms):
    assert query_terms(text) == terms


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("smi", "smj"),
        ("az", "b"),
        ("a9", "aa"),
        ("zz", None),
        ("z", None),
        ("9", "a"),
        ("ab0", "ab1"),
    ],
)
def test_prefix_upper_bound(prefix, bound):
    assert prefix_upper_bound(prefix) == bound


def test_prefix_upper_bound_refuses_unfolded_text():
    with pytest.raises(ValueError, match="not a folded token"):
        prefix_upper_bound("Sm")


def test_fold():
    assert fold("Ångström-Ölz 2") == "angstromolz2"
