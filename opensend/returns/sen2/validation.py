"""The SEN2 checks: the DfE's field rules as pure functions over the records.

Each rule has a code, the element it is about and its text; a rule that fails says what is
wrong in a sentence a coordinator can act on. The same checks run on a generated return
(before download) and on live cases (``opensend.returns.selectors.sen2_live_problems``), so
problems are fixed during the year. The codes are ours (S1xx the person, S2xx the request,
S3xx the assessment, S4xx the plan, S5xx a setting, S6xx the active plan, S9xx every date):
the DfE's own numbering is not published with the schema.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from opensend.core.calendar import age_on
from opensend.core.codes import (
    DS_FIRST_CENSUS,
    CeaseReason,
    DirectPaymentType,
    Ethnicity,
    RequestOutcome,
    ResidentialCode,
    ReviewOutcome,
    SENNeed,
    SENSetting,
    Sex,
    UPNUnknown,
    WorkBasedProvision,
)
from opensend.core.identifiers import uln_problem, upn_problem
from opensend.returns.sen2.records import (
    Assessment,
    Header,
    NamedPlan,
    Person,
    PlacementDetail,
    PlanDetail,
    Request,
    Return,
)

Y, N, A, W, H = (code.value for code in RequestOutcome)
OUTCOMES = frozenset(RequestOutcome.values)
DECIDED = frozenset({Y, N, W})

# The code lists as plain sets of strings, worked out once (Django's ``.values`` builds a
# new list on every call, and this runs for every person of a return).
SEXES = frozenset(Sex.values)
ETHNICITIES = frozenset(Ethnicity.values)
UN_CODES = frozenset(UPNUnknown.values)
UN1 = UPNUnknown.UN1.value
RESIDENTIAL = frozenset(ResidentialCode.values)
WORK_BASED = frozenset(WorkBasedProvision.values)
DIRECT_PAYMENTS = frozenset(DirectPaymentType.values)
CEASE_REASONS = frozenset(CeaseReason.values)
SEN_SETTINGS = frozenset(SENSetting.values)
OTHER_SETTING = SENSetting.OTH.value
REVIEW_OUTCOMES = frozenset(ReviewOutcome.values)
NSA, DS = SENNeed.NSA.value, SENNeed.DS.value
#: Types of need an EHC plan may record: never NSA (SEN support only).
PLAN_SEN_TYPES = frozenset(SENNeed.values) - {NSA}
PLAN_SEN_TYPES_BEFORE_DS = PLAN_SEN_TYPES - {DS}

POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")
URN = re.compile(r"^\d{6}$")
UKPRN = re.compile(r"^\d{8}$")
LA_CODE = re.compile(r"^\d{3}$")


@dataclass(frozen=True)
class Rule:
    code: str
    field: str
    text: str


@dataclass(frozen=True)
class Context:
    """What the rules need besides the person: the reference date and the LA."""

    reference_date: dt.date
    la_code: str

    @classmethod
    def of(cls, header: Header) -> Context:
        return cls(reference_date=header.reference_date, la_code=header.la_code)

    @property
    def sen_types(self) -> frozenset[str]:
        """Types of need an EHC plan may record: never NSA (SEN support only); DS from the
        January 2025 census."""
        if self.reference_date >= DS_FIRST_CENSUS:
            return PLAN_SEN_TYPES
        return PLAN_SEN_TYPES_BEFORE_DS


@dataclass(frozen=True)
class Problem:
    """A rule that a person's record fails, once."""

    code: str
    field: str
    message: str
    child_id: int | None
    person: str
    where: str = ""
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "child_id": self.child_id,
            "person": self.person,
            "where": self.where,
            "value": self.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(**{key: data.get(key, "") for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Finding:
    """What a rule function yields: the message, and where in the person's record."""

    message: str
    where: str = ""
    field: str = ""
    value: str = ""


Check = Callable[[Person, Context], Iterable[Finding]]

#: Every rule, in the order they are checked and listed.
RULES: dict[str, Rule] = {}
_CHECKS: list[tuple[Rule, Check]] = []


def rule(code: str, field: str, text: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"Rule {code} is defined twice")
        RULES[code] = Rule(code, field, text)
        _CHECKS.append((RULES[code], check))
        return check

    return register


# --- walking a person's record ------------------------------------------------------------


def _day(value: dt.date | None) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def request_label(request: Request) -> str:
    if request.outcome == H and request.kind == "transfer_in":
        return f"Plan transferred in on {_day(request.received_date)}"
    if request.outcome == H:
        return "Plan from before the collection year"
    if request.received_date is None:
        return "Request with no received date"
    return f"Request received {_day(request.received_date)}"


def _assessments(person: Person) -> Iterator[tuple[Request, Assessment, str]]:
    for request in person.requests:
        if request.assessment is not None:
            yield request, request.assessment, request_label(request)


def _named_plans(person: Person) -> Iterator[tuple[Request, NamedPlan, str]]:
    for request, assessment, where in _assessments(person):
        if assessment.named_plan is not None:
            yield request, assessment.named_plan, f"{where}: plan"


def _settings(person: Person) -> Iterator[tuple[PlanDetail | PlacementDetail, str]]:
    for _, plan, where in _named_plans(person):
        for detail in plan.details:
            yield detail, f"{where}, setting named (rank {detail.placement_rank})"
    for request in person.requests:
        if request.active_plan is not None:
            for placement in request.active_plan.placements:
                yield (
                    placement,
                    f"{request_label(request)}: active plan, placement "
                    f"(rank {placement.placement_rank})",
                )


def _dates(person: Person) -> Iterator[tuple[str, dt.date | None, str]]:
    yield "PersonBirthDate", person.birth_date, ""
    for request in person.requests:
        where = request_label(request)
        yield "ReceivedDate", request.received_date, where
        yield "RequestOutcomeDate", request.outcome_date, where
        if request.assessment is not None:
            yield "AssessmentOutcomeDate", request.assessment.outcome_date, where
            plan = request.assessment.named_plan
            if plan is not None:
                yield "StartDate", plan.start_date, f"{where}: plan"
                yield "CeaseDate", plan.cease_date, f"{where}: plan"
        active = request.active_plan
        if active is not None:
            for placement in active.placements:
                yield "EntryDate", placement.entry_date, f"{where}: active plan"
                yield "LeavingDate", placement.leaving_date, f"{where}: active plan"
            yield "ReviewMeeting", active.review_meeting, f"{where}: active plan"
            yield "LastReview", active.last_review, f"{where}: active plan"
            yield "PhaseTransferFinalDate", active.phase_transfer_final, f"{where}: active plan"


def _codes(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


# --- the person ---------------------------------------------------------------------------

_MANDATORY = (
    ("Surname", "surname", "the legal last name"),
    ("Forename", "forename", "the legal first name"),
    ("PersonBirthDate", "birth_date", "the date of birth"),
    ("Sex", "sex", "the sex (M, F or U)"),
    ("Ethnicity", "ethnicity", "the ethnicity (NOBT if not yet obtained, REFU if refused)"),
    ("PostCode", "postcode", "the home postcode"),
)


@rule(
    "S101", "Person", "Surname, Forename, PersonBirthDate, Sex, Ethnicity and PostCode are given."
)
def person_mandatory(person: Person, ctx: Context) -> Iterator[Finding]:
    for element, attribute, what in _MANDATORY:
        if not getattr(person, attribute):
            yield Finding(f"{element} is missing: record {what}.", field=element)


@rule("S102", "Sex", "Sex is M, F or U.")
def sex_code(person: Person, ctx: Context) -> Iterator[Finding]:
    if person.sex and person.sex not in SEXES:
        yield Finding(f"{person.sex} is not a sex code; use M, F or U.", value=person.sex)


@rule("S103", "Ethnicity", "Ethnicity is one of the main ethnicity codes of the school census.")
def ethnicity_code(person: Person, ctx: Context) -> Iterator[Finding]:
    if person.ethnicity and person.ethnicity not in ETHNICITIES:
        yield Finding(f"{person.ethnicity} is not an ethnicity code.", value=person.ethnicity)


@rule("S104", "PostCode", "PostCode is a full UK postcode.")
def postcode_format(person: Person, ctx: Context) -> Iterator[Finding]:
    if person.postcode and not POSTCODE.match(person.postcode):
        yield Finding(
            f"{person.postcode} is not a full UK postcode, like SW1A 1AA.", value=person.postcode
        )


@rule("S105", "UPN", "A UPN is 13 characters with a valid check letter.")
def upn_valid(person: Person, ctx: Context) -> Iterator[Finding]:
    if person.upn:
        problem = upn_problem(person.upn)
        if problem:
            yield Finding(f"The UPN is not valid: {problem}.", value=person.upn)


@rule("S106", "UniqueLearnerNumber", "A ULN is 10 digits that pass its check.")
def uln_valid(person: Person, ctx: Context) -> Iterator[Finding]:
    if person.uln:
        problem = uln_problem(person.uln)
        if problem:
            yield Finding(f"The ULN is not valid: {problem}.", value=person.uln)


@rule(
    "S107",
    "UPNunknown",
    "Each person has a UPN, a ULN, or a UPNunknown code saying why neither is known.",
)
def identifier_present(person: Person, ctx: Context) -> Iterator[Finding]:
    if not (person.upn or person.uln or person.upn_unknown):
        yield Finding(
            "There is no UPN, no ULN and no reason why: record the UPN (or the ULN of a young "
            "person in further education)."
        )


@rule("S108", "UPNunknown", "UPNunknown is a UN code, and only for a person with no UPN.")
def upn_unknown_code(person: Person, ctx: Context) -> Iterator[Finding]:
    code = person.upn_unknown
    if not code:
        return
    if code not in UN_CODES:
        yield Finding(f"{code} is not a UPNunknown code.", value=code)
    elif person.upn:
        yield Finding(f"{code} is given although the UPN is known.", value=code)


@rule("S109", "UPNunknown", "UN1 is only for a child under 6 on the reference date.")
def un1_under_six(person: Person, ctx: Context) -> Iterator[Finding]:
    if (
        person.upn_unknown == UN1
        and person.birth_date is not None
        and age_on(person.birth_date, ctx.reference_date) >= 6
    ):
        yield Finding(
            f"UN1 is for a child under 6, but this child is "
            f"{age_on(person.birth_date, ctx.reference_date)} on the reference date.",
            value=person.upn_unknown,
        )


@rule("S110", "Requests", "Each person has at least one request.")
def has_request(person: Person, ctx: Context) -> Iterator[Finding]:
    if not person.requests:
        yield Finding("The person has no request, so would not be in the return.")


# --- the request --------------------------------------------------------------------------


@rule("S201", "RequestOutcome", "RequestOutcome is Y, N, A, W or H.")
def request_outcome_code(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        if request.outcome not in OUTCOMES:
            yield Finding(
                f"{request.outcome or 'Nothing'} is not a request outcome; use Y, N, A, W or H.",
                where=request_label(request),
                value=request.outcome,
            )


@rule("S202", "ReceivedDate", "ReceivedDate is given for every request that is not historical.")
def received_date_present(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        if request.outcome != H and request.received_date is None:
            yield Finding("The date the request was received is missing.", request_label(request))


@rule("S203", "ReceivedDate", "A request is received on or after the person's birth.")
def received_after_birth(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        if (
            request.received_date is not None
            and person.birth_date is not None
            and request.received_date < person.birth_date
        ):
            yield Finding(
                f"The request is dated {_day(request.received_date)}, before the date of birth "
                f"({_day(person.birth_date)}).",
                request_label(request),
            )


@rule(
    "S204",
    "RequestOutcomeDate",
    "RequestOutcomeDate is given when the outcome is Y, N or W, and only then.",
)
def request_outcome_date_present(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        if request.outcome in DECIDED and request.outcome_date is None:
            yield Finding(
                f"The request's outcome is {request.outcome} but its date is missing.",
                request_label(request),
            )
        elif request.outcome not in DECIDED and request.outcome_date is not None:
            yield Finding(
                f"An outcome date is given although the outcome is {request.outcome}.",
                request_label(request),
            )


@rule("S205", "RequestOutcomeDate", "The decision whether to assess is on or after the request.")
def request_outcome_after_received(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        if (
            request.outcome_date is not None
            and request.received_date is not None
            and request.outcome_date < request.received_date
        ):
            yield Finding(
                f"The decision ({_day(request.outcome_date)}) is before the request was "
                f"received ({_day(request.received_date)}).",
                request_label(request),
            )


@rule(
    "S206",
    "Assessment",
    "An assessment module is given when the request outcome is Y (or H), and only then.",
)
def assessment_presence(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        where = request_label(request)
        if request.outcome in (Y, H) and request.assessment is None:
            yield Finding("The LA agreed to assess, but there is no assessment outcome.", where)
        elif request.outcome not in (Y, H) and request.assessment is not None:
            yield Finding(
                f"An assessment outcome is given although the request outcome is "
                f"{request.outcome}: an assessment follows only a decision to assess.",
                where,
                field="AssessmentOutcome",
            )


@rule("S207", "ActivePlans", "A person has at most one active plan.")
def one_active_plan(person: Person, ctx: Context) -> Iterator[Finding]:
    count = sum(1 for _ in person.active_plans)
    if count > 1:
        yield Finding(f"{count} plans are active on the reference date; a person has one.")


# --- the assessment -----------------------------------------------------------------------


@rule("S301", "AssessmentOutcome", "AssessmentOutcome is Y, N, A or W, or H for a request H.")
def assessment_outcome_code(person: Person, ctx: Context) -> Iterator[Finding]:
    for request, assessment, where in _assessments(person):
        if assessment.outcome not in OUTCOMES:
            yield Finding(
                f"{assessment.outcome or 'Nothing'} is not an assessment outcome.",
                where,
                value=assessment.outcome,
            )
        elif (assessment.outcome == H) != (request.outcome == H):
            yield Finding(
                "H (historical or transferred in) must be the outcome of both the request and "
                "the assessment, or of neither.",
                where,
                value=assessment.outcome,
            )


@rule(
    "S302",
    "AssessmentOutcomeDate",
    "AssessmentOutcomeDate is given when the outcome is Y, N or W, and only then.",
)
def assessment_date_present(person: Person, ctx: Context) -> Iterator[Finding]:
    for _, assessment, where in _assessments(person):
        if assessment.outcome in DECIDED and assessment.outcome_date is None:
            yield Finding(
                f"The assessment outcome is {assessment.outcome} but its date is missing.", where
            )
        elif assessment.outcome not in DECIDED and assessment.outcome_date is not None:
            yield Finding(
                f"An outcome date is given although the outcome is {assessment.outcome}.", where
            )


@rule(
    "S303",
    "AssessmentOutcomeDate",
    "The decision whether to issue a plan is on or after the decision to assess.",
)
def assessment_after_request_outcome(person: Person, ctx: Context) -> Iterator[Finding]:
    for request, assessment, where in _assessments(person):
        earlier = request.outcome_date or request.received_date
        if assessment.outcome_date is not None and earlier and assessment.outcome_date < earlier:
            yield Finding(
                f"The decision whether to issue a plan ({_day(assessment.outcome_date)}) is "
                f"before the decision to assess ({_day(earlier)}).",
                where,
            )


@rule("S304", "NamedPlan", "A plan is given only when the assessment outcome is Y (or H).")
def named_plan_needs_yes(person: Person, ctx: Context) -> Iterator[Finding]:
    for _, assessment, where in _assessments(person):
        if assessment.named_plan is not None and assessment.outcome not in (Y, H):
            yield Finding(
                f"A plan is given although the assessment outcome is {assessment.outcome}.", where
            )


@rule("S305", "Week20", "Week20 (exceptions apply) is given when a plan was issued, and only then.")
def week20_presence(person: Person, ctx: Context) -> Iterator[Finding]:
    for request, assessment, where in _assessments(person):
        issued = assessment.named_plan is not None and request.outcome != H
        if issued and assessment.week20 is None:
            yield Finding(
                "A plan was issued, but Week20 (whether an exception to the 20-week limit "
                "applies) is missing.",
                where,
            )
        elif not issued and assessment.week20 is not None:
            yield Finding("Week20 is given although no plan was issued after this request.", where)


# --- the plan -----------------------------------------------------------------------------


@rule("S401", "StartDate", "A plan has a StartDate, on or after the decision to issue it.")
def plan_start(person: Person, ctx: Context) -> Iterator[Finding]:
    for request, plan, where in _named_plans(person):
        if plan.start_date is None:
            yield Finding(
                "The plan's start date (when the final plan was issued) is missing.", where
            )
            continue
        assert request.assessment is not None  # noqa: S101 - a named plan has one
        earlier = request.assessment.outcome_date or request.received_date
        if earlier is not None and plan.start_date < earlier:
            yield Finding(
                f"The final plan ({_day(plan.start_date)}) is dated before the decision to "
                f"issue it ({_day(earlier)}).",
                where,
            )


@rule("S402", "PlanDetail", "A plan names one or two settings (section I).")
def plan_details_count(person: Person, ctx: Context) -> Iterator[Finding]:
    for _, plan, where in _named_plans(person):
        if not plan.details:
            yield Finding("The plan names no setting or arrangement in section I.", where)
        elif len(plan.details) > 2:
            yield Finding(f"The plan names {len(plan.details)} settings; SEN2 takes two.", where)


@rule("S403", "PlanRes", "PlanRes is A or B and PlanWBP is A, T or S.")
def plan_res_wbp(person: Person, ctx: Context) -> Iterator[Finding]:
    for _, plan, where in _named_plans(person):
        if plan.plan_res and plan.plan_res not in RESIDENTIAL:
            yield Finding(f"{plan.plan_res} is not a residential code; use A or B.", where)
        if plan.plan_wbp and plan.plan_wbp not in WORK_BASED:
            yield Finding(
                f"{plan.plan_wbp} is not a work-based provision code; use A, T or S.",
                where,
                field="PlanWBP",
            )


@rule(
    "S404",
    "DP",
    "DP is E, S, H or I; organised arrangements and direct payments only with a personal budget.",
)
def personal_budget(person: Person, ctx: Context) -> Iterator[Finding]:
    for _, plan, where in _named_plans(person):
        if plan.direct_payments and plan.direct_payments not in DIRECT_PAYMENTS:
            yield Finding(
                f"{plan.direct_payments} is not a direct payment code; use E, S, H or I.", where
            )
        if not plan.personal_budget and (plan.organised_arrangements or plan.direct_payments):
            yield Finding(
                "Organised arrangements or direct payments are recorded, but no personal budget.",
                where,
                field="PB",
            )


@rule(
    "S405",
    "CeaseReason",
    "CeaseDate and CeaseReason (1 to 9) go together; a plan ceases after it starts.",
)
def cease(person: Person, ctx: Context) -> Iterator[Finding]:
    for _, plan, where in _named_plans(person):
        if plan.cease_date is not None and not plan.cease_reason:
            yield Finding("The plan has ceased, but the reason is missing.", where)
        elif plan.cease_reason and plan.cease_date is None:
            yield Finding(
                "A reason for ceasing is given, but no cease date.", where, field="CeaseDate"
            )
        if plan.cease_reason and plan.cease_reason not in CEASE_REASONS:
            yield Finding(f"{plan.cease_reason} is not a cease reason; use 1 to 9.", where)
        if plan.cease_date and plan.start_date and plan.cease_date < plan.start_date:
            yield Finding(
                f"The plan ceased ({_day(plan.cease_date)}) before it started "
                f"({_day(plan.start_date)}).",
                where,
                field="CeaseDate",
            )


# --- a setting (named in a plan, or a placement) ------------------------------------------


@rule(
    "S501",
    "SENSetting",
    "A setting is a URN or UKPRN, or, where it has neither, an SEN2 setting code.",
)
def setting_identified(person: Person, ctx: Context) -> Iterator[Finding]:
    for setting, where in _settings(person):
        if not (setting.urn or setting.ukprn or setting.sen_setting):
            yield Finding(
                "The setting has no URN or UKPRN and no setting code (such as EHE or OLA): "
                "record the setting's URN, or the arrangement.",
                where,
            )
        elif setting.sen_setting and (setting.urn or setting.ukprn):
            yield Finding(
                f"The setting code {setting.sen_setting} is for an arrangement without a URN "
                "or UKPRN, but one is given.",
                where,
                value=setting.sen_setting,
            )


@rule("S502", "URN", "A URN is 6 digits.")
def urn_format(person: Person, ctx: Context) -> Iterator[Finding]:
    for setting, where in _settings(person):
        if setting.urn and not URN.match(setting.urn):
            yield Finding(
                f"{setting.urn} is not a URN: a URN is 6 digits.", where, value=setting.urn
            )


@rule("S503", "UKPRN", "A UKPRN is 8 digits.")
def ukprn_format(person: Person, ctx: Context) -> Iterator[Finding]:
    for setting, where in _settings(person):
        if setting.ukprn and not UKPRN.match(setting.ukprn):
            yield Finding(
                f"{setting.ukprn} is not a UKPRN: a UKPRN is 8 digits.", where, value=setting.ukprn
            )


@rule("S504", "SENSetting", "SENSetting is one of the SEN2 setting codes.")
def sen_setting_code(person: Person, ctx: Context) -> Iterator[Finding]:
    for setting, where in _settings(person):
        if setting.sen_setting and setting.sen_setting not in SEN_SETTINGS:
            yield Finding(
                f"{setting.sen_setting} is not a setting code; use {_codes(SEN_SETTINGS)}.",
                where,
                value=setting.sen_setting,
            )


@rule("S505", "SENSettingOther", "SENSettingOther describes an OTH setting, and only that.")
def sen_setting_other(person: Person, ctx: Context) -> Iterator[Finding]:
    for setting, where in _settings(person):
        if setting.sen_setting == OTHER_SETTING and not setting.sen_setting_other.strip():
            yield Finding("The setting is OTH (other) but is not described.", where)
        elif setting.sen_setting_other and setting.sen_setting != OTHER_SETTING:
            yield Finding(
                "A description of an other setting is given, but the setting is not OTH.", where
            )


def _ranks(
    items: Iterable[PlanDetail | PlacementDetail], where: str, what: str
) -> Iterator[Finding]:
    ranks = [item.placement_rank for item in items]
    if not ranks:
        return
    for rank in ranks:
        if rank not in (1, 2):
            yield Finding(
                f"{rank} is not a rank; a {what} is ranked 1 or 2.", where, value=str(rank)
            )
    repeated = sorted(rank for rank, count in Counter(ranks).items() if count > 1)
    if repeated:
        yield Finding(f"Two {what}s have rank {repeated[0]}; each rank is used once.", where)
    elif 1 not in ranks:
        yield Finding(f"No {what} has rank 1 (the main one).", where)


@rule("S506", "PlacementRank", "PlacementRank is 1 or 2, each used once, with a rank 1.")
def placement_ranks(person: Person, ctx: Context) -> Iterator[Finding]:
    for _, plan, where in _named_plans(person):
        yield from _ranks(plan.details, where, "setting named in the plan")
    for request in person.requests:
        if request.active_plan is not None:
            yield from _ranks(
                request.active_plan.placements,
                f"{request_label(request)}: active plan",
                "placement",
            )


@rule("S507", "EntryDate", "A placement has an EntryDate, and any LeavingDate is on or after it.")
def placement_dates(person: Person, ctx: Context) -> Iterator[Finding]:
    for setting, where in _settings(person):
        if not isinstance(setting, PlacementDetail):
            continue
        if setting.entry_date is None:
            yield Finding("The date the child started at the setting is missing.", where)
        elif setting.leaving_date is not None and setting.leaving_date < setting.entry_date:
            yield Finding(
                f"The leaving date ({_day(setting.leaving_date)}) is before the entry date "
                f"({_day(setting.entry_date)}).",
                where,
                field="LeavingDate",
            )


@rule("S508", "Res", "Res is A or B and WBP is A, T or S.")
def placement_res_wbp(person: Person, ctx: Context) -> Iterator[Finding]:
    for setting, where in _settings(person):
        if not isinstance(setting, PlacementDetail):
            continue
        if setting.res and setting.res not in RESIDENTIAL:
            yield Finding(f"{setting.res} is not a residential code; use A or B.", where)
        if setting.wbp and setting.wbp not in WORK_BASED:
            yield Finding(
                f"{setting.wbp} is not a work-based provision code; use A, T or S.",
                where,
                field="WBP",
            )


# --- the active plan ----------------------------------------------------------------------


@rule("S601", "ActivePlans", "An active plan belongs to a request whose assessment named a plan.")
def active_plan_has_plan(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        if request.active_plan is not None and request.named_plan is None:
            yield Finding(
                "An active plan is given under a request that did not lead to a plan.",
                request_label(request),
            )


@rule("S602", "PlacementDetail", "A person with an active plan has one or two placements.")
def active_plan_placements(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        active = request.active_plan
        if active is None:
            continue
        where = f"{request_label(request)}: active plan"
        if not active.placements:
            yield Finding(
                "The child has an active plan but no current placement: record where they are "
                "educated (or the arrangement in section I, such as EHE).",
                where,
            )
        elif len(active.placements) > 2:
            yield Finding(f"{len(active.placements)} placements; SEN2 takes two.", where)


@rule("S603", "SENneed", "A person with an active plan has one or two ranked types of need.")
def active_plan_needs(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        active = request.active_plan
        if active is None:
            continue
        where = f"{request_label(request)}: active plan"
        if not active.needs:
            yield Finding(
                "The child has an active plan but no primary type of need: record it.", where
            )
        elif len(active.needs) > 2:
            yield Finding(f"{len(active.needs)} types of need; SEN2 takes two.", where)


@rule(
    "S604",
    "SENtype",
    "SENtype is a census type of need; never NSA for a plan; DS from January 2025.",
)
def sen_type_code(person: Person, ctx: Context) -> Iterator[Finding]:
    allowed = ctx.sen_types
    for request in person.requests:
        active = request.active_plan
        if active is None:
            continue
        where = f"{request_label(request)}: active plan"
        for need in active.needs:
            if need.sen_type == NSA:
                yield Finding(
                    "NSA (no specialist assessment) is for SEN support only: record the "
                    "assessed type of need of a child with a plan.",
                    where,
                    value=need.sen_type,
                )
            elif need.sen_type == DS and need.sen_type not in allowed:
                yield Finding(
                    "DS (Down syndrome) is recorded from the January 2025 census onwards.",
                    where,
                    value=need.sen_type,
                )
            elif need.sen_type not in allowed:
                yield Finding(f"{need.sen_type} is not a type of need.", where, value=need.sen_type)


@rule("S605", "SENtypeRank", "SENtypeRank is 1 or 2, each used once, with a rank 1.")
def sen_type_ranks(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        active = request.active_plan
        if active is None or not active.needs:
            continue
        where = f"{request_label(request)}: active plan"
        ranks = [need.rank for need in active.needs]
        for rank in ranks:
            if rank not in (1, 2):
                yield Finding(f"{rank} is not a rank; a need is ranked 1 or 2.", where)
        if len(set(ranks)) < len(ranks):
            yield Finding("Two types of need have the same rank.", where)
        elif 1 not in ranks:
            yield Finding("No type of need is ranked 1 (primary).", where)
        types = [need.sen_type for need in active.needs]
        if len(set(types)) < len(types):
            yield Finding(
                f"{types[0]} is both the primary and the secondary need.", where, field="SENtype"
            )


@rule("S606", "ReviewOutcome", "ReviewOutcome is A, C or M, given with the ReviewMeeting date.")
def review_outcome(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        active = request.active_plan
        if active is None or not active.review_outcome:
            continue
        where = f"{request_label(request)}: active plan"
        if active.review_outcome not in REVIEW_OUTCOMES:
            yield Finding(f"{active.review_outcome} is not a review outcome; use A, C or M.", where)
        if active.review_meeting is None:
            yield Finding(
                "A review outcome is given but not the date of the review meeting.",
                where,
                field="ReviewMeeting",
            )


@rule("S607", "TransferLA", "TransferLA is another LA's 3-digit code.")
def transfer_la(person: Person, ctx: Context) -> Iterator[Finding]:
    for request in person.requests:
        active = request.active_plan
        if active is None or not active.transfer_la:
            continue
        where = f"{request_label(request)}: active plan"
        if not LA_CODE.match(active.transfer_la):
            yield Finding(
                f"{active.transfer_la} is not an LA code (3 digits).",
                where,
                value=active.transfer_la,
            )
        elif active.transfer_la == ctx.la_code:
            yield Finding(
                "The plan is recorded as transferred in from this LA itself.",
                where,
                value=active.transfer_la,
            )


# --- dates --------------------------------------------------------------------------------


@rule("S901", "Dates", "No date is after the reference date.")
def dates_not_after_reference(person: Person, ctx: Context) -> Iterator[Finding]:
    for element, value, where in _dates(person):
        if value is not None and value > ctx.reference_date:
            yield Finding(
                f"{element} is {_day(value)}, after the reference date "
                f"({_day(ctx.reference_date)}).",
                where,
                field=element,
                value=value.isoformat(),
            )


# --- running the rules --------------------------------------------------------------------


def validate_person(person: Person, ctx: Context) -> list[Problem]:
    """Every rule the person's record fails, in rule order."""
    problems: list[Problem] = []
    for checked, check in _CHECKS:
        for finding in check(person, ctx):
            problems.append(
                Problem(
                    code=checked.code,
                    field=finding.field or checked.field,
                    message=finding.message,
                    child_id=person.child_id,
                    person=person.name,
                    where=finding.where,
                    value=finding.value,
                )
            )
    return problems


def validate(sen2: Return) -> list[Problem]:
    """Every problem in a return, person by person."""
    ctx = Context.of(sen2.header)
    problems: list[Problem] = []
    for person in sen2.persons:
        problems.extend(validate_person(person, ctx))
    return problems


def problem_counts(problems: Iterable[Problem]) -> list[tuple[Rule, int]]:
    """How many problems each rule found, in rule order, for the rules that found any."""
    counts = Counter(problem.code for problem in problems)
    return [(checked, counts[code]) for code, checked in RULES.items() if counts[code]]
