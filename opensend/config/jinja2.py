"""The Jinja2 environment: our templates (each app's ``jinja2/`` folder) and the GOV.UK
Frontend macros from govuk-frontend-jinja, imported as ``govuk_frontend_jinja/...``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def format_date(value: dt.date | dt.datetime | None, fmt: str = "%-d %B %Y") -> str:
    """GOV.UK style dates: 5 January 2026."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime(fmt)


def format_datetime(value: dt.datetime | None) -> str:
    """GOV.UK style date and time: 5 January 2026 at 2:15pm."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hour = local.strftime("%-I")
    minute = local.strftime("%M")
    ampm = local.strftime("%p").lower()
    time = f"{hour}{ampm}" if minute == "00" else f"{hour}:{minute}{ampm}"
    return f"{format_date(local)} at {time}"


def format_number(value: int | float | None) -> str:
    if value is None:
        return ""
    return f"{value:,}"


def environment(**options: Any) -> Environment:
    loader = options.pop("loader", None)
    env = Environment(**options)  # noqa: S701 - autoescape is set in settings
    govuk = PrefixLoader(
        {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}
    )
    env.loader = ChoiceLoader([loader, govuk]) if loader is not None else govuk
    from opensend.web.helpers import (
        error_summary,
        field_error,
        field_value,
        pagination_items,
        year_group_label,
    )

    env.globals.update(
        {
            "error_summary": error_summary,
            "field_error": field_error,
            "field_value": field_value,
            "pagination_items": pagination_items,
            "year_group_label": year_group_label,
            "static": static,
            "url": url,
            "csrf_token_value": get_token,
            "get_messages": get_messages,
        }
    )
    env.filters.update({"date": format_date, "datetime": format_datetime, "number": format_number})
    return env
