"""The shapes of the commissioning API's requests and answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from opensend.commissioning.gaps import GapAnalysis
from opensend.commissioning.models import Commission, Contribution, IndividualCommission
from opensend.core.models import Organisation


class OrganisationRef(Schema):
    id: int
    name: str


def organisation_ref(organisation: Organisation) -> OrganisationRef:
    return OrganisationRef(id=organisation.pk, name=organisation.name)


class ContributionIn(Schema):
    commissioner_id: int = Field(description="The local authority or ICB contributing.")
    funding_stream: str = Field(
        description="high_needs, social_care, icb, public_health or schools."
    )
    annual_amount: Decimal = Field(
        description="Amount per year, in pounds.", max_digits=12, decimal_places=2
    )


class ContributionOut(Schema):
    commissioner: OrganisationRef
    funding_stream: str
    annual_amount: Decimal


class LocalOfferServiceOut(Schema):
    id: str = Field(description="The service's Open Referral UK id.")
    name: str


class CommissionIn(Schema):
    la_code: str = Field(description="The area, by its DfE LA code.")
    reference: str
    title: str
    purpose: str = ""
    provision_type: str = Field(description="Type of provision (the code list in the docs).")
    provider_id: int
    service_ids: list[str] = Field(
        default=[],
        description=(
            "The Local Offer services it delivers, by their Open Referral UK ids: services of "
            "the same area."
        ),
    )
    start_date: dt.date
    end_date: dt.date
    annual_value: Decimal = Field(max_digits=12, decimal_places=2)
    whole_life_value: Decimal = Field(max_digits=14, decimal_places=2)
    capacity_quantity: Decimal | None = None
    capacity_unit: str = ""
    arrangement: str = Field(description="sole, lead, aligned or pooled.")
    lead_commissioner_id: int | None = None
    s75_reference: str = ""
    status: str = "planned"
    review_date: dt.date | None = None
    contract_expiry: dt.date | None = None
    reprocurement_decision_date: dt.date | None = None
    outcomes: list[str] = Field(default=[], description="Outcomes written into the contract.")
    contributions: list[ContributionIn]


class CommissionOut(Schema):
    id: int
    la_code: str
    reference: str
    title: str
    purpose: str
    provision_type: str
    provider: OrganisationRef
    start_date: dt.date
    end_date: dt.date
    annual_value: Decimal
    whole_life_value: Decimal
    capacity_quantity: Decimal | None
    capacity_unit: str
    arrangement: str
    lead_commissioner: OrganisationRef | None
    s75_reference: str
    status: str
    review_date: dt.date | None
    contract_expiry: dt.date | None
    reprocurement_decision_date: dt.date | None
    outcomes: list[str]
    contributions: list[ContributionOut]
    services: list[LocalOfferServiceOut] = Field(
        description="The Local Offer services it delivers."
    )


def commission_out(commission: Commission) -> CommissionOut:
    contributions: list[Contribution] = list(commission.contributions.all())
    return CommissionOut(
        id=commission.pk,
        la_code=commission.area.la_code,
        reference=commission.reference,
        title=commission.title,
        purpose=commission.purpose,
        provision_type=commission.provision_type,
        provider=organisation_ref(commission.provider),
        start_date=commission.start_date,
        end_date=commission.end_date,
        annual_value=commission.annual_value,
        whole_life_value=commission.whole_life_value,
        capacity_quantity=commission.capacity_quantity,
        capacity_unit=commission.capacity_unit,
        arrangement=commission.arrangement,
        lead_commissioner=organisation_ref(commission.lead_commissioner)
        if commission.lead_commissioner
        else None,
        s75_reference=commission.s75_reference,
        status=commission.status,
        review_date=commission.review_date,
        contract_expiry=commission.contract_expiry,
        reprocurement_decision_date=commission.reprocurement_decision_date,
        outcomes=commission.outcome_lines,
        contributions=[
            ContributionOut(
                commissioner=organisation_ref(c.commissioner),
                funding_stream=c.funding_stream,
                annual_amount=c.annual_amount,
            )
            for c in contributions
        ],
        services=[
            LocalOfferServiceOut(id=str(service.pk), name=service.name)
            for service in commission.services.all()
        ],
    )


class CommissionPageOut(Schema):
    count: int
    results: list[CommissionOut]


class SpotPurchaseIn(Schema):
    child_id: int
    provision_line_id: int | None = Field(
        default=None, description="The EHC plan line it delivers."
    )
    commissioner_id: int = Field(description="Who pays: your local authority or ICB.")
    provider_id: int
    provision_type: str
    description: str = ""
    cost: Decimal = Field(max_digits=12, decimal_places=2)
    start_date: dt.date
    end_date: dt.date


class SpotPurchaseOut(Schema):
    id: int
    reference: str
    child_id: int
    provision_line_id: int | None
    commissioner: OrganisationRef
    provider: OrganisationRef
    provision_type: str
    description: str
    cost: Decimal
    start_date: dt.date
    end_date: dt.date


def spot_purchase_out(purchase: IndividualCommission) -> SpotPurchaseOut:
    return SpotPurchaseOut(
        id=purchase.pk,
        reference=purchase.reference,
        child_id=purchase.child_id,
        provision_line_id=purchase.provision_line_id,
        commissioner=organisation_ref(purchase.commissioner),
        provider=organisation_ref(purchase.provider),
        provision_type=purchase.provision_type,
        description=purchase.description,
        cost=purchase.cost,
        start_date=purchase.start_date,
        end_date=purchase.end_date,
    )


# --- the gap analysis -------------------------------------------------------------------------


class GapTableOut(Schema):
    key: str = Field(description="Stable name of the table, e.g. uncommissioned, spot_spend.")
    title: str
    columns: list[str]
    rows: list[list[int | str | None]] = Field(
        description=(
            "Cells in the order of the columns: whole numbers as numbers; amounts (hours, "
            "pounds) as decimal strings; dates as YYYY-MM-DD; a suppressed count as [c]."
        )
    )
    note: str


class GapAnalysisOut(Schema):
    la_code: str
    area: str
    on: dt.date
    exact: bool = Field(description="False: counts of 1 to 5 children are suppressed as [c].")
    summary: list[str]
    tables: list[GapTableOut]


def _gap_cell(value: object) -> int | str | None:
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def gap_analysis_out(analysis: GapAnalysis) -> GapAnalysisOut:
    return GapAnalysisOut(
        la_code=analysis.area.la_code,
        area=analysis.area.name,
        on=analysis.on,
        exact=analysis.exact,
        summary=list(analysis.summary),
        tables=[
            GapTableOut(
                key=table.key,
                title=table.title,
                columns=list(table.columns),
                rows=[[_gap_cell(cell) for cell in row] for row in table.rows],
                note=table.note,
            )
            for table in analysis.tables
        ],
    )
