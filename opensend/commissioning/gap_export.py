"""The gap analysis as one XLSX workbook: a sheet saying what it is (area, date, exact or
suppressed, the summary), then one sheet per table, with the figures exactly as the page shows
them to the same user (suppressed counts as [c])."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from opensend.commissioning.gaps import GapAnalysis, Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "£#,##0.00"
DATE_FORMAT = "d mmmm yyyy"

#: Sheet names: Excel allows 31 characters.
SHEET_NAMES = {
    "children_by_need": "Children by need and age",
    "provision_by_type": "Plan provision by type",
    "provision_by_commissioner": "Plan provision by commissioner",
    "pathways": "Referrals and waits",
    "capacity_by_type": "Commissioned capacity",
    "local_offer_by_locality": "Local Offer by locality",
    "uncommissioned": "Promised, not commissioned",
    "spot_spend": "Spot purchase spend",
    "capacity_vs_demand": "Capacity against demand",
    "disputes_open": "Open disputes",
    "disputes_by_age": "Disputes by age",
    "searches_by_need": "Searches found nothing, need",
    "searches_by_locality": "Searches found nothing, place",
}


def sheet_name(table: Table) -> str:
    return SHEET_NAMES.get(table.key, table.key)[:31]


def _add_table(workbook: Workbook, table: Table) -> None:
    sheet = workbook.create_sheet(sheet_name(table))
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=13)
    if table.note:
        sheet.append([table.note])
    sheet.append([])
    sheet.append(list(table.columns))
    heading_row = sheet.max_row
    for cell in sheet[heading_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append(list(row))
        for index in table.money:
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            if not isinstance(cell.value, str):
                cell.number_format = MONEY_FORMAT
        for cell in sheet[sheet.max_row]:
            if cell.is_date:
                cell.number_format = DATE_FORMAT
    if not table.rows:
        sheet.append([table.empty])
    sheet.freeze_panes = sheet.cell(row=heading_row + 1, column=1)
    for index, heading in enumerate(table.columns):
        letter = sheet.cell(row=heading_row, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = max(12, min(len(heading) + 2, 40))


def gap_analysis_xlsx(analysis: GapAnalysis) -> bytes:
    workbook = Workbook()
    about = workbook.active
    assert about is not None  # noqa: S101 - a new workbook has a sheet
    about.title = "About"
    about.append([f"Gap analysis: {analysis.area.name}"])
    about["A1"].font = Font(bold=True, size=14)
    about.append(["As of", analysis.on])
    about["B2"].number_format = DATE_FORMAT
    about.append(
        [
            "Figures",
            "Exact"
            if analysis.exact
            else "Numbers from 1 to 5 children, and any that would reveal one, shown as [c]",
        ]
    )
    about.append([])
    about.append(["Summary"])
    about.cell(row=about.max_row, column=1).font = Font(bold=True)
    for line in analysis.summary:
        about.append([line])
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 60
    for table in analysis.tables:
        _add_table(workbook, table)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
