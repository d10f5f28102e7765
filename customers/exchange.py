"""The spreadsheet shape of a customer list, shared by export and import so that a file a team
exports can be edited and imported back."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Contact, Customer

# Column headers, in English whatever the user's language: they are a file format.
COLUMNS = [
    "Name", "Short name", "Registration number", "Country", "Province", "City", "Address", "Kind", "Status",
    "Lead source", "Payment terms", "Owner", "Commodities", "Contact name", "Contact title", "Contact mobile",
    "Contact email", "Contact WeChat", "Tier", "Last contacted", "Notes",
]


def format_commodities(volumes) -> str:
    """'Thermal coal: 120000; Iron ore fines: 50000' (estimated tonnes a year)."""
    return "; ".join(f"{volume.commodity.name}: {volume.estimated_annual_tonnes}" for volume in volumes)


def export_rows(customers: QuerySet[Customer]) -> tuple[list[str], list[list]]:
    customers = customers.select_related("owner").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"),
        "commodity_volumes__commodity",
    )
    rows = []
    for customer in customers.iterator(chunk_size=2000):
        contact = customer.primary_contacts[0] if customer.primary_contacts else Contact()
        last = timezone.localtime(customer.last_contacted_at).strftime("%Y-%m-%d") if customer.last_contacted_at else ""
        rows.append([
            customer.name, customer.short_name, customer.registration_number, str(customer.country), customer.province,
            customer.city, customer.address, customer.kind, customer.status, customer.lead_source,
            customer.payment_terms, customer.owner.username, format_commodities(customer.commodity_volumes.all()),
            contact.name, contact.title, contact.mobile, contact.email, contact.wechat_id, customer.tier, last,
            customer.notes,
        ])
    return COLUMNS, rows
