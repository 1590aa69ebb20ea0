"""Feedback on the Local Offer (SEND Regulations 2014 reg 56): the public comment form and its
confirmation, the "you said, we did" page, and the Local Offer officers' queue, where each
comment is themed, answered and published (or not), and the year's export.

Thin: the forms check the shape of the input, ``services.feedback`` acts and refuses with a
``ValidationError`` shown against the field it names, ``feedback_selectors`` reads. The public
form keeps out robots without JavaScript: a honeypot field people never see, and a limit on
how many comments one browser session sends in an hour.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views import View

from opensend.core import access_log
from opensend.core.models import AccessAction, Area, User
from opensend.directory import feedback_selectors as selectors
from opensend.directory.models import (
    Feedback,
    FeedbackAbout,
    FeedbackStatus,
    FeedbackTheme,
    Service,
)
from opensend.directory.permissions import is_officer
from opensend.directory.services import feedback as services
from opensend.directory.views._area import area_or_404
from opensend.web.helpers import error_summary

__all__ = ["rate_limited", "urlpatterns"]

#: One browser session may send this many comments in ``RATE_WINDOW``.
RATE_LIMIT = 5
RATE_WINDOW = dt.timedelta(hours=1)
SESSION_SENT = "directory_feedback_sent"
SESSION_REFERENCE = "directory_feedback_reference"
#: The honeypot: a field hidden from people (and from assistive technology) that robots fill.
HONEYPOT = "website"
PER_PAGE = 50


def rate_limited(sent: Sequence[dt.datetime], now: dt.datetime) -> bool:
    """Whether a session that sent comments at the times ``sent`` has reached the limit:
    ``RATE_LIMIT`` comments within the last ``RATE_WINDOW``."""
    recent = [moment for moment in sent if now - RATE_WINDOW < moment <= now]
    return len(recent) >= RATE_LIMIT


def _sent_times(request: HttpRequest) -> list[dt.datetime]:
    times: list[dt.datetime] = []
    for value in request.session.get(SESSION_SENT, []):
        try:
            times.append(dt.datetime.fromisoformat(str(value)))
        except ValueError:
            continue
    return times


def _remember_sent(request: HttpRequest, now: dt.datetime) -> None:
    recent = [moment for moment in _sent_times(request) if now - moment < RATE_WINDOW]
    request.session[SESSION_SENT] = [moment.isoformat() for moment in [*recent, now]]


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the middleware signs people in first
        raise PermissionDenied
    return user


def _errors(form: forms.Form) -> list[dict[str, str]]:
    return error_summary(form)


def _service_error(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


# --- the public form -----------------------------------------------------------------------


class FeedbackForm(forms.Form):
    about = forms.ChoiceField(
        label="What is your comment about?",
        choices=FeedbackAbout.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what your comment is about",
            "invalid_choice": "Select what your comment is about",
        },
    )
    comment = forms.CharField(
        label="Your comment",
        widget=forms.Textarea,
        max_length=services.COMMENT_MAX_LENGTH,
        error_messages={
            "required": "Enter your comment",
            "max_length": (
                f"Your comment must be {services.COMMENT_MAX_LENGTH:,} characters or fewer"
            ),
        },
    )
    relationship = forms.ChoiceField(
        label="Who are you? (optional)",
        choices=Feedback.Relationship.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Select who you are from the list"},
    )
    reply_email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    service = forms.UUIDField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(required=False, label="Leave this field empty")


class FeedbackFormView(View):
    """Anyone can comment on the Local Offer, or on one service (``?service=<id>``);
    ``?about=gap`` (any ``FeedbackAbout`` value) chooses what the comment is about."""

    template = "directory/feedback/form.html"

    def _service(self, area: Area, value: object) -> Service | None:
        if not value:
            return None
        try:
            service_id = uuid.UUID(str(value))
        except ValueError:
            return None
        return Service.objects.public().filter(area=area, pk=service_id).first()

    def _page(
        self,
        request: HttpRequest,
        area: Area,
        form: FeedbackForm,
        service: Service | None,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            self.template,
            {
                "page_title": "Comment on the Local Offer"
                if service is None
                else f"Comment on {service.name}",
                "page_has_errors": bool(form.errors),
                "area": area,
                "form": form,
                "errors": _errors(form),
                "service": service,
                "comment_max": services.COMMENT_MAX_LENGTH,
                "about_choices": FeedbackAbout.choices,
                "relationship_choices": Feedback.Relationship.choices,
            },
            status=status,
        )

    def get(self, request: HttpRequest, la_code: str) -> HttpResponse:
        area = area_or_404(la_code)
        service = self._service(area, request.GET.get("service"))
        initial: dict[str, Any] = {}
        if request.GET.get("about") in FeedbackAbout.values:
            initial["about"] = request.GET["about"]  # e.g. "gap" from a search that found nothing
        if service is not None:
            initial = {"service": service.pk, "about": FeedbackAbout.SERVICE.value}
        return self._page(request, area, FeedbackForm(initial=initial), service)

    def post(self, request: HttpRequest, la_code: str) -> HttpResponse:
        area = area_or_404(la_code)
        form = FeedbackForm(request.POST)
        service = self._service(area, request.POST.get("service"))
        if request.POST.get(HONEYPOT):
            # A robot: say thank you, keep nothing.
            request.session[SESSION_REFERENCE] = ""
            return redirect("directory:feedback-sent", la_code=area.la_code)
        now = timezone.now()
        if rate_limited(_sent_times(request), now):
            form.is_valid()
            form.add_error(
                None,
                "You have sent several comments in the last hour. Wait an hour, then send this "
                "one again",
            )
            return self._page(request, area, form, service, status=429)
        if not form.is_valid():
            return self._page(request, area, form, service)
        data = form.cleaned_data
        try:
            feedback = services.feedback_submit(
                area=area,
                about=data["about"],
                comment=data["comment"],
                relationship=data["relationship"] or "",
                reply_email=data["reply_email"] or "",
                service=service,
            )
        except ValidationError as error:
            _service_error(form, error)
            return self._page(request, area, form, service)
        _remember_sent(request, now)
        request.session[SESSION_REFERENCE] = feedback.reference
        return redirect("directory:feedback-sent", la_code=area.la_code)


class FeedbackSentView(View):
    """The confirmation, with the comment's reference."""

    def get(self, request: HttpRequest, la_code: str) -> HttpResponseBase:
        area = area_or_404(la_code)
        if SESSION_REFERENCE not in request.session:
            return redirect("directory:feedback", la_code=area.la_code)
        reference = str(request.session.get(SESSION_REFERENCE) or "")
        return render(
            request,
            "directory/feedback/sent.html",
            {"page_title": "Feedback sent", "area": area, "reference": reference},
        )


# --- "you said, we did" --------------------------------------------------------------------


class YouSaidWeDidView(View):
    """The published answers, by academic year and theme (``?year=2025`` for one year)."""

    def get(self, request: HttpRequest, la_code: str) -> HttpResponse:
        area = area_or_404(la_code)
        years = selectors.published_years(area)
        wanted = request.GET.get("year", "")
        chosen: int | None = int(wanted) if wanted.isdigit() and int(wanted) in years else None
        shown = [chosen] if chosen is not None else years
        return render(
            request,
            "directory/feedback/you_said_we_did.html",
            {
                "page_title": "You said, we did",
                "area": area,
                "years": [(year, selectors.academic_year_label(year)) for year in years],
                "chosen": chosen,
                "groups": selectors.you_said_we_did(area, shown),
            },
        )


# --- staff ---------------------------------------------------------------------------------


def _officer_area(request: HttpRequest, la_code: str) -> tuple[User, Area]:
    area = area_or_404(la_code)
    user = _user(request)
    if not is_officer(user, area):
        raise PermissionDenied("Only the area's Local Offer officers answer its feedback.")
    return user, area


def _item(request: HttpRequest, la_code: str, reference: str) -> tuple[User, Area, Feedback]:
    user, area = _officer_area(request, la_code)
    try:
        feedback = selectors.feedback_get(fetched_by=user, area=area, reference=reference)
    except Feedback.DoesNotExist:
        raise Http404("No feedback with that reference") from None
    return user, area, feedback


def _item_url(area: Area, feedback: Feedback) -> str:
    return reverse("directory:feedback-item", args=[area.la_code, feedback.reference])


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, label="Status")
    theme = forms.ChoiceField(required=False, label="Theme")
    about = forms.ChoiceField(required=False, label="About")
    service = forms.ChoiceField(required=False, label="Service")
    year = forms.ChoiceField(required=False, label="Year received")

    def __init__(self, data: Any, *, area: Area) -> None:
        super().__init__(data)
        fields = self.fields
        fields["status"].choices = [("", "Any status"), *FeedbackStatus.choices]  # type: ignore[attr-defined]
        fields["theme"].choices = [  # type: ignore[attr-defined]
            ("", "Any theme"),
            *((str(theme.pk), theme.name) for theme in selectors.themes_for_area(area)),
        ]
        fields["about"].choices = [("", "Anything"), *FeedbackAbout.choices]  # type: ignore[attr-defined]
        fields["service"].choices = [  # type: ignore[attr-defined]
            ("", "Any service"),
            *((str(service.pk), service.name) for service in selectors.feedback_services(area)),
        ]
        fields["year"].choices = [  # type: ignore[attr-defined]
            ("", "Any year"),
            *(
                (str(year), selectors.academic_year_label(year))
                for year in selectors.feedback_years(area)
            ),
        ]

    def filters(self) -> selectors.FeedbackFilters:
        if not self.is_valid():
            return selectors.FeedbackFilters()
        data = self.cleaned_data
        return selectors.FeedbackFilters(
            status=data["status"],
            theme=int(data["theme"]) if data["theme"] else None,
            about=data["about"],
            service=data["service"],
            year=int(data["year"]) if data["year"] else None,
        )


class QueueView(View):
    """The area's feedback, newest first, with filters."""

    def get(self, request: HttpRequest, la_code: str) -> HttpResponse:
        user, area = _officer_area(request, la_code)
        form = QueueFilterForm(request.GET, area=area)
        filters = form.filters()
        queryset = selectors.feedback_list(fetched_by=user, area=area, filters=filters)
        paginator = Paginator(queryset, PER_PAGE)
        page_number = request.GET.get("page", "1")
        page = paginator.get_page(page_number if page_number.isdigit() else 1)
        query = request.GET.copy()
        query.pop("page", None)
        base = "?" + (query.urlencode() + "&" if query else "") + "page="
        export_year = filters.year or selectors.academic_year_of(timezone.localdate())
        return render(
            request,
            "directory/feedback/queue.html",
            {
                "page_title": "Local Offer feedback",
                "area": area,
                "form": form,
                "page": page,
                "total": paginator.count,
                "pagination": _pagination(page.number, paginator.num_pages, base),
                "export_year": export_year,
                "export_label": selectors.academic_year_label(export_year),
                "status_classes": STATUS_CLASSES,
            },
        )


#: The tag colour of each status.
STATUS_CLASSES = {
    FeedbackStatus.NEW.value: "govuk-tag--blue",
    FeedbackStatus.TRIAGED.value: "govuk-tag--light-blue",
    FeedbackStatus.ANSWERED.value: "govuk-tag--yellow",
    FeedbackStatus.PUBLISHED.value: "govuk-tag--green",
    FeedbackStatus.NOT_PUBLISHED.value: "govuk-tag--grey",
}


def _pagination(current: int, pages: int, base: str) -> dict[str, Any] | None:
    if pages <= 1:
        return None
    wanted = sorted({1, pages, current - 1, current, current + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": f"{base}{number}", "current": number == current})
        previous = number
    params: dict[str, Any] = {"items": items}
    if current > 1:
        params["previous"] = {"href": f"{base}{current - 1}"}
    if current < pages:
        params["next"] = {"href": f"{base}{current + 1}"}
    return params


class ItemView(View):
    """One comment: what was said, its themes, its answer, what can happen next, its history."""

    def get(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponse:
        _, area, feedback = _item(request, la_code, reference)
        status = FeedbackStatus(feedback.status)
        return render(
            request,
            "directory/feedback/item.html",
            {
                "page_title": f"Feedback {feedback.reference}",
                "area": area,
                "feedback": feedback,
                "themes": list(feedback.themes.all()),
                "warnings": services.identifying_details(feedback.published_comment),
                "history": selectors.feedback_history(feedback),
                "status_classes": STATUS_CLASSES,
                "year_label": selectors.academic_year_label(
                    selectors.academic_year_of(timezone.localtime(feedback.received_at).date())
                ),
                "can_theme": status != FeedbackStatus.PUBLISHED,
                "can_answer": status != FeedbackStatus.PUBLISHED and feedback.themes.exists(),
                "can_publish": status == FeedbackStatus.ANSWERED,
                "can_withhold": status
                not in (FeedbackStatus.PUBLISHED, FeedbackStatus.NOT_PUBLISHED),
                "can_withdraw": status == FeedbackStatus.PUBLISHED,
            },
        )


class ThemesForm(forms.Form):
    themes = forms.MultipleChoiceField(required=False, label="Themes")
    new_theme = forms.CharField(
        required=False,
        label="Add a new theme (optional)",
        max_length=services.THEME_NAME_MAX_LENGTH,
        error_messages={
            "max_length": (
                f"The theme's name must be {services.THEME_NAME_MAX_LENGTH} characters or fewer"
            )
        },
    )

    def __init__(self, *args: Any, themes: Sequence[FeedbackTheme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(str(theme.pk), theme.name) for theme in themes]  # type: ignore[attr-defined]
        self.fields["themes"].error_messages["invalid_choice"] = "Choose themes from the list"


class ThemesView(View):
    """Choose the comment's themes, and add a new theme if none fits."""

    template = "directory/feedback/themes.html"

    def _page(
        self,
        request: HttpRequest,
        area: Area,
        feedback: Feedback,
        form: ThemesForm,
        themes: Sequence[FeedbackTheme],
    ) -> HttpResponse:
        if form.is_bound:
            chosen = {str(value) for value in request.POST.getlist("themes")}
        else:
            chosen = {str(value) for value in form.initial.get("themes", [])}
        return render(
            request,
            self.template,
            {
                "page_title": "Choose the themes",
                "page_has_errors": bool(form.errors),
                "area": area,
                "feedback": feedback,
                "form": form,
                "errors": _errors(form),
                "items": [
                    {"value": str(theme.pk), "text": theme.name, "checked": str(theme.pk) in chosen}
                    for theme in themes
                ],
            },
        )

    def get(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponse:
        _, area, feedback = _item(request, la_code, reference)
        themes = list(selectors.themes_for_area(area))
        form = ThemesForm(
            initial={"themes": [theme.pk for theme in feedback.themes.all()]}, themes=themes
        )
        return self._page(request, area, feedback, form, themes)

    def post(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponseBase:
        user, area, feedback = _item(request, la_code, reference)
        themes = list(selectors.themes_for_area(area))
        form = ThemesForm(request.POST, themes=themes)
        if not form.is_valid():
            return self._page(request, area, feedback, form, themes)
        by_id = {str(theme.pk): theme for theme in themes}
        chosen = [by_id[value] for value in form.cleaned_data["themes"]]
        new_name = form.cleaned_data["new_theme"].strip()
        if not chosen and not new_name:
            form.add_error("themes", "Choose at least one theme, or add a new one")
            return self._page(request, area, feedback, form, themes)
        try:
            if new_name:
                chosen.append(
                    services.feedback_theme_create(acting_user=user, area=area, name=new_name)
                )
            services.feedback_set_themes(acting_user=user, feedback=feedback, themes=chosen)
        except ValidationError as error:
            _service_error(form, error)
            return self._page(request, area, feedback, form, themes)
        messages.success(request, "Themes saved")
        return redirect(_item_url(area, feedback))


class AnswerForm(forms.Form):
    published_comment = forms.CharField(
        required=False,
        label="The comment to publish",
        widget=forms.Textarea,
        max_length=services.ANSWER_MAX_LENGTH,
        help_text=(
            'What families will read as "you said". Take out names, ages, schools, contact '
            "details and anything else that could identify someone."
        ),
        error_messages={
            "max_length": (
                f"The comment to publish must be {services.ANSWER_MAX_LENGTH:,} characters or fewer"
            )
        },
    )
    response = forms.CharField(
        label="Your response",
        widget=forms.Textarea,
        max_length=services.ANSWER_MAX_LENGTH,
        error_messages={
            "required": "Enter the response",
            "max_length": (
                f"The response must be {services.ANSWER_MAX_LENGTH:,} characters or fewer"
            ),
        },
    )
    action = forms.CharField(
        required=False,
        label="What we did or will do",
        widget=forms.Textarea,
        max_length=services.ANSWER_MAX_LENGTH,
        help_text="The action, with a date where there is one. Needed before publishing.",
        error_messages={
            "max_length": f"The action must be {services.ANSWER_MAX_LENGTH:,} characters or fewer"
        },
    )


class AnswerView(View):
    """Write or change the answer: the anonymised comment, the response and the action."""

    template = "directory/feedback/answer.html"

    def _page(
        self, request: HttpRequest, area: Area, feedback: Feedback, form: AnswerForm
    ) -> HttpResponse:
        text = (
            form.data.get("published_comment", "")
            if form.is_bound
            else form.initial.get("published_comment", "")
        )
        return render(
            request,
            self.template,
            {
                "page_title": "Answer the comment",
                "page_has_errors": bool(form.errors),
                "area": area,
                "feedback": feedback,
                "form": form,
                "errors": _errors(form),
                "warnings": services.identifying_details(str(text)),
            },
        )

    def get(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponse:
        _, area, feedback = _item(request, la_code, reference)
        form = AnswerForm(
            initial={
                "published_comment": feedback.published_comment or feedback.comment,
                "response": feedback.response,
                "action": feedback.action,
            }
        )
        return self._page(request, area, feedback, form)

    def post(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponseBase:
        user, area, feedback = _item(request, la_code, reference)
        form = AnswerForm(request.POST)
        if not form.is_valid():
            return self._page(request, area, feedback, form)
        try:
            services.feedback_answer(acting_user=user, feedback=feedback, **form.cleaned_data)
        except ValidationError as error:
            _service_error(form, error)
            return self._page(request, area, feedback, form)
        messages.success(
            request, "Answer saved. Check it, then publish it or mark it not for publication"
        )
        return redirect(_item_url(area, feedback))


class PublishForm(forms.Form):
    confirm_anonymous = forms.BooleanField(
        required=False,
        label="I have checked the comment as it will be published: it does not identify anyone",
    )


class PublishView(View):
    """Publish the answer on "you said, we did", once the officer confirms it is anonymous."""

    template = "directory/feedback/publish.html"

    def _page(
        self, request: HttpRequest, area: Area, feedback: Feedback, form: PublishForm
    ) -> HttpResponse:
        return render(
            request,
            self.template,
            {
                "page_title": "Publish the answer",
                "page_has_errors": bool(form.errors),
                "area": area,
                "feedback": feedback,
                "themes": list(feedback.themes.all()),
                "form": form,
                "errors": _errors(form),
                "warnings": services.identifying_details(feedback.published_comment),
            },
        )

    def get(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponse:
        _, area, feedback = _item(request, la_code, reference)
        return self._page(request, area, feedback, PublishForm())

    def post(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponseBase:
        user, area, feedback = _item(request, la_code, reference)
        form = PublishForm(request.POST)
        form.is_valid()
        try:
            services.feedback_publish(
                acting_user=user,
                feedback=feedback,
                confirmed_anonymous=bool(form.cleaned_data.get("confirm_anonymous")),
            )
        except ValidationError as error:
            _service_error(form, error)
            return self._page(request, area, feedback, form)
        messages.success(request, "Answer published on “You said, we did”")
        return redirect(_item_url(area, feedback))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        max_length=services.REASON_MAX_LENGTH,
        error_messages={
            "required": "Enter the reason",
            "max_length": f"The reason must be {services.REASON_MAX_LENGTH:,} characters or fewer",
        },
    )


class _ReasonView(View, metaclass=ABCMeta):
    """A form asking for a reason, then an action on the comment; subclasses say which."""

    title = ""
    intro = ""
    label = ""
    button = ""
    done = ""

    @abstractmethod
    def act(self, *, user: User, feedback: Feedback, reason: str) -> None:
        """Do the subclass's action with the reason given."""

    def _page(
        self, request: HttpRequest, area: Area, feedback: Feedback, form: ReasonForm
    ) -> HttpResponse:
        return render(
            request,
            "directory/feedback/reason.html",
            {
                "page_title": self.title,
                "page_has_errors": bool(form.errors),
                "area": area,
                "feedback": feedback,
                "form": form,
                "errors": _errors(form),
                "intro": self.intro,
                "label": self.label,
                "button": self.button,
            },
        )

    def get(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponse:
        _, area, feedback = _item(request, la_code, reference)
        return self._page(request, area, feedback, ReasonForm())

    def post(self, request: HttpRequest, la_code: str, reference: str) -> HttpResponseBase:
        user, area, feedback = _item(request, la_code, reference)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return self._page(request, area, feedback, form)
        try:
            self.act(user=user, feedback=feedback, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _service_error(form, error)
            return self._page(request, area, feedback, form)
        messages.success(request, self.done)
        return redirect(_item_url(area, feedback))


class WithholdView(_ReasonView):
    """Mark a comment not for publication, with the reason."""

    title = "Mark as not for publication"
    intro = (
        "The comment will not appear on “You said, we did”. It still counts in the themes' "
        "totals. Use this for abuse, spam, a complaint about one person, or a comment that "
        "cannot be made anonymous."
    )
    label = "Why is it not for publication?"
    button = "Mark as not for publication"
    done = "Marked as not for publication"

    def act(self, *, user: User, feedback: Feedback, reason: str) -> None:
        services.feedback_withhold(acting_user=user, feedback=feedback, reason=reason)


class WithdrawView(_ReasonView):
    """Take a published answer off the public page, with the reason."""

    title = "Withdraw the published answer"
    intro = (
        "The answer comes off “You said, we did” straight away. You can then change it and "
        "publish it again, or mark it as not for publication."
    )
    label = "Why are you withdrawing it?"
    button = "Withdraw the answer"
    done = "Answer withdrawn from “You said, we did”"

    def act(self, *, user: User, feedback: Feedback, reason: str) -> None:
        services.feedback_withdraw(acting_user=user, feedback=feedback, reason=reason)


class ExportView(View):
    """The year's feedback for the area as CSV (``?year=2025``), without contact details."""

    def get(self, request: HttpRequest, la_code: str) -> HttpResponse:
        user, area = _officer_area(request, la_code)
        wanted = request.GET.get("year", "")
        year = int(wanted) if wanted.isdigit() and len(wanted) == 4 else None
        if year is None:
            year = selectors.academic_year_of(timezone.localdate())
        rows = selectors.export_rows(fetched_by=user, area=area, year=year)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(selectors.export_header())
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        filename = f"local-offer-feedback-{area.la_code}-{year}-{year + 1}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        access_log.record(
            actor=user,
            action=AccessAction.EXPORT,
            object_type="directory.feedback",
            detail={"area": area.la_code, "year": year, "rows": len(rows)},
        )
        return response


_FEEDBACK = "<str:la_code>/feedback/"
_MANAGE = "manage/<str:la_code>/feedback/"
_ITEM = _MANAGE + "<str:reference>/"

urlpatterns: list[URLPattern] = [
    path(_FEEDBACK, login_not_required(FeedbackFormView.as_view()), name="feedback"),
    path(_FEEDBACK + "sent/", login_not_required(FeedbackSentView.as_view()), name="feedback-sent"),
    path(
        "<str:la_code>/you-said-we-did/",
        login_not_required(YouSaidWeDidView.as_view()),
        name="you-said-we-did",
    ),
    path(_MANAGE, QueueView.as_view(), name="feedback-queue"),
    path(_MANAGE + "export.csv", ExportView.as_view(), name="feedback-export"),
    path(_ITEM, ItemView.as_view(), name="feedback-item"),
    path(_ITEM + "themes/", ThemesView.as_view(), name="feedback-themes"),
    path(_ITEM + "answer/", AnswerView.as_view(), name="feedback-answer"),
    path(_ITEM + "publish/", PublishView.as_view(), name="feedback-publish"),
    path(_ITEM + "withhold/", WithholdView.as_view(), name="feedback-withhold"),
    path(_ITEM + "withdraw/", WithdrawView.as_view(), name="feedback-withdraw"),
]
