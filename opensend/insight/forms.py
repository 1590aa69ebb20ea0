"""Forms of the performance pages. They check the shape of the input (a number, a date, a
choice from the list); whether an indicator or a value holds together is the services'
business (``kpi.validate`` and the store's rules), and their errors come back against the
field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet

from opensend.commissioning.models import Commission
from opensend.insight import kpi
from opensend.insight.metrics import Metric
from opensend.insight.models import (
    YEAR_STARTS,
    Domain,
    Indicator,
    RagKind,
    ToleranceKindChoice,
)
from opensend.pathways.models import Pathway
from opensend.web.govuk_forms import GovukDateField, GovukForm


def _select(choices: list[tuple[str, str]], label: str, message: str, **kwargs: Any) -> Any:
    required = kwargs.pop("required", True)
    return forms.ChoiceField(
        label=label,
        choices=[("", "Select"), *choices] if required else choices,
        required=required,
        error_messages={"required": message, "invalid_choice": message},
        **kwargs,
    )


def _number(label: str, *, required: bool = False, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=18,
        decimal_places=4,
        error_messages={
            "required": f"Enter the {label.lower()}",
            "invalid": f"{label} must be a number, like 42 or 87.5",
            "max_decimal_places": f"{label} can have at most 4 decimal places",
            "max_digits": f"{label} is too large",
            "max_whole_digits": f"{label} is too large",
        },
        **kwargs,
    )


def _enum_choices(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]


class IndicatorForm(GovukForm):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the name of the KPI"}
    )
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="Short, lower case, with hyphens, unique in the area: ehc-20-weeks. "
        "Providers use it in their returns.",
        error_messages={"required": "Enter a code for the KPI"},
    )
    description = forms.CharField(label="Description", widget=forms.Textarea, required=False)
    domain = _select(list(Domain.choices), "Domain", "Select the domain")
    counted = forms.CharField(
        label="What is counted",
        widget=forms.Textarea,
        required=False,
        help_text="Who or what is in and out of the count, and where the figures come from.",
    )
    numerator_label = forms.CharField(
        label="Numerator",
        max_length=255,
        help_text="What is counted, in a few words: plans issued within 20 weeks.",
        error_messages={"required": "Say what is counted (the numerator)"},
    )
    denominator_label = forms.CharField(
        label="Denominator (for a rate)",
        max_length=255,
        required=False,
        help_text="What the numerator is out of: plans issued. Leave blank for a plain figure.",
    )
    unit = _select(_enum_choices(kpi.Unit), "Unit", "Select the unit")
    decimal_places = forms.IntegerField(
        label="Decimal places shown",
        initial=1,
        min_value=0,
        max_value=3,
        error_messages={
            "required": "Enter the number of decimal places shown",
            "invalid": "Decimal places must be a whole number from 0 to 3",
            "min_value": "Show between 0 and 3 decimal places",
            "max_value": "Show between 0 and 3 decimal places",
        },
    )
    polarity = forms.ChoiceField(
        label="Which way is better",
        choices=_enum_choices(kpi.Polarity),
        widget=forms.RadioSelect,
        error_messages={"required": "Select which way is better"},
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=_enum_choices(kpi.Frequency),
        widget=forms.RadioSelect,
        error_messages={"required": "Select how often the KPI is measured"},
    )
    year_start = _select(
        YEAR_STARTS,
        "Reporting year",
        "Select the reporting year",
    )
    source = forms.ChoiceField(
        label="Where the values come from",
        choices=_enum_choices(kpi.Source),
        widget=forms.RadioSelect,
        error_messages={"required": "Select where the values come from"},
    )
    computed_metric = _select(
        [("", "Not computed"), *Metric.choices],
        "Computed from",
        "Select what OpenSEND computes this KPI from",
        required=False,
        help_text="Only for a KPI computed by OpenSEND.",
    )
    pathway = forms.ModelChoiceField(
        queryset=Pathway.objects.none(),
        required=False,
        label="Pathway (for a waiting-list KPI)",
        empty_label="None",
    )
    metric_days = forms.IntegerField(
        label="Days allowed (for feedback answered within a number of days)",
        required=False,
        min_value=1,
        max_value=365,
        error_messages={
            "invalid": "Days allowed must be a whole number",
            "min_value": "Days allowed must be at least 1",
            "max_value": "Days allowed must be at most 365",
        },
    )
    commission = forms.ModelChoiceField(
        queryset=Commission.objects.none(),
        required=False,
        label="Contract (for a KPI a provider supplies)",
        empty_label="None",
    )
    target = _number("Target")
    rag_kind = forms.ChoiceField(
        label="RAG rating",
        choices=list(RagKind.choices),
        widget=forms.RadioSelect,
        required=False,
    )
    rag_tolerance = _number("Amber tolerance", help_text="How far short of the target is amber.")
    rag_tolerance_kind = forms.ChoiceField(
        label="Tolerance measured",
        choices=list(ToleranceKindChoice.choices),
        widget=forms.RadioSelect,
        initial=ToleranceKindChoice.UNITS,
    )
    rag_green = _number("Green threshold")
    rag_red = _number("Red threshold")
    active = forms.BooleanField(label="In use", required=False, initial=True)

    widths = {
        "code": 20,
        "decimal_places": 2,
        "target": 10,
        "rag_tolerance": 10,
        "rag_green": 10,
        "rag_red": 10,
        "metric_days": 4,
    }
    rows = {"description": 3, "counted": 3}

    def __init__(
        self,
        *args: Any,
        pathways: QuerySet[Pathway],
        commissions: QuerySet[Commission],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        pathway = self.fields["pathway"]
        commission = self.fields["commission"]
        assert isinstance(pathway, forms.ModelChoiceField)  # noqa: S101 (declared above)
        assert isinstance(commission, forms.ModelChoiceField)  # noqa: S101
        pathway.queryset = pathways
        commission.queryset = commissions

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``services.indicator_create`` takes it."""
        data = dict(self.cleaned_data)
        data["rag_tolerance_kind"] = data.get("rag_tolerance_kind") or ToleranceKindChoice.UNITS
        data["rag_kind"] = data.get("rag_kind") or RagKind.NONE
        return data


def indicator_initial(indicator: Indicator) -> dict[str, Any]:
    return {name: getattr(indicator, name) for name in IndicatorForm.base_fields}


class ValueForm(GovukForm):
    period_start = GovukDateField(
        noun="The first day of the period",
        label="First day of the period",
        help_text="For example, 1 4 2026 for April 2026 or for the quarter that begins then.",
    )
    numerator = _number("Numerator")
    denominator = _number("Denominator")
    value = _number(
        "Value",
        help_text="Only for a plain figure; a rate is worked out from its numerator "
        "and denominator.",
    )
    note = forms.CharField(label="Note", widget=forms.Textarea, required=False)

    widths = {"numerator": 10, "denominator": 10, "value": 10}
    rows = {"note": 3}


class ClosePeriodForm(GovukForm):
    period_start = GovukDateField(
        noun="The first day of the period", label="First day of the period to close"
    )


class KpiReturnForm(forms.Form):
    commission = forms.ModelChoiceField(
        queryset=Commission.objects.none(),
        label="Contract",
        empty_label="Select",
        error_messages={
            "required": "Select the contract the return is for",
            "invalid_choice": "Select one of your contracts",
        },
    )
    file = forms.FileField(
        error_messages={
            "required": "Select the return file",
            "empty": "The selected file is empty",
            "invalid": "Select the return file",
        }
    )

    def __init__(self, *args: Any, commissions: QuerySet[Commission], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["commission"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared above)
        field.queryset = commissions

    @property
    def max_bytes(self) -> int:
        return int(settings.OPENSEND_MAX_IMPORT_BYTES)

    @property
    def max_size_text(self) -> str:
        return f"{self.max_bytes / (1024 * 1024):g} MB"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The selected file must be a CSV or XLSX file")
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                f"The selected file must be smaller than {self.max_size_text}"
            )
        return upload
