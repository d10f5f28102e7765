"""What a search text matches in the customers app's records: shared by the list filters and the search box
(pipeline/search.py), so "see all in the list" shows what the search box counted.

Each kind's fields are matched with icontains (a literal match: Django escapes % and _); on PostgreSQL the same
rows come from the kind's search document and its index (accounts.search_documents; the fields of each document
are those of the migrations named search_documents, and must stay the same as here)."""

from django.db.models import Exists, OuterRef, Q

from accounts.search_documents import document_contains

from .models import Commodity

# Longer texts are cut: nobody types more into a search box, and a trigram search's cost grows with it.
MAX_QUERY_LENGTH = 100


def cleaned(text: str | None) -> str:
    # Without control characters: nobody types them, PostgreSQL refuses NUL, and the search documents join
    # their fields with one (accounts.search_documents).
    printable = "".join(character for character in (text or "") if character >= " ")
    return printable.strip()[:MAX_QUERY_LENGTH].strip()


def commodity_matches(text: str) -> Q:
    """Commodities by their English or Chinese name: "coal" and "煤" both find thermal coal / 动力煤."""
    return Q(name__icontains=text) | Q(name_zh__icontains=text)


def customer_matches(text: str) -> Q:
    """A customer by its name, short name, registration number or a commodity it buys."""
    buys = Commodity.objects.filter(commodity_matches(text), customers=OuterRef("pk"))
    return document_contains(text, Q(name__icontains=text) | Q(short_name__icontains=text)
                             | Q(registration_number__icontains=text) | Q(Exists(buys)))


def contact_matches(text: str) -> Q:
    return document_contains(text, Q(name__icontains=text) | Q(mobile__icontains=text) | Q(email__icontains=text)
                             | Q(wechat_id__icontains=text))


def complaint_matches(text: str) -> Q:
    return document_contains(text, Q(description__icontains=text) | Q(contract_number__icontains=text)
                             | Q(customer__name__icontains=text) | Q(customer__short_name__icontains=text))
