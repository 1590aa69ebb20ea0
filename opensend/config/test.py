"""Settings for the test suite. The database comes from DATABASE_URL as everywhere else:
unset, the tests run on an in-memory SQLite database; set to PostgreSQL, on PostgreSQL."""

from __future__ import annotations

import os

os.environ.setdefault("OPENSEND_SECRET_KEY", "test-only-not-secret")

from .base import *  # noqa: F403
from .base import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not os.environ.get(
    "DATABASE_URL"
):
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}

# Fast hashing: tests create many users; the production hashers are tested by Django itself.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Notices go to ``opensend.core.mail.outbox``; tasks run in the test's own process.
OPENSEND_EMAIL_SENDER = "memory"
OPENSEND_NOTIFY_API_KEY = ""
OPENSEND_NOTIFY_TEMPLATE_ID = ""
OPENSEND_BASE_URL = "https://opensend.example"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
