"""Stage 6: circumstances (flags) on the child's record."""

from __future__ import annotations

import datetime as dt

from opensend.core.codes import AgencyType
from opensend.people.models import (
    ChildFlag,
    FlagKind,
)
from opensend.synth import shapes
from opensend.synth.generator.context import (
    SOURCE,
    ChildDraft,
    Context,
    school_start,
)

# --- stage 6: circumstances -----------------------------------------------------------------


def stage_flags(ctx: Context) -> None:
    """Looked after (consistent with the out-of-area share), care leavers 18 and over, child
    in need, child protection, the disability register, young carers, free school meals and
    English as an additional language, at the rates in ``shapes``."""
    rng = ctx.rng
    on = ctx.on
    latest = on - dt.timedelta(days=7)
    for draft in ctx.drafts:
        born = draft.child.date_of_birth
        rates = {kind: by_status[draft.status] for kind, by_status in shapes.FLAG_RATES.items()}
        recent = max(born, on - dt.timedelta(days=365 * 6))
        if draft.looked_after:
            _flag(ctx, draft, FlagKind.LOOKED_AFTER, shapes.random_date(rng, recent, latest))
        if draft.care_leaver:
            turned_18 = shapes.add_years(born, 18)
            care_from = shapes.random_date(
                rng, shapes.add_years(born, 8), turned_18 - dt.timedelta(days=400)
            )
            _flag(ctx, draft, FlagKind.LOOKED_AFTER, care_from, turned_18 - dt.timedelta(days=1))
            _flag(ctx, draft, FlagKind.CARE_LEAVER, turned_18)
        if draft.age < 18:
            three_years = max(born, on - dt.timedelta(days=365 * 3))
            if not draft.looked_after and rng.random() < rates["cin"]:
                _flag(
                    ctx, draft, FlagKind.CHILD_IN_NEED, shapes.random_date(rng, three_years, latest)
                )
            elif rng.random() < 0.04 and recent < latest - dt.timedelta(days=200):
                start = shapes.random_date(rng, recent, latest - dt.timedelta(days=200))
                end = shapes.random_date(rng, start + dt.timedelta(days=90), latest)
                _flag(ctx, draft, FlagKind.CHILD_IN_NEED, start, end)
            if rng.random() < rates["cp"]:
                two_years = max(born, on - dt.timedelta(days=365 * 2))
                _flag(
                    ctx,
                    draft,
                    FlagKind.CHILD_PROTECTION,
                    shapes.random_date(rng, two_years, latest),
                )
        if rng.random() < rates["disability_register"]:
            start = shapes.random_date(rng, draft.sen_start or born, latest)
            _flag(ctx, draft, FlagKind.DISABILITY_REGISTER, start)
        if draft.age >= 8 and rng.random() < rates["young_carer"]:
            start = shapes.random_date(rng, shapes.add_years(born, 8), latest)
            _flag(ctx, draft, FlagKind.YOUNG_CARER, start)
        if 0 <= draft.year <= 13 and rng.random() < rates["fsm"]:
            start = shapes.random_date(rng, school_start(ctx, 0, draft.year), latest)
            _flag(ctx, draft, FlagKind.FREE_SCHOOL_MEALS, start, agency=AgencyType.EDUCATION)
        if draft.eal:
            start = min(shapes.add_years(born, 3), latest)
            _flag(ctx, draft, FlagKind.EAL, start, agency=AgencyType.EDUCATION)


def _flag(
    ctx: Context,
    draft: ChildDraft,
    kind: str,
    start: dt.date,
    end: dt.date | None = None,
    agency: str = AgencyType.SOCIAL_CARE,
) -> None:
    if end is None:
        draft.flags[kind] = start
    ctx.add(
        ChildFlag(
            child=draft.child,
            kind=kind,
            start_date=start,
            end_date=end,
            source_agency=agency,
            source_organisation=ctx.partnership.local_authority
            if agency == AgencyType.SOCIAL_CARE
            else None,
            source=SOURCE,
        )
    )
