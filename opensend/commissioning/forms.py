"""Forms of the commissioning pages. They check the shape of the input (a real date, an amount
of money, a choice from the list); whether the commission holds together is the services'
business, and their errors come back against the field (or contribution row) they name.

The contributions are a fixed number of rows (``ContributionRowForm`` with the prefix
``contributions-<n>``): a row left blank is ignored.

The Local Offer services a commission delivers are checkboxes (``services``) of the area's
published services, and any already linked; ``service_picker`` lays them out: the provider's
own first, then the others, filtered by words (``services_q``) and at most
``SERVICE_LIST_LIMIT`` of them, the chosen ones always shown.

A decision's evidence is a title with a file (checked by ``opensend.commissioning.evidence``:
type by extension and content, size), a link, or both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict

from opensend.commissioning import evidence
from opensend.commissioning.codes import (
    Arrangement,
    CapacityUnit,
    CommissionStatus,
    CycleStageKind,
    FundingStream,
    ProvisionType,
)
from opensend.commissioning.models import Commission
from opensend.commissioning.services import ContributionInput
from opensend.core.models import Area, Organisation
from opensend.directory.models import Service
from opensend.web.govuk_forms import GovukDateField, GovukForm

#: How many contribution rows the form offers.
CONTRIBUTION_ROWS = 4

#: At most this many Local Offer services not run by the provider are listed at once.
SERVICE_LIST_LIMIT = 50


def _money(
    label: str, *, required: bool = True, message: str = "", **kwargs: Any
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        error_messages={
            "required": message or f"Enter the {label.lower()}",
            "invalid": f"{label} must be an amount of money, like 12500 or 12500.50",
            "min_value": f"{label} cannot be negative",
            "max_decimal_places": f"{label} must be in pounds and pence (2 decimal places)",
            "max_digits": f"{label} is too large",
            "max_whole_digits": f"{label} is too large",
        },
        **kwargs,
    )


def _select(
    choices: list[tuple[str, str]], label: str, message: str, required: bool = True
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", "Select"), *choices],
        required=required,
        error_messages={"required": message, "invalid_choice": message},
    )


def _organisations(
    queryset: QuerySet[Organisation], label: str, message: str, required: bool = True
) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=queryset,
        label=label,
        required=required,
        empty_label="Select",
        error_messages={"required": message, "invalid_choice": message},
    )


class LocalOfferServicesField(forms.ModelMultipleChoiceField):
    """Services by id; an id that is not even a UUID gets the field's own message."""

    def clean(self, value: Any) -> Any:
        for item in value or []:
            try:
                uuid.UUID(str(item))
            except ValueError:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value"
                ) from None
        return super().clean(value)


class CommissionForm(GovukForm):
    reference = forms.CharField(
        label="Contract reference",
        max_length=40,
        error_messages={"required": "Enter the contract reference"},
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the title"}
    )
    purpose = forms.CharField(label="What it is for", widget=forms.Textarea, required=False)
    provision_type = _select(
        list(ProvisionType.choices), "Type of provision", "Select the type of provision"
    )
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none())
    start_date = GovukDateField(noun="The start date", label="Start date", allow_future=True)
    end_date = GovukDateField(noun="The end date", label="End date", allow_future=True)
    annual_value = _money("Value per year")
    whole_life_value = _money("Whole-life value")
    capacity_quantity = forms.DecimalField(
        label="Capacity",
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        help_text="How many places, hours, sessions or assessments a year.",
        error_messages={
            "invalid": "Capacity must be a number, like 120",
            "min_value": "Capacity cannot be negative",
        },
    )
    capacity_unit = _select(
        list(CapacityUnit.choices),
        "Capacity counted in",
        "Select what the capacity is counted in",
        required=False,
    )
    arrangement = forms.ChoiceField(
        label="Arrangement",
        choices=Arrangement.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the arrangement"},
    )
    lead_commissioner = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    s75_reference = forms.CharField(
        label="Section 75 agreement reference",
        max_length=100,
        required=False,
        help_text="Needed for a pooled budget.",
    )
    status = forms.ChoiceField(
        label="Status",
        choices=CommissionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status"},
    )
    review_date = GovukDateField(
        noun="The review date", label="Review date (optional)", allow_future=True, required=False
    )
    contract_expiry = GovukDateField(
        noun="The contract expiry",
        label="Contract expiry, with any extensions (optional)",
        allow_future=True,
        required=False,
    )
    reprocurement_decision_date = GovukDateField(
        noun="The re-procurement decision date",
        label="Re-procurement decision due (optional)",
        allow_future=True,
        required=False,
    )
    outcomes = forms.CharField(
        label="Outcomes written into the contract",
        widget=forms.Textarea,
        required=False,
        help_text="One outcome a line.",
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    prefixes = {"annual_value": "£", "whole_life_value": "£"}
    widths = {"reference": 10, "annual_value": 10, "whole_life_value": 10, "capacity_quantity": 5}

    def __init__(
        self,
        *args: Any,
        providers: QuerySet[Organisation],
        commissioners: QuerySet[Organisation],
        services: QuerySet[Service] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        message = "Select Local Offer services from the list: the area's published services"
        self.fields["services"] = LocalOfferServicesField(
            queryset=services if services is not None else Service.objects.none(),
            required=False,
            label="Local Offer services it delivers",
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": message,
                "invalid_pk_value": message,
                "invalid_list": message,
            },
        )
        self.fields["provider"] = _organisations(providers, "Provider", "Select the provider")
        self.fields["lead_commissioner"] = _organisations(
            commissioners,
            "Lead commissioner",
            "Select the lead commissioner",
            required=False,
        )
        self.fields["lead_commissioner"].help_text = "Needed for a lead commissioner arrangement."
        # keep the order of the declaration
        self.order_fields(list(type(self).base_fields))

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["capacity_unit"] = data.get("capacity_unit") or ""
        data["services"] = list(data.get("services") or [])
        return data


def without_errors(form: forms.Form) -> None:
    """Show what was typed without checking it (the page redrawn to find services)."""
    form._errors = ErrorDict()  # type: ignore[attr-defined]  # Django's own "no errors yet"


def offered_services(area: Area, commission: Commission | None = None) -> QuerySet[Service]:
    """The Local Offer services a commission of the area may be linked to: the area's published
    services (not archived, hidden or awaiting approval), and any it is linked to already."""
    published = Q(pk__in=Service.objects.public().filter(area=area).values("pk"))
    if commission is not None and commission.pk:
        published |= Q(pk__in=commission.services.values("pk"))
    return Service.objects.filter(published).select_related("organization").order_by("name", "pk")


@dataclass(frozen=True)
class ServiceGroup:
    """One fieldset of Local Offer checkboxes."""

    legend: str
    id_prefix: str
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class ServicePicker:
    """The Local Offer checkboxes of the commission form, as the page lays them out."""

    provider_name: str
    provider_group: ServiceGroup | None
    other_group: ServiceGroup | None
    words: str
    not_listed: int
    offered: int
    error: dict[str, str] | None


def _search(services: QuerySet[Service], words: str) -> QuerySet[Service]:
    for word in words.split():
        services = services.filter(Q(name__icontains=word) | Q(organization__name__icontains=word))
    return services


def _ids(values: Any) -> set[str]:
    """The well-formed service ids among those posted (anything else is the form's error)."""
    ids = set()
    for value in values or []:
        try:
            ids.add(str(uuid.UUID(str(getattr(value, "pk", value)))))
        except ValueError:
            continue
    return ids


def service_picker(form: CommissionForm, words: str = "") -> ServicePicker:
    """The provider's own services first (directory organisations it owns), then the others:
    all of them when there are few, else those matching ``words`` (name or organisation), at
    most ``SERVICE_LIST_LIMIT``; a chosen service is always shown, ticked."""
    words = " ".join(words.split())[:100]
    services_field = form.fields["services"]
    provider_field = form.fields["provider"]
    assert isinstance(services_field, forms.ModelMultipleChoiceField)  # noqa: S101
    assert isinstance(provider_field, forms.ModelChoiceField)  # noqa: S101
    offered = cast("QuerySet[Service]", services_field.queryset)
    if form.is_bound:
        chosen = _ids(form.data.getlist("services") if hasattr(form.data, "getlist") else [])
        provider_id = str(form.data.get("provider") or "")
    else:
        chosen = _ids(form.initial.get("services"))
        provider_id = str(form.initial.get("provider") or "")
    providers = cast("QuerySet[Organisation]", provider_field.queryset)
    provider = providers.filter(pk=int(provider_id)).first() if provider_id.isdigit() else None
    own = list(offered.filter(organization__owner=provider)) if provider is not None else []
    others = offered.exclude(pk__in=[service.pk for service in own])
    if words:
        matching = _search(others, words)
        listed = list(matching[:SERVICE_LIST_LIMIT])
        not_listed = matching.count() - len(listed)
    else:
        total = others.count()
        listed = list(others) if total <= SERVICE_LIST_LIMIT else []
        not_listed = total - len(listed)
    listed_ids = {str(service.pk) for service in listed}
    extra = list(others.filter(pk__in=sorted(chosen - listed_ids))) if chosen else []
    if not words:
        not_listed -= len(extra)

    def item(service: Service, hint: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "value": str(service.pk),
            "text": service.name,
            "checked": str(service.pk) in chosen,
        }
        if hint:
            entry["hint"] = {"text": f"Run by {service.organization.name}"}
        return entry

    provider_group = (
        ServiceGroup(
            legend=f"Services run by {provider.name}",
            id_prefix="id_services",
            items=[item(service, hint=False) for service in own],
        )
        if own and provider is not None
        else None
    )
    shown = sorted([*extra, *listed], key=lambda service: (service.name.lower(), str(service.pk)))
    other_group = None
    if shown:
        legend = "Other services in the Local Offer" if own else "Services in the Local Offer"
        if words:
            legend += f" matching \u201c{words}\u201d"
        other_group = ServiceGroup(
            legend=legend,
            id_prefix="id_services-other" if provider_group else "id_services",
            items=[item(service, hint=True) for service in shown],
        )
    errors = form.errors.get("services") if form.is_bound else None
    return ServicePicker(
        provider_name=provider.name if provider is not None else "",
        provider_group=provider_group,
        other_group=other_group,
        words=words,
        not_listed=max(not_listed, 0),
        offered=offered.count(),
        error={"text": str(errors[0])} if errors else None,
    )


class ContributionRowForm(GovukForm):
    commissioner = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False)
    funding_stream = _select(
        list(FundingStream.choices), "Funding stream", "Select the funding stream", required=False
    )
    annual_amount = _money("Amount per year", required=False)

    def __init__(self, *args: Any, commissioners: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commissioner"] = _organisations(
            commissioners, "Commissioner", "Select the commissioner", required=False
        )
        self.order_fields(["commissioner", "funding_stream", "annual_amount"])

    @property
    def is_blank(self) -> bool:
        return not any(
            str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank:
            return cleaned
        for name, message in (
            ("commissioner", "Select the commissioner"),
            ("funding_stream", "Select the funding stream"),
            ("annual_amount", "Enter the amount per year"),
        ):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def component(self, name: str) -> tuple[str, dict[str, Any]]:
        macro, params = super().component(name)
        prefixed = self.add_prefix(name)
        params["name"] = prefixed
        params["id"] = f"id_{prefixed}"
        if self.is_bound:
            params["value"] = self.data.get(prefixed, "")
            for item in params.get("items", []):
                item["selected"] = item["value"] == str(self.data.get(prefixed, ""))
        if name == "annual_amount":
            params["prefix"] = {"text": "£"}
            params["classes"] = "govuk-input--width-10"
        return macro, params

    def to_input(self) -> ContributionInput | None:
        if self.is_blank:
            return None
        return ContributionInput(
            commissioner=self.cleaned_data["commissioner"],
            funding_stream=self.cleaned_data["funding_stream"],
            annual_amount=self.cleaned_data["annual_amount"],
        )


def contribution_rows(
    data: Any, commissioners: QuerySet[Organisation], initial: list[dict[str, Any]] | None = None
) -> list[ContributionRowForm]:
    initial = initial or []
    rows = []
    for index in range(max(CONTRIBUTION_ROWS, len(initial))):
        rows.append(
            ContributionRowForm(
                data,
                prefix=f"contributions-{index}",
                commissioners=commissioners,
                initial=initial[index] if index < len(initial) else None,
            )
            if data is not None
            else ContributionRowForm(
                prefix=f"contributions-{index}",
                commissioners=commissioners,
                initial=initial[index] if index < len(initial) else None,
            )
        )
    return rows


def apply_service_error(
    error: ValidationError, form: GovukForm, rows: list[ContributionRowForm]
) -> None:
    """Put a service's errors on the field or contribution row they name."""
    if not hasattr(error, "error_dict"):
        form.add_service_error(error)
        return
    for field, messages in error.message_dict.items():
        parts = field.split(".")
        if parts[0] == "contributions" and len(parts) == 3 and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            for message in messages:
                row.add_error(parts[2] if parts[2] in row.fields else None, message)
        elif field == "contributions":
            for message in messages:
                rows[0].add_error(None, message)
        else:
            form.add_service_error(ValidationError({field: messages}))


class SpotPurchaseForm(GovukForm):
    child_id = forms.IntegerField(
        label="Child's record number",
        min_value=1,
        help_text="The number of the child's record in OpenSEND.",
        error_messages={
            "required": "Enter the child's record number",
            "invalid": "The child's record number must be a number",
            "min_value": "The child's record number must be a number",
        },
    )
    provision_line_id = forms.IntegerField(
        label="EHC plan provision line number (optional)",
        min_value=1,
        required=False,
        help_text="The line of the child's EHC plan this delivers.",
        error_messages={
            "invalid": "The provision line number must be a number",
            "min_value": "The provision line number must be a number",
        },
    )
    commissioner = forms.ModelChoiceField(queryset=Organisation.objects.none())
    provider = forms.ModelChoiceField(queryset=Organisation.objects.none())
    provision_type = _select(
        list(ProvisionType.choices), "Type of provision", "Select the type of provision"
    )
    description = forms.CharField(label="What is bought", max_length=255, required=False)
    cost = _money("Cost")
    start_date = GovukDateField(noun="The start date", label="Start date", allow_future=True)
    end_date = GovukDateField(noun="The end date", label="End date", allow_future=True)

    prefixes = {"cost": "£"}
    widths = {"child_id": 10, "provision_line_id": 10, "cost": 10}

    def __init__(
        self,
        *args: Any,
        providers: QuerySet[Organisation],
        commissioners: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commissioner"] = _organisations(
            commissioners, "Paid for by", "Select who pays for it"
        )
        self.fields["provider"] = _organisations(providers, "Provider", "Select the provider")
        self.order_fields(list(type(self).base_fields))


class DecisionForm(GovukForm):
    stage = forms.ChoiceField(
        label="Stage of the commissioning cycle",
        choices=CycleStageKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the stage of the commissioning cycle"},
    )
    summary = forms.CharField(
        label="What was decided",
        widget=forms.Textarea,
        error_messages={"required": "Enter what was decided"},
    )
    decided_on = GovukDateField(noun="The date of the decision", label="Date of the decision")
    evidence_title = forms.CharField(
        label="Evidence title (optional)", max_length=200, required=False
    )
    evidence_file = forms.FileField(
        label="Evidence file (optional)",
        required=False,
        help_text=(
            f"A {evidence.KINDS_TEXT} file, up to {evidence.MAX_BYTES // (1024 * 1024)} MB."
        ),
        error_messages={
            "invalid": "The evidence file could not be read: select it again",
            "empty": "The evidence file is empty",
            "missing": "The evidence file could not be read: select it again",
        },
    )
    evidence_url = forms.URLField(
        assume_scheme="https",
        label="Link to the evidence (optional)",
        required=False,
        max_length=500,
        help_text="A document held elsewhere, such as a board paper on the council's website.",
        error_messages={"invalid": "Enter the link in full, starting https://"},
    )

    def clean_evidence_file(self) -> Any:
        upload = self.cleaned_data.get("evidence_file")
        if not upload:
            return None
        problem = evidence.file_problem(upload.name or "", upload.size or 0, upload)
        if problem:
            raise ValidationError(problem)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_file = bool(cleaned.get("evidence_file")) or "evidence_file" in self.errors
        has_link = bool(cleaned.get("evidence_url")) or "evidence_url" in self.errors
        if (has_file or has_link) and not cleaned.get("evidence_title"):
            self.add_error("evidence_title", "Give the evidence a title")
        if cleaned.get("evidence_title") and not (has_file or has_link):
            self.add_error("evidence_file", "Attach a file or enter a link to the evidence")
        return cleaned

    def component(self, name: str) -> tuple[str, dict[str, Any]]:
        if name != "evidence_file":
            return super().component(name)
        field = self.fields[name]
        return "govukFileUpload", {
            "id": f"id_{name}",
            "name": name,
            "label": {"text": str(field.label), "classes": self.label_classes},
            "hint": {"text": str(field.help_text)},
            "errorMessage": self._error(name),
            "attributes": {"accept": evidence.ACCEPT},
        }


class AgreementForm(GovukForm):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    agreed_by_name = forms.CharField(
        label="Who agreed it for them",
        max_length=150,
        error_messages={"required": "Enter who agreed it for the organisation"},
    )
    agreed_on = GovukDateField(noun="The date they agreed", label="Date they agreed")

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = _organisations(
            organisations, "Partner who agreed", "Select the partner who agreed"
        )
        self.order_fields(list(type(self).base_fields))
