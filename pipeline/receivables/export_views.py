"""Downloads of the receivables as CSV or Excel, through the safe export helper: each holds exactly what
the user sees (invoices_visible_to, payments_visible_to); for sellers only (403 for the others)."""

from collections.abc import Callable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts import access, exports, replica
from accounts.pages import AuthenticatedRequest

from .exports import Table, ageing_table, invoice_table, payment_table
from .selectors import invoices_visible_to, payments_visible_to


def _download(fmt: str, table: Callable[[], Table], *, title: Promise, name: str) -> HttpResponse:
    exports.format_or_404(fmt)
    headers, rows = table()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.export_response(rows, headers=headers, title=str(title), fmt=fmt, filename=f"{name}-{stamp}")


@access.sellers_only
@replica.heavy_read
def invoices_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    return _download(fmt, lambda: invoice_table(invoices_visible_to(request.user), timezone.localdate()),
                     title=_("Invoices"), name="invoices")


@access.sellers_only
@replica.heavy_read
def payments_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    return _download(fmt, lambda: payment_table(payments_visible_to(request.user)),
                     title=_("Payments received"), name="payments")


@access.sellers_only
@replica.heavy_read
def ageing_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    return _download(fmt, lambda: ageing_table(invoices_visible_to(request.user), timezone.localdate()),
                     title=_("Receivables ageing"), name="ageing")
