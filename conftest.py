"""Shared test set-up: PostgreSQL leg detection, and the synthetic people most tests need."""

from __future__ import annotations

import os

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"

#: The browser fixtures (``page``, ``check``, ``sign_in_as``) serve every app's browser tests,
#: and one Playwright per session: a plugin, not a folder's conftest.
pytest_plugins = ["opensend.web.tests.browser.fixtures"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL leg)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def area(db):  # type: ignore[no-untyped-def]
    from opensend.core.tests.factories import AreaFactory

    return AreaFactory(name="Halford Vale", la_code="990")


@pytest.fixture
def local_authority(area):  # type: ignore[no-untyped-def]
    from opensend.core.tests.factories import OrganisationFactory

    return OrganisationFactory(name="Halford Vale Council", home_area=area)


@pytest.fixture
def coordinator(local_authority):  # type: ignore[no-untyped-def]
    from opensend.core.roles import Role
    from opensend.core.tests.factories import staff

    return staff(Role.EHC_COORDINATOR, local_authority, full_name="Casey Coordinator")
