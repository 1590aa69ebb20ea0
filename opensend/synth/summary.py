"""The summary ``opensend synth`` prints after generating an area."""

from __future__ import annotations

from typing import Any

from opensend.core.codes import SENNeed
from opensend.ehc.models import PlanStatus, RequestStage
from opensend.people.models import SENStatus
from opensend.synth.generator import Result

_STATUS_LABELS = {
    SENStatus.EHC_PLAN.value: "EHC plan",
    SENStatus.SEN_SUPPORT.value: "SEN support",
    SENStatus.NONE.value: "No longer SEN (were on SEN support)",
}


def _table(title: str, rows: list[tuple[str, str]]) -> list[str]:
    width = max([len(label) for label, _ in rows] + [len(title)])
    lines = [title, "-" * len(title)]
    lines += [f"  {label.ljust(width)}  {value.rjust(8)}" for label, value in rows]
    return [*lines, ""]


def summary_lines(result: Result) -> list[str]:
    options = result.options
    profile = options.profile
    area = result.area
    lines = [
        f"{'Regenerated' if result.replaced else 'Generated'} {area.name}: LA code "
        f"{area.la_code}, ONS code {area.ons_code}",
        f"Profile {profile.key} ({profile.calibrated_on}), scale {options.scale:g}, "
        f"seed {options.seed}, as on {options.on:%-d %B %Y}; {result.seconds:.1f} seconds.",
        "",
    ]
    lines += _table(
        "Children by SEN status",
        [(_STATUS_LABELS[code], f"{count:,}") for code, count in result.by_status.items()],
    )
    for status in (SENStatus.EHC_PLAN.value, SENStatus.SEN_SUPPORT.value):
        counts = result.by_need.get(status, {})
        total = sum(counts.values()) or 1
        lines += _table(
            f"Primary need: {_STATUS_LABELS[status]}",
            [
                (f"{code} {SENNeed(code).label.lower()}", f"{n:,} {100 * n / total:5.1f}%")
                for code, n in counts.items()
            ],
        )
    lines += _table(
        "Current placement of children with SEN, by type of setting",
        [(label, f"{count:,}") for label, count in result.by_placement.items()],
    )
    lines += _table(
        "Out of area",
        [
            ("Placed at a setting in another area", f"{result.out_of_area:,}"),
            ("of whom looked after", f"{result.looked_after_out_of_area:,}"),
        ],
    )
    if result.ehc:
        lines += _table("EHC histories", _ehc_rows(result.ehc))
    lines += _table("Rows written", [(table, f"{n:,}") for table, n in result.rows.items()])
    return lines


def _percent(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _ehc_rows(ehc: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        (
            "New plans within 20 weeks, last 12 months, excluding exceptions (target)",
            f"{_percent(ehc['within_20_weeks'])} ({_percent(ehc['within_20_weeks_target'])})",
        ),
        ("New plans issued in the last 12 months", f"{ehc['new_plans_12_months']:,}"),
        (
            "Requests refused, of decisions in the last 15 months (target)",
            f"{_percent(ehc['refused'])} ({_percent(ehc['refused_target'])})",
        ),
        (
            "Annual reviews held on time, last 12 months (target)",
            f"{_percent(ehc['reviews_on_time'])} ({_percent(ehc['reviews_on_time_target'])})",
        ),
    ]
    stages = ehc["requests_by_stage"]
    for stage in RequestStage:
        if stage.value in stages:
            rows.append((f"Requests of the last 15 months: {stage.label}", f"{stages[stage]:,}"))
    statuses = ehc["plans_by_status"]
    for status in PlanStatus:
        if status.value in statuses:
            rows.append((f"Plans: {status.label}", f"{statuses[status]:,}"))
    rows.append(("Ceased plans of young people who left", f"{ehc['ceased_leavers']:,}"))
    return rows
