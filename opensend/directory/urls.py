"""The Local Offer's pages, mounted at ``/local-offer/``.

Public pages (no sign-in) live under ``<la_code>/``; the staff pages under ``manage/<la_code>/``;
the Open Referral UK API under ``<la_code>/oruk/``.
"""

from django.urls import URLPattern, URLResolver

from opensend.directory.oruk import views as oruk_views
from opensend.directory.views import feedback, imports, manage, public

app_name = "directory"

urlpatterns: list[URLPattern | URLResolver] = [
    *oruk_views.urlpatterns,
    *manage.urlpatterns,
    *imports.urlpatterns,
    *feedback.urlpatterns,
    *public.urlpatterns,
]
