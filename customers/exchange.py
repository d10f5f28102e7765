"""The spreadsheet shape of a customer list, shared by export and import so that a file a team
exports can be edited and imported back."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.choices import display

from .models import Contact, Customer, CustomerCommodity

# The columns by their English names (the keys the import reads) and as the reader sees them.
COLUMN_LABELS = {
    "Name": pgettext_lazy("company", "Name"), "Short name": _("Short name"),
    "Registration number": _("Registration number"),
    "Country": _("Country"), "Province": _("Province"), "City": _("City"), "Address": _("Address"),
    "Kind": _("Kind"), "Status": _("Status"), "Lead source": _("Lead source"), "Payment terms": _("Payment terms"),
    "Owner": _("Owner"), "Commodities": _("Commodities"), "Contact name": _("Contact name"),
    "Contact title": _("Contact title"), "Contact mobile": _("Contact mobile"), "Contact email": _("Contact email"),
    "Contact WeChat": _("Contact WeChat"), "Tier": _("Tier"), "Last contacted": _("Last contacted"),
    "Notes": _("Notes"),
}
COLUMNS = list(COLUMN_LABELS)


def format_commodities(volumes: Iterable[CustomerCommodity]) -> str:
    """'Thermal coal: 120000; Iron ore fines: 50000' (estimated tonnes a year)."""
    return "; ".join(f"{volume.commodity.name}: {volume.estimated_annual_tonnes}" for volume in volumes)


def export_rows(customers: QuerySet[Customer]) -> tuple[list[str], list[list[str | date | None]]]:
    """The customers under the translated headers, choices as their labels (which the import reads
    back in either language); the owner by login, as the import takes it."""
    customers = customers.select_related("owner").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"),
        "commodity_volumes__commodity",
    )
    rows: list[list[str | date | None]] = []
    for customer in customers.iterator(chunk_size=2000):
        contact = customer.primary_contacts[0] if customer.primary_contacts else Contact()
        last = timezone.localdate(customer.last_contacted_at) if customer.last_contacted_at else None
        rows.append([
            customer.name, customer.short_name, customer.registration_number, str(customer.country), customer.province,
            customer.city, customer.address, display(customer, "kind"), display(customer, "status"),
            display(customer, "lead_source"), display(customer, "payment_terms"), customer.owner.username,
            format_commodities(customer.commodity_volumes.all()), contact.name, contact.title, contact.mobile,
            contact.email, contact.wechat_id, display(customer, "tier"), last, customer.notes,
        ])
    return [str(label) for label in COLUMN_LABELS.values()], rows
