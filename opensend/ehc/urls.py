from django.urls import URLPattern

from opensend.ehc.views import caseload, cases

app_name = "ehc"

urlpatterns: list[URLPattern] = [*caseload.urlpatterns, *cases.urlpatterns]
