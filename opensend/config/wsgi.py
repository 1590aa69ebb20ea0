"""WSGI entry point (gunicorn opensend.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opensend.config.base")

application = get_wsgi_application()
