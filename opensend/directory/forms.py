"""The Local Offer's staff forms.

``ServiceForm`` edits a whole service in sections (about, who it is for, how to access, cost,
times, locations with their accessibility, contacts, Schedule 2 information). Every cost
option, set of weekly times, location and contact is a repeating group that can be removed,
and another added without JavaScript (``rearranged``: the GOV.UK "add another" pattern). It
reads its initial values from the service's ORUK document (``initial_from_document``) and
writes the edit back into a copy of that document (``build_document``), changing only what the
form shows: records keep their ids, and fields of an imported record the form does not know
survive an edit.

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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import QueryDict

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
    "DAYS",
    "GROUPS",
    "MAX_GROUPS",
    "AreaSettingsForm",
    "CheckForm",
    "CloseForm",
    "CompareForm",
    "GovukForm",
    "NewServiceForm",
    "ReturnForm",
    "ScheduleForm",
    "ServiceForm",
    "build_document",
    "initial_from_document",
    "place_accessibility",
    "rearranged",
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

#: The SEND facets the form edits on the service, as (field name, ORUK link_type, the terms).
#: Accessibility is edited on each location (``location_<n>_accessibility``).
FACET_FIELDS: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("needs", TaxonomyTerm.Facet.NEED.value, NEEDS),
    ("suitability", TaxonomyTerm.Facet.SUITABILITY.value, SUITABILITY),
    ("categories", TaxonomyTerm.Facet.CATEGORY.value, CATEGORIES),
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

#: The most groups of one kind (locations, contacts, times, costs) a form holds.
MAX_GROUPS = 50
#: The most phone numbers of one contact.
MAX_PHONES = 10


@dataclass(frozen=True)
class Group:
    """A repeating group of the service form: fields ``<kind>_<n>_<field>``, numbered from 1,
    with ``<kind>_<n>_id`` holding the id of the record it edits (empty for a new one)."""

    kind: str
    title: str
    add_text: str
    section: str


GROUPS: dict[str, Group] = {
    "cost": Group("cost", "Cost", "Add another cost", "cost"),
    "times": Group("times", "Times", "Add more times", "times"),
    "location": Group("location", "Location", "Add another location", "where"),
    "contact": Group("contact", "Contact", "Add another contact", "contact"),
}

_LAYOUT = re.compile(r"(add|remove)-(cost|times|location|contact)(?:-([1-9]\d{0,3}))?")


def group_count(data: Any, kind: str) -> int:
    """How many groups of ``kind`` the posted (or initial) ``data`` holds: the highest number
    in its field names, at most ``MAX_GROUPS``."""
    pattern = re.compile(rf"^{kind}_(\d+)_")
    numbers = [int(m.group(1)) for key in data if (m := pattern.match(str(key)))]
    return min(max(numbers, default=0), MAX_GROUPS)


def phone_count(data: Any, contact: int) -> int:
    """How many phone numbers contact ``contact`` has in ``data``, at most ``MAX_PHONES``."""
    pattern = re.compile(rf"^contact_{contact}_phone_(\d+)(?:_id)?$")
    numbers = [int(m.group(1)) for key in data if (m := pattern.match(str(key)))]
    return min(max(numbers, default=0), MAX_PHONES)


def rearranged(data: Any, action: str) -> QueryDict | None:
    """The posted ``data`` with a blank group added (``add-<kind>``) or one group removed
    (``remove-<kind>-<n>``, later groups renumbered), for the "add another" pattern without
    JavaScript; ``None`` if ``action`` is neither."""
    match = _LAYOUT.fullmatch(action)
    if match is None:
        return None
    verb, kind, number = match.group(1), match.group(2), match.group(3)
    if (verb == "add") != (number is None):
        return None
    out = QueryDict(mutable=True)
    pattern = re.compile(rf"^{kind}_(\d+)_(.+)$")
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        found = pattern.match(key)
        if found and number is not None:
            n, rest = int(found.group(1)), found.group(2)
            if n == int(number):
                continue
            if n > int(number):
                key = f"{kind}_{n - 1}_{rest}"
        out.setlist(key, values)
    if verb == "add":
        count = max(group_count(data, kind), 1)
        if count < MAX_GROUPS:
            out.setlist(f"{kind}_{count + 1}_id", [""])
    return out


@dataclass(frozen=True)
class GroupFields:
    """One group as the template shows it: a fieldset with a legend, its fields, a remove
    button."""

    kind: str
    number: int
    legend: str
    anchor: str
    hidden: list[str]
    names: list[str]
    removable: bool


def _limit(prefix: str, label: str, max_length: int) -> dict[str, str]:
    return {"max_length": f"{prefix}{label.lower()} must be {max_length} characters or fewer"}


def _part(
    prefix: str, label: str, *, max_length: int = 255, what: str = "", **kwargs: Any
) -> forms.CharField:
    """A text field of a group; ``what`` names it in its length error."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        error_messages=_limit(prefix, what or label, max_length),
        **kwargs,
    )


def _hidden_id() -> forms.CharField:
    return forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


def _coordinate(prefix: str, label: str, limit: int, example: str) -> forms.FloatField:
    word = label.lower()
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        error_messages={
            "invalid": f"{prefix}{word} must be a number, like {example}",
            "min_value": f"{prefix}{word} must be {-limit} or more",
            "max_value": f"{prefix}{word} must be {limit} or less",
        },
    )


def _lower_first(message: str) -> str:
    return message[:1].lower() + message[1:]


class ServiceForm(GovukForm):
    """A whole service, with every location, contact, set of times and cost option as a
    repeating group (``GROUPS``). ``officer`` adds the organisation and each place's map
    position. ``check_input=False`` renders posted values without checking them: after "add
    another" or "remove", which only change the form's shape."""

    suffixes = {"minimum_age": "years", "maximum_age": "years"}
    rows = {"alert": 2, "summary": 2}

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
    languages = _text(
        "Languages",
        max_length=255,
        help_text="Languages the service is offered in, separated by commas.",
    )
    summary = _area("What changed", max_length=255, help_text="A line for the version history.")

    def __init__(
        self,
        *args: Any,
        officer: bool = False,
        organizations: Any = None,
        check_input: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.officer = officer
        self.check_input = check_input
        if officer and organizations is not None:
            self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        else:
            del self.fields["organization"]
        self.widths = {"minimum_age": 3, "maximum_age": 3}
        self.prefixes: dict[str, str] = {}
        self.rows = {**type(self).rows}
        source = self.data if self.is_bound else self.initial
        self.counts = {kind: max(1, group_count(source, kind)) for kind in GROUPS}
        self.phones: dict[int, int] = {}
        for i in range(1, self.counts["cost"] + 1):
            self._add_cost(i)
        for i in range(1, self.counts["times"] + 1):
            self._add_times(i)
        for i in range(1, self.counts["location"] + 1):
            self._add_location(i)
        for i in range(1, self.counts["contact"] + 1):
            slots = max(1, phone_count(source, i))
            if str(source.get(f"contact_{i}_phone_{slots}") or "").strip():
                slots = min(slots + 1, MAX_PHONES)  # always room for one more number
            self.phones[i] = slots
            self._add_contact(i, slots)
        for topic in Schedule2Topic:
            self.fields[f"s2_{topic.value}"] = _checkboxes(
                SCHEDULE2_QUESTIONS[topic], SCHEDULE2_OPTIONS[topic]
            )
            self.fields[f"s2_{topic.value}_detail"] = _area("In your own words (optional)")

    # --- the groups' fields ---

    def _add_cost(self, i: int) -> None:
        p = f"Cost {i}: "
        self.fields[f"cost_{i}_id"] = _hidden_id()
        self.fields[f"cost_{i}_option"] = _part(
            p, "What it is for", help_text="For example, one session."
        )
        self.fields[f"cost_{i}_amount"] = _part(p, "Amount", max_length=12)
        self.fields[f"cost_{i}_amount_description"] = _part(p, "Note (optional)", what="Note")
        self.widths[f"cost_{i}_amount"] = 5
        self.prefixes[f"cost_{i}_amount"] = "£"

    def _add_times(self, i: int) -> None:
        p = f"Times {i}: "
        self.fields[f"times_{i}_id"] = _hidden_id()
        self.fields[f"times_{i}_days"] = forms.MultipleChoiceField(
            label="Days",
            required=False,
            choices=list(DAYS),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": f"{p}choose days from the list"},
        )
        self.fields[f"times_{i}_opens"] = _part(
            p,
            "Opens",
            max_length=8,
            what="The time it opens",
            help_text="For example, 9:30 or 17:00",
        )
        self.fields[f"times_{i}_closes"] = _part(
            p, "Closes", max_length=8, what="The time it closes"
        )
        self.fields[f"times_{i}_description"] = _part(
            p, "Note (optional)", what="Note", help_text="For example, term time only."
        )
        self.widths[f"times_{i}_opens"] = 5
        self.widths[f"times_{i}_closes"] = 5

    def _add_location(self, i: int) -> None:
        p = f"Location {i}: "
        name = f"location_{i}"
        self.fields[f"{name}_id"] = _hidden_id()
        self.fields[f"{name}_name"] = _part(p, "Name of the place")
        self.fields[f"{name}_address_1"] = _part(p, "Address line 1")
        self.fields[f"{name}_address_2"] = _part(
            p, "Address line 2 (optional)", what="Address line 2"
        )
        self.fields[f"{name}_city"] = _part(p, "Town or city", max_length=120)
        self.fields[f"{name}_county"] = _part(
            p,
            "County (optional)",
            max_length=120,
            what="County",
            help_text="Leave blank to use the town or city.",
        )
        self.fields[f"{name}_postcode"] = _part(p, "Postcode", max_length=10)
        self.widths[f"{name}_postcode"] = 10
        if self.officer:
            self.fields[f"{name}_latitude"] = _coordinate(p, "Latitude", 90, "53.3412")
            self.fields[f"{name}_latitude"].help_text = "Leave blank to place it at its postcode."
            self.fields[f"{name}_longitude"] = _coordinate(p, "Longitude", 180, "-2.7301")
            self.widths[f"{name}_latitude"] = 10
            self.widths[f"{name}_longitude"] = 10
        self.fields[f"{name}_accessibility"] = forms.MultipleChoiceField(
            label="Accessibility at this place",
            required=False,
            choices=[(s.code, s.name) for s in ACCESSIBILITY],
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": f"{p}choose accessibility from the list"},
        )
        self.fields[f"{name}_accessibility_detail"] = forms.CharField(
            label="Anything else about accessibility here (optional)",
            required=False,
            widget=forms.Textarea,
        )
        self.rows[f"{name}_accessibility_detail"] = 3

    def _add_contact(self, i: int, phones: int) -> None:
        p = f"Contact {i}: "
        self.fields[f"contact_{i}_id"] = _hidden_id()
        self.fields[f"contact_{i}_name"] = _part(p, "Name")
        self.fields[f"contact_{i}_email"] = forms.EmailField(
            label="Email address",
            required=False,
            max_length=254,
            error_messages={
                "invalid": f"{p}enter an email address in the correct format, "
                "like name@example.org",
                **_limit(p, "Email address", 254),
            },
        )
        for j in range(1, phones + 1):
            self.fields[f"contact_{i}_phone_{j}_id"] = _hidden_id()
            self.fields[f"contact_{i}_phone_{j}"] = _part(
                p,
                "Phone number" if j == 1 else "Another phone number (optional)",
                max_length=40,
                what="Phone number",
            )
            self.widths[f"contact_{i}_phone_{j}"] = 20

    # --- sections, for the template ---

    def sections(self) -> list[tuple[str, str, list[str]]]:
        """``(id, heading, field names)`` of the sections before the repeating groups."""
        about = [
            "name",
            *(["organization"] if "organization" in self.fields else []),
            "description",
            "url",
            "email",
            "alert",
        ]
        return [
            ("about", "About the service", about),
            (
                "who",
                "Who it is for",
                ["minimum_age", "maximum_age", "needs", "suitability", "categories"],
            ),
            ("access", "How to access it", ["how_to_access", "referral_by"]),
        ]

    def groups(self, kind: str) -> list[GroupFields]:
        """The groups of ``kind`` in order, each with its fields (the id hidden)."""
        group = GROUPS[kind]
        count = self.counts[kind]
        out = []
        for i in range(1, count + 1):
            prefix = f"{kind}_{i}_"
            names = [n for n in self.fields if n.startswith(prefix)]
            hidden = [n for n in names if n == f"{prefix}id" or n.endswith("_id")]
            has_record = bool(str(self._value(f"{prefix}id") or "").strip())
            out.append(
                GroupFields(
                    kind=kind,
                    number=i,
                    legend=f"{group.title} {i}",
                    anchor=f"{kind}-{i}",
                    hidden=hidden,
                    names=[n for n in names if n not in hidden],
                    removable=count > 1 or has_record,
                )
            )
        return out

    def group(self, kind: str) -> Group:
        return GROUPS[kind]

    def can_add(self, kind: str) -> bool:
        return self.counts[kind] < MAX_GROUPS

    def schedule2_topics(self) -> list[tuple[str, str, str]]:
        return [
            (str(topic.label), f"s2_{topic.value}", f"s2_{topic.value}_detail")
            for topic in Schedule2Topic
        ]

    def _error(self, name: str) -> dict[str, str] | None:
        return super()._error(name) if self.check_input else None

    # --- checks ---

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and high < low:
            self.add_error(
                "maximum_age", "The oldest age must be the same as or more than the youngest age"
            )
        times = [self._clean_times(data, i) for i in range(1, self.counts["times"] + 1)]
        data["times"] = [row for row in times if row]
        costs = [self._clean_cost(data, i) for i in range(1, self.counts["cost"] + 1)]
        data["costs"] = [cost for cost in costs if cost]
        entered = [
            i
            for i in range(1, self.counts["cost"] + 1)
            if any(
                (data.get(f"cost_{i}_{part}") or "").strip()
                for part in ("option", "amount", "amount_description")
            )
        ]
        if data.get("free") == "paid" and not entered:
            self.add_error("cost_1_amount", "Enter what it costs, or choose that it is free")
        if not data.get("free") and entered:
            self.add_error("free", "Choose whether it costs anything")
        locations = [self._clean_location(data, i) for i in range(1, self.counts["location"] + 1)]
        data["locations"] = [location for location in locations if location]
        contacts = [self._clean_contact(data, i) for i in range(1, self.counts["contact"] + 1)]
        data["contacts"] = [contact for contact in contacts if contact]
        return data

    def _fail(self, field: str, message: str) -> None:
        """An error on a group's field, naming the group: "Location 2: enter the postcode"."""
        kind, number = field.split("_")[:2]
        self.add_error(field, f"{GROUPS[kind].title} {number}: {_lower_first(message)}")

    def _clean_times(self, data: dict[str, Any], i: int) -> dict[str, Any] | None:
        days = data.get(f"times_{i}_days") or []
        opens_text = (data.get(f"times_{i}_opens") or "").strip()
        closes_text = (data.get(f"times_{i}_closes") or "").strip()
        note = (data.get(f"times_{i}_description") or "").strip()
        opens = closes = None
        if opens_text:
            opens = parse_time(opens_text)
            if opens is None:
                self._fail(f"times_{i}_opens", "Enter the time it opens, like 9:30 or 17:00")
        if closes_text:
            closes = parse_time(closes_text)
            if closes is None:
                self._fail(f"times_{i}_closes", "Enter the time it closes, like 9:30 or 17:00")
        if (opens_text or closes_text or note) and not days:
            self._fail(f"times_{i}_days", "Choose the days it runs")
        if days and opens_text and not closes_text:
            self._fail(f"times_{i}_closes", "Enter the time it closes")
        if days and closes_text and not opens_text:
            self._fail(f"times_{i}_opens", "Enter the time it opens")
        if opens is not None and closes is not None and closes <= opens:
            self._fail(f"times_{i}_closes", "The time it closes must be after the time it opens")
        if not days:
            return None
        return {
            "id": (data.get(f"times_{i}_id") or "").strip(),
            "days": list(days),
            "opens": opens,
            "closes": closes,
            "description": note,
        }

    def _clean_cost(self, data: dict[str, Any], i: int) -> dict[str, Any] | None:
        option = (data.get(f"cost_{i}_option") or "").strip()
        amount_text = (data.get(f"cost_{i}_amount") or "").strip().lstrip("£").replace(",", "")
        note = (data.get(f"cost_{i}_amount_description") or "").strip()
        if not (option or amount_text or note):
            return None
        if not amount_text:
            self._fail(f"cost_{i}_amount", "Enter the amount, like 12.50")
            return None
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            self._fail(f"cost_{i}_amount", "The amount must be a number, like 12.50")
            return None
        if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            self._fail(f"cost_{i}_amount", "The amount must be pounds and pence, like 12.50")
            return None
        return {
            "id": (data.get(f"cost_{i}_id") or "").strip(),
            "option": option,
            "amount": amount,
            "amount_description": note,
        }

    def _clean_location(self, data: dict[str, Any], i: int) -> dict[str, Any] | None:
        from opensend.directory import geo

        name = f"location_{i}"
        parts = [
            (data.get(f"{name}_{part}") or "").strip()
            for part in ("name", "address_1", "address_2", "city", "postcode")
        ]
        county = (data.get(f"{name}_county") or "").strip()
        tags = list(data.get(f"{name}_accessibility") or [])
        detail = (data.get(f"{name}_accessibility_detail") or "").strip()
        latitude, longitude = data.get(f"{name}_latitude"), data.get(f"{name}_longitude")
        if not any(parts):
            if tags or detail or latitude is not None or longitude is not None:
                self._fail(
                    f"{name}_address_1", "Enter the address the accessibility information is about"
                )
            return None
        place_name, line_1, line_2, city, postcode_text = parts
        if not line_1:
            self._fail(f"{name}_address_1", "Enter the first line of the address")
        if not city:
            self._fail(f"{name}_city", "Enter the town or city")
        if not postcode_text:
            self._fail(f"{name}_postcode", "Enter the postcode")
            return None
        normalised = geo.normalise_postcode(postcode_text)
        if normalised is None or not geo.is_full_postcode(normalised):
            self._fail(f"{name}_postcode", "Enter a real postcode, like WA7 1AB")
            return None
        point: tuple[float, float] | None
        if (latitude is None) != (longitude is None):
            self._fail(
                f"{name}_longitude" if longitude is None else f"{name}_latitude",
                "Enter both the latitude and the longitude, or neither",
            )
            return None
        by_postcode = latitude is None
        if latitude is not None and longitude is not None:
            point = (latitude, longitude)
        else:
            found = geo.locate(normalised)
            if found is None:
                self._fail(
                    f"{name}_postcode",
                    f"We could not find the postcode {normalised}. Check it and try again",
                )
                return None
            point = (found.latitude, found.longitude)
        return {
            "id": (data.get(f"{name}_id") or "").strip(),
            "name": place_name,
            "address_1": line_1,
            "address_2": line_2,
            "city": city,
            "county": county,
            "postcode": normalised,
            "point": point,
            "point_from_postcode": by_postcode,
            "accessibility": tags,
            "accessibility_detail": detail,
        }

    def _clean_contact(self, data: dict[str, Any], i: int) -> dict[str, Any] | None:
        name = (data.get(f"contact_{i}_name") or "").strip()
        email = (data.get(f"contact_{i}_email") or "").strip()
        phones = []
        for j in range(1, self.phones.get(i, 0) + 1):
            number = (data.get(f"contact_{i}_phone_{j}") or "").strip()
            if not number:
                continue
            if not re.fullmatch(r"\+?[\d\s()-]{7,20}", number):
                self._fail(
                    f"contact_{i}_phone_{j}",
                    "Enter a phone number, like 01632 960 001 or 07700 900 982",
                )
                continue
            phones.append(
                {"id": (data.get(f"contact_{i}_phone_{j}_id") or "").strip(), "number": number}
            )
        if not (name or email or phones):
            return None
        return {
            "id": (data.get(f"contact_{i}_id") or "").strip(),
            "name": name,
            "email": email,
            "phones": phones,
        }

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


def _term_attribute(
    code: str, link_type: str, link_id: str, *, link_entity: str = "service"
) -> dict[str, Any]:
    from opensend.directory.oruk.documents import taxonomy_term_document

    term = TaxonomyTerm.objects.select_related("taxonomy").get(pk=term_id(code))
    return {
        "id": _new_id(),
        "link_id": link_id,
        "link_entity": link_entity,
        "taxonomy_term_id": str(term.pk),
        "link_type": link_type,
        "taxonomy_term": taxonomy_term_document(term),
    }


def _attribute_term(attribute: dict[str, Any]) -> str:
    return str(
        attribute.get("taxonomy_term_id") or (attribute.get("taxonomy_term") or {}).get("id") or ""
    )


def _access_terms() -> dict[str, str]:
    """The accessibility terms, id → code."""
    return {str(term_id(spec.code)): spec.code for spec in ACCESSIBILITY}


def _attributes(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    managed: dict[str, tuple[str, str]] = {}
    wanted: set[str] = set()
    for field, link_type, specs in FACET_FIELDS:
        for spec in specs:
            managed[str(term_id(spec.code))] = (spec.code, link_type)
        wanted.update(str(term_id(code)) for code in data.get(field) or [])
    # Accessibility tagged on the service itself (older versions, the generator) was shown on
    # the first location: once the form has shown the places, each place holds its own.
    legacy_access = (
        set(_access_terms()) if "locations" in data and doc.get("service_at_locations") else set()
    )
    kept: list[dict[str, Any]] = []
    present: set[str] = set()
    for attribute in doc.get("attributes") or []:
        term = _attribute_term(attribute)
        if term in legacy_access:
            continue
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


def _take(pool: dict[str, dict[str, Any]], record_id: str) -> dict[str, Any] | None:
    """The record with ``record_id`` from ``pool`` (a copy), once: a second group claiming the
    same id gets a new record."""
    found = pool.pop(record_id, None) if record_id else None
    return copy.deepcopy(found) if found is not None else None


def _by_id(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in records if r.get("id")}


def _schedules(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    """The weekly times as the form left them; other schedules (monthly, dated) are kept."""
    existing = list(doc.get("schedules") or [])
    pool = _by_id(s for s in existing if _weekly(s))
    others = [s for s in existing if not _weekly(s)]
    order = [code for code, _ in DAYS]
    out: list[dict[str, Any]] = []
    for row in data.get("times") or []:
        schedule = _take(pool, row.get("id", "")) or {"id": _new_id(), "service_id": service_id}
        schedule["freq"] = "WEEKLY"
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
    pool = _by_id(existing)
    out: list[dict[str, Any]] = []
    for cost in data.get("costs") or []:
        option = _take(pool, cost.get("id", "")) or {"id": _new_id(), "service_id": service_id}
        _set(option, "option", cost["option"])
        option["amount"] = _amount(cost["amount"])
        _set(option, "amount_description", cost["amount_description"])
        out.append(option)
    return out


def _place_tags(sal: dict[str, Any], location: dict[str, Any], codes: list[str]) -> None:
    """Tag the place with the accessibility ``codes`` ticked: a term tagged on the location
    (as imports do) or the service-at-location stays; an unticked one goes; a new one is
    tagged on the service-at-location, which is this service's own (a location may be
    shared)."""
    access = _access_terms()
    wanted = {str(term_id(code)) for code in codes if code in access.values()}
    present: set[str] = set()
    for holder in (location, sal):
        kept = []
        for attribute in holder.get("attributes") or []:
            term = _attribute_term(attribute)
            if term in access:
                if term not in wanted or term in present:
                    continue
                present.add(term)
            kept.append(attribute)
        if "attributes" in holder or kept:
            holder["attributes"] = kept
    sal.setdefault("attributes", [])
    for term, code in access.items():
        if term in wanted and term not in present:
            sal["attributes"].append(
                _term_attribute(
                    code, "accessibility", str(sal["id"]), link_entity="service_at_location"
                )
            )


def _keeps_position(location: dict[str, Any], row: dict[str, Any]) -> bool:
    """A place found by its postcode keeps the map position it has while the postcode stays
    the same: an officer may have placed it more exactly than the postcode does."""
    if not row.get("point_from_postcode"):
        return False
    if location.get("latitude") is None or location.get("longitude") is None:
        return False
    addresses = location.get("addresses") or [{}]
    return str(addresses[0].get("postal_code") or "") == row["postcode"]


def _locations(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    """Each location as the form left it, in the form's order; a location the form removed
    goes, and one the form added is new. What the form does not show of a location (its
    schedules, other addresses, identifiers) is kept."""
    pool = _by_id(doc.get("service_at_locations") or [])
    out: list[dict[str, Any]] = []
    for row in data.get("locations") or []:
        sal = _take(pool, row.get("id", ""))
        if sal is None:
            location_id = _new_id()
            sal = {
                "id": _new_id(),
                "service_id": service_id,
                "location_id": location_id,
                "location": {"id": location_id, "location_type": "physical"},
                "schedules": [],
                "attributes": [],
            }
        location = sal.setdefault("location", {"id": sal.get("location_id") or _new_id()})
        _set(location, "name", row["name"])
        addresses = location.setdefault("addresses", [])
        if row.get("point") is not None and not _keeps_position(location, row):
            location["latitude"], location["longitude"] = row["point"]
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
        address["address_1"] = row["address_1"]
        _set(address, "address_2", row["address_2"])
        address["city"] = row["city"]
        address["postal_code"] = row["postcode"]
        # The profile requires a county: the one given, else the town. (Rows from elsewhere
        # that say nothing of the county keep the one the address had.)
        county = row.get("county")
        kept = address.get("state_province") if county is None else ""
        address["state_province"] = county or kept or row["city"]
        address.setdefault("country", "GB")
        address.setdefault("address_type", "physical")
        accessibility = location.setdefault("accessibility", [])
        detail = row.get("accessibility_detail", "")
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
        _place_tags(sal, location, list(row.get("accessibility") or []))
        out.append(sal)
    return out


def _contacts(doc: dict[str, Any], data: dict[str, Any], service_id: str) -> list[dict[str, Any]]:
    """Each contact as the form left it, with its phone numbers; removed ones go. A contact's
    title and a phone's description and languages are kept."""
    pool = _by_id(doc.get("contacts") or [])
    out: list[dict[str, Any]] = []
    for row in data.get("contacts") or []:
        contact = _take(pool, row.get("id", "")) or {
            "id": _new_id(),
            "service_id": service_id,
            "phones": [],
            "attributes": [],
        }
        _set(contact, "name", row["name"])
        _set(contact, "email", row["email"])
        phones = _by_id(contact.get("phones") or [])
        contact["phones"] = []
        for number in row["phones"]:
            phone = _take(phones, number.get("id", "")) or {
                "id": _new_id(),
                "contact_id": contact["id"],
                "languages": [],
            }
            phone["number"] = number["number"]
            contact["phones"].append(phone)
        out.append(contact)
    return out


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
    in. The repeating groups (``times``, ``costs``, ``locations``, ``contacts``: lists of
    rows, each with the ``id`` of the record it edits or none) replace the records they
    manage: a record no row names is removed, a row with no id is a new record, and a record
    kept keeps its id and whatever the form does not show. A group missing from ``data``
    leaves its records as they are."""
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
    if "times" in data:
        doc["schedules"] = _schedules(doc, data, service_id)
    doc["cost_options"] = _costs(doc, data, service_id)
    if "locations" in data:
        doc["service_at_locations"] = _locations(doc, data, service_id)
    if "contacts" in data:
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


def _facet_codes(attributes: Iterable[dict[str, Any]], specs: tuple[Any, ...]) -> list[str]:
    by_id = {str(term_id(spec.code)): spec.code for spec in specs}
    codes = []
    for attribute in attributes:
        term = _attribute_term(attribute)
        if term in by_id and by_id[term] not in codes:
            codes.append(by_id[term])
    return codes


def place_accessibility(
    doc: dict[str, Any],
) -> list[list[str]]:
    """The accessibility codes of each of the document's locations, in order: those tagged on
    the service-at-location or the location, and, on the first, those tagged on the service
    itself (as older versions did)."""
    out = []
    for index, sal in enumerate(doc.get("service_at_locations") or []):
        attributes = [
            *((sal.get("location") or {}).get("attributes") or []),
            *(sal.get("attributes") or []),
            *((doc.get("attributes") or []) if index == 0 else []),
        ]
        out.append(_facet_codes(attributes, ACCESSIBILITY))
    return out


def initial_from_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The form's starting values from an ORUK service document: a group for every weekly
    schedule, cost option, location and contact, each carrying its record's id."""
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
        initial[field] = _facet_codes(doc.get("attributes") or [], specs)
    weekly = [s for s in doc.get("schedules") or [] if _weekly(s)][:MAX_GROUPS]
    for i, schedule in enumerate(weekly, start=1):
        initial[f"times_{i}_id"] = str(schedule.get("id") or "")
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
            for i, cost in enumerate(costs[:MAX_GROUPS], start=1):
                initial[f"cost_{i}_id"] = str(cost.get("id") or "")
                initial[f"cost_{i}_option"] = cost.get("option", "")
                amount = cost.get("amount")
                initial[f"cost_{i}_amount"] = (
                    "" if amount is None else f"{Decimal(str(amount)):.2f}"
                )
                initial[f"cost_{i}_amount_description"] = cost.get("amount_description", "")
    sals = list(doc.get("service_at_locations") or [])[:MAX_GROUPS]
    for i, (sal, tags) in enumerate(zip(sals, place_accessibility(doc), strict=False), start=1):
        location = sal.get("location") or {}
        address = (location.get("addresses") or [{}])[0]
        accessibility = location.get("accessibility") or []
        initial.update(
            {
                f"location_{i}_id": str(sal.get("id") or ""),
                f"location_{i}_name": location.get("name", ""),
                f"location_{i}_address_1": address.get("address_1", ""),
                f"location_{i}_address_2": address.get("address_2", ""),
                f"location_{i}_city": address.get("city", ""),
                f"location_{i}_county": address.get("state_province", ""),
                f"location_{i}_postcode": address.get("postal_code", ""),
                f"location_{i}_latitude": location.get("latitude"),
                f"location_{i}_longitude": location.get("longitude"),
                f"location_{i}_accessibility": tags,
                f"location_{i}_accessibility_detail": (
                    accessibility[0].get("description", "") if accessibility else ""
                ),
            }
        )
    for i, contact in enumerate((doc.get("contacts") or [])[:MAX_GROUPS], start=1):
        initial[f"contact_{i}_id"] = str(contact.get("id") or "")
        initial[f"contact_{i}_name"] = contact.get("name", "")
        initial[f"contact_{i}_email"] = contact.get("email", "")
        for j, phone in enumerate((contact.get("phones") or [])[:MAX_PHONES], start=1):
            initial[f"contact_{i}_phone_{j}_id"] = str(phone.get("id") or "")
            initial[f"contact_{i}_phone_{j}"] = phone.get("number", "")
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
