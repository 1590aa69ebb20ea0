from django.urls import URLPattern

from opensend.pathways.views import urlpatterns as view_patterns

app_name = "pathways"

urlpatterns: list[URLPattern] = [*view_patterns]
