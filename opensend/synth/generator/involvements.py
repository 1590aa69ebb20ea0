"""Stage 7: the organisations working with each child."""

from __future__ import annotations

import datetime as dt

from opensend.people.models import (
    FlagKind,
    Involvement,
    InvolvementKind,
    SENStatus,
)
from opensend.synth import shapes
from opensend.synth.generator.context import (
    Context,
)

# --- stage 7: involvements ------------------------------------------------------------------

#: Which partner works with a child with each need, and as what service.
NEED_SERVICES: dict[str, tuple[str, str]] = {
    "SLCN": ("community_trust", "Speech and language therapy"),
    "ASD": ("community_trust", "Neurodevelopmental pathway (child development centre)"),
    "SEMH": ("mental_health_trust", "Children and young people's mental health service"),
    "HI": ("acute_trust", "Audiology"),
    "VI": ("acute_trust", "Vision and ophthalmology"),
    "MSI": ("acute_trust", "Sensory impairment service"),
    "PD": ("community_trust", "Physiotherapy and occupational therapy"),
    "PMLD": ("acute_trust", "Community paediatrics"),
    "DS": ("acute_trust", "Community paediatrics"),
}
#: Circumstances that mean the local authority's social care team works with a child.
SOCIAL_CARE_FLAGS: dict[str, str] = {
    FlagKind.CHILD_IN_NEED: "Children's social care: child in need",
    FlagKind.CHILD_PROTECTION: "Children's social care: child protection plan",
    FlagKind.LOOKED_AFTER: "Children's social care: looked after",
    FlagKind.CARE_LEAVER: "Leaving care team",
}


def stage_involvements(ctx: Context) -> None:
    """Children with SLCN referred to the community trust's speech and language therapy, ASD
    to its neurodevelopmental service, SEMH to the mental health trust, sensory and physical
    needs to the acute trust; children in need, on a protection plan, looked after or leaving
    care to the local authority's social care team."""
    rng = ctx.rng
    on = ctx.on
    partners = ctx.partnership
    for draft in ctx.drafts:
        child = draft.child
        if draft.status != SENStatus.NONE:
            seen: set[str] = set()
            for code in (draft.primary_need, draft.secondary_need):
                service = NEED_SERVICES.get(code)
                if service is None or service[1] in seen:
                    continue
                if rng.random() >= shapes.SERVICE_RATES.get(code, 0.0):
                    continue
                seen.add(service[1])
                start = shapes.random_date(
                    rng, draft.sen_start or child.date_of_birth, on - dt.timedelta(days=7)
                )
                end = None
                if rng.random() < 0.1:
                    end = shapes.random_date(rng, start, on - dt.timedelta(days=1))
                ctx.add(
                    Involvement(
                        child=child,
                        organisation=getattr(partners, service[0]),
                        kind=InvolvementKind.REFERRAL
                        if rng.random() < 0.4
                        else InvolvementKind.OPEN_CASE,
                        start_date=start,
                        end_date=end,
                        reason=service[1],
                    )
                )
        for kind, reason in SOCIAL_CARE_FLAGS.items():
            if kind in draft.flags:
                ctx.add(
                    Involvement(
                        child=child,
                        organisation=partners.local_authority,
                        kind=InvolvementKind.ALLOCATED_WORKER,
                        start_date=draft.flags[kind],
                        reason=reason,
                    )
                )
                break
