"""Stage 5: family contacts and the consents they gave."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from opensend.core.calendar import age_on
from opensend.people.models import (
    Consent,
    ConsentPurpose,
    FamilyContact,
    Relationship,
    SENStatus,
)
from opensend.synth import names, shapes
from opensend.synth.generator.context import (
    ChildDraft,
    Context,
)

# --- stage 5: family contacts and consents -------------------------------------------------


def stage_family(ctx: Context) -> None:
    """Who is looked after (besides the out-of-area share) and who is a care leaver; then one
    or two family contacts with parental responsibility for each child under 18 (foster carer,
    birth parent and the local authority for a looked-after child), some needing an
    interpreter; then the consents they gave."""
    rng = ctx.rng
    for draft in ctx.drafts:
        if draft.age < 18 and not draft.out_of_area:
            draft.looked_after = rng.random() < shapes.FLAG_RATES["lac"][draft.status]
        if draft.age >= 18 and draft.status == SENStatus.EHC_PLAN:
            draft.care_leaver = rng.random() < shapes.CARE_LEAVER_RATE
    serial = itertools.count(1)
    for draft in ctx.drafts:
        _contacts_for(ctx, draft, serial)
        _consents_for(ctx, draft)


def _adult_name(ctx: Context, draft: ChildDraft, sex: str, same_surname: float) -> str:
    picker = ctx.picker
    if draft.group == "british":
        forename = picker.adult_forename(sex)
    else:
        forename = picker.child_forename(draft.group, sex)
    surname = (
        draft.child.surname if ctx.rng.random() < same_surname else picker.surname(draft.group)
    )
    return f"{forename} {surname}"


def _contacts_for(ctx: Context, draft: ChildDraft, serial: Iterator[int]) -> None:
    rng = ctx.rng
    child = draft.child
    minor = draft.age < 18
    language = ctx.picker.language(draft.group) if draft.eal else "English"
    area_districts = ctx.profile.postcode_districts

    def contact(
        full_name: str,
        relationship: str,
        *,
        responsibility: bool,
        main: bool,
        lives_with: bool,
        family_language: bool = True,
    ) -> FamilyContact:
        postcode = child.home_postcode if lives_with else names.postcode(rng, area_districts)
        speaks = language if family_language else "English"
        row = FamilyContact(
            child=child,
            full_name=full_name,
            relationship=relationship,
            has_parental_responsibility=responsibility,
            is_main_contact=main,
            lives_with_child=lives_with,
            phone=names.drama_phone(rng) if rng.random() < 0.85 else "",
            email=names.email_for(full_name, next(serial)) if rng.random() < 0.65 else "",
            address=names.street_address(rng),
            postcode=postcode,
            preferred_language=speaks,
            needs_interpreter=speaks != "English" and rng.random() < 0.3,
        )
        draft.contacts.append(row)
        ctx.add(row)
        return row

    if draft.care_leaver:
        if rng.random() < 0.5:
            contact(
                _adult_name(ctx, draft, "F", 0.0),
                Relationship.FOSTER_CARER,
                responsibility=False,
                main=True,
                lives_with=rng.random() < 0.4,
                family_language=False,
            )
        return
    if draft.looked_after and minor:
        contact(
            _adult_name(ctx, draft, "F", 0.0),
            Relationship.FOSTER_CARER,
            responsibility=False,
            main=True,
            lives_with=not draft.out_of_area,
            family_language=False,
        )
        contact(
            _adult_name(ctx, draft, "F", 0.6),
            Relationship.MOTHER,
            responsibility=True,
            main=False,
            lives_with=False,
        )
        contact(
            ctx.partnership.local_authority.name,
            Relationship.CORPORATE_PARENT,
            responsibility=True,
            main=False,
            lives_with=False,
            family_language=False,
        )
        return
    has_mother = rng.random() < 0.93
    if has_mother:
        contact(
            _adult_name(ctx, draft, "F", 0.75),
            Relationship.MOTHER,
            responsibility=minor,
            main=True,
            lives_with=rng.random() < (0.95 if minor else 0.8),
        )
    if not has_mother and minor and rng.random() < 0.3:
        # A special guardian holds parental responsibility and the child lives with them.
        contact(
            _adult_name(ctx, draft, "F", 0.5),
            Relationship.SPECIAL_GUARDIAN,
            responsibility=True,
            main=True,
            lives_with=True,
        )
    elif rng.random() < (0.65 if minor else 0.45) or not has_mother:
        contact(
            _adult_name(ctx, draft, "M", 0.85),
            Relationship.FATHER,
            responsibility=minor and (rng.random() < 0.85 or not has_mother),
            main=not has_mother,
            lives_with=rng.random() < 0.55 or not has_mother,
        )
    if rng.random() < 0.03:
        contact(
            _adult_name(ctx, draft, "F", 0.5),
            Relationship.GRANDPARENT,
            responsibility=False,
            main=False,
            lives_with=False,
        )


def _consents_for(ctx: Context, draft: ChildDraft) -> None:
    rng = ctx.rng
    child = draft.child
    if draft.status == SENStatus.NONE or draft.status_change is None:
        return
    givers = [c for c in draft.contacts if c.has_parental_responsibility] or draft.contacts
    purposes: list[tuple[str, float]]
    if draft.status == SENStatus.EHC_PLAN:
        purposes = [
            (ConsentPurpose.SHARE_EHC_PARTNERS, 1.0),
            (ConsentPurpose.SHARE_SCHOOL, 0.7),
            (ConsentPurpose.SHARE_HEALTH, 0.6),
            (ConsentPurpose.CONTACT_BY_EMAIL, 0.4),
            (ConsentPurpose.VOICE_AND_FEEDBACK, 0.2),
        ]
    else:
        purposes = [(ConsentPurpose.SHARE_SCHOOL, 0.4), (ConsentPurpose.SHARE_HEALTH, 0.15)]
    for purpose, chance in purposes:
        if rng.random() >= chance:
            continue
        given_on = shapes.random_date(
            rng, draft.status_change - dt.timedelta(days=150), draft.status_change
        )
        given_on = max(given_on, child.date_of_birth)
        young_person = age_on(child.date_of_birth, given_on) >= 16
        if young_person and (rng.random() < 0.7 or not givers):
            giver = None
        elif givers:
            giver = givers[0]
        else:
            continue
        withdrawn = None
        if rng.random() < 0.03:
            withdrawn = shapes.random_date(rng, given_on, ctx.on - dt.timedelta(days=1))
        ctx.add(
            Consent(
                child=child,
                purpose=purpose,
                given_by_contact=giver,
                given_by_young_person=giver is None,
                given_on=given_on,
                withdrawn_on=withdrawn,
            )
        )
