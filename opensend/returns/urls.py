from django.urls import path

from opensend.returns import views

app_name = "returns"

urlpatterns = [
    path("census/", views.CensusUploadView.as_view(), name="census-upload"),
    path("census/history/", views.CensusHistoryView.as_view(), name="census-history"),
    path("census/<int:import_id>/", views.CensusImportView.as_view(), name="census-import"),
    path(
        "census/<int:import_id>/errors.csv",
        views.CensusErrorReportView.as_view(),
        name="census-errors",
    ),
]
