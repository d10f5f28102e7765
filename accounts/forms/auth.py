"""The password reset form: the email rendered in the requester's language, sent by the worker."""

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.template import loader

from .. import security
from ..tasks import send_account_email


class QueuedPasswordResetForm(PasswordResetForm):
    """Renders the reset email in the requester's language; the worker delivers it. Requests beyond the
    throttle (per address and per client) send nothing, behind the same "email sent" page."""

    def save(self, *args, request=None, **kwargs):
        if request is not None and not security.password_reset_allowed(request, self.cleaned_data["email"]):
            return
        super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        transaction.on_commit(lambda: send_account_email.delay(subject=subject, body=body, to=to_email))
