"""Commissions in the Open Contracting Data Standard (OCDS) 1.1: each commission as a release,
and an area's commissions as a release package, the shape councils already publish.

- ``ocid``: the publisher's prefix (setting ``OPENSEND_OCDS_OCID_PREFIX``, registered with the
  Open Contracting Partnership; ``ocds-000000`` by default, which is unregistered) and the
  area's LA code and the commission's reference.
- ``tag`` follows the status: planned is ``planning``, procuring ``tender``, live and ending
  ``contract``, ended ``contractTermination``.
- ``parties``: the commissioners as ``buyer`` (the lead, or the sole commissioner, is the
  release's ``buyer``) and ``funder``, the provider as ``supplier``.
- ``tender``, ``awards`` and ``contracts`` carry the value (GBP), the contract period and the
  items: the type of provision with its capacity, then each Local Offer service the commission
  delivers (classified ``x_OpenSEND_LocalOffer`` by the service's Open Referral UK id, the id
  the area's ORUK API and Local Offer pages use).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from opensend.commissioning.codes import Arrangement, CommissionStatus
from opensend.commissioning.models import Commission
from opensend.core.models import Area, Organisation
from opensend.directory.models import Service

OCDS_VERSION = "1.1"
DEFAULT_PREFIX = "ocds-000000"
LOCAL_OFFER_SCHEME = "x_OpenSEND_LocalOffer"

TAGS: dict[str, str] = {
    CommissionStatus.PLANNED: "planning",
    CommissionStatus.PROCURING: "tender",
    CommissionStatus.LIVE: "contract",
    CommissionStatus.ENDING: "contract",
    CommissionStatus.ENDED: "contractTermination",
}
TENDER_STATUS: dict[str, str] = {
    CommissionStatus.PLANNED: "planned",
    CommissionStatus.PROCURING: "active",
}
CONTRACT_STATUS: dict[str, str] = {
    CommissionStatus.PLANNED: "pending",
    CommissionStatus.PROCURING: "pending",
    CommissionStatus.LIVE: "active",
    CommissionStatus.ENDING: "active",
    CommissionStatus.ENDED: "terminated",
}


def ocid_prefix() -> str:
    return str(getattr(settings, "OPENSEND_OCDS_OCID_PREFIX", DEFAULT_PREFIX))


def ocid(commission: Commission) -> str:
    return f"{ocid_prefix()}-{commission.area.la_code}-{commission.reference}"


def organisation_id(organisation: Organisation) -> str:
    """An organisation identifier in the org-id.guide schemes where we hold one (NHS ODS
    code, UK Register of Learning Providers, school URN), else one of our own."""
    if organisation.ods_code:
        return f"GB-NHS-{organisation.ods_code}"
    if organisation.ukprn:
        return f"GB-UKPRN-{organisation.ukprn}"
    if organisation.urn:
        return f"GB-EDU-{organisation.urn}"
    return f"{ocid_prefix()}-org-{organisation.pk}"


def _value(amount: Decimal) -> dict[str, Any]:
    return {"amount": float(amount), "currency": "GBP"}


def _date(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC).isoformat()


def _buyer(commission: Commission, commissioners: list[Organisation]) -> Organisation | None:
    if commission.lead_commissioner is not None:
        return commission.lead_commissioner
    if commission.arrangement == Arrangement.SOLE and commissioners:
        return commissioners[0]
    return commissioners[0] if commissioners else None


def local_offer_item(service: Service) -> dict[str, Any]:
    """A Local Offer service the commission delivers, as an OCDS item."""
    return {
        "id": f"local-offer-{service.pk}",
        "description": service.name,
        "classification": {
            "scheme": LOCAL_OFFER_SCHEME,
            "id": str(service.pk),
            "description": service.name,
        },
    }


def release(commission: Commission) -> dict[str, Any]:
    """One commission as an OCDS release."""
    contributions = list(commission.contributions.all())
    commissioners: list[Organisation] = []
    for contribution in contributions:
        if contribution.commissioner not in commissioners:
            commissioners.append(contribution.commissioner)
    buyer = _buyer(commission, commissioners)
    parties: dict[int, dict[str, Any]] = {}

    def party(organisation: Organisation, role: str) -> None:
        entry = parties.setdefault(
            organisation.pk,
            {"id": organisation_id(organisation), "name": organisation.name, "roles": []},
        )
        if role not in entry["roles"]:
            entry["roles"].append(role)

    if buyer is not None:
        party(buyer, "buyer")
    for organisation in commissioners:
        party(organisation, "funder")
        if commission.arrangement in (Arrangement.POOLED, Arrangement.ALIGNED):
            party(organisation, "buyer")
    party(commission.provider, "supplier")

    the_ocid = ocid(commission)
    period = {"startDate": _date(commission.start_date), "endDate": _date(commission.end_date)}
    if commission.contract_expiry:
        period["maxExtentDate"] = _date(commission.contract_expiry)
    item: dict[str, Any] = {
        "id": "1",
        "description": commission.get_provision_type_display(),
        "classification": {
            "scheme": "x_OpenSEND_ProvisionType",
            "id": commission.provision_type,
            "description": commission.get_provision_type_display(),
        },
    }
    if commission.capacity_quantity is not None:
        item["quantity"] = float(commission.capacity_quantity)
        item["unit"] = {"name": commission.get_capacity_unit_display()}
    items = [item, *(local_offer_item(service) for service in commission.services.all())]
    supplier = {"id": organisation_id(commission.provider), "name": commission.provider.name}
    value = _value(commission.whole_life_value)
    updated = commission.updated_at.astimezone(dt.UTC)
    out: dict[str, Any] = {
        "ocid": the_ocid,
        "id": f"{the_ocid}-{updated:%Y%m%dT%H%M%S}",
        "date": updated.isoformat(),
        "tag": [TAGS[commission.status]],
        "initiationType": "tender",
        "language": "en",
        "parties": list(parties.values()),
        "planning": {
            "budget": {
                "description": f"{commission.get_arrangement_display()}: contributions a year",
                "amount": _value(sum((c.annual_amount for c in contributions), Decimal(0))),
            }
        },
        "tender": {
            "id": f"{the_ocid}-tender",
            "title": commission.title,
            "description": commission.purpose,
            "status": TENDER_STATUS.get(commission.status, "complete"),
            "value": value,
            "items": items,
            "contractPeriod": period,
        },
    }
    if buyer is not None:
        out["buyer"] = {"id": organisation_id(buyer), "name": buyer.name}
    if commission.status not in (CommissionStatus.PLANNED, CommissionStatus.PROCURING):
        award_id = f"{the_ocid}-award"
        out["awards"] = [
            {
                "id": award_id,
                "title": commission.title,
                "status": "active",
                "value": value,
                "suppliers": [supplier],
                "items": items,
                "contractPeriod": period,
            }
        ]
        out["contracts"] = [
            {
                "id": f"{the_ocid}-contract",
                "awardID": award_id,
                "title": commission.title,
                "description": "\n".join(commission.outcome_lines) or commission.purpose,
                "status": CONTRACT_STATUS[commission.status],
                "period": period,
                "value": value,
                "items": items,
            }
        ]
    return out


def release_package(area: Area, commissions: Iterable[Commission], uri: str) -> dict[str, Any]:
    """An area's commissions as an OCDS release package."""
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": timezone.now().astimezone(dt.UTC).isoformat(),
        "publisher": {"name": f"{area.name} SEND partnership"},
        "releases": [release(commission) for commission in commissions],
    }
