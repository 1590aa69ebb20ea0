"""The commission rules, each driven by a table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from opensend.commissioning import rules
from opensend.commissioning.rules import ContributionRow

LA = "local_authority"
ICB = "icb"
TRUST = "nhs_trust"


def row(org_id, stream, amount, kind=LA, name=None):
    return ContributionRow(
        commissioner_id=org_id,
        commissioner_name=name or f"Org {org_id}",
        commissioner_kind=kind,
        funding_stream=stream,
        annual_amount=Decimal(amount),
    )


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        (dt.date(2026, 4, 1), dt.date(2027, 3, 31), {}),
        (dt.date(2026, 4, 1), dt.date(2026, 4, 1), {}),
        (
            dt.date(2026, 4, 1),
            dt.date(2026, 3, 31),
            {"end_date": ["The end date must be on or after the day the contract starts"]},
        ),
        (None, dt.date(2026, 3, 31), {}),
    ],
)
def test_a_contract_cannot_end_before_it_starts(start, end, errors):
    assert rules.period_errors(start, end) == errors


CASES = [
    # (arrangement, value, lead, s75, rows, expected fields with errors)
    ("sole", 100, None, "", [row(1, "high_needs", 100)], set()),
    ("sole", 100, None, "", [row(1, "high_needs", 60), row(1, "social_care", 40)], set()),
    ("sole", 100, None, "", [row(1, "high_needs", 50), row(2, "icb", 50, ICB)], {"arrangement"}),
    ("sole", 100, None, "", [], {"contributions"}),
    ("lead", 100, None, "", [row(1, "high_needs", 100)], {"lead_commissioner"}),
    ("lead", 100, 1, "", [row(1, "high_needs", 50), row(2, "icb", 20, ICB)], set()),
    ("lead", 100, 3, "", [row(1, "high_needs", 100)], {"lead_commissioner"}),
    ("aligned", 100, None, "", [row(1, "high_needs", 50), row(2, "icb", 50, ICB)], set()),
    (
        "aligned",
        100,
        None,
        "",
        [row(1, "high_needs", 50), row(2, "icb", 40, ICB)],
        {"contributions"},
    ),
    ("pooled", 100, None, "S75/2026/01", [row(1, "high_needs", 70), row(2, "icb", 30, ICB)], set()),
    (
        "pooled",
        100,
        None,
        "",
        [row(1, "high_needs", 70), row(2, "icb", 30, ICB)],
        {"s75_reference"},
    ),
    (
        "pooled",
        100,
        None,
        "  ",
        [row(1, "high_needs", 70), row(2, "icb", 30, ICB)],
        {"s75_reference"},
    ),
    (
        "pooled",
        100,
        None,
        "",
        [row(1, "high_needs", 70), row(2, "icb", 20, ICB)],
        {"s75_reference", "contributions"},
    ),
    ("sole", 100, None, "", [row(2, "high_needs", 100, ICB)], {"contributions.0.funding_stream"}),
    ("sole", 100, None, "", [row(1, "icb", 100, LA)], {"contributions.0.funding_stream"}),
    ("sole", 100, None, "", [row(5, "icb", 100, TRUST)], {"contributions.0.commissioner"}),
    (
        "sole",
        100,
        None,
        "",
        [row(1, "high_needs", 50), row(1, "high_needs", 50)],
        {"contributions.1.commissioner"},
    ),
    ("sole", 100, None, "", [row(1, "high_needs", 0)], {"contributions.0.annual_amount"}),
]


@pytest.mark.parametrize(("arrangement", "value", "lead", "s75", "rows", "fields"), CASES)
def test_the_arrangement_and_contributions_fit_together(
    arrangement, value, lead, s75, rows, fields
):
    errors = rules.arrangement_errors(
        arrangement=arrangement,
        annual_value=Decimal(value),
        lead_commissioner_id=lead,
        s75_reference=s75,
        contributions=rows,
    )
    assert set(errors) == fields


def test_contributions_that_do_not_add_up_say_by_how_much():
    errors = rules.arrangement_errors(
        arrangement="pooled",
        annual_value=Decimal("250000"),
        lead_commissioner_id=None,
        s75_reference="S75/1",
        contributions=[row(1, "high_needs", 150000), row(2, "icb", "90000.50", ICB)],
    )
    assert errors == {
        "contributions": [
            "The contributions add up to £240,000.50 a year but the value is £250,000.00 a "
            "year: for pooled budget (nhs act 2006 section 75) they must be equal"
        ]
    }


@pytest.mark.parametrize(
    ("start", "end", "annual", "whole", "fields"),
    [
        (dt.date(2026, 4, 1), dt.date(2029, 3, 31), 100, 300, set()),
        (dt.date(2026, 4, 1), dt.date(2029, 3, 31), 300, 100, {"whole_life_value"}),
        (dt.date(2026, 4, 1), dt.date(2026, 9, 30), 100, 50, set()),
        (dt.date(2026, 4, 1), dt.date(2026, 9, 30), -1, 50, {"annual_value"}),
    ],
)
def test_the_whole_life_value(start, end, annual, whole, fields):
    errors = rules.value_errors(
        start=start, end=end, annual_value=Decimal(annual), whole_life=Decimal(whole)
    )
    assert set(errors) == fields


@pytest.mark.parametrize(
    ("days_ahead", "window"),
    [(-1, None), (0, 30), (30, 30), (31, 90), (90, 90), (91, None)],
)
def test_reminder_windows(days_ahead, window):
    today = dt.date(2026, 11, 23)
    assert rules.reminder_window(today + dt.timedelta(days=days_ahead), today) == window
