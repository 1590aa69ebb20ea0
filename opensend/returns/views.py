"""The census import pages: upload, the result of a check or import, the error report as CSV,
and the history of an area's imports. Thin: the form checks the input, the services act, the
selectors read (and refuse anyone who is not an LA case officer)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from opensend.core.models import User
from opensend.returns import selectors, services
from opensend.returns.census.layout import COLUMNS, SETTING_COLUMNS
from opensend.returns.forms import DATE_PARTS, CensusUploadForm
from opensend.returns.models import CensusImport, CensusImportStatus
from opensend.web.helpers import error_summary
from opensend.web.shell import user_shell

#: Errors shown on the result page; the CSV download has them all.
ERRORS_SHOWN = 100
#: Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - every page here requires a signed-in user
    return user


class CensusUploadView(View):
    template = "returns/census_upload.html"

    def _page(
        self, request: HttpRequest, form: CensusUploadForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template,
            {
                "page_title": "Import the school census SEN data",
                "page_has_errors": bool(form.errors),
                "form": form,
                "errors": error_summary(form),
                "date_parts": DATE_PARTS,
                "columns": COLUMNS,
                "setting_columns": SETTING_COLUMNS,
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        areas = selectors.census_import_areas(
            user=_user(request), grants=user_shell(request).grants
        )
        return self._page(request, CensusUploadForm(areas=areas))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        areas = selectors.census_import_areas(user=user, grants=user_shell(request).grants)
        form = CensusUploadForm(request.POST, request.FILES, areas=areas)
        if not form.is_valid():
            return self._page(request, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            record = services.census_import_run(
                acting_user=user,
                area=form.area_object,
                census_date=form.cleaned_data["census_date"],
                file_name=upload.name,
                content=upload.read(),
            )
        except ValidationError as exc:
            form.add_error("census_date_day", " ".join(exc.messages))
            return self._page(request, form, status=400)
        if record.status == CensusImportStatus.REFUSED:
            form.add_error("file", record.refusal_reason)
            return self._page(request, form, status=400)
        return redirect("returns:census-import", import_id=record.pk)


class CensusImportView(View):
    def get(self, request: HttpRequest, import_id: int) -> HttpResponse:
        record = selectors.census_import_get_for_user(
            user=_user(request), import_id=import_id, grants=user_shell(request).grants
        )
        return self._page(request, record)

    def _page(
        self, request: HttpRequest, record: CensusImport, problem: str = "", status: int = 200
    ) -> HttpResponse:
        errors = record.error_list()
        return render(
            request,
            "returns/census_import.html",
            {
                "page_title": _title(record),
                "page_has_errors": bool(problem),
                "problem": problem,
                "record": record,
                "errors_shown": errors[:ERRORS_SHOWN],
                "error_total": len(errors),
                "statuses": CensusImportStatus,
            },
            status=status,
        )

    def post(self, request: HttpRequest, import_id: int) -> HttpResponse:
        user = _user(request)
        record = selectors.census_import_get_for_user(
            user=user, import_id=import_id, grants=user_shell(request).grants
        )
        try:
            services.census_import_valid_rows(acting_user=user, census_import=record)
        except ValidationError as exc:
            return self._page(request, record, problem=" ".join(exc.messages), status=400)
        messages.success(request, "The valid rows have been imported.")
        return redirect("returns:census-import", import_id=record.pk)


def _title(record: CensusImport) -> str:
    if record.status == CensusImportStatus.REFUSED:
        return "Census file refused"
    if record.status == CensusImportStatus.CHECKED_WITH_ERRORS:
        return "Census file checked: nothing imported"
    if record.status == CensusImportStatus.IMPORTED_VALID_ROWS:
        return "Census file imported: valid rows only"
    return "Census file imported"


def _safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class CensusErrorReportView(View):
    def get(self, request: HttpRequest, import_id: int) -> HttpResponse:
        user = _user(request)
        record = selectors.census_import_get_for_user(
            user=user, import_id=import_id, grants=user_shell(request).grants
        )
        errors = services.census_import_error_report(acting_user=user, census_import=record)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "field", "value", "problem"])
        for error in errors:
            writer.writerow(
                [error["row"], error["field"], _safe_cell(error["value"]), error["problem"]]
            )
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        filename = f"census-import-{record.pk}-errors.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class CensusHistoryView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        imports = selectors.census_import_history(
            user=_user(request), grants=user_shell(request).grants
        )
        return render(
            request,
            "returns/census_history.html",
            {"page_title": "Census imports", "imports": imports, "statuses": CensusImportStatus},
        )
