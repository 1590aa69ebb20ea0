"""The census row rules, one case per kind of problem, each with its exact column and reason."""

from __future__ import annotations

import datetime as dt

import pytest

from opensend.core.identifiers import UPN_LETTERS
from opensend.returns.census.rules import (
    CensusRow,
    RowError,
    Setting,
    census_day_notice,
    duplicate_upns,
    parse_date,
    resolve_setting,
    validate_row,
)
from opensend.returns.tests.helpers import AUTUMN_2024, SPRING_2025, TODAY, pupil, upn

GOOD_UPN = upn(1)
WRONG_LETTER = next(letter for letter in UPN_LETTERS if letter != GOOD_UPN[0])


def _check(overrides, census_date=SPRING_2025):
    values = pupil(1, urn="100001")
    values.update(overrides)
    return validate_row(14, values, census_date=census_date, today=TODAY)


CASES = [
    (
        "bad check letter",
        {"UPN": WRONG_LETTER + GOOD_UPN[1:]},
        [("UPN", f"the check letter is {WRONG_LETTER} but the digits give {GOOD_UPN[0]}")],
    ),
    ("UPN too short", {"UPN": "A12345"}, [("UPN", "a UPN is 13 characters; this has 6")]),
    ("UPN missing", {"UPN": ""}, [("UPN", "missing: every pupil needs a UPN")]),
    ("surname missing", {"Surname": "  "}, [("Surname", "missing: every pupil needs a surname")]),
    ("forename missing", {"Forename": ""}, [("Forename", "missing: every pupil needs a forename")]),
    (
        "surname too long",
        {"Surname": "S" * 101},
        [("Surname", "101 characters is too long; at most 100")],
    ),
    ("DOB missing", {"DOB": ""}, [("DOB", "missing: every pupil needs a date of birth")]),
    (
        "DOB not a date",
        {"DOB": "14.03.2015"},
        [("DOB", "14.03.2015 is not a date; write it as YYYY-MM-DD or DD/MM/YYYY")],
    ),
    ("DOB not a real date", {"DOB": "31/02/2015"}, [("DOB", "31/02/2015 is not a real date")]),
    ("DOB in the future", {"DOB": "2030-01-01"}, [("DOB", "1 January 2030 is in the future")]),
    (
        "DOB after the census date",
        {"DOB": "2025-03-01"},
        [("DOB", "1 March 2025 is not before the census date (16 January 2025)")],
    ),
    (
        "older than 25 on the census date",
        {"DOB": "1998-01-01"},
        [
            (
                "DOB",
                "born 1 January 1998, the pupil would be 27 on the census date; the census "
                "covers pupils up to 25",
            )
        ],
    ),
    ("gender unknown", {"Gender": "X"}, [("Gender", "X is not a gender code; use M, F or U")]),
    (
        "gender missing",
        {"Gender": ""},
        [("Gender", "missing: every pupil needs a gender (M, F or U)")],
    ),
    (
        "provision S is legacy",
        {"SENprovision": "S"},
        [
            (
                "SENprovision",
                "S (statement) is a legacy code: statements were replaced by EHC plans, so use "
                "E for a pupil with an EHC plan",
            )
        ],
    ),
    (
        "provision unknown",
        {"SENprovision": "Q"},
        [
            (
                "SENprovision",
                "Q is not a SEN provision code; use E (EHC plan), K (SEN support) or N (no SEN)",
            )
        ],
    ),
    (
        "provision missing",
        {"SENprovision": "", "SENtype1": ""},
        [("SENprovision", "missing: every pupil needs a SEN provision code")],
    ),
    (
        "need code unknown",
        {"SENtype1": "ADHD"},
        [
            (
                "SENtype1",
                "ADHD is not a SEN type code; use one of SPLD, MLD, SLD, PMLD, SEMH, SLCN, HI, "
                "VI, MSI, PD, ASD, DS, OTH, NSA",
            )
        ],
    ),
    (
        "NSA with an EHC plan",
        {"SENprovision": "E", "SENtype1": "NSA"},
        [
            (
                "SENtype1",
                "NSA (no specialist assessment) is only used with SEN support (K), not with an "
                "EHC plan (E)",
            )
        ],
    ),
    (
        "NSA as secondary with an EHC plan",
        {"SENprovision": "E", "SENtype2": "NSA"},
        [
            (
                "SENtype2",
                "NSA (no specialist assessment) is only used with SEN support (K), not with an "
                "EHC plan (E)",
            )
        ],
    ),
    (
        "need missing for E",
        {"SENprovision": "E", "SENtype1": ""},
        [("SENtype1", "missing: a pupil with provision E needs a primary SEN type")],
    ),
    (
        "need missing for K",
        {"SENtype1": ""},
        [("SENtype1", "missing: a pupil with provision K needs a primary SEN type")],
    ),
    (
        "need given for N",
        {"SENprovision": "N", "SENtype1": "ASD"},
        [("SENtype1", "a pupil with provision N (no SEN) has no SEN type; leave it empty")],
    ),
    (
        "SENtype2 without SENtype1",
        {"SENtype1": "", "SENtype2": "SLCN"},
        [
            ("SENtype1", "missing: a pupil with provision K needs a primary SEN type"),
            ("SENtype2", "a secondary SEN type needs a primary one in SENtype1"),
        ],
    ),
    (
        "SENtype2 equal to SENtype1",
        {"SENtype2": "ASD"},
        [("SENtype2", "the same as SENtype1 (ASD); a secondary need differs from the primary")],
    ),
    (
        "no setting",
        {"URN": ""},
        [("URN", "missing: every pupil needs the URN or the LAESTAB of their setting")],
    ),
    ("URN not 6 digits", {"URN": "12345"}, [("URN", "12345 is not a URN; a URN is 6 digits")]),
    (
        "LAESTAB not 7 digits",
        {"URN": "", "LAESTAB": "99012"},
        [
            (
                "LAESTAB",
                "99012 is not a LAESTAB; a LAESTAB is 7 digits, the LA code then the "
                "establishment number",
            )
        ],
    ),
    (
        "postcode not a postcode",
        {"Postcode": "NOT A CODE"},
        [("Postcode", "NOT A CODE is not a full UK postcode")],
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_is_reported_with_its_column_and_reason(overrides, expected):
    row, errors = _check(overrides)
    assert row is None
    assert [(error.row, error.field, error.problem) for error in errors] == [
        (14, field, problem) for field, problem in expected
    ]


def test_ds_is_refused_before_the_january_2025_census_and_accepted_from_it():
    row, errors = _check({"SENtype1": "DS"}, census_date=AUTUMN_2024)
    assert row is None
    assert [(e.field, e.problem) for e in errors] == [
        (
            "SENtype1",
            "DS (Down syndrome) is a SEN type from the census of 16 January 2025; this census "
            "date is 3 October 2024",
        )
    ]
    row, errors = _check({"SENtype1": "DS"}, census_date=SPRING_2025)
    assert errors == []
    assert row is not None and row.need1 == "DS"


def test_every_problem_of_a_row_is_reported_not_only_the_first():
    _, errors = _check({"UPN": "", "Gender": "Q", "SENprovision": "S"})
    assert [e.field for e in errors] == ["UPN", "Gender", "SENprovision"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"upn": GOOD_UPN, "provision": "K", "need1": "ASD", "need2": "", "urn": "100001"}),
        ({"UPN": " " + GOOD_UPN.lower()[:5] + " " + GOOD_UPN[5:] + " "}, {"upn": GOOD_UPN}),
        ({"DOB": "14/03/2015"}, {"date_of_birth": dt.date(2015, 3, 14)}),
        ({"DOB": dt.date(2015, 3, 14)}, {"date_of_birth": dt.date(2015, 3, 14)}),
        ({"DOB": "2000-06-01"}, {"date_of_birth": dt.date(2000, 6, 1)}),  # 24 on the census
        (
            {"Gender": "m", "SENprovision": "e", "SENtype1": "semh"},
            {"sex": "M", "provision": "E", "need1": "SEMH"},
        ),
        ({"SENtype1": "NSA"}, {"need1": "NSA"}),
        ({"SENprovision": "N", "SENtype1": ""}, {"provision": "N", "needs": {}}),
        ({"SENtype2": "SLCN"}, {"needs": {1: "ASD", 2: "SLCN"}}),
        ({"URN": "", "LAESTAB": "990/3001"}, {"urn": "", "laestab": "9903001"}),
        ({"Postcode": "sw1a1aa"}, {"postcode": "SW1A 1AA"}),
        ({"Forename": "  Mary   Jane "}, {"forename": "Mary Jane", "middle_names": None}),
        ({"MiddleNames": "Ann"}, {"middle_names": "Ann"}),
    ],
)
def test_valid_rows_are_normalised(overrides, expected):
    row, errors = _check(overrides)
    assert errors == []
    assert isinstance(row, CensusRow)
    for attribute, value in expected.items():
        assert getattr(row, attribute) == value


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2015-03-14", (dt.date(2015, 3, 14), None)),
        ("14/03/2015", (dt.date(2015, 3, 14), None)),
        ("4/3/2015", (dt.date(2015, 3, 4), None)),
        (dt.date(2015, 3, 14), (dt.date(2015, 3, 14), None)),
        ("2015-02-29", (None, "2015-02-29 is not a real date")),
        ("March 2015", (None, "March 2015 is not a date; write it as YYYY-MM-DD or DD/MM/YYYY")),
    ],
)
def test_parse_date(cell, expected):
    assert parse_date(cell) == expected


def test_a_row_error_reads_as_a_sentence():
    error = RowError(14, "UPN", "B801200005002", "the check letter is B but the digits give K")
    assert str(error) == "Row 14, UPN: the check letter is B but the digits give K"
    assert error.as_dict() == {
        "row": 14,
        "field": "UPN",
        "value": "B801200005002",
        "problem": "the check letter is B but the digits give K",
    }


def test_every_repeat_of_a_upn_is_reported_naming_the_first_row():
    errors = duplicate_upns([(2, "A1"), (3, "B2"), (4, "A1"), (5, ""), (6, "A1"), (7, "B2")])
    assert [str(error) for error in errors] == [
        "Row 4, UPN: A1 is also on row 2; each pupil appears once",
        "Row 6, UPN: A1 is also on row 2; each pupil appears once",
        "Row 7, UPN: B2 is also on row 3; each pupil appears once",
    ]


HILL = Setting(1, "Hill Primary", "100001", "9903001", True)
VALE = Setting(2, "Vale Academy", "100002", "9903002", True)
NO_LAESTAB = Setting(3, "Brook School", "100003", "", True)
NO_URN = Setting(4, "Meadow Nursery", "", "9903004", True)
TRUST = Setting(5, "Halford Health Trust", "100005", "", False)
BY_URN = {s.urn: s for s in (HILL, VALE, NO_LAESTAB, TRUST) if s.urn}
BY_LAESTAB = {s.laestab: s for s in (HILL, VALE, NO_URN) if s.laestab}


def _row(urn="", laestab=""):
    values = pupil(1, urn=urn)
    values["LAESTAB"] = laestab
    row, errors = validate_row(2, values, census_date=SPRING_2025, today=TODAY)
    assert errors == [] and row is not None
    return row


@pytest.mark.parametrize(
    ("urn", "laestab", "setting", "problem"),
    [
        ("100001", "", HILL, None),
        ("", "9903001", HILL, None),
        ("100001", "9903001", HILL, None),
        ("100003", "9909999", NO_LAESTAB, None),
        ("999999", "9903004", NO_URN, None),
        (
            "999999",
            "",
            None,
            (
                "URN",
                "no setting with URN 999999 is known; add the setting to the organisations "
                "in OpenSEND first",
            ),
        ),
        (
            "999999",
            "9909999",
            None,
            (
                "URN",
                "no setting with URN 999999 or LAESTAB 9909999 is known; add the setting to "
                "the organisations in OpenSEND first",
            ),
        ),
        (
            "",
            "9909999",
            None,
            (
                "LAESTAB",
                "no setting with LAESTAB 9909999 is known; add the setting to the "
                "organisations in OpenSEND first",
            ),
        ),
        (
            "100001",
            "9903002",
            None,
            ("LAESTAB", "LAESTAB 9903002 is Vale Academy but URN 100001 is Hill Primary"),
        ),
        (
            "100001",
            "9909999",
            None,
            ("LAESTAB", "URN 100001 is Hill Primary, whose LAESTAB is 9903001, not 9909999"),
        ),
        (
            "999999",
            "9903001",
            None,
            ("URN", "LAESTAB 9903001 is Hill Primary, whose URN is 100001, not 999999"),
        ),
        (
            "100005",
            "",
            None,
            ("URN", "Halford Health Trust is not a school, college or special school"),
        ),
    ],
)
def test_the_setting_is_found_by_urn_or_laestab_and_both_must_agree(urn, laestab, setting, problem):
    found, error = resolve_setting(_row(urn, laestab), by_urn=BY_URN, by_laestab=BY_LAESTAB)
    assert found == setting
    if problem is None:
        assert error is None
    else:
        assert error is not None and (error.field, error.problem) == problem


@pytest.mark.parametrize(
    ("day", "notice"),
    [
        (dt.date(2025, 1, 16), None),
        (dt.date(2025, 5, 15), None),
        (dt.date(2025, 10, 2), None),
        (
            dt.date(2025, 1, 17),
            "17 January 2025 is not a school census day; the census days of 2025 are "
            "16 January 2025, 15 May 2025, 2 October 2025. Check the census date.",
        ),
    ],
)
def test_a_date_that_is_not_a_census_day_gets_a_notice(day, notice):
    assert census_day_notice(day) == notice
