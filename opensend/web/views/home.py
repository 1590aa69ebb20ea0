"""The home page: the user's area at a glance, or a parent's own children."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from opensend.core import disclosure
from opensend.core.codes import SENNeed
from opensend.people import selectors
from opensend.people.models import SENStatus
from opensend.people.phases import Phase
from opensend.web.shell import signed_in_user, user_shell

STATUS_COLUMNS = [SENStatus.SEN_SUPPORT.value, SENStatus.EHC_PLAN.value]


def _table(
    rows: dict[str, dict[str, int]], labels: dict[str, str], exact: bool
) -> list[dict[str, Any]]:
    shown: dict[str, dict[str, int | str]] = (
        {key: dict(value) for key, value in rows.items()}
        if exact
        else disclosure.suppress_table(rows)
    )
    table = []
    for key, counts in rows.items():
        total = sum(counts.values())
        table.append(
            {
                "label": labels.get(key, key),
                "cells": [shown[key][status] for status in STATUS_COLUMNS],
                "total": total if exact else disclosure.suppress(total),
            }
        )
    return table


class HomeView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = signed_in_user(request)
        shell = user_shell(request)
        context: dict[str, Any] = {"page_title": "Home", "glance": None, "own_children": []}
        if shell.grants.is_parent:
            context["own_children"] = list(
                selectors.children_visible_to(user, shell.grants)
                .filter(contacts__user=user)
                .order_by("date_of_birth")
            )
        staff_areas = shell.area_ids if not shell.grants.is_parent or shell.roles else frozenset()
        if staff_areas:
            glance = selectors.area_at_a_glance(area_ids=staff_areas, on=timezone.localdate())
            exact = shell.exact_area_figures
            need_labels = {**dict(SENNeed.choices), "UNKNOWN": "Not recorded"}
            context["glance"] = glance
            context["exact"] = exact
            context["totals"] = [
                glance.totals[status] if exact else disclosure.suppress(glance.totals[status])
                for status in STATUS_COLUMNS
            ]
            context["out_of_area"] = (
                glance.out_of_area_placements
                if exact
                else disclosure.suppress(glance.out_of_area_placements)
            )
            context["need_rows"] = _table(glance.by_need, need_labels, exact)
            context["phase_rows"] = _table(glance.by_phase, dict(Phase.choices), exact)
        return render(request, "web/home.html", context)
