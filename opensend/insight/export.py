"""An indicator's series as an Excel workbook, for a commissioner or a board to take into a
meeting: the same periods and figures, suppressed the same way, as the indicator page shows,
with the SPC chart's centre line, process limits and the nature of each point."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from opensend.insight import kpi
from opensend.insight.selectors import IndicatorSeries, status_from_series

FORMULA_STARTS = ("=", "+", "-", "@")
HEADINGS = (
    "Period",
    "Period start",
    "Numerator",
    "Denominator",
    "Value",
    "Shown as",
    "Mean",
    "Lower process limit",
    "Upper process limit",
    "Variation",
    "Closed",
    "Note",
)
NATURE_WORDS = {
    "common_cause": "Common cause",
    "improving": "Special cause: improving",
    "concerning": "Special cause: concerning",
    "neither": "Special cause: neither better nor worse",
}


def _safe(value: object) -> object:
    """Text that a spreadsheet would read as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _number(value: object) -> Decimal | None:
    """A figure as a number cell (rounded to 6 places), or empty."""
    if value is None:
        return None
    exact = kpi.exact(value)  # type: ignore[arg-type]
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.000001"))


def series_workbook(series: IndicatorSeries) -> bytes:
    indicator, definition = series.indicator, series.definition
    status = status_from_series(series)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "Series"
    bold = Font(bold=True)
    target = "" if definition.target is None else kpi.format_value(definition, definition.target)
    header: list[list[object]] = [
        [indicator.name],
        ["Code", indicator.code],
        ["Area", indicator.area.name],
        ["Numerator", definition.numerator],
        ["Denominator", definition.denominator or ""],
        ["Unit", kpi.Unit(definition.unit).label],
        ["Target", target],
        ["Latest", f"{status.shown_value} ({status.latest_period_label or 'no value'})"],
        ["RAG", status.rag.status.label if status.rag else ""],
        ["Variation", status.variation.label if status.variation else ""],
        ["Assurance", status.assurance.label if status.assurance else ""],
        [],
        list(HEADINGS),
    ]
    for line in header:
        sheet.append([_safe(value) for value in line])
    heading_row = len(header)
    chart_points = {}
    if series.chart is not None:
        chart_points = {point.label: point for point in series.chart.points}
    for point in series.points:
        spc_point = chart_points.get(point.label) if point.has_data else None
        hidden = point.shown.suppressed
        row: list[object] = [
            point.label,
            point.period.start,
            point.numerator if hidden else _number(point.row.numerator if point.row else None),
            point.denominator if hidden else _number(point.row.denominator if point.row else None),
            point.shown.text if hidden else _number(point.value),
            point.shown.text,
            _number(spc_point.limits.mean) if spc_point else None,
            _number(spc_point.limits.lower) if spc_point else None,
            _number(spc_point.limits.upper) if spc_point else None,
            NATURE_WORDS[spc_point.nature.value] if spc_point else "",
            "Closed" if point.closed else "",
            point.row.note if point.row and series.exact else "",
        ]
        sheet.append([_safe(value) for value in row])
    for cell in sheet["A"][: heading_row - 1]:
        cell.font = bold
    for cell in sheet[heading_row]:
        cell.font = bold
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet["B"][heading_row:]:
        cell.number_format = "d mmmm yyyy"
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 40
    for column in "CDEFGHI":
        sheet.column_dimensions[column].width = 14
    sheet.column_dimensions["J"].width = 36
    if not series.exact:
        sheet.append([])
        sheet.append([f"{kpi.SUPPRESSED}: a figure about 1 to 5 children is not shown."])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
