"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulksales.settings")
application = get_wsgi_application()

from bulksales.warm_up import warm_up  # noqa: E402  # once Django is set up

# What is loaded now (Django, the apps, and through the URLs every view) lives as long as the worker: set it
# aside from the collector, whose full passes otherwise walked some 180,000 such objects again and again (about
# 1 ms a request on the board and 0.6 on the customer page, counted with `gc.callbacks`).
get_resolver().url_patterns  # noqa: B018  # imports the views
warm_up()  # templates, catalogues and the like, so that no visitor's request pays for them
gc.freeze()
# A young collection every 10,000 new objects instead of 700: a page makes some 100,000 (its rows, querysets and
# template nodes), most freed with the request, and the collector's passes over them took 0.3-1.2 ms of each
# request (0.1-0.7 ms so; `gc.callbacks`, docs/benchmark.md 2026-12-04 late night). Cycles are still collected.
gc.set_threshold(10_000, 10, 10)
