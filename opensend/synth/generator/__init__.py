"""Generate a synthetic local area: organisations, settings and an SEN cohort calibrated to a
profile's published figures, the same every time for the same profile, scale, seed and
reference date.

The generation runs in stages that share one seeded ``random.Random`` (``Context.rng``):
``stage_organisations``, ``stage_children``, ``stage_needs``, ``stage_placements``,
``stage_family``, ``stage_flags``, ``stage_involvements``. Only the first writes (it needs
the settings' keys); the others build rows in memory, which ``write_rows`` inserts with
``bulk_create`` in batches. Everything happens in one transaction, with one access log entry
for the run. Later stages (plans, referrals, contracts) go after these, so adding one does
not change what the earlier stages draw.

The EHC stage (``generator.ehc``) comes next, with a random number generator of its own
derived from the seed: ``stage_ehc`` decides every case and adds the people rows the EHC
process makes (young people whose plans ceased) before ``write_rows``; ``write_ehc`` then
writes the requests, plans, versions, reviews, steps and case events, a few hundred cases at
a time.

After the Local Offer, the pathways stage (``generator.pathways``: referral histories on the
area's waiting lists) and the commissioning stage (``generator.commissioning``: commissions,
their cycles and the spot purchases of sensory OT) run, each with a random number generator of
its own derived from the seed, so they change nothing the earlier stages draw. The performance
stage (``generator.performance``: KPIs and their values, closed periods, responsibility
disputes) comes last, with its own too.

Per-child services are not used: each writes an access log entry, and an area has tens of
thousands of children. The generator therefore keeps the invariants the services keep
(docs/adr/0005-child-record.md): ``Child.sen_status`` and ``primary_need`` equal the open
status period and rank-1 need, name tokens exist for every name, identifiers are valid.
The tests check each of them.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from opensend.core import access_log
from opensend.core.models import AccessAction, Area, SettingType, User
from opensend.people.models import (
    Child,
    ChildFlag,
    ChildNameToken,
    Consent,
    FamilyContact,
    Involvement,
    Need,
    Placement,
    SENStatus,
    SENStatusPeriod,
)
from opensend.people.names import tokens_for_names
from opensend.synth.generator.children import stage_children, stage_needs
from opensend.synth.generator.circumstances import stage_flags
from opensend.synth.generator.commissioning import clear_commissioning, commissioning_generate
from opensend.synth.generator.context import (
    BATCH_SIZE,
    ELSEWHERE_NAME,
    ELSEWHERE_ONS,
    MAX_CHILDREN,
    Context,
    GenerationError,
    Options,
    Result,
    make_options,
)
from opensend.synth.generator.ehc import clear_ehc, ehc_figures, stage_ehc, write_ehc
from opensend.synth.generator.family import stage_family
from opensend.synth.generator.involvements import stage_involvements
from opensend.synth.generator.local_offer import clear_local_offer, local_offer_generate
from opensend.synth.generator.organisations import area_organisations, stage_organisations
from opensend.synth.generator.pathways import clear_pathways, pathways_generate
from opensend.synth.generator.performance import clear_performance, performance_generate
from opensend.synth.generator.placements import stage_placements
from opensend.synth.profiles import ELSEWHERE_LA_CODE, PROFILES

__all__ = [
    "MAX_CHILDREN",
    "GenerationError",
    "Options",
    "Result",
    "area_organisations",
    "clear_area",
    "generate",
    "make_options",
]

# --- the service --------------------------------------------------------------------------


def generate(*, acting_user: User | None, options: Options, replace: bool = False) -> Result:
    """Generate (or, with ``replace``, regenerate) a synthetic area. Refuses an LA code that
    is already in use unless ``replace`` is given, and never touches a real area."""
    started = time.perf_counter()
    with transaction.atomic():
        area, replaced = _prepare_area(options, replace)
        elsewhere = _elsewhere_area()
        ctx = Context(
            options=options, rng=random.Random(options.seed), area=area, elsewhere=elsewhere
        )
        stage_organisations(ctx)
        stage_children(ctx)
        stage_needs(ctx)
        stage_placements(ctx)
        stage_family(ctx)
        stage_flags(ctx)
        stage_involvements(ctx)
        ehc = stage_ehc(ctx)
        rows = write_rows(ctx)
        for table, count in write_ehc(ctx, ehc).items():
            rows[table] = rows.get(table, 0) + count
        rows.update(
            local_offer_generate(
                acting_user=acting_user,
                area=area,
                seed=options.seed,
                districts=options.profile.postcode_districts,
                scale=options.scale,
            )
        )
        rows.update(pathways_generate(area=area, seed=options.seed, on=options.on))
        rows.update(commissioning_generate(area=area, seed=options.seed, on=options.on))
        rows.update(performance_generate(area=area, seed=options.seed, on=options.on))
        result = summarise(ctx, rows, replaced)
        result.ehc = ehc_figures(ehc)
        access_log.record(
            actor=acting_user,
            action=AccessAction.IMPORT,
            object_type="synth.area",
            object_id=area.pk,
            purpose="Synthetic data generation",
            detail=result.detail(),
        )
    result.seconds = time.perf_counter() - started
    return result


def _prepare_area(options: Options, replace: bool) -> tuple[Area, bool]:
    existing = Area.objects.select_for_update().filter(la_code=options.la_code).first()
    ons_code = f"E06999{options.la_code}"
    if existing is None:
        clash = Area.objects.filter(ons_code=ons_code).first()
        if clash is not None:
            raise GenerationError(f"ONS code {ons_code} is already used by {clash}.")
        area = Area(
            name=options.name,
            la_code=options.la_code,
            ons_code=ons_code,
            region=options.profile.region,
            is_synthetic=True,
        )
        area.full_clean()
        area.save()
        return area, False
    if not existing.is_synthetic:
        raise GenerationError(
            f"LA code {options.la_code} belongs to {existing.name}, a real area: the generator "
            "never writes to or deletes from a real area."
        )
    if not replace:
        raise GenerationError(
            f"There is already a synthetic area with LA code {options.la_code} "
            f"({existing.name}). Use --replace to delete its children and settings and "
            "generate it again, or choose another --area-code."
        )
    clear_area(existing)
    existing.name = options.name
    existing.region = options.profile.region
    existing.full_clean(validate_unique=False)
    existing.save(update_fields=["name", "region"])
    return existing, True


def _elsewhere_area() -> Area:
    area = Area.objects.filter(la_code=ELSEWHERE_LA_CODE).first()
    if area is not None:
        if not area.is_synthetic:
            raise GenerationError(
                f"LA code {ELSEWHERE_LA_CODE} belongs to a real area ({area.name}); synthetic "
                "settings elsewhere need it."
            )
        return area
    area = Area(
        name=ELSEWHERE_NAME,
        la_code=ELSEWHERE_LA_CODE,
        ons_code=ELSEWHERE_ONS,
        region=PROFILES["halton"].region,
        is_synthetic=True,
    )
    area.full_clean()
    area.save()
    return area


def clear_area(area: Area) -> None:
    """Delete a synthetic area's EHC cases, its children and the organisations generated for
    it. An organisation something else still refers to (a user's membership, the access log)
    is kept; regeneration then reuses it."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: it is never cleared.")
    clear_performance(area)
    clear_commissioning(area)
    clear_pathways(area)
    clear_local_offer(area)
    clear_ehc(area)
    children = Child.objects.filter(area=area)
    # A consent given by a family contact protects the contact; both go with the child.
    Consent.objects.filter(child__in=children).delete()
    try:
        children.delete()
    except ProtectedError as error:
        kinds = sorted(
            {str(type(obj)._meta.verbose_name_plural) for obj in error.protected_objects}
        )
        raise GenerationError(
            f"The children of {area.name} cannot be deleted: other records refer to them "
            f"({', '.join(kinds)})."
        ) from error
    organisations = area_organisations(area)
    try:
        with transaction.atomic():
            organisations.delete()
    except ProtectedError:
        for organisation in organisations.order_by("pk"):
            try:
                with transaction.atomic():
                    organisation.delete()
            except ProtectedError:
                continue


# --- writing ------------------------------------------------------------------------------

WRITE_ORDER: tuple[type[models.Model], ...] = (
    SENStatusPeriod,
    Need,
    Placement,
    FamilyContact,
    Consent,
    ChildFlag,
    Involvement,
)


def write_rows(ctx: Context) -> dict[str, int]:
    """Insert everything the stages built: the children, then the rows that refer to them,
    then the name tokens search uses, in batches."""
    now = timezone.now()
    children = [draft.child for draft in ctx.drafts]
    for child in children:
        child.created_at = child.updated_at = now
    Child.objects.bulk_create(children, batch_size=BATCH_SIZE)
    rows = {"core.Organisation": ctx.organisation_rows, "people.Child": len(children)}
    for model in WRITE_ORDER:
        pending = ctx.rows.get(model, [])
        model._default_manager.bulk_create(pending, batch_size=BATCH_SIZE)
        rows[model._meta.label] = len(pending)
    tokens = [
        ChildNameToken(child=child, token=token)
        for child in children
        for token in sorted(
            tokens_for_names(
                [
                    child.forename,
                    child.middle_names,
                    child.surname,
                    child.preferred_forename,
                    child.preferred_surname,
                    child.former_surname,
                ]
            )
        )
    ]
    ChildNameToken.objects.bulk_create(tokens, batch_size=BATCH_SIZE * 2)
    rows["people.ChildNameToken"] = len(tokens)
    return rows


def summarise(ctx: Context, rows: dict[str, int], replaced: bool) -> Result:
    by_status: Counter[str] = Counter()
    by_need: dict[str, Counter[str]] = defaultdict(Counter)
    by_placement: Counter[str] = Counter()
    for draft in ctx.drafts:
        by_status[draft.status] += 1
        if draft.status != SENStatus.NONE:
            by_need[draft.status][draft.primary_need] += 1
            label = (
                SettingType(draft.setting.setting_type).label
                if draft.setting is not None
                else "No current placement"
            )
            by_placement[label] += 1
    return Result(
        area=ctx.area,
        options=ctx.options,
        rows=rows,
        by_status={status: by_status[status] for status in ("E", "K", "N")},
        by_need={
            status: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            for status, counts in sorted(by_need.items())
        },
        by_placement=dict(sorted(by_placement.items(), key=lambda item: (-item[1], item[0]))),
        out_of_area=sum(1 for draft in ctx.drafts if draft.out_of_area),
        looked_after_out_of_area=sum(
            1 for draft in ctx.drafts if draft.out_of_area and draft.looked_after
        ),
        replaced=replaced,
    )
