"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulksales.settings")
application = get_wsgi_application()

# What is loaded now (Django, the apps, and through the URLs every view) lives as long as the worker: set it
# aside from the collector, whose full passes otherwise walked some 180,000 such objects again and again (about
# 1 ms a request on the board and 0.6 on the customer page, counted with `gc.callbacks`).
get_resolver().url_patterns  # noqa: B018  # imports the views
gc.freeze()
