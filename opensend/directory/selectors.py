"""Public reads of the Local Offer: what the search page offers to filter by, a public service
with everything its page shows, and the services on a shortlist. Nothing here shows a service
that is not public (``Service.objects.public()``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from opensend.core.models import Area
from opensend.directory.models import (
    Attribute,
    Schedule,
    Schedule2Answer,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from opensend.directory.schedule2 import OPTIONS as SCHEDULE2_OPTIONS
from opensend.directory.schedule2 import QUESTIONS as SCHEDULE2_QUESTIONS
from opensend.directory.taxonomy import SEND_TAXONOMY_ID

__all__ = [
    "FilterOption",
    "Schedule2Row",
    "area_has_public_services",
    "category_options",
    "day_names",
    "need_options",
    "public_service_get",
    "public_services_by_id",
    "schedule2_rows",
    "schedule_in_words",
    "service_terms",
    "time_in_words",
]


@dataclass(frozen=True)
class FilterOption:
    code: str
    name: str
    depth: int = 0


def _facet_terms(facet: str) -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy_id=SEND_TAXONOMY_ID, facet=facet).order_by(
        "position"
    )


def category_options() -> list[FilterOption]:
    """The SEND categories, each followed by its sub-categories (the root term left out)."""
    terms = list(
        _facet_terms(TaxonomyTerm.Facet.CATEGORY).values_list("id", "term", "name", "parent_id")
    )
    root = next((pk for pk, code, _name, _parent in terms if code == "category"), None)
    children: dict[Any, list[tuple[Any, str, str]]] = {}
    for pk, code, name, parent in terms:
        children.setdefault(parent, []).append((pk, code, name))
    options: list[FilterOption] = []

    def walk(parent: Any, depth: int) -> None:
        for pk, code, name in children.get(parent, []):
            options.append(FilterOption(code=code, name=name, depth=depth))
            walk(pk, depth + 1)

    walk(root, 0)
    return options


def need_options() -> list[FilterOption]:
    """Needs met, as census codes ("ASD") with their names."""
    return [
        FilterOption(code=code.removeprefix("need-").upper(), name=name)
        for code, name in _facet_terms(TaxonomyTerm.Facet.NEED)
        .exclude(term="need")
        .values_list("term", "name")
    ]


def area_has_public_services(area: Area) -> bool:
    return Service.objects.public().filter(area=area).exists()


def _public_details(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("organization", "published_revision").prefetch_related(
        Prefetch(
            "attributes",
            queryset=Attribute.objects.select_related("taxonomy_term").order_by(
                "taxonomy_term__position", "taxonomy_term__name"
            ),
        ),
        "cost_options",
        "contacts__phones",
        "languages",
        "schedules",
        "funding",
        "service_areas",
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "location__addresses", "location__accessibility", "schedules"
            ),
        ),
        Prefetch("schedule2", queryset=Schedule2Answer.objects.order_by("topic")),
    )


def public_service_get(area: Area, service_id: uuid.UUID | str) -> Service:
    """A public service of ``area`` with everything its page shows; 404 for anything else
    (draft, archived, scheduled, hidden, another area's, or no such service)."""
    try:
        return _public_details(Service.objects.public().filter(area=area)).get(pk=service_id)
    except (Service.DoesNotExist, ValueError, ValidationError) as error:
        raise Http404("No such service") from error


def public_services_by_id(area: Area, ids: Sequence[str]) -> list[Service]:
    """The public services of ``area`` among ``ids``, in the order given; others dropped."""
    valid: list[uuid.UUID] = []
    for value in ids:
        try:
            valid.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    found = {
        s.pk: s for s in _public_details(Service.objects.public().filter(area=area, pk__in=valid))
    }
    return [found[pk] for pk in valid if pk in found]


def service_terms(service: Service) -> dict[str, list[TaxonomyTerm]]:
    """The service's taxonomy terms by facet (category, need, accessibility, suitability); for a
    search result, only its categories and needs (``summary_terms``, set by the search)."""
    summary: dict[str, list[TaxonomyTerm]] | None = getattr(service, "summary_terms", None)
    if summary is not None:
        return summary
    by_facet: dict[str, list[TaxonomyTerm]] = {}
    for attribute in service.attributes.all():
        term = attribute.taxonomy_term
        by_facet.setdefault(term.facet, []).append(term)
    return by_facet


# --- Times in words ------------------------------------------------------------------------------

DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_ORDINALS = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}


def time_in_words(value: dt.time | None) -> str:
    """9am, 5:30pm, midday, midnight."""
    if value is None:
        return ""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def day_names(byday: str) -> str:
    """``"MO,TU"`` → "Mondays and Tuesdays"; ``"MO,TU,WE,TH,FR"`` → "Monday to Friday";
    ``"1SA"`` → "the first Saturday of the month"."""
    codes = [code.strip().upper() for code in byday.split(",") if code.strip()]
    if not codes:
        return ""
    order = list(DAY_NAMES)
    plain = [code for code in codes if code in DAY_NAMES]
    if len(plain) == len(codes):
        indexes = sorted(order.index(code) for code in plain)
        if len(indexes) >= 3 and indexes == list(range(indexes[0], indexes[-1] + 1)):
            return f"{DAY_NAMES[order[indexes[0]]]} to {DAY_NAMES[order[indexes[-1]]]}"
        return _join([f"{DAY_NAMES[order[i]]}s" for i in indexes])
    words: list[str] = []
    for code in codes:
        day = code[-2:]
        prefix = code[:-2]
        if day not in DAY_NAMES:
            continue
        if prefix in _ORDINALS:
            words.append(f"the {_ORDINALS[prefix]} {DAY_NAMES[day]} of the month")
        else:
            words.append(f"{DAY_NAMES[day]}s")
    return _join(words)


def schedule_in_words(schedule: Schedule) -> str:
    """One schedule as a parent reads it: "Mondays and Tuesdays, 9am to 5pm"."""
    parts: list[str] = []
    days = day_names(schedule.byday)
    if days:
        if schedule.freq == Schedule.Freq.WEEKLY and (schedule.interval or 1) == 2:
            days = f"every other week on {days}"
        parts.append(days[0].upper() + days[1:])
    if schedule.opens_at and schedule.closes_at:
        parts.append(f"{time_in_words(schedule.opens_at)} to {time_in_words(schedule.closes_at)}")
    elif schedule.opens_at:
        parts.append(f"from {time_in_words(schedule.opens_at)}")
    text = ", ".join(parts)
    if schedule.description:
        text = f"{text} ({schedule.description})" if text else schedule.description
    return text


# --- Schedule 2 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule2Row:
    topic: str
    question: str
    options: list[str]
    detail: str


def schedule2_rows(answers: Iterable[Schedule2Answer]) -> list[Schedule2Row]:
    """Schedule 2 answers with each chosen option's words, in the Regulations' order."""
    by_topic = {answer.topic: answer for answer in answers}
    rows: list[Schedule2Row] = []
    for topic, options in SCHEDULE2_OPTIONS.items():
        answer = by_topic.get(topic.value)
        if answer is None or not (answer.options or answer.detail):
            continue
        labels = dict(options)
        rows.append(
            Schedule2Row(
                topic=str(topic.label),
                question=SCHEDULE2_QUESTIONS.get(topic, ""),
                options=[labels.get(code, code) for code in answer.options],
                detail=answer.detail,
            )
        )
    return rows
