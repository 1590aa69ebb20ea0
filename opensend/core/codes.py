"""Code lists that the statutory returns and the school census use (RULES.md §3 and §4).

Each list is a Django ``TextChoices`` so models, forms, imports and the API share one source.
"""

from __future__ import annotations

import datetime as dt

from django.db import models


class SENProvision(models.TextChoices):
    """School census SEN provision."""

    NONE = "N", "No special educational need"
    SEN_SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "EHC plan"
    STATEMENT = "S", "Statement (legacy)"


#: Provision codes a current census return may contain (S is legacy and refused on import).
CURRENT_SEN_PROVISION = {SENProvision.NONE, SENProvision.SEN_SUPPORT, SENProvision.EHC_PLAN}


class SENNeed(models.TextChoices):
    """School census SEN type (need). DS from January 2025."""

    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Vision impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    ASD = "ASD", "Autistic spectrum disorder"
    DS = "DS", "Down syndrome"
    OTH = "OTH", "Other difficulty or disability"
    NSA = "NSA", "SEN support but no specialist assessment of type of need"


#: The date from which the census accepts DS (Down syndrome) as a need type.
DS_FIRST_CENSUS = dt.date(2025, 1, 16)


class NeedRank(models.IntegerChoices):
    PRIMARY = 1, "Primary"
    SECONDARY = 2, "Secondary"


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    UNKNOWN = "U", "Not known"


class Ethnicity(models.TextChoices):
    """Common Basic Data Set main ethnicity codes."""

    WBRI = "WBRI", "White - British"
    WIRI = "WIRI", "White - Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy / Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black - African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class Region(models.TextChoices):
    NORTH_EAST = "E12000001", "North East"
    NORTH_WEST = "E12000002", "North West"
    YORKSHIRE = "E12000003", "Yorkshire and The Humber"
    EAST_MIDLANDS = "E12000004", "East Midlands"
    WEST_MIDLANDS = "E12000005", "West Midlands"
    EAST = "E12000006", "East of England"
    LONDON = "E12000007", "London"
    SOUTH_EAST = "E12000008", "South East"
    SOUTH_WEST = "E12000009", "South West"


class AgencyType(models.TextChoices):
    """Which part of the partnership a fact came from."""

    EDUCATION = "education", "Education"
    HEALTH = "health", "Health"
    SOCIAL_CARE = "social_care", "Social care"
    FAMILY = "family", "Family"
    OTHER = "other", "Other"


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (Monday=0) of a month."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


class CensusTerm(models.TextChoices):
    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


def census_day(year: int, term: CensusTerm | str) -> dt.date:
    """School census day: autumn 1st Thursday in October; spring 3rd Thursday in January;
    summer 3rd Thursday in May (RULES.md §3)."""
    thursday = 3
    if term == CensusTerm.AUTUMN:
        return nth_weekday(year, 10, thursday, 1)
    if term == CensusTerm.SPRING:
        return nth_weekday(year, 1, thursday, 3)
    if term == CensusTerm.SUMMER:
        return nth_weekday(year, 5, thursday, 3)
    raise ValueError(f"Unknown census term {term!r}")


def latest_census_day(on: dt.date) -> dt.date:
    """The most recent census day on or before a date."""
    candidates = [
        census_day(year, term)
        for year in (on.year - 1, on.year)
        for term in (CensusTerm.SPRING, CensusTerm.SUMMER, CensusTerm.AUTUMN)
    ]
    return max(day for day in candidates if day <= on)


# --- SEN2, the DfE person-level return (RULES.md §4) -------------------------------------


class RequestOutcome(models.TextChoices):
    """SEN2 RequestOutcome and AssessmentOutcome."""

    YES = "Y", "Yes"
    NO = "N", "No"
    PENDING = "A", "Pending"
    WITHDRAWN = "W", "Withdrawn"
    HISTORICAL = "H", "Historical or transferred in"


class ReviewOutcome(models.TextChoices):
    AMEND = "A", "Amend"
    CEASE = "C", "Cease"
    MAINTAIN = "M", "Maintain"


class SENSetting(models.TextChoices):
    """SEN2 SENSetting, for a placement with no URN or UKPRN."""

    OLA = "OLA", "LA arrangements, including education otherwise than at school"
    OPA = "OPA", "Parent arrangements (not elective home education)"
    EHE = "EHE", "Elective home education"
    EYP = "EYP", "Early years provider without a URN"
    OTH = "OTH", "Other"
    NEET = "NEET", "Not in education, employment or training (16–25)"
    NIEC = "NIEC", "Not in education: notice to cease issued"
    NIEO = "NIEO", "Not in education: other"


class ResidentialCode(models.TextChoices):
    WEEKS_38_TO_51 = "A", "38 to 51 weeks"
    WEEKS_52 = "B", "52 weeks"


class WorkBasedProvision(models.TextChoices):
    APPRENTICESHIP = "A", "Apprenticeship"
    TRAINEESHIP = "T", "Traineeship"
    SUPPORTED_INTERNSHIP = "S", "Supported internship"


class DirectPaymentType(models.TextChoices):
    EDUCATION = "E", "Education"
    SOCIAL_CARE = "S", "Social care"
    HEALTH = "H", "Health"
    INTEGRATED = "I", "Integrated"


class CeaseReason(models.TextChoices):
    MAXIMUM_AGE = "1", "Reached maximum age"
    NEEDS_MET = "2", "Needs met without an EHC plan"
    HIGHER_EDUCATION = "3", "Moved on to higher education"
    EMPLOYMENT = "4", "Moved on to paid employment"
    TRANSFERRED = "5", "Transferred to another LA"
    DISENGAGED = "6", "Young person no longer wishes to engage in education or training"
    MOVED_ABROAD = "7", "Moved outside England"
    DECEASED = "8", "Deceased"
    OTHER = "9", "Other"


class UPNUnknown(models.TextChoices):
    UN1 = "UN1", "Child under 6 years old who has not yet been assigned a UPN"
    UN2 = "UN2", "Child has never attended a state-funded school in England"
    UN3 = "UN3", "Child is educated outside England"
    UN5 = "UN5", "Sources collating UPNs reflect discrepancy"
    UN8 = "UN8", "New to the LA; UPN not yet known"
    UN9 = "UN9", "Young person has never attended a state school or FE in England"
    UN10 = "UN10", "Request for assessment resulted in no further action"
