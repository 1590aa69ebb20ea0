"""The gap analysis's pure rules, each a table of cases: classifying a line of provision,
annualising it, demand against capacity, age bands and dispute ages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from opensend.commissioning import gap_rules
from opensend.commissioning.gap_rules import CapacityVerdict, Measure, annualise, classify


@pytest.mark.parametrize(
    ("description", "provider", "expected"),
    [
        # speech and language therapy, however it is written
        ("Speech and language therapy, 1 hour a week", "", "salt"),
        ("Speech & language therapy assessment", "", "salt"),
        ("SALT programme delivered by a teaching assistant", "", "salt"),
        ("Individual SLT sessions", "", "salt"),
        ("Speech therapy in a small group", "", "salt"),
        ("Programme of language work", "NHS speech and language therapy service", "salt"),
        # occupational therapy, and sensory OT before it
        ("Occupational therapy review", "", "ot"),
        ("Fine motor programme", "Community OT team", "ot"),
        ("Sensory integration therapy", "", "sensory_ot"),
        ("Assessment of sensory processing needs", "", "sensory_ot"),
        ("A sensory diet through the school day", "", "sensory_ot"),
        ("Sensory OT sessions", "", "sensory_ot"),
        ("Daily sensory circuit", "Occupational therapist", "sensory_ot"),
        ("Occupational therapy with sensory strategies", "", "sensory_ot"),
        ("Occupational therapy", "Brightwater sensory OT service", "sensory_ot"),
        ("Occupational therapy", "Sensory support service", "ot"),
        # the description decides when it says what it is
        ("Physiotherapy programme", "Delivered with OT advice", "physio"),
        ("Physio exercises twice a day", "", "physio"),
        # mental health
        ("CAMHS appointments", "", "camhs"),
        ("Weekly counselling in school", "", "camhs"),
        ("Play therapy", "", "camhs"),
        ("Support for mental health and wellbeing", "", "camhs"),
        # neurodevelopmental assessment
        ("Autism assessment", "", "neurodevelopmental"),
        ("ADHD assessment by the paediatric team", "", "neurodevelopmental"),
        ("Neurodevelopmental pathway review", "", "neurodevelopmental"),
        # the rest
        ("Specialist seating and a standing frame", "", "equipment"),
        ("A communication aid (AAC) with training", "", "equipment"),
        ("Home to school transport with a passenger assistant", "", "transport"),
        ("Travel training", "", "transport"),
        ("Overnight short breaks", "", "short_breaks"),
        ("Respite at a residential unit", "", "short_breaks"),
        ("1:1 tuition in maths", "", "tuition"),
        ("Visits from the advisory teacher for hearing impairment", "", "tuition"),
        ("Information, advice and support for the family", "", "advice"),
        # not recognised: other, never guessed
        ("Access to a quiet space at break times", "School", "other"),
        ("Small class with a high ratio of adults", "", "other"),
        ("Sensory room", "", "other"),
        ("", "", "other"),
        # whole words only
        ("Got a place in the nurture group", "", "other"),
        ("Photography club", "", "other"),
    ],
)
def test_classify(description, provider, expected):
    assert classify(description, provider) == expected


def test_classify_ignores_spacing_and_case():
    assert classify("  SPEECH   and\nLANGUAGE therapy ") == "salt"


@pytest.mark.parametrize(
    ("quantity", "unit", "frequency", "expected"),
    [
        ("30", "minutes", "daily", ("95.00", Measure.HOURS)),
        ("1", "hours", "weekly", ("39.00", Measure.HOURS)),
        ("2", "hours", "fortnightly", ("39.00", Measure.HOURS)),
        ("45", "minutes", "weekly", ("29.25", Measure.HOURS)),
        ("1", "hours", "monthly", ("12.00", Measure.HOURS)),
        ("3", "sessions", "half_termly", ("18.00", Measure.SESSIONS)),
        ("2", "sessions", "termly", ("6.00", Measure.SESSIONS)),
        ("6", "sessions", "annually", ("6.00", Measure.SESSIONS)),
        ("1", "sessions", "once", ("1.00", Measure.SESSIONS)),
        ("2", "days", "monthly", ("24.00", Measure.DAYS)),
        ("1", "nights", "weekly", ("39.00", Measure.NIGHTS)),
        ("20", "minutes", "daily", ("63.33", Measure.HOURS)),
        # cannot be added up
        (None, "hours", "weekly", None),
        ("1", "", "weekly", None),
        ("1", "hours", "", None),
        ("1", "weeks", "weekly", None),
        ("0", "hours", "weekly", None),
    ],
)
def test_annualise(quantity, unit, frequency, expected):
    result = annualise(Decimal(quantity) if quantity is not None else None, unit, frequency)
    if expected is None:
        assert result is None
    else:
        assert result == gap_rules.Annual(Decimal(expected[0]), expected[1])


HOURS_150 = {Measure.HOURS: Decimal(150)}


@pytest.mark.parametrize(
    ("capacity", "unit", "demand", "children", "verdict", "share", "reason_has"),
    [
        ("100", "hours", HOURS_150, 3, CapacityVerdict.OVER, "150.0", ""),
        ("150", "hours", HOURS_150, 3, CapacityVerdict.WITHIN, "100.0", ""),
        ("187.5", "hours", HOURS_150, 3, CapacityVerdict.WITHIN, "80.0", ""),
        ("200", "hours", HOURS_150, 3, CapacityVerdict.SPARE, "75.0", ""),
        ("10", "places", {}, 12, CapacityVerdict.OVER, "120.0", ""),
        ("10", "places", {}, 0, CapacityVerdict.SPARE, "0.0", ""),
        ("20", "sessions", {Measure.SESSIONS: Decimal(18)}, 2, CapacityVerdict.WITHIN, "90.0", ""),
        (
            "20",
            "sessions",
            HOURS_150,
            2,
            CapacityVerdict.NOT_COMPARABLE,
            None,
            "plans promise hours",
        ),
        ("50", "assessments", HOURS_150, 2, CapacityVerdict.NOT_COMPARABLE, None, "assessments"),
        (None, "", HOURS_150, 2, CapacityVerdict.NOT_COMPARABLE, None, "do not say"),
        ("0", "hours", HOURS_150, 2, CapacityVerdict.OVER, None, "No capacity"),
        ("20", "sessions", {}, 2, CapacityVerdict.NOT_COMPARABLE, None, "no amount"),
    ],
)
def test_capacity_check(capacity, unit, demand, children, verdict, share, reason_has):
    check = gap_rules.capacity_check(
        capacity=Decimal(capacity) if capacity is not None else None,
        capacity_unit=unit,
        demand=demand,
        children=children,
    )
    assert check.verdict is verdict
    assert check.share_percent == (Decimal(share) if share is not None else None)
    assert reason_has in check.reason
    assert check.label == gap_rules.VERDICT_LABELS[verdict]


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "Under 5"),
        (4, "Under 5"),
        (5, "5 to 10"),
        (10, "5 to 10"),
        (11, "11 to 15"),
        (15, "11 to 15"),
        (16, "16 to 19"),
        (19, "16 to 19"),
        (20, "20 to 25"),
        (25, "20 to 25"),
        (26, "Over 25"),
    ],
)
def test_age_band(age, band):
    assert gap_rules.age_band(age) == band


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (dt.date(2021, 9, 2), "Under 5"),  # 4 the day before the 5th birthday
        (dt.date(2021, 9, 1), "5 to 10"),  # 5 on the day
        (dt.date(2015, 9, 2), "5 to 10"),
        (dt.date(2015, 9, 1), "11 to 15"),
        (dt.date(2000, 9, 2), "20 to 25"),
    ],
)
def test_birth_date_bands_agree_with_ages(born, band):
    on = dt.date(2026, 9, 1)
    found = [
        label for label, first, last in gap_rules.birth_date_bands(on) if first <= born <= last
    ]
    assert found == [band]


def test_birth_date_bands_on_29_february():
    bands = gap_rules.birth_date_bands(dt.date(2028, 2, 29))
    assert bands[0] == ("Under 5", dt.date(2023, 3, 1), dt.date(2028, 2, 29))
    assert bands[1][2] == dt.date(2023, 2, 28)


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (0, "Under 4 weeks"),
        (27, "Under 4 weeks"),
        (28, "4 to 12 weeks"),
        (83, "4 to 12 weeks"),
        (84, "12 to 26 weeks"),
        (181, "12 to 26 weeks"),
        (182, "26 weeks or more"),
        (1000, "26 weeks or more"),
    ],
)
def test_dispute_age_band(days, band):
    assert gap_rules.dispute_age_band(days) == band
