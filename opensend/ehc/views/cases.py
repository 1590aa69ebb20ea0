"""The EHC case pages: a child's requests and plans, the case of a request for assessment (its
statutory clock, task list and history), the forms for each step, the draft plan, the plan in
force with its versions, and its annual review.

Thin: ``case_selectors`` fetches what the user may see (not found otherwise) and logs the read;
the form checks the input; the service acts, and refuses with a ``ValidationError`` shown
against the field it names, or with ``PermissionDenied`` (the 403 page).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from opensend.core import bank_holidays
from opensend.core.models import User
from opensend.ehc import case_selectors, forms, rules, selectors, services
from opensend.ehc.models import (
    PROVISION_SECTIONS,
    AdviceRequest,
    AnnualReview,
    AssessmentRequest,
    Consultation,
    Plan,
    PlanSection,
    PlanVersion,
    ProvisionLine,
    RequestKind,
    RequestStage,
    ReviewStage,
    VersionState,
)
from opensend.people import policy
from opensend.people.models import Child
from opensend.web.shell import signed_in_user, user_shell


def _today() -> dt.date:
    return timezone.localdate()


def error_list(form: forms.GovukForm) -> list[dict[str, str]]:
    """The error summary: each message once, linked to its field (a message about the whole
    form links to the first field a person can see)."""
    visible = [
        name
        for name, field in form.fields.items()
        if not isinstance(field.widget, django_forms.HiddenInput)
    ]
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for name, errors in form.errors.items():
        target = name if name in visible else (visible[0] if visible else name)
        for error in errors:
            text = str(error)
            if text not in seen:
                seen.add(text)
                items.append({"text": text, "href": f"#id_{target}"})
    return items


def _yes(value: str) -> bool:
    return value == "yes"


# --- pages that show a case --------------------------------------------------------------------


class ChildCasesView(View):
    """A child's EHC requests and plans."""

    def get(self, request: HttpRequest, child_id: int) -> HttpResponse:
        user = signed_in_user(request)
        grants = user_shell(request).grants
        child, decision = case_selectors.child_for_ehc(user=user, child_id=child_id, grants=grants)
        return render(
            request,
            "ehc/child.html",
            {
                "page_title": f"EHC needs assessment and plans: {child.display_name}",
                "child": child,
                "decision": decision,
                "cases": case_selectors.child_cases(child),
                "can_change": case_selectors.may_change(user, child, grants),
            },
        )


class RequestView(View):
    """The case of a request for assessment: the clock, the steps, the history."""

    def get(self, request: HttpRequest, request_id: int) -> HttpResponse:
        user = signed_in_user(request)
        case, decision = case_selectors.request_for_user(user=user, request_id=request_id, log=True)
        can_change = case_selectors.may_change(user, case.child, user_shell(request).grants)
        overview = case_selectors.request_overview(
            case, user=user, today=_today(), can_change=can_change
        )
        return render(
            request,
            "ehc/request.html",
            {
                "page_title": f"{case.get_kind_display()}: {case.child.display_name}",
                "case": case,
                "child": case.child,
                "decision": decision,
                "overview": overview,
                "can_change": can_change,
                "stages": RequestStage,
                "kinds": RequestKind,
            },
        )


class DecisionLetterView(View):
    """The letter telling the family the local authority will not assess, or will not issue a
    plan, with their rights to mediation and appeal and the deadlines for each. Printable."""

    def get(self, request: HttpRequest, request_id: int) -> HttpResponse:
        user = signed_in_user(request)
        case, _decision = case_selectors.request_get_letter(user=user, request_id=request_id)
        refused_assessment = case.stage == RequestStage.NOT_ASSESSING
        letter_date = case.decision_date if refused_assessment else case.issue_decision_date
        assert letter_date is not None  # noqa: S101 - the stage guarantees the decision date
        holidays = bank_holidays.around(letter_date)
        return render(
            request,
            "ehc/decision_letter.html",
            {
                "page_title": "Decision letter: " + case.child.display_name,
                "case": case,
                "child": case.child,
                "refused_assessment": refused_assessment,
                "letter_date": letter_date,
                "reasons": case.decision_reasons
                if refused_assessment
                else case.issue_decision_reasons,
                "mediation_deadline": rules.mediation_contact_deadline(letter_date),
                "appeal_deadline": rules.appeal_deadline(letter_date, None, holidays),
            },
        )


class PlanView(View):
    """The plan in force, its versions and its annual review."""

    def get(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        user = signed_in_user(request)
        plan, decision = case_selectors.plan_for_user(user=user, plan_id=plan_id, log=True)
        can_change = case_selectors.may_change(user, plan.child, user_shell(request).grants)
        overview = case_selectors.plan_overview(plan, today=_today(), can_change=can_change)
        return render(
            request,
            "ehc/plan.html",
            {
                "page_title": f"EHC plan: {plan.child.display_name}",
                "plan": plan,
                "child": plan.child,
                "decision": decision,
                "overview": overview,
                "can_change": can_change,
                "numbers": [v.number for v in overview.versions if v.state == VersionState.ISSUED],
                "provision_sections": PROVISION_SECTIONS,
                "sections": list(PlanSection),
            },
        )


class VersionView(View):
    """One version of a plan, laid out for printing."""

    def get(self, request: HttpRequest, plan_id: int, number: int) -> HttpResponse:
        user = signed_in_user(request)
        plan, _decision = case_selectors.plan_for_user(
            user=user, plan_id=plan_id, log=True, detail={"version": number}
        )
        version = case_selectors.version_of(plan, number)
        return render(
            request,
            "ehc/version.html",
            {
                "page_title": f"EHC plan version {version.number}: {plan.child.display_name}",
                "plan": plan,
                "child": plan.child,
                "version": version,
                "provision_sections": PROVISION_SECTIONS,
                "sections": list(PlanSection),
            },
        )


class CompareView(View):
    """What changed between two versions of a plan (``?from=1&to=2``)."""

    def get(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        user = signed_in_user(request)
        plan, _ = case_selectors.plan_for_user(user=user, plan_id=plan_id)
        numbers = list(plan.versions.order_by("number").values_list("number", flat=True))
        form = forms.CompareForm(request.GET, numbers=numbers)
        if not form.is_valid():
            raise Http404("Choose two versions of the plan to compare")
        first, second = sorted((form.cleaned_data["from"], form.cleaned_data["to"]))
        before = case_selectors.version_of(plan, first)
        after = case_selectors.version_of(plan, second)
        case_selectors.plan_for_user(
            user=user, plan_id=plan_id, log=True, detail={"compare": [first, second]}
        )
        return render(
            request,
            "ehc/compare.html",
            {
                "page_title": f"Changes from version {first} to version {second}",
                "plan": plan,
                "child": plan.child,
                "comparison": case_selectors.compare_versions(before, after),
            },
        )


class DraftView(View):
    """The draft of a plan (or of its amendment): its content, and what happens to it next."""

    def get(self, request: HttpRequest, plan_id: int) -> HttpResponse:
        user = signed_in_user(request)
        shell = user_shell(request)
        plan, _decision = case_selectors.plan_for_user(
            user=user, plan_id=plan_id, log=True, detail={"draft": True}
        )
        version = case_selectors.draft_of(plan)
        can_change = case_selectors.may_change(user, plan.child, shell.grants)
        return render(
            request,
            "ehc/draft.html",
            {
                "page_title": f"Draft plan: {plan.child.display_name}",
                "plan": plan,
                "child": plan.child,
                "version": version,
                "case": version.request,
                "consultations": list(
                    version.consultations.select_related("setting").order_by("sent_date")
                ),
                "can_change": can_change,
                "can_sign_off": case_selectors.sign_off_roles(shell.roles)
                and bool(case_selectors.sections_to_sign_off(version)),
                "provision_sections": PROVISION_SECTIONS,
                "sections": list(PlanSection),
            },
        )


# --- forms -------------------------------------------------------------------------------------


class FormPage(View):
    """A form for one step: ``load`` fetches what it acts on (not found if the user may not
    see it), ``act`` calls the service and redirects. Forms that only the local authority's SEND
    team may use (``change_required``) are refused to anyone else, shown or sent."""

    form_class: type[forms.GovukForm]
    title = ""
    submit = "Save and continue"
    template = "ehc/form.html"
    change_required = True

    user: User
    today: dt.date
    child: Child
    decision: policy.Decision | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.user = signed_in_user(request)
        self.today = _today()
        self.load(**kwargs)
        if self.change_required and not case_selectors.may_change(
            self.user, self.child, user_shell(request).grants
        ):
            raise PermissionDenied("Only the local authority's SEND team can change this case.")
        return super().dispatch(request, *args, **kwargs)

    def load(self, **kwargs: Any) -> None:
        """Every form page fetches what it acts on; this base is never routed."""
        raise TypeError(f"{type(self).__name__} must define load()")

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def initial(self) -> dict[str, Any]:
        return {}

    def extra(self) -> dict[str, Any]:
        """Anything else the page shows: ``intro`` paragraphs, ``summary`` rows, ``warning``."""
        return {}

    def back(self) -> tuple[str, str]:
        """The back link's text and address, from the case the page belongs to."""
        raise TypeError(f"{type(self).__name__} must define back()")

    def page_title(self) -> str:
        return self.title

    def act(self, form: Any) -> HttpResponse:
        """Call the step's service with the valid form and redirect."""
        raise TypeError(f"{type(self).__name__} must define act()")

    def render_form(self, form: forms.GovukForm, status: int = 200) -> HttpResponse:
        back_text, back_href = self.back()
        return render(
            self.request,
            self.template,
            {
                "page_title": self.page_title(),
                "page_has_errors": bool(form.errors),
                "form": form,
                "errors": error_list(form),
                "child": self.child,
                "caption": self.child.display_name,
                "back_text": back_text,
                "back_href": back_href,
                "submit": self.submit,
                **self.extra(),
            },
            status=status,
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.form_class(initial=self.initial(), **self.form_kwargs()))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, **self.form_kwargs())
        if form.is_valid():
            try:
                return self.act(form)
            except services.ConcurrentEdit as error:
                return self.conflict(form, error)
            except ValidationError as error:
                form.add_service_error(error)
        return self.render_form(form, status=400)

    def conflict(self, form: forms.GovukForm, error: ValidationError) -> HttpResponse:
        form.add_service_error(error)
        return self.render_form(form, status=409)

    def done(self, message: str, to: str, *args: Any) -> HttpResponse:
        messages.success(self.request, message)
        return redirect(to, *args)


# the child


class ChildFormPage(FormPage):
    def load(self, **kwargs: Any) -> None:
        self.child, self.decision = case_selectors.child_for_ehc(
            user=self.user, child_id=kwargs["child_id"], log=False
        )

    def back(self) -> tuple[str, str]:
        return "EHC needs assessment and plans", reverse("ehc:child", args=[self.child.pk])


class RequestNewView(ChildFormPage):
    form_class = forms.RequestForm
    title = "Record a request for an EHC needs assessment"
    submit = "Record the request"

    def form_kwargs(self) -> dict[str, Any]:
        return {
            "organisations": case_selectors.area_organisations(self.child),
            "coordinators": selectors.coordinators(self.child.area),
        }

    def initial(self) -> dict[str, Any]:
        return {"coordinator": self.user.pk}

    def extra(self) -> dict[str, Any]:
        return {
            "intro": [
                "The local authority has 6 weeks from the day the request arrives to decide "
                "whether to assess, and 20 weeks to issue a final plan (14 for a re-assessment)."
            ]
        }

    def act(self, form: forms.RequestForm) -> HttpResponse:
        data = form.cleaned_data
        case = services.request_receive(
            acting_user=self.user,
            child=self.child,
            received_date=data["received_date"],
            source=data["source"],
            kind=data["kind"],
            requester_organisation=data["requester_organisation"],
            requester_name=data["requester_name"],
            coordinator=data["coordinator"],
        )
        return self.done(
            f"Request recorded. Decide whether to assess by {rules_long(case.decision_due)}.",
            "ehc:request",
            case.pk,
        )


def rules_long(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


class TransferInView(ChildFormPage):
    form_class = forms.TransferInForm
    title = "Record a plan transferred in from another area"
    submit = "Record the transfer"

    def form_kwargs(self) -> dict[str, Any]:
        return {"coordinators": selectors.coordinators(self.child.area)}

    def initial(self) -> dict[str, Any]:
        return {"coordinator": self.user.pk}

    def extra(self) -> dict[str, Any]:
        return {
            "intro": [
                "When a family with an EHC plan moves here, the plan becomes this area's on the "
                "day of the move (Reg 15). Its annual review stays due 12 months after the last."
            ]
        }

    def act(self, form: forms.TransferInForm) -> HttpResponse:
        data = form.cleaned_data
        plan = services.plan_transfer_in(
            acting_user=self.user,
            child=self.child,
            previous_la_code=data["previous_la_code"].strip(),
            transfer_date=data["transfer_date"],
            last_review_date=data["last_review_date"],
            coordinator=data["coordinator"],
        )
        return self.done(
            "Plan transferred in. Enter its content as a new version after its review.",
            "ehc:plan",
            plan.pk,
        )


# a request


class RequestFormPage(FormPage):
    case: AssessmentRequest

    def load(self, **kwargs: Any) -> None:
        self.case, self.decision = case_selectors.request_for_user(
            user=self.user, request_id=kwargs["request_id"]
        )
        self.child = self.case.child

    def back(self) -> tuple[str, str]:
        return "Back to the case", reverse("ehc:request", args=[self.case.pk])

    def to_case(self, message: str) -> HttpResponse:
        return self.done(message, "ehc:request", self.case.pk)

    def case_summary(self) -> list[dict[str, Any]]:
        return [
            {
                "key": {"text": "Request received"},
                "value": {"text": rules_long(self.case.received_date)},
            },
            {"key": {"text": "Stage"}, "value": {"text": self.case.get_stage_display()}},
        ]


class AssignView(RequestFormPage):
    form_class = forms.AssignForm
    title = "Give the case to a coordinator"
    submit = "Give the case"

    def form_kwargs(self) -> dict[str, Any]:
        return {"coordinators": selectors.coordinators(self.case.area)}

    def initial(self) -> dict[str, Any]:
        return {"coordinator": self.case.coordinator_id}

    def act(self, form: forms.AssignForm) -> HttpResponse:
        coordinator = form.cleaned_data["coordinator"]
        services.request_assign(acting_user=self.user, request=self.case, coordinator=coordinator)
        return self.to_case(f"The case is now held by {coordinator.full_name or coordinator}.")


class DecideToAssessView(RequestFormPage):
    form_class = forms.DecideToAssessForm
    title = "Decide whether to assess"
    submit = "Record the decision"

    def extra(self) -> dict[str, Any]:
        return {
            "summary": [
                *self.case_summary(),
                {
                    "key": {"text": "Decision due by"},
                    "value": {"text": rules_long(self.case.decision_due) + " (6 weeks)"},
                },
            ]
        }

    def act(self, form: forms.DecideToAssessForm) -> HttpResponse:
        data = form.cleaned_data
        assess = _yes(data["assess"])
        services.request_decide_to_assess(
            acting_user=self.user,
            request=self.case,
            decision_date=data["decision_date"],
            assess=assess,
            reasons=data["reasons"],
        )
        if assess:
            return self.to_case("Decision recorded: the needs assessment has started.")
        return self.done(
            "Decision recorded: not to assess. Send the family this letter.",
            "ehc:decision-letter",
            self.case.pk,
        )


class AdviceNewView(RequestFormPage):
    form_class = forms.AdviceRequestForm
    title = "Ask for advice"
    submit = "Record the request for advice"

    def form_kwargs(self) -> dict[str, Any]:
        return {"organisations": case_selectors.area_organisations(self.child)}

    def extra(self) -> dict[str, Any]:
        return {
            "intro": [
                "Advice is due 6 weeks after it is asked for (Reg 8). The organisation asked "
                "can see the child's record and return its advice here."
            ]
        }

    def act(self, form: forms.AdviceRequestForm) -> HttpResponse:
        data = form.cleaned_data
        advice = services.advice_request_send(
            acting_user=self.user,
            request=self.case,
            advice_type=data["advice_type"],
            organisation=data["organisation"],
            requested_date=data["requested_date"],
        )
        return self.to_case(
            f"{advice.get_advice_type_display()} advice requested: due by "
            f"{rules_long(advice.due_date)}."
        )


class ExceptionView(RequestFormPage):
    form_class = forms.ExceptionForm
    title = "Record an exception to the time limits"
    submit = "Record the exception"

    def extra(self) -> dict[str, Any]:
        return {
            "intro": [
                "An exception lifts the 6-, 16- and 20-week limits when meeting them is "
                "impractical (Regs 5(4), 10(4), 13(3)). The case is then reported among the "
                "exception cases."
            ]
        }

    def act(self, form: forms.ExceptionForm) -> HttpResponse:
        data = form.cleaned_data
        services.exception_record(
            acting_user=self.user,
            request=self.case,
            kind=data["kind"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            description=data["description"],
            advice_requested_on=data["advice_requested_on"],
        )
        return self.to_case("Exception recorded: the time limits are suspended.")


class DecideToIssueView(RequestFormPage):
    form_class = forms.DecideToIssueForm
    title = "Decide whether to issue an EHC plan"
    submit = "Record the decision"

    def extra(self) -> dict[str, Any]:
        return {
            "summary": [
                *self.case_summary(),
                {
                    "key": {"text": "A decision not to issue is due by"},
                    "value": {"text": rules_long(self.case.not_to_issue_due) + " (16 weeks)"},
                },
            ]
        }

    def act(self, form: forms.DecideToIssueForm) -> HttpResponse:
        data = form.cleaned_data
        issue = _yes(data["issue"])
        services.request_decide_to_issue(
            acting_user=self.user,
            request=self.case,
            decision_date=data["decision_date"],
            issue=issue,
            reasons=data["reasons"],
        )
        if issue:
            return self.to_case("Decision recorded: write the draft plan.")
        return self.done(
            "Decision recorded: not to issue a plan. Send the family this letter.",
            "ehc:decision-letter",
            self.case.pk,
        )


class WithdrawView(RequestFormPage):
    form_class = forms.WithdrawForm
    title = "Withdraw the request"
    submit = "Withdraw the request"

    def extra(self) -> dict[str, Any]:
        return {
            "warning": "Outstanding requests for advice are cancelled and a draft plan is not "
            "finalised. This cannot be undone."
        }

    def act(self, form: forms.WithdrawForm) -> HttpResponse:
        services.request_withdraw(
            acting_user=self.user,
            request=self.case,
            withdrawn_date=form.cleaned_data["withdrawn_date"],
            reason=form.cleaned_data["reason"],
        )
        return self.to_case("The request has been withdrawn.")


# advice


class AdviceFormPage(FormPage):
    advice: AdviceRequest
    change_required = False

    def load(self, **kwargs: Any) -> None:
        self.advice = case_selectors.advice_for_user(user=self.user, advice_id=kwargs["advice_id"])
        self.child = self.advice.request.child

    def may_see_case(self) -> bool:
        return policy.decide(
            user_shell(self.request).grants, self.child, policy.Action.VIEW
        ).allowed

    def back(self) -> tuple[str, str]:
        if self.may_see_case():
            return "Back to the case", reverse("ehc:request", args=[self.advice.request_id])
        return "Home", reverse("web:home")

    def extra(self) -> dict[str, Any]:
        advice = self.advice
        return {
            "summary": [
                {"key": {"text": "Advice"}, "value": {"text": advice.get_advice_type_display()}},
                {
                    "key": {"text": "Asked of"},
                    "value": {
                        "text": advice.organisation.name if advice.organisation else "The family"
                    },
                },
                {"key": {"text": "Asked on"}, "value": {"text": rules_long(advice.requested_date)}},
                {"key": {"text": "Due by"}, "value": {"text": rules_long(advice.due_date)}},
                {"key": {"text": "Status"}, "value": {"text": advice.get_status_display()}},
            ],
            "links": self.links(),
        }

    def links(self) -> list[tuple[str, str]]:
        return []

    def after(self, message: str) -> HttpResponse:
        if self.may_see_case():
            return self.done(message, "ehc:request", self.advice.request_id)
        return self.done(message, "web:home")


class AdviceReturnView(AdviceFormPage):
    form_class = forms.AdviceReturnForm
    title = "Record the advice returned"
    submit = "Record the advice"

    def page_title(self) -> str:
        return f"Record the {self.advice.get_advice_type_display().lower()} advice returned"

    def links(self) -> list[tuple[str, str]]:
        links = [
            (
                "Record why this advice cannot be given within 6 weeks",
                reverse("ehc:advice-exception", args=[self.advice.pk]),
            )
        ]
        if case_selectors.may_change(self.user, self.child):
            links.append(
                (
                    "Cancel this request for advice",
                    reverse("ehc:advice-cancel", args=[self.advice.pk]),
                )
            )
        return links

    def act(self, form: forms.AdviceReturnForm) -> HttpResponse:
        services.advice_return(
            acting_user=self.user,
            advice=self.advice,
            returned_date=form.cleaned_data["returned_date"],
            summary=form.cleaned_data["summary"],
        )
        return self.after("Advice recorded.")


class AdviceExceptionView(AdviceFormPage):
    form_class = forms.AdviceExceptionForm
    title = "Record an exception to the advice time limit"
    submit = "Record the exception"

    def act(self, form: forms.AdviceExceptionForm) -> HttpResponse:
        services.advice_record_exception(
            acting_user=self.user,
            advice=self.advice,
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
        )
        return self.after("Exception recorded: the advice is suspended by exception.")


class AdviceCancelView(AdviceFormPage):
    form_class = forms.ReasonForm
    title = "Cancel the request for advice"
    submit = "Cancel the request for advice"
    change_required = True

    def act(self, form: forms.ReasonForm) -> HttpResponse:
        services.advice_cancel(
            acting_user=self.user, advice=self.advice, reason=form.cleaned_data["reason"]
        )
        return self.after("Request for advice cancelled.")


# the draft


class DraftFormPage(FormPage):
    plan: Plan
    version: PlanVersion

    def load(self, **kwargs: Any) -> None:
        self.plan, self.decision = case_selectors.plan_for_user(
            user=self.user, plan_id=kwargs["plan_id"]
        )
        self.version = case_selectors.draft_of(self.plan)
        self.child = self.plan.child

    def back(self) -> tuple[str, str]:
        return "Back to the draft", reverse("ehc:draft", args=[self.plan.pk])

    def to_draft(self, message: str) -> HttpResponse:
        return self.done(message, "ehc:draft", self.plan.pk)

    def initial(self) -> dict[str, Any]:
        return {"lock_version": self.version.lock_version}

    def conflict(self, form: forms.GovukForm, error: ValidationError) -> HttpResponse:
        """Someone else saved the draft: keep what this person typed, show the message, and
        take the new lock version, so saving again (having seen theirs) keeps this person's."""
        form.add_service_error(error)
        self.version.refresh_from_db()
        form.data = {**form.data, "lock_version": str(self.version.lock_version)}
        return self.render_form(form, status=409)


class DraftEditView(DraftFormPage):
    form_class = forms.DraftForm
    title = "Write the plan"
    submit = "Save the draft"
    template = "ehc/draft_edit.html"

    def initial(self) -> dict[str, Any]:
        version = self.version
        values: dict[str, Any] = {
            forms.section_field_name(section): version.section_text(section)
            for section in PlanSection
        }
        return {
            **values,
            "lock_version": version.lock_version,
            "personal_budget": version.personal_budget,
            "organised_arrangements": version.organised_arrangements,
            "direct_payments": version.direct_payments,
        }

    def extra(self) -> dict[str, Any]:
        return {"version": self.version, "theirs": getattr(self, "theirs", {})}

    def conflict(self, form: forms.GovukForm, error: ValidationError) -> HttpResponse:
        self.version.refresh_from_db()
        assert isinstance(form, forms.DraftForm)  # noqa: S101
        self.theirs = {
            name: saved
            for name, typed in form.changes().items()
            if name.startswith("section_") and (saved := getattr(self.version, name)) != typed
        }
        return super().conflict(form, error)

    def act(self, form: forms.DraftForm) -> HttpResponse:
        services.version_update(
            acting_user=self.user,
            version=self.version,
            expected_lock_version=form.cleaned_data["lock_version"],
            changes=form.changes(),
        )
        return self.to_draft("The draft has been saved.")


class ProvisionLineView(DraftFormPage):
    form_class = forms.ProvisionLineForm
    submit = "Save the provision"
    line: ProvisionLine | None = None

    def load(self, **kwargs: Any) -> None:
        super().load(**kwargs)
        if "line_id" in kwargs:
            self.line = case_selectors.line_of(self.version, kwargs["line_id"])

    def page_title(self) -> str:
        return "Change a line of provision" if self.line else "Add a line of provision"

    def form_kwargs(self) -> dict[str, Any]:
        return {"organisations": case_selectors.area_organisations(self.child)}

    def initial(self) -> dict[str, Any]:
        initial = super().initial()
        if self.line is not None:
            line = self.line
            initial.update(
                section=line.section,
                description=line.description,
                outcome=line.outcome,
                quantity=line.quantity,
                unit=line.unit,
                frequency=line.frequency,
                provider_organisation=line.provider_organisation_id,
                provider_description=line.provider_description,
                commissioner=line.commissioner,
                annual_cost=line.annual_cost,
            )
        else:
            initial["section"] = self.request.GET.get("section", "")
        return initial

    def extra(self) -> dict[str, Any]:
        return {
            "intro": [
                "Say what is provided, how much and how often, who provides it and who "
                "commissions it. Section F is education, G health, H1 and H2 social care."
            ]
        }

    def act(self, form: forms.ProvisionLineForm) -> HttpResponse:
        data = form.cleaned_data
        services.provision_line_save(
            acting_user=self.user,
            version=self.version,
            expected_lock_version=data["lock_version"],
            line=self.line,
            section=data["section"],
            description=data["description"],
            commissioner=data["commissioner"],
            outcome=data["outcome"],
            quantity=data["quantity"],
            unit=data["unit"],
            frequency=data["frequency"],
            provider_organisation=data["provider_organisation"],
            provider_description=data["provider_description"],
            annual_cost=data["annual_cost"],
        )
        return self.to_draft(f"Section {data['section'].upper()} provision saved.")


class ProvisionRemoveView(DraftFormPage):
    form_class = forms.LockedForm
    title = "Remove this line of provision"
    submit = "Remove the provision"
    line: ProvisionLine

    def load(self, **kwargs: Any) -> None:
        super().load(**kwargs)
        self.line = case_selectors.line_of(self.version, kwargs["line_id"])

    def extra(self) -> dict[str, Any]:
        return {
            "summary": [
                {"key": {"text": "Section"}, "value": {"text": self.line.section.upper()}},
                {"key": {"text": "What is provided"}, "value": {"text": self.line.description}},
            ]
        }

    def act(self, form: forms.LockedForm) -> HttpResponse:
        services.provision_line_remove(
            acting_user=self.user,
            line=self.line,
            expected_lock_version=form.cleaned_data["lock_version"],
        )
        return self.to_draft("The provision has been removed.")


class PlacementView(DraftFormPage):
    form_class = forms.PlacementForm
    title = "Name the setting (section I)"
    submit = "Save section I"

    def form_kwargs(self) -> dict[str, Any]:
        return {"settings": selectors.settings_for(self.child.area)}

    def initial(self) -> dict[str, Any]:
        initial = super().initial()
        initial["rank"] = self.request.GET.get("rank", "1")
        preferred = self.version.preferred_setting_id
        if preferred:
            initial["setting"] = preferred
        return initial

    def extra(self) -> dict[str, Any]:
        intro = ["Name a school or college, or an arrangement without one, not both."]
        if self.version.preferred_setting:
            intro.append(f"The family asked for {self.version.preferred_setting.name}.")
        return {"intro": intro}

    def act(self, form: forms.PlacementForm) -> HttpResponse:
        data = form.cleaned_data
        placement = services.placement_name(
            acting_user=self.user,
            version=self.version,
            expected_lock_version=data["lock_version"],
            rank=int(data["rank"]),
            setting=data["setting"],
            sen_setting=data["sen_setting"],
            sen_setting_other=data["sen_setting_other"],
            in_sen_unit=data["in_sen_unit"],
            in_resourced_provision=data["in_resourced_provision"],
        )
        return self.to_draft(f"Section I: {placement} named.")


class PlacementRemoveView(DraftFormPage):
    form_class = forms.LockedForm
    title = "Remove the setting from section I"
    submit = "Remove the setting"

    def load(self, **kwargs: Any) -> None:
        super().load(**kwargs)
        self.placement = case_selectors.placement_of(self.version, kwargs["rank"])

    def extra(self) -> dict[str, Any]:
        return {"summary": [{"key": {"text": "Setting"}, "value": {"text": str(self.placement)}}]}

    def act(self, form: forms.LockedForm) -> HttpResponse:
        services.placement_remove(
            acting_user=self.user,
            placement=self.placement,
            expected_lock_version=form.cleaned_data["lock_version"],
        )
        return self.to_draft("The setting has been removed from section I.")


class DraftSendView(DraftFormPage):
    form_class = forms.DraftSendForm
    submit = "Record that the draft was sent"

    def page_title(self) -> str:
        if self.version.request_id is None:
            return "Send the proposed amendments to the family"
        return "Send the draft plan to the family"

    def initial(self) -> dict[str, Any]:
        return {}

    def extra(self) -> dict[str, Any]:
        return {
            "intro": [
                "The family have 15 days, beginning with the day the draft is sent, to comment, "
                "ask for a meeting and say which school or college they want named (Reg 13).",
                "A new plan's draft must not name a setting in section I.",
            ]
        }

    def act(self, form: forms.DraftSendForm) -> HttpResponse:
        version = services.draft_issue(
            acting_user=self.user,
            version=self.version,
            served_date=form.cleaned_data["served_date"],
        )
        return self.to_draft(
            f"Draft sent. The family have until {rules_long(version.comments_due)} to comment."
        )


class CommentsView(DraftFormPage):
    form_class = forms.CommentsForm
    title = "Record the family's comments on the draft"
    submit = "Record the comments"

    def form_kwargs(self) -> dict[str, Any]:
        return {"settings": selectors.settings_for(self.child.area)}

    def initial(self) -> dict[str, Any]:
        return {}

    def act(self, form: forms.CommentsForm) -> HttpResponse:
        data = form.cleaned_data
        services.draft_record_comments(
            acting_user=self.user,
            version=self.version,
            received_date=data["received_date"],
            comments=data["comments"],
            preferred_setting=data["preferred_setting"],
            preferred_setting_other=data["preferred_setting_other"],
            meeting_requested=data["meeting_requested"],
        )
        return self.to_draft("The family's comments have been recorded.")


class ConsultView(DraftFormPage):
    form_class = forms.ConsultForm
    title = "Consult a school or college"
    submit = "Record the consultation"

    def form_kwargs(self) -> dict[str, Any]:
        return {"settings": selectors.settings_for(self.child.area)}

    def initial(self) -> dict[str, Any]:
        preferred = self.version.preferred_setting_id
        return {"setting": preferred, "parent_preference": bool(preferred)} if preferred else {}

    def extra(self) -> dict[str, Any]:
        return {"intro": ["The school or college has 15 days to respond (s.39(2))."]}

    def act(self, form: forms.ConsultForm) -> HttpResponse:
        data = form.cleaned_data
        consultation = services.consultation_send(
            acting_user=self.user,
            version=self.version,
            setting=data["setting"],
            sent_date=data["sent_date"],
            parent_preference=data["parent_preference"],
        )
        return self.to_draft(
            f"{consultation.setting.name} consulted: a response is due by "
            f"{rules_long(consultation.response_due)}."
        )


class IssueFinalView(DraftFormPage):
    form_class = forms.IssueFinalForm
    submit = "Issue the final plan"

    def page_title(self) -> str:
        if self.version.request_id is None:
            return "Issue the final amended plan"
        return "Issue the final plan"

    def initial(self) -> dict[str, Any]:
        return {}

    def extra(self) -> dict[str, Any]:
        rows = []
        if self.version.request is not None:
            rows.append(
                {
                    "key": {"text": "Final plan due by"},
                    "value": {"text": rules_long(self.version.request.final_due)},
                }
            )
        if self.version.comments_due:
            rows.append(
                {
                    "key": {"text": "Family's comments due by"},
                    "value": {"text": rules_long(self.version.comments_due)},
                }
            )
        return {
            "summary": rows,
            "intro": ["The version issued is kept and can be printed and compared with others."],
        }

    def act(self, form: forms.IssueFinalForm) -> HttpResponse:
        services.plan_issue_final(
            acting_user=self.user,
            version=self.version,
            issued_date=form.cleaned_data["issued_date"],
        )
        return self.done(f"Version {self.version.number} issued.", "ehc:plan", self.plan.pk)


class ConsultationRespondView(FormPage):
    form_class = forms.ConsultationResponseForm
    title = "Record the setting's response"
    submit = "Record the response"
    change_required = False
    consultation: Consultation

    def load(self, **kwargs: Any) -> None:
        self.consultation = case_selectors.consultation_for_user(
            user=self.user, consultation_id=kwargs["consultation_id"], today=self.today
        )
        self.child = self.consultation.version.plan.child

    def back(self) -> tuple[str, str]:
        if case_selectors.may_change(self.user, self.child):
            return "Back to the draft", reverse(
                "ehc:draft", args=[self.consultation.version.plan_id]
            )
        return "Home", reverse("web:home")

    def extra(self) -> dict[str, Any]:
        consultation = self.consultation
        return {
            "summary": [
                {"key": {"text": "Setting"}, "value": {"text": consultation.setting.name}},
                {
                    "key": {"text": "Consulted on"},
                    "value": {"text": rules_long(consultation.sent_date)},
                },
                {
                    "key": {"text": "Response due by"},
                    "value": {"text": rules_long(consultation.response_due)},
                },
            ]
        }

    def act(self, form: forms.ConsultationResponseForm) -> HttpResponse:
        data = form.cleaned_data
        services.consultation_respond(
            acting_user=self.user,
            consultation=self.consultation,
            response=data["response"],
            response_date=data["response_date"],
            note=data["note"],
        )
        if case_selectors.may_change(self.user, self.child):
            return self.done(
                "The setting's response has been recorded.",
                "ehc:draft",
                self.consultation.version.plan_id,
            )
        return self.done("Your response has been recorded.", "web:home")


class SignOffView(FormPage):
    form_class = forms.SignOffForm
    title = "Sign off a section of the plan"
    submit = "Sign off the section"
    change_required = False
    plan: Plan
    version: PlanVersion

    def load(self, **kwargs: Any) -> None:
        self.plan, self.decision = case_selectors.plan_for_user(
            user=self.user, plan_id=kwargs["plan_id"]
        )
        self.version = case_selectors.version_of(self.plan, kwargs["number"])
        self.child = self.plan.child

    def back(self) -> tuple[str, str]:
        if self.version.state == VersionState.DRAFT:
            return "Back to the draft", reverse("ehc:draft", args=[self.plan.pk])
        return "Back to the plan", reverse("ehc:plan", args=[self.plan.pk])

    def form_kwargs(self) -> dict[str, Any]:
        return {"sections": case_selectors.sections_to_sign_off(self.version)}

    def extra(self) -> dict[str, Any]:
        return {
            "intro": [
                "Health staff sign off sections C and G; social care staff sections D, H1 "
                "and H2. Read them in the draft first."
            ]
        }

    def act(self, form: forms.SignOffForm) -> HttpResponse:
        data = form.cleaned_data
        services.section_sign_off(
            acting_user=self.user,
            version=self.version,
            section=data["section"],
            signed_on=data["signed_on"],
            note=data["note"],
        )
        to = "ehc:draft" if self.version.state == VersionState.DRAFT else "ehc:plan"
        return self.done(f"Section {data['section'].upper()} signed off.", to, self.plan.pk)


# the plan and its review


class PlanFormPage(FormPage):
    plan: Plan

    def load(self, **kwargs: Any) -> None:
        self.plan, self.decision = case_selectors.plan_for_user(
            user=self.user, plan_id=kwargs["plan_id"]
        )
        self.child = self.plan.child

    def back(self) -> tuple[str, str]:
        return "Back to the plan", reverse("ehc:plan", args=[self.plan.pk])


class CeaseView(PlanFormPage):
    form_class = forms.CeaseForm
    title = "Cease to maintain the plan"
    submit = "Cease the plan"

    def extra(self) -> dict[str, Any]:
        return {
            "warning": "The family must be told, with their rights to mediation and appeal. "
            "While an appeal is under way the plan stays in place."
        }

    def act(self, form: forms.CeaseForm) -> HttpResponse:
        data = form.cleaned_data
        services.plan_cease(
            acting_user=self.user,
            plan=self.plan,
            ceased_date=data["ceased_date"],
            reason=data["reason"],
            notice_date=data["notice_date"],
            review_shows_no_wish_to_return=data["review_shows_no_wish_to_return"],
            transferred_to=data["transferred_to"].strip(),
        )
        return self.done("The plan has ceased.", "ehc:plan", self.plan.pk)


class AppealView(PlanFormPage):
    form_class = forms.AppealForm
    title = "Record an appeal"
    submit = "Save"

    def initial(self) -> dict[str, Any]:
        return {"pending": "yes" if self.plan.appeal_pending else "no"}

    def act(self, form: forms.AppealForm) -> HttpResponse:
        pending = _yes(form.cleaned_data["pending"])
        services.plan_record_appeal(acting_user=self.user, plan=self.plan, pending=pending)
        return self.done(
            "Appeal recorded: the plan stays in place." if pending else "Appeal concluded.",
            "ehc:plan",
            self.plan.pk,
        )


class ReviewFormPage(FormPage):
    review: AnnualReview

    def load(self, **kwargs: Any) -> None:
        self.review, self.decision = case_selectors.review_for_user(
            user=self.user, review_id=kwargs["review_id"]
        )
        self.child = self.review.plan.child

    def back(self) -> tuple[str, str]:
        return "Back to the plan", reverse("ehc:plan", args=[self.review.plan_id])

    def to_plan(self, message: str) -> HttpResponse:
        return self.done(message, "ehc:plan", self.review.plan_id)

    def extra(self) -> dict[str, Any]:
        review = self.review
        rows = [
            {"key": {"text": "Review due by"}, "value": {"text": rules_long(review.due_date)}},
            {"key": {"text": "Stage"}, "value": {"text": review.get_stage_display()}},
        ]
        if review.meeting_date:
            rows.append(
                {"key": {"text": "Meeting"}, "value": {"text": rules_long(review.meeting_date)}}
            )
        if review.phase_transfer_deadline:
            rows.append(
                {
                    "key": {"text": "Phase transfer"},
                    "value": {
                        "text": f"{review.get_phase_transfer_display()}: name the new setting by "
                        f"{rules_long(review.phase_transfer_deadline)}"
                    },
                }
            )
        return {"summary": rows}


class ReviewInviteView(ReviewFormPage):
    form_class = forms.ReviewInviteForm
    title = "Invite everyone to the review meeting"
    submit = "Record the invitations"

    def act(self, form: forms.ReviewInviteForm) -> HttpResponse:
        data = form.cleaned_data
        review = services.review_invite(
            acting_user=self.user,
            review=self.review,
            sent_date=data["sent_date"],
            meeting_date=data["meeting_date"],
        )
        return self.to_plan(f"Review meeting arranged for {rules_long(review.meeting_date)}.")


class ReviewMeetingView(ReviewFormPage):
    form_class = forms.ReviewMeetingForm
    title = "Record the review meeting"
    submit = "Record the meeting"

    def initial(self) -> dict[str, Any]:
        meeting = self.review.meeting_date
        return {"meeting_date": meeting} if meeting and meeting <= self.today else {}

    def act(self, form: forms.ReviewMeetingForm) -> HttpResponse:
        services.review_hold_meeting(
            acting_user=self.user,
            review=self.review,
            meeting_date=form.cleaned_data["meeting_date"],
        )
        return self.to_plan("Meeting recorded. The report is due within 2 weeks.")


class ReviewReportView(ReviewFormPage):
    form_class = forms.ReviewReportForm
    title = "Record the review report"
    submit = "Record the report"

    def act(self, form: forms.ReviewReportForm) -> HttpResponse:
        services.review_receive_report(
            acting_user=self.user,
            review=self.review,
            received_date=form.cleaned_data["received_date"],
            summary=form.cleaned_data["summary"],
        )
        return self.to_plan("Report recorded. Decide within 4 weeks of the meeting.")


class ReviewDecideView(ReviewFormPage):
    form_class = forms.ReviewDecideForm
    title = "Decide after the annual review"
    submit = "Record the decision"

    def act(self, form: forms.ReviewDecideForm) -> HttpResponse:
        data = form.cleaned_data
        review = services.review_decide(
            acting_user=self.user,
            review=self.review,
            decision_date=data["decision_date"],
            outcome=data["outcome"],
            reasons=data["reasons"],
        )
        if review.stage == ReviewStage.AMENDING:
            return self.done(
                "Decision recorded: write the proposed amendments in the draft.",
                "ehc:draft",
                review.plan_id,
            )
        return self.to_plan(f"Decision recorded: {review.get_outcome_display().lower()}.")


urlpatterns: list[URLPattern] = [
    path("children/<int:child_id>/", ChildCasesView.as_view(), name="child"),
    path("children/<int:child_id>/requests/new/", RequestNewView.as_view(), name="request-new"),
    path("children/<int:child_id>/transfer-in/", TransferInView.as_view(), name="transfer-in"),
    path("requests/<int:request_id>/", RequestView.as_view(), name="request"),
    path("requests/<int:request_id>/coordinator/", AssignView.as_view(), name="assign"),
    path(
        "requests/<int:request_id>/decide-to-assess/",
        DecideToAssessView.as_view(),
        name="decide-to-assess",
    ),
    path(
        "requests/<int:request_id>/decision-letter/",
        DecisionLetterView.as_view(),
        name="decision-letter",
    ),
    path("requests/<int:request_id>/advice/new/", AdviceNewView.as_view(), name="advice-new"),
    path(
        "requests/<int:request_id>/exceptions/new/",
        ExceptionView.as_view(),
        name="exception-new",
    ),
    path(
        "requests/<int:request_id>/decide-to-issue/",
        DecideToIssueView.as_view(),
        name="decide-to-issue",
    ),
    path("requests/<int:request_id>/withdraw/", WithdrawView.as_view(), name="withdraw"),
    path("advice/<int:advice_id>/return/", AdviceReturnView.as_view(), name="advice-return"),
    path(
        "advice/<int:advice_id>/exception/",
        AdviceExceptionView.as_view(),
        name="advice-exception",
    ),
    path("advice/<int:advice_id>/cancel/", AdviceCancelView.as_view(), name="advice-cancel"),
    path("plans/<int:plan_id>/", PlanView.as_view(), name="plan"),
    path("plans/<int:plan_id>/versions/<int:number>/", VersionView.as_view(), name="version"),
    path(
        "plans/<int:plan_id>/versions/<int:number>/sign-off/",
        SignOffView.as_view(),
        name="sign-off",
    ),
    path("plans/<int:plan_id>/compare/", CompareView.as_view(), name="compare"),
    path("plans/<int:plan_id>/draft/", DraftView.as_view(), name="draft"),
    path("plans/<int:plan_id>/draft/edit/", DraftEditView.as_view(), name="draft-edit"),
    path(
        "plans/<int:plan_id>/draft/provision/new/",
        ProvisionLineView.as_view(),
        name="provision-new",
    ),
    path(
        "plans/<int:plan_id>/draft/provision/<int:line_id>/",
        ProvisionLineView.as_view(),
        name="provision-edit",
    ),
    path(
        "plans/<int:plan_id>/draft/provision/<int:line_id>/remove/",
        ProvisionRemoveView.as_view(),
        name="provision-remove",
    ),
    path("plans/<int:plan_id>/draft/placement/", PlacementView.as_view(), name="placement"),
    path(
        "plans/<int:plan_id>/draft/placement/<int:rank>/remove/",
        PlacementRemoveView.as_view(),
        name="placement-remove",
    ),
    path("plans/<int:plan_id>/draft/send/", DraftSendView.as_view(), name="draft-send"),
    path("plans/<int:plan_id>/draft/comments/", CommentsView.as_view(), name="draft-comments"),
    path("plans/<int:plan_id>/draft/consult/", ConsultView.as_view(), name="consult"),
    path("plans/<int:plan_id>/draft/issue/", IssueFinalView.as_view(), name="issue-final"),
    path("plans/<int:plan_id>/cease/", CeaseView.as_view(), name="cease"),
    path("plans/<int:plan_id>/appeal/", AppealView.as_view(), name="appeal"),
    path(
        "consultations/<int:consultation_id>/respond/",
        ConsultationRespondView.as_view(),
        name="consultation-respond",
    ),
    path("reviews/<int:review_id>/invite/", ReviewInviteView.as_view(), name="review-invite"),
    path("reviews/<int:review_id>/meeting/", ReviewMeetingView.as_view(), name="review-meeting"),
    path("reviews/<int:review_id>/report/", ReviewReportView.as_view(), name="review-report"),
    path("reviews/<int:review_id>/decision/", ReviewDecideView.as_view(), name="review-decide"),
]
