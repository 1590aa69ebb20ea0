"""The pathway figures table as an Excel workbook, for a commissioner to take into a meeting:
the same figures, suppressed the same way, as the page shows."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from opensend.pathways.selectors import Headline, PathwayFigures

FORMULA_STARTS = ("=", "+", "-", "@")


def _safe(value: object) -> object:
    """Text that a spreadsheet would read as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def figures_workbook(figures: PathwayFigures, shown: Headline) -> bytes:
    pathway = figures.pathway
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "Waiting list"
    bold = Font(bold=True)
    rows: list[list[object]] = [
        [pathway.name],
        ["Provider", pathway.provider.name],
        ["Area", pathway.area.name],
        ["Figures on", figures.on],
        ["Measure", pathway.get_measure_display()],
        [],
        ["Figure", "Value"],
        ["Waiting", shown.size],
        [f"Waiting {pathway.standard_weeks} weeks or less", shown.within],
        [f"Share within {pathway.standard_weeks} weeks", shown.share_percent],
        ["Standard", f"{pathway.standard_percent}%"],
        ["Median wait", shown.median_weeks],
        ["Longest wait", shown.longest_weeks],
        ["Referrals due triage in the 12 months", shown.triage_received],
        [f"Triaged within {pathway.triage_working_days} working days", shown.triage_met],
        ["Share triaged in time", shown.triage_percent],
        [],
        ["Weeks waited", "Waiting"],
    ]
    rows.extend([band.label, count] for band, count in shown.bands)
    rows.append([])
    rows.append(["Month", "Referrals", "Clock stops"])
    rows.extend(
        [month.strftime("%B %Y"), referrals, stops] for month, referrals, stops in shown.months
    )
    for row in rows:
        sheet.append([_safe(value) for value in row])
    for cell in sheet["A"]:
        if cell.row in (1, 7) or cell.value in ("Weeks waited", "Month"):
            cell.font = bold
    sheet["B4"].number_format = "d mmmm yyyy"
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 14
    if shown.suppressed:
        sheet.append([])
        sheet.append(["[c]: a number from 1 to 5, or one that would reveal one, is not shown."])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
