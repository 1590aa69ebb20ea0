"""A digest of everything generated for a synthetic area, independent of database keys, so
two generations (two runs, two databases) can be compared: the same profile, scale, seed and
reference date must give the same digest on SQLite and PostgreSQL.

``area_digest(area, ehc=False)`` leaves out what the EHC stage made (its cases, the young
people whose plans ceased, the involvements advice requests made), so it shows that adding the
stage did not change the rows the earlier stages generate."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from django.db.models import Model, QuerySet

from opensend.core.models import Area, Organisation
from opensend.ehc.models import (
    AdviceRequest,
    AnnualReview,
    AssessmentRequest,
    CaseEvent,
    Consultation,
    Plan,
    PlanPlacement,
    PlanStatus,
    PlanVersion,
    ProvisionLine,
    Step,
    TimeLimitException,
)
from opensend.people.models import (
    CHILD_IDENTITY_FIELDS,
    Child,
    ChildFlag,
    ChildNameToken,
    Consent,
    FamilyContact,
    Involvement,
    InvolvementKind,
    Need,
    Placement,
    SENStatus,
    SENStatusPeriod,
)
from opensend.synth.generator import area_organisations

_CHILD_FIELDS = (*CHILD_IDENTITY_FIELDS, "postcode_district", "sen_status", "primary_need")
_ORGANISATION_FIELDS = (
    "name",
    "kind",
    "home_area__la_code",
    "urn",
    "ukprn",
    "laestab",
    "ods_code",
    "setting_type",
    "phase",
    "has_sen_unit",
    "has_resourced_provision",
    "postcode",
    "closed_on",
)
#: Each child's rows: model and the fields that identify and describe a row. ``*_id`` fields
#: naming an organisation or contact are replaced by their natural keys.
_RELATED: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (SENStatusPeriod, ("status", "start_date", "end_date", "source", "source_organisation_id")),
    (
        Need,
        (
            "code",
            "rank",
            "start_date",
            "end_date",
            "source_agency",
            "source_organisation_id",
            "source",
        ),
    ),
    (
        Placement,
        (
            "setting_id",
            "kind",
            "start_date",
            "end_date",
            "is_residential",
            "in_sen_unit",
            "in_resourced_provision",
            "source",
        ),
    ),
    (
        FamilyContact,
        (
            "full_name",
            "relationship",
            "has_parental_responsibility",
            "is_main_contact",
            "lives_with_child",
            "phone",
            "email",
            "address",
            "postcode",
            "preferred_language",
            "needs_interpreter",
        ),
    ),
    (
        Consent,
        (
            "purpose",
            "given_by_contact__full_name",
            "given_by_young_person",
            "given_on",
            "withdrawn_on",
        ),
    ),
    (
        ChildFlag,
        ("kind", "start_date", "end_date", "source_agency", "source_organisation_id", "source"),
    ),
    (Involvement, ("organisation_id", "kind", "start_date", "end_date", "reason")),
    (ChildNameToken, ("token",)),
)
_SECTIONS = tuple(
    f"section_{s}" for s in ("a", "b", "c", "d", "e", "f", "g", "h1", "h2", "i", "j", "k")
)
#: The EHC rows: model, the path from a row to its child, and the fields that describe it
#: (a parent named by its own natural fields, such as a request by the day it arrived).
_EHC: tuple[tuple[type[Model], str, tuple[str, ...]], ...] = (
    (
        Plan,
        "child_id",
        (
            "status",
            "start_date",
            "transferred_in_from",
            "last_review_date",
            "next_review_due",
            "last_review_outcome",
            "cease_notice_date",
            "ceased_date",
            "cease_reason",
            "transferred_out_to",
        ),
    ),
    (
        AssessmentRequest,
        "child_id",
        (
            "kind",
            "source",
            "requester_organisation_id",
            "requester_name",
            "received_date",
            "previous_la_code",
            "stage",
            "decision_due",
            "not_to_issue_due",
            "draft_target",
            "final_due",
            "decision_date",
            "decision_reasons",
            "issue_decision_date",
            "issue_decision_reasons",
            "final_issued_date",
            "closed_date",
            "withdrawal_reason",
            "has_exception",
            "plan__start_date",
        ),
    ),
    (
        TimeLimitException,
        "request__child_id",
        ("request__received_date", "kind", "start_date", "end_date", "description"),
    ),
    (
        AdviceRequest,
        "request__child_id",
        (
            "request__received_date",
            "advice_type",
            "organisation_id",
            "requested_date",
            "due_date",
            "status",
            "returned_date",
            "summary",
            "exception_kind",
            "exception_note",
            "cancelled_reason",
        ),
    ),
    (
        AnnualReview,
        "plan__child_id",
        (
            "stage",
            "due_date",
            "meeting_date",
            "invitations_sent_date",
            "report_received_date",
            "report_summary",
            "prepares_for_adulthood",
            "outcome",
            "decision_date",
            "decision_reasons",
            "amended_plan_due",
            "completed_date",
            "phase_transfer",
            "transfer_date",
            "phase_transfer_deadline",
            "new_setting_id",
        ),
    ),
    (
        PlanVersion,
        "plan__child_id",
        (
            "number",
            "kind",
            "state",
            "request__received_date",
            "review__due_date",
            *_SECTIONS,
            "personal_budget",
            "organised_arrangements",
            "direct_payments",
            "draft_served_date",
            "comments_due",
            "comments_received_date",
            "family_comments",
            "preferred_setting_id",
            "issued_date",
            "lock_version",
        ),
    ),
    (
        ProvisionLine,
        "version__plan__child_id",
        (
            "version__number",
            "section",
            "position",
            "description",
            "outcome",
            "quantity",
            "unit",
            "frequency",
            "provider_organisation_id",
            "provider_description",
            "commissioner",
            "annual_cost",
        ),
    ),
    (
        PlanPlacement,
        "version__plan__child_id",
        (
            "version__number",
            "rank",
            "setting_id",
            "sen_setting",
            "sen_setting_other",
            "in_sen_unit",
            "in_resourced_provision",
            "residential",
            "work_based",
        ),
    ),
    (
        Consultation,
        "version__plan__child_id",
        (
            "version__number",
            "setting_id",
            "sent_date",
            "response_due",
            "response",
            "response_date",
            "response_note",
            "parent_preference",
        ),
    ),
    (
        Step,
        "child_id",
        (
            "kind",
            "request__received_date",
            "review__due_date",
            "advice__advice_type",
            "consultation__setting_id",
            "holder_organisation_id",
            "opened_on",
            "due_date",
            "statutory",
            "suspended",
            "completed_on",
            "cancelled",
        ),
    ),
    (
        CaseEvent,
        "child_id",
        ("request__received_date", "action", "summary", "detail", "event_date"),
    ),
)


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def ehc_children(area: Area) -> QuerySet[Child]:
    """The children the EHC stage added: young people whose plans ceased, now without SEN
    (the earlier stages give no child who is not on SEN support now a plan)."""
    return Child.objects.filter(
        area=area, sen_status=SENStatus.NONE, ehc_plans__status=PlanStatus.CEASED
    ).distinct()


def area_digest(area: Area, *, ehc: bool = True) -> str:
    """SHA-256 over the area, its organisations and every row about its children, with their
    EHC cases unless ``ehc`` is false (then without the rows the EHC stage added)."""
    digest = hashlib.sha256()
    digest.update(_text([area.name, area.la_code, area.ons_code, area.region]).encode())
    organisations = area_organisations(area)
    keys: dict[int, str] = {}
    described: list[str] = []
    served: dict[int, list[str]] = defaultdict(list)
    for organisation_id, la_code in Organisation.areas.through.objects.filter(
        organisation__in=organisations
    ).values_list("organisation_id", "area__la_code"):
        served[organisation_id].append(la_code)
    for row in organisations.values_list("pk", *_ORGANISATION_FIELDS):
        pk, *fields = row
        keys[pk] = fields[3] or fields[5] or fields[6] or f"{fields[1]}:{fields[0]}"
        described.append(_text([*fields, sorted(served[pk])]))
    for line in sorted(described):
        digest.update(line.encode())
    children = Child.objects.filter(area=area)
    if not ehc:
        children = children.exclude(pk__in=ehc_children(area).values("pk"))
    index: dict[int, int] = {}
    for position, row in enumerate(children.order_by("pk").values_list("pk", *_CHILD_FIELDS)):
        index[row[0]] = position
        digest.update(_text(row[1:]).encode())
    related: list[tuple[type[Model], str, tuple[str, ...]]] = [
        (model, "child_id", fields) for model, fields in _RELATED
    ]
    if ehc:
        related += _EHC
    for model, path, fields in related:
        queryset = model._default_manager.filter(**{f"{path.removesuffix('_id')}__area": area})
        if model is Involvement and not ehc:
            queryset = queryset.exclude(kind=InvolvementKind.ADVICE_REQUEST)
        rows: dict[int, list[str]] = defaultdict(list)
        for child_id, *values in queryset.values_list(path, *fields):
            if child_id not in index:
                continue
            named = [
                keys.get(value, str(value))
                if name.endswith(("organisation_id", "setting_id"))
                else value
                for name, value in zip(fields, values, strict=True)
            ]
            rows[index[child_id]].append(_text(named))
        digest.update(model._meta.label.encode())
        for position in sorted(rows):
            digest.update(str(position).encode())
            for line in sorted(rows[position]):
                digest.update(line.encode())
    return digest.hexdigest()
