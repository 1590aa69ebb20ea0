from django.urls import path

from opensend.returns import views

app_name = "returns"

urlpatterns = [
    path("census/", views.census_upload, name="census-upload"),
]
