"""Reads of census imports and SEN2 returns, scoped to the areas where the user is an LA case
officer (EHC coordinator or SEND manager): nobody else sees them, as they hold children's
data. The SEN2 live checks run the return's rules on the current data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from opensend.core.models import Area, User
from opensend.ehc.models import CaseEvent
from opensend.people import policy
from opensend.people.models import Child
from opensend.returns.models import CensusImport, CensusImportFile, SEN2Return
from opensend.returns.sen2 import collect, mapping
from opensend.returns.sen2.figures import Figures, figures
from opensend.returns.sen2.records import Return
from opensend.returns.sen2.validation import Problem, validate

NOT_AN_IMPORTER = (
    "Only an EHC coordinator or SEND manager of a local authority can import the school census."
)


def census_import_areas(*, user: User, grants: policy.Grants | None = None) -> list[Area]:
    """The areas the user may import a census for. Raises ``PermissionDenied`` when none."""
    area_ids = (grants or policy.grants_for(user)).la_area_ids
    if not area_ids:
        raise PermissionDenied(NOT_AN_IMPORTER)
    return list(Area.objects.filter(pk__in=area_ids).order_by("name"))


def _imports(area_ids: frozenset[int]) -> QuerySet[CensusImport]:
    return (
        CensusImport.objects.filter(area_id__in=area_ids)
        .select_related("area", "uploaded_by", "imported_by")
        .annotate(file_is_held=Exists(CensusImportFile.objects.filter(pk=OuterRef("pk"))))
    )


def census_import_get_for_user(
    *, user: User, import_id: int, grants: policy.Grants | None = None
) -> CensusImport:
    """One import, if the user may see it; not found otherwise (as for a record that does not
    exist, so that its existence is not disclosed)."""
    area_ids = (grants or policy.grants_for(user)).la_area_ids
    if not area_ids:
        raise PermissionDenied(NOT_AN_IMPORTER)
    found = _imports(area_ids).filter(pk=import_id).first()
    if found is None:
        raise Http404("No census import with that number in your areas.")
    return found


def census_import_history(
    *, user: User, grants: policy.Grants | None = None, limit: int = 200
) -> list[CensusImport]:
    """The most recent imports of the user's areas, newest first. The error lists (which can
    be long) are not loaded."""
    area_ids = (grants or policy.grants_for(user)).la_area_ids
    if not area_ids:
        raise PermissionDenied(NOT_AN_IMPORTER)
    return list(_imports(area_ids).defer("errors").order_by("-uploaded_at", "-pk")[:limit])


# --- the SEN2 return ----------------------------------------------------------------------

NOT_A_SEN2_OFFICER = (
    "Only an EHC coordinator or SEND manager of a local authority can make the SEN2 return."
)


def _sen2_area_ids(user: User, grants: policy.Grants | None) -> frozenset[int]:
    area_ids = (grants or policy.grants_for(user)).la_area_ids
    if not area_ids:
        raise PermissionDenied(NOT_A_SEN2_OFFICER)
    return area_ids


def sen2_areas(*, user: User, grants: policy.Grants | None = None) -> list[Area]:
    """The areas the user may make the SEN2 return for. Raises ``PermissionDenied`` when
    none."""
    return list(Area.objects.filter(pk__in=_sen2_area_ids(user, grants)).order_by("name"))


def sen2_return_get_for_user(
    *, user: User, return_id: int, grants: policy.Grants | None = None
) -> SEN2Return:
    """One generated return, if the user may see it; not found otherwise."""
    found = (
        SEN2Return.objects.filter(area_id__in=_sen2_area_ids(user, grants), pk=return_id)
        .select_related("area", "generated_by")
        .first()
    )
    if found is None:
        raise Http404("No SEN2 return with that number in your areas.")
    return found


def sen2_history(
    *,
    user: User,
    grants: policy.Grants | None = None,
    area: Area | None = None,
    limit: int = 200,
) -> list[SEN2Return]:
    """The most recent returns of the user's areas (or one of them), newest first, without
    their XML and problem lists."""
    returns = SEN2Return.objects.filter(area_id__in=_sen2_area_ids(user, grants))
    if area is not None:
        returns = returns.filter(area=area)
    return list(
        returns.select_related("area", "generated_by")
        .defer("xml", "problems", "child_ids", "figures")
        .order_by("-generated_at", "-pk")[:limit]
    )


#: How long the live checks of an area are kept while its data does not change.
LIVE_CHECK_SECONDS = 15 * 60


@dataclass(frozen=True)
class LiveCheck:
    """The next return so far: its collection year, the day it was read as at, its figures
    and every problem found."""

    year: int
    reference_date: dt.date
    as_at: dt.date
    figures: Figures
    problems: list[Problem]
    checked_at: dt.datetime

    @property
    def period_start(self) -> dt.date:
        return dt.date(self.year - 1, 1, 1)


def _live_return(area: Area, today: dt.date, child_id: int | None = None) -> Return:
    year = mapping.live_collection_year(today)
    scope = collect.scope_for(area, year, as_at=today, child_id=child_id)
    header = collect.header(area=area, year=year, serial_no=0, generated_at=timezone.now())
    return collect.collect(scope, header)


def _data_version(area: Area) -> str:
    """Changes whenever a case or a child's record of the area changes: every EHC service
    writes a case event, and every change to a child's record touches the child."""
    events = CaseEvent.objects.filter(area=area).aggregate(top=Max("pk"))["top"]
    children = Child.objects.filter(area=area).aggregate(top=Max("updated_at"))["top"]
    return f"{events}:{children.isoformat() if children else ''}"


def sen2_live_check(*, area: Area, today: dt.date, fresh: bool = False) -> LiveCheck:
    """The SEN2 rules run on the area's current data: the return for the next collection
    year as it stands today. Shown on the SEN2 page so problems are fixed during the year.
    Kept for a few minutes while the area's cases and records do not change (``fresh``
    checks again regardless). The caller has checked the user may see the area's cases."""
    key = f"opensend:sen2-live:{area.pk}:{today.isoformat()}:{_data_version(area)}"
    if not fresh:
        cached = cache.get(key)
        if isinstance(cached, LiveCheck):
            return cached
    sen2 = _live_return(area, today)
    live = LiveCheck(
        year=sen2.header.year,
        reference_date=sen2.header.reference_date,
        as_at=today,
        figures=figures(sen2, as_at=today),
        problems=validate(sen2),
        checked_at=timezone.now(),
    )
    cache.set(key, live, LIVE_CHECK_SECONDS)
    return live


def sen2_live_problems(*, area: Area, today: dt.date, fresh: bool = False) -> list[Problem]:
    """Every problem the next return would have, as the data stands today."""
    return sen2_live_check(area=area, today=today, fresh=fresh).problems


def sen2_problems_for_child(child: Child, today: dt.date) -> list[Problem]:
    """The SEN2 problems of one child's record (for the child's page): the same rules, on
    the child's part of the next return. Empty when the child is not in it."""
    return validate(_live_return(child.area, today, child_id=child.pk))
