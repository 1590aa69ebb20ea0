"""XLSX exports of the tables a commissioner takes into a meeting: the commissions table and
the spot purchases (which name no child: a purchase reference and a plan line are enough)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from opensend.commissioning.models import Commission, IndividualCommission
from opensend.commissioning.selectors import TypeTotal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | Decimal | dt.date | None

COMMISSION_HEADINGS = (
    "Reference",
    "Title",
    "Type of provision",
    "Provider",
    "Arrangement",
    "Lead commissioner",
    "Section 75 reference",
    "Status",
    "Start date",
    "End date",
    "Value per year (£)",
    "Whole-life value (£)",
    "Capacity",
    "Commissioners and contributions a year",
    "Review date",
    "Contract expiry",
    "Re-procurement decision due",
)

SPOT_HEADINGS = (
    "Purchase",
    "Type of provision",
    "Description",
    "Provider",
    "Commissioner",
    "Cost (£)",
    "Start date",
    "End date",
    "Linked to an EHC plan line",
)


def _sheet(
    workbook: Workbook, title: str, headings: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> Worksheet:
    sheet = workbook.create_sheet(title)
    sheet.append(list(headings))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for column, heading in zip(sheet.columns, headings, strict=False):
        sheet.column_dimensions[column[0].column_letter].width = max(12, min(len(heading) + 2, 40))
    return sheet


def _workbook() -> Workbook:
    workbook = Workbook()
    for sheet in list(workbook.worksheets):
        workbook.remove(sheet)
    return workbook


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def commissions_xlsx(commissions: Iterable[Commission]) -> bytes:
    workbook = _workbook()
    rows = []
    for commission in commissions:
        contributions = "; ".join(
            f"{c.commissioner.name} ({c.get_funding_stream_display()}): £{c.annual_amount:,.2f}"
            for c in commission.contributions.all()
        )
        rows.append(
            (
                commission.reference,
                commission.title,
                commission.get_provision_type_display(),
                commission.provider.name,
                commission.get_arrangement_display(),
                commission.lead_commissioner.name if commission.lead_commissioner else "",
                commission.s75_reference,
                commission.get_status_display(),
                commission.start_date,
                commission.end_date,
                commission.annual_value,
                commission.whole_life_value,
                commission.capacity,
                contributions,
                commission.review_date,
                commission.contract_expiry,
                commission.reprocurement_decision_date,
            )
        )
    _sheet(workbook, "Commissions", COMMISSION_HEADINGS, rows)
    return _save(workbook)


def spot_purchases_xlsx(
    purchases: Iterable[IndividualCommission], totals: Sequence[TypeTotal]
) -> bytes:
    workbook = _workbook()
    _sheet(
        workbook,
        "By type",
        ("Type of provision", "Purchases", "Total cost (£)"),
        [(total.label, total.purchases, total.cost) for total in totals],
    )
    _sheet(
        workbook,
        "Spot purchases",
        SPOT_HEADINGS,
        [
            (
                purchase.reference,
                purchase.get_provision_type_display(),
                purchase.description,
                purchase.provider.name,
                purchase.commissioner.name,
                purchase.cost,
                purchase.start_date,
                purchase.end_date,
                "Yes" if purchase.provision_line_id else "No",
            )
            for purchase in purchases
        ],
    )
    return _save(workbook)
