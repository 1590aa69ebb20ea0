"""Stages 2 and 3: the SEN cohort with its status history, and its needs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from opensend.core.calendar import academic_year_start, age_on
from opensend.core.codes import DS_FIRST_CENSUS, AgencyType, NeedRank
from opensend.people.models import (
    Child,
    Need,
    SENStatus,
    SENStatusPeriod,
)
from opensend.synth import identifiers, names, shapes
from opensend.synth.generator.context import (
    SOURCE,
    ChildDraft,
    Context,
    school_start,
)
from opensend.synth.profiles import (
    PLAN_AFTER_SUPPORT_SHARE,
)

# --- stage 2: children and their SEN status history ---------------------------------------

#: EHC plans replaced statements from 1 September 2014 (Children and Families Act 2014).
EHC_PLANS_FROM = dt.date(2014, 9, 1)


def _needs_mix(mix: Any, on: dt.date) -> dict[str, float]:
    """A need mix usable on a date: DS (Down syndrome) only from January 2025."""
    usable = dict(mix)
    if on < DS_FIRST_CENSUS and "DS" in usable:
        usable["OTH"] = usable.get("OTH", 0.0) + usable.pop("DS")
    return usable


def _years_for_plans(ctx: Context, total: int) -> list[int]:
    phases = shapes.quota_list(ctx.rng, total, shapes.PLAN_PHASES)
    return [shapes.weighted_choice(ctx.rng, shapes.PLAN_YEARS[phase]) for phase in phases]


def _birth_date(ctx: Context, year: int) -> dt.date:
    start = academic_year_start(ctx.on)
    earliest = dt.date(start - year - 5, 9, 1)
    latest = min(dt.date(start - year - 4, 8, 31), ctx.on - dt.timedelta(days=1))
    return shapes.random_date(ctx.rng, earliest, latest)


def stage_children(ctx: Context) -> None:
    """The SEN cohort: children with plans (some after SEN support), on SEN support, and a few
    who were on SEN support and are no longer; their identities, identifiers and status
    history."""
    rng = ctx.rng
    plans, support, ended = ctx.profile.counts(ctx.options.scale)
    statuses: list[tuple[str, int, str]] = []
    for year in _years_for_plans(ctx, plans):
        history = (
            "after_support" if year >= 1 and rng.random() < PLAN_AFTER_SUPPORT_SHARE else "direct"
        )
        statuses.append((SENStatus.EHC_PLAN, year, history))
    for _ in range(support):
        statuses.append(
            (SENStatus.SEN_SUPPORT, shapes.weighted_choice(rng, shapes.SUPPORT_YEARS), "support")
        )
    for _ in range(ended):
        statuses.append(
            (SENStatus.NONE, shapes.weighted_choice(rng, shapes.NO_LONGER_SEN_YEARS), "ended")
        )
    ethnicities = shapes.ethnicity_mix(ctx.profile.white_british_share)
    nhs_numbers = identifiers.nhs_numbers(ctx.area.la_code)
    for status, year, history in statuses:
        draft = _child(ctx, status, year, history, ethnicities, nhs_numbers)
        ctx.drafts.append(draft)


def _child(
    ctx: Context,
    status: str,
    year: int,
    history: str,
    ethnicities: dict[str, float],
    nhs_numbers: Iterator[str],
) -> ChildDraft:
    rng = ctx.rng
    sex = "M" if rng.random() < shapes.BOYS_SHARE[status] else "F"
    ethnicity = shapes.weighted_choice(rng, ethnicities)
    group = names.ETHNICITY_GROUP[ethnicity]
    forename = ctx.picker.child_forename(group, sex)
    surname = ctx.picker.surname(group)
    middle = ""
    if rng.random() < 0.55:
        middle = ctx.picker.child_forename("british" if rng.random() < 0.7 else group, sex)
        if middle == forename:
            middle = ""
    preferred = names.SHORT_FORMS.get(forename, "") if rng.random() < 0.35 else ""
    former = ctx.picker.surname(group) if rng.random() < 0.03 else ""
    if former == surname:
        former = ""
    date_of_birth = _birth_date(ctx, year)
    postcode = names.postcode(rng, ctx.profile.postcode_districts)
    nhs_number = next(nhs_numbers, "") if rng.random() < 0.98 else ""
    child = Child(
        area=ctx.area,
        forename=forename,
        middle_names=middle,
        surname=surname,
        preferred_forename=preferred,
        former_surname=former,
        date_of_birth=date_of_birth,
        sex=sex,
        ethnicity=ethnicity,
        home_postcode=postcode,
        postcode_district=postcode.split(" ")[0],
        nhs_number=nhs_number,
        sen_status=status,
    )
    draft = ChildDraft(child=child, status=status, year=year, group=group, history=history)
    draft.age = age_on(date_of_birth, ctx.on)
    draft.eal = rng.random() < shapes.EAL_CHANCE[ethnicity]
    _status_history(ctx, draft)
    return draft


def _status_history(ctx: Context, draft: ChildDraft) -> None:
    """N from birth; then K and/or E; or K then N again."""
    rng = ctx.rng
    child = draft.child
    born = child.date_of_birth
    latest = ctx.on - dt.timedelta(days=14)
    school = school_start(ctx, 0, draft.year) if draft.year >= 0 else None
    periods: list[tuple[str, dt.date]] = [(SENStatus.NONE, born)]
    if draft.status == SENStatus.EHC_PLAN:
        earliest = max(shapes.add_years(born, 1 if draft.year < 0 else 2), EHC_PLANS_FROM)
        plan_from = shapes.random_date(rng, earliest, latest)
        if draft.history == "after_support" and school is not None:
            support_from = shapes.random_date(
                rng, max(school, earliest), plan_from - dt.timedelta(days=120)
            )
            if support_from < plan_from - dt.timedelta(days=60):
                periods.append((SENStatus.SEN_SUPPORT, support_from))
            else:
                draft.history = "direct"
        else:
            draft.history = "direct"
        periods.append((SENStatus.EHC_PLAN, plan_from))
        draft.status_change = plan_from
    elif draft.status == SENStatus.SEN_SUPPORT:
        start = school or shapes.add_years(born, 4)
        periods.append(
            (
                SENStatus.SEN_SUPPORT,
                shapes.random_date(rng, max(start, ctx.on - dt.timedelta(days=365 * 8)), latest),
            )
        )
        draft.status_change = periods[-1][1]
    else:
        start = school or shapes.add_years(born, 4)
        support_from = shapes.random_date(rng, start, latest - dt.timedelta(days=200))
        ended_on = shapes.random_date(rng, support_from + dt.timedelta(days=180), latest)
        periods.append((SENStatus.SEN_SUPPORT, support_from))
        periods.append((SENStatus.NONE, ended_on))
        draft.status_change = ended_on
    draft.sen_start = periods[1][1]
    for index, (status, start) in enumerate(periods):
        end = periods[index + 1][1] - dt.timedelta(days=1) if index + 1 < len(periods) else None
        ctx.add(
            SENStatusPeriod(
                child=child, status=status, start_date=start, end_date=end, source=SOURCE
            )
        )


# --- stage 3: needs -------------------------------------------------------------------------


def stage_needs(ctx: Context) -> None:
    """Primary needs in the profile's proportions (exactly, by quota), secondary needs for
    some, NSA only ever with SEN support; a changed need for some who moved from SEN support
    to a plan; ended needs for those no longer with SEN."""
    rng = ctx.rng
    plan_mix = _needs_mix(ctx.profile.plan_needs, ctx.on)
    support_mix = _needs_mix(ctx.profile.support_needs, ctx.on)
    by_status: dict[str, list[ChildDraft]] = defaultdict(list)
    for draft in ctx.drafts:
        by_status[draft.status].append(draft)
    for status, mix in (
        (SENStatus.EHC_PLAN, plan_mix),
        (SENStatus.SEN_SUPPORT, support_mix),
        (SENStatus.NONE, support_mix),
    ):
        drafts = by_status[status]
        for draft, code in zip(drafts, shapes.quota_list(rng, len(drafts), mix), strict=True):
            draft.primary_need = code
    for draft in ctx.drafts:
        child = draft.child
        start = draft.sen_start or child.date_of_birth
        open_needs = draft.status != SENStatus.NONE
        end = None if open_needs else (draft.status_change or ctx.on) - dt.timedelta(days=1)
        primary_start = start
        if draft.history == "after_support" and rng.random() < 0.3 and draft.status_change:
            earlier = shapes.weighted_choice(rng, support_mix)
            if earlier != draft.primary_need:
                primary_start = draft.status_change
                ctx.add(_need(ctx, child, earlier, NeedRank.PRIMARY, start, primary_start))
        ctx.add(_need(ctx, child, draft.primary_need, NeedRank.PRIMARY, primary_start, None, end))
        if open_needs:
            child.primary_need = draft.primary_need
        chance = 0.5 if draft.status == SENStatus.EHC_PLAN else 0.3
        if draft.primary_need != "NSA" and rng.random() < chance:
            candidates = {
                code: share
                for code, share in plan_mix.items()
                if code not in (draft.primary_need, "NSA")
            }
            draft.secondary_need = shapes.weighted_choice(rng, candidates)
            ctx.add(
                _need(
                    ctx, child, draft.secondary_need, NeedRank.SECONDARY, primary_start, None, end
                )
            )


_HEALTH_IDENTIFIED = frozenset({"ASD", "HI", "VI", "MSI", "PD", "PMLD", "DS"})


def _need(
    ctx: Context,
    child: Child,
    code: str,
    rank: int,
    start: dt.date,
    ended_by: dt.date | None,
    end: dt.date | None = None,
) -> Need:
    """A need from ``start``; ended the day before ``ended_by`` if given, else on ``end``."""
    if ended_by is not None:
        end = ended_by - dt.timedelta(days=1)
    health = code in _HEALTH_IDENTIFIED
    partners = ctx.partnership
    return Need(
        child=child,
        code=code,
        rank=rank,
        start_date=start,
        end_date=end,
        source_agency=AgencyType.HEALTH if health else AgencyType.EDUCATION,
        source_organisation=partners.community_trust if health else None,
        source=SOURCE,
    )
