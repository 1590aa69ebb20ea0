"""Stage 4: where each child is educated now and before."""

from __future__ import annotations

import datetime as dt

from opensend.core.models import (
    Organisation,
    SettingType,
)
from opensend.people.models import (
    Child,
    Placement,
    PlacementKind,
    SENStatus,
)
from opensend.synth import shapes
from opensend.synth.generator.context import (
    SOURCE,
    ChildDraft,
    Context,
    pick,
    school_start,
)
from opensend.synth.profiles import (
    LOOKED_AFTER_SHARE_OF_OUT_OF_AREA,
)

# --- stage 4: placements --------------------------------------------------------------------


def stage_placements(ctx: Context) -> None:
    """Current placements of pupils with plans by the profile's placement mix (mainstream,
    special, other), exactly by quota; the profile's out-of-area count at settings elsewhere
    (special and other first) and the looked-after share of them; SEN support mostly in
    mainstream; post-16 and post-19 at school sixth forms, colleges or nowhere; early years
    settings for some under-fives; and the placements before the current one."""
    rng = ctx.rng
    plan_pupils = [d for d in ctx.drafts if d.status == SENStatus.EHC_PLAN and 0 <= d.year <= 11]
    quotas = shapes.quota_list(rng, len(plan_pupils), ctx.profile.plan_placements)
    for draft, category in zip(plan_pupils, quotas, strict=True):
        draft.category = category
    candidates = [d for d in plan_pupils if d.category != "mainstream"]
    candidates += [d for d in plan_pupils if d.category == "mainstream"]
    wanted = min(round(ctx.profile.out_of_area * ctx.options.scale), len(candidates))
    away = candidates[:wanted]
    for draft in away:
        draft.out_of_area = True
    for draft in rng.sample(away, round(wanted * LOOKED_AFTER_SHARE_OF_OUT_OF_AREA)):
        draft.looked_after = True
    for draft in ctx.drafts:
        _placements_for(ctx, draft)


def _mainstream_for(ctx: Context, year: int) -> Organisation | None:
    return pick(ctx.rng, ctx.settings.primary if year <= 6 else ctx.settings.secondary)


def _plan_setting(ctx: Context, draft: ChildDraft) -> Organisation | None:
    rng = ctx.rng
    groups = ctx.settings
    year = draft.year
    if draft.out_of_area:
        if draft.category == "special":
            return pick(rng, groups.elsewhere_special)
        if draft.category == "mainstream":
            return pick(rng, groups.elsewhere_mainstream)
        return pick(rng, groups.elsewhere_independent_special)
    if year < 0:
        if rng.random() >= shapes.PLAN_EARLY_YEARS_IN_SETTING:
            draft.category = "none"
            return None
        draft.category = "early_years"
        nursery = groups.nursery and rng.random() < 0.3
        return pick(rng, groups.nursery if nursery else groups.early_years)
    if year <= 11:
        if draft.category == "mainstream":
            return _mainstream_for(ctx, year)
        if draft.category == "special":
            return pick(rng, groups.special)
        roll = rng.random()
        if roll < 0.45 or not (groups.alternative or groups.independent):
            return pick(rng, groups.independent_special)
        if roll < 0.75 and year >= 5 and groups.alternative:
            return pick(rng, groups.alternative)
        return pick(rng, groups.independent or groups.independent_special)
    where = shapes.weighted_choice(rng, shapes.PLAN_POST_16 if year <= 14 else shapes.PLAN_POST_19)
    draft.category = where
    pools = {
        "sixth_form": groups.secondary,
        "special": groups.special,
        "college": groups.college,
        "specialist_post16": groups.specialist_post16,
    }
    return pick(rng, pools.get(where, []))


def _pupil_setting(ctx: Context, draft: ChildDraft) -> Organisation | None:
    """SEN support, or no longer SEN: school-age pupils, nearly all in mainstream."""
    rng = ctx.rng
    groups = ctx.settings
    year = draft.year
    if year >= 12:
        draft.category = "sixth_form" if rng.random() < 0.5 else "college"
        return pick(rng, groups.secondary if draft.category == "sixth_form" else groups.college)
    if draft.status == SENStatus.NONE or rng.random() < ctx.profile.support_mainstream_share:
        draft.category = "mainstream"
        return _mainstream_for(ctx, year)
    where = shapes.weighted_choice(rng, shapes.SUPPORT_NOT_MAINSTREAM)
    if where == "special" and groups.special:
        draft.category = "special"
        return pick(rng, groups.special)
    if where == "alternative" and year >= 5 and groups.alternative:
        draft.category = "other"
        return pick(rng, groups.alternative)
    if groups.independent:
        draft.category = "other"
        return pick(rng, groups.independent)
    draft.category = "mainstream"
    return _mainstream_for(ctx, year)


def _phase_first_year(year: int) -> int:
    if year <= 6:
        return 0
    if year <= 11:
        return 7
    if year <= 14:
        return 12
    return 15


def _placements_for(ctx: Context, draft: ChildDraft) -> None:
    rng = ctx.rng
    child = draft.child
    year = draft.year
    on = ctx.on
    if draft.status == SENStatus.EHC_PLAN:
        setting = _plan_setting(ctx, draft)
    else:
        setting = _pupil_setting(ctx, draft)
    draft.setting = setting
    if year < 0:
        if setting is not None:
            start = shapes.random_date(
                rng, shapes.add_years(child.date_of_birth, 2), on - dt.timedelta(days=30)
            )
            ctx.add(_placement(child, setting, min(start, on - dt.timedelta(days=1)), None))
        return
    phase_start = school_start(ctx, _phase_first_year(year), year)
    upn_school: Organisation | None = None
    if setting is not None:
        start = phase_start
        moved = draft.status == SENStatus.EHC_PLAN and draft.category in ("special", "other")
        if (moved or draft.out_of_area) and draft.status_change:
            start = max(
                phase_start,
                shapes.random_date(
                    rng, draft.status_change, draft.status_change + dt.timedelta(days=120)
                ),
            )
        elif rng.random() < 0.12:
            start = shapes.random_date(
                rng, phase_start + dt.timedelta(days=60), on - dt.timedelta(days=20)
            )
        start = min(start, on - dt.timedelta(days=1))
        residential = (
            draft.out_of_area
            and setting.setting_type
            in (SettingType.INDEPENDENT_SPECIAL, SettingType.NON_MAINTAINED_SPECIAL)
            and rng.random() < 0.3
        )
        is_plan = draft.status == SENStatus.EHC_PLAN
        ctx.add(
            _placement(
                child,
                setting,
                start,
                None,
                residential=residential,
                unit=is_plan and setting.has_sen_unit and rng.random() < 0.5,
                resourced=is_plan and setting.has_resourced_provision and rng.random() < 0.5,
            )
        )
        if start > phase_start:
            # Earlier in the same phase: a mainstream setting (or a sixth form, post-16).
            earlier = _mainstream_for(ctx, min(year, 11))
            if earlier is not None and earlier is not setting:
                ctx.add(_placement(child, earlier, phase_start, start - dt.timedelta(days=1)))
                if year <= 6:
                    upn_school = earlier
        if upn_school is None and year <= 6 and setting.home_area_id == ctx.area.pk:
            upn_school = setting if setting.laestab else None
    if year >= 7:
        # The previous phase: primary school before secondary, secondary before post-16,
        # college before post-19.
        if year <= 11:
            previous, first = pick(rng, ctx.settings.primary), 0
        elif year <= 14:
            previous, first = pick(rng, ctx.settings.secondary), 7
        else:
            previous, first = pick(rng, ctx.settings.college), 12
        if previous is not None:
            ctx.add(
                _placement(
                    child,
                    previous,
                    school_start(ctx, first, year),
                    phase_start - dt.timedelta(days=1),
                )
            )
            if first == 0:
                upn_school = previous
    if rng.random() < 0.97:
        school = upn_school or pick(rng, ctx.settings.primary)
        if school is not None and school.laestab:
            joined = school_start(ctx, 0, year).year
            child.upn = ctx.upns.allocate(school.laestab[3:], joined) or ""


def _placement(
    child: Child,
    setting: Organisation,
    start: dt.date,
    end: dt.date | None,
    *,
    residential: bool = False,
    unit: bool = False,
    resourced: bool = False,
) -> Placement:
    kind = (
        PlacementKind.ALTERNATIVE
        if setting.setting_type == SettingType.ALTERNATIVE_PROVISION
        else PlacementKind.SOLE
    )
    return Placement(
        child=child,
        setting=setting,
        kind=kind,
        start_date=start,
        end_date=end,
        is_residential=residential,
        in_sen_unit=unit,
        in_resourced_provision=resourced,
        source=SOURCE,
    )
