"""The Local Offer's staff forms.

``ServiceForm`` edits a whole service in sections (about, who it is for, how to access, cost,
times, location and accessibility, contact, Schedule 2 information). It reads its initial
values from the service's ORUK document (``initial_from_document``) and writes the edit back
into a copy of that document (``build_document``), changing only what the form shows: fields
of an imported record the form does not know survive an edit.

The forms check input only (a real email, a time, ages in order, a postcode we can find); what
may happen is the services' business. Each field renders with a GOV.UK component through
``GovukForm.component``.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from opensend.directory.models import (
    HowToAccess,
    Organization,
    Schedule2Topic,
    TaxonomyTerm,
)
from opensend.directory.schedule2 import OPTIONS as SCHEDULE2_OPTIONS
from opensend.directory.schedule2 import QUESTIONS as SCHEDULE2_QUESTIONS
from opensend.directory.taxonomy import ACCESSIBILITY, CATEGORIES, NEEDS, SUITABILITY, term_id
from opensend.web.govuk_forms import GovukForm

__all__ = [
    "COST_ROWS",
    "DAYS",
    "TIME_ROWS",
    "AreaSettingsForm",
    "CheckForm",
    "CloseForm",
    "CompareForm",
    "GovukForm",
    "NewServiceForm",
    "ReturnForm",
    "ScheduleForm",
    "ServiceForm",
    "initial_from_document",
]

DAYS: tuple[tuple[str, str], ...] = (
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
)
TIME_ROWS = 3
COST_ROWS = 3

#: The SEND facets the form edits, as (field name, ORUK link_type, the terms).
FACET_FIELDS: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("needs", TaxonomyTerm.Facet.NEED.value, NEEDS),
    ("suitability", TaxonomyTerm.Facet.SUITABILITY.value, SUITABILITY),
    ("categories", TaxonomyTerm.Facet.CATEGORY.value, CATEGORIES),
    ("accessibility", TaxonomyTerm.Facet.ACCESSIBILITY.value, ACCESSIBILITY),
)

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_time(text: str) -> dt.time | None:
    """``"9:30"``, ``"09.30"``, ``"9am"``, ``"5:30pm"``, ``"17:30"`` → a time; ``None`` if it
    is not one."""
    match = _TIME.match(text.strip())
    if not match:
        return None
    hour = int(match.group(1))
    minute = int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _time_text(value: str) -> str:
    """``"09:00:00"`` → ``"09:00"``."""
    return value[:5] if value else ""


# --- rendering ----------------------------------------------------------------------------------


def _text(label: str, *, required: bool = False, message: str = "", **kwargs: Any) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        error_messages={"required": message or f"Enter the {label.lower()}"},
        **kwargs,
    )


def _area(label: str, **kwargs: Any) -> Any:
    return _text(label, widget=forms.Textarea, **kwargs)


def _email(label: str) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.org"
        },
    )


def _checkboxes(label: str, choices: Iterable[tuple[str, str]], **kwargs: Any) -> Any:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=list(choices),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": f"Choose {label.lower()} from the list"},
        **kwargs,
    )


def _age(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=120,
        error_messages={
            "invalid": f"{label} must be a whole number of years, like 5",
            "min_value": f"{label} must be 0 or more",
            "max_value": f"{label} must be 120 or less",
        },
    )


# --- the service ------------------------------------------------------------------------------


class ServiceForm(GovukForm):
    """A whole service. ``officer`` adds the organisation and the map position."""

    widths = {
        "minimum_age": 3,
        "maximum_age": 3,
        "postcode": 10,
        "latitude": 10,
        "longitude": 10,
        **{f"times_{i}_opens": 5 for i in range(1, TIME_ROWS + 1)},
        **{f"times_{i}_closes": 5 for i in range(1, TIME_ROWS + 1)},
        **{f"cost_{i}_amount": 5 for i in range(1, COST_ROWS + 1)},
        "contact_phone": 20,
    }
    prefixes = {f"cost_{i}_amount": "£" for i in range(1, COST_ROWS + 1)}
    suffixes = {"minimum_age": "years", "maximum_age": "years"}
    rows = {"alert": 2, "accessibility_detail": 3, "summary": 2}

    name = _text("Name of the service", required=True, max_length=255)
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label="Organisation that provides it",
        error_messages={
            "required": "Choose the organisation that provides the service",
            "invalid_choice": "Choose an organisation from the list",
        },
    )
    description = _area(
        "Description",
        required=True,
        message="Enter a description of the service",
        help_text="What it does and who it helps, in plain English.",
    )
    url = forms.URLField(
        label="Website",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter a web address in the correct format, like https://example.org"
        },
    )
    email = _email("Email address")
    alert = _area(
        "Alert",
        help_text="Something families must know now, such as a waiting list or a change.",
    )
    minimum_age = _age("Youngest age")
    maximum_age = _age("Oldest age")
    needs = _checkboxes("Needs it meets", [(s.code, s.name) for s in NEEDS])
    suitability = _checkboxes("Suitable for", [(s.code, s.name) for s in SUITABILITY])
    categories = _checkboxes("Categories", [(s.code, s.name) for s in CATEGORIES])
    how_to_access = forms.ChoiceField(
        label="How families get the service",
        required=False,
        choices=HowToAccess.choices,
        widget=forms.RadioSelect,
    )
    referral_by = _text(
        "Who can refer",
        max_length=255,
        help_text="For example, GP, school, health visitor.",
    )
    free = forms.ChoiceField(
        label="Does it cost anything?",
        required=False,
        choices=[("free", "No, it is free"), ("paid", "Yes, there is a cost")],
        widget=forms.RadioSelect,
    )
    accessibility = _checkboxes("Accessibility", [(s.code, s.name) for s in ACCESSIBILITY])
    accessibility_detail = _area(
        "Anything else about accessibility",
        help_text="Saved with the location: give its address too.",
    )
    location_name = _text("Name of the place", max_length=255)
    address_1 = _text("Address line 1", max_length=255)
    address_2 = _text("Address line 2 (optional)", max_length=255)
    city = _text("Town or city", max_length=120)
    postcode = _text("Postcode", max_length=10)
    latitude = forms.FloatField(
        label="Latitude",
        required=False,
        min_value=-90,
        max_value=90,
        help_text="Leave blank to place it at its postcode.",
        error_messages={"invalid": "Latitude must be a number, like 53.3412"},
    )
    longitude = forms.FloatField(
        label="Longitude",
        required=False,
        min_value=-180,
        max_value=180,
        error_messages={"invalid": "Longitude must be a number, like -2.7301"},
    )
    contact_name = _text("Contact name", max_length=255)
    contact_email = _email("Contact email address")
    contact_phone = _text("Contact phone number", max_length=40)
    languages = _text(
        "Languages",
        max_length=255,
        help_text="Languages the service is offered in, separated by commas.",
    )
    summary = _area("What changed", max_length=255, help_text="A line for the version history.")

    def __init__(
        self, *args: Any, officer: bool = False, organizations: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.officer = officer
        if officer and organizations is not None:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        else:
            del self.fields["organization"]
            del self.fields["latitude"]
            del self.fields["longitude"]
        for i in range(1, TIME_ROWS + 1):
            self.fields[f"times_{i}_days"] = _checkboxes("Days", DAYS)
            self.fields[f"times_{i}_opens"] = _text(
                "Opens", max_length=8, help_text="For example, 9:30 or 17:00"
            )
            self.fields[f"times_{i}_closes"] = _text("Closes", max_length=8)
            self.fields[f"times_{i}_description"] = _text(
                "Note (optional)", max_length=255, help_text="For example, term time only."
            )
        for i in range(1, COST_ROWS + 1):
            self.fields[f"cost_{i}_option"] = _text(
                "What it is for", max_length=255, help_text="For example, one session."
            )
            self.fields[f"cost_{i}_amount"] = _text("Amount", max_length=12)
            self.fields[f"cost_{i}_amount_description"] = _text("Note (optional)", max_length=255)
        for topic in Schedule2Topic:
            self.fields[f"s2_{topic.value}"] = _checkboxes(
                SCHEDULE2_QUESTIONS[topic], SCHEDULE2_OPTIONS[topic]
            )
            self.fields[f"s2_{topic.value}_detail"] = _area("In your own words (optional)")

    # --- sections, for the template ---

    def sections(self) -> list[tuple[str, str, list[str]]]:
        """``(id, heading, field names)`` of each section, in order."""
        about = [
            "name",
            *(["organization"] if "organization" in self.fields else []),
            "description",
            "url",
            "email",
            "alert",
        ]
        where = ["location_name", "address_1", "address_2", "city", "postcode"]
        if "latitude" in self.fields:
            where += ["latitude", "longitude"]
        return [
            ("about", "About the service", about),
            (
                "who",
                "Who it is for",
                ["minimum_age", "maximum_age", "needs", "suitability", "categories"],
            ),
            ("access", "How to access it", ["how_to_access", "referral_by"]),
            ("where", "Where it is", where),
            ("accessibility", "Accessibility", ["accessibility", "accessibility_detail"]),
            ("contact", "Contact", ["contact_name", "contact_email", "contact_phone", "languages"]),
        ]

    def time_rows(self) -> list[list[str]]:
        return [
            [f"times_{i}_days", f"times_{i}_opens", f"times_{i}_closes", f"times_{i}_description"]
            for i in range(1, TIME_ROWS + 1)
        ]

    def cost_rows(self) -> list[list[str]]:
        return [
            [f"cost_{i}_option", f"cost_{i}_amount", f"cost_{i}_amount_description"]
            for i in range(1, COST_ROWS + 1)
        ]

    def schedule2_topics(self) -> list[tuple[str, str, str]]:
        return [
            (str(topic.label), f"s2_{topic.value}", f"s2_{topic.value}_detail")
            for topic in Schedule2Topic
        ]

    # --- checks ---

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and high < low:
            self.add_error(
                "maximum_age", "The oldest age must be the same as or more than the youngest age"
            )
        for i in range(1, TIME_ROWS + 1):
            self._clean_times(data, i)
        costs = [self._clean_cost(data, i) for i in range(1, COST_ROWS + 1)]
        if data.get("free") == "paid" and not any(costs) and not self.errors:
            self.add_error("cost_1_amount", "Enter what it costs, or choose that it is free")
        data["costs"] = [cost for cost in costs if cost]
        self._clean_location(data)
        phone = (data.get("contact_phone") or "").strip()
        if phone and not re.fullmatch(r"\+?[\d\s()-]{7,20}", phone):
            self.add_error(
                "contact_phone", "Enter a phone number, like 01632 960 001 or 07700 900 982"
            )
        return data

    def _clean_times(self, data: dict[str, Any], i: int) -> None:
        days = data.get(f"times_{i}_days") or []
        opens_text = (data.get(f"times_{i}_opens") or "").strip()
        closes_text = (data.get(f"times_{i}_closes") or "").strip()
        note = (data.get(f"times_{i}_description") or "").strip()
        opens = closes = None
        if opens_text:
            opens = parse_time(opens_text)
            if opens is None:
                self.add_error(f"times_{i}_opens", "Enter the time it opens, like 9:30 or 17:00")
        if closes_text:
            closes = parse_time(closes_text)
            if closes is None:
                self.add_error(f"times_{i}_closes", "Enter the time it closes, like 9:30 or 17:00")
        if (opens_text or closes_text or note) and not days:
            self.add_error(f"times_{i}_days", "Choose the days it runs")
        if days and opens_text and not closes_text:
            self.add_error(f"times_{i}_closes", "Enter the time it closes")
        if days and closes_text and not opens_text:
            self.add_error(f"times_{i}_opens", "Enter the time it opens")
        if opens is not None and closes is not None and closes <= opens:
            self.add_error(
                f"times_{i}_closes", "The time it closes must be after the time it opens"
            )
        data[f"times_{i}"] = (
            {"days": list(days), "opens": opens, "closes": closes, "description": note}
            if days
            else None
        )

    def _clean_cost(self, data: dict[str, Any], i: int) -> dict[str, Any] | None:
        option = (data.get(f"cost_{i}_option") or "").strip()
        amount_text = (data.get(f"cost_{i}_amount") or "").strip().lstrip("£").replace(",", "")
        note = (data.get(f"cost_{i}_amount_description") or "").strip()
        if not (option or amount_text or note):
            return None
        if not amount_text:
            self.add_error(f"cost_{i}_amount", "Enter the amount, like 12.50")
            return None
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            self.add_error(f"cost_{i}_amount", "The amount must be a number, like 12.50")
            return None
        if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            self.add_error(f"cost_{i}_amount", "The amount must be pounds and pence, like 12.50")
            return None
        return {"option": option, "amount": amount, "amount_description": note}

    def _clean_location(self, data: dict[str, Any]) -> None:
        from opensend.directory import geo

        parts = [
            (data.get(name) or "").strip()
            for name in ("location_name", "address_1", "address_2", "city", "postcode")
        ]
        postcode_text = parts[4]
        data["point"] = None
        if not any(parts):
            if (data.get("accessibility_detail") or "").strip():
                self.add_error(
                    "address_1", "Enter the address the accessibility information is about"
                )
            return
        if not parts[1]:
            self.add_error("address_1", "Enter the first line of the address")
        if not parts[3]:
            self.add_error("city", "Enter the town or city")
        if not postcode_text:
            self.add_error("postcode", "Enter the postcode")
            return
        normalised = geo.normalise_postcode(postcode_text)
        if normalised is None or not geo.is_full_postcode(normalised):
            self.add_error("postcode", "Enter a real postcode, like WA7 1AB")
            return
        data["postcode"] = normalised
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None):
            self.add_error(
                "longitude" if longitude is None else "latitude",
                "Enter both the latitude and the longitude, or neither",
            )
            return
        if latitude is not None and longitude is not None:
            data["point"] = (latitude, longitude)
            return
        point = geo.locate(normalised)
        if point is None:
            self.add_error(
                "postcode", f"We could not find the postcode {normalised}. Check it and try again"
            )
            return
        data["point"] = (point.latitude, point.longitude)

    # --- writing the document ---

    def build_document(self, base: dict[str, Any], *, service_id: str) -> dict[str, Any]:
        """``base`` with the form's values written in; everything the form does not show is
        kept as it was."""
        return build_document(base, self.cleaned_data, service_id=service_id)


def _set(doc: dict[str, Any], key: str, value: Any) -> None:
    """Write ``value``; an empty one is left out, as ORUK documents do."""
    if value is None or value == "" or value == []:
        doc.pop(key, None)
    else:
        doc[key] = value


def _new_id() -> str:
    return str(uuid.uuid4())


def _term_attribute(code: str, link_type: str, service_id: str) -> dict[str, Any]:
    from opensend.directory.oruk.documents import taxonomy_term_document

    term = TaxonomyTerm.objects.select_related("taxonomy").get(pk=term_id(code))
    return {
        "id": _new_id(),
        "link_id": service_id,
        "link_entity": "service",
        "taxonomy_term_id": str(term.pk),
        "link_type": link_type,
        "taxonomy_term": taxonomy_term_document(term),
    }


def _attributes(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    managed: dict[str, tuple[str, str]] = {}
    wanted: set[str] = set()
    for field, link_type, specs in FACET_FIELDS:
        for spec in specs:
            managed[str(term_id(spec.code))] = (spec.code, link_type)
        wanted.update(str(term_id(code)) for code in data.get(field) or [])
    kept: list[dict[str, Any]] = []
    present: set[str] = set()
    for attribute in doc.get("attributes") or []:
        term = str(
            attribute.get("taxonomy_term_id")
            or (attribute.get("taxonomy_term") or {}).get("id")
            or ""
        )
        if term in managed and term not in wanted:
            continue  # unticked
        if term in managed:
            present.add(term)
        kept.append(attribute)
    for term, (code, link_type) in managed.items():
        if term in wanted and term not in present:
            kept.append(_term_attribute(code, link_type, service_id))
    return kept


def _weekly(schedule: dict[str, Any]) -> bool:
    return schedule.get("freq", "WEEKLY") == "WEEKLY" and not schedule.get("bymonthday")


def _schedules(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    existing = list(doc.get("schedules") or [])
    weekly = [s for s in existing if _weekly(s)][:TIME_ROWS]
    others = [s for s in existing if not any(s is w for w in weekly)]
    rows = [data.get(f"times_{i}") for i in range(1, TIME_ROWS + 1)]
    out: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not row:
            continue
        schedule = (
            copy.deepcopy(weekly[index])
            if index < len(weekly)
            else {
                "id": _new_id(),
                "service_id": service_id,
            }
        )
        schedule["freq"] = "WEEKLY"
        order = [code for code, _ in DAYS]
        schedule["byday"] = ",".join(sorted(row["days"], key=order.index))
        _set(schedule, "opens_at", row["opens"].strftime("%H:%M:%S") if row["opens"] else "")
        _set(schedule, "closes_at", row["closes"].strftime("%H:%M:%S") if row["closes"] else "")
        _set(schedule, "description", row["description"])
        out.append(schedule)
    return out + others


def _amount(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _costs(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    existing = list(doc.get("cost_options") or [])
    free = data.get("free")
    if free == "free":
        first = (
            copy.deepcopy(existing[0]) if existing else {"id": _new_id(), "service_id": service_id}
        )
        for key in ("amount_description", "valid_from", "valid_to"):
            first.pop(key, None)
        first.update({"option": "Free", "amount": 0})
        return [first]
    if free != "paid":
        return existing
    out: list[dict[str, Any]] = []
    for index, cost in enumerate(data.get("costs") or []):
        option = (
            copy.deepcopy(existing[index])
            if index < len(existing)
            else {
                "id": _new_id(),
                "service_id": service_id,
            }
        )
        _set(option, "option", cost["option"])
        option["amount"] = _amount(cost["amount"])
        _set(option, "amount_description", cost["amount_description"])
        out.append(option)
    return out


def _location(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    sals = copy.deepcopy(list(doc.get("service_at_locations") or []))
    fields = [
        (data.get(n) or "").strip() for n in ("location_name", "address_1", "address_2", "city")
    ]
    postcode = data.get("postcode") or ""
    detail = (data.get("accessibility_detail") or "").strip()
    if not any(fields) and not postcode:
        return sals[1:] if sals else []
    if sals:
        sal = sals[0]
    else:
        location_id = _new_id()
        sal = {
            "id": _new_id(),
            "service_id": service_id,
            "location_id": location_id,
            "location": {"id": location_id, "location_type": "physical"},
            "schedules": [],
            "attributes": [],
        }
        sals.insert(0, sal)
    location = sal.setdefault("location", {"id": sal.get("location_id") or _new_id()})
    name, line_1, line_2, city = fields
    _set(location, "name", name)
    point = data.get("point")
    if point is not None:
        location["latitude"], location["longitude"] = point
    addresses = location.setdefault("addresses", [])
    if not addresses:
        addresses.append(
            {
                "id": _new_id(),
                "location_id": location["id"],
                "country": "GB",
                "address_type": "physical",
            }
        )
    address = addresses[0]
    address["address_1"] = line_1
    _set(address, "address_2", line_2)
    address["city"] = city
    address["postal_code"] = postcode
    address.setdefault("state_province", "")
    address.setdefault("country", "GB")
    accessibility = location.setdefault("accessibility", [])
    if detail:
        if accessibility:
            accessibility[0]["description"] = detail
        else:
            accessibility.append(
                {"id": _new_id(), "location_id": location["id"], "description": detail}
            )
    elif accessibility:
        accessibility[0].pop("description", None)
        if not any(k for k in accessibility[0] if k not in {"id", "location_id", "attributes"}):
            accessibility.pop(0)
    return sals


def _contacts(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    contacts = copy.deepcopy(list(doc.get("contacts") or []))
    name = (data.get("contact_name") or "").strip()
    email = (data.get("contact_email") or "").strip()
    phone = (data.get("contact_phone") or "").strip()
    if not (name or email or phone):
        return contacts[1:]
    if not contacts:
        contacts.append({"id": _new_id(), "service_id": service_id, "phones": [], "attributes": []})
    contact = contacts[0]
    _set(contact, "name", name)
    _set(contact, "email", email)
    phones = contact.setdefault("phones", [])
    if phone:
        if phones:
            phones[0]["number"] = phone
        else:
            phones.append(
                {"id": _new_id(), "contact_id": contact["id"], "number": phone, "languages": []}
            )
    elif phones:
        phones.pop(0)
    return contacts


def _languages(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    names = [n.strip() for n in (data.get("languages") or "").split(",") if n.strip()]
    existing = {str(lang.get("name", "")).lower(): lang for lang in doc.get("languages") or []}
    unnamed = [lang for lang in doc.get("languages") or [] if not lang.get("name")]
    out = []
    for name in dict.fromkeys(names):
        out.append(
            copy.deepcopy(existing.get(name.lower()))
            or {"id": _new_id(), "service_id": service_id, "name": name}
        )
    return out + unnamed


def build_document(
    base: dict[str, Any], data: dict[str, Any], *, service_id: str
) -> dict[str, Any]:
    """``base`` (an ORUK service document) with the service form's cleaned ``data`` written
    in. Child records keep their ids; fields and records the form does not show are kept."""
    from opensend.directory.oruk.documents import EXTENSION_KEY, organization_document

    doc = copy.deepcopy(base)
    doc["id"] = service_id
    doc["name"] = data["name"].strip()
    for key in ("description", "url", "email", "alert"):
        _set(doc, key, (data.get(key) or "").strip())
    for key in ("minimum_age", "maximum_age"):
        _set(doc, key, data.get(key))
    organization = data.get("organization")
    if organization is not None:
        doc["organization_id"] = str(organization.pk)
        doc["organization"] = organization_document(organization)
    doc["attributes"] = _attributes(doc, data, service_id)
    doc["schedules"] = _schedules(doc, data, service_id)
    doc["cost_options"] = _costs(doc, data, service_id)
    doc["service_at_locations"] = _location(doc, data, service_id)
    doc["contacts"] = _contacts(doc, data, service_id)
    doc["languages"] = _languages(doc, data, service_id)
    extension = doc.setdefault(EXTENSION_KEY, {})
    extension["how_to_access"] = data.get("how_to_access") or ""
    extension["referral_by"] = (data.get("referral_by") or "").strip()
    schedule2 = {}
    for topic in Schedule2Topic:
        options = list(data.get(f"s2_{topic.value}") or [])
        detail = (data.get(f"s2_{topic.value}_detail") or "").strip()
        if options or detail:
            schedule2[topic.value] = {"options": options, "detail": detail}
    extension["schedule2"] = schedule2
    return doc


def _facet_codes(doc: dict[str, Any], specs: tuple[Any, ...]) -> list[str]:
    by_id = {str(term_id(spec.code)): spec.code for spec in specs}
    codes = []
    for attribute in doc.get("attributes") or []:
        term = str(
            attribute.get("taxonomy_term_id")
            or (attribute.get("taxonomy_term") or {}).get("id")
            or ""
        )
        if term in by_id:
            codes.append(by_id[term])
    return codes


def initial_from_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The form's starting values from an ORUK service document."""
    from opensend.directory.oruk.documents import EXTENSION_KEY

    extension = doc.get(EXTENSION_KEY) or {}
    initial: dict[str, Any] = {
        "name": doc.get("name", ""),
        "organization": doc.get("organization_id") or (doc.get("organization") or {}).get("id"),
        "description": doc.get("description", ""),
        "url": doc.get("url", ""),
        "email": doc.get("email", ""),
        "alert": doc.get("alert", ""),
        "minimum_age": doc.get("minimum_age"),
        "maximum_age": doc.get("maximum_age"),
        "how_to_access": extension.get("how_to_access", ""),
        "referral_by": extension.get("referral_by", ""),
    }
    for field, _link_type, specs in FACET_FIELDS:
        initial[field] = _facet_codes(doc, specs)
    weekly = [s for s in doc.get("schedules") or [] if _weekly(s)][:TIME_ROWS]
    for i, schedule in enumerate(weekly, start=1):
        initial[f"times_{i}_days"] = [d for d in str(schedule.get("byday", "")).split(",") if d]
        initial[f"times_{i}_opens"] = _time_text(schedule.get("opens_at", ""))
        initial[f"times_{i}_closes"] = _time_text(schedule.get("closes_at", ""))
        initial[f"times_{i}_description"] = schedule.get("description", "")
    costs = list(doc.get("cost_options") or [])
    if costs:
        if all(float(c.get("amount") or 0) == 0 for c in costs) and any(
            "amount" in c for c in costs
        ):
            initial["free"] = "free"
        else:
            initial["free"] = "paid"
            for i, cost in enumerate(costs[:COST_ROWS], start=1):
                initial[f"cost_{i}_option"] = cost.get("option", "")
                amount = cost.get("amount")
                initial[f"cost_{i}_amount"] = (
                    "" if amount is None else f"{Decimal(str(amount)):.2f}"
                )
                initial[f"cost_{i}_amount_description"] = cost.get("amount_description", "")
    sals = doc.get("service_at_locations") or []
    if sals:
        location = sals[0].get("location") or {}
        address = (location.get("addresses") or [{}])[0]
        initial.update(
            {
                "location_name": location.get("name", ""),
                "address_1": address.get("address_1", ""),
                "address_2": address.get("address_2", ""),
                "city": address.get("city", ""),
                "postcode": address.get("postal_code", ""),
                "latitude": location.get("latitude"),
                "longitude": location.get("longitude"),
            }
        )
        accessibility = location.get("accessibility") or []
        if accessibility:
            initial["accessibility_detail"] = accessibility[0].get("description", "")
    contacts = doc.get("contacts") or []
    if contacts:
        contact = contacts[0]
        phones = contact.get("phones") or []
        initial.update(
            {
                "contact_name": contact.get("name", ""),
                "contact_email": contact.get("email", ""),
                "contact_phone": phones[0].get("number", "") if phones else "",
            }
        )
    initial["languages"] = ", ".join(
        str(lang["name"]) for lang in doc.get("languages") or [] if lang.get("name")
    )
    for topic, answer in (extension.get("schedule2") or {}).items():
        initial[f"s2_{topic}"] = list(answer.get("options") or [])
        initial[f"s2_{topic}_detail"] = answer.get("detail", "")
    return initial


# --- smaller forms ----------------------------------------------------------------------------


class NewServiceForm(GovukForm):
    name = _text("Name of the service", required=True, max_length=255)
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label="Organisation that provides it",
        error_messages={
            "required": "Choose the organisation that provides the service",
            "invalid_choice": "Choose an organisation from the list",
        },
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class ReturnForm(GovukForm):
    reason = _area(
        "Why is it being returned?",
        required=True,
        message="Say why the edit is being returned",
        help_text="The editor sees this. Say what needs to change.",
    )


class ApproveForm(GovukForm):
    note = _area("Note (optional)", help_text="Kept with the version.")


class CheckForm(GovukForm):
    note = _area("Note (optional)", help_text="For example, confirmed with the provider by phone.")


def _date(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y"],
        help_text="For example, 27/3/2027",
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"The {label.lower()} must be a real date, like 27/3/2027",
        },
    )


class CloseForm(GovukForm):
    widths = {"reopens_on": 10}
    reopens_on = _date("Date it reopens (optional)")


class ScheduleForm(GovukForm):
    widths = {"publish_from": 10}
    publish_from = _date("Public from (leave blank for no date)")


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)


class AreaSettingsForm(GovukForm):
    widths = {"review_interval_days": 4, "grace_period_days": 4}
    suffixes = {"review_interval_days": "days", "grace_period_days": "days"}
    rows = {"accessibility_statement": 10}

    review_interval_days = forms.IntegerField(
        label="Review every",
        min_value=30,
        max_value=730,
        help_text="A service not checked for this long is flagged to its owner. 365 is a year.",
        error_messages={
            "required": "Enter how often services are reviewed, in days",
            "invalid": "The review interval must be a whole number of days, like 365",
            "min_value": "The review interval must be at least 30 days",
            "max_value": "The review interval must be 730 days or fewer",
        },
    )
    grace_period_days = forms.IntegerField(
        label="Hide after a further",
        min_value=0,
        max_value=365,
        help_text="Days after the review falls due before an unchecked service is hidden.",
        error_messages={
            "required": "Enter the grace period, in days",
            "invalid": "The grace period must be a whole number of days, like 90",
            "min_value": "The grace period must be 0 days or more",
            "max_value": "The grace period must be 365 days or fewer",
        },
    )
    feedback_email = _email("Email for new feedback (optional)")
    accessibility_statement = _area("Accessibility statement")
