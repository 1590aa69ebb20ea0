"""The commissioning pages: the commissions list with totals by funding stream, a commission,
the form for a commission with its contributions and Local Offer services, the cycle's
decisions (with evidence files or links) and agreements, the download of an evidence file,
spot purchases by type, and the XLSX and OCDS exports.

Thin: selectors decide what the user sees (not found otherwise), services decide what they
may change (403 otherwise) and check the input; these views read the request and render.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from opensend.commissioning import evidence as evidence_files
from opensend.commissioning import exports, ocds, selectors, services
from opensend.commissioning.codes import (
    COMMISSIONER_KINDS,
    Arrangement,
    CommissionStatus,
    ProvisionType,
)
from opensend.commissioning.forms import (
    AgreementForm,
    CommissionForm,
    ContributionRowForm,
    DecisionForm,
    SpotPurchaseForm,
    apply_service_error,
    contribution_rows,
    offered_services,
    service_picker,
    without_errors,
)
from opensend.commissioning.gaps import gap_access
from opensend.commissioning.models import Commission, Decision, DecisionEvidence
from opensend.commissioning.permissions import Access, access_for
from opensend.core import access_log
from opensend.core.models import AccessAction, Area, Organisation, User
from opensend.directory.models import Service
from opensend.ehc.models import ProvisionLine
from opensend.people.models import Child
from opensend.web.govuk_forms import GovukForm
from opensend.web.shell import signed_in_user


def error_list(
    form: GovukForm, rows: list[ContributionRowForm] | None = None
) -> list[dict[str, str]]:
    """The error summary: each message once, linked to its field."""
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    first = next(iter(form.fields))

    def add(text: str, target: str) -> None:
        if text not in seen:
            seen.add(text)
            items.append({"text": text, "href": f"#id_{target}"})

    for name, errors in form.errors.items():
        for error in errors:
            add(str(error), name if name in form.fields else first)
    for index, row in enumerate(rows or []):
        for name, errors in row.errors.items():
            target = row.add_prefix(name if name in row.fields else "commissioner")
            for error in errors:
                text = str(error)
                if name != "__all__":
                    text = f"Contribution {index + 1}: {text[:1].lower()}{text[1:]}"
                add(text, target)
    return items


def _access(request: HttpRequest) -> tuple[User, Access]:
    user = signed_in_user(request)
    access = access_for(user)
    if not access.sees_anything:
        raise PermissionDenied("Commissioning is for commissioners, providers and board members.")
    return user, access


def _commissioner_area(access: Access, request: HttpRequest) -> Area:
    """The area a commissioner is working in: the one chosen (``?area=``), else their first."""
    areas = Area.objects.filter(pk__in=access.commissioner_area_ids).order_by("name")
    chosen = request.GET.get("area") or request.POST.get("area")
    if chosen and chosen.isdigit():
        area = areas.filter(pk=int(chosen)).first()
        if area is not None:
            return area
    area = areas.first()
    if area is None:
        raise PermissionDenied("Only commissioners can do this.")
    return area


def _providers(area: Area) -> QuerySet[Organisation]:
    return Organisation.objects.filter(areas=area).order_by("name").distinct()


def _commissioners(area: Area) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(areas=area, kind__in=COMMISSIONER_KINDS)
        .order_by("name")
        .distinct()
    )


# --- the list -----------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.CommissionFilters:
    arrangement = request.GET.get("arrangement", "")
    status = request.GET.get("status", "")
    return selectors.CommissionFilters(
        arrangement=arrangement if arrangement in Arrangement.values else "",
        status=status if status in CommissionStatus.values else "",
        expiring_soon=request.GET.get("expiring") == "yes",
    )


class CommissionListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user, access = _access(request)
        filters = _filters(request)
        commissions = selectors.commission_list(fetched_by=user, filters=filters)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(
                exports.commissions_xlsx(commissions), content_type=exports.XLSX
            )
            response["Content-Disposition"] = 'attachment; filename="commissions.xlsx"'
            return response
        rows = list(commissions)
        gaps_seen = gap_access(user)
        return render(
            request,
            "commissioning/list.html",
            {
                "page_title": "Commissioned services and contracts",
                "commissions": rows,
                "totals": selectors.totals_by_stream(commissions),
                "total_value": sum(c.annual_value for c in rows),
                "filters": filters,
                "arrangements": Arrangement.choices,
                "statuses": CommissionStatus.choices,
                "expiring_days": selectors.EXPIRING_SOON_DAYS,
                "may_create": bool(access.commissioner_area_ids),
                "sees_spot_purchases": bool(access.commissioner_area_ids),
                "sees_gaps": bool(gaps_seen.area_ids),
                "sees_disputes": bool(gaps_seen.exact_area_ids),
                "query": request.GET.urlencode(),
            },
        )


def _sees_detail(commission: Commission, access: Access) -> bool:
    """Decisions, agreements and evidence: the area's commissioners and the provider."""
    return (
        access.sees_detail(commission.area_id)
        or commission.provider_id in access.provider_organisation_ids
    )


@dataclass(frozen=True)
class LinkedService:
    """A Local Offer service a commission delivers, with its public page if it is public."""

    name: str
    organisation: str
    href: str


def _service_rows(commission: Commission) -> list[LinkedService]:
    linked = list(commission.services.all())
    public = set(
        Service.objects.public()
        .filter(pk__in=[service.pk for service in linked])
        .values_list("pk", flat=True)
    )
    organisations = dict(
        Service.objects.filter(pk__in=[service.pk for service in linked]).values_list(
            "pk", "organization__name"
        )
    )
    return [
        LinkedService(
            name=service.name,
            organisation=organisations.get(service.pk, ""),
            href=reverse("directory:public-service", args=[commission.area.la_code, service.pk])
            if service.pk in public
            else "",
        )
        for service in linked
    ]


class CommissionView(View):
    def get(self, request: HttpRequest, commission_id: int) -> HttpResponse:
        user, _ = _access(request)
        commission, access = selectors.commission_get_for_user(user, commission_id)
        return render(
            request,
            "commissioning/commission.html",
            {
                "page_title": commission.title,
                "commission": commission,
                "may_change": access.may_change(commission.area_id),
                "sees_detail": _sees_detail(commission, access),
                "parties": _party_rows(commission),
                "linked_services": _service_rows(commission),
                "evidence_file_text": evidence_file_text,
                "stages": list(commission.stages.all()),
            },
        )


def evidence_file_text(item: DecisionEvidence) -> str:
    """The kind and size of an evidence file, for its link: "PDF, 120 KB"."""
    kind = evidence_files.ALLOWED.get(evidence_files.extension(item.file.name))
    try:
        size = item.file.size
    except OSError:
        return kind.label if kind else "file"
    amount = f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{-(-size // 1024)} KB"
    return f"{kind.label if kind else 'file'}, {amount}"


EVIDENCE = "commissioning.decisionevidence"


class EvidenceDownloadView(View):
    """An evidence file, as an attachment: only to those who see the commission's decisions
    (its area's commissioners, its provider); not found for anyone else. Each download is
    written to the access log."""

    def get(self, request: HttpRequest, commission_id: int, evidence_id: int) -> HttpResponseBase:
        user, _ = _access(request)
        commission, access = selectors.commission_get_for_user(user, commission_id)
        if not _sees_detail(commission, access):
            raise Http404("No such evidence")
        item = (
            DecisionEvidence.objects.filter(pk=evidence_id, decision__stage__commission=commission)
            .exclude(file="")
            .first()
        )
        if item is None:
            raise Http404("No such evidence")
        try:
            handle = item.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404("The evidence file is missing from storage") from None
        name = PurePath(item.file.name).name
        try:
            access_log.record(
                actor=user,
                action=AccessAction.EXPORT,
                object_type=EVIDENCE,
                object_id=item.pk,
                purpose="Commissioning: evidence for a decision",
                detail={
                    "commissioning": "evidence_download",
                    "reference": commission.reference,
                    "file": name,
                },
            )
        except BaseException:
            handle.close()
            raise
        return FileResponse(
            handle,
            as_attachment=True,
            filename=name,
            content_type=evidence_files.content_type_for(name),
        )


def _party_rows(commission: Commission) -> list[tuple[str, str]]:
    rows: dict[int, tuple[Organisation, list[str]]] = {}
    if commission.lead_commissioner is not None:
        rows[commission.lead_commissioner.pk] = (
            commission.lead_commissioner,
            ["Lead commissioner"],
        )
    for contribution in commission.contributions.all():
        entry = rows.setdefault(contribution.commissioner.pk, (contribution.commissioner, []))
        if "Commissioner" not in entry[1]:
            entry[1].append("Commissioner")
    rows.setdefault(commission.provider.pk, (commission.provider, []))[1].append("Provider")
    return [(organisation.name, ", ".join(roles)) for organisation, roles in rows.values()]


class CommissionOcdsView(View):
    def get(self, request: HttpRequest, commission_id: int) -> HttpResponse:
        user, _ = _access(request)
        commission, _ = selectors.commission_get_for_user(user, commission_id)
        return _json(ocds.release(commission), f"{commission.reference}-ocds.json")


class AreaOcdsView(View):
    def get(self, request: HttpRequest, la_code: str) -> HttpResponse:
        user, access = _access(request)
        area = Area.objects.filter(la_code=la_code, pk__in=access.summary_area_ids).first()
        if area is None:
            raise Http404("No such area")
        commissions = selectors.commission_list(
            fetched_by=user, filters=selectors.CommissionFilters(area_id=area.pk)
        )
        package = ocds.release_package(
            area, commissions.prefetch_related("services"), request.build_absolute_uri()
        )
        return _json(package, f"{area.la_code}-commissions-ocds.json")


def _json(data: Any, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- the commission form --------------------------------------------------------------------


class CommissionFormView(View):
    """Record a commission with its contributions, or change one."""

    commission: Commission | None = None
    area: Area
    user: User

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user, access = _access(request)
        if "commission_id" in kwargs:
            self.commission, access = selectors.commission_get_for_user(
                self.user, kwargs["commission_id"]
            )
            if not access.may_change(self.commission.area_id):
                raise PermissionDenied("Only the area's commissioners can change a commission.")
            self.area = self.commission.area
        else:
            if not access.commissioner_area_ids:
                raise PermissionDenied("Only commissioners can record a commission.")
            self.area = _commissioner_area(access, request)
        return super().dispatch(request, *args, **kwargs)

    def _initial(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if self.commission is None:
            return {"status": CommissionStatus.PLANNED}, []
        commission = self.commission
        initial = {
            name: getattr(commission, name)
            for name in CommissionForm.base_fields
            if name not in ("provider", "lead_commissioner", "services")
        }
        initial["provider"] = commission.provider_id
        initial["lead_commissioner"] = commission.lead_commissioner_id
        initial["services"] = [str(pk) for pk in commission.services.values_list("pk", flat=True)]
        rows = [
            {
                "commissioner": c.commissioner_id,
                "funding_stream": c.funding_stream,
                "annual_amount": c.annual_amount,
            }
            for c in commission.contributions.all()
        ]
        return initial, rows

    def _render(
        self,
        form: CommissionForm,
        rows: list[ContributionRowForm],
        status: int = 200,
        finding: bool = False,
    ) -> HttpResponse:
        editing = self.commission is not None
        has_errors = bool(form.errors) or any(row.errors for row in rows)
        words = (self.request.POST.get("services_q") or "") if form.is_bound else ""
        return render(
            self.request,
            "commissioning/commission_form.html",
            {
                "page_title": "Change the commission" if editing else "Record a commission",
                "page_has_errors": has_errors,
                "errors": error_list(form, rows) if has_errors else [],
                "form": form,
                "rows": rows,
                "area": self.area,
                "commission": self.commission,
                "picker": service_picker(form, words),
                "finding": finding,
                "submit": "Save the changes" if editing else "Record the commission",
            },
            status=status,
        )

    def _forms(self, data: Any = None) -> tuple[CommissionForm, list[ContributionRowForm]]:
        initial, row_initial = self._initial()
        kwargs: dict[str, Any] = {
            "providers": _providers(self.area),
            "commissioners": _commissioners(self.area),
            "services": offered_services(self.area, self.commission),
        }
        form = (
            CommissionForm(data, initial=initial, **kwargs)
            if data is not None
            else CommissionForm(initial=initial, **kwargs)
        )
        rows = contribution_rows(data, _commissioners(self.area), row_initial)
        return form, rows

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form, rows = self._forms()
        return self._render(form, rows)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form, rows = self._forms(request.POST)
        if "find_services" in request.POST:
            # redraw with what was typed and the services found; nothing is checked or saved
            for unchecked in (form, *rows):
                without_errors(unchecked)
            return self._render(form, rows, finding=True)
        valid = form.is_valid()
        rows_valid = [row.is_valid() for row in rows]  # every row, so each shows its errors
        valid = all(rows_valid) and valid
        if valid:
            contributions = [item for item in (row.to_input() for row in rows) if item is not None]
            try:
                if self.commission is None:
                    commission = services.commission_create(
                        acting_user=self.user,
                        area=self.area,
                        contributions=contributions,
                        **form.service_fields(),
                    )
                    messages.success(request, f"Commission {commission.reference} recorded")
                else:
                    commission = services.commission_update(
                        acting_user=self.user,
                        commission=self.commission,
                        contributions=contributions,
                        **form.service_fields(),
                    )
                    messages.success(request, f"Commission {commission.reference} changed")
                return redirect("commissioning:commission", commission.pk)
            except ValidationError as error:
                apply_service_error(error, form, rows)
        return self._render(form, rows, status=400)


# --- the cycle ------------------------------------------------------------------------------


class _CommissionChangePage(View):
    template = "commissioning/form.html"
    commission: Commission
    user: User

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user, _ = _access(request)
        self.commission, access = selectors.commission_get_for_user(
            self.user, kwargs["commission_id"]
        )
        if not access.may_change(self.commission.area_id):
            raise PermissionDenied("Only the area's commissioners can change a commission.")
        self.load(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, **kwargs: Any) -> None:
        """Fetch anything else the page acts on."""

    def render_form(
        self, form: GovukForm, title: str, submit: str, status: int = 200
    ) -> HttpResponse:
        return render(
            self.request,
            self.template,
            {
                "page_title": title,
                "page_has_errors": bool(form.errors),
                "errors": error_list(form) if form.errors else [],
                "form": form,
                "caption": f"{self.commission.reference}: {self.commission.title}",
                "back_href": reverse("commissioning:commission", args=[self.commission.pk]),
                "back_text": self.commission.title,
                "submit": submit,
            },
            status=status,
        )


class DecisionNewView(_CommissionChangePage):
    title = "Record a decision"

    def get(self, request: HttpRequest, commission_id: int) -> HttpResponse:
        return self.render_form(DecisionForm(), self.title, "Record the decision")

    def post(self, request: HttpRequest, commission_id: int) -> HttpResponse:
        form = DecisionForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                stage = self.commission.stages.filter(stage=data["stage"]).order_by("-pk").first()
                if stage is None:
                    stage = services.cycle_stage_start(
                        acting_user=self.user,
                        commission=self.commission,
                        stage=data["stage"],
                        started_on=data["decided_on"],
                    )
                evidence = (
                    [
                        services.EvidenceInput(
                            title=data["evidence_title"],
                            url=data["evidence_url"] or "",
                            file=data["evidence_file"],
                        )
                    ]
                    if data["evidence_url"] or data["evidence_file"]
                    else []
                )
                services.decision_record(
                    acting_user=self.user,
                    stage=stage,
                    summary=data["summary"],
                    decided_on=data["decided_on"],
                    evidence=evidence,
                )
                messages.success(request, "Decision recorded")
                return redirect("commissioning:commission", self.commission.pk)
            except ValidationError as error:
                form.add_service_error(
                    ValidationError(
                        {
                            ("evidence_file" if key.startswith("evidence.") else key): value
                            for key, value in error.message_dict.items()
                        }
                    )
                    if hasattr(error, "error_dict")
                    else error
                )
        return self.render_form(form, self.title, "Record the decision", status=400)


class AgreementNewView(_CommissionChangePage):
    title = "Record a partner's agreement"
    decision: Decision

    def load(self, **kwargs: Any) -> None:
        decision = (
            Decision.objects.filter(pk=kwargs["decision_id"], stage__commission=self.commission)
            .select_related("stage")
            .first()
        )
        if decision is None:
            raise Http404("No such decision")
        self.decision = decision

    def _form(self, data: Any = None) -> AgreementForm:
        organisations = (
            Organisation.objects.filter(
                Q(areas=self.commission.area) | Q(pk=self.commission.provider_id)
            )
            .order_by("name")
            .distinct()
        )
        if data is None:
            return AgreementForm(organisations=organisations)
        return AgreementForm(data, organisations=organisations)

    def get(self, request: HttpRequest, commission_id: int, decision_id: int) -> HttpResponse:
        return self.render_form(self._form(), self.title, "Record the agreement")

    def post(self, request: HttpRequest, commission_id: int, decision_id: int) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.decision_agree(
                    acting_user=self.user, decision=self.decision, **form.cleaned_data
                )
                messages.success(request, "Agreement recorded")
                return redirect("commissioning:commission", self.commission.pk)
            except ValidationError as error:
                form.add_service_error(error)
        return self.render_form(form, self.title, "Record the agreement", status=400)


# --- spot purchases ---------------------------------------------------------------------------


def _commissioner_only(request: HttpRequest) -> tuple[User, Access]:
    user, access = _access(request)
    if not access.commissioner_area_ids:
        raise PermissionDenied("Spot purchases are for the area's commissioners.")
    return user, access


class SpotPurchaseListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user, _ = _commissioner_only(request)
        provision_type = request.GET.get("type", "")
        if provision_type not in ProvisionType.values:
            provision_type = ""
        purchases = selectors.spot_purchase_list(fetched_by=user, provision_type=provision_type)
        totals = selectors.spot_totals_by_type(selectors.spot_purchase_list(fetched_by=user))
        rows = list(purchases)
        action = AccessAction.EXPORT if request.GET.get("format") == "xlsx" else AccessAction.SEARCH
        if rows:
            access_log.record(
                actor=user,
                action=action,
                object_type=services.SPOT_PURCHASE,
                subjects=[(services.CHILD, purchase.child_id) for purchase in rows],
                purpose="Commissioning: spot purchases by type",
                detail={"commissioning": "spot_purchase_list", "rows": len(rows)},
            )
        if action == AccessAction.EXPORT:
            response = HttpResponse(
                exports.spot_purchases_xlsx(rows, totals), content_type=exports.XLSX
            )
            response["Content-Disposition"] = 'attachment; filename="spot-purchases.xlsx"'
            return response
        return render(
            request,
            "commissioning/spot_purchases.html",
            {
                "page_title": "Spot purchases",
                "purchases": rows,
                "totals": totals,
                "total_cost": sum(total.cost for total in totals),
                "types": ProvisionType.choices,
                "chosen_type": provision_type,
            },
        )


class SpotPurchaseNewView(View):
    user: User
    area: Area
    access: Access

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user, self.access = _commissioner_only(request)
        self.area = _commissioner_area(self.access, request)
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data: Any = None) -> SpotPurchaseForm:
        kwargs = {
            "providers": _providers(self.area),
            "commissioners": Organisation.objects.filter(
                pk__in=self.access.commissioner_organisation_ids
            ).order_by("name"),
        }
        return SpotPurchaseForm(data, **kwargs) if data is not None else SpotPurchaseForm(**kwargs)

    def _render(self, form: SpotPurchaseForm, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "commissioning/form.html",
            {
                "page_title": "Record a spot purchase",
                "page_has_errors": bool(form.errors),
                "errors": error_list(form) if form.errors else [],
                "form": form,
                "caption": "Individually commissioned provision",
                "back_href": reverse("commissioning:spot-purchases"),
                "back_text": "Spot purchases",
                "submit": "Record the purchase",
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            child = (
                Child.objects.filter(
                    pk=data["child_id"], area_id__in=self.access.commissioner_area_ids
                )
                .select_related("area")
                .first()
            )
            line = None
            if child is None:
                form.add_error("child_id", "There is no child with that record number in your area")
            if data["provision_line_id"]:
                line = (
                    ProvisionLine.objects.select_related("version__plan")
                    .filter(pk=data["provision_line_id"])
                    .first()
                )
                if line is None:
                    form.add_error(
                        "provision_line_id", "There is no provision line with that number"
                    )
            if child is not None and not form.errors:
                try:
                    purchase = services.spot_purchase_record(
                        acting_user=self.user,
                        child=child,
                        provision_line=line,
                        commissioner=data["commissioner"],
                        provider=data["provider"],
                        provision_type=data["provision_type"],
                        cost=data["cost"],
                        start_date=data["start_date"],
                        end_date=data["end_date"],
                        description=data["description"],
                    )
                    messages.success(request, f"Spot purchase {purchase.reference} recorded")
                    return redirect("commissioning:spot-purchases")
                except ValidationError as error:
                    form.add_service_error(
                        ValidationError(
                            {
                                ("provision_line_id" if key == "provision_line" else key): value
                                for key, value in error.message_dict.items()
                            }
                        )
                        if hasattr(error, "error_dict")
                        else error
                    )
        return self._render(form, status=400)
