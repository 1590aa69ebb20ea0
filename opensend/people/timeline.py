"""The child record as one timeline across agencies.

Each app that holds events about a child registers a provider: a function that, given a child,
returns its ``Entry`` items. The people app registers its own (status, needs, placements,
circumstances, consents, involvements); later apps (EHC, pathways, budgets, disputes) register
theirs from their ``AppConfig.ready`` without the people app knowing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from opensend.core.codes import AgencyType
from opensend.people.models import Child


@dataclass(frozen=True)
class Entry:
    date: dt.date
    agency: str  # an AgencyType value
    category: str
    title: str
    detail: str = ""
    organisation: str = ""

    @property
    def agency_label(self) -> str:
        return AgencyType(self.agency).label


Provider = Callable[[Child], list[Entry]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def entries_for(child: Child) -> list[Entry]:
    """Every registered provider's entries, newest first."""
    entries: list[Entry] = []
    for provider in _providers:
        entries.extend(provider(child))
    return sorted(entries, key=lambda entry: (entry.date, entry.category), reverse=True)


@register
def _people_entries(child: Child) -> list[Entry]:
    entries: list[Entry] = []
    for period in child.sen_status_periods.all():
        entries.append(
            Entry(
                date=period.start_date,
                agency=AgencyType.EDUCATION,
                category="SEN status",
                title=period.get_status_display(),
                detail=f"Recorded from {period.get_source_display().lower()}",
                organisation=str(period.source_organisation or ""),
            )
        )
    for need in child.needs.all():
        rank = f"{need.get_rank_display()} need" if need.rank else "Need"
        entries.append(
            Entry(
                date=need.start_date,
                agency=need.source_agency,
                category="Need",
                title=f"{rank}: {need.get_code_display()}",
                detail=need.notes,
                organisation=str(need.source_organisation or ""),
            )
        )
        if need.end_date:
            entries.append(
                Entry(
                    date=need.end_date,
                    agency=need.source_agency,
                    category="Need",
                    title=f"{rank} ended: {need.get_code_display()}",
                )
            )
    for placement in child.placements.all():
        entries.append(
            Entry(
                date=placement.start_date,
                agency=AgencyType.EDUCATION,
                category="Placement",
                title=f"Started at {placement.setting.name}",
                detail=placement.get_kind_display()
                + (" — out of area" if placement.is_out_of_area else ""),
                organisation=placement.setting.name,
            )
        )
        if placement.end_date:
            entries.append(
                Entry(
                    date=placement.end_date,
                    agency=AgencyType.EDUCATION,
                    category="Placement",
                    title=f"Left {placement.setting.name}",
                    organisation=placement.setting.name,
                )
            )
    for flag in child.flags.all():
        entries.append(
            Entry(
                date=flag.start_date,
                agency=flag.source_agency,
                category="Circumstance",
                title=flag.get_kind_display(),
                organisation=str(flag.source_organisation or ""),
            )
        )
        if flag.end_date:
            entries.append(
                Entry(
                    date=flag.end_date,
                    agency=flag.source_agency,
                    category="Circumstance",
                    title=f"No longer: {flag.get_kind_display().lower()}",
                )
            )
    for involvement in child.involvements.all():
        agency = (
            AgencyType.HEALTH
            if involvement.organisation.kind in {"icb", "nhs_trust"}
            else AgencyType.SOCIAL_CARE
            if involvement.organisation.kind == "local_authority"
            else AgencyType.OTHER
        )
        entries.append(
            Entry(
                date=involvement.start_date,
                agency=agency,
                category="Involvement",
                title=f"{involvement.organisation.name}: {involvement.get_kind_display().lower()}",
                detail=involvement.reason,
                organisation=involvement.organisation.name,
            )
        )
        if involvement.end_date:
            entries.append(
                Entry(
                    date=involvement.end_date,
                    agency=agency,
                    category="Involvement",
                    title=f"{involvement.organisation.name} closed",
                    organisation=involvement.organisation.name,
                )
            )
    for consent in child.consents.all():
        entries.append(
            Entry(
                date=consent.given_on,
                agency=AgencyType.FAMILY,
                category="Consent",
                title=f"Consent given: {consent.get_purpose_display()}",
                detail=f"By {consent.given_by}",
            )
        )
        if consent.withdrawn_on:
            entries.append(
                Entry(
                    date=consent.withdrawn_on,
                    agency=AgencyType.FAMILY,
                    category="Consent",
                    title=f"Consent withdrawn: {consent.get_purpose_display()}",
                )
            )
    return entries
