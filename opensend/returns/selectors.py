"""Reads of census imports, scoped to the areas where the user is an LA case officer (EHC
coordinator or SEND manager): nobody else sees imports, which hold children's data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from opensend.core.models import Area, User
from opensend.people import policy
from opensend.returns.models import CensusImport, CensusImportFile

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
