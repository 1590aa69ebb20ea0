"""Applying an ORUK service document to the directory's rows: the inverse of
``opensend.directory.oruk.documents.service_document``.

``apply_service_document`` checks the whole document first — the profile's schema (types, enums,
required fields, UUIDs), then what the schema cannot say (dates, times, amounts, the age range,
ids that belong to another area's records, taxonomy terms, field lengths) — and collects every
problem as ``(path, reason)``. If there is any, it raises ``DocumentInvalid`` and writes nothing.
Otherwise it upserts the service (and its organisation, if none is given) and replaces each of
its child collections with the document's, keeping the document's ids, in one transaction.

Free text is made plain before anything is checked or stored (``plain_text``): tags are removed,
``<script>`` and ``<style>`` blocks with their content, and entities decoded, so a description
holds text, never markup. Pages escape it again when they show it.
"""

from __future__ import annotations

import copy
import datetime as dt
import decimal
import html
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags

from opensend.core.models import Area
from opensend.directory.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Funding,
    HowToAccess,
    Language,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    Schedule,
    Schedule2Answer,
    Schedule2Topic,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from opensend.directory.oruk.documents import EXTENSION_KEY
from opensend.directory.oruk.validate import (
    Problem,
    drop_nulls,
    first_problem_per_path,
    parse_date_time,
    schema_problems,
)
from opensend.directory.schedule2 import unknown_options
from opensend.directory.taxonomy import NAMESPACE

__all__ = [
    "DocumentInvalid",
    "apply_service_document",
    "clean_document",
    "imported_taxonomy_id",
    "plain_text",
]


class DocumentInvalid(Exception):
    """An ORUK document that cannot be applied; ``problems`` lists every ``(path, reason)``."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        first = "; ".join(f"{path or 'document'}: {reason}" for path, reason in self.problems[:3])
        more = len(self.problems) - 3
        super().__init__(first + (f" (and {more} more)" if more > 0 else ""))


# --- Plain text ---------------------------------------------------------------------------------

_DANGEROUS_BLOCKS = re.compile(
    r"<\s*(script|style|iframe|object|embed|template|noscript)\b.*?(<\s*/\s*\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_LINE_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\s*/?\s*>", re.IGNORECASE)
_MANY_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")

#: Document keys that hold free text, wherever they appear.
TEXT_KEYS = frozenset(
    {
        "name",
        "description",
        "alert",
        "fees",
        "accreditations",
        "details",
        "accessibility",
        "notes",
        "attending_type",
        "option",
        "amount_description",
        "service_area",
        "source",
        "title",
        "attention",
        "address_1",
        "address_2",
        "city",
        "region",
        "state_province",
        "referral_by",
        "detail",
    }
)


def plain_text(value: str) -> str:
    """``value`` as plain text: markup removed (with the content of ``<script>``, ``<style>``
    and the like), entities decoded. Repeated so that escaped markup does not survive either.
    Applying it twice gives the same text."""
    if "<" not in value and "&" not in value:
        return value
    text = value
    for _ in range(4):
        before = text
        text = _DANGEROUS_BLOCKS.sub("", text)
        text = _LINE_BREAKS.sub("\n", text)
        text = html.unescape(strip_tags(text))
        if text == before:
            break
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def _clean(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _clean(v, k) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(item) for item in value if item is not None]
    if isinstance(value, str) and key in TEXT_KEYS:
        return plain_text(value)
    return value


def clean_document(document: Any) -> Any:
    """A copy of ``document`` with ``null`` members dropped and free text made plain
    (``plain_text``). What is applied, and what a published version keeps."""
    return _clean(drop_nulls(copy.deepcopy(document)))


def imported_taxonomy_id(area: Area) -> uuid.UUID:
    """The area's taxonomy for terms that arrive inline in imported records without a
    taxonomy of their own."""
    return uuid.uuid5(NAMESPACE, f"imported-taxonomy:{area.la_code}")


# --- The plan -----------------------------------------------------------------------------------

Doc = dict[str, Any]


@dataclass
class _LocationPlan:
    path: str
    location: Location
    addresses: list[Address] = field(default_factory=list)
    accessibility: list[Accessibility] = field(default_factory=list)


@dataclass
class _AttributePlan:
    path: str
    attribute: Attribute
    term_key: uuid.UUID


def _objects(value: Any) -> list[tuple[int, Doc]]:
    """The objects of a list member, with their indexes (the schema reports anything else)."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _str(doc: Doc, key: str) -> str:
    value = doc.get(key)
    return value if isinstance(value, str) else ""


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Planner:
    """Reads a (cleaned) service document into unsaved rows, collecting problems; ``write``
    then saves them. Nothing touches the database but reads until ``write``."""

    def __init__(self, *, area: Area, doc: Doc, organization: Organization | None) -> None:
        self.area = area
        self.doc = doc
        self.given_organization = organization
        self.problems: list[Problem] = []
        self.now = timezone.now()
        self.service_id = self._uuid(doc, "id", "", required=True)
        self.organization: Organization | None = None
        self.organization_from_doc = False
        self.identifiers: list[OrganizationIdentifier] = []
        self.service: Service | None = None
        self.locations: list[_LocationPlan] = []
        self.sals: list[ServiceAtLocation] = []
        self.schedules: list[Schedule] = []
        self.service_areas: list[ServiceArea] = []
        self.languages: list[Language] = []
        self.funding: list[Funding] = []
        self.cost_options: list[CostOption] = []
        self.contacts: list[Contact] = []
        self.phones: list[Phone] = []
        self.attributes: list[_AttributePlan] = []
        self.schedule2: list[Schedule2Answer] | None = None
        self.new_taxonomies: dict[uuid.UUID, Taxonomy] = {}
        self.new_terms: dict[uuid.UUID, TaxonomyTerm] = {}
        self.term_for: dict[uuid.UUID, uuid.UUID] = {}
        self.to_clean: list[tuple[str, models.Model]] = []
        self.ids_seen: dict[uuid.UUID, str] = {}

    # -- values --

    def problem(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def _uuid(self, doc: Doc, key: str, path: str, *, required: bool = False) -> uuid.UUID:
        """The document's id at ``key``, or a stable one made from the path when it has none."""
        value = doc.get(key)
        if isinstance(value, str):
            try:
                return uuid.UUID(value)
            except ValueError:
                pass  # the schema reports it
        seed = f"{doc.get('id', '') if path == '' else getattr(self, 'service_id', '')}:{path}"
        if required and value is None:
            return uuid.uuid5(NAMESPACE, f"missing:{seed}")
        return uuid.uuid5(NAMESPACE, f"oruk:{seed}")

    def _own_id(self, doc: Doc, path: str) -> uuid.UUID:
        """A row's id, checked to be used once in the document."""
        row_id = self._uuid(doc, "id", path)
        if row_id in self.ids_seen and "id" in doc:
            self.problem(_join(path, "id"), f"is also the id at {self.ids_seen[row_id] or 'top'}")
        self.ids_seen.setdefault(row_id, path)
        return row_id

    def _date(self, doc: Doc, key: str, path: str) -> dt.date | None:
        value = doc.get(key)
        if not isinstance(value, str) or not value:
            return None
        try:
            if not re.match(r"^\d{4}-\d{2}-\d{2}($|T)", value):
                raise ValueError(value)
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            self.problem(_join(path, key), "must be a date (like 2024-09-01)")
            return None

    def _time(self, doc: Doc, key: str, path: str) -> dt.time | None:
        value = doc.get(key)
        if not isinstance(value, str) or not value:
            return None
        match = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$", value)
        try:
            if not match:
                raise ValueError(value)
            return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
        except ValueError:
            self.problem(_join(path, key), "must be a time (like 09:30:00)")
            return None

    def _whole(
        self, doc: Doc, key: str, path: str, *, maximum: int = 32767, word: str = "number"
    ) -> int | None:
        value = doc.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        if value != int(value) or value < 0 or value > maximum:
            self.problem(_join(path, key), f"must be a whole {word} from 0 to {maximum}")
            return None
        return int(value)

    def _amount(self, doc: Doc, key: str, path: str) -> decimal.Decimal | None:
        value = doc.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        amount = decimal.Decimal(str(value))
        if amount < 0 or amount >= decimal.Decimal("100000000") or amount != round(amount, 2):
            self.problem(_join(path, key), "must be an amount in pounds, with at most 2 decimals")
            return None
        return amount

    def _float(self, doc: Doc, key: str, path: str, limit: float) -> float | None:
        value = doc.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        if not -limit <= value <= limit:
            self.problem(_join(path, key), f"must be between -{limit:g} and {limit:g}")
            return None
        return float(value)

    def _check(self, path: str, instance: models.Model) -> None:
        self.to_clean.append((path, instance))

    # -- the document --

    def build(self) -> None:
        doc = self.doc
        self._organization()
        self._service()
        for i, item in _objects(doc.get("schedules")):
            self._schedule(item, _join("schedules", i), sal=None)
        for i, item in _objects(doc.get("service_areas")):
            path = _join("service_areas", i)
            row = ServiceArea(
                id=self._own_id(item, path),
                service_id=self.service_id,
                **{k: _str(item, k) for k in ("name", "extent", "extent_type", "uri")},
                service_area=_str(item, "service_area"),
            )
            self._check(path, row)
            self.service_areas.append(row)
        for i, item in _objects(doc.get("service_at_locations")):
            self._service_at_location(item, _join("service_at_locations", i))
        for i, item in _objects(doc.get("languages")):
            path = _join("languages", i)
            language = Language(
                id=self._own_id(item, path),
                service_id=self.service_id,
                name=_str(item, "name"),
                code=_str(item, "code"),
            )
            self._check(path, language)
            self.languages.append(language)
        for i, item in _objects(doc.get("funding")):
            path = _join("funding", i)
            funding = Funding(
                id=self._own_id(item, path), service_id=self.service_id, source=_str(item, "source")
            )
            self._check(path, funding)
            self.funding.append(funding)
        for i, item in _objects(doc.get("cost_options")):
            path = _join("cost_options", i)
            cost = CostOption(
                id=self._own_id(item, path),
                service_id=self.service_id,
                valid_from=self._date(item, "valid_from", path),
                valid_to=self._date(item, "valid_to", path),
                option=_str(item, "option"),
                amount=self._amount(item, "amount", path),
                amount_description=_str(item, "amount_description"),
            )
            self._check(path, cost)
            self.cost_options.append(cost)
        for i, item in _objects(doc.get("contacts")):
            self._contact(item, _join("contacts", i))
        self._attributes(doc, "", self.service_id, "service")
        self._extension()
        self._resolve_terms()
        self._check_ownership()
        self._full_clean()

    def _organization(self) -> None:
        if self.given_organization is not None:
            self.organization = self.given_organization
            return
        doc = self.doc.get("organization")
        if isinstance(doc, dict):
            org_id = self._uuid(doc, "id", "organization")
            existing = Organization.objects.filter(id=org_id).first()
            if existing is not None and existing.area_id != self.area.pk:
                self.problem("organization.id", "is the id of an organisation in another area")
            org = existing if existing is not None else Organization(id=org_id, area=self.area)
            for key in ("name", "description", "email", "website", "logo", "uri"):
                setattr(org, key, _str(doc, key))
            self._check("organization", org)
            self.organization = org
            self.organization_from_doc = True
            for i, item in _objects(doc.get("organization_identifiers")):
                path = _join("organization.organization_identifiers", i)
                identifier = OrganizationIdentifier(
                    id=self._own_id(item, path),
                    organization_id=org_id,
                    identifier_scheme=_str(item, "identifier_scheme"),
                    identifier_type=_str(item, "identifier_type"),
                    identifier=_str(item, "identifier"),
                )
                self._check(path, identifier)
                self.identifiers.append(identifier)
            return
        org_ref = self.doc.get("organization_id")
        if isinstance(org_ref, str):
            org_key = _safe_uuid(org_ref)
            found = (
                Organization.objects.filter(area=self.area, id=org_key).first() if org_key else None
            )
            if found is not None:
                self.organization = found
                return
            self.problem(
                "organization_id",
                "is not an organisation in this area; include the organization in the record",
            )
            return
        self.problem("organization", "is required: give the organization or an organization_id")

    def _service(self) -> None:
        doc = self.doc
        existing = Service.objects.filter(id=self.service_id).first()
        if existing is not None and existing.area_id != self.area.pk:
            self.problem("id", "is the id of a service in another area")
        service = existing if existing is not None else Service(id=self.service_id, area=self.area)
        for key in ("name", "description", "url", "email", "fees", "accreditations", "alert"):
            setattr(service, key, _str(doc, key))
        service.assurer_email = _str(doc, "assurer_email")
        if isinstance(doc.get("status"), str):
            service.status = doc["status"]
        service.minimum_age = self._whole(doc, "minimum_age", "", maximum=150, word="age")
        service.maximum_age = self._whole(doc, "maximum_age", "", maximum=150, word="age")
        if (
            service.minimum_age is not None
            and service.maximum_age is not None
            and service.minimum_age > service.maximum_age
        ):
            self.problem("maximum_age", "must not be less than the minimum age")
        service.assured_date = self._date(doc, "assured_date", "")
        modified = doc.get("last_modified")
        if isinstance(modified, str) and parse_date_time(modified) is None:
            self.problem("last_modified", "must be a date and time (like 2024-03-15T10:30:45Z)")
        service.last_modified = self.now
        if self.organization is not None:
            service.organization = self.organization
        self._check("", service)
        self.service = service

    def _schedule(self, doc: Doc, path: str, *, sal: uuid.UUID | None) -> None:
        schedule = Schedule(
            id=self._own_id(doc, path),
            service_id=self.service_id,
            service_at_location_id=sal,
            valid_from=self._date(doc, "valid_from", path),
            valid_to=self._date(doc, "valid_to", path),
            dtstart=self._date(doc, "dtstart", path),
            freq=_str(doc, "freq"),
            interval=self._whole(doc, "interval", path, word="number"),
            byday=_str(doc, "byday"),
            bymonthday=_str(doc, "bymonthday"),
            description=_str(doc, "description"),
            opens_at=self._time(doc, "opens_at", path),
            closes_at=self._time(doc, "closes_at", path),
            schedule_link=_str(doc, "schedule_link"),
            attending_type=_str(doc, "attending_type"),
            notes=_str(doc, "notes"),
        )
        for day in filter(None, schedule.byday.upper().replace(" ", "").split(",")):
            if not re.fullmatch(r"[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)", day):
                self.problem(_join(path, "byday"), "must be days like MO,TU,WE (RFC 5545)")
                break
        schedule.byday = schedule.byday.upper().replace(" ", "")
        self._check(path, schedule)
        self.schedules.append(schedule)

    def _service_at_location(self, doc: Doc, path: str) -> None:
        sal_id = self._own_id(doc, path)
        location_doc = doc.get("location")
        location_id: uuid.UUID
        if isinstance(location_doc, dict):
            location_id = self._location(location_doc, _join(path, "location"))
        else:
            ref = _safe_uuid(doc.get("location_id", ""))
            found = Location.objects.filter(area=self.area, id=ref).first() if ref else None
            if found is None:
                self.problem(_join(path, "location"), "is required")
                return
            location_id = found.id
        if any(s.location_id == location_id for s in self.sals):
            self.problem(_join(path, "location"), "is listed twice for this service")
            return
        self.sals.append(
            ServiceAtLocation(id=sal_id, service_id=self.service_id, location_id=location_id)
        )
        for i, item in _objects(doc.get("schedules")):
            self._schedule(item, _join(_join(path, "schedules"), i), sal=sal_id)
        self._attributes(doc, path, sal_id, "service_at_location")

    def _location(self, doc: Doc, path: str) -> uuid.UUID:
        location_id = self._own_id(doc, path)
        existing = Location.objects.filter(id=location_id).first()
        if existing is not None and existing.area_id != self.area.pk:
            self.problem(_join(path, "id"), "is the id of a location in another area")
        location = existing if existing is not None else Location(id=location_id, area=self.area)
        for key in ("name", "description", "external_identifier", "external_identifier_type"):
            setattr(location, key, _str(doc, key))
        if isinstance(doc.get("location_type"), str):
            location.location_type = doc["location_type"]
        location.latitude = self._float(doc, "latitude", path, 90)
        location.longitude = self._float(doc, "longitude", path, 180)
        self._check(path, location)
        plan = _LocationPlan(path=path, location=location)
        for i, item in _objects(doc.get("addresses")):
            item_path = _join(_join(path, "addresses"), i)
            address = Address(
                id=self._own_id(item, item_path),
                location_id=location_id,
                **{
                    key: _str(item, key)
                    for key in (
                        "attention",
                        "address_1",
                        "address_2",
                        "city",
                        "region",
                        "state_province",
                        "postal_code",
                    )
                },
                country=_str(item, "country").upper() or "GB",
            )
            if isinstance(item.get("address_type"), str):
                address.address_type = item["address_type"]
            self._check(item_path, address)
            plan.addresses.append(address)
            self._attributes(item, item_path, address.id, "address")
        for i, item in _objects(doc.get("accessibility")):
            item_path = _join(_join(path, "accessibility"), i)
            accessibility = Accessibility(
                id=self._own_id(item, item_path),
                location_id=location_id,
                **{k: _str(item, k) for k in ("description", "details", "url", "accessibility")},
            )
            self._check(item_path, accessibility)
            plan.accessibility.append(accessibility)
            self._attributes(item, item_path, accessibility.id, "accessibility")
        self._attributes(doc, path, location_id, "location")
        self.locations.append(plan)
        return location_id

    def _contact(self, doc: Doc, path: str) -> None:
        contact = Contact(
            id=self._own_id(doc, path),
            service_id=self.service_id,
            name=_str(doc, "name"),
            title=_str(doc, "title"),
            email=_str(doc, "email"),
        )
        self._check(path, contact)
        self.contacts.append(contact)
        for i, item in _objects(doc.get("phones")):
            phone_path = _join(_join(path, "phones"), i)
            number = _str(item, "number")
            if not number.strip():
                self.problem(_join(phone_path, "number"), "is required")
            phone = Phone(
                id=self._own_id(item, phone_path),
                contact_id=contact.id,
                number=number,
                description=_str(item, "description"),
            )
            self._check(phone_path, phone)
            self.phones.append(phone)
            for j, lang in _objects(item.get("languages")):
                lang_path = _join(_join(phone_path, "languages"), j)
                language = Language(
                    id=self._own_id(lang, lang_path),
                    phone_id=phone.id,
                    name=_str(lang, "name"),
                    code=_str(lang, "code"),
                )
                self._check(lang_path, language)
                self.languages.append(language)
        self._attributes(doc, path, contact.id, "contact")

    def _attributes(self, doc: Doc, path: str, link_id: uuid.UUID, entity: str) -> None:
        for i, item in _objects(doc.get("attributes")):
            item_path = _join(_join(path, "attributes"), i)
            inline = item.get("taxonomy_term")
            term_ref = item.get("taxonomy_term_id")
            if not isinstance(term_ref, str) and isinstance(inline, dict):
                term_ref = inline.get("id")
            if not isinstance(term_ref, str):
                self.problem(
                    _join(item_path, "taxonomy_term_id"),
                    "is required: give a taxonomy_term_id or the taxonomy_term",
                )
                continue
            term_key = _safe_uuid(term_ref)
            if term_key is None:
                continue  # the schema reports the malformed id
            attribute = Attribute(
                id=self._own_id(item, item_path),
                link_id=link_id,
                link_entity=_str(item, "link_entity") or entity,
                link_type=_str(item, "link_type"),
                service_id=self.service_id,
            )
            self._check(item_path, attribute)
            self.attributes.append(_AttributePlan(item_path, attribute, term_key))

    def _extension(self) -> None:
        ext = self.doc.get(EXTENSION_KEY)
        if ext is None:
            return
        if not isinstance(ext, dict):
            self.problem(EXTENSION_KEY, "must be an object")
            return
        service = self.service
        if service is None:  # pragma: no cover - build() plans the service first
            return
        how = ext.get("how_to_access", "")
        if not isinstance(how, str) or how not in {"", *HowToAccess.values}:
            options = ", ".join(f"“{v}”" for v in HowToAccess.values)
            self.problem(f"{EXTENSION_KEY}.how_to_access", f"must be one of {options}")
        else:
            service.how_to_access = how
        referral_by = ext.get("referral_by", "")
        if not isinstance(referral_by, str):
            self.problem(f"{EXTENSION_KEY}.referral_by", "must be text")
        else:
            service.referral_by = referral_by
        answers = ext.get("schedule2", {})
        if not isinstance(answers, dict):
            self.problem(f"{EXTENSION_KEY}.schedule2", "must be an object")
            return
        self.schedule2 = []
        for topic_code, answer in answers.items():
            path = f"{EXTENSION_KEY}.schedule2.{topic_code}"
            if topic_code not in Schedule2Topic.values:
                self.problem(path, "is not a Schedule 2 topic")
                continue
            if not isinstance(answer, dict):
                self.problem(path, "must be an object with options and detail")
                continue
            options = answer.get("options", [])
            detail = answer.get("detail", "")
            if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
                self.problem(_join(path, "options"), "must be a list of option codes")
                continue
            if not isinstance(detail, str):
                self.problem(_join(path, "detail"), "must be text")
                continue
            topic = Schedule2Topic(topic_code)
            for code in unknown_options(topic, options):
                self.problem(
                    _join(_join(path, "options"), options.index(code)),
                    f"“{code}” is not an option for {topic.label.lower()}",
                )
            self.schedule2.append(
                Schedule2Answer(
                    service_id=self.service_id,
                    topic=topic_code,
                    options=list(dict.fromkeys(options)),
                    detail=detail,
                )
            )

    # -- checks against the database --

    def _resolve_terms(self) -> None:
        wanted = {plan.term_key for plan in self.attributes}
        known = {
            term.id: term
            for term in TaxonomyTerm.objects.filter(id__in=wanted).select_related("taxonomy")
        }
        for plan in self.attributes:
            path = plan.path
            term = known.get(plan.term_key)
            if term is not None:
                if term.taxonomy.area_id not in (None, self.area.pk):
                    self.problem(
                        _join(path, "taxonomy_term_id"),
                        "is a term of another area's taxonomy",
                    )
                self.term_for[plan.term_key] = term.id
                continue
            if plan.term_key in self.term_for:
                continue
            item = _at(self.doc, path)
            inline = item.get("taxonomy_term") if isinstance(item, dict) else None
            if not isinstance(inline, dict):
                self.problem(
                    _join(path, "taxonomy_term_id"),
                    "is not a known taxonomy term; include the taxonomy_term to add it",
                )
                continue
            self._new_term(plan.term_key, inline, _join(path, "taxonomy_term"))
        seen: dict[tuple[uuid.UUID, uuid.UUID, str], str] = {}
        for plan in self.attributes:
            term_id = self.term_for.get(plan.term_key)
            if term_id is None:
                continue
            plan.attribute.taxonomy_term_id = term_id
            key = (term_id, plan.attribute.link_id, plan.attribute.link_type)
            if key in seen:
                self.problem(_join(plan.path, "taxonomy_term_id"), f"repeats {seen[key]}")
            seen.setdefault(key, plan.path)

    def _new_term(self, term_key: uuid.UUID, inline: Doc, path: str) -> None:
        taxonomy_ref = inline.get("taxonomy_id")
        taxonomy_id = (
            _safe_uuid(taxonomy_ref) if isinstance(taxonomy_ref, str) else None
        ) or imported_taxonomy_id(self.area)
        taxonomy = (
            self.new_taxonomies.get(taxonomy_id) or Taxonomy.objects.filter(id=taxonomy_id).first()
        )
        if taxonomy is not None and taxonomy.area_id is None:
            self.problem(
                _join(path, "taxonomy_id"),
                "is the built-in SEND taxonomy, which cannot be added to",
            )
            return
        if taxonomy is not None and taxonomy.area_id != self.area.pk:
            self.problem(_join(path, "taxonomy_id"), "is a taxonomy of another area")
            return
        if taxonomy is None:
            named = isinstance(taxonomy_ref, str)
            taxonomy = Taxonomy(
                id=taxonomy_id,
                area=self.area,
                name=_str(inline, "taxonomy")
                or ("Imported taxonomy" if named else "Imported terms"),
                description="Terms that arrived with imported services.",
            )
            self.new_taxonomies[taxonomy_id] = taxonomy
        code = _str(inline, "term")
        if code:
            same_code = TaxonomyTerm.objects.filter(taxonomy_id=taxonomy.id, term=code).first()
            planned = next(
                (
                    t
                    for t in self.new_terms.values()
                    if t.taxonomy_id == taxonomy.id and t.term == code
                ),
                None,
            )
            existing = same_code or planned
            if existing is not None:
                self.term_for[term_key] = existing.id
                return
        parent = (
            _safe_uuid(inline["parent_id"]) if isinstance(inline.get("parent_id"), str) else None
        )
        if (
            parent is not None
            and parent not in self.new_terms
            and not TaxonomyTerm.objects.filter(id=parent, taxonomy_id=taxonomy.id).exists()
        ):
            parent = None
        term = TaxonomyTerm(
            id=term_key,
            taxonomy_id=taxonomy.id,
            parent_id=parent,
            name=_str(inline, "name"),
            description=_str(inline, "description") or _str(inline, "name"),
            term=code,
            term_uri=_str(inline, "term_uri"),
        )
        self._check(path, term)
        self.new_terms[term_key] = term
        self.term_for[term_key] = term_key

    def _check_ownership(self) -> None:
        """Ids in the document that already belong to another service's (or location's) rows."""
        sid = self.service_id
        owned: list[tuple[type[models.Model], Iterable[tuple[str, models.Model]], Q]] = [
            (
                Schedule,
                self._paths(Schedule),
                Q(service_id=sid) | Q(service_at_location__service_id=sid),
            ),
            (ServiceArea, self._paths(ServiceArea), Q(service_id=sid)),
            (Funding, self._paths(Funding), Q(service_id=sid)),
            (CostOption, self._paths(CostOption), Q(service_id=sid)),
            (Contact, self._paths(Contact), Q(service_id=sid)),
            (Phone, self._paths(Phone), Q(contact__service_id=sid)),
            (
                Language,
                self._paths(Language),
                Q(service_id=sid) | Q(phone__contact__service_id=sid),
            ),
            (ServiceAtLocation, self._paths(ServiceAtLocation), Q(service_id=sid)),
            (
                Attribute,
                [(p.path, p.attribute) for p in self.attributes],
                Q(service_id=sid),
            ),
        ]
        if self.organization_from_doc and self.organization is not None:
            owned.append(
                (
                    OrganizationIdentifier,
                    self._paths(OrganizationIdentifier),
                    Q(organization_id=self.organization.id),
                )
            )
        for plan in self.locations:
            owned.append(
                (
                    Address,
                    [(p, a) for p, a in self._paths(Address) if a in plan.addresses],
                    Q(location_id=plan.location.id),
                )
            )
            owned.append(
                (
                    Accessibility,
                    [(p, a) for p, a in self._paths(Accessibility) if a in plan.accessibility],
                    Q(location_id=plan.location.id),
                )
            )
        for model, rows, mine in owned:
            by_id = {row.pk: path for path, row in rows}
            if not by_id:
                continue
            clash = model._default_manager.filter(pk__in=by_id).exclude(mine)
            for pk in clash.values_list("pk", flat=True):
                self.problem(_join(by_id[pk], "id"), "is the id of another service's record")
        # An attribute's (term, record, type) is unique across services that share a location.
        triples = [p for p in self.attributes if p.attribute.taxonomy_term_id]
        if triples:
            taken = set(
                Attribute.objects.filter(link_id__in={p.attribute.link_id for p in triples})
                .exclude(service_id=sid)
                .values_list("taxonomy_term_id", "link_id", "link_type")
            )
            for p in triples:
                a = p.attribute
                if (a.taxonomy_term_id, a.link_id, a.link_type) in taken:
                    self.problem(
                        _join(p.path, "taxonomy_term_id"),
                        "is already linked to this record by another service",
                    )

    def _paths(self, model: type[models.Model]) -> list[tuple[str, models.Model]]:
        return [(path, row) for path, row in self.to_clean if type(row) is model]

    def _full_clean(self) -> None:
        for path, instance in self.to_clean:
            exclude = [f.name for f in instance._meta.fields if f.is_relation]
            try:
                instance.full_clean(
                    exclude=exclude, validate_unique=False, validate_constraints=False
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    where = path if name == "__all__" else _join(path, name)
                    self.problem(where, _plain_reason(messages[0]))

    # -- writing --

    def write(self) -> Service:
        service = self.service
        if service is None or self.organization is None:  # pragma: no cover - see build()
            raise RuntimeError("write() before a successful build()")
        for taxonomy in self.new_taxonomies.values():
            taxonomy.save()
        ordered = sorted(self.new_terms.values(), key=lambda t: t.parent_id is not None)
        for term in ordered:
            term.save()
        if self.organization_from_doc:
            self.organization.save()
            OrganizationIdentifier.objects.filter(organization=self.organization).delete()
            OrganizationIdentifier.objects.bulk_create(self.identifiers)
        service.organization = self.organization
        service.save()
        old_locations = set(
            ServiceAtLocation.objects.filter(service=service).values_list("location_id", flat=True)
        )
        Schedule.objects.filter(
            Q(service=service) | Q(service_at_location__service=service)
        ).delete()
        Attribute.objects.filter(service=service).delete()
        for model in (ServiceArea, Funding, CostOption, Contact, ServiceAtLocation):
            model._default_manager.filter(service=service).delete()
        Language.objects.filter(service=service).delete()
        if self.schedule2 is not None:
            Schedule2Answer.objects.filter(service=service).delete()
            Schedule2Answer.objects.bulk_create(self.schedule2)
        for plan in self.locations:
            plan.location.save()
            Address.objects.filter(location=plan.location).delete()
            Accessibility.objects.filter(location=plan.location).delete()
            Address.objects.bulk_create(plan.addresses)
            Accessibility.objects.bulk_create(plan.accessibility)
        ServiceAtLocation.objects.bulk_create(self.sals)
        ServiceArea.objects.bulk_create(self.service_areas)
        Funding.objects.bulk_create(self.funding)
        CostOption.objects.bulk_create(self.cost_options)
        Contact.objects.bulk_create(self.contacts)
        Phone.objects.bulk_create(self.phones)
        Language.objects.bulk_create(self.languages)
        Schedule.objects.bulk_create(self.schedules)
        Attribute.objects.bulk_create([p.attribute for p in self.attributes])
        Location.objects.filter(
            id__in=old_locations, area=self.area, service_at_locations__isnull=True
        ).delete()
        return service


def _safe_uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _at(doc: Any, path: str) -> Any:
    """The member of ``doc`` at a path written by ``_join``."""
    node = doc
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        try:
            node = node[int(index)] if index else node[name]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _plain_reason(message: str) -> str:
    if message in {"This field cannot be blank.", "This field cannot be null."}:
        return "is required"
    if message == "Enter a valid URL.":
        return "must be a web address"
    if message == "Enter a valid email address.":
        return "must be an email address"
    return message[0].lower() + message[1:].rstrip(".") if message else message


@transaction.atomic
def apply_service_document(
    *, area: Area, document: dict[str, Any], organization: Organization | None
) -> Service:
    """Apply an ORUK service document to the rows of ``area``: upsert the service by id and
    replace its child collections (schedules, service areas, locations, languages, funding,
    cost options, contacts and phones, attributes, and the Schedule 2 answers of the
    ``"opensend"`` extension), keeping the document's ids and making stable ones where it has
    none. ``organization`` is the service's provider; if ``None``, the document's
    ``organization`` is upserted (or its ``organization_id`` found in the area).

    Raises ``DocumentInvalid`` with every problem found, before writing anything."""
    doc = clean_document(document)
    # A missing id of a nested record is made (stable, from the service's id and the path);
    # the service's own id is required.
    problems = [
        (path, reason)
        for path, reason in schema_problems(doc)
        if not (reason == "is required" and path.endswith(".id"))
    ]
    if not isinstance(doc, dict):
        raise DocumentInvalid(problems)
    planner = _Planner(area=area, doc=doc, organization=organization)
    planner.build()
    problems = first_problem_per_path([*problems, *planner.problems])
    if problems:
        raise DocumentInvalid(problems)
    return planner.write()
