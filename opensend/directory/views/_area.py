"""Finding the area a Local Offer page is for."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from opensend.core.models import Area
from opensend.directory.models import DirectorySettings

__all__ = ["area_or_404", "settings_for"]


def area_or_404(la_code: str) -> Area:
    return get_object_or_404(Area, la_code=la_code)


def settings_for(area: Area) -> DirectorySettings:
    """The area's Local Offer settings, created with the defaults on first use."""
    settings, _ = DirectorySettings.objects.get_or_create(area=area)
    return settings
