"""The receivables' exports, included from bulksales/urls.py under receivables/exports/ (namespace
receivables_exports), apart from the app's pages."""

from django.urls import path

from . import export_views

export_patterns = (
    [
        path("invoices.<str:fmt>", export_views.invoices_export, name="invoices"),
        path("payments.<str:fmt>", export_views.payments_export, name="payments"),
        path("ageing.<str:fmt>", export_views.ageing_export, name="ageing"),
    ],
    "receivables_exports",
)
