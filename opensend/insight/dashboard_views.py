"""The partnership board's performance dashboard: the page (for the user's one area, or a
choice of their areas and a page for each) and the whole dashboard as XLSX.

Thin: ``opensend.insight.dashboard`` decides who sees which area and computes every figure;
``opensend.insight.dashboard_export`` writes the workbook.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views import View

from opensend.core.disclosure import SUPPRESSED
from opensend.core.models import Area
from opensend.insight import dashboard as selectors
from opensend.insight.dashboard_export import dashboard_workbook
from opensend.insight.kpi import RagStatus
from opensend.insight.spc import Assurance, Variation
from opensend.web.shell import signed_in_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The text of each badge and the tag colour beside it: the words carry the meaning, the
#: colour only repeats it (WCAG 1.4.1).
RAG_BADGES: dict[str, tuple[str, str]] = {
    RagStatus.RED: ("Red", "red"),
    RagStatus.AMBER: ("Amber", "orange"),
    RagStatus.GREEN: ("Green", "green"),
    RagStatus.NO_DATA: ("No data", "grey"),
    RagStatus.NOT_RATED: ("Not rated", "grey"),
}
VARIATION_BADGES: dict[str, tuple[str, str]] = {
    Variation.COMMON_CAUSE: ("Common cause", "grey"),
    Variation.IMPROVING_HIGH: ("Improving: higher", "blue"),
    Variation.IMPROVING_LOW: ("Improving: lower", "blue"),
    Variation.CONCERNING_HIGH: ("Concerning: higher", "orange"),
    Variation.CONCERNING_LOW: ("Concerning: lower", "orange"),
    Variation.NEITHER_HIGH: ("Special cause: higher", "purple"),
    Variation.NEITHER_LOW: ("Special cause: lower", "purple"),
}
ASSURANCE_BADGES: dict[str, tuple[str, str]] = {
    Assurance.CONSISTENTLY_PASSING: ("Passing", "blue"),
    Assurance.CONSISTENTLY_FAILING: ("Failing", "orange"),
    Assurance.HIT_AND_MISS: ("Hit and miss", "grey"),
    Assurance.NOT_APPLICABLE: ("No target", "grey"),
}


def show(value: int | str) -> str:
    """A count as the page shows it: 1,234, or [c] when suppressed."""
    return f"{value:,}" if isinstance(value, int) else value


def _render(request: HttpRequest, area: Area, areas: list[Area]) -> HttpResponse:
    user = signed_in_user(request)
    board = selectors.dashboard(fetched_by=user, area=area)
    return render(
        request,
        "insight/dashboard.html",
        {
            "page_title": f"Performance dashboard: {area.name}",
            "board": board,
            "area": area,
            "other_areas": [a for a in areas if a.pk != area.pk],
            "show": show,
            "suppressed": SUPPRESSED,
            "rag_badges": RAG_BADGES,
            "variation_badges": VARIATION_BADGES,
            "assurance_badges": ASSURANCE_BADGES,
            "variation_labels": {v.value: v.label for v in Variation},
            "assurance_labels": {a.value: a.label for a in Assurance},
        },
    )


class DashboardView(View):
    """The dashboard of the user's area; a choice of areas for a user who serves several."""

    def get(self, request: HttpRequest) -> HttpResponse:
        areas = selectors.dashboard_areas(fetched_by=signed_in_user(request))
        if len(areas) == 1:
            return _render(request, areas[0], areas)
        return render(
            request,
            "insight/dashboard_areas.html",
            {"page_title": "Performance dashboards", "areas": areas},
        )


class AreaDashboardView(View):
    def get(self, request: HttpRequest, la_code: str) -> HttpResponse:
        user = signed_in_user(request)
        area = selectors.dashboard_area_get(fetched_by=user, la_code=la_code)
        return _render(request, area, selectors.dashboard_areas(fetched_by=user))


class DashboardExportView(View):
    def get(self, request: HttpRequest, la_code: str) -> HttpResponse:
        user = signed_in_user(request)
        area = selectors.dashboard_area_get(fetched_by=user, la_code=la_code)
        board = selectors.dashboard(fetched_by=user, area=area)
        response = HttpResponse(dashboard_workbook(board), content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="dashboard-{area.la_code}-{board.on.isoformat()}.xlsx"'
        )
        return response


urlpatterns: list[URLPattern] = [
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/<str:la_code>/", AreaDashboardView.as_view(), name="dashboard-area"),
    path(
        "dashboard/<str:la_code>/dashboard.xlsx",
        DashboardExportView.as_view(),
        name="dashboard-export",
    ),
]
