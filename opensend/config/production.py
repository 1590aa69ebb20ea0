"""Settings for a production deployment: PostgreSQL, HTTPS, secrets from the environment.
See docs/operations.md."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env_bool, tasks_setting

if not os.environ.get("OPENSEND_SECRET_KEY"):
    raise ImproperlyConfigured("OPENSEND_SECRET_KEY must be set in production.")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL 15 or later.")

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("OPENSEND_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("OPENSEND_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# Background tasks queue in the database for `opensend db-worker` (docs/operations.md), unless
# OPENSEND_TASKS_BACKEND=immediate runs them in the process that queues them.
TASKS = tasks_setting("database")

# Notices go through GOV.UK Notify unless another sender is chosen on purpose
# (OPENSEND_EMAIL_SENDER=console writes them to the log instead: a trial, never live use).
OPENSEND_EMAIL_SENDER = os.environ.get("OPENSEND_EMAIL_SENDER", "notify")
if OPENSEND_EMAIL_SENDER == "notify" and not (
    os.environ.get("OPENSEND_NOTIFY_API_KEY") and os.environ.get("OPENSEND_NOTIFY_TEMPLATE_ID")
):
    raise ImproperlyConfigured(
        "Notices are sent with GOV.UK Notify in production: set OPENSEND_NOTIFY_API_KEY and "
        "OPENSEND_NOTIFY_TEMPLATE_ID (or OPENSEND_EMAIL_SENDER=console to keep them in the log)."
    )
if not os.environ.get("OPENSEND_BASE_URL", "").startswith("https://"):
    raise ImproperlyConfigured(
        "OPENSEND_BASE_URL must be the https:// address of this service: links in notices use it."
    )
