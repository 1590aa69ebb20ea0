from django.urls import URLPattern

from opensend.insight.dashboard_views import urlpatterns as dashboard_urlpatterns
from opensend.insight.views import urlpatterns as view_patterns

app_name = "insight"

urlpatterns: list[URLPattern] = [*view_patterns, *dashboard_urlpatterns]
