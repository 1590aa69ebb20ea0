"""The commissioning pages, mounted at ``/commissioning/``."""

from django.urls import URLPattern, path

from opensend.commissioning import gap_views, views

app_name = "commissioning"

urlpatterns: list[URLPattern] = [
    path("", views.CommissionListView.as_view(), name="list"),
    path("new/", views.CommissionFormView.as_view(), name="new"),
    path("<int:commission_id>/", views.CommissionView.as_view(), name="commission"),
    path("<int:commission_id>/edit/", views.CommissionFormView.as_view(), name="edit"),
    path("<int:commission_id>/ocds.json", views.CommissionOcdsView.as_view(), name="ocds"),
    path(
        "<int:commission_id>/decisions/new/", views.DecisionNewView.as_view(), name="decision-new"
    ),
    path(
        "<int:commission_id>/decisions/<int:decision_id>/agreements/new/",
        views.AgreementNewView.as_view(),
        name="agreement-new",
    ),
    path(
        "<int:commission_id>/evidence/<int:evidence_id>/",
        views.EvidenceDownloadView.as_view(),
        name="evidence",
    ),
    path("areas/<str:la_code>/ocds.json", views.AreaOcdsView.as_view(), name="area-ocds"),
    path("spot-purchases/", views.SpotPurchaseListView.as_view(), name="spot-purchases"),
    path("spot-purchases/new/", views.SpotPurchaseNewView.as_view(), name="spot-purchase-new"),
    *gap_views.urlpatterns,
]
