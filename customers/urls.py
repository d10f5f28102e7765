"""URLs of the customers app: customers and contacts, tiers, complaints, surveys, import and export."""

from django.urls import path

from . import complaint_views, import_views, views

customer_patterns = (
    [
        path("", views.customer_list, name="list"),
        path("export.<str:fmt>", views.customer_export, name="export"),
        path("new/", views.customer_create, name="create"),
        path("import/", import_views.customer_import, name="import"),
        path("import/<uuid:pk>/", import_views.import_job, name="import_job"),
        path("import/<uuid:pk>/progress/", import_views.import_job_progress, name="import_job_progress"),
        path("<int:pk>/", views.customer_detail, name="detail"),
        path("<int:pk>/edit/", views.customer_edit, name="edit"),
        path("<int:pk>/tier/", views.customer_tier, name="tier"),
        path("<int:pk>/contacts/new/", views.contact_edit, name="contact_create"),
        path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
        path("<int:pk>/surveys/new/", views.survey_create, name="survey_create"),
        path("tiers/", views.tier_policy_list, name="tier_policies"),
        path("tiers/recompute/", views.recompute_tiers_now, name="recompute_tiers"),
        path("tiers/<str:tier>/edit/", views.tier_policy_edit, name="tier_policy_edit"),
        path("commodities/", views.commodity_list, name="commodities"),
        path("commodities/new/", views.commodity_edit, name="commodity_create"),
        path("commodities/<int:pk>/edit/", views.commodity_edit, name="commodity_edit"),
    ],
    "customers",
)

complaint_patterns = (
    [
        path("", complaint_views.complaint_list, name="list"),
        path("new/", complaint_views.complaint_create, name="create"),
        path("<int:pk>/", complaint_views.complaint_detail, name="detail"),
        path("<int:pk>/status/", complaint_views.complaint_transition, name="transition"),
        path("<int:pk>/comment/", complaint_views.complaint_comment, name="comment"),
        path("<int:pk>/assign/", complaint_views.complaint_assign, name="assign"),
    ],
    "complaints",
)
