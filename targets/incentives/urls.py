"""The commission pages, under /incentives/: plans and statements, and the recompute runs."""

from django.urls import URLPattern, path

from . import runs, views

app_name = "incentives"

urlpatterns: list[URLPattern] = [
    # The plan and statement pages.
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/copy/", views.plan_copy, name="plan_copy"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/export.<str:fmt>", views.statement_lines_export, name="statement_lines_export"),
    path("statements/totals.<str:fmt>", views.statement_totals_export, name="statement_totals_export"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/submit/", views.statement_submit, name="statement_submit"),
    path("statements/<int:pk>/return/", views.statement_return, name="statement_return"),
    path("statements/<int:pk>/approve/", views.statement_approve, name="statement_approve"),
    path("statements/<int:pk>/paid/", views.statement_mark_paid, name="statement_mark_paid"),
    # The recompute runs.
    path("plans/<int:pk>/recompute/", runs.recompute, name="plan_recompute"),
    path("runs/<int:pk>/", runs.run_page, name="run"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="run_progress"),
]
