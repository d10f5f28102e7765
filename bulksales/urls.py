"""Root URLs."""

from django.contrib import admin
from django.urls import include, path

from accounts.urls import auth_patterns, org_patterns, training_patterns
from accounts.views.profile import home
from customers.urls import complaint_patterns, customer_patterns
from pipeline.calendar_feeds.urls import calendar_feed_patterns
from pipeline.execution.urls import shipment_patterns
from pipeline.letters_of_credit.urls import letter_of_credit_patterns
from pipeline.receivables.export_urls import export_patterns as receivables_export_patterns
from pipeline.receivables.urls import receivable_patterns
from pipeline.urls import (
    activity_patterns,
    deal_patterns,
    laycan_patterns,
    reminder_patterns,
    research_patterns,
    search_patterns,
    settings_patterns,
)
from targets.urls import dashboard_patterns, scorecard_patterns, target_patterns

from . import views

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include(auth_patterns)),
    path("org/", include(org_patterns)),
    path("trainings/", include(training_patterns)),
    path("customers/", include(customer_patterns)),
    path("complaints/", include(complaint_patterns)),
    path("deals/laycans/", include(laycan_patterns)),
    path("deals/", include(deal_patterns)),
    path("shipments/", include(shipment_patterns)),
    path("letters-of-credit/", include(letter_of_credit_patterns)),
    path("calendar/", include(calendar_feed_patterns)),
    path("receivables/exports/", include(receivables_export_patterns)),
    path("receivables/", include(receivable_patterns)),
    path("pipeline/settings/", include(settings_patterns)),
    path("activities/", include(activity_patterns)),
    path("research/", include(research_patterns)),
    path("reminders/", include(reminder_patterns)),
    path("search/", include(search_patterns)),
    path("targets/", include(target_patterns)),
    path("dashboard/", include(dashboard_patterns)),
    path("scorecards/", include(scorecard_patterns)),
    path("incentives/", include("targets.incentives.urls")),
    path("coaching/", include("targets.coaching.urls")),
    path("api/", include("bulksales.api.urls")),
    path("admin/", admin.site.urls),
]

# 403 and 404 use Django's own views with templates/403.html and 404.html (the site's layout);
# the 500 page is static, see the view.
handler500 = "bulksales.views.server_error"
