"""The SEN2 return as plain data: one dataclass per module of the DfE's person-level XML, in
the order and with the meaning of its elements (RULES.md §4; the public v1.2 schema).

The records are built from the database by ``collect``, checked by ``validation``, written by
``xml`` and counted by ``figures``; none of those needs the database again. A few fields are
ours, not the DfE's (the record they came from, the kind of request, the statutory due date,
the setting's establishment type): they are marked "not in the return" and ``xml`` never
writes them.

Yes/no items are ``bool`` (``None`` when the return leaves them out); codes are the DfE's
strings; an empty string is an item left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

#: Elements of SEN2 v1.3 (the 2025 collection onwards) that v1.2 did not have.
V13_FIRST_YEAR = 2025
#: The first person-level collection.
FIRST_YEAR = 2023


@dataclass(frozen=True)
class Header:
    """``Header``: ``CollectionDetails`` and ``Source``."""

    year: int
    reference_date: dt.date
    la_code: str
    software_code: str
    release: str
    serial_no: int
    generated_at: dt.datetime
    dmo: str = "N"
    dco: str = "N"

    @property
    def period_start(self) -> dt.date:
        """The first day of the calendar year the requests and assessments are from."""
        return dt.date(self.year - 1, 1, 1)

    @property
    def period_end(self) -> dt.date:
        return dt.date(self.year - 1, 12, 31)

    @property
    def v13(self) -> bool:
        return self.year >= V13_FIRST_YEAR


@dataclass(frozen=True)
class PlanDetail:
    """``PlanDetail``: a setting named in section I of a plan, by URN, UKPRN or, where it has
    neither, an SEN2 setting code."""

    placement_rank: int
    urn: str = ""
    ukprn: str = ""
    sen_setting: str = ""
    sen_setting_other: str = ""
    sen_unit: bool = False
    resourced_provision: bool = False
    #: Not in the return: the establishment type (``core.models.SettingType``) or "".
    establishment: str = ""


@dataclass(frozen=True)
class NamedPlan:
    """``NamedPlan``: the plan an assessment led to, as in force on the reference date."""

    start_date: dt.date | None
    details: tuple[PlanDetail, ...] = ()
    plan_res: str = ""
    plan_wbp: str = ""
    personal_budget: bool | None = None
    organised_arrangements: bool | None = None
    direct_payments: str = ""
    cease_date: dt.date | None = None
    cease_reason: str = ""
    #: Not in the return: our plan's id.
    plan_id: int | None = None


@dataclass(frozen=True)
class Assessment:
    """``Assessment``: the decision whether to issue a plan, and the plan."""

    outcome: str
    outcome_date: dt.date | None = None
    mediation: bool | None = None
    tribunal: bool | None = None
    other_mediation: bool | None = None
    other_tribunal: bool | None = None
    #: ``Week20``: the 20-week time limit exceptions apply (Regs 13(3), 10(4)). Given only
    #: for a plan issued after this request.
    week20: bool | None = None
    named_plan: NamedPlan | None = None


@dataclass(frozen=True)
class PlacementDetail:
    """``PlacementDetail``: where a child with an active plan is educated on the reference
    date."""

    placement_rank: int
    entry_date: dt.date | None
    urn: str = ""
    ukprn: str = ""
    sen_setting: str = ""
    sen_setting_other: str = ""
    leaving_date: dt.date | None = None
    sen_unit: bool = False
    resourced_provision: bool = False
    res: str = ""
    wbp: str = ""
    #: Not in the return: the establishment type (``core.models.SettingType``) or "".
    establishment: str = ""


@dataclass(frozen=True)
class SENNeed:
    """``SENneed``: a ranked type of need."""

    sen_type: str
    rank: int


@dataclass(frozen=True)
class ActivePlan:
    """``ActivePlans``: a plan in force on the reference date."""

    placements: tuple[PlacementDetail, ...] = ()
    needs: tuple[SENNeed, ...] = ()
    transfer_la: str = ""
    review_meeting: dt.date | None = None
    review_outcome: str = ""
    last_review: dt.date | None = None
    #: v1.3: the deadline for the phase transfer review, and the day the amended plan naming
    #: the new setting was issued.
    phase_transfer_due: dt.date | None = None
    phase_transfer_final: dt.date | None = None
    #: Not in the return: our plan's id.
    plan_id: int | None = None


@dataclass(frozen=True)
class Request:
    """``Requests``: a request for an EHC needs assessment (or a plan transferred in, or a
    historical request standing for a plan older than the collection)."""

    outcome: str
    received_date: dt.date | None = None
    young_person: bool | None = None  # RYA
    outcome_date: dt.date | None = None
    mediation: bool | None = None
    tribunal: bool | None = None
    exported: str = ""
    assessment: Assessment | None = None
    active_plan: ActivePlan | None = None
    #: Not in the return: our request's id (``None`` for a historical request we made up
    #: to carry a plan), its kind, and the day its final plan was due.
    request_id: int | None = None
    kind: str = ""
    final_due: dt.date | None = None

    @property
    def named_plan(self) -> NamedPlan | None:
        return self.assessment.named_plan if self.assessment is not None else None


@dataclass(frozen=True)
class Person:
    """``Person``: a child or young person, with every request reported for them."""

    surname: str
    forename: str
    birth_date: dt.date | None
    sex: str
    ethnicity: str
    postcode: str
    upn: str = ""
    uln: str = ""
    upn_unknown: str = ""
    requests: tuple[Request, ...] = ()
    #: Not in the return: our child's id.
    child_id: int | None = None

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}".strip()

    @property
    def active_plans(self) -> Iterator[ActivePlan]:
        for request in self.requests:
            if request.active_plan is not None:
                yield request.active_plan


@dataclass(frozen=True)
class Return:
    """``Message``: the header and every person."""

    header: Header
    persons: tuple[Person, ...] = field(default_factory=tuple)

    @property
    def request_count(self) -> int:
        return sum(len(person.requests) for person in self.persons)

    @property
    def active_plan_count(self) -> int:
        return sum(1 for person in self.persons for _ in person.active_plans)
