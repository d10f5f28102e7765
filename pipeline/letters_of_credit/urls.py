"""URLs of letters of credit, in the "letters_of_credit" namespace included from bulksales/urls.py."""

from django.urls import path

from . import views

letter_of_credit_patterns = (
    [
        path("contract/<int:pk>/new/", views.letter_of_credit_create, name="create"),
        path("<int:pk>/", views.letter_of_credit_detail, name="detail"),
        path("<int:pk>/edit/", views.letter_of_credit_edit, name="edit"),
        path("<int:pk>/amend/", views.amendment_create, name="amend"),
        path("<int:pk>/present/", views.presentation_create, name="present"),
        path("<int:pk>/presentations/<int:presentation_pk>/discrepancy/", views.discrepancy_create,
             name="discrepancy"),
        path("<int:pk>/discrepancies/<int:discrepancy_pk>/resolve/", views.discrepancy_resolve, name="resolve"),
        path("<int:pk>/accept/", views.letter_of_credit_accept, name="accept"),
        path("<int:pk>/paid/", views.letter_of_credit_paid, name="paid"),
    ],
    "letters_of_credit",
)
