"""What is owed per due date (models.OwedTally, kept by triggers: migration 0004) checked against the open invoices
and written again from them, for the operator's check beside the pipeline's tallies (pipeline/tally.py)."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum

from pipeline.tally import CENT, Drift, Tally, groups_drifted, rewrite

from .models import Invoice, OwedTally


def _owed_kept() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {(due_on,): (invoices, Decimal(owed).quantize(CENT)) for due_on, invoices, owed
            in OwedTally.objects.exclude(invoices=0, owed_base=0).values_list("due_on", "invoices", "owed_base")}


def _owed_counted(places: Decimal = CENT) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = (Invoice.objects.filter(open_amount__gt=0).values_list("due_on").order_by()
            .annotate(invoices=Count("*"), owed=Sum(F("open_amount") * F("rate_to_base"),
                                                    output_field=OwedTally._meta.get_field("owed_base"))))
    return {(due_on,): (invoices, Decimal(owed).quantize(places)) for due_on, invoices, owed in rows}


def owed_tally_drift() -> list[Drift]:
    """Each due date whose tally differs from its open invoices (their count, their sum to the cent)."""
    return groups_drifted(_owed_kept(), _owed_counted(), (0, Decimal(0).quantize(CENT)))


def owed_tally_rebuild() -> list[Drift]:
    """Write what is owed per due date again from the open invoices (pipeline.tally `rewrite`), unrounded."""
    exact = Decimal(10) ** -OwedTally._meta.get_field("owed_base").decimal_places
    return rewrite(Invoice, owed_tally_drift, OwedTally, lambda: [
        OwedTally(due_on=due_on, invoices=invoices, owed_base=owed)
        for (due_on,), (invoices, owed) in _owed_counted(exact).items()])


def _due_date(drift: Drift) -> str:
    (due_on,), kept, counted = drift
    return f"  due {due_on}: tally {kept[0]} invoices {kept[1]}, invoices {counted[0]} {counted[1]}"


OWED_TALLY = Tally("owed tally", "open invoices", owed_tally_drift, owed_tally_rebuild, _due_date)
