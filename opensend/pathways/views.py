"""The pathway pages: the area's pathways with headline figures, a pathway's figures (week
bands, demand by month as a chart with its table, triage, the forecast in words), the
provider's return upload with its row-level error report, and the figures as XLSX.

Thin: the selectors decide who sees what and compute the figures, the service imports.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views import View

from opensend.core.disclosure import SUPPRESSED
from opensend.core.models import User
from opensend.pathways import access, selectors, services
from opensend.pathways.chart import demand_chart
from opensend.pathways.export import figures_workbook
from opensend.pathways.forms import ReturnUploadForm
from opensend.pathways.models import Pathway, ReturnStatus
from opensend.pathways.provider_returns import COLUMNS, RowError
from opensend.web.helpers import error_summary
from opensend.web.shell import signed_in_user

#: Row errors shown on the page; a return with more is refused all the same.
ERRORS_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def show(value: int | str) -> str:
    """A count as the page shows it: 1,234, or [c] when suppressed."""
    return f"{value:,}" if isinstance(value, int) else value


def _user(request: HttpRequest) -> User:
    return signed_in_user(request)


class PathwayListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        today = timezone.localdate()
        rows = []
        for pathway in selectors.pathway_list(fetched_by=user):
            figures = selectors.pathway_figures(pathway, on=today)
            shown = selectors.headline(figures, exact=access.sees_exact_figures(user, pathway))
            rows.append({"pathway": pathway, "shown": shown})
        return render(
            request,
            "pathways/list.html",
            {
                "page_title": "Pathways and waiting lists",
                "rows": rows,
                "today": today,
                "show": show,
                "suppressed": SUPPRESSED,
            },
        )


def _target(request: HttpRequest, on: dt.date) -> tuple[dt.date | None, str]:
    """The forecast's target month from ``?target=2027-03``, or an error message."""
    raw = (request.GET.get("target") or "").strip()
    if not raw:
        return None, ""
    try:
        year, month = (int(part) for part in raw.split("-")[:2])
        target = dt.date(year, month, 1)
    except ValueError:
        return None, "Enter the month as a year and month, like 2027-03"
    if (target.year, target.month) <= (on.year, on.month):
        return None, "The month must be after this month"
    return target, ""


class PathwayDetailView(View):
    def get(self, request: HttpRequest, pathway_id: int) -> HttpResponse:
        user = _user(request)
        pathway = selectors.pathway_get_for_user(fetched_by=user, pathway_id=pathway_id)
        today = timezone.localdate()
        target, target_error = _target(request, today)
        figures = selectors.pathway_figures(pathway, on=today, target=target)
        exact = access.sees_exact_figures(user, pathway)
        shown = selectors.headline(figures, exact=exact)
        return render(
            request,
            "pathways/pathway.html",
            {
                "page_title": pathway.name,
                "page_has_errors": bool(target_error),
                "target_error": target_error,
                "target_value": request.GET.get("target", ""),
                "pathway": pathway,
                "figures": figures,
                "shown": shown,
                "chart": demand_chart(shown.months),
                "forecast": figures.forecast if shown.meets_standard is not None else None,
                "works_on": access.works_on(user, pathway),
                "latest_return": pathway.returns.first() if exact else None,
                "show": show,
                "today": today,
            },
            status=400 if target_error else 200,
        )


class PathwayExportView(View):
    def get(self, request: HttpRequest, pathway_id: int) -> HttpResponse:
        user = _user(request)
        pathway = selectors.pathway_get_for_user(fetched_by=user, pathway_id=pathway_id)
        today = timezone.localdate()
        figures = selectors.pathway_figures(pathway, on=today)
        shown = selectors.headline(figures, exact=access.sees_exact_figures(user, pathway))
        response = HttpResponse(figures_workbook(figures, shown), content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="pathway-{pathway.pk}-waiting-list-{today.isoformat()}.xlsx"'
        )
        return response


def _uploadable(user: User, pathway_id: int) -> Pathway:
    """The pathway, if the user is its provider's staff; a clear refusal if it is another
    provider's (whose figures they may still see, as a commissioner, or not at all)."""
    pathway = Pathway.objects.select_related("provider", "area").filter(pk=pathway_id).first()
    if pathway is None:
        raise Http404("No such pathway")
    if not access.works_on(user, pathway):
        raise PermissionDenied(
            f"Only staff of {pathway.provider.name} can upload returns for {pathway.name}."
        )
    return pathway


class ReturnUploadView(View):
    template = "pathways/upload.html"

    def _page(
        self,
        request: HttpRequest,
        pathway: Pathway,
        form: ReturnUploadForm,
        row_errors: list[RowError] | None = None,
        rows: int = 0,
        status: int = 200,
    ) -> HttpResponse:
        row_errors = row_errors or []
        errors = error_summary(form)
        if row_errors:
            count = len(row_errors)
            errors.append(
                {
                    "text": f"The file has {count} error{'s' if count != 1 else ''} in its rows; "
                    "nothing was imported. Correct them and upload the file again",
                    "href": "#row-errors",
                }
            )
        return render(
            request,
            self.template,
            {
                "page_title": f"Upload a return for {pathway.name}",
                "page_has_errors": bool(errors),
                "pathway": pathway,
                "form": form,
                "errors": errors,
                "row_errors": row_errors[:ERRORS_SHOWN],
                "row_error_total": len(row_errors),
                "rows": rows,
                "columns": COLUMNS,
            },
            status=status,
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied as refused:
            return render(
                request,
                "pathways/refused.html",
                {"page_title": "You cannot upload this return", "message": str(refused)},
                status=403,
            )

    def get(self, request: HttpRequest, pathway_id: int) -> HttpResponse:
        pathway = _uploadable(_user(request), pathway_id)
        return self._page(request, pathway, ReturnUploadForm())

    def post(self, request: HttpRequest, pathway_id: int) -> HttpResponse:
        user = _user(request)
        pathway = _uploadable(user, pathway_id)
        form = ReturnUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, pathway, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            record = services.return_file_import(
                acting_user=user, pathway=pathway, file_name=upload.name, content=upload.read()
            )
        except services.ReturnRefused as refused:
            form.add_error("file", str(refused))
            return self._page(request, pathway, form, status=400)
        if record.status == ReturnStatus.REFUSED:
            row_errors = [RowError(e["row"], e["field"], e["message"]) for e in record.errors]
            return self._page(request, pathway, form, row_errors, record.rows, status=400)
        messages.success(
            request,
            f"Return imported: {record.rows} rows, {record.created} new referrals, "
            f"{record.updated} updated.",
        )
        return redirect("pathways:pathway", pathway_id=pathway.pk)


urlpatterns: list[URLPattern] = [
    path("", PathwayListView.as_view(), name="list"),
    path("<int:pathway_id>/", PathwayDetailView.as_view(), name="pathway"),
    path("<int:pathway_id>/figures.xlsx", PathwayExportView.as_view(), name="export"),
    path("<int:pathway_id>/returns/new", ReturnUploadView.as_view(), name="upload"),
]
