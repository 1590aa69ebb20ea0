"""Calibration profiles for synthetic areas: the published aggregate figures each synthetic
area is generated to match, with where each figure comes from.

Sources are the seed documents that describe the partnerships (see DESIGN.md) and RULES.md §10:

* 000 — Halton SEND joint commissioning strategy, 2023 addendum (JSNA 2022/23).
* 001 — Stockton-on-Tees SEND joint commissioning strategy, appendix (January 2017 census).
* 003 — Sefton SEND joint commissioning strategy 2023–26 (January 2022 and 2023).
* 004 — Lancashire joint commissioning framework (JSNA refreshed September 2016).
* RULES.md §10 — DfE, January 2025: plans, pupils with plans, SEN support, need mix of plans;
  the 2024 EHC figures (requests, refusals, plans issued within 20 weeks).

Where a seed does not give a figure, the profile says so and uses the national figure or a
stated assumption. Every assumption is listed in ``Profile.assumptions`` and in
docs/synthetic-data.md. Nothing here describes a real child: the figures are only totals and
shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from opensend.core.codes import Region, SENNeed

# --- National figures (RULES.md §10, DfE January 2025) ------------------------------------

NATIONAL_PLANS: Final = 638_745
NATIONAL_SEN_SUPPORT: Final = 1_284_284
NATIONAL_PUPILS_WITH_PLANS: Final = 482_640
NATIONAL_PLAN_RATE_OF_PUPILS: Final = 0.053
#: Pupils with plans per plan: the rest of the plans are held by children under school age,
#: young people in further education or training and those over 19.
PUPILS_PER_PLAN: Final = NATIONAL_PUPILS_WITH_PLANS / NATIONAL_PLANS

Mix = MappingProxyType[str, float]


def mix(**weights: float) -> Mix:
    """A distribution over codes, normalised so it sums to 1."""
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("a mix needs positive weights")
    return MappingProxyType({code: weight / total for code, weight in weights.items()})


#: Primary need of EHC plans, England January 2025 (RULES.md §10) for ASD, SLCN, SEMH and
#: MLD; RULES.md does not give the remaining 15.9%, so it is split across the other codes by
#: assumption (the order of size follows the DfE tables: SLD, SPLD, PD, PMLD, HI, OTH, VI,
#: DS, MSI).
NATIONAL_PLAN_NEEDS: Final = mix(
    ASD=31.5,
    SLCN=21.3,
    SEMH=20.7,
    MLD=10.6,
    SLD=4.6,
    SPLD=3.4,
    PD=2.6,
    PMLD=1.5,
    HI=1.2,
    OTH=1.2,
    VI=0.6,
    DS=0.6,
    MSI=0.2,
)

#: Primary need of pupils on SEN support. Neither the seeds nor RULES.md give a national mix
#: for SEN support; this is an assumption shaped like the DfE tables (SLCN, SEMH and MLD
#: largest; NSA, "no specialist assessment", only on SEN support).
NATIONAL_SUPPORT_NEEDS: Final = mix(
    SLCN=24.0,
    SEMH=21.2,
    MLD=19.0,
    SPLD=13.0,
    ASD=10.0,
    NSA=4.0,
    OTH=3.9,
    PD=2.0,
    HI=1.5,
    VI=0.8,
    SLD=0.3,
    MSI=0.2,
    PMLD=0.1,
)

#: Where pupils with EHC plans are educated, England January 2022: 51.4% in mainstream
#: state-funded schools and 39.4% in state-funded special schools (the national comparators
#: quoted by Sefton, seed 003); the remaining 9.2% elsewhere (independent and non-maintained
#: special schools counted with special; alternative provision and others as "other").
NATIONAL_PLAN_PLACEMENTS: Final = mix(mainstream=51.4, special=39.4, other=9.2)

#: Share of pupils on SEN support in mainstream schools: 94% in Stockton (seed 001). No other
#: seed gives it; the other profiles use Stockton's figure.
STOCKTON_SUPPORT_MAINSTREAM: Final = 0.94

#: Children placed out of area per EHC plan: Stockton's 192 out-of-area placements (seed 001)
#: against its plans. Only Stockton's seed gives a count; other profiles use this ratio.
STOCKTON_OUT_OF_AREA: Final = 192
#: Share of out-of-area children who are looked after: 30% in Stockton (seed 001); used for
#: every profile.
LOOKED_AFTER_SHARE_OF_OUT_OF_AREA: Final = 0.30

#: Children who were on SEN support and no longer have SEN, per child on SEN support:
#: an assumption (the seeds give no figure); it gives the record some status history.
NO_LONGER_SEN_PER_SUPPORT: Final = 0.05
#: Share of children with plans who were on SEN support first: an assumption.
PLAN_AFTER_SUPPORT_SHARE: Final = 0.45


# --- EHC needs assessments and plans (the EHC stage of the generator) ----------------------


@dataclass(frozen=True)
class EhcFigures:
    """What a profile's EHC histories are calibrated to, each with where it comes from."""

    #: New plans issued within 20 weeks of the request, excluding exception cases (SEN2 Week20).
    within_20_weeks: float
    within_20_weeks_source: str
    #: Decisions whether to assess that were a refusal.
    refused: float
    refused_source: str
    #: Assessments that ended in a decision not to issue a plan.
    not_issued: float
    not_issued_source: str
    #: Requests for assessment a year, per plan the area maintains.
    requests_per_plan: float
    requests_source: str
    #: Annual review meetings held by the day they were due.
    reviews_on_time: float
    reviews_source: str


#: England, 2024 (RULES.md §10): 154,489 requests, 25.2% refused, 46.4% of new plans within
#: 20 weeks excluding exceptions (45.9% including them). RULES.md gives no figure for decisions
#: not to issue or for annual reviews; those are assumptions.
NATIONAL_EHC: Final = EhcFigures(
    within_20_weeks=0.464,
    within_20_weeks_source="RULES.md §10: 46.4% of new plans in 2024, excluding exceptions",
    refused=0.252,
    refused_source="RULES.md §10: 25.2% of the 154,489 requests in 2024 refused",
    not_issued=0.06,
    not_issued_source=(
        "assumed: 97,747 new plans from about 115,600 requests not refused in 2024 leaves "
        "about 15% not issued, withdrawn or still open; 6% taken as decisions not to issue"
    ),
    requests_per_plan=154_489 / NATIONAL_PLANS,
    requests_source="RULES.md §10: 154,489 requests in 2024 against 638,745 plans",
    reviews_on_time=0.60,
    reviews_source="assumed: no national figure for annual reviews held on time is published",
)

#: Sefton (seed 003): 18% of EHC plans completed within 20 weeks (January 2023); 602 requests
#: in 2021, 325 assessed, 321 plans issued; 2,243 plans in January 2022; 44.4% of children with
#: a plan had an annual review in the 2022/23 academic year.
SEFTON_EHC: Final = EhcFigures(
    within_20_weeks=0.18,
    within_20_weeks_source="seed 003: 18% of EHC plans within 20 weeks (January 2023)",
    refused=1 - 325 / 602,
    refused_source=(
        "seed 003: 325 of the 602 requests in 2021 assessed; the other 46% taken as refused"
    ),
    not_issued=4 / 325,
    not_issued_source="seed 003: 321 plans issued of the 325 assessed in 2021",
    requests_per_plan=602 / 2_243,
    requests_source="seed 003: 602 requests in 2021 against 2,243 plans (January 2022)",
    reviews_on_time=0.444,
    reviews_source=(
        "seed 003: 44.4% of children with a plan had an annual review in 2022/23, taken as "
        "the share of reviews held on time"
    ),
)

#: Share of requests where an exception lifted the time limits: derived from the national
#: 20-week rates with and without exception cases (46.4% and 45.9%, RULES.md §10), taking every
#: exception case as late: 1 − 45.9/46.4, about 1.1%.
EXCEPTION_SHARE: Final = 1 - 0.459 / 0.464
#: Share of plans transferred in from another area: an assumption.
TRANSFER_IN_SHARE: Final = 0.03
#: Share of assessments withdrawn before a decision whether to issue: an assumption.
WITHDRAWN_SHARE: Final = 0.03
#: Annual reviews (other than at a phase transfer, which always amends the plan to name the new
#: setting) that decide to amend the plan: an assumption.
AMEND_SHARE: Final = 0.30
#: Plans ceased each year for young people 18 and over who left (higher education, employment,
#: moved away), per plan the area maintains: an assumption. RULES.md §10's figures imply about
#: 6% of plans end each year (576,000 plans in 2024 plus 97,747 new against 638,745 in 2025);
#: plans ceased because needs are met, for children who stay, are not generated.
CEASED_LEAVERS_PER_PLAN: Final = 0.03
#: Plans with a personal budget taken up: an assumption.
PERSONAL_BUDGET_SHARE: Final = 0.05


@dataclass(frozen=True)
class Profile:
    """One calibration profile. Counts are for ``--scale 1``."""

    key: str
    calibrated_on: str
    sources: str
    default_name: str
    default_la_code: str
    region: Region
    pupils: int
    ehc_plans: int
    sen_support: int
    plan_needs: Mix
    support_needs: Mix
    plan_placements: Mix
    support_mainstream_share: float
    out_of_area: int
    white_british_share: float
    postcode_districts: tuple[str, ...]
    elsewhere_districts: tuple[str, ...]
    school_settings: int | None = None
    resident_population: int | None = None
    population_0_to_25: int | None = None
    assumptions: tuple[str, ...] = field(default=())
    ehc: EhcFigures = NATIONAL_EHC

    @property
    def support_rate(self) -> float:
        return self.sen_support / self.pupils

    @property
    def no_longer_sen(self) -> int:
        return round(self.sen_support * NO_LONGER_SEN_PER_SUPPORT)

    def counts(self, scale: float) -> tuple[int, int, int]:
        """Children with plans, on SEN support, and no longer with SEN, at a scale."""
        return (
            round(self.ehc_plans * scale),
            round(self.sen_support * scale),
            round(self.no_longer_sen * scale),
        )

    def children(self, scale: float) -> int:
        return sum(self.counts(scale))

    def scale_for_children(self, children: int) -> float:
        """The scale that gives about ``children`` children in all."""
        return children / (self.ehc_plans + self.sen_support + self.no_longer_sen)


def _plans_from_pupils(pupils_with_plans: int) -> int:
    """Plans of all ages from pupils with plans, by the national ratio (RULES.md §10)."""
    return round(pupils_with_plans / PUPILS_PER_PLAN)


def _out_of_area_like_stockton(plans: int) -> int:
    return round(plans * STOCKTON_OUT_OF_AREA / _plans_from_pupils(855))


_NATIONAL_NEED_NOTE = "need mix of plans: national (RULES.md §10); of SEN support: assumed"
_OUT_OF_AREA_NOTE = "out-of-area placements: Stockton's ratio of 192 to its plans (seed 001)"
_SUPPORT_PLACEMENT_NOTE = "SEN support in mainstream: Stockton's 94% (seed 001)"
_NATIONAL_EHC_NOTE = (
    "EHC timeliness, requests and refusals: England 2024 (RULES.md §10); reviews on time "
    "and decisions not to issue: assumed (see NATIONAL_EHC)"
)

# Halton (seeds 000 and 002): SEN support 14.9% and EHC plans 4.7% of pupils, 2022/23.
# Neurodevelopmental pathway and speech and language therapy are the health services the
# seeds single out; the ICB is Cheshire and Merseyside.
_HALTON_PUPILS = 20_000
HALTON = Profile(
    key="halton",
    calibrated_on="Halton (Cheshire and Merseyside ICB), 2022/23",
    sources="seed 000 (JSNA 2022/23), seed 002; RULES.md §10",
    default_name="Halford Vale (synthetic)",
    default_la_code="990",
    region=Region.NORTH_WEST,
    pupils=_HALTON_PUPILS,
    ehc_plans=_plans_from_pupils(round(0.047 * _HALTON_PUPILS)),
    sen_support=round(0.149 * _HALTON_PUPILS),
    plan_needs=NATIONAL_PLAN_NEEDS,
    support_needs=NATIONAL_SUPPORT_NEEDS,
    plan_placements=NATIONAL_PLAN_PLACEMENTS,
    support_mainstream_share=STOCKTON_SUPPORT_MAINSTREAM,
    out_of_area=_out_of_area_like_stockton(_plans_from_pupils(round(0.047 * _HALTON_PUPILS))),
    white_british_share=0.92,
    # Halton's districts in the postcode-district list (Runcorn and Widnes).
    postcode_districts=("WA7", "WA8"),
    # Warrington and Knowsley, its neighbours, for settings "elsewhere".
    elsewhere_districts=("WA1", "WA2", "WA4", "WA5", "L26", "L28", "L36"),
    assumptions=(
        "pupil roll: 20,000 assumed (the seeds give the rates, not the roll)",
        "plans of all ages from pupils with plans (4.7%) by the national ratio 482,640:638,745",
        _NATIONAL_NEED_NOTE + " (the seeds give no need mix for Halton)",
        "placements of pupils with plans: national comparators quoted in seed 003",
        _SUPPORT_PLACEMENT_NOTE,
        _OUT_OF_AREA_NOTE,
        "ethnicity: 92% White British assumed",
        _NATIONAL_EHC_NOTE + " (seed 002 asks for timelier plans but gives no figure)",
    ),
)

# Stockton-on-Tees (seed 001, appendix: the SEND health needs assessment, January 2017):
# 32,966 pupils; 4,091 (12.4%) on SEN support; 855 (2.6%) with EHC plans; MLD the most
# prevalent primary need at 31%, followed by SEMH, SpLD and ASD, for pupils with or without a
# plan; 170 pupils with "no specialist assessment" (NSA); pupils with plans 31% in mainstream,
# 64.3% in special academies, 4.5% in other settings; 94% of SEN support in mainstream;
# 192 children placed out of area, 30% of them looked after.
_STOCKTON_NEEDS = {
    "MLD": 31.0,
    "SEMH": 17.0,
    "SPLD": 13.0,
    "ASD": 12.0,
    "SLCN": 11.0,
    "SLD": 5.0,
    "PD": 3.0,
    "HI": 2.0,
    "OTH": 2.0,
    "VI": 1.5,
    "MSI": 1.5,
    "PMLD": 1.0,
}
STOCKTON = Profile(
    key="stockton",
    calibrated_on="Stockton-on-Tees, January 2017",
    sources="seed 001 (appendix: SEND health needs assessment)",
    default_name="Tessbridge (synthetic)",
    default_la_code="991",
    region=Region.NORTH_EAST,
    pupils=32_966,
    ehc_plans=_plans_from_pupils(855),
    sen_support=4_091,
    plan_needs=mix(**_STOCKTON_NEEDS),
    # NSA: 170 of the 4,091 pupils on SEN support.
    support_needs=mix(
        **{code: w * (1 - 170 / 4091) for code, w in _STOCKTON_NEEDS.items()}, NSA=100 * 170 / 4091
    ),
    plan_placements=mix(mainstream=31.0, special=64.3, other=4.5),
    support_mainstream_share=0.94,
    out_of_area=STOCKTON_OUT_OF_AREA,
    white_british_share=0.88,
    # Stockton-on-Tees districts in the postcode-district list.
    postcode_districts=("TS15", "TS16", "TS17", "TS18", "TS19", "TS20", "TS22", "TS23"),
    # Middlesbrough, Darlington and Hartlepool.
    elsewhere_districts=("TS1", "TS3", "TS4", "TS5", "DL1", "DL3", "TS24", "TS25"),
    assumptions=(
        "plans of all ages from the 855 pupils with plans by the national ratio",
        "need mix: MLD 31% then SEMH, SpLD, ASD (seed 001); the shares after MLD are assumed "
        "in that order, the same mix for plans and SEN support",
        "ethnicity: 88% White British assumed",
        _NATIONAL_EHC_NOTE,
    ),
)

# Sefton (seed 003): resident population 279,239; 74,281 aged 0–25; 42,576 pupils in 107
# school settings; EHC plans 2,243 (January 2022) then 2,565 (January 2023); SEN support
# 5,403 = 12.7%; pupils with plans 46.7% in mainstream, 45.5% in special schools; main needs
# speech and language, SEMH and autism.
SEFTON = Profile(
    key="sefton",
    calibrated_on="Sefton (Cheshire and Merseyside ICB), January 2022 and 2023",
    sources="seed 003 (key figures)",
    default_name="Sandholme Coast (synthetic)",
    default_la_code="992",
    region=Region.NORTH_WEST,
    pupils=42_576,
    ehc_plans=2_565,
    sen_support=5_403,
    plan_needs=NATIONAL_PLAN_NEEDS,
    support_needs=NATIONAL_SUPPORT_NEEDS,
    plan_placements=mix(mainstream=46.7, special=45.5, other=7.8),
    support_mainstream_share=STOCKTON_SUPPORT_MAINSTREAM,
    out_of_area=_out_of_area_like_stockton(2_565),
    white_british_share=0.93,
    school_settings=107,
    resident_population=279_239,
    population_0_to_25=74_281,
    ehc=SEFTON_EHC,
    # Sefton districts in the postcode-district list.
    postcode_districts=(
        "L10",
        "L20",
        "L21",
        "L22",
        "L29",
        "L30",
        "L31",
        "L37",
        "L38",
        "PR8",
        "PR9",
    ),
    # Liverpool and Knowsley.
    elsewhere_districts=("L4", "L9", "L11", "L13", "L32", "L33", "L34"),
    assumptions=(
        "plans: 2,565 (January 2023, the later of the two figures)",
        _NATIONAL_NEED_NOTE + " (the seed names SLCN, SEMH and autism as main needs, no shares)",
        _SUPPORT_PLACEMENT_NOTE,
        _OUT_OF_AREA_NOTE,
        "ethnicity: 93% White British assumed",
        "EHC timeliness, requests, refusals and reviews: seed 003 (see SEFTON_EHC)",
    ),
)

# Lancashire (seed 004 and RULES.md §10): 12,317 EHC plans (January 2025, sixth largest in
# England); SEN support 9.1% of pupils (seed 004, September 2016 — older; the only figure the
# seeds give). County-sized: the benchmark's "Lancashire-sized area".
_LANCASHIRE_PLANS = 12_317
_LANCASHIRE_PUPILS = round(_LANCASHIRE_PLANS * PUPILS_PER_PLAN / NATIONAL_PLAN_RATE_OF_PUPILS)
LANCASHIRE = Profile(
    key="lancashire",
    calibrated_on="Lancashire: plans January 2025, SEN support rate 2016",
    sources="RULES.md §10; seed 004 (JSNA refreshed September 2016)",
    default_name="Ribbleshire (synthetic)",
    default_la_code="993",
    region=Region.NORTH_WEST,
    pupils=_LANCASHIRE_PUPILS,
    ehc_plans=_LANCASHIRE_PLANS,
    sen_support=round(0.091 * _LANCASHIRE_PUPILS),
    plan_needs=NATIONAL_PLAN_NEEDS,
    support_needs=NATIONAL_SUPPORT_NEEDS,
    plan_placements=NATIONAL_PLAN_PLACEMENTS,
    support_mainstream_share=STOCKTON_SUPPORT_MAINSTREAM,
    out_of_area=_out_of_area_like_stockton(_LANCASHIRE_PLANS),
    white_british_share=0.82,
    # Lancashire County Council's districts in the postcode-district list (Blackpool and
    # Blackburn with Darwen are separate authorities).
    postcode_districts=(
        "BB4",
        "BB5",
        "BB6",
        "BB7",
        "BB8",
        "BB9",
        "BB10",
        "BB11",
        "BB12",
        "BB18",
        "FY5",
        "FY6",
        "FY7",
        "FY8",
        "L39",
        "L40",
        "LA1",
        "LA2",
        "LA3",
        "LA4",
        "LA5",
        "LA6",
        "OL13",
        "PR1",
        "PR2",
        "PR3",
        "PR4",
        "PR5",
        "PR6",
        "PR7",
        "PR25",
        "PR26",
        "WN8",
    ),
    # Blackpool and Blackburn with Darwen.
    elsewhere_districts=("FY1", "FY2", "FY3", "FY4", "BB1", "BB2", "BB3"),
    assumptions=(
        "SEN support: the 2016 rate of 9.1% (seed 004), kept although older than the plans "
        "figure; a current national rate (14.2%) would add about 9,000 children",
        "pupil roll: not in the seeds; the roll at which the county's plans give the national "
        "5.3% of pupils with plans (12,317 × 482,640/638,745 ÷ 5.3%)",
        _NATIONAL_NEED_NOTE,
        "placements of pupils with plans: national comparators quoted in seed 003",
        _SUPPORT_PLACEMENT_NOTE,
        _OUT_OF_AREA_NOTE,
        "ethnicity: 82% White British assumed",
        _NATIONAL_EHC_NOTE,
    ),
)

# England (RULES.md §10, DfE January 2025): 638,745 plans; 1,284,284 on SEN support; 482,640
# pupils with plans = 5.3% of pupils. For scale tests with a small --scale.
NATIONAL = Profile(
    key="national",
    calibrated_on="England, January 2025",
    sources="RULES.md §10",
    default_name="Albion Shire (synthetic)",
    default_la_code="994",
    region=Region.WEST_MIDLANDS,
    pupils=round(NATIONAL_PUPILS_WITH_PLANS / NATIONAL_PLAN_RATE_OF_PUPILS),
    ehc_plans=NATIONAL_PLANS,
    sen_support=NATIONAL_SEN_SUPPORT,
    plan_needs=NATIONAL_PLAN_NEEDS,
    support_needs=NATIONAL_SUPPORT_NEEDS,
    plan_placements=NATIONAL_PLAN_PLACEMENTS,
    support_mainstream_share=STOCKTON_SUPPORT_MAINSTREAM,
    out_of_area=_out_of_area_like_stockton(NATIONAL_PLANS),
    white_british_share=0.64,
    # A spread of districts from every English region in the postcode-district list.
    postcode_districts=(
        "B10",
        "B11",
        "B23",
        "B44",
        "BS3",
        "BS5",
        "CM1",
        "CO4",
        "CT9",
        "DE7",
        "EX4",
        "LS8",
        "LS12",
        "M8",
        "M14",
        "ME15",
        "NE22",
        "NE63",
        "NG5",
        "NR3",
        "PO9",
        "RG22",
        "S5",
        "S13",
        "SO50",
        "SS14",
        "TN23",
        "E13",
        "N17",
        "SE15",
    ),
    elsewhere_districts=("B1", "LS1", "M1", "NG1", "S1", "BS1"),
    assumptions=(
        _NATIONAL_NEED_NOTE,
        "placements of pupils with plans: national comparators (January 2022) quoted in seed 003",
        _SUPPORT_PLACEMENT_NOTE,
        _OUT_OF_AREA_NOTE,
        "ethnicity: 64% White British assumed",
        _NATIONAL_EHC_NOTE,
    ),
)

PROFILES: Final[dict[str, Profile]] = {
    profile.key: profile for profile in (HALTON, STOCKTON, SEFTON, LANCASHIRE, NATIONAL)
}

#: The 3-digit LA codes kept for synthetic areas: no real local authority has one.
SYNTHETIC_LA_CODES: Final = tuple(str(code) for code in range(990, 999))
#: The shared synthetic area that holds the settings "elsewhere" that out-of-area placements
#: are at: LA code 999.
ELSEWHERE_LA_CODE: Final = "999"

# Every need code a mix uses must be a census code.
for _profile in PROFILES.values():
    for _code in (*_profile.plan_needs, *_profile.support_needs):
        SENNeed(_code)
    if "NSA" in _profile.plan_needs:
        raise ValueError(f"{_profile.key}: NSA is only ever recorded with SEN support")
