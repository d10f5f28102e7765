"""Celery tasks of the organisation: thin wrappers that the worker runs."""

from celery import shared_task


@shared_task(acks_late=True)
def send_account_email(*, subject: str, body: str, to: str, html_body: str | None = None) -> None:
    # acks_late: a worker that dies mid-send leaves the message on the broker for another one.
    from .services import email_send

    email_send(subject=subject, body=body, to=to, html_body=html_body)


@shared_task
def purge_expired_sessions() -> int:
    from .services import sessions_purge_expired

    return sessions_purge_expired()
