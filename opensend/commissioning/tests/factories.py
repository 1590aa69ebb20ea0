"""Test data for commissioning, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from opensend.commissioning import services
from opensend.commissioning.models import Commission
from opensend.core.models import Area, Organisation

_references = itertools.count(1)

START = dt.date(2026, 4, 1)
END = dt.date(2029, 3, 31)


def commission(
    area: Area,
    provider: Organisation,
    contributions: list[tuple[Organisation, str, Decimal | int]],
    **fields: Any,
) -> Commission:
    """A commission recorded by the system; defaults: live, three years, £100,000 a year,
    sole unless said otherwise."""
    values: dict[str, Any] = {
        "reference": f"C{next(_references):04d}",
        "title": "Speech and language therapy for children with EHC plans",
        "purpose": "Assessment and therapy for children and young people aged 0 to 25.",
        "provision_type": "salt",
        "provider": provider,
        "start_date": START,
        "end_date": END,
        "annual_value": Decimal(100000),
        "whole_life_value": Decimal(300000),
        "capacity_quantity": Decimal(400),
        "capacity_unit": "places",
        "arrangement": "sole",
        "status": "live",
        "outcomes": "Children are seen within 18 weeks\nParents report the therapy helped",
    }
    values.update(fields)
    return services.commission_create(
        acting_user=None,
        area=area,
        contributions=[
            services.ContributionInput(
                commissioner=organisation, funding_stream=stream, annual_amount=Decimal(amount)
            )
            for organisation, stream, amount in contributions
        ],
        **values,
    )
