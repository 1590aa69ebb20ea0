"""GOV.UK Design System forms: a Django form whose fields render as GOV.UK Frontend components
(``GovukForm``), and the GOV.UK date input as a field (``GovukDateField``). Every app's form
pages use these, so a field looks and behaves the same on every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

__all__ = [
    "DATE_PARTS",
    "DatePartsWidget",
    "GovukDateField",
    "GovukForm",
    "date_error_parts",
    "date_parts",
]

DATE_PARTS = ("day", "month", "year")
_PART_WIDTHS = {"day": 2, "month": 2, "year": 4}


# --- the GOV.UK date input ---------------------------------------------------------------


class DatePartsWidget(forms.MultiWidget):
    """Three text boxes, ``<name>_day``, ``<name>_month`` and ``<name>_year``."""

    def __init__(self) -> None:
        super().__init__(widgets={part: forms.TextInput() for part in DATE_PARTS})

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


def date_parts(data: Any, name: str) -> dict[str, str]:
    """What was typed in each box of a date input."""
    return {part: str(data.get(f"{name}_{part}") or "").strip() for part in DATE_PARTS}


class GovukDateField(forms.Field):
    """A date typed as day, month and year, with the GOV.UK Design System's error messages.

    ``noun`` names the date in a sentence ("The date the request was received"); a date in the
    future is refused unless ``allow_future``.
    """

    widget = DatePartsWidget

    def __init__(self, *, noun: str, allow_future: bool = False, **kwargs: Any) -> None:
        self.noun = noun
        self.allow_future = allow_future
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        parts = dict(zip(DATE_PARTS, value or ["", "", ""], strict=False))
        typed = {part: str(parts.get(part) or "").strip() for part in DATE_PARTS}
        missing = [part for part in DATE_PARTS if not typed[part]]
        if len(missing) == len(DATE_PARTS):
            if self.required:
                raise ValidationError(f"Enter {self.noun[:1].lower()}{self.noun[1:]}")
            return None
        if missing:
            raise ValidationError(f"{self.noun} must include a {' and '.join(missing)}")
        if not all(typed[part].isdigit() for part in DATE_PARTS):
            raise ValidationError(f"{self.noun} must be a real date")
        if len(typed["year"]) != 4:
            raise ValidationError("The year must include 4 numbers")
        try:
            day = dt.date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
        except ValueError:
            raise ValidationError(f"{self.noun} must be a real date") from None
        if not self.allow_future and day > timezone.localdate():
            raise ValidationError(f"{self.noun} must be today or in the past")
        return day

    def validate(self, value: Any) -> None:
        """``to_python`` has done the checking, including whether the date is required."""


def date_error_parts(form: forms.Form, name: str) -> set[str]:
    """Which boxes of a date input to highlight: the missing ones when only some are
    missing, the year when only its length is wrong, otherwise all three."""
    if name not in form.errors:
        return set()
    typed = date_parts(form.data, name)
    missing = {part for part in DATE_PARTS if not typed[part]}
    if missing and len(missing) < len(DATE_PARTS):
        return missing
    if not missing and len(typed["year"]) != 4:
        return {"year"}
    return set(DATE_PARTS)


# --- rendering ----------------------------------------------------------------------------


def _choices(field: forms.Field) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in getattr(field, "choices", [])]


class GovukForm(forms.Form):
    """A form whose fields render as GOV.UK components.

    ``components()`` gives, for each field in order (or the fields named), ``(macro, params)``:
    the name of the govuk-frontend-jinja macro and its parameters; ``component(name)`` one
    field's. ``widths`` sets a text input's width class (``govuk-input--width-N``);
    ``prefixes`` and ``suffixes`` a text before or after the input (``£``, ``years``);
    ``rows`` a textarea's height; ``label_classes`` the size of the labels.
    """

    widths: dict[str, int] = {}
    prefixes: dict[str, str] = {}
    suffixes: dict[str, str] = {}
    rows: dict[str, int] = {}
    label_classes = "govuk-label--s"

    def _value(self, name: str) -> Any:
        if self.is_bound:
            if isinstance(self.fields[name], forms.MultipleChoiceField):
                return self.data.getlist(name) if hasattr(self.data, "getlist") else []
            return self.data.get(name, "")
        initial = self.initial.get(name, self.fields[name].initial)
        return initial() if callable(initial) else initial

    def _error(self, name: str) -> dict[str, str] | None:
        errors = self.errors.get(name)
        return {"text": str(errors[0])} if errors else None

    def components(self, names: Iterable[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
        return [self.component(name) for name in (names or self.fields)]

    def component(self, name: str) -> tuple[str, dict[str, Any]]:
        field = self.fields[name]
        widget = field.widget
        label = str(field.label or name.replace("_", " ").capitalize())
        hint = {"text": str(field.help_text)} if field.help_text else None
        error = self._error(name)
        value = self._value(name)
        legend = {"text": label, "classes": "govuk-fieldset__legend--s"}
        if isinstance(widget, forms.HiddenInput):
            return "hidden", {"name": name, "value": "" if value is None else str(value)}
        if isinstance(field, GovukDateField):
            return "govukDateInput", self._date_params(name, label, hint, error)
        if isinstance(widget, forms.CheckboxSelectMultiple):
            chosen = {str(v) for v in (value or [])}
            return "govukCheckboxes", {
                "idPrefix": f"id_{name}",
                "name": name,
                "fieldset": {"legend": legend},
                "hint": hint,
                "errorMessage": error,
                "classes": "govuk-checkboxes--small",
                "items": [
                    {"value": v, "text": text, "checked": v in chosen}
                    for v, text in _choices(field)
                ],
            }
        if isinstance(widget, forms.CheckboxInput):
            checked = (
                str(value).lower() in {"true", "on", "1"}
                if self.is_bound
                else bool(value) and str(value).lower() != "false"
            )
            return "govukCheckboxes", {
                "idPrefix": f"id_{name}",
                "name": name,
                "hint": hint,
                "errorMessage": error,
                "items": [{"value": "true", "text": label, "checked": checked}],
            }
        current = "" if value is None else str(getattr(value, "pk", value))
        if isinstance(widget, forms.RadioSelect):
            return "govukRadios", {
                "idPrefix": f"id_{name}",
                "name": name,
                "fieldset": {"legend": legend},
                "hint": hint,
                "errorMessage": error,
                "items": [
                    {"value": v, "text": text, "checked": v == current}
                    for v, text in _choices(field)
                    if v != ""
                ],
            }
        label_params = {"text": label, "classes": self.label_classes}
        if isinstance(widget, forms.Select):
            return "govukSelect", {
                "id": f"id_{name}",
                "name": name,
                "label": label_params,
                "hint": hint,
                "errorMessage": error,
                "items": [
                    {"value": v, "text": text, "selected": v == current}
                    for v, text in _choices(field)
                ],
            }
        params: dict[str, Any] = {
            "id": f"id_{name}",
            "name": name,
            "label": label_params,
            "hint": hint,
            "errorMessage": error,
            "value": current,
        }
        if isinstance(widget, forms.Textarea):
            params["rows"] = self.rows.get(name, 5)
            return "govukTextarea", params
        if name in self.widths:
            params["classes"] = f"govuk-input--width-{self.widths[name]}"
        if name in self.prefixes:
            params["prefix"] = {"text": self.prefixes[name]}
        if name in self.suffixes:
            params["suffix"] = {"text": self.suffixes[name]}
        if isinstance(field, forms.EmailField):
            params.update({"type": "email", "autocomplete": "email", "spellcheck": False})
        if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            params.update({"inputmode": "decimal", "spellcheck": False})
        return "govukInput", params

    def _date_params(
        self, name: str, label: str, hint: dict[str, str] | None, error: dict[str, str] | None
    ) -> dict[str, Any]:
        if self.is_bound:
            typed = date_parts(self.data, name)
        else:
            initial = self._value(name)
            typed = (
                {"day": str(initial.day), "month": str(initial.month), "year": str(initial.year)}
                if isinstance(initial, dt.date)
                else dict.fromkeys(DATE_PARTS, "")
            )
        bad = date_error_parts(self, name)
        return {
            "id": name,
            "fieldset": {"legend": {"text": label, "classes": "govuk-fieldset__legend--s"}},
            "hint": hint or {"text": "For example, 27 3 2025"},
            "errorMessage": error,
            "items": [
                {
                    "id": f"id_{name}" if part == "day" else f"id_{name}_{part}",
                    "name": f"{name}_{part}",
                    "label": part.capitalize(),
                    "value": typed[part],
                    "classes": f"govuk-input--width-{_PART_WIDTHS[part]}"
                    + (" govuk-input--error" if part in bad else ""),
                }
                for part in DATE_PARTS
            ],
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's refusal against the field it names, or above the form."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        else:
            for message in error.messages:
                self.add_error(None, message)
