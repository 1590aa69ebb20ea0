"""The RTT clock, case by case. Every expected wait is counted by hand from a calendar (the day
the referral is received is day 0), never by the function under test.

The pathway most cases start from: a referral received on Monday 2 March 2026.
"""

import ast
import datetime as dt
import inspect
from fractions import Fraction

import pytest

from opensend.core import bank_holidays
from opensend.pathways import forecast, rules
from opensend.pathways.rules import (
    ClockState,
    ClockStatus,
    Event,
    EventKind,
    Measure,
    MonthFlow,
    Pathway,
    PathwayInvalid,
    Pause,
    TriageStatus,
    WeekBand,
)

D = dt.date
K = EventKind
REFERRED = D(2026, 3, 2)  # a Monday

#: England bank holidays 2026 and 2027 from the GOV.UK list (checked against the real source below)
HOLIDAYS = frozenset(
    {
        D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
        D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28),
        D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31),
        D(2027, 8, 30), D(2027, 12, 27), D(2027, 12, 28),
    }
)  # fmt: skip


def ev(kind, day, *, communicated=True):
    return Event(kind, day, clearly_communicated=communicated)


def pathway(*events, pauses=(), referred=REFERRED):
    return Pathway(events=(ev(K.REFERRAL_RECEIVED, referred), *events), pauses=tuple(pauses))


@pytest.mark.django_db
def test_literal_holidays_match_the_real_source():
    bank_holidays.clear_cache()
    try:
        real = bank_holidays.england_and_wales(2026, 2027)
    finally:
        bank_holidays.clear_cache()
    assert {day for day in real if day.weekday() < 5} == HOLIDAYS


@pytest.mark.parametrize("module", [rules, forecast])
def test_rules_touch_no_models(module):
    """Pure rules: nothing from a models module, nothing from Django."""
    tree = ast.parse(inspect.getsource(module))
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert imported
    assert not [name for name in imported if name.endswith("models") or name.startswith("django")]


# --- Week bands and the 18-week line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "band", "within"),
    [
        (0, WeekBand.UP_TO_1, True),
        (7, WeekBand.UP_TO_1, True),  # exactly one week is still in 0–1
        (8, WeekBand.UP_TO_2, True),
        (14, WeekBand.UP_TO_2, True),
        (15, WeekBand.UP_TO_4, True),
        (28, WeekBand.UP_TO_4, True),
        (29, WeekBand.UP_TO_12, True),
        (84, WeekBand.UP_TO_12, True),
        (85, WeekBand.UP_TO_18, True),
        (126, WeekBand.UP_TO_18, True),  # exactly 18 weeks: within the standard
        (127, WeekBand.UP_TO_52, False),  # 18 weeks and a day: over
        (364, WeekBand.UP_TO_52, False),
        (365, WeekBand.OVER_52, False),
        (1000, WeekBand.OVER_52, False),
    ],
)
def test_week_band_and_standard(days, band, within):
    assert rules.week_band(days) is band
    assert rules.within_standard(days) is within


def test_negative_wait_has_no_band():
    with pytest.raises(ValueError, match="cannot be negative"):
        rules.week_band(-1)


@pytest.mark.parametrize(
    ("band", "label"),
    [
        (WeekBand.UP_TO_1, "0–1 weeks"),
        (WeekBand.UP_TO_18, "12–18 weeks"),
        (WeekBand.OVER_52, "Over 52 weeks"),
    ],
)
def test_band_labels(band, label):
    assert band.label == label


# --- The clock on a date -----------------------------------------------------------------------

UN = Measure.UNADJUSTED
ADJ = Measure.ADJUSTED

CLOCK_CASES = [
    # (what, events, pauses, on, measure, status, clock_start, waited, stopped_by, nullified)
    ("on the day of referral", (), (), REFERRED, UN, ClockStatus.RUNNING, REFERRED, 0, None, 0),
    ("a week later", (), (), D(2026, 3, 9), UN, ClockStatus.RUNNING, REFERRED, 7, None, 0),
    ("before the referral", (), (), D(2026, 3, 1), UN, ClockStatus.NOT_STARTED, None, 0, None, 0),
    (
        "treated: Rule 4 stop, 29 + 30 + 4 days",
        (ev(K.TRIAGED, D(2026, 3, 10)), ev(K.APPOINTMENT_ATTENDED, D(2026, 4, 6)),
         ev(K.TREATMENT_STARTED, D(2026, 5, 4))),
        (), D(2026, 6, 1), UN, ClockStatus.STOPPED, REFERRED, 63, K.TREATMENT_STARTED, 0,
    ),
    (
        "a snapshot before the treatment ignores it",
        (ev(K.APPOINTMENT_ATTENDED, D(2026, 4, 6)), ev(K.TREATMENT_STARTED, D(2026, 5, 4))),
        (), D(2026, 4, 20), UN, ClockStatus.RUNNING, REFERRED, 49, None, 0,
    ),
    (
        "missed first appointment: stopped and nullified",
        (ev(K.APPOINTMENT_OFFERED, D(2026, 3, 16)), ev(K.DID_NOT_ATTEND, D(2026, 4, 6))),
        (), D(2026, 4, 13), UN, ClockStatus.NULLIFIED, REFERRED, 35, K.DID_NOT_ATTEND, 1,
    ),
    (
        "rebooked after it: a new clock from the rebooking (Rule 3(e))",
        (ev(K.DID_NOT_ATTEND, D(2026, 4, 6)), ev(K.REBOOKED, D(2026, 4, 8))),
        (), D(2026, 4, 13), UN, ClockStatus.RUNNING, D(2026, 4, 8), 5, None, 1,
    ),
    (
        "missing the rebooked appointment nullifies the new clock too",
        (ev(K.DID_NOT_ATTEND, D(2026, 4, 6)), ev(K.REBOOKED, D(2026, 4, 8)),
         ev(K.DID_NOT_ATTEND, D(2026, 5, 11))),
        (), D(2026, 5, 12), UN, ClockStatus.NULLIFIED, D(2026, 4, 8), 33, K.DID_NOT_ATTEND, 2,
    ),
    (
        "missed first appointment not clearly communicated: the clock runs on",
        (ev(K.DID_NOT_ATTEND, D(2026, 4, 6), communicated=False),),
        (), D(2026, 4, 13), UN, ClockStatus.RUNNING, REFERRED, 42, None, 0,
    ),
    (
        "a later missed appointment does not stop the clock",
        (ev(K.APPOINTMENT_ATTENDED, D(2026, 4, 6)), ev(K.DID_NOT_ATTEND, D(2026, 5, 4)),
         ev(K.REBOOKED, D(2026, 5, 5))),
        (), D(2026, 5, 11), UN, ClockStatus.RUNNING, REFERRED, 70, None, 0,
    ),
    (
        "discharged after a later missed appointment",
        (ev(K.APPOINTMENT_ATTENDED, D(2026, 4, 6)), ev(K.DID_NOT_ATTEND, D(2026, 5, 4)),
         ev(K.DISCHARGED, D(2026, 5, 11))),
        (), D(2026, 6, 1), UN, ClockStatus.STOPPED, REFERRED, 70, K.DISCHARGED, 0,
    ),
    (
        "discharged after a nullifying miss: still nullified, never measured",
        (ev(K.DID_NOT_ATTEND, D(2026, 4, 6)), ev(K.DISCHARGED, D(2026, 4, 20))),
        (), D(2026, 5, 1), UN, ClockStatus.NULLIFIED, REFERRED, 35, K.DID_NOT_ATTEND, 1,
    ),
    (
        "active monitoring stops the clock",
        (ev(K.APPOINTMENT_ATTENDED, D(2026, 4, 6)), ev(K.ACTIVE_MONITORING, D(2026, 4, 6))),
        (), D(2026, 5, 1), UN, ClockStatus.STOPPED, REFERRED, 35, K.ACTIVE_MONITORING, 0,
    ),
    (
        "appointments during monitoring, then a decision to treat starts a new clock (Rule 3(d))",
        (ev(K.ACTIVE_MONITORING, D(2026, 4, 6)), ev(K.APPOINTMENT_ATTENDED, D(2026, 5, 11)),
         ev(K.DECISION_TO_TREAT, D(2026, 6, 1))),
        (), D(2026, 6, 8), UN, ClockStatus.RUNNING, D(2026, 6, 1), 7, None, 0,
    ),
    (
        "after a decision to treat a missed appointment is not a first one",
        (ev(K.ACTIVE_MONITORING, D(2026, 4, 6)), ev(K.DECISION_TO_TREAT, D(2026, 6, 1)),
         ev(K.DID_NOT_ATTEND, D(2026, 6, 8))),
        (), D(2026, 6, 15), UN, ClockStatus.RUNNING, D(2026, 6, 1), 14, None, 0,
    ),
    (
        "decision not to treat",
        (ev(K.DECISION_NOT_TO_TREAT, D(2026, 3, 16)),),
        (), D(2026, 4, 1), UN, ClockStatus.STOPPED, REFERRED, 14, K.DECISION_NOT_TO_TREAT, 0,
    ),
    (
        "treatment declined",
        (ev(K.DECLINED_TREATMENT, D(2026, 3, 23)),),
        (), D(2026, 4, 1), UN, ClockStatus.STOPPED, REFERRED, 21, K.DECLINED_TREATMENT, 0,
    ),
    (
        "referred back to the GP",
        (ev(K.TRIAGED, D(2026, 3, 4)), ev(K.REFERRED_BACK, D(2026, 3, 5))),
        (), D(2026, 4, 1), UN, ClockStatus.STOPPED, REFERRED, 3, K.REFERRED_BACK, 0,
    ),
    ("a year on", (), (), D(2027, 3, 2), UN, ClockStatus.RUNNING, REFERRED, 365, None, 0),
    # patient pauses: recorded always, deducted only under the adjusted measure
    (
        "national rules: a pause does not stop the clock",
        (), (Pause(D(2026, 3, 16), D(2026, 3, 30)),), D(2026, 4, 6), UN,
        ClockStatus.RUNNING, REFERRED, 35, None, 0,
    ),
    (
        "adjusted: 14 paused days deducted",
        (), (Pause(D(2026, 3, 16), D(2026, 3, 30)),), D(2026, 4, 6), ADJ,
        ClockStatus.RUNNING, REFERRED, 21, None, 0,
    ),
    (
        "adjusted: an open pause pauses the clock",
        (), (Pause(D(2026, 3, 30)),), D(2026, 4, 6), ADJ,
        ClockStatus.PAUSED, REFERRED, 28, None, 0,
    ),
    (
        "national rules: an open pause leaves it running",
        (), (Pause(D(2026, 3, 30)),), D(2026, 4, 6), UN,
        ClockStatus.RUNNING, REFERRED, 35, None, 0,
    ),
    (
        "a pause that ended after the snapshot was still open on it",
        (), (Pause(D(2026, 3, 30), D(2026, 4, 20)),), D(2026, 4, 6), ADJ,
        ClockStatus.PAUSED, REFERRED, 28, None, 0,
    ),
    (
        "adjusted completed wait: 63 days less 14 paused",
        (ev(K.TREATMENT_STARTED, D(2026, 5, 4)),), (Pause(D(2026, 3, 16), D(2026, 3, 30)),),
        D(2026, 6, 1), ADJ, ClockStatus.STOPPED, REFERRED, 49, K.TREATMENT_STARTED, 0,
    ),
    (
        "two pauses: 7 + 7 days",
        (), (Pause(D(2026, 3, 9), D(2026, 3, 16)), Pause(D(2026, 3, 23), D(2026, 3, 30))),
        D(2026, 4, 6), ADJ, ClockStatus.RUNNING, REFERRED, 21, None, 0,
    ),
    (
        "a pause in a nullified clock does not shorten the new one",
        (ev(K.DID_NOT_ATTEND, D(2026, 4, 6)), ev(K.REBOOKED, D(2026, 4, 8))),
        (Pause(D(2026, 3, 9), D(2026, 3, 16)),), D(2026, 4, 13), ADJ,
        ClockStatus.RUNNING, D(2026, 4, 8), 5, None, 1,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("events", "pauses", "on", "measure", "status", "start", "waited", "stopped_by", "nullified"),
    [case[1:] for case in CLOCK_CASES],
    ids=[case[0] for case in CLOCK_CASES],
)
def test_clock_state(events, pauses, on, measure, status, start, waited, stopped_by, nullified):
    state = rules.clock_state(pathway(*events, pauses=pauses), on=on, measure=measure)
    assert state.status is status
    assert state.clock_start == start
    assert state.waited_days == waited
    assert state.stopped_by == stopped_by
    assert state.nullified_clocks == nullified


def test_clock_state_details():
    paused = pathway(pauses=[Pause(D(2026, 3, 30))])
    state = rules.clock_state(paused, on=D(2026, 4, 6))
    assert state.patient_paused
    assert state.paused_days == 7
    assert state.is_running
    assert state.on_waiting_list
    assert state.waited_weeks == 5
    assert state.band is WeekBand.UP_TO_12
    assert state.within_18_weeks
    adjusted = rules.clock_state(paused, on=D(2026, 4, 6), measure=ADJ)
    assert not adjusted.is_running
    assert adjusted.on_waiting_list  # a paused clock is still an incomplete pathway
    stopped = rules.clock_state(pathway(ev(K.TREATMENT_STARTED, D(2026, 5, 4))), on=D(2026, 6, 1))
    assert not stopped.on_waiting_list
    assert stopped.stopped_on == D(2026, 5, 4)
    assert not stopped.patient_paused


def test_events_in_any_order_and_referral_first_on_its_day():
    shuffled = Pathway(
        events=(
            ev(K.TREATMENT_STARTED, D(2026, 5, 4)),
            ev(K.TRIAGED, REFERRED),
            ev(K.REFERRAL_RECEIVED, REFERRED),
        )
    )
    assert rules.pathway_problems(shuffled, today=D(2026, 6, 1)) == []
    assert rules.clock_state(shuffled, on=D(2026, 6, 1)).waited_days == 63


def test_clocks_of_a_long_pathway():
    long = pathway(
        ev(K.DID_NOT_ATTEND, D(2026, 4, 6)),
        ev(K.REBOOKED, D(2026, 4, 8)),
        ev(K.APPOINTMENT_ATTENDED, D(2026, 5, 11)),
        ev(K.ACTIVE_MONITORING, D(2026, 5, 11)),
        ev(K.DECISION_TO_TREAT, D(2026, 9, 1)),
        ev(K.TREATMENT_STARTED, D(2026, 10, 5)),
    )
    assert rules.clocks(long) == (
        rules.Clock(REFERRED, K.REFERRAL_RECEIVED, D(2026, 4, 6), K.DID_NOT_ATTEND, nullified=True),
        rules.Clock(D(2026, 4, 8), K.REBOOKED, D(2026, 5, 11), K.ACTIVE_MONITORING),
        rules.Clock(D(2026, 9, 1), K.DECISION_TO_TREAT, D(2026, 10, 5), K.TREATMENT_STARTED),
    )


# --- Impossible pathways -----------------------------------------------------------------------

TODAY = D(2026, 6, 1)

PROBLEM_CASES = [
    (
        "no referral",
        Pathway(events=(ev(K.TRIAGED, D(2026, 3, 4)),)),
        ["Enter the date the referral was received: it starts the clock (Rule 1)"],
    ),
    (
        "a second referral",
        pathway(ev(K.REFERRAL_RECEIVED, D(2026, 4, 1))),
        ["A second referral on 1 April 2026: a new referral starts a new pathway (Rule 3(c))"],
    ),
    (
        "a stop before the start",
        pathway(ev(K.TREATMENT_STARTED, D(2026, 3, 1))),
        ["First definitive treatment started on 1 March 2026 is before the referral was "
         "received on 2 March 2026"],
    ),
    (
        "an event in the future",
        pathway(ev(K.TRIAGED, D(2026, 6, 2))),
        ["Triage on 2 June 2026 is in the future"],
    ),
    (
        "a pause that ends before it begins",
        pathway(pauses=[Pause(D(2026, 3, 20), D(2026, 3, 16))]),
        ["The pause starting on 20 March 2026 ends on 16 March 2026, before it begins"],
    ),
    (
        "overlapping pauses",
        pathway(pauses=[Pause(D(2026, 3, 16), D(2026, 3, 30)),
                        Pause(D(2026, 3, 9), D(2026, 3, 20))]),
        ["The pauses starting on 9 March 2026 and 16 March 2026 overlap"],
    ),
    (
        "a pause inside another, not next to it in order",
        pathway(pauses=[Pause(D(2026, 3, 9), D(2026, 4, 1)), Pause(D(2026, 3, 12), D(2026, 3, 14)),
                        Pause(D(2026, 3, 20), D(2026, 3, 25))]),
        ["The pauses starting on 9 March 2026 and 12 March 2026 overlap",
         "The pauses starting on 9 March 2026 and 20 March 2026 overlap"],
    ),
    (
        "a pause after an open one",
        pathway(pauses=[Pause(D(2026, 3, 9)), Pause(D(2026, 3, 16), D(2026, 3, 20))]),
        ["The pauses starting on 9 March 2026 and 16 March 2026 overlap"],
    ),
    (
        "events after the clock stopped",
        pathway(ev(K.TREATMENT_STARTED, D(2026, 5, 4)), ev(K.APPOINTMENT_ATTENDED, D(2026, 5, 11))),
        ["Appointment attended on 11 May 2026 is after the clock stopped on 4 May 2026 (first "
         "definitive treatment started); a new referral starts a new pathway"],
    ),
    (
        "two stops",
        pathway(ev(K.REFERRED_BACK, D(2026, 3, 5)), ev(K.DISCHARGED, D(2026, 3, 6))),
        ["Discharged on 6 March 2026 is after the clock stopped on 5 March 2026 (referred back "
         "to the GP or referrer); a new referral starts a new pathway"],
    ),
    (
        "an appointment after a nullifying miss, without a rebooking",
        pathway(ev(K.DID_NOT_ATTEND, D(2026, 4, 6)), ev(K.APPOINTMENT_ATTENDED, D(2026, 4, 20))),
        ["Appointment attended on 20 April 2026: the clock stopped and was nullified when the "
         "first appointment was missed on 6 April 2026; record the rebooking first (Rule 3(e))"],
    ),
    (
        "a decision to treat without active monitoring",
        pathway(ev(K.DECISION_TO_TREAT, D(2026, 4, 6))),
        ["Decision to treat after active monitoring on 6 April 2026: a decision to treat starts "
         "a new clock only after a period of active monitoring (Rule 3(d))"],
    ),
    (
        "treatment during active monitoring",
        pathway(ev(K.ACTIVE_MONITORING, D(2026, 4, 6)), ev(K.TREATMENT_STARTED, D(2026, 5, 4))),
        ["First definitive treatment started on 4 May 2026 is during active monitoring, which "
         "began on 6 April 2026; record the decision to treat first (Rule 3(d))"],
    ),
    (
        "a pause before the referral",
        pathway(pauses=[Pause(D(2026, 2, 20), D(2026, 3, 1))]),
        ["The pause starting on 20 February 2026 begins before the referral was received on "
         "2 March 2026"],
    ),
    (
        "a pause after the clock stopped",
        pathway(ev(K.TREATMENT_STARTED, D(2026, 5, 4)),
                pauses=[Pause(D(2026, 5, 4), D(2026, 5, 8))]),
        ["The pause starting on 4 May 2026 begins after the clock stopped on 4 May 2026"],
    ),
    (
        "a pause still going when the clock stopped",
        pathway(ev(K.TREATMENT_STARTED, D(2026, 5, 4)), pauses=[Pause(D(2026, 4, 20))]),
        ["The pause starting on 20 April 2026 is still going when the clock stopped on 4 May "
         "2026: enter the day it ended"],
    ),
    (
        "a pause while the clock was nullified",
        pathway(ev(K.DID_NOT_ATTEND, D(2026, 4, 6)), ev(K.REBOOKED, D(2026, 4, 20)),
                pauses=[Pause(D(2026, 4, 10), D(2026, 4, 15))]),
        ["The pause starting on 10 April 2026 begins while no clock was running"],
    ),
    (
        "a pause dated in the future",
        pathway(pauses=[Pause(D(2026, 5, 20), D(2026, 6, 10))]),
        ["The pause starting on 20 May 2026 has a date in the future"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "expected"),
    [case[1:] for case in PROBLEM_CASES],
    ids=[case[0] for case in PROBLEM_CASES],
)
def test_pathway_problems(path, expected):
    assert rules.pathway_problems(path, today=TODAY) == expected


@pytest.mark.parametrize(
    "path",
    [
        pathway(),
        pathway(
            ev(K.TRIAGED, D(2026, 3, 10)),
            ev(K.APPOINTMENT_OFFERED, D(2026, 3, 16)),
            ev(K.DID_NOT_ATTEND, D(2026, 4, 6)),
            ev(K.REBOOKED, D(2026, 4, 8)),
            ev(K.APPOINTMENT_ATTENDED, D(2026, 4, 20)),
            ev(K.TREATMENT_STARTED, D(2026, 5, 4)),
            pauses=[Pause(D(2026, 4, 9), D(2026, 4, 13)), Pause(D(2026, 4, 13), D(2026, 4, 15))],
        ),  # pauses that meet, end to start, do not overlap
        pathway(ev(K.DID_NOT_ATTEND, D(2026, 4, 6)), ev(K.REFERRED_BACK, D(2026, 4, 20))),
        pathway(ev(K.ACTIVE_MONITORING, D(2026, 4, 6)), ev(K.DISCHARGED, D(2026, 5, 20))),
        pathway(ev(K.TREATMENT_STARTED, TODAY)),
    ],
)
def test_possible_pathways_have_no_problems(path):
    assert rules.pathway_problems(path, today=TODAY) == []


def test_an_impossible_pathway_has_no_clock():
    bad = pathway(ev(K.TREATMENT_STARTED, D(2026, 5, 4)), ev(K.TRIAGED, D(2026, 5, 11)))
    with pytest.raises(PathwayInvalid) as raised:
        rules.clock_state(bad, on=TODAY)
    assert raised.value.problems == [
        "Triage on 11 May 2026 is after the clock stopped on 4 May 2026 (first definitive "
        "treatment started); a new referral starts a new pathway"
    ]
    with pytest.raises(PathwayInvalid, match="after the clock stopped"):
        rules.clocks(bad)
    # the same pathway seen before the bad event was recorded is fine
    assert rules.clock_state(bad, on=D(2026, 5, 5)).status is ClockStatus.STOPPED


# --- Triage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "holidays", "working_days", "due"),
    [
        (REFERRED, frozenset(), 10, D(2026, 3, 16)),  # Monday -> Monday a fortnight on
        (D(2026, 3, 6), frozenset(), 10, D(2026, 3, 20)),  # Friday -> Friday
        (D(2026, 3, 7), frozenset(), 10, D(2026, 3, 20)),  # received on a Saturday
        (D(2026, 3, 30), frozenset(), 10, D(2026, 4, 13)),
        (D(2026, 3, 30), HOLIDAYS, 10, D(2026, 4, 15)),  # Good Friday and Easter Monday skipped
        (D(2026, 12, 17), frozenset(), 10, D(2026, 12, 31)),
        (D(2026, 12, 17), HOLIDAYS, 10, D(2027, 1, 5)),  # 25, 28 Dec and 1 Jan skipped
        (REFERRED, frozenset(), 5, D(2026, 3, 9)),  # an area's own standard
    ],
)
def test_triage_due(received, holidays, working_days, due):
    assert rules.triage_due(received, holidays=holidays, working_days=working_days) == due


@pytest.mark.parametrize(
    ("events", "on", "status", "triaged_on", "taken"),
    [
        ((ev(K.TRIAGED, D(2026, 3, 16)),), D(2026, 4, 1), TriageStatus.MET, D(2026, 3, 16), 10),
        ((ev(K.TRIAGED, REFERRED),), D(2026, 4, 1), TriageStatus.MET, REFERRED, 0),
        ((ev(K.TRIAGED, D(2026, 3, 17)),), D(2026, 4, 1), TriageStatus.LATE, D(2026, 3, 17), 11),
        ((ev(K.TRIAGED, D(2026, 3, 17)),), D(2026, 3, 16), TriageStatus.DUE, None, None),
        ((), D(2026, 3, 16), TriageStatus.DUE, None, None),
        ((), D(2026, 3, 17), TriageStatus.OVERDUE, None, None),
        ((ev(K.REFERRED_BACK, D(2026, 3, 5)),), D(2026, 3, 20), TriageStatus.NOT_TRIAGED,
         None, None),
        ((ev(K.DID_NOT_ATTEND, D(2026, 3, 5)),), D(2026, 3, 20), TriageStatus.NOT_TRIAGED,
         None, None),
        # a later missed appointment leaves the pathway open, so triage is still owed
        ((ev(K.DID_NOT_ATTEND, D(2026, 3, 5), communicated=False),), D(2026, 3, 20),
         TriageStatus.OVERDUE, None, None),
    ],
)  # fmt: skip
def test_triage(events, on, status, triaged_on, taken):
    result = rules.triage(pathway(*events), on=on)
    assert result.status is status
    assert result.due == D(2026, 3, 16)
    assert result.triaged_on == triaged_on
    assert result.working_days_taken == taken


def test_triage_counts_bank_holidays():
    easter = pathway(ev(K.TRIAGED, D(2026, 4, 15)), referred=D(2026, 3, 30))
    assert rules.triage(easter, on=D(2026, 5, 1)).status is TriageStatus.LATE
    with_holidays = rules.triage(easter, on=D(2026, 5, 1), holidays=HOLIDAYS)
    assert with_holidays.status is TriageStatus.MET
    assert with_holidays.working_days_taken == 10


def test_triage_needs_a_referral():
    with pytest.raises(PathwayInvalid, match="referral was received"):
        rules.triage(Pathway(events=()), on=TODAY)


# --- Many pathways -----------------------------------------------------------------------------


def waiting(days):
    return ClockState(on=TODAY, status=ClockStatus.RUNNING, waited_days=days)


def test_summary_of_a_list():
    states = [waiting(d) for d in (0, 7, 8, 30, 126, 127, 400)] + [
        ClockState(on=TODAY, status=ClockStatus.PAUSED, waited_days=50),
        ClockState(on=TODAY, status=ClockStatus.STOPPED, waited_days=900),
        ClockState(on=TODAY, status=ClockStatus.NULLIFIED, waited_days=900),
        ClockState(on=TODAY, status=ClockStatus.NOT_STARTED),
    ]
    summary = rules.summarise(states)
    assert summary.size == 8  # the paused clock is on the list; stopped ones are not
    assert summary.within_18_weeks == 6
    assert summary.over_18_weeks == 2
    assert summary.share_within_18_weeks == Fraction(6, 8)
    assert not summary.meets_standard
    assert summary.median_days == Fraction(30 + 50, 2)  # 0 7 8 30 | 50 126 127 400
    assert summary.median_weeks == Fraction(40, 7)
    assert summary.longest_days == 400
    assert summary.longest_weeks == 57
    assert dict(summary.by_band) == {
        WeekBand.UP_TO_1: 2,
        WeekBand.UP_TO_2: 1,
        WeekBand.UP_TO_4: 0,
        WeekBand.UP_TO_12: 2,
        WeekBand.UP_TO_18: 1,
        WeekBand.UP_TO_52: 1,
        WeekBand.OVER_52: 1,
    }
    assert [band for band, _ in summary.by_band] == list(WeekBand)  # in reporting order


def test_summary_of_an_empty_list():
    summary = rules.summarise([])
    assert summary.size == 0
    assert summary.share_within_18_weeks is None
    assert summary.meets_standard  # nobody waits too long
    assert summary.median_days is None
    assert summary.median_weeks is None
    assert summary.longest_days is None
    assert summary.longest_weeks is None
    assert all(count == 0 for _, count in summary.by_band)


@pytest.mark.parametrize(
    ("within", "over", "meets"),
    [(23, 2, True), (22, 3, False), (92, 8, True), (91, 9, False), (1, 0, True), (0, 1, False)],
)
def test_the_92_percent_line(within, over, meets):
    summary = rules.summarise([waiting(126)] * within + [waiting(127)] * over)
    assert summary.meets_standard is meets


def test_median_of_an_odd_list():
    assert rules.summarise([waiting(d) for d in (5, 1, 3)]).median_days == 3


def test_waiting_list_from_pathways():
    on = D(2026, 10, 31)
    pathways = [
        pathway(referred=D(2026, 10, 24)),  # 7 days
        pathway(referred=D(2026, 6, 1)),  # 152 days: over 18 weeks
        pathway(ev(K.TREATMENT_STARTED, D(2026, 9, 1)), referred=D(2026, 8, 3)),  # off the list
        pathway(referred=D(2026, 11, 2)),  # not referred yet on that day
        pathway(
            ev(K.DID_NOT_ATTEND, D(2026, 9, 7)), ev(K.REBOOKED, D(2026, 10, 1)),
            referred=D(2026, 8, 3),
        ),  # 30 days on the new clock
    ]  # fmt: skip
    summary = rules.waiting_list(pathways, on=on)
    assert summary.size == 3
    assert summary.within_18_weeks == 2
    assert summary.longest_days == 152
    assert summary.median_days == 30


def test_monthly_flows_and_demand():
    pathways = [
        pathway(referred=D(2026, 1, 15)),
        pathway(
            ev(K.DID_NOT_ATTEND, D(2026, 2, 10)),
            ev(K.REBOOKED, D(2026, 3, 3)),
            ev(K.TREATMENT_STARTED, D(2026, 4, 20)),
            referred=D(2026, 1, 20),
        ),
        pathway(ev(K.TREATMENT_STARTED, D(2026, 3, 25)), referred=D(2026, 3, 5)),
        pathway(ev(K.DISCHARGED, D(2026, 5, 2)), referred=D(2025, 12, 1)),  # outside both ends
    ]
    flows = rules.monthly_flows(pathways, first=D(2026, 1, 31), last=D(2026, 4, 1))
    assert flows == (
        MonthFlow(D(2026, 1, 1), referrals=2, clock_starts=2, clock_stops=0),
        MonthFlow(D(2026, 2, 1), referrals=0, clock_starts=0, clock_stops=1),  # nullified
        MonthFlow(D(2026, 3, 1), referrals=1, clock_starts=2, clock_stops=1),  # + the rebooking
        MonthFlow(D(2026, 4, 1), referrals=0, clock_starts=0, clock_stops=1),
    )
    assert rules.demand_by_month(pathways, first=D(2026, 1, 1), last=D(2026, 4, 30)) == (
        (D(2026, 1, 1), 2),
        (D(2026, 2, 1), 0),
        (D(2026, 3, 1), 1),
        (D(2026, 4, 1), 0),
    )


def test_flows_across_a_year_end():
    flows = rules.monthly_flows([], first=D(2026, 11, 30), last=D(2027, 2, 1))
    assert [flow.month for flow in flows] == [
        D(2026, 11, 1),
        D(2026, 12, 1),
        D(2027, 1, 1),
        D(2027, 2, 1),
    ]


def test_flows_refuse_impossible_pathways():
    bad = pathway(ev(K.TREATMENT_STARTED, D(2026, 2, 1)))
    with pytest.raises(PathwayInvalid, match="before the referral"):
        rules.monthly_flows([bad], first=D(2026, 1, 1), last=D(2026, 3, 1))


def test_labels_cover_every_event():
    assert set(rules.EVENT_LABELS) == set(EventKind)
    assert K.REFERRED_BACK.label == "Referred back to the GP or referrer"
