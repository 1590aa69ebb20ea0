"""A digest of everything generated for a synthetic area, independent of database keys, so
two generations (two runs, two databases) can be compared: the same profile, scale, seed and
reference date must give the same digest on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from django.db.models import Model

from opensend.core.models import Area, Organisation
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


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def area_digest(area: Area) -> str:
    """SHA-256 over the area, its organisations and every row about its children."""
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
    index: dict[int, int] = {}
    for position, row in enumerate(
        Child.objects.filter(area=area).order_by("pk").values_list("pk", *_CHILD_FIELDS)
    ):
        index[row[0]] = position
        digest.update(_text(row[1:]).encode())
    for model, fields in _RELATED:
        rows: dict[int, list[str]] = defaultdict(list)
        for child_id, *values in model._default_manager.filter(child__area=area).values_list(
            "child_id", *fields
        ):
            named = [
                keys.get(value, str(value))
                if name.endswith("organisation_id") or name == "setting_id"
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
