from __future__ import annotations

import pytest

from opensend.core.tests.factories import SettingFactory


@pytest.fixture
def schools(area):
    """Three settings of the area: two schools and a special school."""
    return [
        SettingFactory(home_area=area, name="Hill Primary School"),
        SettingFactory(home_area=area, name="Vale Academy"),
        SettingFactory(
            home_area=area,
            name="Brook Special School",
            setting_type="special_maintained",
            phase="all_through",
        ),
    ]
