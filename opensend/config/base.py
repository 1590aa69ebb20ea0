"""Settings shared by every deployment. Anything that varies by deployment comes from the
environment; nothing secret is kept in the repository.

Environment variables:
    DATABASE_URL              database (default: an embedded SQLite file in OPENSEND_DATA_DIR)
    OPENSEND_SECRET_KEY       Django's secret key (default: generated once into the data dir)
    OPENSEND_ALLOWED_HOSTS    comma-separated host names (default: 127.0.0.1,localhost)
    OPENSEND_DATA_DIR         where local state lives (default: ./var in the project folder)
    OPENSEND_DEBUG            "1" to show Django's debug pages (never in production)
    OPENSEND_EMAIL_BACKEND    Django email backend path (default: console)
    OPENSEND_EMAIL_SENDER     how OpenSEND's own notices are sent: console | memory | notify
                              (default: console; see opensend/core/mail.py)
    OPENSEND_NOTIFY_API_KEY, OPENSEND_NOTIFY_TEMPLATE_ID
                              GOV.UK Notify, when the sender is notify
    OPENSEND_BASE_URL         the address people reach OpenSEND at, for links in notices
                              (default: http://127.0.0.1:8000)
    OPENSEND_TASKS_BACKEND    where background tasks run: immediate (in the process that
                              queues them; the default) | database (a worker, db_worker)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import jinja2
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("OPENSEND_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()


def _secret_key() -> str:
    key = os.environ.get("OPENSEND_SECRET_KEY")
    if key:
        return key
    # An embedded deployment (the demo, a developer's machine) keeps a generated key in its
    # data directory, so sessions survive restarts. Production settings require the variable.
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("OPENSEND_DEBUG")
ALLOWED_HOSTS = env_list("OPENSEND_ALLOWED_HOSTS", "127.0.0.1,localhost")

# Domain apps (see DESIGN.md). Dependencies point one way: core <- people <- ...
DOMAIN_APPS = [
    "opensend.core",
    "opensend.people",
    "opensend.directory",
    "opensend.ehc",
    "opensend.pathways",
    "opensend.commissioning",
    "opensend.insight",
    "opensend.returns",
    "opensend.api",
    "opensend.web",
    "opensend.synth",
]

THIRD_PARTY_APPS = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Django's tasks framework (backported) and its database queue; ADR 13.
    "django_tasks",
    "django_tasks_db",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    *THIRD_PARTY_APPS,
    *DOMAIN_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "opensend.core.middleware.RequestContextMiddleware",
    "opensend.web.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "opensend.config.urls"
WSGI_APPLICATION = "opensend.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "opensend.config.jinja2.environment",
            "autoescape": True,
            # The GOV.UK Frontend macros rely on missing parameters being falsy.
            "undefined": jinja2.Undefined,
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "opensend.web.context_processors.shell",
            ],
        },
    },
    # Django's own template engine is kept only for framework pages we never show to users
    # (for example the CSRF failure view is replaced by our own).
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    },
]


def _database() -> dict[str, object]:
    default_sqlite = f"sqlite:///{DATA_DIR / 'opensend.sqlite3'}"
    url = os.environ.get("DATABASE_URL") or default_sqlite
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(str(config["NAME"])).parent.mkdir(parents=True, exist_ok=True)
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            # Writers queue rather than fail: every write takes the lock at BEGIN, which the
            # access log's hash chain relies on to stay a single line of entries.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-64000;"
            ),
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "opensend.web.views.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Census files can be large (a county's SEN cohort is tens of thousands of rows).
OPENSEND_MAX_IMPORT_BYTES = int(os.environ.get("OPENSEND_MAX_IMPORT_BYTES", str(50 * 1024 * 1024)))

EMAIL_BACKEND = os.environ.get(
    "OPENSEND_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("OPENSEND_FROM_EMAIL", "opensend@localhost")

# OpenSEND's own notices (EHC reminders): console in the demo, GOV.UK Notify in production.
OPENSEND_EMAIL_SENDER = os.environ.get("OPENSEND_EMAIL_SENDER", "console")
OPENSEND_NOTIFY_API_KEY = os.environ.get("OPENSEND_NOTIFY_API_KEY", "")
OPENSEND_NOTIFY_TEMPLATE_ID = os.environ.get("OPENSEND_NOTIFY_TEMPLATE_ID", "")
# Links in notices start with this address (no trailing slash needed).
OPENSEND_BASE_URL = os.environ.get("OPENSEND_BASE_URL", "http://127.0.0.1:8000")

# Background work (ADR 13): in-process by default; a database queue and worker in production.
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}


def tasks_setting(default: str) -> dict[str, dict[str, object]]:
    name = os.environ.get("OPENSEND_TASKS_BACKEND", "") or default
    if name not in TASK_BACKENDS:
        raise ImproperlyConfigured(
            f"OPENSEND_TASKS_BACKEND is {name!r}; it must be one of: {', '.join(TASK_BACKENDS)}."
        )
    return {"default": {"BACKEND": TASK_BACKENDS[name]}}


TASKS = tasks_setting("immediate")

# The name shown in the header, and the organisation that runs this deployment.
OPENSEND_SERVICE_NAME = os.environ.get("OPENSEND_SERVICE_NAME", "OpenSEND")
# Open Contracting: the prefix registered for the area's contracts' ocids (docs/commissioning.md).
OPENSEND_OCDS_OCID_PREFIX = os.environ.get("OPENSEND_OCDS_OCID_PREFIX", "ocds-000000")
# The label for TOTP authenticator apps.
OTP_TOTP_ISSUER = OPENSEND_SERVICE_NAME
# Rows per page of child search results.
OPENSEND_SEARCH_PAGE_SIZE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPENSEND_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
