"""What a census row changes on a child's record, worked out without the database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from opensend.returns.census.changes import ChildState, Dated, plan_row
from opensend.returns.census.rules import validate_row
from opensend.returns.tests.helpers import AUTUMN_2024, SPRING_2025, TODAY, pupil

BEFORE = AUTUMN_2024
CENSUS = SPRING_2025
LATER = dt.date(2025, 2, 1)
SCHOOL = 7
OTHER_SCHOOL = 8


def _row(**overrides):
    row, errors = validate_row(
        2, pupil(1, urn="100001", **overrides), census_date=CENSUS, today=TODAY
    )
    assert errors == [] and row is not None
    return row


def _child(**changes):
    state = ChildState(
        pk=41,
        area_id=1,
        date_of_birth=dt.date(2015, 3, 14),
        identity={
            "forename": "Robin",
            "surname": "Testpupil1",
            "middle_names": "",
            "preferred_forename": "",
            "preferred_surname": "",
            "former_surname": "",
            "sex": "F",
            "home_postcode": "",
        },
        sen_status="K",
        primary_need="ASD",
        period=Dated(100, "K", BEFORE, "census"),
        needs={1: Dated(200, "ASD", BEFORE, "census")},
        placement=Dated(300, SCHOOL, BEFORE, "census"),
    )
    return dataclasses.replace(state, **changes)


def _plan(row, child, setting=SCHOOL):
    return plan_row(row, setting_id=setting, child=child, census_date=CENSUS)


def test_a_new_child_gets_status_needs_and_placement_from_the_census_date():
    plan, errors = _plan(_row(SENtype2="SLCN"), None)
    assert errors == []
    assert plan.is_new and plan.changes_record
    assert (plan.period_new, plan.need_new, plan.placement_new) == (
        True,
        [(1, "ASD"), (2, "SLCN")],
        True,
    )


def test_a_new_child_without_sen_keeps_only_the_period_from_birth():
    plan, _ = _plan(_row(SENprovision="N", SENtype1=""), None)
    assert (plan.period_new, plan.need_new, plan.placement_new) == (False, [], True)


def test_the_same_facts_change_nothing():
    plan, errors = _plan(_row(), _child())
    assert errors == []
    assert not plan.changes_record


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Dated(100, "K", BEFORE, "census"), {"period_end": 100, "period_new": True}),
        (Dated(100, "K", BEFORE, "manual"), {"period_end": 100, "period_new": True}),
        (Dated(100, "K", CENSUS, "census"), {"period_fix": 100, "period_new": False}),
        (None, {"period_end": None, "period_new": True}),
    ],
)
def test_a_changed_status_ends_the_day_before_or_is_corrected_for_the_same_census(period, expected):
    plan, errors = _plan(_row(SENprovision="E"), _child(period=period))
    assert errors == []
    for attribute, value in expected.items():
        assert getattr(plan, attribute) == value
    assert plan.sync_child


@pytest.mark.parametrize(
    ("period", "problem"),
    [
        (
            Dated(100, "K", LATER, "manual"),
            "the child's record shows SEN support from 1 February 2025, after this census date "
            "(16 January 2025); a census cannot rewrite a later record",
        ),
        (
            Dated(100, "K", CENSUS, "manual"),
            "the child's record shows SEN support from 16 January 2025, after this census date "
            "(16 January 2025); a census cannot rewrite a later record",
        ),
    ],
)
def test_a_later_status_is_not_rewritten(period, problem):
    plan, errors = _plan(_row(SENprovision="E"), _child(period=period))
    assert plan is None
    assert [(e.field, e.problem) for e in errors] == [("SENprovision", problem)]


def test_needs_changed_at_a_rank_end_and_the_new_code_opens():
    child = _child(
        needs={1: Dated(200, "ASD", BEFORE, "census"), 2: Dated(201, "HI", BEFORE, "manual")}
    )
    plan, _ = _plan(_row(SENtype1="SEMH", SENtype2="HI"), child)
    assert (plan.need_end, plan.need_new, plan.need_fix, plan.need_delete) == (
        [200],
        [(1, "SEMH")],
        [],
        [],
    )
    assert plan.sync_child  # the primary need changes


def test_a_secondary_need_no_longer_reported_ends():
    child = _child(
        needs={1: Dated(200, "ASD", BEFORE, "census"), 2: Dated(201, "HI", BEFORE, "census")}
    )
    plan, _ = _plan(_row(), child)
    assert (plan.need_end, plan.need_new) == ([201], [])
    assert not plan.sync_child


def test_no_sen_ends_every_ranked_need():
    child = _child(
        needs={1: Dated(200, "ASD", BEFORE, "census"), 2: Dated(201, "HI", BEFORE, "census")}
    )
    plan, _ = _plan(_row(SENprovision="N", SENtype1=""), child)
    assert (plan.need_end, plan.period_end, plan.period_new) == ([200, 201], 100, True)


def test_a_corrected_file_for_the_same_census_corrects_or_removes_its_needs():
    child = _child(
        needs={1: Dated(200, "ASD", CENSUS, "census"), 2: Dated(201, "HI", CENSUS, "census")}
    )
    plan, _ = _plan(_row(SENtype1="SEMH"), child)
    assert (plan.need_fix, plan.need_delete, plan.need_end, plan.need_new) == (
        [(200, "SEMH")],
        [201],
        [],
        [],
    )


def test_a_later_need_is_not_rewritten():
    child = _child(needs={1: Dated(200, "ASD", LATER, "ehc")})
    plan, errors = _plan(_row(SENtype1="SEMH"), child)
    assert plan is None
    assert [str(e) for e in errors] == [
        "Row 2, SENtype1: the child's record shows ASD as the primary need from 1 February "
        "2025, after this census date (16 January 2025); a census cannot rewrite a later record"
    ]


@pytest.mark.parametrize(
    ("placement", "expected"),
    [
        (None, {"placement_new": True, "placement_end": None}),
        (Dated(300, SCHOOL, BEFORE, "census"), {"placement_new": True, "placement_end": 300}),
        (Dated(300, SCHOOL, CENSUS, "census"), {"placement_fix": 300, "placement_new": False}),
    ],
)
def test_a_new_setting_ends_the_census_placement_the_day_before(placement, expected):
    plan, errors = _plan(_row(), _child(placement=placement), setting=OTHER_SCHOOL)
    assert errors == []
    for attribute, value in expected.items():
        assert getattr(plan, attribute) == value


def test_a_later_census_placement_is_not_rewritten():
    plan, errors = _plan(
        _row(), _child(placement=Dated(300, SCHOOL, LATER, "census")), setting=OTHER_SCHOOL
    )
    assert plan is None
    assert [(e.field, e.value) for e in errors] == [("URN", "100001")]


def test_names_sex_and_postcode_update_and_missing_optional_values_leave_the_record():
    child = _child(
        identity={**_child().identity, "middle_names": "Ann", "home_postcode": "LS1 1AA"}
    )
    plan, _ = _plan(_row(Surname="Newname", Gender="M", Postcode="LS2 2BB"), child)
    assert plan.identity == {"surname": "Newname", "sex": "M", "home_postcode": "LS2 2BB"}
    assert plan.changes_record


def test_a_upn_with_another_date_of_birth_is_refused():
    plan, errors = _plan(_row(DOB="2015-03-15"), _child())
    assert plan is None
    assert [str(e) for e in errors] == [
        "Row 2, DOB: the child with UPN "
        f"{_row().upn} in OpenSEND was born on 14 March 2015, not 15 March 2015; the row was "
        "refused rather than change whose record it is. Check the UPN and date of birth"
    ]


def test_a_record_out_of_step_with_its_open_period_is_put_right():
    plan, _ = _plan(_row(), _child(sen_status="N", primary_need=""))
    assert plan.sync_child and plan.changes_record
