"""Celery tasks of the organisation: thin wrappers that the worker runs."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.utils import timezone


@shared_task(acks_late=True)
def send_account_email(*, subject: str, body: str, to: str, html_body: str | None = None) -> None:
    # acks_late: a worker that dies mid-send leaves the message on the broker for another one.
    send_mail(subject, body, None, [to], html_message=html_body)


@shared_task
def purge_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
