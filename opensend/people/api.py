"""The people app's API: child search, the child record and its timeline.

Read-only, and under the same access policy and access log as the pages: every handler goes
through ``opensend.people.selectors``, which scope to the caller's legitimate relationships
and record each search results page, each view and each refusal.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from opensend.api.auth import caller
from opensend.api.errors import ApiError, ErrorOut
from opensend.api.schemas import AreaOut, OrganisationOut, area_out, coded, organisation_out
from opensend.core.codes import AgencyType, Ethnicity, SENNeed, Sex
from opensend.core.models import Organisation, SettingType
from opensend.people import policy, selectors
from opensend.people.models import (
    Child,
    ChildFlag,
    Consent,
    ConsentPurpose,
    FamilyContact,
    FlagKind,
    Involvement,
    InvolvementKind,
    Need,
    Placement,
    PlacementKind,
    RecordSource,
    Relationship,
    SENStatus,
    SENStatusPeriod,
)
from opensend.people.search import parse
from opensend.people.timeline import Entry

router = Router(tags=["Children"])

MAX_QUERY_LENGTH = 200
MAX_PAGE_SIZE = 100


# Coded values -----------------------------------------------------------------------------


class SENStatusOut(Schema):
    """SEN status: N no SEN, K SEN support, E EHC plan (school census provision codes)."""

    code: SENStatus
    label: str


class SENNeedOut(Schema):
    """A school census SEN type (need) code."""

    code: SENNeed
    label: str


class SexOut(Schema):
    code: Sex
    label: str


class EthnicityOut(Schema):
    """A Common Basic Data Set main ethnicity code."""

    code: Ethnicity
    label: str


class RecordSourceOut(Schema):
    """Where a fact on the record came from."""

    code: RecordSource
    label: str


class AgencyOut(Schema):
    """Which part of the partnership a fact came from."""

    code: AgencyType
    label: str


class SettingTypeOut(Schema):
    code: SettingType
    label: str


class PlacementKindOut(Schema):
    code: PlacementKind
    label: str


class FlagKindOut(Schema):
    code: FlagKind
    label: str


class RelationshipOut(Schema):
    code: Relationship
    label: str


class ConsentPurposeOut(Schema):
    code: ConsentPurpose
    label: str


class InvolvementKindOut(Schema):
    code: InvolvementKind
    label: str


def _or_none(value: str) -> str | None:
    return value or None


def _organisation_name(organisation: Organisation | None) -> str | None:
    return organisation.name if organisation is not None else None


# Search -----------------------------------------------------------------------------------


class ChildSummaryOut(Schema):
    """A child as search results show them."""

    id: int
    display_name: str = Field(..., description="Preferred first and last names, else legal.")
    forename: str = Field(..., description="Legal first name.")
    surname: str = Field(..., description="Legal last name.")
    preferred_forename: str | None
    preferred_surname: str | None
    date_of_birth: dt.date
    upn: str | None = Field(..., description="Unique pupil number, if known.")
    sen_status: SENStatusOut
    primary_need: SENNeedOut | None
    current_setting: str | None = Field(
        ..., description="The name of the setting the child is on roll at today."
    )
    area_la_code: str = Field(..., description="The DfE code of the child's area.")


class ChildSearchOut(Schema):
    """One page of search results."""

    query: str
    page: int = Field(..., description="The page returned (the last page, if beyond it).")
    page_size: int
    pages: int
    total: int = Field(..., description="How many children match, on every page.")
    items: list[ChildSummaryOut]


def _summary(child: Child) -> ChildSummaryOut:
    return ChildSummaryOut(
        id=child.pk,
        display_name=child.display_name,
        forename=child.forename,
        surname=child.surname,
        preferred_forename=_or_none(child.preferred_forename),
        preferred_surname=_or_none(child.preferred_surname),
        date_of_birth=child.date_of_birth,
        upn=_or_none(child.upn),
        sen_status=SENStatusOut.model_validate(coded(SENStatus, child.sen_status)),
        primary_need=(
            SENNeedOut.model_validate(coded(SENNeed, child.primary_need))
            if child.primary_need
            else None
        ),
        current_setting=getattr(child, "current_setting", None) or None,
        area_la_code=child.area.la_code,
    )


@router.get(
    "",
    response={200: ChildSearchOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    operation_id="children_search",
    summary="Search for children",
    description=(
        "Children the caller may see whose names, identifiers or date of birth match the "
        "search, as the web service's child search finds them: each word is the start of "
        "one of the child's names (legal, preferred or former); a UPN, NHS number or ULN "
        "and a date of birth (2016-04-02, 2/4/2016 or 2 April 2016) match exactly. Ordered "
        "by last name, first name and date of birth. Each page returned is recorded in the "
        "access log with the children on it."
    ),
)
def children_search(
    request: HttpRequest,
    q: str = Query(
        ...,
        max_length=MAX_QUERY_LENGTH,
        description="Names or parts of names, a UPN, an NHS number or ULN, a date of birth.",
    ),
    page: int = Query(1, ge=1, description="The page, from 1."),
    page_size: int = Query(
        settings.OPENSEND_SEARCH_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Children per page, at most {MAX_PAGE_SIZE}.",
    ),
) -> ChildSearchOut:
    who = caller(request)
    text = q.strip()
    parsed = parse(text)
    if parsed.problems:
        raise ApiError(400, "query_invalid", parsed.problems[0])
    if parsed.is_empty:
        raise ApiError(
            400,
            "query_empty",
            "Search with q: a name or the start of one, a UPN, an NHS number or ULN, or a "
            "date of birth.",
        )
    results = selectors.child_search(
        user=who.user, text=text, page=page, page_size=page_size, via=who.via
    )
    return ChildSearchOut(
        query=results.query.text,
        page=results.page,
        page_size=results.page_size,
        pages=results.pages,
        total=results.total,
        items=[_summary(child) for child in results.children],
    )


# The record -------------------------------------------------------------------------------


class IdentityOut(Schema):
    display_name: str
    legal_name: str
    forename: str
    middle_names: str | None
    surname: str
    preferred_forename: str | None
    preferred_surname: str | None
    former_surname: str | None
    date_of_birth: dt.date
    date_of_death: dt.date | None
    sex: SexOut
    ethnicity: EthnicityOut | None
    home_postcode: str | None


class IdentifiersOut(Schema):
    upn: str | None = Field(..., description="Unique pupil number (13 characters).")
    nhs_number: str | None = Field(..., description="NHS number (10 digits).")
    uln: str | None = Field(..., description="Unique learner number (10 digits).")


class AccessOut(Schema):
    """Why the caller may see this record: the legitimate relationship the access log records."""

    basis: policy.Basis
    purpose: str


class SENStatusPeriodOut(Schema):
    status: SENStatusOut
    start_date: dt.date
    end_date: dt.date | None
    current: bool
    source: RecordSourceOut
    source_organisation: str | None


class NeedOut(Schema):
    need: SENNeedOut
    rank: int | None = Field(..., description="1 primary, 2 secondary; null if not ranked.")
    start_date: dt.date
    end_date: dt.date | None
    current: bool
    source_agency: AgencyOut
    source_organisation: str | None
    notes: str


class SettingOut(Schema):
    id: int
    name: str
    urn: str | None = Field(..., description="Unique reference number (6 digits).")
    ukprn: str | None = Field(..., description="UK provider reference number (8 digits).")
    setting_type: SettingTypeOut | None
    area_la_code: str | None = Field(..., description="The area the setting is in.")


class PlacementOut(Schema):
    setting: SettingOut
    kind: PlacementKindOut
    start_date: dt.date
    end_date: dt.date | None
    current: bool
    out_of_area: bool = Field(..., description="The setting is in another area than the child's.")
    is_residential: bool
    in_sen_unit: bool
    in_resourced_provision: bool


class FlagOut(Schema):
    kind: FlagKindOut
    start_date: dt.date
    end_date: dt.date | None
    current: bool
    source_agency: AgencyOut
    source_organisation: str | None


class ContactOut(Schema):
    """A family contact, with the details the web record shows. A parent carer sees only
    their own contact."""

    full_name: str
    relationship: RelationshipOut
    has_parental_responsibility: bool
    is_main_contact: bool
    phone: str | None
    email: str | None
    preferred_language: str | None
    needs_interpreter: bool


class ConsentOut(Schema):
    purpose: ConsentPurposeOut
    given_by: str
    given_by_young_person: bool
    given_on: dt.date
    withdrawn_on: dt.date | None
    active: bool


class InvolvementOut(Schema):
    organisation: OrganisationOut
    kind: InvolvementKindOut
    start_date: dt.date
    end_date: dt.date | None
    current: bool
    reason: str


class ChildRecordOut(Schema):
    """A child's record: everything the web record page shows, as data."""

    id: int
    area: AreaOut
    access: AccessOut
    identity: IdentityOut
    identifiers: IdentifiersOut
    sen_status: SENStatusOut = Field(..., description="The current SEN status.")
    primary_need: SENNeedOut | None = Field(..., description="The current primary need.")
    sen_status_history: list[SENStatusPeriodOut] = Field(..., description="Newest first.")
    needs: list[NeedOut] = Field(..., description="Current needs by rank, then past needs.")
    placements: list[PlacementOut] = Field(..., description="Current, then past; newest first.")
    flags: list[FlagOut] = Field(..., description="Circumstances: current, then past.")
    contacts: list[ContactOut]
    consents: list[ConsentOut] = Field(..., description="Newest first.")
    involvements: list[InvolvementOut] = Field(..., description="Newest first.")


def _current(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    return start <= day and (end is None or end >= day)


def _period_out(period: SENStatusPeriod) -> SENStatusPeriodOut:
    return SENStatusPeriodOut(
        status=SENStatusOut.model_validate(coded(SENStatus, period.status)),
        start_date=period.start_date,
        end_date=period.end_date,
        current=period.end_date is None,
        source=RecordSourceOut.model_validate(coded(RecordSource, period.source)),
        source_organisation=_organisation_name(period.source_organisation),
    )


def _need_out(need: Need, current: bool) -> NeedOut:
    return NeedOut(
        need=SENNeedOut.model_validate(coded(SENNeed, need.code)),
        rank=need.rank,
        start_date=need.start_date,
        end_date=need.end_date,
        current=current,
        source_agency=AgencyOut.model_validate(coded(AgencyType, need.source_agency)),
        source_organisation=_organisation_name(need.source_organisation),
        notes=need.notes,
    )


def _placement_out(placement: Placement, current: bool) -> PlacementOut:
    setting = placement.setting
    return PlacementOut(
        setting=SettingOut(
            id=setting.pk,
            name=setting.name,
            urn=_or_none(setting.urn),
            ukprn=_or_none(setting.ukprn),
            setting_type=(
                SettingTypeOut.model_validate(coded(SettingType, setting.setting_type))
                if setting.setting_type
                else None
            ),
            area_la_code=setting.home_area.la_code if setting.home_area else None,
        ),
        kind=PlacementKindOut.model_validate(coded(PlacementKind, placement.kind)),
        start_date=placement.start_date,
        end_date=placement.end_date,
        current=current,
        out_of_area=placement.is_out_of_area,
        is_residential=placement.is_residential,
        in_sen_unit=placement.in_sen_unit,
        in_resourced_provision=placement.in_resourced_provision,
    )


def _flag_out(flag: ChildFlag, current: bool) -> FlagOut:
    return FlagOut(
        kind=FlagKindOut.model_validate(coded(FlagKind, flag.kind)),
        start_date=flag.start_date,
        end_date=flag.end_date,
        current=current,
        source_agency=AgencyOut.model_validate(coded(AgencyType, flag.source_agency)),
        source_organisation=_organisation_name(flag.source_organisation),
    )


def _contact_out(contact: FamilyContact) -> ContactOut:
    return ContactOut(
        full_name=contact.full_name,
        relationship=RelationshipOut.model_validate(coded(Relationship, contact.relationship)),
        has_parental_responsibility=contact.has_parental_responsibility,
        is_main_contact=contact.is_main_contact,
        phone=_or_none(contact.phone),
        email=_or_none(contact.email),
        preferred_language=_or_none(contact.preferred_language),
        needs_interpreter=contact.needs_interpreter,
    )


def _consent_out(consent: Consent) -> ConsentOut:
    return ConsentOut(
        purpose=ConsentPurposeOut.model_validate(coded(ConsentPurpose, consent.purpose)),
        given_by=consent.given_by,
        given_by_young_person=consent.given_by_young_person,
        given_on=consent.given_on,
        withdrawn_on=consent.withdrawn_on,
        active=consent.is_active,
    )


def _involvement_out(involvement: Involvement, day: dt.date) -> InvolvementOut:
    return InvolvementOut(
        organisation=organisation_out(involvement.organisation),
        kind=InvolvementKindOut.model_validate(coded(InvolvementKind, involvement.kind)),
        start_date=involvement.start_date,
        end_date=involvement.end_date,
        current=_current(involvement.start_date, involvement.end_date, day),
        reason=involvement.reason,
    )


def record_out(record: selectors.ChildRecord, day: dt.date) -> ChildRecordOut:
    child = record.child
    basis = record.decision.basis
    if basis is None:  # child_get_for_user returns only allowed decisions
        raise PermissionDenied("You do not have a legitimate relationship with this child.")
    return ChildRecordOut(
        id=child.pk,
        area=area_out(child.area),
        access=AccessOut(basis=basis, purpose=record.decision.purpose),
        identity=IdentityOut(
            display_name=child.display_name,
            legal_name=child.legal_name,
            forename=child.forename,
            middle_names=_or_none(child.middle_names),
            surname=child.surname,
            preferred_forename=_or_none(child.preferred_forename),
            preferred_surname=_or_none(child.preferred_surname),
            former_surname=_or_none(child.former_surname),
            date_of_birth=child.date_of_birth,
            date_of_death=child.date_of_death,
            sex=SexOut.model_validate(coded(Sex, child.sex)),
            ethnicity=(
                EthnicityOut.model_validate(coded(Ethnicity, child.ethnicity))
                if child.ethnicity
                else None
            ),
            home_postcode=_or_none(child.home_postcode),
        ),
        identifiers=IdentifiersOut(
            upn=_or_none(child.upn), nhs_number=_or_none(child.nhs_number), uln=_or_none(child.uln)
        ),
        sen_status=SENStatusOut.model_validate(coded(SENStatus, child.sen_status)),
        primary_need=(
            SENNeedOut.model_validate(coded(SENNeed, child.primary_need))
            if child.primary_need
            else None
        ),
        sen_status_history=[_period_out(period) for period in record.status_periods],
        needs=[_need_out(need, True) for need in record.current_needs]
        + [_need_out(need, False) for need in record.past_needs],
        placements=[_placement_out(p, True) for p in record.current_placements]
        + [_placement_out(p, False) for p in record.past_placements],
        flags=[_flag_out(flag, True) for flag in record.current_flags]
        + [_flag_out(flag, False) for flag in record.past_flags],
        contacts=[_contact_out(contact) for contact in record.contacts],
        consents=[_consent_out(consent) for consent in record.consents],
        involvements=[_involvement_out(item, day) for item in record.involvements],
    )


def _record_for(request: HttpRequest, child_id: int) -> selectors.ChildRecord:
    """Fetch, authorise and log the view (or the refusal) through the selectors."""
    who = caller(request)
    try:
        child, decision = selectors.child_get_for_user(
            user=who.user, child_id=child_id, via=who.via
        )
    except PermissionDenied as refused:
        raise ApiError(403, "no_legitimate_relationship", str(refused)) from refused
    return selectors.child_record(user=who.user, child=child, decision=decision)


RECORD_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.get(
    "/{int:child_id}",
    response={200: ChildRecordOut, **RECORD_ERRORS},
    operation_id="child_record",
    summary="A child's record",
    description=(
        "Identity, identifiers, SEN status and its history, needs, placements, circumstances, "
        "family contacts, consents and the organisations working with the child. Only with a "
        "legitimate relationship to the child; the view is recorded in the access log with "
        "its basis. Without one the answer is 403 and the refusal is recorded too."
    ),
)
def child_record(request: HttpRequest, child_id: int) -> ChildRecordOut:
    return record_out(_record_for(request, child_id), timezone.localdate())


class TimelineEntryOut(Schema):
    date: dt.date
    agency: AgencyOut
    category: str = Field(..., description="SEN status, Need, Placement, Consent and so on.")
    title: str
    detail: str
    organisation: str | None


class TimelineOut(Schema):
    """Everything recorded about the child by every agency, newest first."""

    child_id: int
    items: list[TimelineEntryOut]


def _entry_out(entry: Entry) -> TimelineEntryOut:
    return TimelineEntryOut(
        date=entry.date,
        agency=AgencyOut.model_validate(coded(AgencyType, entry.agency)),
        category=entry.category,
        title=entry.title,
        detail=entry.detail,
        organisation=_or_none(entry.organisation),
    )


@router.get(
    "/{int:child_id}/timeline",
    response={200: TimelineOut, **RECORD_ERRORS},
    operation_id="child_timeline",
    summary="A child's timeline",
    description=(
        "The record as one timeline across education, health, social care and the family, "
        "newest first. Access and logging as for the record."
    ),
)
def child_timeline(request: HttpRequest, child_id: int) -> TimelineOut:
    record = _record_for(request, child_id)
    return TimelineOut(
        child_id=record.child.pk, items=[_entry_out(entry) for entry in record.timeline]
    )
