"""URLs of the customers app: customers and contacts, tiers, complaints, surveys, import and export."""

from django.urls import path

from .views import complaints, customers, imports

customer_patterns = (
    [
        path("", customers.customer_list, name="list"),
        path("export.<str:fmt>", customers.customer_export, name="export"),
        path("new/", customers.customer_create, name="create"),
        path("import/", imports.customer_import, name="import"),
        path("import/<uuid:pk>/", imports.import_job, name="import_job"),
        path("import/<uuid:pk>/progress/", imports.import_job_progress, name="import_job_progress"),
        path("<int:pk>/", customers.customer_detail, name="detail"),
        path("<int:pk>/edit/", customers.customer_edit, name="edit"),
        path("<int:pk>/tier/", customers.customer_tier, name="tier"),
        path("<int:pk>/contacts/new/", customers.contact_edit, name="contact_create"),
        path("<int:pk>/contacts/<int:contact_pk>/edit/", customers.contact_edit, name="contact_edit"),
        path("<int:pk>/surveys/new/", customers.survey_create, name="survey_create"),
        path("tiers/", customers.tier_policy_list, name="tier_policies"),
        path("tiers/recompute/", customers.recompute_tiers_now, name="recompute_tiers"),
        path("tiers/<str:tier>/edit/", customers.tier_policy_edit, name="tier_policy_edit"),
        path("commodities/", customers.commodity_list, name="commodities"),
        path("commodities/new/", customers.commodity_edit, name="commodity_create"),
        path("commodities/<int:pk>/edit/", customers.commodity_edit, name="commodity_edit"),
        # A tab of the customer page (customers.panels): after the customer's other addresses, which it must not
        # take; a name that is no tab answers 404.
        path("<int:pk>/<slug:section>/", customers.customer_detail, name="section"),
    ],
    "customers",
)

complaint_patterns = (
    [
        path("", complaints.complaint_list, name="list"),
        path("new/", complaints.complaint_create, name="create"),
        path("<int:pk>/", complaints.complaint_detail, name="detail"),
        path("<int:pk>/status/", complaints.complaint_transition, name="transition"),
        path("<int:pk>/comment/", complaints.complaint_comment, name="comment"),
        path("<int:pk>/assign/", complaints.complaint_assign, name="assign"),
    ],
    "complaints",
)
