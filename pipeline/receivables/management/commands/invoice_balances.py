"""Report the invoices whose stored balances (allocated, credited, open amount) differ from what their payments
and credit notes add up to, and with --repair recompute them (an operator's check: only a row written around the
services can drift)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pipeline.receivables.models import Invoice
from pipeline.receivables.selectors import balance_drift
from pipeline.receivables.services import invoice_balances_refresh

SHOWN = 20  # invoice numbers listed


class Command(BaseCommand):
    help = "Check every invoice's stored balances against its payments and credit notes; --repair recomputes them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Recompute the drifted balances.")

    def handle(self, *args: Any, **options: Any) -> None:
        drifted = list(balance_drift(Invoice.objects.all()).order_by("pk").values_list("pk", "number"))
        if not drifted:
            self.stdout.write("Every invoice's balances match its payments and credit notes.")
            return
        numbers = ", ".join(number for _pk, number in drifted[:SHOWN])
        more = f" and {len(drifted) - SHOWN} more" if len(drifted) > SHOWN else ""
        if not options["repair"]:
            raise CommandError(f"{len(drifted)} invoices' balances differ from their rows: {numbers}{more}. "
                               "Run with --repair to recompute them.")
        with transaction.atomic():
            invoice_balances_refresh(pk for pk, _number in drifted)
        self.stdout.write(f"Recomputed the balances of {len(drifted)} invoices: {numbers}{more}.")
