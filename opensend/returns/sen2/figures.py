"""The figures a SEN2 return implies, counted from its records: requests and their outcomes,
assessments, new plans and how many were issued within 20 weeks (with and without the
cases where an exception applied, as the DfE publishes both), plans transferred in, active
plans by establishment type, and plans ceased by reason.

These are exact counts for the local authority's SEND managers: no small-number suppression
(they see every record anyway).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from opensend.core.codes import CeaseReason, SENSetting
from opensend.core.models import SettingType
from opensend.returns.sen2 import mapping
from opensend.returns.sen2.records import Return

NO_PLACEMENT = "No placement recorded"
OUTCOME_LABELS = {
    mapping.Y: "Agreed to assess",
    mapping.N: "Refused",
    mapping.A: "Decision not yet made",
    mapping.W: "Withdrawn",
}
ISSUE_LABELS = {
    mapping.Y: "Decided to issue a plan",
    mapping.N: "Decided not to issue a plan",
    mapping.A: "Decision not yet made",
    mapping.W: "Withdrawn",
}


#: Establishment and arrangement codes with their labels, worked out once.
ESTABLISHMENT_LABELS = {
    **{str(code): str(label) for code, label in SENSetting.choices},
    **{str(code): str(label) for code, label in SettingType.choices},
}
CEASE_LABELS = {str(code): str(label) for code, label in CeaseReason.choices}


def establishment_label(code: str) -> str:
    return ESTABLISHMENT_LABELS.get(code, NO_PLACEMENT)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    year: int
    period_start: dt.date
    period_end: dt.date
    reference_date: dt.date
    persons: int = 0
    requests_received: int = 0
    request_outcomes: list[tuple[str, int]] = field(default_factory=list)
    issue_decisions: list[tuple[str, int]] = field(default_factory=list)
    new_plans: int = 0
    new_plans_in_time: int = 0
    new_plans_with_exception: int = 0
    new_plans_without_exception: int = 0
    new_plans_without_exception_in_time: int = 0
    reassessed_plans: int = 0
    transferred_in: int = 0
    active_plans: int = 0
    active_by_establishment: list[tuple[str, int]] = field(default_factory=list)
    ceased: int = 0
    ceased_by_reason: list[tuple[str, int]] = field(default_factory=list)
    #: The day active plans were counted on: the reference date, or today for live checks.
    as_at: dt.date | None = None

    @property
    def counted_on(self) -> dt.date:
        return self.as_at or self.reference_date

    @property
    def in_time_rate(self) -> float | None:
        """New plans issued within 20 weeks, of all new plans issued (exceptions included)."""
        return _rate(self.new_plans_in_time, self.new_plans)

    @property
    def in_time_rate_excluding_exceptions(self) -> float | None:
        return _rate(self.new_plans_without_exception_in_time, self.new_plans_without_exception)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("period_start", "period_end", "reference_date", "as_at"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figures:
        values = dict(data)
        for name in ("period_start", "period_end", "reference_date", "as_at"):
            value = values.get(name)
            values[name] = dt.date.fromisoformat(value) if value else None
        for name in (
            "request_outcomes",
            "issue_decisions",
            "active_by_establishment",
            "ceased_by_reason",
        ):
            values[name] = [(str(label), int(count)) for label, count in values.get(name, [])]
        return cls(**values)


def _ordered(counts: Counter[str], labels: dict[str, str]) -> list[tuple[str, int]]:
    return [(label, counts[code]) for code, label in labels.items()]


def figures(sen2: Return, *, as_at: dt.date | None = None) -> Figures:
    """The figures of a return; ``as_at`` is the day its active plans were read as at, when
    not the reference date (the live checks)."""
    header = sen2.header
    start, end = header.period_start, header.period_end
    request_outcomes: Counter[str] = Counter()
    issue_decisions: Counter[str] = Counter()
    establishments: Counter[str] = Counter()
    ceased: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for person in sen2.persons:
        for request in person.requests:
            historical = request.outcome == mapping.H
            if historical and request.kind == mapping.TRANSFER_IN:
                if mapping.in_period(request.received_date, start, end):
                    counts["transferred_in"] += 1
            elif not historical and mapping.in_period(request.received_date, start, end):
                counts["requests"] += 1
                request_outcomes[request.outcome] += 1
            assessment = request.assessment
            if (
                assessment is not None
                and not historical
                and (
                    assessment.outcome == mapping.A
                    or mapping.in_period(assessment.outcome_date, start, end)
                )
            ):
                issue_decisions[assessment.outcome] += 1
            plan = request.named_plan
            if (
                plan is not None
                and not historical
                and mapping.in_period(plan.start_date, start, end)
            ):
                if request.kind == mapping.NEW:
                    in_time = (
                        request.final_due is not None
                        and plan.start_date is not None
                        and (plan.start_date <= request.final_due)
                    )
                    counts["new"] += 1
                    counts["new_in_time"] += in_time
                    if assessment is not None and assessment.week20:
                        counts["new_exception"] += 1
                    else:
                        counts["new_plain"] += 1
                        counts["new_plain_in_time"] += in_time
                elif request.kind == mapping.REASSESSMENT:
                    counts["reassessed"] += 1
            if plan is not None and mapping.in_period(plan.cease_date, start, end):
                ceased[plan.cease_reason] += 1
            if request.active_plan is not None:
                counts["active"] += 1
                main = next(
                    (p for p in request.active_plan.placements if p.placement_rank == 1), None
                )
                establishments[establishment_label(main.establishment if main else "")] += 1
    return Figures(
        year=header.year,
        period_start=start,
        period_end=end,
        reference_date=header.reference_date,
        as_at=as_at,
        persons=len(sen2.persons),
        requests_received=counts["requests"],
        request_outcomes=_ordered(request_outcomes, OUTCOME_LABELS),
        issue_decisions=_ordered(issue_decisions, ISSUE_LABELS),
        new_plans=counts["new"],
        new_plans_in_time=counts["new_in_time"],
        new_plans_with_exception=counts["new_exception"],
        new_plans_without_exception=counts["new_plain"],
        new_plans_without_exception_in_time=counts["new_plain_in_time"],
        reassessed_plans=counts["reassessed"],
        transferred_in=counts["transferred_in"],
        active_plans=counts["active"],
        active_by_establishment=sorted(
            establishments.items(), key=lambda item: (-item[1], item[0])
        ),
        ceased=sum(ceased.values()),
        ceased_by_reason=[
            (CEASE_LABELS.get(code, code or "Not given"), n) for code, n in sorted(ceased.items())
        ],
    )
