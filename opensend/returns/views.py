"""The census import pages: upload, the result of a check or import, the error report as CSV,
and the history of an area's imports. The SEN2 pages: the area's return (live checks and
figures, generate), a generated return (figures, problems, download), the problem reports as
CSV, and the history. Thin: the forms check the input, the services act, the selectors read
(and refuse anyone who is not an LA case officer)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from opensend.core.models import Area, User
from opensend.returns import selectors, services
from opensend.returns.census.layout import COLUMNS, SETTING_COLUMNS
from opensend.returns.forms import (
    DATE_PARTS,
    CensusUploadForm,
    SEN2DownloadForm,
    SEN2GenerateForm,
)
from opensend.returns.models import CensusImport, CensusImportStatus, SEN2Return
from opensend.returns.sen2 import mapping
from opensend.returns.sen2.figures import Figures
from opensend.returns.sen2.records import FIRST_YEAR
from opensend.returns.sen2.validation import RULES, Rule
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


# --- the SEN2 return ----------------------------------------------------------------------

#: Problems listed on a page; the CSV downloads have them all.
PROBLEMS_SHOWN = 100
PROBLEM_HEADER = ["child_id", "person", "rule", "field", "where", "problem", "value"]


def _collection_years(today: dt.date | None = None) -> list[int]:
    latest = mapping.latest_collection_year(today or timezone.localdate())
    return list(range(FIRST_YEAR, latest + 1))


def _chosen_area(request: HttpRequest, areas: list[Area]) -> Area:
    wanted = request.POST.get("area") or request.GET.get("area") or ""
    by_id = {area.pk: area for area in areas}
    return by_id.get(int(wanted), areas[0]) if wanted.isdigit() else areas[0]


def _rule_counts(codes: Iterable[str]) -> list[tuple[Rule, int]]:
    counts = Counter(codes)
    return [(rule, counts[code]) for code, rule in RULES.items() if counts[code]]


def _problem_rows(problems: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            "" if problem.get("child_id") is None else str(problem["child_id"]),
            _safe_cell(problem.get("person")),
            str(problem.get("code", "")),
            str(problem.get("field", "")),
            _safe_cell(problem.get("where")),
            _safe_cell(problem.get("message")),
            _safe_cell(problem.get("value")),
        ]
        for problem in problems
    ]


def _csv_response(rows: list[list[str]], filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PROBLEM_HEADER)
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class SEN2View(View):
    """The area's SEN2 page: generate a return; the next return's live checks and figures."""

    template = "returns/sen2_area.html"

    def _page(
        self,
        request: HttpRequest,
        *,
        areas: list[Area],
        area: Area,
        form: SEN2GenerateForm,
        status: int = 200,
    ) -> HttpResponse:
        user = _user(request)
        live = selectors.sen2_live_check(
            area=area, today=timezone.localdate(), fresh=request.GET.get("check") == "again"
        )
        shown = live.problems[:PROBLEMS_SHOWN]
        services.sen2_problems_shown(
            acting_user=user,
            area=area,
            child_ids=[problem.child_id for problem in shown],
            what=f"live checks for {live.year}",
        )
        return render(
            request,
            self.template,
            {
                "page_title": "SEN2 return",
                "page_has_errors": bool(form.errors),
                "form": form,
                "errors": error_summary(form),
                "areas": areas,
                "area": area,
                "live": live,
                "figures": live.figures,
                "problems_shown": [problem.as_dict() for problem in shown],
                "problem_total": len(live.problems),
                "rule_counts": _rule_counts(problem.code for problem in live.problems),
                "rules": list(RULES.values()),
                "history": selectors.sen2_history(
                    user=user, grants=user_shell(request).grants, area=area, limit=5
                ),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        grants = user_shell(request).grants
        areas = selectors.sen2_areas(user=user, grants=grants)
        area = _chosen_area(request, areas)
        last = selectors.sen2_history(user=user, grants=grants, area=area, limit=1)
        form = SEN2GenerateForm(
            areas=areas,
            years=_collection_years(),
            area=area,
            initial={"dmo": last[0].dmo, "dco": last[0].dco} if last else None,
        )
        return self._page(request, areas=areas, area=area, form=form)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        areas = selectors.sen2_areas(user=user, grants=user_shell(request).grants)
        area = _chosen_area(request, areas)
        form = SEN2GenerateForm(request.POST, areas=areas, years=_collection_years(), area=area)
        if not form.is_valid():
            return self._page(request, areas=areas, area=area, form=form, status=400)
        try:
            record = services.sen2_generate(
                acting_user=user,
                area=form.area_object,
                year=form.cleaned_data["year"],
                dmo=form.cleaned_data["dmo"],
                dco=form.cleaned_data["dco"],
            )
        except ValidationError as exc:
            form.add_error("year", " ".join(exc.messages))
            return self._page(request, areas=areas, area=area, form=form, status=400)
        return redirect("returns:sen2-return", return_id=record.pk)


def _return_page(
    request: HttpRequest,
    record: SEN2Return,
    *,
    form: SEN2DownloadForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    problems = record.problem_list()
    shown = problems[:PROBLEMS_SHOWN]
    services.sen2_problems_shown(
        acting_user=_user(request),
        area=record.area,
        child_ids=[item.get("child_id") for item in shown],
        what=f"problems of SEN2 return {record.pk}",
    )
    form = form or SEN2DownloadForm()
    errors = error_summary(form) if form.is_bound else []
    if problem:
        errors = [{"text": problem, "href": "#download"}, *errors]
    return render(
        request,
        "returns/sen2_return.html",
        {
            "page_title": f"SEN2 return {record.collection_year}",
            "page_has_errors": bool(errors),
            "errors": errors,
            "form": form,
            "record": record,
            "figures": Figures.from_dict(record.figures),
            "problems_shown": shown,
            "problem_total": len(problems),
            "rule_counts": _rule_counts(str(item.get("code", "")) for item in problems),
        },
        status=status,
    )


class SEN2ReturnView(View):
    def get(self, request: HttpRequest, return_id: int) -> HttpResponse:
        record = selectors.sen2_return_get_for_user(
            user=_user(request), return_id=return_id, grants=user_shell(request).grants
        )
        return _return_page(request, record)


def _xml_response(record: SEN2Return, text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{record.file_name}"'
    response["Cache-Control"] = "no-store"
    return response


class SEN2DownloadView(View):
    """GET downloads a return with no errors; a return with errors is refused, unless the
    user confirms (POST) that they want it with its errors."""

    def get(self, request: HttpRequest, return_id: int) -> HttpResponse:
        user = _user(request)
        record = selectors.sen2_return_get_for_user(
            user=user, return_id=return_id, grants=user_shell(request).grants
        )
        try:
            text = services.sen2_download(acting_user=user, sen2_return=record)
        except ValidationError as exc:
            return _return_page(request, record, problem=" ".join(exc.messages), status=400)
        return _xml_response(record, text)

    def post(self, request: HttpRequest, return_id: int) -> HttpResponse:
        user = _user(request)
        record = selectors.sen2_return_get_for_user(
            user=user, return_id=return_id, grants=user_shell(request).grants
        )
        form = SEN2DownloadForm(request.POST)
        if not form.is_valid():
            return _return_page(request, record, form=form, status=400)
        text = services.sen2_download(acting_user=user, sen2_return=record, with_errors=True)
        return _xml_response(record, text)


class SEN2ProblemReportView(View):
    def get(self, request: HttpRequest, return_id: int) -> HttpResponse:
        user = _user(request)
        record = selectors.sen2_return_get_for_user(
            user=user, return_id=return_id, grants=user_shell(request).grants
        )
        problems = services.sen2_problem_report(acting_user=user, sen2_return=record)
        name = f"SEN2_{record.collection_year}_{record.area.la_code}_{record.serial_no:03d}"
        return _csv_response(_problem_rows(problems), f"{name}_problems.csv")


class SEN2LiveProblemReportView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        areas = selectors.sen2_areas(user=user, grants=user_shell(request).grants)
        area = _chosen_area(request, areas)
        today = timezone.localdate()
        problems = services.sen2_live_problem_report(acting_user=user, area=area, today=today)
        year = mapping.live_collection_year(today)
        rows = _problem_rows([problem.as_dict() for problem in problems])
        return _csv_response(rows, f"SEN2_{year}_{area.la_code}_live_problems.csv")


class SEN2HistoryView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        returns = selectors.sen2_history(user=_user(request), grants=user_shell(request).grants)
        return render(
            request,
            "returns/sen2_history.html",
            {"page_title": "SEN2 returns", "returns": returns},
        )
