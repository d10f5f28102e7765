"""The spreadsheet shape of a deal list: what a sales director reads, in the reader's language."""

from django.conf import settings
from django.db.models import QuerySet
from django.utils.text import capfirst

from accounts.choices import display

from .models import Deal

# Model fields in the order of the file; each column is headed by its field's (translated) name.
FIELDS = [
    "customer", "owner", "commodity", "specification", "grade", "quantity_tonnes", "price_per_tonne", "currency",
    "amount", "amount_base", "incoterm", "load_port", "discharge_port", "laycan_start", "laycan_end", "stage",
    "outcome", "expected_signing_date", "contract_number", "signed_on", "co_seller", "co_seller_share",
]


def export_headers() -> list[str]:
    headers = [str(capfirst(Deal.own_field(name).verbose_name)) for name in FIELDS]
    headers[FIELDS.index("amount_base")] += f" ({settings.BASE_CURRENCY})"
    return headers


def export_rows(deals: QuerySet[Deal]) -> tuple[list[str], list[list[object]]]:
    """The deals (already scoped and filtered) as headers and rows: related records by name, choices
    by label, amounts and dates typed. One query, however many deals."""
    deals = deals.select_related("customer", "owner", "commodity", "specification", "load_port",
                                 "discharge_port", "co_seller")
    rows = [
        [
            deal.customer.name, str(deal.owner), str(deal.commodity),
            deal.specification and str(deal.specification), deal.grade, deal.quantity_tonnes,
            deal.price_per_tonne, deal.currency, deal.amount, deal.amount_base, display(deal, "incoterm"),
            deal.load_port and str(deal.load_port), deal.discharge_port and str(deal.discharge_port),
            deal.laycan_start, deal.laycan_end, display(deal, "stage"), display(deal, "outcome"),
            deal.expected_signing_date, deal.contract_number, deal.signed_on,
            deal.co_seller and str(deal.co_seller), deal.co_seller_share,
        ]
        for deal in deals.iterator(chunk_size=2000)
    ]
    return export_headers(), rows
