"""The customer import page: upload and check a spreadsheet (a dry run), then confirm to save it."""

from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import access, exports
from accounts.pages import AuthenticatedRequest
from accounts.services import RuleError

from .. import import_jobs, importing, selectors
from ..exchange import COLUMNS
from ..forms.imports import UploadForm
from ..models import ImportJob

TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The results page lists every row with a problem, and the good rows up to this many.
GOOD_ROWS_SHOWN = 200


@access.sellers_only
def customer_import(request: AuthenticatedRequest) -> HttpResponse:
    """Upload: the file is kept and the worker checks it; the job's page shows the progress, then the report."""
    if "template" in request.GET:
        return _template_file(request, request.GET["template"])
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                job = import_jobs.import_job_start(owner=request.user, upload=form.cleaned_data["file"])
        except RuleError as error:
            form.add_error("file", str(error))
        else:
            return redirect("customers:import_job", pk=job.pk)
    return render(request, "customers/import.html", {"form": form, "columns": _column_guide()})


def _job_or_404(request: AuthenticatedRequest, pk: UUID) -> ImportJob:
    return get_object_or_404(selectors.import_jobs_of(request.user), pk=pk)


@access.sellers_only
def import_job(request: AuthenticatedRequest, pk: UUID) -> HttpResponse:
    """The job: its progress while the worker reads it, then the report and the buttons to import."""
    job = _job_or_404(request, pk)
    if request.method == "POST":
        return _confirm(request, job)
    if job.status == ImportJob.Status.FAILED:  # the file was refused: say why, and offer another upload
        form = UploadForm(data={}, files={})
        form.full_clean()
        form.errors["file"] = form.error_class([job.error])
        return render(request, "customers/import.html", {"form": form, "columns": _column_guide(), "job": job})
    if job.status == ImportJob.Status.DONE:
        messages.success(request, ngettext("%(count)d customer was imported.", "%(count)d customers were imported.",
                                           job.imported_count) % {"count": job.imported_count})
        return redirect("customers:list")
    return _results_page(request, job)


@access.sellers_only
def import_job_progress(request: AuthenticatedRequest, pk: UUID) -> HttpResponse:
    """The progress bar alone, which htmx polls every second; once the job is finished the page reloads."""
    job = _job_or_404(request, pk)
    response = render(request, "customers/_import_progress.html",
                      {"job": job, "progress": import_jobs.job_progress(job)})
    if job.status not in import_jobs.UNFINISHED:
        response["HX-Refresh"] = "true"
    return response


def _confirm(request: AuthenticatedRequest, job: ImportJob) -> HttpResponse:
    only_good = request.POST.get("mode") == "good"
    if only_good and not request.POST.get("confirm_only_good"):
        return _results_page(request, job, error=_("Tick the box to confirm that the rows with errors are left out."))
    try:
        import_jobs.import_job_confirm(job=job, by=request.user, only_good=only_good)
    except RuleError as error:
        if job.status in import_jobs.UNFINISHED or job.status == ImportJob.Status.DONE:  # a second click
            return redirect("customers:import_job", pk=job.pk)
        if job.status != ImportJob.Status.CHECKED:
            messages.error(request, str(error))
            return redirect("customers:import")
        return _results_page(request, job, error=str(error))
    return redirect("customers:import_job", pk=job.pk)


def _results_page(request: AuthenticatedRequest, job: ImportJob, *, error: str = "") -> HttpResponse:
    shown, good_shown = [], 0
    for entry in job.report:
        row = importing.ReportRow(**entry)
        if row.ok:
            good_shown += 1
            if good_shown > GOOD_ROWS_SHOWN:
                continue
        shown.append(row)
    return render(request, "customers/import.html", {
        "job": job, "progress": import_jobs.job_progress(job), "results": shown, "ignored": job.ignored_columns,
        "file_name": job.file_name, "error": error or job.error, "good_count": job.good_count,
        "bad_count": job.bad_count, "good_hidden": max(0, good_shown - GOOD_ROWS_SHOWN), "columns": _column_guide(),
        "finished": job.status == ImportJob.Status.CHECKED,
    })


def _template_file(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    # Through the one export helper, as every file the system hands out (choices as labels).
    return exports.export_response(importing.template_table(user=request.user), title=_("Customers"), fmt=fmt,
                                   filename="customers-import-template")


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
