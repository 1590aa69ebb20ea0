"""URL map: the web shell mounts each app's pages; the API mounts each app's routers."""

from django.urls import include, path

from opensend.api.urls import api

handler400 = "opensend.web.views.errors.bad_request"
handler403 = "opensend.web.views.errors.permission_denied"
handler404 = "opensend.web.views.errors.page_not_found"
handler500 = "opensend.web.views.errors.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    path("imports/", include("opensend.returns.urls")),
    path("children/", include("opensend.people.urls")),
    path("ehc/", include("opensend.ehc.urls")),
    path("local-offer/", include("opensend.directory.urls")),
    path("pathways/", include("opensend.pathways.urls")),
    path("commissioning/", include("opensend.commissioning.urls")),
    path("performance/", include("opensend.insight.urls")),
    path("", include("opensend.web.urls")),
]
