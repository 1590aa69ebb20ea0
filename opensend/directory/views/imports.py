"""The Local Offer officers' import pages, under ``manage/<la_code>/imports/``: upload an ORUK
file or give a feed's URL, see past runs, read a run's report and download it as CSV.

Officers of the area only (403 for anyone else). Thin: the form checks the input,
``services.imports`` runs the import (in the request: a feed of a few thousand services takes
seconds to a minute), and the page shows the run.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from opensend.core.models import Area, User
from opensend.directory.models import ImportRun
from opensend.directory.permissions import is_officer
from opensend.directory.services import imports
from opensend.directory.views._area import area_or_404
from opensend.web.helpers import error_summary
from opensend.web.shell import signed_in_user

__all__ = ["ImportForm", "urlpatterns"]

#: The largest file an officer may upload.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    """Either a file or a URL, not both."""

    file = forms.FileField(
        label="Upload an ORUK file",
        required=False,
        error_messages={"empty": "The file is empty", "invalid": "Choose a JSON file to upload"},
    )
    url = forms.URLField(
        label="Or give the address of an ORUK feed",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter the feed’s address in full, like https://example.org/api"
        },
    )
    feed = forms.CharField(
        label="Name of the directory the file comes from (optional)",
        required=False,
        max_length=200,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 20 MB")
        if upload is not None and upload.size == 0:
            raise forms.ValidationError("The file is empty")
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        has_file, has_url = cleaned.get("file") is not None, bool(cleaned.get("url"))
        if not has_file and not has_url:
            self.add_error("file", "Choose an ORUK file to upload, or give the feed’s address")
        elif has_file and has_url:
            self.add_error("url", "Give a file or an address, not both")
        return cleaned


def _officer(request: HttpRequest, la_code: str) -> tuple[User, Area]:
    user = signed_in_user(request)
    area = area_or_404(la_code)
    if not is_officer(user, area):
        raise PermissionDenied("Only a Local Offer officer of the area can import.")
    return user, area


def _run(area: Area, run_id: int) -> ImportRun:
    run = ImportRun.objects.filter(area=area, pk=run_id).select_related("started_by").first()
    if run is None:
        raise Http404("No such import")
    return run


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest, la_code: str) -> HttpResponse:
    user, area = _officer(request, la_code)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        if upload is not None:
            run = imports.import_file(
                area=area,
                name=upload.name or "uploaded file",
                data=upload.read(),
                acting_user=user,
                feed=form.cleaned_data.get("feed", ""),
            )
        else:
            run = imports.import_url(area=area, url=form.cleaned_data["url"], acting_user=user)
        messages.success(request, f"Import finished: {run.get_outcome_display().lower()}")
        return redirect("directory:import-run", la_code=area.la_code, run_id=run.pk)
    runs = ImportRun.objects.filter(area=area).select_related("started_by")[:50]
    return render(
        request,
        "directory/imports/start.html",
        {
            "page_title": "Import services from another directory",
            "area": area,
            "form": form,
            "errors": error_summary(form) if form.is_bound else [],
            "page_has_errors": bool(form.errors),
            "runs": runs,
        },
    )


def import_run(request: HttpRequest, la_code: str, run_id: int) -> HttpResponse:
    _user, area = _officer(request, la_code)
    run = _run(area, run_id)
    return render(
        request,
        "directory/imports/run.html",
        {
            "page_title": f"Import of {run.started_at:%-d %B %Y at %H:%M}",
            "area": area,
            "run": run,
            "back_href": reverse("directory:imports", args=[area.la_code]),
        },
    )


def import_report_csv(request: HttpRequest, la_code: str, run_id: int) -> HttpResponse:
    _user, area = _officer(request, la_code)
    run = _run(area, run_id)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(imports.report_rows(run))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="import-{area.la_code}-{run.pk}-rejected.csv"'
    )
    return response


urlpatterns: list[URLPattern] = [
    path("manage/<str:la_code>/imports/", import_start, name="imports"),
    path("manage/<str:la_code>/imports/<int:run_id>/", import_run, name="import-run"),
    path(
        "manage/<str:la_code>/imports/<int:run_id>/report.csv",
        import_report_csv,
        name="import-report-csv",
    ),
]
