"""Stage 1: the organisations of a synthetic area and its settings elsewhere."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from opensend.core.models import (
    Area,
    Organisation,
    Phase,
    SettingType,
)
from opensend.core.roles import OrganisationKind
from opensend.synth import identifiers, names, shapes
from opensend.synth.generator.context import (
    BATCH_SIZE,
    SYNTHETIC_SUFFIX,
    Context,
    Partners,
)
from opensend.synth.profiles import (
    ELSEWHERE_LA_CODE,
)


def area_organisations(area: Area) -> models.QuerySet[Organisation]:
    """The organisations generated for a synthetic area: those in it, and its settings in the
    elsewhere area (by its URN block)."""
    return Organisation.objects.filter(
        Q(home_area=area)
        | Q(
            home_area__la_code=ELSEWHERE_LA_CODE,
            urn__startswith=identifiers.urn_prefix(area.la_code),
        )
    )


# --- stage 1: organisations ---------------------------------------------------------------


class _Namer:
    """Invented place names for an area's settings, never the same twice."""

    QUALIFIERS = ("Park", "Green", "Vale", "Hill", "Bridge", "Moor", "Cross", "Heath")

    def __init__(self, rng: random.Random) -> None:
        places = list(names.PLACES)
        rng.shuffle(places)
        self._names = itertools.chain(places, (f"{p} {q}" for q in self.QUALIFIERS for p in places))

    def __next__(self) -> str:
        return next(self._names)


def _count(value: float, minimum: int = 0, maximum: int = 10_000) -> int:
    return max(minimum, min(maximum, round(value)))


@dataclass
class _SettingSpec:
    group: str
    kind: str
    setting_type: str
    phase: str
    name: str
    establishment: str = ""
    with_urn: bool = True
    college: bool = False
    has_sen_unit: bool = False
    has_resourced_provision: bool = False


def _setting_specs(ctx: Context, namer: _Namer) -> list[_SettingSpec]:
    rng = ctx.rng
    profile = ctx.profile
    scale = ctx.options.scale
    pupils = profile.pupils * scale
    plans = profile.ehc_plans * scale
    special_pupils = plans * shapes.PLAN_PHASES["primary"] + plans * shapes.PLAN_PHASES["secondary"]
    special_pupils *= profile.plan_placements["special"]
    primary = _count(pupils * 0.53 / 270, 2, 2000)
    secondary = _count(pupils * 0.42 / 1000, 2, 900)
    all_through = _count(pupils / 80_000, 0, 99)
    special = _count(special_pupils / 110, 2, 999)
    alternative = _count(pupils / 30_000, 1, 99)
    independent = _count(pupils / 25_000, 0, 99)
    independent_special = _count(plans * 0.02 / 35, 1, 899)
    nursery = _count(pupils / 45_000, 0, 99)
    early_years = _count(pupils / 3_000, 1, 2000)
    colleges = _count(pupils / 35_000, 1, 400)
    sixth_form = _count(pupils / 70_000, 0, 99)
    specialist = _count(plans / 2_000, 1, 400)
    if profile.school_settings:
        # Sefton's seed counts its school settings: scale the mainstream schools to match.
        others = all_through + special + alternative + independent + independent_special
        others += nursery
        target = round(profile.school_settings * scale)
        room = target - others
        if room > 0:
            factor = room / (primary + secondary)
            primary = _count(primary * factor, 2, 2000)
            secondary = _count(secondary * factor, 2, 900)
    specs: list[_SettingSpec] = []

    def add(number: int, make: Callable[[int], _SettingSpec]) -> None:
        for index in range(number):
            specs.append(make(index))

    def mainstream_type(index: int, academy_share: float) -> str:
        # The first two of a phase are one of each, so even a small area has both.
        if index < 2:
            return SettingType.LA_MAINTAINED if index == 0 else SettingType.ACADEMY
        return SettingType.ACADEMY if rng.random() < academy_share else SettingType.LA_MAINTAINED

    def primary_spec(index: int) -> _SettingSpec:
        setting_type = mainstream_type(index, 0.45)
        place = next(namer)
        style = rng.random()
        if setting_type == SettingType.ACADEMY:
            label = f"{place} Primary Academy"
        elif style < 0.15:
            label = f"{place} Catholic Primary School"
        elif style < 0.30:
            label = f"{place} Church of England Primary School"
        else:
            label = f"{place} Primary School"
        return _SettingSpec(
            "primary",
            OrganisationKind.SCHOOL,
            setting_type,
            Phase.PRIMARY,
            label,
            f"{2000 + index:04d}",
            has_sen_unit=rng.random() < 0.06,
            has_resourced_provision=rng.random() < 0.06,
        )

    def secondary_spec(index: int) -> _SettingSpec:
        setting_type = mainstream_type(index, 0.8)
        place = next(namer)
        label = (
            f"{place} Academy" if setting_type == SettingType.ACADEMY else f"{place} High School"
        )
        return _SettingSpec(
            "secondary",
            OrganisationKind.SCHOOL,
            setting_type,
            Phase.SECONDARY,
            label,
            f"{4000 + index:04d}",
            has_sen_unit=rng.random() < 0.10,
            has_resourced_provision=rng.random() < 0.10,
        )

    add(primary, primary_spec)
    add(secondary, secondary_spec)
    add(
        all_through,
        lambda i: _SettingSpec(
            "all_through",
            OrganisationKind.SCHOOL,
            SettingType.ACADEMY,
            Phase.ALL_THROUGH,
            f"{next(namer)} All-through Academy",
            f"{4900 + i:04d}",
        ),
    )
    # Stockton's pupils with plans are in special academies (seed 001); elsewhere the special
    # schools alternate between academies and maintained schools.
    all_academies = profile.key == "stockton"
    add(
        special,
        lambda i: _SettingSpec(
            "special",
            OrganisationKind.SCHOOL,
            SettingType.SPECIAL_ACADEMY
            if all_academies or i % 2 == 1
            else SettingType.SPECIAL_MAINTAINED,
            Phase.ALL_THROUGH,
            f"{next(namer)} {rng.choice(('Park', 'Brook', 'Meadow', 'Oaks'))} School",
            f"{7000 + i:04d}",
        ),
    )
    add(
        alternative,
        lambda i: _SettingSpec(
            "alternative",
            OrganisationKind.SCHOOL,
            SettingType.ALTERNATIVE_PROVISION,
            Phase.NOT_APPLICABLE,
            f"{next(namer)} Learning Centre",
            f"{1100 + i:04d}",
        ),
    )
    add(
        independent,
        lambda i: _SettingSpec(
            "independent",
            OrganisationKind.SCHOOL,
            SettingType.INDEPENDENT_MAINSTREAM,
            Phase.ALL_THROUGH,
            f"{next(namer)} House School",
            f"{6000 + i:04d}",
        ),
    )
    add(
        independent_special,
        lambda i: _SettingSpec(
            "independent_special",
            OrganisationKind.INDEPENDENT_SPECIAL,
            SettingType.INDEPENDENT_SPECIAL,
            Phase.ALL_THROUGH,
            f"{next(namer)} Hall School",
            f"{6100 + i:04d}",
        ),
    )
    add(
        nursery,
        lambda i: _SettingSpec(
            "nursery",
            OrganisationKind.SCHOOL,
            SettingType.MAINTAINED_NURSERY,
            Phase.NURSERY,
            f"{next(namer)} Nursery School",
            f"{1000 + i:04d}",
        ),
    )
    add(
        early_years,
        lambda i: _SettingSpec(
            "early_years",
            OrganisationKind.SCHOOL,
            SettingType.EARLY_YEARS,
            Phase.NURSERY,
            f"{next(namer)} {rng.choice(('Day Nursery', 'Pre-school', 'Childcare'))}",
            with_urn=False,
        ),
    )
    add(
        colleges,
        lambda i: _SettingSpec(
            "college",
            OrganisationKind.COLLEGE,
            SettingType.FE_COLLEGE,
            Phase.POST16,
            f"{next(namer)} College",
            college=True,
        ),
    )
    add(
        sixth_form,
        lambda i: _SettingSpec(
            "college",
            OrganisationKind.COLLEGE,
            SettingType.SIXTH_FORM_COLLEGE,
            Phase.POST16,
            f"{next(namer)} Sixth Form College",
            college=True,
        ),
    )
    add(
        specialist,
        lambda i: _SettingSpec(
            "specialist_post16",
            OrganisationKind.COLLEGE,
            SettingType.SPECIALIST_POST16,
            Phase.POST16,
            f"{next(namer)} Specialist College",
            college=True,
        ),
    )
    return specs


def _elsewhere_specs(ctx: Context, namer: _Namer) -> list[_SettingSpec]:
    out_of_area = ctx.profile.out_of_area * ctx.options.scale
    code = ctx.area.la_code
    groups = (
        (
            "elsewhere_independent_special",
            _count(out_of_area / 30, 1, 99),
            OrganisationKind.INDEPENDENT_SPECIAL,
            SettingType.INDEPENDENT_SPECIAL,
            "Lodge School",
            6,
        ),
        (
            "elsewhere_independent_special",
            1,
            OrganisationKind.NON_MAINTAINED_SPECIAL,
            SettingType.NON_MAINTAINED_SPECIAL,
            "School for Deaf Children",
            8,
        ),
        (
            "elsewhere_special",
            _count(out_of_area / 60, 1, 99),
            OrganisationKind.SCHOOL,
            SettingType.SPECIAL_MAINTAINED,
            "Special School",
            7,
        ),
        (
            "elsewhere_mainstream",
            2,
            OrganisationKind.SCHOOL,
            SettingType.ACADEMY,
            "Academy",
            4,
        ),
    )
    specs = [
        _SettingSpec(
            group,
            kind,
            setting_type,
            Phase.ALL_THROUGH,
            f"{next(namer)} {suffix}",
            identifiers.elsewhere_establishment(code, digit, index),
        )
        for group, number, kind, setting_type, suffix, digit in groups
        for index in range(number)
    ]
    return specs


def _base_name(area_name: str) -> str:
    return area_name.replace(SYNTHETIC_SUFFIX, "").strip()


class _OrganisationWriter:
    """Creates organisations in bulk, reusing any kept from a previous generation of the
    same area (one a user is a member of, say) when its identifier or name matches."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.kept: dict[tuple[str, ...], Organisation] = {}
        for organisation in area_organisations(ctx.area):
            self.kept[self._key(organisation)] = organisation
        self.new: list[tuple[Organisation, list[Area]]] = []
        self.reused: list[tuple[Organisation, list[Area]]] = []

    @staticmethod
    def _key(organisation: Organisation) -> tuple[str, ...]:
        if organisation.urn:
            return ("urn", organisation.urn)
        if organisation.ods_code:
            return ("ods", organisation.ods_code)
        return ("name", organisation.kind, organisation.name, str(organisation.home_area_id))

    def make(self, *, areas: list[Area], **fields: Any) -> Organisation:
        organisation = Organisation(**fields)
        kept = self.kept.pop(self._key(organisation), None)
        if kept is not None:
            for name, value in fields.items():
                setattr(kept, name, value)
            self.reused.append((kept, areas))
            return kept
        self.new.append((organisation, areas))
        return organisation

    def save(self) -> int:
        # Leftovers of an earlier generation that this one does not make again must not hold
        # identifiers it now gives to another setting.
        for organisation, _ in self.new + self.reused:
            organisation.full_clean(validate_unique=False, validate_constraints=False)
        for leftover in self.kept.values():
            leftover.urn = leftover.laestab = leftover.ukprn = leftover.ods_code = ""
            leftover.closed_on = leftover.closed_on or self.ctx.on
            leftover.save()
        for organisation, _ in self.reused:
            organisation.save()
        Organisation.objects.bulk_create(
            [organisation for organisation, _ in self.new], batch_size=BATCH_SIZE
        )
        through = Organisation.areas.through
        pairs = self.new + self.reused
        through.objects.filter(organisation_id__in=[o.pk for o, _ in self.reused]).delete()
        through.objects.bulk_create(
            [
                through(organisation_id=organisation.pk, area_id=area.pk)
                for organisation, areas in pairs
                for area in areas
            ],
            batch_size=BATCH_SIZE,
        )
        return len(pairs)


def stage_organisations(ctx: Context) -> None:
    """The local authority, the ICB and three NHS trusts, schools of every phase and type in
    numbers proportionate to the pupils, colleges, independent special schools, settings in
    the elsewhere area for out-of-area placements, voluntary providers, the parent carer
    forum, SENDIASS and a mediation service."""
    rng = ctx.rng
    code = ctx.area.la_code
    base = _base_name(ctx.area.name)
    districts = ctx.profile.postcode_districts
    writer = _OrganisationWriter(ctx)
    area, elsewhere = ctx.area, ctx.elsewhere

    def organisation(name: str, kind: str, letter: str = "") -> Organisation:
        return writer.make(
            areas=[area],
            name=name,
            kind=kind,
            home_area=area,
            ods_code=identifiers.ods_code(code, letter) if letter else "",
            postcode=names.postcode(rng, districts),
        )

    partners = Partners(
        local_authority=organisation(f"{base} Council", OrganisationKind.LOCAL_AUTHORITY),
        icb=organisation(f"NHS {base} Integrated Care Board", OrganisationKind.ICB, "I"),
        community_trust=organisation(
            f"{base} Community Health NHS Trust", OrganisationKind.NHS_TRUST, "C"
        ),
        acute_trust=organisation(
            f"{base} Hospitals NHS Foundation Trust", OrganisationKind.NHS_TRUST, "A"
        ),
        mental_health_trust=organisation(
            f"{base} Mental Health NHS Foundation Trust", OrganisationKind.NHS_TRUST, "M"
        ),
        others=[
            organisation(f"{base} Parent Carer Forum", OrganisationKind.PARENT_CARER_FORUM),
            organisation(
                f"{base} SEND Information, Advice and Support Service", OrganisationKind.SENDIASS
            ),
            organisation(f"{base} and District SEND Mediation", OrganisationKind.MEDIATION_SERVICE),
            organisation(f"{base} Autism Family Support", OrganisationKind.VOLUNTARY_PROVIDER),
            organisation(f"{base} Young Carers Project", OrganisationKind.VOLUNTARY_PROVIDER),
            organisation(f"{base} Short Breaks Trust", OrganisationKind.VOLUNTARY_PROVIDER),
            organisation(f"{base} Therapy Partners Ltd", OrganisationKind.PRIVATE_PROVIDER),
        ],
    )
    ctx.partners = partners

    namer = _Namer(rng)
    serial = itertools.count()
    college_serial = itertools.count()
    elsewhere_serial = itertools.count(identifiers.ELSEWHERE_SERIAL_START)

    def setting(spec: _SettingSpec, *, away: bool) -> Organisation:
        home = elsewhere if away else area
        urn = ""
        if spec.with_urn:
            urn = identifiers.urn(code, next(elsewhere_serial if away else serial))
        laestab = f"{home.la_code}{spec.establishment}" if spec.establishment else ""
        return writer.make(
            areas=[elsewhere, area] if away else [area],
            name=spec.name,
            kind=spec.kind,
            home_area=home,
            urn=urn,
            laestab=laestab,
            ukprn=identifiers.ukprn(code, next(college_serial)) if spec.college else "",
            setting_type=spec.setting_type,
            phase=spec.phase,
            has_sen_unit=spec.has_sen_unit,
            has_resourced_provision=spec.has_resourced_provision,
            postcode=names.postcode(rng, ctx.profile.elsewhere_districts if away else districts),
        )

    groups = ctx.settings
    for spec in _setting_specs(ctx, namer):
        made = setting(spec, away=False)
        if spec.group == "all_through":
            groups.primary.append(made)
            groups.secondary.append(made)
        else:
            getattr(groups, spec.group).append(made)
    for spec in _elsewhere_specs(ctx, namer):
        getattr(groups, spec.group).append(setting(spec, away=True))
    ctx.organisation_rows = writer.save()
