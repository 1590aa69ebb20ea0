"""Reads of the Local Offer's feedback: the staff queue, one comment for an officer, its history,
the public "you said, we did" page, a service's published answers, the counts per theme that
the needs assessment reads, and the year's export.

Years are **academic years**, 1 September to 31 August, named by the year they start in
(2025 is "2025 to 2026"): the year the Local Offer is reviewed in with schools and the parent
carer forum, and the one families plan by. A comment belongs to the year it was received in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from opensend.core.disclosure import is_small
from opensend.core.models import AccessLogEntry, Area, User
from opensend.directory.models import (
    Feedback,
    FeedbackAbout,
    FeedbackStatus,
    FeedbackTheme,
    Service,
)
from opensend.directory.permissions import is_officer

__all__ = [
    "ExportRow",
    "FeedbackFilters",
    "ThemeCount",
    "ThemeGroup",
    "YearGroup",
    "academic_year_bounds",
    "academic_year_label",
    "academic_year_of",
    "count_label",
    "export_header",
    "export_rows",
    "feedback_get",
    "feedback_history",
    "feedback_list",
    "feedback_services",
    "feedback_years",
    "published_for_service",
    "published_years",
    "theme_counts",
    "themes_for_area",
    "you_said_we_did",
]

#: The month an academic year starts in.
YEAR_START_MONTH = 9


# --- years (pure) --------------------------------------------------------------------------


def academic_year_of(day: dt.date) -> int:
    """The academic year ``day`` falls in, named by the year it starts in: 1 September 2025
    to 31 August 2026 is 2025."""
    return day.year if day.month >= YEAR_START_MONTH else day.year - 1


def academic_year_label(year: int) -> str:
    """As GOV.UK writes a year that spans two: "2025 to 2026"."""
    return f"{year} to {year + 1}"


def academic_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the academic year and the first moment of the next, in the
    project's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        dt.datetime(year, YEAR_START_MONTH, 1, tzinfo=zone),
        dt.datetime(year + 1, YEAR_START_MONTH, 1, tzinfo=zone),
    )


def count_label(count: int) -> str:
    """A count as the public sees it: 1 to 5 as "fewer than 6", so that a small number of
    comments cannot point to the families who made them (DESIGN.md, "Data protection")."""
    if is_small(count):
        return "fewer than 6"
    return f"{count:,}"


def _in_year(queryset: QuerySet[Feedback], year: int) -> QuerySet[Feedback]:
    start, end = academic_year_bounds(year)
    return queryset.filter(received_at__gte=start, received_at__lt=end)


def _years(moments: Iterator[dt.datetime]) -> list[int]:
    return sorted({academic_year_of(timezone.localtime(moment).date()) for moment in moments})


# --- staff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackFilters:
    status: str = ""
    theme: int | None = None
    about: str = ""
    service: str = ""  # a service's id
    year: int | None = None


def _require_officer(user: User, area: Area) -> None:
    if not is_officer(user, area):
        raise PermissionDenied("Only the area's Local Offer officers read its feedback.")


def feedback_list(
    *, fetched_by: User, area: Area, filters: FeedbackFilters | None = None
) -> QuerySet[Feedback]:
    """The area's feedback for its Local Offer officers, newest first, filtered; nothing for
    anyone else."""
    if not is_officer(fetched_by, area):
        return Feedback.objects.none()
    filters = filters or FeedbackFilters()
    queryset = (
        Feedback.objects.filter(area=area)
        .select_related("service")
        .prefetch_related("themes")
        .order_by("-received_at", "reference")
    )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.theme is not None:
        queryset = queryset.filter(themes__pk=filters.theme)
    if filters.about:
        queryset = queryset.filter(about=filters.about)
    if filters.service:
        queryset = queryset.filter(service_id=filters.service)
    if filters.year is not None:
        queryset = _in_year(queryset, filters.year)
    return queryset


def feedback_get(*, fetched_by: User, area: Area, reference: str) -> Feedback:
    """One comment of the area for an officer: ``PermissionDenied`` for anyone else,
    ``Feedback.DoesNotExist`` if the area has no comment with that reference."""
    _require_officer(fetched_by, area)
    return (
        Feedback.objects.select_related("service", "answered_by", "area")
        .prefetch_related("themes")
        .get(area=area, reference=reference.upper())
    )


@dataclass(frozen=True)
class HistoryEvent:
    occurred_at: dt.datetime
    who: str
    what: str
    reason: str


def _describe(detail: dict[str, object], action: str) -> str:
    if action == "create":
        return "Comment received"
    if detail.get("published"):
        return "Answer published"
    if detail.get("withdrawn"):
        return "Published answer withdrawn"
    if detail.get("withheld"):
        return "Marked not for publication"
    if detail.get("answered"):
        return "Answer written"
    themes = detail.get("themes")
    if isinstance(themes, dict):
        chosen = themes.get("to") or []
        return "Themes set: " + (", ".join(str(name) for name in chosen) or "none")
    return "Changed"


def feedback_history(feedback: Feedback) -> list[HistoryEvent]:
    """What happened to a comment, oldest first, from the access log (which also keeps the
    reasons for withholding and withdrawing)."""
    entries = AccessLogEntry.objects.filter(
        object_type="directory.feedback", object_id=feedback.reference
    ).select_related("actor")
    return [
        HistoryEvent(
            occurred_at=entry.occurred_at,
            who=(entry.actor.full_name or entry.actor.email)
            if entry.actor
            else "Sent from the feedback form",
            what=_describe(entry.detail, entry.action),
            reason=entry.reason,
        )
        for entry in entries.order_by("seq")
    ]


def themes_for_area(area: Area) -> QuerySet[FeedbackTheme]:
    return FeedbackTheme.objects.filter(area=area).order_by("name")


def feedback_services(area: Area) -> QuerySet[Service]:
    """The services of the area that have feedback, for the queue's filter."""
    return Service.objects.filter(area=area, feedback__isnull=False).distinct().order_by("name")


def feedback_years(area: Area) -> list[int]:
    """The academic years the area received feedback in, newest first."""
    moments = Feedback.objects.filter(area=area).values_list("received_at", flat=True).iterator()
    return sorted(_years(moments), reverse=True)


# --- export --------------------------------------------------------------------------------


#: Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@dataclass(frozen=True)
class ExportRow:
    cells: tuple[str, ...]


def export_header() -> list[str]:
    return [
        "Reference",
        "Received",
        "About",
        "Service",
        "Who",
        "Status",
        "Themes",
        "Comment",
        "Comment as published",
        "Response",
        "Action",
        "Answered",
        "Published",
    ]


def export_rows(*, fetched_by: User, area: Area, year: int) -> list[list[str]]:
    """The year's feedback for the area, one row per comment, oldest first, for officers. No
    contact details: the reply email address is never exported."""
    _require_officer(fetched_by, area)
    queryset = _in_year(
        Feedback.objects.filter(area=area)
        .select_related("service")
        .prefetch_related("themes")
        .order_by("received_at", "reference"),
        year,
    )

    def moment(value: dt.datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        [
            _cell(cell)
            for cell in (
                item.reference,
                moment(item.received_at),
                str(item.get_about_display()),
                item.service.name if item.service else "",
                str(item.get_relationship_display()) if item.relationship else "",
                str(item.get_status_display()),
                "; ".join(theme.name for theme in item.themes.all()),
                item.comment,
                item.published_comment,
                item.response,
                item.action,
                moment(item.answered_at),
                moment(item.published_at),
            )
        ]
        for item in queryset
    ]


# --- the public page -----------------------------------------------------------------------


def _published(area: Area) -> QuerySet[Feedback]:
    return Feedback.objects.filter(area=area, status=FeedbackStatus.PUBLISHED)


def published_years(area: Area) -> list[int]:
    """The academic years with published answers, newest first."""
    moments = _published(area).values_list("received_at", flat=True).iterator()
    return sorted(_years(moments), reverse=True)


@dataclass(frozen=True)
class ThemeCount:
    theme: str
    count: int

    @property
    def label(self) -> str:
        return count_label(self.count)


def theme_counts(area: Area, year: int) -> list[ThemeCount]:
    """How many comments received in the academic year ``year`` were given each theme,
    published or not, most first: what families raised, for the needs assessment. Raw
    counts: whoever shows them publicly suppresses small numbers (``count_label``)."""
    counts: Counter[str] = Counter()
    for name in _in_year(Feedback.objects.filter(area=area), year).values_list(
        "themes__name", flat=True
    ):
        if name is not None:
            counts[name] += 1
    return [
        ThemeCount(theme=name, count=count)
        for name, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]


@dataclass
class ThemeGroup:
    theme: str
    items: list[Feedback] = field(default_factory=list)
    received: int = 0

    @property
    def received_label(self) -> str:
        return count_label(self.received)


@dataclass
class YearGroup:
    year: int
    themes: list[ThemeGroup]
    received: int
    counts: list[ThemeCount]

    @property
    def label(self) -> str:
        return academic_year_label(self.year)

    @property
    def received_label(self) -> str:
        return count_label(self.received)

    @property
    def published(self) -> int:
        return len({item.pk for group in self.themes for item in group.items})


def you_said_we_did(area: Area, years: Sequence[int]) -> list[YearGroup]:
    """The published answers of each of ``years``, grouped by theme (an answer with two themes
    is under both), themes in alphabetical order and answers newest first, with how many
    comments the area received that year and on each theme."""
    groups: list[YearGroup] = []
    for year in years:
        items = list(
            _in_year(_published(area), year)
            .select_related("service")
            .prefetch_related(Prefetch("themes", queryset=FeedbackTheme.objects.order_by("name")))
            .order_by("-published_at", "reference")
        )
        counts = theme_counts(area, year)
        received_by_theme = {count.theme: count.count for count in counts}
        by_theme: dict[str, ThemeGroup] = {}
        for item in items:
            for theme in item.themes.all():
                group = by_theme.setdefault(
                    theme.name,
                    ThemeGroup(theme=theme.name, received=received_by_theme.get(theme.name, 0)),
                )
                group.items.append(item)
        groups.append(
            YearGroup(
                year=year,
                themes=[by_theme[name] for name in sorted(by_theme, key=str.casefold)],
                received=_in_year(Feedback.objects.filter(area=area), year).count(),
                counts=counts,
            )
        )
    return groups


def published_for_service(service: Service) -> list[Feedback]:
    """A service's published answers, newest first, for its page on the public site."""
    return list(
        _published(service.area)
        .filter(service=service)
        .prefetch_related("themes")
        .order_by("-published_at", "reference")
    )


def about_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in FeedbackAbout.choices]
