"""URLs of calendar feeds, in the "calendar_feeds" namespace included from bulksales/urls.py."""

from django.urls import path

from . import views

calendar_feed_patterns = (
    [
        path("<str:token>.ics", views.feed, name="feed"),
        path("feed/create/", views.issue, name="issue"),
        path("feed/revoke/", views.revoke, name="revoke"),
    ],
    "calendar_feeds",
)
