from django.urls import path

from opensend.people import views

app_name = "people"

urlpatterns = [
    path("", views.ChildSearchView.as_view(), name="search"),
    path("<int:child_id>/", views.ChildRecordView.as_view(), name="record"),
]
