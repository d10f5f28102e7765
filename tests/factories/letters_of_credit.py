"""Factories for letters of credit: a coal contract on L/C at sight and its L/C as received."""

import datetime
from decimal import Decimal

from pipeline.letters_of_credit import services
from pipeline.letters_of_credit.models import Document, LetterOfCredit

from .execution import SignedDealFactory


class LCDealFactory(SignedDealFactory):
    """The worked coal contract on L/C at sight: 60,000 t +/- 10 % at 95.80 USD/t, laycan 1-10 March 2026."""

    payment_terms = "lc_sight"


def received_lc(deal, by, **terms) -> LetterOfCredit:
    """The contract's L/C as the bank issued it: 5,748,000.00 USD +/- 10 % at sight, latest shipment
    10 March, expiry 31 March 2026 in China, the usual documents; `terms` override any of these."""
    values = {
        "number": "LC-2026-0001", "issuing_bank": "Bank of China, Shanghai Branch", "issuing_bank_bic": "BKCHCNBJ300",
        "advising_bank": "Standard Chartered Bank Singapore", "advising_bank_bic": "SCBLSGSG",
        "amount": Decimal("5748000.00"), "currency": "USD", "tolerance_percent": Decimal(10),
        "issued_on": datetime.date(2026, 2, 10), "latest_shipment_date": datetime.date(2026, 3, 10),
        "expiry_date": datetime.date(2026, 3, 31), "expiry_place": "China",
        "documents": [Document.INVOICE, Document.BILL_OF_LADING, Document.QUALITY, Document.WEIGHT],
    } | terms
    return services.letter_of_credit_record(letter=LetterOfCredit(deal=deal, **values), by=by,
                                            received_on=datetime.date(2026, 2, 12))
