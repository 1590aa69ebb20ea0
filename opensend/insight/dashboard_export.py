"""The partnership board's dashboard as an Excel workbook, one sheet per section, with the
same figures, suppressed the same way, as the page shows: for the board papers."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from opensend.insight.dashboard import WINDOW_MONTHS, Dashboard, TimelinessRow

FORMULA_STARTS = ("=", "+", "-", "@")
SUPPRESSION_NOTE = "[c]: a number from 1 to 5, or one that would reveal one, is not shown."


def _safe(value: object) -> object:
    """Text that a spreadsheet would read as a formula is kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sheet(
    workbook: Workbook,
    board: Dashboard,
    title: str,
    heading: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    empty: str = "",
) -> Worksheet:
    """A sheet: what it is, the area and dates, a bold header row, the rows."""
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Area", board.area.name])
    sheet.append(["Figures on", board.on])
    sheet["B3"].number_format = "d mmmm yyyy"
    sheet.append([f"Last {WINDOW_MONTHS} months", board.window_label])
    sheet.append([])
    sheet.append(list(header))
    for cell in sheet[6]:
        cell.font = bold
    for row in rows:
        sheet.append([_safe(value) for value in row])
    if not rows and empty:
        sheet.append([empty])
    if board.suppressed:
        sheet.append([])
        sheet.append([SUPPRESSION_NOTE])
    sheet.column_dimensions["A"].width = 48
    for column in "BCDEFGHI":
        sheet.column_dimensions[column].width = 20
    return sheet


def _timeliness_cells(row: TimelinessRow) -> list[object]:
    return [
        row.label,
        row.issued,
        row.on_time,
        row.rate,
        row.issued_excluding_exceptions,
        row.on_time_excluding_exceptions,
        row.rate_excluding_exceptions,
    ]


def dashboard_workbook(board: Dashboard) -> bytes:
    workbook = Workbook()
    first = workbook.active
    if first is not None:
        workbook.remove(first)

    _sheet(
        workbook,
        board,
        "Exceptions",
        "Reported by exception",
        ["Section", "What", "Why it is listed"],
        [[item.kind.label, item.title, item.reason] for item in board.exceptions],
        empty="Nothing is reported by exception.",
    )

    ehc = board.timeliness
    sheet = _sheet(
        workbook,
        board,
        "EHC timeliness",
        "New EHC plans issued within 20 weeks",
        [
            "Month issued",
            "Plans issued",
            "Within 20 weeks",
            "Rate",
            "Plans issued (excluding exceptions)",
            "Within 20 weeks (excluding exceptions)",
            "Rate (excluding exceptions)",
        ],
        [*(_timeliness_cells(row) for row in ehc.months), _timeliness_cells(ehc.total)],
    )
    sheet.append([])
    sheet.append(
        [
            f"National rate (England, {ehc.national_year})",
            f"{ehc.national_all_shown} of all new plans; {ehc.national_shown} excluding exceptions",
        ]
    )
    if ehc.target is not None:
        sheet.append(["Held to", f"{ehc.target_shown} excluding exceptions: {ehc.target_source}"])

    reviews = board.reviews
    _sheet(
        workbook,
        board,
        "Annual reviews",
        "Annual reviews of EHC plans",
        ["Figure", "Value"],
        [
            ["Reviews due", reviews.due],
            ["Meeting held by the due date", reviews.held_on_time],
            ["Held late or not yet held", reviews.not_on_time],
            ["Share held on time", reviews.share_on_time],
            ["Overdue now", reviews.overdue_now],
        ],
    )

    _sheet(
        workbook,
        board,
        "Advice",
        "Advice for EHC needs assessments, by agency",
        [
            "Agency",
            "Requested",
            "Due",
            "Returned within 6 weeks",
            "Share returned in time",
            "Overdue now",
        ],
        [
            [
                row.label,
                row.requested,
                row.due,
                row.returned_on_time,
                row.share_on_time,
                row.overdue_now,
            ]
            for row in board.advice
        ],
    )

    _sheet(
        workbook,
        board,
        "Waiting lists",
        "Waiting lists",
        [
            "Pathway",
            "Provider",
            "Waiting",
            "Share within the standard's weeks",
            "Standard",
            "Longest wait",
            "Meets the standard",
        ],
        [
            [
                row.pathway.name,
                row.pathway.provider.name,
                row.shown.size,
                row.shown.share_percent,
                f"{row.pathway.standard_percent}% within {row.pathway.standard_weeks} weeks",
                row.shown.longest_weeks,
                {True: "Yes", False: "No", None: "Not shown"}[row.shown.meets_standard],
            ]
            for row in board.waiting_lists
        ],
        empty="The area has no pathways.",
    )

    indicator_rows: list[list[object]] = []
    for status in board.indicators.all:
        indicator = status.indicator
        indicator_rows.append(
            [
                indicator.name,
                indicator.commission.title if indicator.commission else "",
                indicator.get_domain_display(),
                status.latest_period_label,
                status.shown_value,
                status.rag.status.label if status.rag else "",
                status.variation.label if status.variation else "",
                status.assurance.label if status.assurance else "",
                "Yes: " + status.reason if status.concerning else "No",
            ]
        )
    _sheet(
        workbook,
        board,
        "Indicators",
        "Indicators and contract KPIs",
        [
            "Indicator",
            "Contract",
            "Domain",
            "Latest period",
            "Value",
            "RAG",
            "Variation",
            "Assurance",
            "Concerning",
        ],
        indicator_rows,
        empty="The area has no indicators.",
    )

    figures = board.feedback
    _sheet(
        workbook,
        board,
        "Feedback",
        "Local Offer feedback",
        ["Figure", "Value"],
        [
            ["Comments received", figures.received],
            ["Answered", figures.answered],
            ["Published with the answer", figures.published],
            ["Waiting for an answer now", figures.awaiting_answer],
        ],
    )

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
