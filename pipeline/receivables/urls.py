"""URLs of receivables, in the "receivables" namespace included from bulksales/urls.py."""

from django.urls import path

from . import views

receivable_patterns = (
    [
        path("invoices/<int:pk>/", views.invoice_detail, name="invoice"),
        path("invoices/<int:pk>/correct/", views.invoice_correct, name="correct"),
        path("shipments/<int:pk>/<str:kind>/", views.shipment_invoice, name="shipment_invoice"),
        path("contracts/<int:pk>/prepayment/", views.prepayment_invoice, name="prepayment"),
        path("complaints/<int:pk>/credit-note/", views.complaint_credit_note, name="claim_credit_note"),
        path("customers/<int:pk>/payments/new/", views.payment_create, name="payment_create"),
        path("payments/<int:pk>/", views.payment_detail, name="payment"),
    ],
    "receivables",
)
