"""The gap analysis pages: the analysis of an area as of a date (with its XLSX export), and
the responsibility disputes: the list, raising one and resolving one.

Thin: ``gaps`` decides who sees which area and how exactly (404 for an area the user may not
see, 403 for someone who sees no gap analysis at all), the services decide who may raise and
resolve disputes and check the input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from opensend.commissioning import gap_export, gaps, services
from opensend.commissioning.models import DisputeOutcome, ResponsibilityDispute
from opensend.core import access_log
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.ehc.models import ProvisionLine
from opensend.web.govuk_forms import GovukDateField, GovukForm
from opensend.web.helpers import error_summary
from opensend.web.shell import signed_in_user


def _viewer(request: HttpRequest) -> tuple[User, gaps.GapAccess]:
    user = signed_in_user(request)
    access = gaps.gap_access(user)
    if not access.area_ids:
        raise PermissionDenied(
            "The gap analysis is for commissioners, SEND managers and board members."
        )
    return user, access


def _chosen_area(request: HttpRequest, user: User) -> tuple[Area, gaps.GapAccess]:
    chosen = request.GET.get("area") or request.POST.get("area") or ""
    return gaps.gap_area_get_for_user(user, area_id=int(chosen) if chosen.isdigit() else None)


def _on(request: HttpRequest) -> tuple[dt.date, str]:
    """The date of the analysis from ``?on=2026-03-31``: today if not given; an error message
    for a date that cannot be read or is in the future."""
    today = timezone.localdate()
    raw = (request.GET.get("on") or "").strip()
    if not raw:
        return today, ""
    try:
        on = dt.date.fromisoformat(raw)
    except ValueError:
        return today, "Enter the date as a year, month and day, like 2026-03-31"
    if on > today:
        return today, "The date must be today or in the past"
    return on, ""


def _log_disputes(
    user: User, disputes: Sequence[ResponsibilityDispute], action: AccessAction
) -> None:
    """A list naming disputed lines of plans is about those children: logged."""
    if not disputes:
        return
    access_log.record(
        actor=user,
        action=action,
        object_type=services.DISPUTE,
        subjects=[(services.CHILD, d.provision_line.version.plan.child_id) for d in disputes],
        purpose="Commissioning: responsibility disputes",
        detail={"commissioning": "responsibility_dispute_list", "rows": len(disputes)},
    )


class GapAnalysisView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user, access = _viewer(request)
        area, _ = _chosen_area(request, user)
        on, date_error = _on(request)
        analysis = gaps.gap_analysis(fetched_by=user, area=area, on=on)
        listed = gaps.open_disputes(area, on) if analysis.exact else []
        if request.GET.get("format") == "xlsx" and not date_error:
            _log_disputes(user, listed, AccessAction.EXPORT)
            response = HttpResponse(
                gap_export.gap_analysis_xlsx(analysis), content_type=gap_export.XLSX
            )
            response["Content-Disposition"] = (
                f'attachment; filename="gap-analysis-{area.la_code}-{on.isoformat()}.xlsx"'
            )
            return response
        _log_disputes(user, listed, AccessAction.SEARCH)
        return render(
            request,
            "commissioning/gaps.html",
            {
                "page_title": "Gap analysis",
                "page_has_errors": bool(date_error),
                "date_error": date_error,
                "on_value": request.GET.get("on", ""),
                "analysis": analysis,
                "areas": gaps.gap_areas(user),
                "area": area,
                "sees_disputes": access.exact(area.pk),
                "may_raise": access.may_change_disputes(area.pk),
                "export_query": f"area={area.pk}&on={on.isoformat()}&format=xlsx",
            },
            status=400 if date_error else 200,
        )


# --- disputes -------------------------------------------------------------------------------


class DisputeForm(GovukForm):
    provision_line_id = forms.IntegerField(
        label="EHC plan provision line number",
        min_value=1,
        help_text="The number of the line of the plan's provision that is disputed.",
        error_messages={
            "required": "Enter the provision line number",
            "invalid": "The provision line number must be a number",
            "min_value": "The provision line number must be a number",
        },
    )
    disputing_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Who disputes responsibility",
        empty_label="Select",
        error_messages={"required": "Select who disputes responsibility"},
    )
    disputed = forms.CharField(
        label="What is disputed",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Enter what is disputed"},
    )
    raised_on = GovukDateField(noun="The date it was raised", label="Raised on")

    widths = {"provision_line_id": 10}

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["disputing_organisation"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = organisations


class ResolveForm(GovukForm):
    outcome = forms.ChoiceField(
        label="How was it resolved",
        choices=DisputeOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the dispute was resolved"},
    )
    outcome_note = forms.CharField(
        label="What was agreed (optional)", widget=forms.Textarea, max_length=2000, required=False
    )
    resolved_on = GovukDateField(noun="The date it was resolved", label="Resolved on")


class DisputeListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user, access = _viewer(request)
        area, _ = _chosen_area(request, user)
        disputes = gaps.dispute_list(fetched_by=user, area=area)
        _log_disputes(user, disputes, AccessAction.SEARCH)
        today = timezone.localdate()
        return render(
            request,
            "commissioning/disputes.html",
            {
                "page_title": "Responsibility disputes",
                "area": area,
                "open_disputes": [d for d in disputes if d.is_open],
                "resolved": [d for d in disputes if not d.is_open],
                "today": today,
                "may_change": access.may_change_disputes(area.pk),
            },
        )


def _form_page(
    request: HttpRequest,
    form: GovukForm,
    *,
    title: str,
    caption: str,
    submit: str,
    back: str,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "commissioning/form.html",
        {
            "page_title": title,
            "page_has_errors": bool(form.errors),
            "errors": error_summary(form) if form.errors else [],
            "form": form,
            "caption": caption,
            "back_href": back,
            "back_text": "Responsibility disputes",
            "submit": submit,
        },
        status=status,
    )


class DisputeNewView(View):
    user: User
    area: Area

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user, access = _viewer(request)
        self.area, _ = _chosen_area(request, self.user)
        if not access.may_change_disputes(self.area.pk):
            raise PermissionDenied("Only the area's commissioners can record a dispute.")
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data: Any = None) -> DisputeForm:
        organisations = gaps.disputing_organisations(self.area)
        if data is None:
            return DisputeForm(organisations=organisations)
        return DisputeForm(data, organisations=organisations)

    def _render(self, form: DisputeForm, status: int = 200) -> HttpResponse:
        return _form_page(
            self.request,
            form,
            title="Record a responsibility dispute",
            caption=self.area.name,
            submit="Record the dispute",
            back=f"{reverse('commissioning:disputes')}?area={self.area.pk}",
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            line = (
                ProvisionLine.objects.select_related("version__plan__area")
                .filter(pk=data["provision_line_id"], version__plan__area=self.area)
                .first()
            )
            if line is None:
                form.add_error(
                    "provision_line_id",
                    f"There is no provision line {data['provision_line_id']} in a plan of "
                    f"{self.area.name}",
                )
            else:
                try:
                    dispute = services.dispute_raise(
                        acting_user=self.user,
                        provision_line=line,
                        disputing_organisation=data["disputing_organisation"],
                        disputed=data["disputed"],
                        raised_on=data["raised_on"],
                    )
                    messages.success(request, f"Dispute {dispute.reference} recorded")
                    return redirect(f"{reverse('commissioning:disputes')}?area={self.area.pk}")
                except ValidationError as error:
                    form.add_service_error(
                        ValidationError(
                            {
                                ("provision_line_id" if key == "provision_line" else key): value
                                for key, value in error.message_dict.items()
                            }
                        )
                    )
        return self._render(form, status=400)


class DisputeResolveView(View):
    user: User
    dispute: ResponsibilityDispute

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user, _ = _viewer(request)
        self.dispute, access = gaps.dispute_get_for_user(self.user, kwargs["dispute_id"])
        if not access.may_change_disputes(self.dispute.area_id):
            raise PermissionDenied("Only the area's commissioners can resolve a dispute.")
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form: ResolveForm, status: int = 200) -> HttpResponse:
        line = self.dispute.provision_line
        return _form_page(
            self.request,
            form,
            title=f"Resolve dispute {self.dispute.reference}",
            caption=(
                f"{self.dispute.disputing_organisation.name}: "
                f"{line.section.upper()} {line.description}"
            ),
            submit="Record the outcome",
            back=f"{reverse('commissioning:disputes')}?area={self.dispute.area_id}",
            status=status,
        )

    def get(self, request: HttpRequest, dispute_id: int) -> HttpResponse:
        return self._render(ResolveForm())

    def post(self, request: HttpRequest, dispute_id: int) -> HttpResponse:
        form = ResolveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.dispute_resolve(
                    acting_user=self.user,
                    dispute=self.dispute,
                    resolved_on=data["resolved_on"],
                    outcome=data["outcome"],
                    outcome_note=data["outcome_note"],
                )
                messages.success(request, f"Dispute {self.dispute.reference} resolved")
                return redirect(f"{reverse('commissioning:disputes')}?area={self.dispute.area_id}")
            except ValidationError as error:
                form.add_service_error(error)
        return self._render(form, status=400)


#: Mounted under ``/commissioning/`` by ``opensend.commissioning.urls``.
urlpatterns: list[URLPattern] = [
    path("gaps/", GapAnalysisView.as_view(), name="gaps"),
    path("disputes/", DisputeListView.as_view(), name="disputes"),
    path("disputes/new/", DisputeNewView.as_view(), name="dispute-new"),
    path(
        "disputes/<int:dispute_id>/resolve/", DisputeResolveView.as_view(), name="dispute-resolve"
    ),
]
