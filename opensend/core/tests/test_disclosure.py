import pytest

from opensend.core.disclosure import SUPPRESSED, is_small, suppress, suppress_table


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, 0), (1, SUPPRESSED), (5, SUPPRESSED), (6, 6), (1234, 1234)],
)
def test_suppress_single_figures(count, shown):
    assert suppress(count) == shown
    assert is_small(count) == (shown == SUPPRESSED)


def test_secondary_suppression_hides_a_second_cell_in_the_row_and_column():
    table = {"ASD": {"K": 3, "E": 40}, "SLCN": {"K": 50, "E": 20}}
    shown = suppress_table(table)
    assert shown["ASD"]["K"] == SUPPRESSED
    # Alone in its row, 3 could be worked out from the row total: 40 is hidden too.
    assert shown["ASD"]["E"] == SUPPRESSED
    # And in its column: the smallest other K count is hidden.
    assert shown["SLCN"]["K"] == SUPPRESSED
    # ...which then leaves SLCN's row with one hidden cell, so its other cell goes too.
    assert shown["SLCN"]["E"] == SUPPRESSED


def test_no_small_numbers_no_suppression():
    table = {"ASD": {"K": 30, "E": 40}, "SLCN": {"K": 0, "E": 20}}
    assert suppress_table(table) == table


def test_zero_is_never_used_for_secondary_suppression():
    table = {"ASD": {"K": 2, "E": 0}, "MLD": {"K": 9, "E": 0}}
    shown = suppress_table(table)
    assert shown["ASD"] == {"K": SUPPRESSED, "E": 0}
    assert shown["MLD"]["K"] == SUPPRESSED
    assert shown["MLD"]["E"] == 0


def test_every_line_with_one_hidden_cell_gets_another():
    table = {
        "A": {"x": 1, "y": 10, "z": 20},
        "B": {"x": 30, "y": 40, "z": 50},
        "C": {"x": 60, "y": 70, "z": 80},
    }
    shown = suppress_table(table)
    lines = [list(row.values()) for row in shown.values()] + [
        [shown[r][c] for r in shown] for c in ("x", "y", "z")
    ]
    for line in lines:
        assert line.count(SUPPRESSED) != 1
