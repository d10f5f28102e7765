"""URLs of the deal pages."""

from django.urls import path

from . import deal_views as views

app_name = "deals"
urlpatterns = [
    path("", views.deal_board, name="board"),
    path("list/", views.deal_list, name="list"),
    path("list/export.<str:fmt>", views.deal_export, name="export"),
    path("new/", views.deal_create, name="create"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("<int:pk>/edit/", views.deal_edit, name="edit"),
    path("<int:pk>/move/", views.deal_move, name="move"),
    path("<int:pk>/sign/", views.deal_sign, name="sign"),
    path("<int:pk>/lose/", views.deal_lose, name="lose"),
    path("<int:pk>/reopen/", views.deal_reopen, name="reopen"),
    path("<int:pk>/amend/", views.deal_amend, name="amend"),
    path("<int:pk>/transfer/", views.deal_transfer, name="transfer"),
    path("amendments/<int:pk>/approve/", views.amendment_decide, {"decision": "approve"}, name="amendment_approve"),
    path("amendments/<int:pk>/reject/", views.amendment_decide, {"decision": "reject"}, name="amendment_reject"),
    path("customers/<int:pk>/transfer/", views.customer_transfer, name="customer_transfer"),
]
