"""Writes to the joint child record. One function per business action: keyword-only
arguments, the acting user passed in (``None`` for the system: imports, the generator),
permission checked against the access policy, validated, atomic, and written to the access log
in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from opensend.core import access_log
from opensend.core.codes import AgencyType, NeedRank
from opensend.core.identifiers import normalise_identifier
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.core.roles import SETTING_KINDS
from opensend.people import policy
from opensend.people.models import (
    CHILD_IDENTITY_FIELDS,
    Child,
    ChildFlag,
    ChildNameToken,
    Consent,
    FamilyContact,
    Involvement,
    Need,
    Placement,
    RecordSource,
    SENStatus,
    SENStatusPeriod,
)
from opensend.people.names import tokens_for_names

CHILD = "people.child"


def _authorise_change(acting_user: User | None, child: Child) -> policy.Decision | None:
    """The decision that lets ``acting_user`` change the record; ``None`` for the system."""
    if acting_user is None:
        return None
    decision = policy.decide(policy.grants_for(acting_user), child, policy.Action.CHANGE)
    if not decision.allowed:
        raise PermissionDenied("You may not change this child's record.")
    return decision


def _authorise_create(acting_user: User | None, area: Area) -> policy.Decision | None:
    if acting_user is None:
        return None
    grants = policy.grants_for(acting_user)
    if area.pk not in grants.la_area_ids:
        raise PermissionDenied(f"You may not add children to {area.name}.")
    return policy.Decision(True, policy.Basis.LA_AREA, grants.la_organisations[area.pk])


def _log(
    acting_user: User | None,
    child: Child,
    decision: policy.Decision | None,
    detail: dict[str, Any],
    action: AccessAction = AccessAction.CHANGE,
) -> None:
    organisation = (
        Organisation.objects.get(pk=decision.organisation_id)
        if decision is not None and decision.organisation_id is not None
        else None
    )
    access_log.record(
        actor=acting_user,
        action=action,
        object_type=CHILD,
        object_id=child.pk,
        subjects=[(CHILD, child.pk)],
        purpose=decision.purpose if decision is not None else "System process",
        organisation=organisation,
        detail=detail,
    )


def _touch(child: Child) -> None:
    child.updated_at = timezone.now()
    Child.objects.filter(pk=child.pk).update(updated_at=child.updated_at)


def refresh_name_tokens(child: Child) -> None:
    """Rebuild the search tokens from the child's current names."""
    wanted = tokens_for_names(
        [
            child.forename,
            child.middle_names,
            child.surname,
            child.preferred_forename,
            child.preferred_surname,
            child.former_surname,
        ]
    )
    existing = set(ChildNameToken.objects.filter(child=child).values_list("token", flat=True))
    ChildNameToken.objects.filter(child=child, token__in=existing - wanted).delete()
    ChildNameToken.objects.bulk_create(
        [ChildNameToken(child=child, token=token) for token in sorted(wanted - existing)]
    )


_IDENTITY_FIELDS = CHILD_IDENTITY_FIELDS
_NAME_FIELDS = frozenset(
    {
        "forename",
        "middle_names",
        "surname",
        "preferred_forename",
        "preferred_surname",
        "former_surname",
    }
)


def _normalise_identity(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for key in ("upn", "nhs_number", "uln"):
        if key in cleaned and cleaned[key] is not None:
            cleaned[key] = normalise_identifier(str(cleaned[key]))
    if cleaned.get("home_postcode"):
        compact = normalise_identifier(cleaned["home_postcode"])
        cleaned["home_postcode"] = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
    for key in _NAME_FIELDS:
        if key in cleaned and cleaned[key] is not None:
            cleaned[key] = " ".join(str(cleaned[key]).split())
    return cleaned


def _check_unique_identifiers(child: Child) -> None:
    errors: dict[str, str] = {}
    for field, label in (("upn", "UPN"), ("nhs_number", "NHS number"), ("uln", "ULN")):
        value = getattr(child, field)
        if value and Child.objects.filter(**{field: value}).exclude(pk=child.pk).exists():
            errors[field] = f"Another child's record already has this {label}."
    if errors:
        raise ValidationError(errors)


def _district(postcode: str) -> str:
    return postcode.split(" ")[0] if postcode else ""


@transaction.atomic
def child_create(
    *,
    acting_user: User | None,
    area: Area,
    forename: str,
    surname: str,
    date_of_birth: dt.date,
    sex: str,
    source: RecordSource = RecordSource.MANUAL,
    **identity: Any,
) -> Child:
    """Add a child or young person to the joint record. ``identity`` holds the optional
    fields: upn, nhs_number, uln, middle_names, preferred and former names, ethnicity,
    home_postcode."""
    decision = _authorise_create(acting_user, area)
    unknown = set(identity) - set(_IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown child fields: {', '.join(sorted(unknown))}")
    values = _normalise_identity(
        {
            "forename": forename,
            "surname": surname,
            "date_of_birth": date_of_birth,
            "sex": sex,
            **identity,
        }
    )
    child = Child(area=area, **values)
    child.postcode_district = _district(child.home_postcode)
    child.full_clean(validate_unique=False, validate_constraints=False)
    _check_unique_identifiers(child)
    child.save()
    refresh_name_tokens(child)
    SENStatusPeriod.objects.create(
        child=child, status=SENStatus.NONE, start_date=date_of_birth, source=source
    )
    _log(
        acting_user,
        child,
        decision,
        {"created": {key: str(value) for key, value in values.items() if value}, "source": source},
        action=AccessAction.CREATE,
    )
    return child


@transaction.atomic
def child_update(*, acting_user: User | None, child: Child, **changes: Any) -> Child:
    """Change identity fields of a child's record; the access log keeps what changed from
    what to what."""
    decision = _authorise_change(acting_user, child)
    unknown = set(changes) - set(_IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown child fields: {', '.join(sorted(unknown))}")
    changes = _normalise_identity(changes)
    diff: dict[str, list[str]] = {}
    for key, value in changes.items():
        before = getattr(child, key)
        if before != value:
            diff[key] = [str(before or ""), str(value or "")]
            setattr(child, key, value)
    if not diff:
        return child
    child.postcode_district = _district(child.home_postcode)
    child.updated_at = timezone.now()
    child.full_clean(validate_unique=False, validate_constraints=False)
    _check_unique_identifiers(child)
    child.save()
    if _NAME_FIELDS & set(diff):
        refresh_name_tokens(child)
    _log(acting_user, child, decision, {"changed": diff})
    return child


def _supersede(current: SENStatusPeriod | Need, start_date: dt.date, describe: str) -> None:
    """End the open row the day before its successor starts, which must be after it began."""
    if start_date <= current.start_date:
        raise ValidationError(
            {
                "start_date": f"{describe} began on {current.start_date:%-d %B %Y}; "
                "a change must start after that."
            }
        )
    current.end_date = start_date - dt.timedelta(days=1)
    current.save(update_fields=["end_date"])


@transaction.atomic
def sen_status_set(
    *,
    acting_user: User | None,
    child: Child,
    status: SENStatus | str,
    start_date: dt.date,
    source: RecordSource,
    source_organisation: Organisation | None = None,
) -> SENStatusPeriod:
    """Record a child's SEN status from a date. The open period ends the day before; setting
    the status the child already has changes nothing."""
    decision = _authorise_change(acting_user, child)
    status = SENStatus(status)
    current = (
        SENStatusPeriod.objects.select_for_update()
        .filter(child=child, end_date__isnull=True)
        .first()
    )
    if current is not None and current.status == status:
        return current
    if current is not None:
        _supersede(current, start_date, f"The current status ({current.get_status_display()})")
    period = SENStatusPeriod(
        child=child,
        status=status,
        start_date=start_date,
        source=source,
        source_organisation=source_organisation,
    )
    period.full_clean(validate_constraints=False)
    period.save()
    child.sen_status = status
    Child.objects.filter(pk=child.pk).update(sen_status=status)
    _touch(child)
    _log(
        acting_user,
        child,
        decision,
        {
            "sen_status": [current.status if current else "", status.value],
            "from": start_date.isoformat(),
            "source": source,
        },
    )
    return period


def _sync_primary_need(child: Child) -> None:
    code = (
        Need.objects.filter(child=child, rank=NeedRank.PRIMARY, end_date__isnull=True)
        .values_list("code", flat=True)
        .first()
    ) or ""
    if child.primary_need != code:
        child.primary_need = code
        Child.objects.filter(pk=child.pk).update(primary_need=code)


Period = Need | Placement | ChildFlag | Involvement


def _end_period(
    *,
    acting_user: User | None,
    row: Period,
    end_date: dt.date,
    what: str,
    detail: dict[str, Any],
) -> None:
    """End a dated row of the record (a need, placement, circumstance or involvement):
    it must still be open and cannot end before it started."""
    child = row.child
    decision = _authorise_change(acting_user, child)
    if row.end_date is not None:
        raise ValidationError(f"This {what} has already ended.")
    if end_date < row.start_date:
        raise ValidationError({"end_date": f"A {what} cannot end before it starts."})
    row.end_date = end_date
    row.save(update_fields=["end_date"])
    if isinstance(row, Need):
        _sync_primary_need(child)
    _touch(child)
    _log(
        acting_user,
        child,
        decision,
        {f"{what.replace(' ', '_')}_ended": {**detail, "on": end_date.isoformat()}},
    )


@transaction.atomic
def need_record(
    *,
    acting_user: User | None,
    child: Child,
    code: str,
    rank: int | None,
    start_date: dt.date,
    source_agency: AgencyType | str,
    source: RecordSource,
    source_organisation: Organisation | None = None,
    notes: str = "",
) -> Need:
    """Record a need from a date. For a ranked need, an open need of the same rank and code is
    kept as it is; one of another code ends the day before."""
    decision = _authorise_change(acting_user, child)
    if rank is not None:
        current = (
            Need.objects.select_for_update()
            .filter(child=child, rank=rank, end_date__isnull=True)
            .first()
        )
        if current is not None and current.code == code:
            return current
        if current is not None:
            label = NeedRank(rank).label.lower()
            _supersede(
                current, start_date, f"The current {label} need ({current.get_code_display()})"
            )
    need = Need(
        child=child,
        code=code,
        rank=rank,
        start_date=start_date,
        source_agency=source_agency,
        source=source,
        source_organisation=source_organisation,
        notes=notes,
    )
    need.full_clean(validate_constraints=False)
    need.save()
    _sync_primary_need(child)
    _touch(child)
    _log(
        acting_user,
        child,
        decision,
        {
            "need": {
                "code": code,
                "rank": rank,
                "from": start_date.isoformat(),
                "agency": str(source_agency),
            }
        },
    )
    return need


@transaction.atomic
def need_end(*, acting_user: User | None, need: Need, end_date: dt.date) -> Need:
    _end_period(
        acting_user=acting_user,
        row=need,
        end_date=end_date,
        what="need",
        detail={"code": need.code},
    )
    return need


@transaction.atomic
def placement_start(
    *,
    acting_user: User | None,
    child: Child,
    setting: Organisation,
    start_date: dt.date,
    source: RecordSource,
    kind: str = "sole",
    is_residential: bool = False,
    in_sen_unit: bool = False,
    in_resourced_provision: bool = False,
) -> Placement:
    decision = _authorise_change(acting_user, child)
    if setting.kind not in SETTING_KINDS:
        raise ValidationError(
            {"setting": f"{setting.name} is not a school, college or special school."}
        )
    placement = Placement(
        child=child,
        setting=setting,
        kind=kind,
        start_date=start_date,
        is_residential=is_residential,
        in_sen_unit=in_sen_unit,
        in_resourced_provision=in_resourced_provision,
        source=source,
    )
    placement.full_clean(validate_constraints=False)
    placement.save()
    _touch(child)
    _log(
        acting_user,
        child,
        decision,
        {
            "placement": {
                "setting": setting.name,
                "urn": setting.urn,
                "from": start_date.isoformat(),
                "kind": kind,
            }
        },
    )
    return placement


@transaction.atomic
def placement_end(
    *, acting_user: User | None, placement: Placement, end_date: dt.date
) -> Placement:
    _end_period(
        acting_user=acting_user,
        row=placement,
        end_date=end_date,
        what="placement",
        detail={"setting": placement.setting.name},
    )
    return placement


@transaction.atomic
def flag_set(
    *,
    acting_user: User | None,
    child: Child,
    kind: str,
    start_date: dt.date,
    source_agency: AgencyType | str,
    source: RecordSource,
    source_organisation: Organisation | None = None,
) -> ChildFlag:
    """Record that a circumstance applies from a date; if it already applies, nothing changes."""
    decision = _authorise_change(acting_user, child)
    current = ChildFlag.objects.filter(child=child, kind=kind, end_date__isnull=True).first()
    if current is not None:
        return current
    flag = ChildFlag(
        child=child,
        kind=kind,
        start_date=start_date,
        source_agency=source_agency,
        source=source,
        source_organisation=source_organisation,
    )
    flag.full_clean(validate_constraints=False)
    flag.save()
    _touch(child)
    _log(acting_user, child, decision, {"flag": {"kind": kind, "from": start_date.isoformat()}})
    return flag


@transaction.atomic
def flag_end(*, acting_user: User | None, flag: ChildFlag, end_date: dt.date) -> ChildFlag:
    _end_period(
        acting_user=acting_user,
        row=flag,
        end_date=end_date,
        what="circumstance",
        detail={"kind": flag.kind},
    )
    return flag


@transaction.atomic
def contact_add(
    *,
    acting_user: User | None,
    child: Child,
    full_name: str,
    relationship: str,
    has_parental_responsibility: bool,
    **details: Any,
) -> FamilyContact:
    """Add a family contact: phone, email, address, postcode, language, interpreter, whether
    they live with the child and are the main contact, and optionally their user account."""
    decision = _authorise_change(acting_user, child)
    contact = FamilyContact(
        child=child,
        full_name=full_name,
        relationship=relationship,
        has_parental_responsibility=has_parental_responsibility,
        **details,
    )
    contact.full_clean(validate_constraints=False)
    if contact.is_main_contact:
        FamilyContact.objects.filter(child=child, is_main_contact=True).update(
            is_main_contact=False
        )
    contact.save()
    _touch(child)
    _log(
        acting_user,
        child,
        decision,
        {
            "contact_added": {
                "name": full_name,
                "relationship": relationship,
                "parental_responsibility": has_parental_responsibility,
            }
        },
    )
    return contact


@transaction.atomic
def contact_link_user(
    *, acting_user: User | None, contact: FamilyContact, user: User | None
) -> FamilyContact:
    """Link (or unlink) a contact to a user account, so a parent carer can sign in and see
    their own child's record."""
    decision = _authorise_change(acting_user, contact.child)
    if user is not None and not contact.has_parental_responsibility:
        raise ValidationError(
            "Only a contact with parental responsibility can be given access to the record."
        )
    contact.user = user
    contact.save(update_fields=["user"])
    _log(
        acting_user,
        contact.child,
        decision,
        {"contact_account": {"contact": contact.full_name, "user": user.email if user else None}},
    )
    return contact


@transaction.atomic
def consent_record(
    *,
    acting_user: User | None,
    child: Child,
    purpose: str,
    given_on: dt.date,
    given_by_contact: FamilyContact | None = None,
    given_by_young_person: bool = False,
    notes: str = "",
) -> Consent:
    decision = _authorise_change(acting_user, child)
    if given_by_contact is not None and given_by_contact.child_id != child.pk:
        raise ValidationError({"given_by_contact": "That contact belongs to another child."})
    if given_by_contact is None and not given_by_young_person:
        raise ValidationError("Say who gave consent: a family contact or the young person.")
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": "Consent cannot be recorded as given in the future."})
    if given_by_young_person and child.age(given_on) < 16:
        raise ValidationError(
            {"given_by_young_person": "A young person gives their own consent from age 16."}
        )
    consent = Consent(
        child=child,
        purpose=purpose,
        given_on=given_on,
        given_by_contact=given_by_contact,
        given_by_young_person=given_by_young_person,
        recorded_by=acting_user,
        notes=notes,
    )
    consent.full_clean(validate_constraints=False)
    consent.save()
    _touch(child)
    _log(
        acting_user,
        child,
        decision,
        {"consent": {"purpose": purpose, "given_on": given_on.isoformat(), "by": consent.given_by}},
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, acting_user: User | None, consent: Consent, withdrawn_on: dt.date
) -> Consent:
    decision = _authorise_change(acting_user, consent.child)
    if consent.withdrawn_on is not None:
        raise ValidationError("This consent has already been withdrawn.")
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "Consent cannot be withdrawn before it was given."})
    if withdrawn_on > timezone.localdate():
        raise ValidationError(
            {"withdrawn_on": "Consent cannot be recorded as withdrawn in the future."}
        )
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on"])
    _touch(consent.child)
    _log(
        acting_user,
        consent.child,
        decision,
        {"consent_withdrawn": {"purpose": consent.purpose, "on": withdrawn_on.isoformat()}},
    )
    return consent


@transaction.atomic
def involvement_start(
    *,
    acting_user: User | None,
    child: Child,
    organisation: Organisation,
    kind: str,
    start_date: dt.date,
    reason: str = "",
) -> Involvement:
    """Record that an organisation is working with a child (a referral accepted, a case
    opened, advice asked for). Its staff in involvement roles can then see the record."""
    decision = _authorise_change(acting_user, child)
    involvement = Involvement(
        child=child, organisation=organisation, kind=kind, start_date=start_date, reason=reason
    )
    involvement.full_clean(validate_constraints=False)
    involvement.save()
    _touch(child)
    _log(
        acting_user,
        child,
        decision,
        {
            "involvement": {
                "organisation": organisation.name,
                "kind": kind,
                "from": start_date.isoformat(),
            }
        },
    )
    return involvement


@transaction.atomic
def involvement_end(
    *, acting_user: User | None, involvement: Involvement, end_date: dt.date
) -> Involvement:
    _end_period(
        acting_user=acting_user,
        row=involvement,
        end_date=end_date,
        what="involvement",
        detail={"organisation": involvement.organisation.name},
    )
    return involvement
