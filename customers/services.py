"""Writes to customers: each function checks its rule, saves atomically and records history."""

import re
import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts.bounds import check_business_dates
from accounts.changes import figures_changed
from accounts.models import User
from accounts.services import RuleError

from .models import Commodity, Contact, Customer, CustomerCommodity, SatisfactionSurvey, TierChange

# Words that say what kind of company it is, not which one: "Rizhao Steel Co., Ltd." ~ "Rizhao Steel".
_COMPANY_WORDS = re.compile(
    r"\b(co|company|ltd|limited|inc|corp|corporation|llc|plc|gmbh|ag|sa|pte|pty|bhd|group|holdings?|"
    r"international|trading)\b"
)
_COMPANY_WORDS_ZH = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团|公司|控股|国际贸易|贸易)")

# A commodity and its estimated tonnes a year.
Volume = tuple[Commodity, int]


def name_key(name: str) -> str:
    """A company name reduced to what identifies it, for duplicate checks."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _COMPANY_WORDS_ZH.sub("", text)
    text = re.sub(r"[^\w\s]", " ", text)
    text = _COMPANY_WORDS.sub(" ", text)
    return " ".join(text.split())


@transaction.atomic
def customer_save(*, customer: Customer, volumes: list[Volume], primary_contact: Contact | None = None) -> Customer:
    """Save a customer with its commodities and estimated annual tonnes (and, when new, its first contact)."""
    customer.name_key = name_key(customer.name)
    customer.save()
    customer.commodity_volumes.exclude(commodity__in=[commodity for commodity, _tonnes in volumes]).delete()
    for commodity, tonnes in volumes:
        CustomerCommodity.objects.update_or_create(
            customer=customer, commodity=commodity, defaults={"estimated_annual_tonnes": tonnes}
        )
    if primary_contact is not None:
        primary_contact.customer = customer
        primary_contact.is_primary = True
        contact_save(contact=primary_contact)
    return customer


@transaction.atomic
def customers_create(*, entries: list[tuple[Customer, list[Volume], Contact | None]], by: User) -> list[Customer]:
    """Create new customers, each with its volumes and primary contact (an import's rows): what
    customer_save does for one, in a handful of queries for all. Their history records who created them."""
    customers = [customer for customer, _volumes, _contact in entries]
    for customer in customers:
        customer.name_key = name_key(customer.name)
    bulk_create_with_history(customers, Customer, default_user=by)  # sets each customer's pk
    CustomerCommodity.objects.bulk_create(
        CustomerCommodity(customer=customer, commodity=commodity, estimated_annual_tonnes=tonnes)
        for customer, volumes, _contact in entries for commodity, tonnes in volumes
    )
    contacts = []
    for customer, _volumes, contact in entries:
        if contact is not None:
            contact.customer, contact.is_primary = customer, True  # a new customer's only contact
            contacts.append(contact)
    bulk_create_with_history(contacts, Contact, default_user=by)
    return customers


@transaction.atomic
def contact_save(*, contact: Contact) -> Contact:
    """Save a contact; making it primary demotes the customer's previous primary contact."""
    if contact.is_primary:
        for previous in contact.customer.contacts.filter(is_primary=True).exclude(pk=contact.pk):
            previous.is_primary = False
            previous.save(update_fields=["is_primary"])  # through save(): the change is kept in history
    elif not contact.customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).exists():
        contact.is_primary = True  # a customer always has a primary contact once it has any
    contact.save()
    return contact


@transaction.atomic
def tier_set_by_hand(*, customer: Customer, tier: str, reason: str, by: User) -> None:
    """A manager pins a customer's tier; the monthly job leaves a pinned tier alone."""
    if not reason.strip():
        raise RuleError(_("Say why the tier is set by hand."))
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.tier != tier:
        TierChange.objects.create(customer=locked, from_tier=locked.tier, to_tier=tier, changed_by=by,
                                  reason_code=TierChange.ReasonCode.MANUAL, reason=reason)
    locked.tier, locked.tier_pinned, locked.tier_pin_reason = tier, True, reason
    locked._change_reason = reason
    locked.save(update_fields=["tier", "tier_pinned", "tier_pin_reason", "updated_at"])


@transaction.atomic
def tier_release(*, customer: Customer, by: User) -> None:
    """Hand the tier back to the monthly job."""
    Customer.objects.filter(pk=customer.pk).update(tier_pinned=False, tier_pin_reason="")


def survey_record(*, survey: SatisfactionSurvey, by: User) -> SatisfactionSurvey:
    check_business_dates(survey, "surveyed_on")
    if survey.contact is not None and survey.contact.customer_id != survey.customer_id:
        raise RuleError(_("The contact must be one of this customer's."))
    survey.recorded_by = by
    survey.save()
    figures_changed(days=[survey.surveyed_on], people=[survey.customer.owner_id])
    return survey

