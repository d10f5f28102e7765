"""The password reset form: the email rendered in the requester's language, sent by the worker."""

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader

from .. import security
from ..tasks import send_account_email


class QueuedPasswordResetForm(PasswordResetForm):
    """Renders the reset email in the requester's language; the worker delivers it. Requests beyond the
    throttle (per address and per client) send nothing, behind the same "email sent" page."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        request = kwargs.get("request")  # PasswordResetView passes it by name
        if request is not None and not security.password_reset_allowed(request, self.cleaned_data["email"]):
            return
        super().save(*args, **kwargs)

    def send_mail(self, subject_template_name: str, email_template_name: str, context: dict[str, Any],
                  from_email: str | None, to_email: str, html_email_template_name: str | None = None) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        transaction.on_commit(lambda: send_account_email.delay(subject=subject, body=body, to=to_email))
