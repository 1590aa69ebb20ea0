"""Statistical disclosure control: small numbers (1 to 5 children) are never shown in an
aggregate that a board, an analyst or the public sees (DESIGN.md, "Data protection").

Primary suppression hides each count from 1 to 5. Secondary suppression then hides the next
smallest count in any row or column where exactly one count is hidden, so that a hidden count
cannot be worked out from a published total.
"""

from __future__ import annotations

from collections.abc import Mapping

SMALLEST_SHOWN = 6
SUPPRESSED = "[c]"  # the marker the DfE and ONS use for a suppressed figure


def is_small(count: int) -> bool:
    return 0 < count < SMALLEST_SHOWN


def suppress(count: int) -> int | str:
    """One figure on its own."""
    return SUPPRESSED if is_small(count) else count


def suppress_table(
    table: Mapping[str, Mapping[str, int]],
) -> dict[str, dict[str, int | str]]:
    """A two-way table of counts (row -> column -> count) with primary and secondary
    suppression applied, ready to show beside row and column totals."""
    rows = list(table)
    columns: list[str] = []
    for row in rows:
        for column in table[row]:
            if column not in columns:
                columns.append(column)
    hidden = {(r, c) for r in rows for c in columns if is_small(table[r].get(c, 0))}

    def lines() -> list[list[tuple[str, str]]]:
        by_row = [[(r, c) for c in columns] for r in rows]
        by_column = [[(r, c) for r in rows] for c in columns]
        return by_row + by_column

    changed = True
    while changed:
        changed = False
        for line in lines():
            hidden_here = [cell for cell in line if cell in hidden]
            if len(hidden_here) != 1:
                continue
            candidates = [
                cell for cell in line if cell not in hidden and table[cell[0]].get(cell[1], 0) > 0
            ]
            if not candidates:
                continue
            smallest = min(candidates, key=lambda cell: table[cell[0]].get(cell[1], 0))
            hidden.add(smallest)
            changed = True
    return {
        r: {c: (SUPPRESSED if (r, c) in hidden else table[r].get(c, 0)) for c in columns}
        for r in rows
    }
