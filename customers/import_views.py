"""The customer import page: upload and check a spreadsheet (a dry run), then confirm to save it."""

import base64
import secrets

from django import forms
from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.services import RuleError
from accounts.views import allowed_if

from . import importing, selectors
from .exchange import COLUMNS

# The checked file waits here, in the user's own session, between the dry run and the confirmation.
SESSION_KEY = "customer_import"
TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("CSV or Excel (.xlsx), up to 5,000 rows and 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


@allowed_if(selectors.can_add_customers)
def customer_import(request: HttpRequest) -> HttpResponse:
    if "template" in request.GET:
        return _template_file(request, request.GET["template"])
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    if request.method == "GET":
        request.session.pop(SESSION_KEY, None)  # a fresh start: don't carry an abandoned file on every request
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            results, ignored = _check(request, upload)
        except RuleError as error:
            form.add_error("file", str(error))
        else:
            token = secrets.token_urlsafe(16)
            request.session[SESSION_KEY] = {
                "token": token,
                "user": request.user.pk,
                "name": upload.name,
                "content": base64.b64encode(b"".join(upload.chunks())).decode("ascii"),
            }
            return _results_page(request, results, ignored, name=upload.name, token=token)
    return render(request, "customers/import.html", {"form": form, "columns": _column_guide()})


def _check(request: HttpRequest, upload) -> tuple[list[importing.RowResult], list[str]]:
    table = importing.read_table(upload)
    return importing.check_rows(table, user=request.user), table.ignored_columns


def _confirm(request: HttpRequest) -> HttpResponse:
    """Import the file kept from the dry run, after checking it again: the data may have changed since."""
    stored = request.session.get(SESSION_KEY)
    if (not stored or stored.get("user") != request.user.pk
            or not secrets.compare_digest(stored.get("token", ""), request.POST.get("token", ""))):
        messages.error(request, _("This check is out of date or was replaced by a newer one: upload the file again."))
        return redirect("customers:import")
    upload = ContentFile(base64.b64decode(stored["content"]), name=stored["name"])
    try:
        results, ignored = _check(request, upload)
    except RuleError as error:  # the rules for reading a file changed in between
        del request.session[SESSION_KEY]
        messages.error(request, str(error))
        return redirect("customers:import")
    only_good = request.POST.get("mode") == "good"
    if only_good and not request.POST.get("confirm_only_good"):
        error = _("Tick the box to confirm that the rows with errors are left out.")
    else:
        try:
            count = importing.import_rows(results, user=request.user, only_good=only_good)
        except RuleError as rule:
            error = str(rule)
        except IntegrityError:
            error = _("A customer with one of these registration numbers was saved meanwhile; nothing was "
                      "imported. Check the file again.")
        else:
            del request.session[SESSION_KEY]
            messages.success(request, ngettext("%(count)d customer was imported.", "%(count)d customers were imported.",
                                               count) % {"count": count})
            return redirect("customers:list")
    return _results_page(request, results, ignored, name=stored["name"], token=stored["token"], error=error)


def _results_page(request: HttpRequest, results, ignored, *, name: str, token: str, error: str = "") -> HttpResponse:
    good = sum(1 for row in results if row.ok)
    return render(request, "customers/import.html", {
        "results": results, "ignored": ignored, "file_name": name, "token": token, "error": error,
        "good_count": good, "bad_count": len(results) - good, "columns": _column_guide(),
    })


def _template_file(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    table = importing.template_table(user=request.user)
    # A byte-order mark lets Excel open Chinese text in CSV correctly (as the export does).
    content = "\ufeff" + table.export("csv") if fmt == "csv" else table.export("xlsx")
    response = HttpResponse(content, content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="customers-import-template.{fmt}"'
    return response


def _column_guide() -> list[tuple[str, str]]:
    """What each column of the file takes, for the help on the page."""
    labels = {column: ", ".join(str(label) for label in choices.labels)
              for column, choices in importing.CHOICE_COLUMNS.items()}
    guide = {
        "Name": _("Required. The company's full name."),
        "Registration number": _("Unified social credit code (18 characters) for a Chinese company; any "
                                 "registration number abroad. Must not exist already."),
        "Country": _("Two-letter code or name; China (CN) when empty."),
        "Kind": _("Required. One of: %(choices)s (or its code).") % {"choices": labels["Kind"]},
        "Status": _("One of: %(choices)s; Prospect when empty.") % {"choices": labels["Status"]},
        "Lead source": _("One of: %(choices)s.") % {"choices": labels["Lead source"]},
        "Payment terms": _("One of: %(choices)s.") % {"choices": labels["Payment terms"]},
        "Owner": _("Required. The username of the salesperson who owns the customer: you, or someone you manage."),
        "Commodities": _("Commodity and estimated tonnes a year, e.g. “Thermal coal: 120000; Iron ore fines: "
                         "50000”."),
        "Contact name": _("The primary contact, if any: a name and at least one of mobile, email or WeChat."),
        "Contact mobile": _("With the country code when abroad, e.g. +86 138 0013 8000."),
        "Tier": _("Ignored: the system computes it."),
        "Last contacted": _("Ignored: the system computes it."),
    }
    return [(column, guide.get(column, "")) for column in COLUMNS]
