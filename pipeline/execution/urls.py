"""URLs of contract execution, in the "shipments" namespace included from bulksales/urls.py."""

from django.urls import path

from . import views

shipment_patterns = (
    [
        path("contract/<int:pk>/new/", views.shipment_create, name="create"),
        path("<int:pk>/", views.shipment_detail, name="detail"),
        path("<int:pk>/assays/new/", views.assay_create, name="assay_create"),
        path("<int:pk>/finalise/", views.shipment_finalise, name="finalise"),
        path("<int:pk>/laytime/<str:port>/", views.laytime_edit, name="laytime"),
        path("<int:pk>/claim/", views.claim_create, name="claim"),
        path("<int:pk>/tie/<int:complaint_pk>/", views.claim_tie, name="tie"),
    ],
    "shipments",
)
