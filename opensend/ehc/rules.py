"""The statutory clock of the EHC process (RULES.md §1, and the appeal and mediation deadlines of
§2 that a decision letter must state), as pure functions.

Nothing here touches the database: the facts (dates, the area's day-counting setting, the bank
holidays where working days matter) are passed in, so every rule is tested with a table of cases.
"Regs" are the Special Educational Needs and Disability Regulations 2014 (SI 2014/1530); "CoP" the
SEND Code of Practice 0 to 25 (2015); "CFA" the Children and Families Act 2014; "HESC Rules" the
Tribunal Procedure (First-tier Tribunal) (Health, Education and Social Care Chamber) Rules 2008.

Every EHC limit is **calendar** time. Only the mediation certificate is counted in working days.
A limit in weeks from a request follows the area's ``DayCounting`` setting (the day of receipt is
day 0 by default); a period of days "beginning with" a day counts that day as day 1, whatever the
setting, because the regulation says so. ADR 0010 records the choices made here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from opensend.core.calendar import (
    DayCounting,
    academic_year_start,
    add_days_beginning_with,
    add_months,
    add_weeks,
    add_working_days,
    age_on,
    national_curriculum_year,
    next_working_day,
)
from opensend.core.codes import CeaseReason

DAY_0 = DayCounting.RECEIPT_IS_DAY_0

#: An open step due within this many days (today included) is "due this week".
DUE_SOON_DAYS = 7


def _long(day: dt.date) -> str:
    """A date as GOV.UK writes it: 1 September 2026."""
    return f"{day.day} {day:%B %Y}"


def _end_of_months_starting_with(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` months *starting with* ``start``: the day before
    the same date ``months`` later, or, when that month is too short to have the date, its last
    day. 12 months starting with 1 March 2023 end on 29 February 2024; starting with 29 February
    2024, on 28 February 2025; 6 months starting with 31 August 2025, on 28 February 2026.
    """
    same_date = add_months(start, months)
    if same_date.day != start.day:
        return same_date
    return same_date - dt.timedelta(days=1)


# --- The catalogue of limits -------------------------------------------------------------------


class Limit(StrEnum):
    """Each statutory (or good-practice) limit in the EHC process; the value is a short code."""

    DECIDE_TO_ASSESS = "decide_to_assess"
    ADVICE = "advice"
    DECIDE_NOT_TO_ISSUE = "decide_not_to_issue"
    DRAFT_PLAN = "draft_plan"
    FINAL_PLAN = "final_plan"
    REASSESSMENT_FINAL_PLAN = "reassessment_final_plan"
    DRAFT_COMMENTS = "draft_comments"
    SETTING_CONSULTATION = "setting_consultation"
    ANNUAL_REVIEW = "annual_review"
    UNDER_FIVE_REVIEW = "under_five_review"
    REVIEW_NOTICE = "review_notice"
    REVIEW_ADVICE = "review_advice"
    REVIEW_REPORT = "review_report"
    REVIEW_DECISION = "review_decision"
    AMENDMENT_COMMENTS = "amendment_comments"
    AMENDED_PLAN = "amended_plan"
    PHASE_TRANSFER = "phase_transfer"
    PHASE_TRANSFER_POST_16 = "phase_transfer_post_16"
    POST_16_MOVE = "post_16_move"
    UNOPPOSED_ASSESSMENT = "unopposed_assessment"
    UNOPPOSED_NOT_TO_ISSUE = "unopposed_not_to_issue"
    UNOPPOSED_FINAL_PLAN = "unopposed_final_plan"
    UNOPPOSED_AMENDED_PLAN = "unopposed_amended_plan"
    MEDIATION_CONTACT = "mediation_contact"
    MEDIATION_CERTIFICATE = "mediation_certificate"
    APPEAL = "appeal"

    @property
    def label(self) -> str:
        return LIMITS[self].label


@dataclass(frozen=True)
class LimitSpec:
    """What a page needs to show about a limit: its name, where the law sets it, and whether it
    is law at all (the draft-plan target is good practice only)."""

    limit: Limit
    label: str
    regulation: str
    statutory: bool
    description: str


def _spec(
    limit: Limit, label: str, regulation: str, statutory: bool, description: str
) -> LimitSpec:
    return LimitSpec(limit, label, regulation, statutory, description)


LIMITS: dict[Limit, LimitSpec] = {
    spec.limit: spec
    for spec in (
        _spec(
            Limit.DECIDE_TO_ASSESS,
            "Decision whether to assess",
            "Regs 4(1), 5(1)",
            True,
            "Tell the family whether the council will carry out an EHC needs assessment within "
            "6 weeks of the request (or of becoming responsible for the child).",
        ),
        _spec(
            Limit.ADVICE,
            "Advice for the assessment",
            "Reg 8(1)",
            True,
            "Anyone asked for advice for an EHC needs assessment must give it within 6 weeks of "
            "the request for advice.",
        ),
        _spec(
            Limit.DECIDE_NOT_TO_ISSUE,
            "Decision not to issue a plan",
            "Reg 10(1)",
            True,
            "After an assessment, a decision not to issue a plan must be sent within 16 weeks of "
            "the request.",
        ),
        _spec(
            Limit.DRAFT_PLAN,
            "Draft plan",
            "None (good practice)",
            False,
            "No statutory limit. Sending the draft by week 14 leaves time for comments and "
            "consulting settings before week 20.",
        ),
        _spec(
            Limit.FINAL_PLAN,
            "Final plan",
            "Reg 13(2)",
            True,
            "The final EHC plan must be issued within 20 weeks of the request.",
        ),
        _spec(
            Limit.REASSESSMENT_FINAL_PLAN,
            "Final plan after a re-assessment",
            "Reg 27(2)",
            True,
            "After a re-assessment the final plan must be issued within 14 weeks of the "
            "decision to re-assess.",
        ),
        _spec(
            Limit.DRAFT_COMMENTS,
            "Comments on the draft plan",
            "Reg 13(1)",
            True,
            "The family has at least 15 days, beginning with the day the draft is served, to "
            "comment, ask for a setting and ask for a meeting.",
        ),
        _spec(
            Limit.SETTING_CONSULTATION,
            "Setting's reply to consultation",
            "CoP 9.83",
            False,
            "A school or college asked about being named in a plan should reply within 15 days.",
        ),
        _spec(
            Limit.ANNUAL_REVIEW,
            "Annual review",
            "CFA s.44(1); Regs 18 to 21",
            True,
            "A plan must be reviewed within 12 months of being issued, then within 12 months of "
            "the last review.",
        ),
        _spec(
            Limit.UNDER_FIVE_REVIEW,
            "Review of a plan for a child under 5",
            "CoP 9.178",
            False,
            "For a child under 5, the council should consider reviewing the plan every 3 to 6 "
            "months.",
        ),
        _spec(
            Limit.REVIEW_NOTICE,
            "Notice of the review meeting",
            "Regs 20(3), 21(3)",
            True,
            "At least 2 weeks' notice of the review meeting must be given.",
        ),
        _spec(
            Limit.REVIEW_ADVICE,
            "Advice circulated before the review",
            "Regs 20(4), 21(4)",
            True,
            "Advice and information must be circulated at least 2 weeks before the meeting.",
        ),
        _spec(
            Limit.REVIEW_REPORT,
            "Review report",
            "Regs 20, 21(7)",
            True,
            "The review report must be sent within 2 weeks of the meeting.",
        ),
        _spec(
            Limit.REVIEW_DECISION,
            "Decision after the review",
            "Regs 20, 21; R (L, M and P) v Devon CC [2022]",
            True,
            "The council must say within 4 weeks of the meeting whether it will keep, amend or "
            "cease the plan; a decision to amend must set out the proposed amendments.",
        ),
        _spec(
            Limit.AMENDMENT_COMMENTS,
            "Comments on proposed amendments",
            "Reg 22(2)(c)",
            True,
            "The family has at least 15 days, beginning with the day the proposals are served, "
            "to comment.",
        ),
        _spec(
            Limit.AMENDED_PLAN,
            "Final amended plan",
            "Reg 22(3)",
            True,
            "The final amended plan must be issued within 8 weeks of the proposed amendments, "
            "and so no later than 12 weeks after the review meeting.",
        ),
        _spec(
            Limit.PHASE_TRANSFER,
            "Phase transfer",
            "Reg 18(1)(b)",
            True,
            "In the year of a move between phases, the plan must be reviewed and amended to name "
            "the new setting before 15 February.",
        ),
        _spec(
            Limit.PHASE_TRANSFER_POST_16,
            "Phase transfer to post-16",
            "Reg 18(1)(a)",
            True,
            "For a move from secondary school to a post-16 institution, the plan must be reviewed "
            "and amended before 31 March of the year of the move.",
        ),
        _spec(
            Limit.POST_16_MOVE,
            "Move between post-16 institutions",
            "Reg 18(2)",
            True,
            "The plan must be reviewed and amended at least 5 months before a move between "
            "post-16 institutions.",
        ),
        _spec(
            Limit.UNOPPOSED_ASSESSMENT,
            "Unopposed appeal: assessment",
            "Reg 45(3)",
            True,
            "When the council does not oppose an appeal about assessing, it must tell the family "
            "within 2 weeks that it will assess.",
        ),
        _spec(
            Limit.UNOPPOSED_NOT_TO_ISSUE,
            "Unopposed appeal: decision not to issue",
            "Reg 45(3A)(a)",
            True,
            "After that assessment, a decision not to issue a plan is due within 10 weeks of "
            "telling the tribunal.",
        ),
        _spec(
            Limit.UNOPPOSED_FINAL_PLAN,
            "Unopposed appeal: final plan",
            "Reg 45(3A)(b)",
            True,
            "After that assessment, the final plan is due within 14 weeks of telling the tribunal.",
        ),
        _spec(
            Limit.UNOPPOSED_AMENDED_PLAN,
            "Unopposed appeal: amended plan",
            "Reg 45(4)",
            True,
            "When the council does not oppose an appeal about a plan's contents, the amended plan "
            "is due within 5 weeks of telling the tribunal.",
        ),
        _spec(
            Limit.MEDIATION_CONTACT,
            "Contact the mediation adviser",
            "Reg 33",
            True,
            "A family who wants to appeal must contact the mediation adviser within 2 months of "
            "the decision letter.",
        ),
        _spec(
            Limit.MEDIATION_CERTIFICATE,
            "Mediation certificate",
            "Regs 34 to 39",
            True,
            "The mediation adviser must issue a certificate within 3 working days.",
        ),
        _spec(
            Limit.APPEAL,
            "Appeal to the tribunal",
            "HESC Rules r.20",
            True,
            "An appeal must reach the tribunal within 2 months of the decision letter or 1 month "
            "of the mediation certificate, whichever is later.",
        ),
    )
}


# --- Assessment and the first plan (Regs 4 to 13, 27) -------------------------------------------


def decision_to_assess_due(received: dt.date, counting: DayCounting = DAY_0) -> dt.date:
    """The last day to tell the family whether the council will assess: 6 weeks from receiving
    the request, or from becoming responsible for the child under CFA s.24 (Regs 4(1), 5(1))."""
    return add_weeks(received, 6, counting)


def advice_due(requested: dt.date, counting: DayCounting = DAY_0) -> dt.date:
    """The last day for advice asked for in an EHC needs assessment: 6 weeks from the day the
    request for advice is received (Reg 8(1))."""
    return add_weeks(requested, 6, counting)


def decision_not_to_issue_due(received: dt.date, counting: DayCounting = DAY_0) -> dt.date:
    """The last day to send a decision not to issue a plan: 16 weeks from the request
    (Reg 10(1))."""
    return add_weeks(received, 16, counting)


def draft_plan_target(received: dt.date, counting: DayCounting = DAY_0) -> dt.date:
    """A good-practice target for the draft plan: 14 weeks from the request. Not in law; it leaves
    the 15 days for comments and time to consult settings before week 20."""
    return add_weeks(received, 14, counting)


def final_plan_due(
    received: dt.date, counting: DayCounting = DAY_0, *, reassessment: bool = False
) -> dt.date:
    """The last day to issue the final plan: 20 weeks from the request (Reg 13(2)).

    After a re-assessment (``reassessment=True``) it is 14 weeks, and ``received`` is then the day
    the council notified its decision to re-assess (Reg 27(2), Reg 25(1)).
    """
    return add_weeks(received, 14 if reassessment else 20, counting)


def draft_comments_due(served: dt.date) -> dt.date:
    """The last of the (at least) 15 days, *beginning with* the day the draft plan is served, in
    which the family may comment, ask for a setting and ask for a meeting (Reg 13(1)). The
    final plan must not be issued before this day has passed unless the family has replied."""
    return add_days_beginning_with(served, 15)


def setting_consultation_due(sent: dt.date) -> dt.date:
    """The last of the 15 days, beginning with the day the consultation is sent, in which a
    school or college should say whether it can be named (CoP 9.83; good practice, not law)."""
    return add_days_beginning_with(sent, 15)


# --- Annual review and amendment (CFA s.44; Regs 18 to 22) --------------------------------------


def annual_review_due(
    last: dt.date,
    *,
    date_of_birth: dt.date | None = None,
    setting_phase: str | None = None,
) -> dt.date:
    """The last day by which the plan must next be reviewed.

    CFA s.44(1): within the period of 12 months starting with the day the plan was issued, then
    within each 12 months starting with the day of the last review. The period *starts with*
    ``last``, so its last day is the day before the anniversary (issued 1 January 2026: review by
    31 December 2026).

    Given a date of birth, a phase transfer that the review on ``last`` did not already deal with
    brings the date forward to that transfer's deadline (Reg 18(1)): a review counts for a
    transfer when it falls within the 12 months before the transfer and by the deadline.
    ``setting_phase`` is as for ``next_phase_transfer``.
    """
    due = _end_of_months_starting_with(last, 12)
    if date_of_birth is None:
        return due
    following_year = dt.date(academic_year_start(last) + 1, 9, 1)
    for on in (last, following_year):
        transfer = next_phase_transfer(date_of_birth, on, setting_phase=setting_phase)
        if transfer is None:
            continue
        _, transfer_date, deadline = transfer
        already_reviewed = add_months(transfer_date, -12) <= last <= deadline
        if not already_reviewed and last < deadline < due:
            due = deadline
    return due


def recommended_review_due(
    last: dt.date, *, date_of_birth: dt.date, setting_phase: str | None = None
) -> dt.date:
    """The date the service aims to review by: for a child under 5 on ``last``, within 6 months
    (CoP 9.178 recommends every 3 to 6 months); otherwise, and never later than, the statutory
    ``annual_review_due``."""
    due = annual_review_due(last, date_of_birth=date_of_birth, setting_phase=setting_phase)
    if age_on(date_of_birth, last) < 5:
        due = min(due, _end_of_months_starting_with(last, 6))
    return due


def review_notice_due(meeting: dt.date) -> dt.date:
    """The last day to give notice of a review meeting: at least 2 weeks before it
    (Regs 20(3), 21(3))."""
    return meeting - dt.timedelta(weeks=2)


def review_advice_circulation_due(meeting: dt.date) -> dt.date:
    """The last day to circulate advice and information for a review: at least 2 weeks before the
    meeting (Regs 20(4), 21(4))."""
    return meeting - dt.timedelta(weeks=2)


def review_report_due(meeting: dt.date) -> dt.date:
    """The last day to send the review report: within 2 weeks of the meeting (Regs 20, 21(7))."""
    return add_weeks(meeting, 2)


def review_decision_due(meeting: dt.date) -> dt.date:
    """The last day to tell the family whether the plan will be kept, amended or ceased: within
    4 weeks of the meeting (Regs 20, 21). Since R (L, M and P) v Devon CC [2022] EWHC 493
    (Admin), a decision to amend must set out the proposed amendments by this day."""
    return add_weeks(meeting, 4)


def amendment_comments_due(proposals_served: dt.date) -> dt.date:
    """The last of the (at least) 15 days, beginning with the day the proposed amendments are
    served, for the family's comments (Reg 22(2)(c))."""
    return add_days_beginning_with(proposals_served, 15)


def amended_plan_due(proposals_served: dt.date, meeting: dt.date | None) -> dt.date:
    """The last day to issue the final amended plan: within 8 weeks of the proposed amendments
    (Reg 22(3)), and, after a review meeting, no later than 12 weeks after it (the 4 weeks for the
    decision with its proposals, then the 8 weeks), whichever is earlier. With proposals served
    late, the 12-week bound keeps the late start from pushing the plan back. ``meeting`` is
    ``None`` for an amendment outside a review."""
    due = add_weeks(proposals_served, 8)
    if meeting is not None:
        due = min(due, add_weeks(meeting, 12))
    return due


def prepares_for_adulthood(date_of_birth: dt.date, on: dt.date) -> bool:
    """Whether a review on ``on`` must consider preparing for adulthood: from Year 9
    (Regs 20, 21(6))."""
    return national_curriculum_year(date_of_birth, on) >= 9


# --- Phase transfers (Reg 18) ------------------------------------------------------------------


class PhaseTransfer(StrEnum):
    """The transfers between phases of education (Reg 2), plus moves between post-16
    institutions, which Reg 18(2) times differently."""

    EARLY_YEARS_TO_SCHOOL = "early_years_to_school"
    INFANT_TO_JUNIOR = "infant_to_junior"
    PRIMARY_TO_MIDDLE = "primary_to_middle"
    PRIMARY_TO_SECONDARY = "primary_to_secondary"
    MIDDLE_TO_SECONDARY = "middle_to_secondary"
    SECONDARY_TO_POST_16 = "secondary_to_post_16"
    BETWEEN_POST_16 = "between_post_16"

    @property
    def label(self) -> str:
        return PHASE_TRANSFER_LABELS[self]


PHASE_TRANSFER_LABELS: dict[PhaseTransfer, str] = {
    PhaseTransfer.EARLY_YEARS_TO_SCHOOL: "Early years to school",
    PhaseTransfer.INFANT_TO_JUNIOR: "Infant to junior school",
    PhaseTransfer.PRIMARY_TO_MIDDLE: "Primary or first school to middle school",
    PhaseTransfer.PRIMARY_TO_SECONDARY: "Primary to secondary school",
    PhaseTransfer.MIDDLE_TO_SECONDARY: "Middle to secondary or upper school",
    PhaseTransfer.SECONDARY_TO_POST_16: "Secondary school to post-16",
    PhaseTransfer.BETWEEN_POST_16: "Between post-16 institutions",
}

PHASE_TRANSFER_LIMITS: dict[PhaseTransfer, Limit] = {
    kind: (
        Limit.POST_16_MOVE
        if kind is PhaseTransfer.BETWEEN_POST_16
        else Limit.PHASE_TRANSFER_POST_16
        if kind is PhaseTransfer.SECONDARY_TO_POST_16
        else Limit.PHASE_TRANSFER
    )
    for kind in PhaseTransfer
}


def phase_transfer_deadline(kind: PhaseTransfer, transfer_date: dt.date) -> dt.date:
    """The last compliant day to have reviewed and amended the plan, naming the new setting.

    Reg 18(1): *before* 15 February of the calendar year of the transfer, or *before* 31 March for
    secondary school to post-16. "Before" is strict, so the last compliant days are 14 February
    and 30 March. Reg 18(2): *at least* 5 months before a move between post-16 institutions, so
    the day 5 months before the move is still compliant (the last day of a shorter month when
    the move is on the 29th to 31st).
    """
    if kind is PhaseTransfer.BETWEEN_POST_16:
        return add_months(transfer_date, -5)
    if kind is PhaseTransfer.SECONDARY_TO_POST_16:
        return dt.date(transfer_date.year, 3, 30)
    return dt.date(transfer_date.year, 2, 14)


class SettingPhase(StrEnum):
    """The phase of the setting a child attends, as far as phase transfers care. The values of
    ``opensend.core.models.Phase`` (a setting's phase) and ``opensend.people.phases.Phase`` are
    among them."""

    EARLY_YEARS = "early_years"
    NURSERY = "nursery"
    INFANT = "infant"
    FIRST = "first"
    JUNIOR = "junior"
    PRIMARY = "primary"
    MIDDLE = "middle"
    MIDDLE_DEEMED_PRIMARY = "middle_deemed_primary"
    MIDDLE_DEEMED_SECONDARY = "middle_deemed_secondary"
    SECONDARY = "secondary"
    ALL_THROUGH = "all_through"
    POST_16 = "post_16"
    POST16 = "post16"
    POST_19 = "post_19"
    NOT_APPLICABLE = "not_applicable"


#: For each kind of setting, the national curriculum years at whose end a child moves phase, and
#: the transfer that is. Three-tier areas differ; the common patterns are assumed: first schools
#: to the end of Year 4 (then a 9 to 13 middle school); a middle school deemed primary is 8 to 12
#: (pupils move on after Year 7); a middle school deemed secondary, or "middle", is 9 to 13
#: (after Year 8). An all-through school has no transfer at Year 6. Without a setting phase, or
#: with "not applicable" (as GIAS records many special schools), the two-tier pattern applies:
#: nursery to Reception, Year 6 to 7, Year 11 to 12.
_TWO_TIER = {
    -1: PhaseTransfer.EARLY_YEARS_TO_SCHOOL,
    6: PhaseTransfer.PRIMARY_TO_SECONDARY,
    11: PhaseTransfer.SECONDARY_TO_POST_16,
}
_TRANSFER_YEARS: dict[SettingPhase | None, dict[int, PhaseTransfer]] = {
    None: _TWO_TIER,
    SettingPhase.NOT_APPLICABLE: _TWO_TIER,
    SettingPhase.EARLY_YEARS: {-1: PhaseTransfer.EARLY_YEARS_TO_SCHOOL},
    SettingPhase.NURSERY: {-1: PhaseTransfer.EARLY_YEARS_TO_SCHOOL},
    SettingPhase.INFANT: {
        -1: PhaseTransfer.EARLY_YEARS_TO_SCHOOL,
        2: PhaseTransfer.INFANT_TO_JUNIOR,
    },
    SettingPhase.FIRST: {
        -1: PhaseTransfer.EARLY_YEARS_TO_SCHOOL,
        4: PhaseTransfer.PRIMARY_TO_MIDDLE,
    },
    SettingPhase.JUNIOR: {6: PhaseTransfer.PRIMARY_TO_SECONDARY},
    SettingPhase.PRIMARY: {
        -1: PhaseTransfer.EARLY_YEARS_TO_SCHOOL,
        6: PhaseTransfer.PRIMARY_TO_SECONDARY,
    },
    SettingPhase.MIDDLE: {8: PhaseTransfer.MIDDLE_TO_SECONDARY},
    SettingPhase.MIDDLE_DEEMED_PRIMARY: {7: PhaseTransfer.MIDDLE_TO_SECONDARY},
    SettingPhase.MIDDLE_DEEMED_SECONDARY: {8: PhaseTransfer.MIDDLE_TO_SECONDARY},
    SettingPhase.SECONDARY: {11: PhaseTransfer.SECONDARY_TO_POST_16},
    SettingPhase.ALL_THROUGH: {
        -1: PhaseTransfer.EARLY_YEARS_TO_SCHOOL,
        11: PhaseTransfer.SECONDARY_TO_POST_16,
    },
    SettingPhase.POST_16: {},
    SettingPhase.POST16: {},
    SettingPhase.POST_19: {},
}


def next_phase_transfer(
    date_of_birth: dt.date, on: dt.date, *, setting_phase: str | None = None
) -> tuple[PhaseTransfer, dt.date, dt.date] | None:
    """The phase transfer at the start of the academic year after the one containing ``on``, as
    (kind, transfer date, deadline), or ``None`` if the child does not change phase then.

    The child's year group comes from the date of birth (children taught out of their year group
    need the transfer recorded by hand). The transfer date is 1 September. Moves between post-16
    institutions have no fixed date: use ``phase_transfer_deadline`` with the planned date.
    An empty setting phase counts as none; ``ValueError`` for one not in ``SettingPhase``.
    """
    try:
        phase = SettingPhase(setting_phase) if setting_phase else None
    except ValueError:
        raise ValueError(f"Unknown setting phase: {setting_phase!r}") from None
    kind = _TRANSFER_YEARS[phase].get(national_curriculum_year(date_of_birth, on))
    if kind is None:
        return None
    transfer_date = dt.date(academic_year_start(on) + 1, 9, 1)
    return kind, transfer_date, phase_transfer_deadline(kind, transfer_date)


# --- Exceptions to the time limits (Regs 5(4), 8(2), 10(4), 13(3), 27(3), 45) ----------------


class ExceptionKind(StrEnum):
    """Why meeting a limit was impractical, so that the law lifts it."""

    SCHOOL_CLOSURE = "school_closure"
    EARLY_YEARS_CLOSURE = "early_years_closure"
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"
    AWAY_FROM_AREA = "away_from_area"
    MISSED_APPOINTMENT = "missed_appointment"

    @property
    def label(self) -> str:
        return EXCEPTION_LABELS[self]


EXCEPTION_LABELS: dict[ExceptionKind, str] = {
    ExceptionKind.SCHOOL_CLOSURE: "School or college closed for 4 weeks or more",
    ExceptionKind.EARLY_YEARS_CLOSURE: "Early years provider closed for 4 weeks or more",
    ExceptionKind.PERSONAL_CIRCUMSTANCES: "Exceptional personal circumstances",
    ExceptionKind.AWAY_FROM_AREA: "Away from the area for 4 weeks or more",
    ExceptionKind.MISSED_APPOINTMENT: "Missed an appointment for the advice",
}

EXCEPTION_REGULATIONS: dict[ExceptionKind, str] = {
    ExceptionKind.SCHOOL_CLOSURE: "Regs 5(4)(a), 10(4)(a), 13(3), 27(3)(a)",
    ExceptionKind.EARLY_YEARS_CLOSURE: "Regs 5(4)(b), 10(4)(b), 13(3), 27(3)(b)",
    ExceptionKind.PERSONAL_CIRCUMSTANCES: "Regs 5(4)(c), 8(2)(a), 10(4)(c), 13(3), 27(3)(c)",
    ExceptionKind.AWAY_FROM_AREA: "Regs 5(4)(d), 8(2)(b), 10(4)(d), 13(3), 27(3)(d)",
    ExceptionKind.MISSED_APPOINTMENT: "Reg 8(2)(c)",
}

_ASSESSMENT_LIMITS = frozenset(
    {
        Limit.DECIDE_TO_ASSESS,
        Limit.DECIDE_NOT_TO_ISSUE,
        Limit.FINAL_PLAN,
        Limit.REASSESSMENT_FINAL_PLAN,
    }
)
_UNOPPOSED_LIMITS = frozenset(
    {
        Limit.UNOPPOSED_ASSESSMENT,
        Limit.UNOPPOSED_NOT_TO_ISSUE,
        Limit.UNOPPOSED_FINAL_PLAN,
        Limit.UNOPPOSED_AMENDED_PLAN,
    }
)

#: Which limits each exception lifts. Closures, personal circumstances and absence lift the 6-,
#: 16- and 20-week limits and the 14 weeks after a re-assessment; advice (Reg 8(2)) is lifted by
#: personal circumstances, absence or a missed appointment, not by a closure; the limits after an
#: unopposed appeal are lifted by the same reasons as the 20 weeks (Reg 45), with a shorter
#: absence. Review, amendment and phase-transfer limits have no exceptions.
EXCEPTION_LIMITS: dict[ExceptionKind, frozenset[Limit]] = {
    ExceptionKind.SCHOOL_CLOSURE: _ASSESSMENT_LIMITS | _UNOPPOSED_LIMITS,
    ExceptionKind.EARLY_YEARS_CLOSURE: _ASSESSMENT_LIMITS | _UNOPPOSED_LIMITS,
    ExceptionKind.PERSONAL_CIRCUMSTANCES: _ASSESSMENT_LIMITS | _UNOPPOSED_LIMITS | {Limit.ADVICE},
    ExceptionKind.AWAY_FROM_AREA: _ASSESSMENT_LIMITS | _UNOPPOSED_LIMITS | {Limit.ADVICE},
    ExceptionKind.MISSED_APPOINTMENT: frozenset({Limit.ADVICE}),
}

#: The shortest continuous closure, and absence from the area, that counts (4 weeks); after an
#: unopposed appeal an absence of 2 weeks counts (Reg 45).
MINIMUM_CLOSURE_DAYS = 28
MINIMUM_ABSENCE_DAYS = 28
MINIMUM_ABSENCE_DAYS_UNOPPOSED = 14


def exception_applies_to(kind: ExceptionKind, limit: Limit) -> bool:
    """Whether an exception of this kind can lift this limit."""
    return limit in EXCEPTION_LIMITS[kind]


def exception_problems(
    kind: ExceptionKind,
    *,
    start: dt.date,
    end: dt.date | None,
    advice_requested_on: dt.date | None = None,
    limit: Limit | None = None,
) -> list[str]:
    """What is wrong with a recorded exception, as error messages; ``[]`` if it is valid.

    ``start`` and ``end`` are the first and last days of the exception (for a closure, the first
    and last days the setting is closed; it re-opens the day after ``end``); ``end`` is ``None``
    while it continues, and then the length cannot yet be checked. For a closure,
    ``advice_requested_on`` is when the council asked the setting for advice, which must fall in
    the period beginning 1 week before the closure and ending 1 week before it re-opens. For a
    missed appointment it is when the advice was requested: the appointment must fall in the 6
    weeks that followed (Reg 8(2)). ``limit``, if given, is the limit it is claimed against.
    """
    problems: list[str] = []
    if limit is not None and not exception_applies_to(kind, limit):
        problems.append(f"This exception does not apply to {LIMITS[limit].label.lower()}")
    if end is not None and end < start:
        problems.append("The end date must be the same as or after the start date")
        return problems
    days = (end - start).days + 1 if end is not None else None

    if kind in (ExceptionKind.SCHOOL_CLOSURE, ExceptionKind.EARLY_YEARS_CLOSURE):
        setting = (
            "school or college" if kind is ExceptionKind.SCHOOL_CLOSURE else "early years provider"
        )
        if days is not None and days < MINIMUM_CLOSURE_DAYS:
            problems.append(f"The {setting} must be closed for at least 4 weeks in a row")
        if advice_requested_on is None:
            problems.append(f"Enter the date advice was requested from the {setting}")
        else:
            earliest = start - dt.timedelta(weeks=1)
            if advice_requested_on < earliest:
                problems.append(
                    "Advice must have been requested no earlier than 1 week before the closure "
                    f"began ({_long(earliest)})"
                )
            if end is not None:
                latest = end + dt.timedelta(days=1) - dt.timedelta(weeks=1)
                if advice_requested_on > latest:
                    problems.append(
                        "Advice must have been requested no later than 1 week before the "
                        f"{setting} re-opened ({_long(latest)})"
                    )
    elif kind is ExceptionKind.AWAY_FROM_AREA:
        unopposed = limit is not None and limit in _UNOPPOSED_LIMITS
        minimum = MINIMUM_ABSENCE_DAYS_UNOPPOSED if unopposed else MINIMUM_ABSENCE_DAYS
        if days is not None and days < minimum:
            problems.append(
                f"Time away from the area must be at least {minimum // 7} weeks in a row"
            )
    elif kind is ExceptionKind.MISSED_APPOINTMENT and advice_requested_on is not None:
        last = advice_due(advice_requested_on)
        if not advice_requested_on <= start <= last:
            problems.append(
                "The missed appointment must be in the 6 weeks after advice was requested "
                f"({_long(advice_requested_on)} to {_long(last)})"
            )
    return problems


def extended_due(
    due: dt.date, periods: Sequence[tuple[dt.date, dt.date | None]], today: dt.date
) -> dt.date:
    """A working target once exceptions apply: ``due`` pushed back by the days of the exception
    periods that begin on or before it, as it grows.

    For planning only. In law an exception lifts the limit (the step is then due "as soon as
    practicable"); this gives caseworkers a date to aim at. Overlapping periods are merged, so
    no day counts twice; an open period (end ``None``) counts up to ``today``, and one that has
    not begun by ``today`` counts nothing yet. A period that begins after the (extended) due date
    does not move it.
    """
    spans: list[tuple[dt.date, dt.date]] = []
    for start, end in periods:
        last = end if end is not None else today
        if last >= start:
            spans.append((start, last))
    spans.sort()
    merged: list[tuple[dt.date, dt.date]] = []
    for start, last in spans:
        if merged and start <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((start, last))
    extended = due
    for start, last in merged:
        if start > extended:
            break
        extended += dt.timedelta(days=(last - start).days + 1)
    return extended


# --- Status of a step, for caseload views ------------------------------------------------------


class StepStatus(StrEnum):
    ON_TIME = "on_time"
    DUE_THIS_WEEK = "due_this_week"
    OVERDUE = "overdue"
    MET = "met"
    MET_LATE = "met_late"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return STEP_STATUS_LABELS[self]


STEP_STATUS_LABELS: dict[StepStatus, str] = {
    StepStatus.ON_TIME: "On time",
    StepStatus.DUE_THIS_WEEK: "Due this week",
    StepStatus.OVERDUE: "Overdue",
    StepStatus.MET: "Met",
    StepStatus.MET_LATE: "Met late",
    StepStatus.SUSPENDED: "Suspended by exception",
}


def step_status(
    *, due: dt.date | None, completed_on: dt.date | None, today: dt.date, suspended: bool = False
) -> StepStatus:
    """Where a step stands.

    A completed step is judged by its dates alone: met if done on or before the statutory due
    date (or if it has none), met late otherwise, even when an exception lifted the limit (the
    return counts it late; pages show the exception beside it). An open step under an exception
    is suspended; otherwise it is overdue after the due date, due this week when the due date is
    at most ``DUE_SOON_DAYS`` away, and on time before that or when it has no due date.
    """
    if completed_on is not None:
        return StepStatus.MET if due is None or completed_on <= due else StepStatus.MET_LATE
    if suspended:
        return StepStatus.SUSPENDED
    if due is None:
        return StepStatus.ON_TIME
    if today > due:
        return StepStatus.OVERDUE
    if (due - today).days <= DUE_SOON_DAYS:
        return StepStatus.DUE_THIS_WEEK
    return StepStatus.ON_TIME


# --- Ceasing a plan (CFA ss.45, 46; Regs 29 to 31, 46) -----------------------------------------

#: Reasons that end the council's responsibility rather than the need for the plan.
_NO_LONGER_RESPONSIBLE = frozenset(
    {CeaseReason.TRANSFERRED, CeaseReason.MOVED_ABROAD, CeaseReason.DECEASED}
)
#: Reasons a young person has left education or training.
_LEFT_EDUCATION = frozenset(
    {CeaseReason.HIGHER_EDUCATION, CeaseReason.EMPLOYMENT, CeaseReason.DISENGAGED}
)


def maximum_age_end(date_of_birth: dt.date) -> dt.date:
    """The end of the academic year in which the young person turns 25: the latest a plan can be
    kept (CFA s.46), taken as 31 July, the end of a further education academic year (Reg 46(1)).
    A 29 February birthday falls on 1 March in other years."""
    year = date_of_birth.year + 25
    try:
        birthday = date_of_birth.replace(year=year)
    except ValueError:
        birthday = dt.date(year, 3, 1)
    return dt.date(birthday.year if birthday.month <= 7 else birthday.year + 1, 7, 31)


def cease_problems(
    *,
    date_of_birth: dt.date,
    on: dt.date,
    reason: str,
    review_shows_no_wish_to_return: bool = False,
    appeal_pending: bool = False,
) -> list[str]:
    """Why a plan may not cease on ``on`` for ``reason`` (a SEN2 ``CeaseReason`` code), as error
    messages; ``[]`` if it may.

    - An appeal against ceasing keeps the plan in place until it is decided (Reg 31),
      unless the young person has died.
    - Under 18: only if the plan is no longer necessary (2) or the council is no longer
      responsible (5 transferred, 7 moved abroad, 8 deceased) (CFA s.45(1); Reg 29).
    - 18 or over, having left education or training (3 higher education, 4 paid employment,
      6 no longer wishes to engage): only after a review shows they do not want to return
      (Reg 30).
    - Maximum age (1): only from the end of the academic year in which they turn 25 (CFA s.46).
    """
    try:
        code = CeaseReason(reason)
    except ValueError:
        return ["Choose a reason for ceasing the plan"]
    problems: list[str] = []
    if appeal_pending and code is not CeaseReason.DECEASED:
        problems.append("The plan must stay in place until the appeal is decided")
    age = age_on(date_of_birth, on)
    if age < 18 and code is not CeaseReason.NEEDS_MET and code not in _NO_LONGER_RESPONSIBLE:
        problems.append(
            "Under 18, a plan can only cease if it is no longer needed or the council is no "
            "longer responsible for the child"
        )
    if age >= 18 and code in _LEFT_EDUCATION and not review_shows_no_wish_to_return:
        problems.append(
            "A plan can only cease because a young person has left education or training after "
            "a review shows they do not want to return"
        )
    if code is CeaseReason.MAXIMUM_AGE:
        end = maximum_age_end(date_of_birth)
        if on < end:
            problems.append(
                f"A plan can only cease for maximum age from {_long(end)}, the end of the "
                "academic year in which the young person turns 25"
            )
    return problems


# --- Mediation and appeals (Regs 33 to 39; HESC Rules r.20) ------------------------------------


def mediation_contact_deadline(decision_letter: dt.date) -> dt.date:
    """The last day for a family who wants to appeal to contact the mediation adviser: 2 months
    after the decision letter (Reg 33)."""
    return add_months(decision_letter, 2)


def appeal_deadline(
    decision_letter: dt.date, certificate: dt.date | None, holidays: Collection[dt.date]
) -> dt.date:
    """The last day for an appeal to reach the tribunal.

    2 months from the decision letter or 1 month from the mediation certificate, whichever is
    later (HESC Rules r.20). A deadline falling from 25 December to 1 January moves to the first
    working day after 1 January; one falling in August to the first working day of September;
    any other that is not a working day to the next working day (r.12).
    """
    deadline = add_months(decision_letter, 2)
    if certificate is not None:
        deadline = max(deadline, add_months(certificate, 1))
    if deadline.month == 12 and deadline.day >= 25:
        deadline = dt.date(deadline.year + 1, 1, 2)
    elif deadline.month == 1 and deadline.day == 1:
        deadline = dt.date(deadline.year, 1, 2)
    elif deadline.month == 8:
        deadline = dt.date(deadline.year, 9, 1)
    return next_working_day(deadline, holidays)


def certificate_due(event: dt.date, holidays: Collection[dt.date]) -> dt.date:
    """The last day for the mediation adviser to issue a certificate: 3 working days after the
    family declines mediation, the mediation ends, or the council says it cannot arrange it in
    time (Regs 34 to 39)."""
    return add_working_days(event, 3, holidays)


class UnopposedAppeal(StrEnum):
    """What the council must do when it tells the tribunal it will not oppose an appeal
    (Reg 45, as amended in 2015)."""

    ASSESSMENT = "assessment"
    NOT_TO_ISSUE = "not_to_issue"
    FINAL_PLAN = "final_plan"
    AMENDED_PLAN = "amended_plan"

    @property
    def label(self) -> str:
        return UNOPPOSED_APPEAL_LABELS[self]


UNOPPOSED_APPEAL_LABELS: dict[UnopposedAppeal, str] = {
    UnopposedAppeal.ASSESSMENT: "Tell the family it will assess or re-assess",
    UnopposedAppeal.NOT_TO_ISSUE: "Decision not to issue a plan after the assessment",
    UnopposedAppeal.FINAL_PLAN: "Final plan after the assessment",
    UnopposedAppeal.AMENDED_PLAN: "Amended plan",
}

UNOPPOSED_APPEAL_LIMITS: dict[UnopposedAppeal, Limit] = {
    UnopposedAppeal.ASSESSMENT: Limit.UNOPPOSED_ASSESSMENT,
    UnopposedAppeal.NOT_TO_ISSUE: Limit.UNOPPOSED_NOT_TO_ISSUE,
    UnopposedAppeal.FINAL_PLAN: Limit.UNOPPOSED_FINAL_PLAN,
    UnopposedAppeal.AMENDED_PLAN: Limit.UNOPPOSED_AMENDED_PLAN,
}

_UNOPPOSED_WEEKS: dict[UnopposedAppeal, int] = {
    UnopposedAppeal.ASSESSMENT: 2,
    UnopposedAppeal.NOT_TO_ISSUE: 10,
    UnopposedAppeal.FINAL_PLAN: 14,
    UnopposedAppeal.AMENDED_PLAN: 5,
}


def unopposed_appeal_due(kind: UnopposedAppeal, order_date: dt.date) -> dt.date:
    """The last day for a step after an unopposed appeal, counted from ``order_date``, the day the
    council told the tribunal it would not oppose: 2 weeks to tell the family it will assess
    (Reg 45(3)); 10 weeks for a decision not to issue, 14 weeks for the final plan (Reg 45(3A));
    5 weeks for an amended plan (Reg 45(4))."""
    return add_weeks(order_date, _UNOPPOSED_WEEKS[kind])
