"""The browser fixtures (``page``, ``check``, ``sign_in_as``) are the web app's; a conftest
applies only to its own folder, so they are brought in here."""

from opensend.web.tests.browser.conftest import (
    axe_source,
    check,
    chromium,
    page,
    sign_in_as,
    watch,
)

__all__ = ["axe_source", "check", "chromium", "page", "sign_in_as", "watch"]
