"""The forms of the EHC case pages. They check the shape of the input only (a real date, a
number, a choice from the list); whether the step may happen is the services' business.

Each field is rendered with the matching GOV.UK Frontend component: ``GovukForm.components``
gives the parameters for each macro, so one template renders any of these forms, and a date is
the GOV.UK date input (day, month, year) through ``GovukDateField``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from opensend.core.codes import CeaseReason, DirectPaymentType, ReviewOutcome, SENSetting
from opensend.core.models import Organisation, User
from opensend.ehc import rules
from opensend.ehc.models import (
    PROVISION_SECTIONS,
    AdviceType,
    Commissioner,
    ConsultationResponse,
    Frequency,
    PlanSection,
    QuantityUnit,
    RequestKind,
    RequestSource,
)
from opensend.web.govuk_forms import GovukDateField, GovukForm


def _radios(choices: Iterable[tuple[Any, str]], **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(choices=list(choices), widget=forms.RadioSelect, **kwargs)


def _organisations(
    queryset: QuerySet[Organisation], *, label: str, required: bool = False, **kwargs: Any
) -> forms.ModelChoiceField[Organisation]:
    return forms.ModelChoiceField(
        queryset=queryset,
        required=required,
        label=label,
        empty_label="Choose an organisation" if required else "None",
        error_messages={
            "required": f"Choose the {label.lower()}",
            "invalid_choice": "Choose an organisation from the list",
        },
        **kwargs,
    )


def _text(label: str, *, required: bool = False, message: str = "", **kwargs: Any) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        error_messages={"required": message or f"Enter the {label.lower()}"},
        **kwargs,
    )


def _area(label: str, *, required: bool = False, message: str = "", **kwargs: Any) -> Any:
    return _text(label, required=required, message=message, widget=forms.Textarea, **kwargs)


# --- the request -------------------------------------------------------------------------


class RequestForm(GovukForm):
    source = _radios(
        RequestSource.choices,
        label="Who asked for the assessment?",
        error_messages={"required": "Select who asked for the assessment"},
    )
    requester_organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    requester_name = _text("Name of the person who asked", max_length=150)
    received_date = GovukDateField(
        noun="The date the request was received",
        label="Date the request was received",
        help_text="The day it arrived: the statutory clock starts then. For example, 6 1 2025",
    )
    kind = _radios(
        [
            (RequestKind.NEW.value, "A new EHC needs assessment"),
            (RequestKind.REASSESSMENT.value, "A re-assessment of the child's EHC plan"),
        ],
        label="What is asked for?",
        initial=RequestKind.NEW.value,
        error_messages={"required": "Select what is asked for"},
    )
    coordinator = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        coordinators: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requester_organisation"] = _organisations(
            organisations,
            label="Organisation that asked",
            help_text="The school, college, health or social care service, if one asked.",
        )
        self.fields["coordinator"] = coordinator_field(coordinators)
        self.order_fields(
            ["source", "requester_organisation", "requester_name", "received_date", "kind"]
        )


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.email


def coordinator_field(coordinators: QuerySet[User]) -> UserChoiceField:
    return UserChoiceField(
        queryset=coordinators,
        required=False,
        label="EHC coordinator",
        empty_label="Not yet given to anyone",
        error_messages={"invalid_choice": "Choose a coordinator from the list"},
    )


class AssignForm(GovukForm):
    coordinator = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, coordinators: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = coordinator_field(coordinators)
        field.required = True
        field.empty_label = "Choose a coordinator"
        field.error_messages["required"] = "Choose the coordinator to give the case to"
        self.fields["coordinator"] = field


class TransferInForm(GovukForm):
    widths = {"previous_la_code": 3}

    previous_la_code = forms.CharField(
        label="The other area's LA code",
        help_text="The 3-digit DfE code of the local authority that maintained the plan.",
        max_length=3,
        error_messages={
            "required": "Enter the other area's 3-digit LA code",
            "max_length": "The LA code is 3 digits",
        },
    )
    transfer_date = GovukDateField(
        noun="The date the plan transferred", label="Date the plan became this area's"
    )
    last_review_date = GovukDateField(
        noun="The date of the last annual review",
        label="Date of the plan's last annual review (optional)",
        required=False,
        help_text="Leave blank if the plan has not been reviewed. For example, 14 5 2025",
    )
    coordinator = forms.ModelChoiceField(queryset=User.objects.none())

    def __init__(self, *args: Any, coordinators: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coordinator"] = coordinator_field(coordinators)


class DecideToAssessForm(GovukForm):
    decision_date = GovukDateField(noun="The date of the decision", label="Date of the decision")
    assess = _radios(
        [("yes", "Yes, carry out an EHC needs assessment"), ("no", "No, do not assess")],
        label="Will the local authority assess the child's needs?",
        error_messages={"required": "Select whether the local authority will assess"},
    )
    reasons = _area(
        "Reasons for the decision",
        help_text="Needed if the decision is not to assess: they go in the decision letter.",
    )


class AdviceRequestForm(GovukForm):
    advice_type = _radios(
        AdviceType.choices,
        label="What advice is asked for?",
        error_messages={"required": "Select the advice asked for"},
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    requested_date = GovukDateField(
        noun="The date advice was requested", label="Date advice was requested"
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = _organisations(
            organisations,
            label="Organisation asked",
            help_text="Leave as none only for the family's own advice.",
        )
        self.order_fields(["advice_type", "organisation", "requested_date"])


class AdviceReturnForm(GovukForm):
    rows = {"summary": 8}

    returned_date = GovukDateField(
        noun="The date the advice was returned", label="Date the advice was returned"
    )
    summary = _area(
        "The advice, or a summary of it",
        required=True,
        message="Enter the advice or a summary of it",
    )


class AdviceExceptionForm(GovukForm):
    kind = _radios(
        [
            (kind.value, rules.EXCEPTION_LABELS[kind])
            for kind in (
                rules.ExceptionKind.PERSONAL_CIRCUMSTANCES,
                rules.ExceptionKind.AWAY_FROM_AREA,
                rules.ExceptionKind.MISSED_APPOINTMENT,
            )
        ],
        label="Why can the advice not be given within 6 weeks?",
        error_messages={"required": "Select why the advice will be late"},
    )
    note = _area(
        "Describe the circumstances",
        required=True,
        message="Describe the exceptional circumstances",
    )


class ReasonForm(GovukForm):
    reason = _area("Reason", required=True, message="Enter the reason")


class ExceptionForm(GovukForm):
    kind = _radios(
        [
            (kind.value, rules.EXCEPTION_LABELS[kind])
            for kind in rules.ExceptionKind
            if kind != rules.ExceptionKind.MISSED_APPOINTMENT
        ],
        label="Why is meeting the time limits impractical?",
        error_messages={"required": "Select the exception"},
    )
    start_date = GovukDateField(
        noun="The start date", label="First day of the closure, absence or circumstances"
    )
    end_date = GovukDateField(
        noun="The end date",
        label="Last day (optional)",
        required=False,
        allow_future=True,
        help_text="Leave blank if it continues.",
    )
    description = _area(
        "Describe the circumstances", required=True, message="Describe the circumstances"
    )
    advice_requested_on = GovukDateField(
        noun="The date advice was requested from the setting",
        label="Date advice was requested from the setting (closures only)",
        required=False,
    )


class DecideToIssueForm(GovukForm):
    decision_date = GovukDateField(noun="The date of the decision", label="Date of the decision")
    issue = _radios(
        [("yes", "Yes, issue an EHC plan"), ("no", "No, do not issue a plan")],
        label="Will the local authority issue an EHC plan?",
        error_messages={"required": "Select whether the local authority will issue a plan"},
    )
    reasons = _area(
        "Reasons for the decision",
        help_text="Needed if the decision is not to issue a plan: they go in the decision letter.",
    )


class WithdrawForm(GovukForm):
    withdrawn_date = GovukDateField(
        noun="The date the request was withdrawn", label="Date the request was withdrawn"
    )
    reason = _area(
        "Why was the request withdrawn?",
        required=True,
        message="Say why the request was withdrawn",
    )


# --- the draft ---------------------------------------------------------------------------


class LockedForm(GovukForm):
    """A change to a draft, carrying the ``lock_version`` the page was read at."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


SECTION_HINTS: dict[str, str] = {
    PlanSection.A: "In the words of the child and family where possible.",
    PlanSection.B: "Every special educational need the assessment identified.",
    PlanSection.E: "What the child will achieve, by when, and how it will be measured.",
    PlanSection.F: "An introduction; each piece of provision is a line in the table below.",
    PlanSection.G: "An introduction; each piece of provision is a line in the table below.",
    PlanSection.H1: "An introduction; each piece of provision is a line in the table below.",
    PlanSection.H2: "An introduction; each piece of provision is a line in the table below.",
    PlanSection.I: "Section I is named once the family have seen the draft.",
    PlanSection.K: "The advice and information gathered in the assessment.",
}


def section_field_name(section: PlanSection | str) -> str:
    return f"section_{PlanSection(section).value}"


class DraftForm(LockedForm):
    personal_budget = forms.BooleanField(
        label="The family have asked for a personal budget", required=False
    )
    organised_arrangements = forms.ChoiceField(
        label="Organised arrangements (notional budget) cover",
        choices=[("", "None"), *DirectPaymentType.choices],
        required=False,
    )
    direct_payments = forms.ChoiceField(
        label="Direct payments cover",
        choices=[("", "None"), *DirectPaymentType.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in PlanSection:
            self.fields[section_field_name(section)] = forms.CharField(
                label=str(section.label),
                required=False,
                widget=forms.Textarea,
                help_text=SECTION_HINTS.get(section, ""),
            )
        self.order_fields(
            [
                "lock_version",
                *(section_field_name(section) for section in PlanSection),
                "personal_budget",
                "organised_arrangements",
                "direct_payments",
            ]
        )

    def changes(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "lock_version"}


def _amount(label: str, *, noun: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        decimal_places=2,
        error_messages={
            "invalid": f"Enter {noun} as a number, like 30",
            "min_value": f"{noun[:1].upper()}{noun[1:]} cannot be negative",
            "max_decimal_places": f"Enter {noun} to no more than 2 decimal places",
            "max_digits": f"{noun[:1].upper()}{noun[1:]} is too large",
            "max_whole_digits": f"{noun[:1].upper()}{noun[1:]} is too large",
        },
        **kwargs,
    )


class ProvisionLineForm(LockedForm):
    widths = {"quantity": 5, "annual_cost": 10}
    prefixes = {"annual_cost": "£"}
    rows = {"description": 3}

    section = _radios(
        [(section.value, str(section.label)) for section in PROVISION_SECTIONS],
        label="Section",
        error_messages={"required": "Select the section the provision belongs in"},
    )
    description = _area("What is provided", required=True, message="Say what is provided")
    outcome = _text("Outcome it supports (optional)", max_length=255)
    quantity = _amount("How much (optional)", noun="the amount", max_digits=7)
    unit = forms.ChoiceField(
        label="Measured in", choices=[("", "Not given"), *QuantityUnit.choices], required=False
    )
    frequency = forms.ChoiceField(
        label="How often", choices=[("", "Not given"), *Frequency.choices], required=False
    )
    provider_organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    provider_description = _text(
        "Provided by",
        max_length=200,
        help_text="The service or role providing it, if not an organisation above.",
    )
    commissioner = _radios(
        Commissioner.choices,
        label="Who commissions and pays for it?",
        error_messages={"required": "Select who commissions the provision"},
    )
    annual_cost = _amount("Cost per year (optional)", noun="the cost per year", max_digits=10)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider_organisation"] = _organisations(
            organisations, label="Provider organisation (optional)"
        )
        self.order_fields(
            [
                "lock_version",
                "section",
                "description",
                "outcome",
                "quantity",
                "unit",
                "frequency",
                "provider_organisation",
                "provider_description",
                "commissioner",
                "annual_cost",
            ]
        )


class PlacementForm(LockedForm):
    rank = _radios(
        [("1", "The main setting"), ("2", "A second setting (a dual placement)")],
        label="Which setting is this?",
        initial="1",
        error_messages={"required": "Select which setting this is"},
    )
    setting = forms.ModelChoiceField(queryset=Organisation.objects.none())
    sen_setting = forms.ChoiceField(
        label="Or an arrangement without a setting",
        choices=[("", "None"), *SENSetting.choices],
        required=False,
    )
    sen_setting_other = _text("Describe the other arrangement", max_length=200)
    in_sen_unit = forms.BooleanField(label="In an SEN unit", required=False)
    in_resourced_provision = forms.BooleanField(label="In resourced provision", required=False)

    def __init__(self, *args: Any, settings: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["setting"] = _organisations(settings, label="School or college")
        self.order_fields(
            [
                "lock_version",
                "rank",
                "setting",
                "sen_setting",
                "sen_setting_other",
                "in_sen_unit",
                "in_resourced_provision",
            ]
        )


class DraftSendForm(GovukForm):
    served_date = GovukDateField(
        noun="The date the draft was sent", label="Date the draft was sent to the family"
    )


class CommentsForm(GovukForm):
    rows = {"comments": 6}

    received_date = GovukDateField(
        noun="The date the comments were received", label="Date the comments were received"
    )
    comments = _area("The family's comments")
    preferred_setting = forms.ModelChoiceField(queryset=Organisation.objects.none())
    preferred_setting_other = _text(
        "Or another setting they want",
        max_length=200,
        help_text="A setting not in the list, such as one in another area.",
    )
    meeting_requested = forms.BooleanField(
        label="They asked for a meeting about the draft", required=False
    )

    def __init__(self, *args: Any, settings: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_setting"] = _organisations(
            settings, label="Setting the family want named"
        )
        self.order_fields(
            [
                "received_date",
                "comments",
                "preferred_setting",
                "preferred_setting_other",
                "meeting_requested",
            ]
        )


class ConsultForm(GovukForm):
    setting = forms.ModelChoiceField(queryset=Organisation.objects.none())
    sent_date = GovukDateField(
        noun="The date the setting was consulted", label="Date the setting was consulted"
    )
    parent_preference = forms.BooleanField(
        label="This is the setting the family asked for", required=False
    )

    def __init__(self, *args: Any, settings: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["setting"] = _organisations(settings, label="School or college", required=True)
        self.order_fields(["setting", "sent_date", "parent_preference"])


class ConsultationResponseForm(GovukForm):
    response = _radios(
        [
            (ConsultationResponse.CAN_MEET.value, ConsultationResponse.CAN_MEET.label),
            (ConsultationResponse.CANNOT_MEET.value, ConsultationResponse.CANNOT_MEET.label),
        ],
        label="The setting's response",
        error_messages={"required": "Select the setting's response"},
    )
    response_date = GovukDateField(
        noun="The date of the response", label="Date the setting responded"
    )
    note = _area("The setting's reasons", help_text="Needed if it cannot meet the needs.")


class SignOffForm(GovukForm):
    section = forms.ChoiceField(widget=forms.RadioSelect)
    signed_on = GovukDateField(noun="The date of the sign-off", label="Date signed off")
    note = _area("Note (optional)")

    def __init__(self, *args: Any, sections: Sequence[PlanSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [(section.value, str(section.label)) for section in sections]
        field.label = "Which section do you agree?"
        field.error_messages["required"] = "Select the section you are signing off"
        field.error_messages["invalid_choice"] = "Select a section that is not yet signed off"


class IssueFinalForm(GovukForm):
    issued_date = GovukDateField(
        noun="The date the final plan was issued", label="Date the final plan was issued"
    )


# --- the plan and its reviews --------------------------------------------------------------


class ReviewInviteForm(GovukForm):
    sent_date = GovukDateField(
        noun="The date the invitations were sent", label="Date the invitations were sent"
    )
    meeting_date = GovukDateField(
        noun="The date of the meeting",
        label="Date of the review meeting",
        allow_future=True,
        help_text="At least 2 weeks after the invitations. For example, 27 3 2026",
    )


class ReviewMeetingForm(GovukForm):
    meeting_date = GovukDateField(
        noun="The date of the meeting", label="Date the review meeting was held"
    )


class ReviewReportForm(GovukForm):
    rows = {"summary": 6}

    received_date = GovukDateField(
        noun="The date the report was received", label="Date the review report was received"
    )
    summary = _area(
        "The report's recommendations",
        required=True,
        message="Summarise the report's recommendations",
    )


class ReviewDecideForm(GovukForm):
    decision_date = GovukDateField(noun="The date of the decision", label="Date of the decision")
    outcome = _radios(
        [
            (ReviewOutcome.MAINTAIN.value, "Maintain the plan as it is"),
            (ReviewOutcome.AMEND.value, "Amend the plan"),
            (ReviewOutcome.CEASE.value, "Cease to maintain the plan"),
        ],
        label="What has the local authority decided?",
        error_messages={"required": "Select the decision"},
    )
    reasons = _area(
        "Reasons for the decision",
        help_text="Needed to amend or cease the plan. To amend, the notice must set out the "
        "proposed amendments: you write them in the draft next.",
    )


class CeaseForm(GovukForm):
    widths = {"transferred_to": 3}

    ceased_date = GovukDateField(
        noun="The date the plan ceases", label="Date the plan ceases to be maintained"
    )
    reason = _radios(
        CeaseReason.choices,
        label="Why does the plan cease?",
        error_messages={"required": "Select why the plan ceases"},
    )
    notice_date = GovukDateField(
        noun="The date of the notice",
        label="Date the family were told (optional)",
        required=False,
    )
    review_shows_no_wish_to_return = forms.BooleanField(
        label="A review shows the young person does not want to return to education or training",
        required=False,
    )
    transferred_to = forms.CharField(
        label="New area's LA code",
        required=False,
        max_length=3,
        help_text="Only when the family moved to another area.",
        error_messages={"max_length": "The LA code is 3 digits"},
    )


class AppealForm(GovukForm):
    pending = _radios(
        [("yes", "An appeal is under way"), ("no", "No appeal is under way")],
        label="Is an appeal about this plan under way?",
        error_messages={"required": "Select whether an appeal is under way"},
    )


class CompareForm(forms.Form):
    """Which two versions to compare (query string ``from`` and ``to``)."""

    def __init__(self, data: Any, *, numbers: Sequence[int]) -> None:
        super().__init__(data)
        choices = [(str(number), f"Version {number}") for number in numbers]
        self.fields["from"] = forms.TypedChoiceField(choices=choices, coerce=int)
        self.fields["to"] = forms.TypedChoiceField(choices=choices, coerce=int)
