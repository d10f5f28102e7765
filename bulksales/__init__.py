"""BulkSales project package: settings, Celery app, root URLs and cross-cutting views."""

from .celery import app as celery_app

__all__ = ("celery_app",)
