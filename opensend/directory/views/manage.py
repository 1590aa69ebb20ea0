"""The Local Offer's staff pages, under ``manage/<la_code>/``: the services list, a service's
page (status, versions, actions), the edit form, versions and their comparison, the approval
queue, the data quality page and the area's settings.

Local Offer officers of the area see and act on every service; providers only on the services
of the directory organisations their organisation owns (``permissions.editable_services``):
another provider's service is "not found". Approving, returning, scheduling, archiving, the
data quality page and the settings are for officers (403 for anyone else). Thin: the form
checks the input, ``services.editing`` acts, and refusals show against the field they name.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from opensend.core.models import Area, Membership, User
from opensend.core.roles import Role
from opensend.directory import forms, quality
from opensend.directory.models import RevisionState, Service, ServiceRevision, ServiceStatus
from opensend.directory.permissions import (
    editable_services,
    is_officer,
    is_provider,
    officer_areas,
)
from opensend.directory.services import editing, review
from opensend.directory.views._area import area_or_404, settings_for
from opensend.web.helpers import error_summary
from opensend.web.shell import signed_in_user

__all__ = ["urlpatterns"]


# --- who may use which page -----------------------------------------------------------------------


def _staff(request: HttpRequest, la_code: str) -> tuple[User, Area, bool]:
    """The signed-in user, the area, and whether they are an officer; 403 for someone who is
    neither an officer nor a provider of the area."""
    user = signed_in_user(request)
    area = area_or_404(la_code)
    officer = is_officer(user, area)
    if not officer and not is_provider(user, area):
        raise PermissionDenied(
            "Only the area's Local Offer officers and providers use these pages."
        )
    return user, area, officer


def _officer(request: HttpRequest, la_code: str) -> tuple[User, Area]:
    user, area, officer = _staff(request, la_code)
    if not officer:
        raise PermissionDenied("Only a Local Offer officer of the area can use this page.")
    return user, area


def _service(user: User, area: Area, service_id: uuid.UUID) -> Service:
    """A service the user may edit; not found otherwise (another provider's is not theirs to
    know about)."""
    service = (
        editable_services(user, area)
        .select_related("organization", "area")
        .filter(pk=service_id)
        .first()
    )
    if service is None:
        raise Http404("No such service")
    return service


def _service_url(service: Service) -> str:
    return reverse("directory:manage-service", args=[service.area.la_code, service.pk])


def _done(request: HttpRequest, message: str, to: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(to)


def _render_form(
    request: HttpRequest,
    form: forms.GovukForm,
    *,
    title: str,
    submit: str,
    back: tuple[str, str],
    caption: str = "",
    intro: list[str] | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "directory/manage/form.html",
        {
            "page_title": title,
            "page_has_errors": bool(form.errors),
            "form": form,
            "errors": error_summary(form) if form.errors else [],
            "submit": submit,
            "back_text": back[0],
            "back_href": back[1],
            "caption": caption,
            "intro": intro or [],
            **extra,
        },
        status=status,
    )


# --- status of a service -------------------------------------------------------------------------


def public_status(service: Service, today: Any = None) -> tuple[str, str]:
    """What the public sees of the service now, as a tag's text and colour."""
    today = today or timezone.localdate()
    if service.archived_at is not None:
        return "Archived", "govuk-tag--grey"
    if service.published_revision_id is None:
        return "Not published yet", "govuk-tag--grey"
    if service.stale_hidden_at is not None:
        return "Hidden: not reviewed", "govuk-tag--red"
    if service.publish_from and service.publish_from > today:
        return (
            f"Public from {service.publish_from.day} {service.publish_from:%B %Y}",
            "govuk-tag--blue",
        )
    if service.status == ServiceStatus.TEMPORARILY_CLOSED:
        return "Temporarily closed", "govuk-tag--yellow"
    if service.status not in (ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED):
        return str(service.get_status_display()), "govuk-tag--grey"
    return "Public", "govuk-tag--green"


# --- pages ------------------------------------------------------------------------------------


@require_http_methods(["GET"])
def manage_home(request: HttpRequest) -> HttpResponse:
    """The staff entry point: straight to the area's services when there is one."""
    user = signed_in_user(request)
    areas = list(officer_areas(user))
    provider_areas = Area.objects.filter(
        memberships__in=Membership.objects.current().filter(
            user=user, role_links__role=Role.PROVIDER
        )
    ).distinct()
    areas = sorted({*areas, *provider_areas}, key=lambda a: a.name)
    if not areas:
        raise PermissionDenied("Only Local Offer officers and providers use these pages.")
    if len(areas) == 1:
        return redirect("directory:manage-services", areas[0].la_code)
    return render(
        request,
        "directory/manage/areas.html",
        {"page_title": "Local Offer: choose an area", "areas": areas},
    )


@require_http_methods(["GET"])
def services_list(request: HttpRequest, la_code: str) -> HttpResponse:
    user, area, officer = _staff(request, la_code)
    show = request.GET.get("show", "")
    if show not in dict(quality.LIST_FILTERS):
        show = ""
    services = list(quality.service_list(fetched_by=user, area=area, show=show)[:500])
    due_ids = set(quality.due_for_review(area).values_list("pk", flat=True))
    rows = [{"service": s, "status": public_status(s), "due": s.pk in due_ids} for s in services]
    return render(
        request,
        "directory/manage/services.html",
        {
            "page_title": "Local Offer services",
            "area": area,
            "officer": officer,
            "rows": rows,
            "show": show,
            "filters": quality.LIST_FILTERS,
            "waiting_count": editing.services_waiting(area).count() if officer else 0,
            "can_start": editing.startable_organizations(user, area).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def service_new(request: HttpRequest, la_code: str) -> HttpResponse:
    user, area, _officer_flag = _staff(request, la_code)
    organizations = editing.startable_organizations(user, area)
    if not organizations.exists():
        raise PermissionDenied("Your organisation has no entry in this Local Offer to add to.")
    back = ("Local Offer services", reverse("directory:manage-services", args=[area.la_code]))
    form = forms.NewServiceForm(
        request.POST if request.method == "POST" else None, organizations=organizations
    )
    if request.method == "POST" and form.is_valid():
        revision = editing.service_start(
            acting_user=user,
            area=area,
            organization=form.cleaned_data["organization"],
            name=form.cleaned_data["name"],
        )
        return _done(
            request,
            "Service started. Fill in its details, then send it for approval.",
            reverse("directory:manage-service-edit", args=[area.la_code, revision.service_id]),
        )
    return _render_form(
        request,
        form,
        title="Add a service",
        submit="Continue",
        back=back,
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET"])
def service_detail(request: HttpRequest, la_code: str, service_id: uuid.UUID) -> HttpResponse:
    user, area, officer = _staff(request, la_code)
    service = _service(user, area, service_id)
    revisions = list(
        service.revisions.select_related("created_by", "decided_by").order_by("-number")
    )
    open_revision = next((r for r in revisions if r.state in editing.OPEN_STATES), None)
    returned = next((r for r in revisions if r.state == RevisionState.REJECTED), None)
    if returned is not None and revisions and revisions[0].pk != returned.pk:
        returned = None
    settings = settings_for(area)
    last_checked = service.last_checked_at
    due_on = review.review_due_on(
        last_checked_on=timezone.localdate(last_checked) if last_checked else None,
        created_on=timezone.localdate(service.created_at),
        interval_days=settings.review_interval_days,
    )
    return render(
        request,
        "directory/manage/service.html",
        {
            "page_title": service.name,
            "area": area,
            "service": service,
            "officer": officer,
            "status": public_status(service),
            "revisions": revisions,
            "open_revision": open_revision,
            "returned": returned,
            "due_on": due_on,
            "overdue": due_on <= timezone.localdate(),
            "checks": list(service.checks.select_related("checked_by")[:5]),
            "states": RevisionState,
            "closed": service.status == ServiceStatus.TEMPORARILY_CLOSED,
            "public_url": reverse("directory:public-service", args=[area.la_code, service.pk])
            if service.published_revision_id
            else "",
        },
    )


@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, la_code: str, service_id: uuid.UUID) -> HttpResponse:
    user, area, officer = _staff(request, la_code)
    service = _service(user, area, service_id)
    state = editing.editing_state(service)
    organizations = editing.startable_organizations(user, area) if officer else None
    form_kwargs: dict[str, Any] = {"officer": officer, "organizations": organizations}
    status = 200
    layout = request.POST.get("layout", "") if request.method == "POST" else ""
    if layout:
        # "Add another …" or "Remove": the same form, one group more or fewer, nothing saved.
        data = forms.rearranged(request.POST, layout)
        if data is None:
            raise Http404("No such change to the form")
        form = forms.ServiceForm(data, check_input=False, **form_kwargs)
        token = request.POST.get("token", "")
    elif request.method == "POST":
        form = forms.ServiceForm(request.POST, **form_kwargs)
        token = request.POST.get("token", "")
        action = request.POST.get("action", "save")
        if form.is_valid():
            document = form.build_document(state.document, service_id=str(service.pk))
            summary = form.cleaned_data.get("summary", "")
            try:
                if action == "publish" and officer:
                    editing.revision_publish(
                        acting_user=user,
                        service=service,
                        document=document,
                        base_token=token,
                        summary=summary,
                    )
                    return _done(
                        request,
                        "Published. The public now sees this version.",
                        _service_url(service),
                    )
                revision = editing.revision_save(
                    acting_user=user,
                    service=service,
                    document=document,
                    base_token=token,
                    summary=summary,
                )
                if action == "submit":
                    editing.revision_submit(acting_user=user, revision=revision)
                    return _done(
                        request,
                        "Sent for approval. The public sees the last approved version until "
                        "an officer approves this one.",
                        _service_url(service),
                    )
                return _done(
                    request,
                    "Draft saved. It is not public until it is approved.",
                    _service_url(service),
                )
            except editing.EditConflict as error:
                form.add_service_error(error)
                status = 409
            except ValidationError as error:
                form.add_service_error(error)
                status = 400
        else:
            status = 400
    else:
        form = forms.ServiceForm(initial=forms.initial_from_document(state.document), **form_kwargs)
        token = state.token
    who_saved = None
    if state.revision is not None:
        who_saved = editing.last_saved(state.revision)
    checked = form.is_bound and form.check_input
    return render(
        request,
        "directory/manage/edit.html",
        {
            "page_title": f"Edit {service.name}",
            "page_has_errors": checked and bool(form.errors),
            "area": area,
            "service": service,
            "form": form,
            "errors": error_summary(form) if checked and form.errors else [],
            "token": token,
            "officer": officer,
            "state": state,
            "who_saved": who_saved,
        },
        status=status,
    )


@require_POST
def service_submit(request: HttpRequest, la_code: str, service_id: uuid.UUID) -> HttpResponse:
    user, area, _ = _staff(request, la_code)
    service = _service(user, area, service_id)
    revision = editing.open_revision(service)
    if revision is None:
        raise Http404("No draft to send")
    try:
        editing.revision_submit(acting_user=user, revision=revision)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_service_url(service))
    return _done(request, "Sent for approval.", _service_url(service))


def _revision(service: Service, number: int) -> ServiceRevision:
    revision = (
        service.revisions.select_related("created_by", "decided_by").filter(number=number).first()
    )
    if revision is None:
        raise Http404("No such version")
    return revision


@require_http_methods(["GET"])
def version_detail(
    request: HttpRequest, la_code: str, service_id: uuid.UUID, number: int
) -> HttpResponse:
    user, area, _ = _staff(request, la_code)
    service = _service(user, area, service_id)
    revision = _revision(service, number)
    return render(
        request,
        "directory/manage/version.html",
        {
            "page_title": f"{service.name}: version {revision.number}",
            "area": area,
            "service": service,
            "revision": revision,
            "rows": editing.describe_document(revision.document),
        },
    )


@require_http_methods(["GET"])
def compare(request: HttpRequest, la_code: str, service_id: uuid.UUID) -> HttpResponse:
    user, area, _ = _staff(request, la_code)
    service = _service(user, area, service_id)
    form = forms.CompareForm(request.GET)
    if not form.is_valid():
        raise Http404("Choose two versions to compare")
    first, second = sorted((form.cleaned_data["a"], form.cleaned_data["b"]))
    before, after = _revision(service, first), _revision(service, second)
    changes = editing.compare_documents(before.document, after.document)
    return render(
        request,
        "directory/manage/compare.html",
        {
            "page_title": f"Changes from version {first} to version {second}",
            "area": area,
            "service": service,
            "before": before,
            "after": after,
            "changes": changes,
            "changed": [c for c in changes if c.kind != "unchanged"],
            "numbers": [r.number for r in service.revisions.order_by("number")],
        },
    )


@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, la_code: str, service_id: uuid.UUID) -> HttpResponse:
    """An officer reads what changed against the public version, then approves or returns."""
    user, area = _officer(request, la_code)
    service = _service(user, area, service_id)
    revision = editing.open_revision(service)
    if revision is None or revision.state != RevisionState.SUBMITTED:
        messages.error(request, "There is no edit of this service waiting for approval.")
        return redirect(_service_url(service))
    approve_form = forms.ApproveForm()
    return_form = forms.ReturnForm()
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "return":
            return_form = forms.ReturnForm(request.POST)
            if return_form.is_valid():
                try:
                    editing.revision_return(
                        acting_user=user,
                        revision=revision,
                        reason=return_form.cleaned_data["reason"],
                    )
                    return _done(
                        request, "Returned to the editor with your reason.", _service_url(service)
                    )
                except ValidationError as error:
                    return_form.add_service_error(error)
            status = 400
        else:
            approve_form = forms.ApproveForm(request.POST)
            if approve_form.is_valid():
                try:
                    editing.revision_approve(
                        acting_user=user, revision=revision, note=approve_form.cleaned_data["note"]
                    )
                    return _done(
                        request,
                        "Approved. The public now sees this version.",
                        _service_url(service),
                    )
                except ValidationError as error:
                    approve_form.add_service_error(error)
            status = 400
    published = service.published_revision
    before = published.document if published is not None else {}
    changes = editing.compare_documents(before, revision.document)
    errors = [*error_summary(approve_form), *error_summary(return_form)]
    return render(
        request,
        "directory/manage/approve.html",
        {
            "page_title": f"Approve changes to {service.name}",
            "page_has_errors": bool(errors),
            "area": area,
            "service": service,
            "revision": revision,
            "published": published,
            "changes": changes,
            "changed": [c for c in changes if c.kind != "unchanged"],
            "approve_form": approve_form,
            "return_form": return_form,
            "errors": errors,
        },
        status=status,
    )


@require_http_methods(["GET"])
def approvals(request: HttpRequest, la_code: str) -> HttpResponse:
    _user, area = _officer(request, la_code)
    return render(
        request,
        "directory/manage/approvals.html",
        {
            "page_title": "Waiting for approval",
            "area": area,
            "revisions": list(editing.services_waiting(area)),
        },
    )


#: The lifecycle actions: (title, submit button, form, officer only, done message).
ACTIONS: dict[str, tuple[str, str, type[forms.GovukForm] | None, bool, str]] = {
    "check": (
        "Mark as checked",
        "Mark as checked",
        forms.CheckForm,
        False,
        "Marked as checked today.",
    ),
    "close": (
        "Close temporarily",
        "Close temporarily",
        forms.CloseForm,
        False,
        "The service shows as temporarily closed.",
    ),
    "reopen": ("Reopen", "Reopen", None, False, "The service is open again."),
    "archive": ("Archive", "Archive", None, True, "Archived. The public no longer sees it."),
    "unarchive": ("Unarchive", "Unarchive", None, True, "Unarchived."),
    "schedule": ("Schedule", "Save the date", forms.ScheduleForm, True, "Schedule saved."),
}


class _Empty(forms.GovukForm):
    pass


@require_http_methods(["GET", "POST"])
def service_action(
    request: HttpRequest, la_code: str, service_id: uuid.UUID, action: str
) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such action")
    user, area, officer = _staff(request, la_code)
    service = _service(user, area, service_id)
    title, submit, form_class, officer_only, message = ACTIONS[action]
    if officer_only and not officer:
        raise PermissionDenied("Only a Local Offer officer of the area can do this.")
    klass = form_class or _Empty
    initial: dict[str, Any] = {}
    if action == "schedule" and service.publish_from:
        initial["publish_from"] = service.publish_from.strftime("%d/%m/%Y")
    form = klass(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "check":
                    editing.service_mark_checked(
                        acting_user=user, service=service, note=data["note"]
                    )
                elif action == "close":
                    editing.service_close_temporarily(
                        acting_user=user, service=service, reopens_on=data["reopens_on"]
                    )
                elif action == "reopen":
                    editing.service_reopen(acting_user=user, service=service)
                elif action == "archive":
                    editing.service_archive(acting_user=user, service=service)
                elif action == "unarchive":
                    editing.service_unarchive(acting_user=user, service=service)
                else:
                    editing.service_schedule(
                        acting_user=user, service=service, publish_from=data["publish_from"]
                    )
                return _done(request, message, _service_url(service))
            except ValidationError as error:
                form.add_service_error(error)
        status = 400
    return _render_form(
        request,
        form,
        title=f"{title}: {service.name}",
        submit=submit,
        back=(service.name, _service_url(service)),
        caption=service.name,
        status=status,
    )


@require_http_methods(["GET"])
def data_quality(request: HttpRequest, la_code: str) -> HttpResponse:
    _user, area = _officer(request, la_code)
    report = quality.data_quality(area)
    return render(
        request,
        "directory/manage/quality.html",
        {
            "page_title": "Data quality",
            "area": area,
            "report": report,
            "settings": settings_for(area),
        },
    )


@require_http_methods(["GET", "POST"])
def area_settings(request: HttpRequest, la_code: str) -> HttpResponse:
    user, area = _officer(request, la_code)
    current = settings_for(area)
    initial = {
        "review_interval_days": current.review_interval_days,
        "grace_period_days": current.grace_period_days,
        "feedback_email": current.feedback_email,
        "accessibility_statement": current.accessibility_statement,
    }
    form = forms.AreaSettingsForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        review.settings_update(acting_user=user, area=area, **form.cleaned_data)
        return _done(
            request, "Settings saved.", reverse("directory:manage-services", args=[area.la_code])
        )
    return _render_form(
        request,
        form,
        title="Local Offer settings",
        submit="Save settings",
        back=("Local Offer services", reverse("directory:manage-services", args=[area.la_code])),
        caption=area.name,
        status=400 if form.errors else 200,
    )


_S = "manage/<str:la_code>/services/<uuid:service_id>/"

urlpatterns: list[URLPattern] = [
    path("manage/", manage_home, name="manage-home"),
    path("manage/<str:la_code>/", services_list, name="manage-services"),
    path("manage/<str:la_code>/services/new/", service_new, name="manage-service-new"),
    path("manage/<str:la_code>/approvals/", approvals, name="manage-approvals"),
    path("manage/<str:la_code>/quality/", data_quality, name="manage-quality"),
    path("manage/<str:la_code>/settings/", area_settings, name="manage-settings"),
    path(_S, service_detail, name="manage-service"),
    path(_S + "edit/", service_edit, name="manage-service-edit"),
    path(_S + "submit/", service_submit, name="manage-service-submit"),
    path(_S + "approve/", approve, name="manage-service-approve"),
    path(_S + "versions/<int:number>/", version_detail, name="manage-version"),
    path(_S + "compare/", compare, name="manage-compare"),
    path(_S + "<slug:action>/", service_action, name="manage-service-action"),
]
