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
