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
    path("sen2/", views.SEN2View.as_view(), name="sen2"),
    path("sen2/history/", views.SEN2HistoryView.as_view(), name="sen2-history"),
    path(
        "sen2/live-problems.csv",
        views.SEN2LiveProblemReportView.as_view(),
        name="sen2-live-problems",
    ),
    path("sen2/<int:return_id>/", views.SEN2ReturnView.as_view(), name="sen2-return"),
    path(
        "sen2/<int:return_id>/download.xml",
        views.SEN2DownloadView.as_view(),
        name="sen2-download",
    ),
    path(
        "sen2/<int:return_id>/problems.csv",
        views.SEN2ProblemReportView.as_view(),
        name="sen2-problems",
    ),
]
