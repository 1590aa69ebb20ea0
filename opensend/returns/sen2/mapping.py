"""How our case data maps to the SEN2 codes: pure functions, one table-driven test each.

Everything is worked out *as at* a day (the reference date for a return; today for the live
checks): a decision taken after that day is still pending in the return, so the same data
always gives the same return whenever it is generated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from opensend.core.calendar import age_on
from opensend.core.codes import CensusTerm, RequestOutcome, UPNUnknown, census_day

#: A person's request outcome codes. ``H`` stands for a plan older than the collection, or
#: one transferred in from another local authority.
Y, N, A, W, H = (
    RequestOutcome.YES.value,
    RequestOutcome.NO.value,
    RequestOutcome.PENDING.value,
    RequestOutcome.WITHDRAWN.value,
    RequestOutcome.HISTORICAL.value,
)

# The request stages and kinds of ``opensend.ehc.models`` as plain strings: this module
# works on values read from the database and does not import the EHC app.
NEW, REASSESSMENT, TRANSFER_IN = "new", "reassessment", "transfer_in"
NOT_ASSESSING, NOT_ISSUING, WITHDRAWN = "not_assessing", "not_issuing", "withdrawn"

#: Placement kinds (``people.models.PlacementKind``) in the order SEN2 ranks them: the main
#: registration first, then part-time or alternative provision, then a subsidiary one.
PLACEMENT_ORDER = {
    "sole": 0,
    "dual_main": 0,
    "part_time": 1,
    "alternative": 1,
    "dual_subsidiary": 2,
}


def reference_date(year: int) -> dt.date:
    """The SEN2 reference date of a collection year: the spring census day, the third
    Thursday of January (RULES.md §3, §4)."""
    return census_day(year, CensusTerm.SPRING)


def latest_collection_year(today: dt.date) -> int:
    """The latest collection whose reference date has come: the one that can be generated."""
    return today.year if today >= reference_date(today.year) else today.year - 1


def live_collection_year(today: dt.date) -> int:
    """The next collection: the one whose requests are happening now, checked live."""
    return latest_collection_year(today) + 1


@dataclass(frozen=True)
class Outcome:
    code: str
    date: dt.date | None = None


def _by(day: dt.date | None, as_at: dt.date) -> bool:
    return day is not None and day <= as_at


def request_outcome(
    *,
    kind: str,
    stage: str,
    decision_date: dt.date | None,
    closed_date: dt.date | None,
    as_at: dt.date,
) -> Outcome:
    """``RequestOutcome`` and ``RequestOutcomeDate``: the decision whether to assess.

    Y the LA decided to assess; N it decided not to; W the request was withdrawn before that
    decision; A no decision yet; H a plan transferred in from another LA (no request here).
    """
    if kind == TRANSFER_IN:
        return Outcome(H)
    if _by(decision_date, as_at):
        return Outcome(N if stage == NOT_ASSESSING else Y, decision_date)
    if stage == WITHDRAWN and _by(closed_date, as_at):
        return Outcome(W, closed_date)
    return Outcome(A)


def assessment_outcome(
    *,
    kind: str,
    stage: str,
    issue_decision_date: dt.date | None,
    closed_date: dt.date | None,
    as_at: dt.date,
) -> Outcome:
    """``AssessmentOutcome`` and ``AssessmentOutcomeDate``: the decision whether to issue a
    plan, for a request the LA agreed to assess.

    Y it decided to issue; N it decided not to; W the request was withdrawn before that
    decision; A no decision yet; H a plan transferred in.
    """
    if kind == TRANSFER_IN:
        return Outcome(H)
    if _by(issue_decision_date, as_at):
        return Outcome(N if stage == NOT_ISSUING else Y, issue_decision_date)
    if stage == WITHDRAWN and _by(closed_date, as_at):
        return Outcome(W, closed_date)
    return Outcome(A)


def plan_issued_by_request(
    *, kind: str, final_issued_date: dt.date | None, as_at: dt.date
) -> dt.date | None:
    """The day this request's final plan was issued, if it was by ``as_at``: the
    ``NamedPlan`` ``StartDate`` of a new plan or a re-assessed one."""
    if kind == TRANSFER_IN:
        return None
    return final_issued_date if _by(final_issued_date, as_at) else None


def plan_active_on(*, start_date: dt.date | None, ceased_date: dt.date | None, on: dt.date) -> bool:
    """A plan is in force from the day its first final was issued until it ceased."""
    return _by(start_date, on) and (ceased_date is None or ceased_date > on)


def upn_unknown(
    *,
    upn: str,
    uln: str,
    date_of_birth: dt.date,
    as_at: dt.date,
    transferred_in: bool,
    no_further_action: bool,
) -> str:
    """``UPNunknown`` for a person with no UPN, where our data says why:

    UN1 a child under 6 not yet given a UPN; UN8 new to the LA (a plan transferred in);
    UN10 a request that led to no further action (refused or withdrawn, nothing else).
    A young person with a ULN needs no reason. Otherwise "": the validation then asks for
    the UPN, the ULN or the reason.
    """
    if upn or uln:
        return ""
    if age_on(date_of_birth, as_at) < 6:
        return UPNUnknown.UN1.value
    if transferred_in:
        return UPNUnknown.UN8.value
    if no_further_action:
        return UPNUnknown.UN10.value
    return ""


def placement_rank_order(kind: str, start_date: dt.date) -> tuple[int, int]:
    """Sort key for a child's placements: main registration first, then the latest start."""
    return (PLACEMENT_ORDER.get(kind, 1), -start_date.toordinal())


def in_period(day: dt.date | None, start: dt.date, end: dt.date) -> bool:
    return day is not None and start <= day <= end
