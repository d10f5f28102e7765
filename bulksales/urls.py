"""Root URLs."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from accounts.urls import auth_patterns, org_patterns, training_patterns
from customers.urls import complaint_patterns, customer_patterns

from . import views

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include(auth_patterns)),
    path("org/", include(org_patterns)),
    path("trainings/", include(training_patterns)),
    path("customers/", include(customer_patterns)),
    path("complaints/", include(complaint_patterns)),
    path("deals/laycans/", include("pipeline.calendar_urls")),
    path("deals/", include("pipeline.deal_urls")),
    path("pipeline/settings/", include("pipeline.settings_urls")),
    path("activities/", include("pipeline.activity_urls")),
    path("research/", include("pipeline.research_urls")),
    path("reminders/", include("pipeline.reminder_urls")),
    path("targets/", include("targets.target_urls")),
    path("dashboard/", include("targets.dashboard_urls")),
    path("scorecards/", include("targets.scorecard_urls")),
    path("admin/", admin.site.urls),
]

# 403 and 404 use Django's own views with templates/403.html and 404.html (the site's layout);
# the 500 page is static, see the view.
handler500 = "bulksales.views.server_error"
