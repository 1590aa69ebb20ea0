"""The performance pages (/performance/): the area's indicators by domain with RAG and the
Making Data Count verdicts; an indicator's page with its SPC chart and data table, RAG,
assurance and history; forms to define and edit an indicator, record a value and close or
reopen a period; the provider's KPI return upload with its error report; XLSX export.

Thin: the selectors decide who sees what, the services and ``kpi_returns`` write.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from opensend.commissioning.models import Commission
from opensend.core.models import Area, User
from opensend.insight import kpi, kpi_returns, selectors, services
from opensend.insight.export import series_workbook
from opensend.insight.forms import (
    ClosePeriodForm,
    IndicatorForm,
    KpiReturnForm,
    ValueForm,
    indicator_initial,
)
from opensend.insight.models import ClosedPeriod, Domain, Indicator, ReturnStatus
from opensend.insight.permissions import Access, access_for
from opensend.insight.spc_chart import spc_chart
from opensend.pathways.models import Pathway
from opensend.web.govuk_forms import GovukForm
from opensend.web.helpers import error_summary, field_error
from opensend.web.shell import signed_in_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Row errors shown on the page; a return with more is refused all the same.
ERRORS_SHOWN = 200


def _user(request: HttpRequest) -> User:
    return signed_in_user(request)


def _area(request: HttpRequest, user: User) -> tuple[Area, list[Area]]:
    """The area chosen with ``?area=<LA code>``, or the first the user sees (404: none)."""
    areas = list(selectors.visible_areas(user))
    if not areas:
        raise Http404("No indicators")
    code = request.GET.get("area", "")
    chosen = next((area for area in areas if area.la_code == code), areas[0])
    return chosen, areas


class IndicatorListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        access = access_for(user)
        if not access.sees_anything:
            raise Http404("No indicators")
        today = timezone.localdate()
        try:
            area, areas = _area(request, user)
        except Http404:
            if not access.is_provider:
                raise
            area, areas = None, []
        groups: list[tuple[str, list[selectors.IndicatorStatus]]] = []
        if area is not None:
            by_domain: dict[str, list[selectors.IndicatorStatus]] = {}
            for indicator in selectors.indicators_for(user, area):
                status = selectors.indicator_status(
                    indicator, on=today, exact=access.sees_exact(indicator)
                )
                by_domain.setdefault(indicator.domain, []).append(status)
            groups = [
                (str(label), by_domain[value])
                for value, label in Domain.choices
                if value in by_domain
            ]
        return render(
            request,
            "insight/list.html",
            {
                "page_title": "Performance",
                "area": area,
                "areas": areas,
                "groups": groups,
                "may_define": area is not None and access.may_define(area.pk),
                "is_provider": access.is_provider,
                "suppressed": area is not None and not access.may_define(area.pk),
                "today": today,
            },
        )


class IndicatorDetailView(View):
    def get(self, request: HttpRequest, indicator_id: int) -> HttpResponse:
        user = _user(request)
        indicator, access = selectors.indicator_get_for_user(user, indicator_id)
        today = timezone.localdate()
        exact = access.sees_exact(indicator)
        series = selectors.indicator_series(indicator, on=today, exact=exact)
        status = selectors.status_from_series(series)
        may_define = access.may_define(indicator.area_id)
        return render(
            request,
            "insight/indicator.html",
            {
                "page_title": indicator.name,
                "indicator": indicator,
                "definition": series.definition,
                "series": series,
                "status": status,
                "chart": spc_chart(series),
                "rows": list(reversed(series.points)),
                "may_define": may_define,
                "may_supply": access.may_supply(indicator),
                "history": selectors.value_history(indicator) if exact else [],
                "exact": exact,
                "target_text": (
                    kpi.format_value(series.definition, series.definition.target)
                    if series.definition.target is not None
                    else ""
                ),
                "figure": lambda value: selectors.figure_text(value, suppressed=False),
            },
        )


class IndicatorExportView(View):
    def get(self, request: HttpRequest, indicator_id: int) -> HttpResponse:
        user = _user(request)
        indicator, access = selectors.indicator_get_for_user(user, indicator_id)
        today = timezone.localdate()
        series = selectors.indicator_series(indicator, on=today, exact=access.sees_exact(indicator))
        response = HttpResponse(series_workbook(series), content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="{indicator.code}-{today.isoformat()}.xlsx"'
        )
        return response


# --- officers' forms -------------------------------------------------------------------------


def _errors(form: GovukForm) -> list[dict[str, str]]:
    return error_summary(form)


def _form_page(
    request: HttpRequest,
    form: GovukForm,
    *,
    title: str,
    caption: str,
    back: str,
    back_text: str,
    submit: str,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "insight/form.html",
        {
            "page_title": title,
            "page_has_errors": bool(form.errors),
            "errors": _errors(form) if form.errors else [],
            "form": form,
            "caption": caption,
            "back_href": back,
            "back_text": back_text,
            "submit": submit,
        },
        status=status,
    )


class _IndicatorFormView(View):
    user: User
    access: Access
    area: Area
    indicator: Indicator | None = None

    def _form(self, data: Any = None) -> IndicatorForm:
        kwargs: dict[str, Any] = {
            "pathways": Pathway.objects.filter(area=self.area).order_by("name"),
            "commissions": Commission.objects.filter(area=self.area).order_by("title"),
        }
        if data is not None:
            return IndicatorForm(data, **kwargs)
        if self.indicator is not None:
            return IndicatorForm(initial=indicator_initial(self.indicator), **kwargs)
        return IndicatorForm(**kwargs)

    def _render(self, form: IndicatorForm, status: int = 200) -> HttpResponse:
        editing = self.indicator is not None
        back = (
            reverse("insight:indicator", args=[self.indicator.pk])
            if self.indicator is not None
            else f"{reverse('insight:list')}?area={self.area.la_code}"
        )
        return _form_page(
            self.request,
            form,
            title=f"Change {self.indicator.name}" if self.indicator else "Define an indicator",
            caption=f"Performance, {self.area.name}",
            back=back,
            back_text=self.indicator.name if self.indicator else "Performance",
            submit="Save the changes" if editing else "Save the indicator",
            status=status,
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                if self.indicator is None:
                    saved = services.indicator_create(
                        acting_user=self.user, area=self.area, **form.service_fields()
                    )
                else:
                    saved = services.indicator_update(
                        acting_user=self.user, indicator=self.indicator, **form.service_fields()
                    )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, f"{saved.name} saved")
                return redirect("insight:indicator", saved.pk)
        return self._render(form, status=400)


class IndicatorNewView(_IndicatorFormView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user = _user(request)
        self.access = access_for(self.user)
        code = request.GET.get("area", "")
        area = Area.objects.filter(la_code=code, pk__in=self.access.officer_area_ids).first()
        if area is None:
            area = Area.objects.filter(pk__in=self.access.officer_area_ids).order_by("name").first()
        if area is None:
            raise PermissionDenied("Only commissioners and SEND managers define indicators.")
        self.area = area
        return super().dispatch(request, *args, **kwargs)


class _OfficerIndicatorView(View):
    user: User
    access: Access
    indicator: Indicator | None = None
    target: Indicator  # the same indicator, known to be there

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user = _user(request)
        indicator, self.access = selectors.indicator_get_for_user(self.user, kwargs["indicator_id"])
        if not self.access.may_define(indicator.area_id):
            raise PermissionDenied("Only commissioners and SEND managers of the area can do this.")
        self.indicator = indicator
        self.target = indicator
        return super().dispatch(request, *args, **kwargs)


class IndicatorEditView(_OfficerIndicatorView, _IndicatorFormView):
    def _form(self, data: Any = None) -> IndicatorForm:
        self.area = self.target.area
        return super()._form(data)


class ValueNewView(_OfficerIndicatorView):
    def _render(self, form: ValueForm, status: int = 200) -> HttpResponse:
        return _form_page(
            self.request,
            form,
            title=f"Record a value for {self.target.name}",
            caption=self.target.area.name,
            back=reverse("insight:indicator", args=[self.target.pk]),
            back_text=self.target.name,
            submit="Record the value",
            status=status,
        )

    def get(self, request: HttpRequest, indicator_id: int) -> HttpResponse:
        return self._render(ValueForm())

    def post(self, request: HttpRequest, indicator_id: int) -> HttpResponse:
        form = ValueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.value_record(
                    acting_user=self.user,
                    indicator=self.target,
                    period_start=data["period_start"],
                    figures=services.Figures(data["numerator"], data["denominator"], data["value"]),
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                label = result.value.period.label
                messages.success(
                    request,
                    f"Value for {label} recorded" if result.changed else f"{label} is unchanged",
                )
                return redirect("insight:indicator", self.target.pk)
        return self._render(form, status=400)


class PeriodCloseView(_OfficerIndicatorView):
    def _render(self, form: ClosePeriodForm, status: int = 200) -> HttpResponse:
        return _form_page(
            self.request,
            form,
            title=f"Close a period of {self.target.name}",
            caption="Once a period is closed its value can no longer change",
            back=reverse("insight:indicator", args=[self.target.pk]),
            back_text=self.target.name,
            submit="Close the period",
            status=status,
        )

    def get(self, request: HttpRequest, indicator_id: int) -> HttpResponse:
        return self._render(ClosePeriodForm())

    def post(self, request: HttpRequest, indicator_id: int) -> HttpResponse:
        form = ClosePeriodForm(request.POST)
        if form.is_valid():
            try:
                closed = services.period_close(
                    acting_user=self.user,
                    indicator=self.target,
                    period_start=form.cleaned_data["period_start"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                label = self.target.period(closed.period_start).label
                messages.success(request, f"{label} closed")
                return redirect("insight:indicator", self.target.pk)
        return self._render(form, status=400)


class PeriodReopenView(_OfficerIndicatorView):
    def post(self, request: HttpRequest, indicator_id: int, closed_id: int) -> HttpResponse:
        closed = ClosedPeriod.objects.filter(pk=closed_id, indicator=self.target).first()
        if closed is None:
            raise Http404("No such closed period")
        label = self.target.period(closed.period_start).label
        services.period_reopen(acting_user=self.user, closed=closed)
        messages.success(request, f"{label} reopened")
        return redirect("insight:indicator", self.target.pk)


# --- the provider's return -------------------------------------------------------------------


class ReturnUploadView(View):
    user: User
    access: Access

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user = _user(request)
        self.access = access_for(self.user)
        if not self.access.is_provider:
            raise PermissionDenied("Only providers send KPI returns.")
        return super().dispatch(request, *args, **kwargs)

    def _commissions(self) -> Any:
        return (
            Commission.objects.filter(
                provider_id__in=self.access.provider_organisation_ids,
                indicators__active=True,
                indicators__source="provider",
            )
            .distinct()
            .order_by("title")
        )

    def _render(
        self, form: KpiReturnForm, record: Any = None, file_error: str = "", status: int = 200
    ) -> HttpResponse:
        errors = error_summary(form) if form.errors else []
        if file_error:
            errors.append({"text": file_error, "href": "#id_file"})
        row_errors = []
        if record is not None and record.status == ReturnStatus.REFUSED:
            row_errors = [
                kpi_returns.RowError(e["row"], e["field"], e["message"])
                for e in record.error_list()
            ]
            errors.append(
                {
                    "text": f"The return was not imported: {len(row_errors)} "
                    f"{'problem' if len(row_errors) == 1 else 'problems'} in the file",
                    "href": "#row-errors",
                }
            )
        commissions = list(self._commissions())
        return render(
            self.request,
            "insight/upload.html",
            {
                "page_title": "Send a KPI return",
                "page_has_errors": bool(errors),
                "errors": errors,
                "form": form,
                "commissions": commissions,
                "commission_error": field_error(form, "commission"),
                "file_error": field_error(form, "file")
                or ({"text": file_error} if file_error else None),
                "chosen": str(form.data.get("commission", "")) if form.is_bound else "",
                "row_errors": row_errors[:ERRORS_SHOWN],
                "row_error_total": len(row_errors),
                "rows": record.rows if record is not None else 0,
                "columns": kpi_returns.COLUMNS,
                "indicators": {
                    commission.pk: list(kpi_returns.supplied_indicators(commission).values())
                    for commission in commissions
                },
                "returns": selectors.returns_for(self.user)[:10],
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(KpiReturnForm(commissions=self._commissions()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = KpiReturnForm(request.POST, request.FILES, commissions=self._commissions())
        if not form.is_valid():
            return self._render(form, status=400)
        upload = form.cleaned_data["file"]
        try:
            record = kpi_returns.kpi_return_file_import(
                acting_user=self.user,
                commission=form.cleaned_data["commission"],
                file_name=upload.name or "",
                content=upload.read(),
            )
        except kpi_returns.ReturnRefused as refused:
            return self._render(form, file_error=str(refused), status=400)
        if record.status == ReturnStatus.REFUSED:
            return self._render(form, record=record, status=400)
        messages.success(
            request,
            f"Return imported: {record.created} new "
            f"{'value' if record.created == 1 else 'values'}, {record.updated} corrected",
        )
        return redirect("insight:upload")


urlpatterns: list[URLPattern] = [
    path("", IndicatorListView.as_view(), name="list"),
    path("indicators/new/", IndicatorNewView.as_view(), name="indicator-new"),
    path("indicators/<int:indicator_id>/", IndicatorDetailView.as_view(), name="indicator"),
    path("indicators/<int:indicator_id>/edit/", IndicatorEditView.as_view(), name="indicator-edit"),
    path("indicators/<int:indicator_id>/values/new/", ValueNewView.as_view(), name="value-new"),
    path("indicators/<int:indicator_id>/close/", PeriodCloseView.as_view(), name="period-close"),
    path(
        "indicators/<int:indicator_id>/closed/<int:closed_id>/reopen/",
        PeriodReopenView.as_view(),
        name="period-reopen",
    ),
    path(
        "indicators/<int:indicator_id>/export.xlsx",
        IndicatorExportView.as_view(),
        name="indicator-export",
    ),
    path("returns/", ReturnUploadView.as_view(), name="upload"),
]
