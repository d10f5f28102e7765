"""Reads of letters of credit: which a user sees and may record, and the warnings of a contract's L/Cs
from the pure checks, read in a fixed few queries however many L/Cs, amendments and presentations."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from customers.models import PaymentTerms
from pipeline import selectors as pipeline_selectors
from pipeline.execution.models import Shipment
from pipeline.execution.selectors import can_record_execution
from pipeline.models import Deal

from . import checks
from .models import Discrepancy, Document, LetterOfCredit, Presentation

LC_TERMS = (PaymentTerms.LC_SIGHT, PaymentTerms.LC_USANCE)


def letters_of_credit_visible_to(user: User) -> QuerySet[LetterOfCredit]:
    """An L/C is seen by whoever sees its contract."""
    return pipeline_selectors.of_visible_deals(user, LetterOfCredit.objects.all())


def can_record_letters_of_credit(user: User, deal: Deal) -> bool:
    """Who records a contract's L/Cs, amendments and presentations: those who record its shipments."""
    return can_record_execution(user, deal)


def on_lc_terms(deal: Deal) -> bool:
    return deal.payment_terms in LC_TERMS


def presentations_of(letters: list[LetterOfCredit]) -> list[Presentation]:
    """The presentations under these L/Cs with their discrepancies and shipments: two queries."""
    return list(Presentation.objects.filter(letter_of_credit__in=letters).select_related("shipment", "recorded_by")
                .prefetch_related(Prefetch("discrepancies", queryset=Discrepancy.objects.order_by("pk"))))


@dataclass
class CreditState:
    """One L/C as a page shows it: its shown status, warnings and presentations."""

    letter: LetterOfCredit
    status: str
    status_label: str
    warnings: list[checks.Warning] = field(default_factory=list)
    presentations: list[Presentation] = field(default_factory=list)
    unresolved: int = 0


def contract_credits(deal: Deal, letters: list[LetterOfCredit], shipments: list[Shipment],
                     presentations: list[Presentation], today: date) -> tuple[list[checks.Warning],
                                                                              list[CreditState]]:
    """The contract's coverage warnings, and each L/C's state with its own warnings."""
    _, most = checks.contract_value_range(deal.quantity_tonnes, deal.tolerance_percent, deal.price_per_tonne)
    coverage = checks.coverage_warning(contract_most=most, contract_currency=deal.currency, credits=[
        checks.Credit(letter.number, letter.amount, letter.tolerance_percent, letter.currency) for letter in letters])
    presented_under = {presentation.shipment_id: presentation.letter_of_credit_id for presentation in presentations}
    labels = {str(value): str(label) for value, label in Document.choices}
    states = []
    for letter in letters:
        own = [presentation for presentation in presentations if presentation.letter_of_credit_id == letter.pk]
        warnings = [found] if (found := checks.currency_warning(
            number=letter.number, currency=letter.currency, contract_currency=deal.currency)) else []
        for shipment in shipments:
            # A shipment presented under another of the contract's L/Cs is that L/C's to check.
            if presented_under.get(shipment.pk, letter.pk) != letter.pk:
                continue
            if found := checks.bl_date_warning(latest_shipment_date=letter.latest_shipment_date,
                                               shipment_number=shipment.number, bl_date=shipment.bl_date):
                warnings.append(found)
        if found := checks.partial_shipment_warning(partial_shipments_allowed=letter.partial_shipments_allowed,
                                                    liftings=deal.liftings):
            warnings.append(found)
        unresolved = 0
        for presentation in own:
            for found in (
                checks.presentation_warning(presented_on=presentation.presented_on,
                                            shipment_number=presentation.shipment.number,
                                            bl_date=presentation.shipment.bl_date,
                                            presentation_days=letter.presentation_days,
                                            expiry_date=letter.expiry_date),
                checks.missing_documents_warning(shipment_number=presentation.shipment.number,
                                                 required=letter.documents, presented=presentation.documents,
                                                 labels=labels),
            ):
                if found:
                    warnings.append(found)
            unresolved += sum(1 for each in presentation.discrepancies.all() if not each.resolution)
        status = letter.shown_status(today)
        states.append(CreditState(letter=letter, status=status, status_label=str(LetterOfCredit.Status(status).label),
                                  warnings=warnings, presentations=own, unresolved=unresolved))
    return [coverage] if coverage else [], states


def presentable_shipments(shipments: list[Shipment], presentations: list[Presentation]) -> list[Shipment]:
    """The contract's loaded shipments whose documents are not presented under any of its L/Cs yet."""
    presented = {presentation.shipment_id for presentation in presentations}
    return [shipment for shipment in shipments if shipment.bl_date is not None and shipment.pk not in presented]
