"""Small helpers for pages built with the GOV.UK Frontend macros."""

from __future__ import annotations

from typing import Any

from django import forms


def error_summary(form: forms.Form) -> list[dict[str, str]]:
    """The error summary list: each error links to its field (``#id_<name>``)."""
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for name, errors in form.errors.items():
        href = f"#id_{name}" if name != "__all__" else f"#id_{next(iter(form.fields))}"
        for error in errors:
            text = str(error)
            if text not in seen:  # the same message twice helps nobody
                seen.add(text)
                items.append({"text": text, "href": href})
    return items


def field_error(form: forms.Form, name: str) -> dict[str, Any] | None:
    """The ``errorMessage`` parameter for a field's GOV.UK component, or ``None``."""
    errors = form.errors.get(name)
    if not errors:
        return None
    return {"text": str(errors[0])}


def field_value(form: forms.Form, name: str) -> str:
    """The value to show again in a field after a failed submit (never a password)."""
    if not form.is_bound:
        initial = form.initial.get(name, form.fields[name].initial)
        return "" if initial is None else str(initial)
    value = form.data.get(name)
    return "" if value is None else str(value)


def pagination_items(results: Any, base: str) -> list[dict[str, Any]]:
    """Page links for the GOV.UK pagination component: the first, the last, and the pages
    around the current one, with ellipses between."""
    pages: int = results.pages
    current: int = results.page
    wanted = sorted({1, pages, current - 1, current, current + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": f"{base}{number}", "current": number == current})
        previous = number
    return items


def year_group_label(child: Any) -> str:
    """A child's national curriculum year as people say it."""
    year: int = child.year_group()
    if year < -1:
        return "Below school age"
    if year == -1:
        return "Nursery"
    if year == 0:
        return "Reception"
    if year <= 14:
        return f"Year {year}"
    return "Post-19"
