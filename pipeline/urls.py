"""URLs of the pipeline app, in seven namespaces included from bulksales/urls.py: deals (the board, the
list, a deal's moves, amendments, transfers, split credit and cancelling), laycans, pipeline_settings,
activities, research, reminders and search (the search box's results, over both apps)."""

from django.urls import path

from .views import activities, calendar, deals, reminders, research, search, settings

deal_patterns = (
    [
        path("", deals.deal_board, name="board"),
        path("board/<slug:stage>/", deals.deal_board_column, name="board_column"),
        path("list/", deals.deal_list, name="list"),
        path("list/export.<str:fmt>", deals.deal_export, name="export"),
        path("new/", deals.deal_create, name="create"),
        path("<int:pk>/", deals.deal_detail, name="detail"),
        path("<int:pk>/edit/", deals.deal_edit, name="edit"),
        path("<int:pk>/move/", deals.deal_move, name="move"),
        path("<int:pk>/sign/", deals.deal_sign, name="sign"),
        path("<int:pk>/lose/", deals.deal_lose, name="lose"),
        path("<int:pk>/reopen/", deals.deal_reopen, name="reopen"),
        path("<int:pk>/amend/", deals.deal_amend, name="amend"),
        path("<int:pk>/transfer/", deals.deal_transfer, name="transfer"),
        path("<int:pk>/split/", deals.deal_split, name="split"),
        path("<int:pk>/cancel/", deals.deal_cancel, name="cancel"),
        path("amendments/<int:pk>/approve/", deals.amendment_decide, {"decision": "approve"},
             name="amendment_approve"),
        path("amendments/<int:pk>/reject/", deals.amendment_decide, {"decision": "reject"},
             name="amendment_reject"),
        path("customers/<int:pk>/transfer/", deals.customer_transfer, name="customer_transfer"),
    ],
    "deals",
)

# Included at /deals/laycans/, before the deal patterns.
laycan_patterns = (
    [
        path("", calendar.laycan_calendar, name="calendar"),
    ],
    "laycans",
)

# The director's lists, included at /pipeline/settings/.
settings_patterns = (
    [
        path("ports/", settings.port_list, name="ports"),
        path("ports/new/", settings.port_edit, name="port_create"),
        path("ports/<int:pk>/edit/", settings.port_edit, name="port_edit"),
        path("exchange-rates/", settings.rate_list, name="rates"),
        path("exchange-rates/new/", settings.rate_create, name="rate_create"),
        path("exchange-rates/repricings/<int:pk>/", settings.repricing_progress, name="repricing_progress"),
        path("lost-reasons/", settings.lost_reason_list, name="lost_reasons"),
        path("lost-reasons/new/", settings.lost_reason_edit, name="lost_reason_create"),
        path("lost-reasons/<int:pk>/edit/", settings.lost_reason_edit, name="lost_reason_edit"),
        path("specifications/", settings.specification_list, name="specifications"),
        path("specifications/new/", settings.specification_edit, name="specification_create"),
        path("specifications/<int:pk>/edit/", settings.specification_edit, name="specification_edit"),
    ],
    "pipeline_settings",
)

activity_patterns = (
    [
        path("", activities.activity_list, name="list"),
        path("new/", activities.activity_create, name="create"),
        path("<int:pk>/edit/", activities.activity_edit, name="edit"),
        path("<int:pk>/done/", activities.next_step_done, name="done"),
    ],
    "activities",
)

research_patterns = (
    [
        path("", research.research_list, name="list"),
        path("new/", research.research_create, name="create"),
        path("<int:pk>/", research.research_detail, name="detail"),
        path("<int:pk>/edit/", research.research_edit, name="edit"),
    ],
    "research",
)

reminder_patterns = (
    [
        path("", reminders.inbox, name="inbox"),
        path("bell/", reminders.bell, name="bell"),
        path("<int:pk>/done/", reminders.done, name="done"),
        path("<int:pk>/snooze/", reminders.snooze, name="snooze"),
        path("<int:pk>/reassign/", reminders.reassign, name="reassign"),
    ],
    "reminders",
)

# Included at /search/: the search box reads the customers app too, so it lives here (pipeline sees customers).
search_patterns = (
    [
        path("", search.results, name="results"),
    ],
    "search",
)
