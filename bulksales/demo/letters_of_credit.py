"""Demo letters of credit for `seed_demo`: the L/Cs of the signed demo contracts on L/C terms, placed by
their laycans and B/Ls relative to today, all through the services: most presented and paid (a usance
L/C accepted and waiting for its maturity), some amended, two discrepant (one with a discrepancy waived
and one open), one expiring within the week with its documents not presented, one contract whose
L/C is still expected with its laycan near. Deterministic (fixed seed); the hourly job then finds
every L/C reminder."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from customers.models import PaymentTerms
from pipeline.execution.models import Shipment
from pipeline.letters_of_credit import services
from pipeline.letters_of_credit.models import Discrepancy, Document, LetterOfCredit
from pipeline.letters_of_credit.reminders import LC_NOTICE
from pipeline.models import Deal, Outcome
from pipeline.reminders import raise_reminders

# The buyer's bank, by the buyer's country (China unless named), with its SWIFT/BIC.
ISSUING_BANKS = {
    "CN": [("Bank of China, Shanghai Branch", "BKCHCNBJ300"), ("Industrial and Commercial Bank of China", "ICBKCNBJ"),
           ("China Construction Bank", "PCBCCNBJ"), ("Agricultural Bank of China", "ABOCCNBJ"),
           ("Bank of Communications", "COMMCNSH"), ("China Merchants Bank", "CMBCCNBS")],
    "KR": [("KEB Hana Bank", "KOEXKRSE")],
    "IN": [("State Bank of India", "SBININBB")],
    "ID": [("Bank Mandiri", "BMRIIDJA")],
    "VN": [("Vietcombank", "BFTVVNVX")],
    "JP": [("Mizuho Bank", "MHCBJPJT")],
}
# The seller's banks, which advise (and for a few buyers confirm) the L/C.
ADVISING_BANKS = [("Standard Chartered Bank (Hong Kong)", "SCBLHKHH"), ("HSBC Hong Kong", "HSBCHKHH"),
                  ("DBS Bank Singapore", "DBSSSGSG")]
DOCUMENTS: list[str] = [Document.INVOICE, Document.BILL_OF_LADING, Document.QUALITY, Document.WEIGHT, Document.ORIGIN]
USANCE_DAYS = 90
# The latest shipment date a few days after the laycan closes; the expiry 21 days after it.
SHIPMENT_MARGIN = timedelta(days=3)
VALIDITY = timedelta(days=21)
WAIVED = "提单缺少“已装船”批注 (B/L lacks the 'shipped on board' notation)"
OPEN = "发票货物描述与信用证不一致 (invoice describes the goods differently from the L/C)"
CORRECTED = "重量证书未签字 (certificate of weight not signed)"


@dataclass
class Contract:
    deal: Deal
    shipments: list[Shipment]

    @property
    def loaded(self) -> list[Shipment]:
        return [shipment for shipment in self.shipments if shipment.bl_date]

    @property
    def laycan_start(self) -> date:
        assert self.deal.laycan_start  # every signed demo deal has its laycan
        return self.deal.laycan_start

    @property
    def fully_loaded(self) -> bool:
        return len(self.loaded) == self.deal.liftings

    @property
    def last_bl(self) -> date:
        return max(shipment.bl_date for shipment in self.loaded if shipment.bl_date)


class Recorder:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng, self.today = rng, today
        self.numbers = 0

    def terms(self, deal: Deal, **changes) -> LetterOfCredit:
        """The L/C as the buyer's bank issues it for the contract: its value with its tolerance."""
        assert deal.laycan_start and deal.laycan_end
        bank, bic = self.rng.choice(ISSUING_BANKS.get(str(deal.customer.country), ISSUING_BANKS["CN"]))
        advising, advising_bic = self.rng.choice(ADVISING_BANKS)
        issued = deal.laycan_start - timedelta(days=self.rng.randint(25, 40))
        self.numbers += 1
        usance = deal.payment_terms == PaymentTerms.LC_USANCE
        values = {
            "number": f"{bic[:4]}{issued:%y}LC{self.numbers + 30000:06d}", "issuing_bank": bank,
            "issuing_bank_bic": bic, "advising_bank": advising, "advising_bank_bic": advising_bic,
            "amount": Decimal(deal.amount).quantize(Decimal("0.01")), "currency": deal.currency,
            "tolerance_percent": deal.tolerance_percent,
            "kind": LetterOfCredit.Kind.USANCE if usance else LetterOfCredit.Kind.SIGHT,
            "usance_days": USANCE_DAYS if usance else None, "issued_on": issued,
            "latest_shipment_date": deal.laycan_end + SHIPMENT_MARGIN,
            "expiry_date": deal.laycan_end + SHIPMENT_MARGIN + VALIDITY, "expiry_place": "中国 China",
            "partial_shipments_allowed": deal.liftings > 1, "documents": DOCUMENTS,
        } | changes
        return LetterOfCredit(deal=deal, **values)

    def receive(self, deal: Deal, **changes) -> LetterOfCredit:
        letter = self.terms(deal, **changes)
        assert letter.issued_on
        return services.letter_of_credit_record(letter=letter, by=deal.owner,
                                                received_on=min(letter.issued_on + timedelta(days=2), self.today))

    def amend(self, letter: LetterOfCredit, **terms) -> None:
        assert letter.received_on
        services.letter_of_credit_amend(letter=letter, terms=terms, by=letter.deal.owner,
                                        issued_on=min(letter.received_on + timedelta(days=10), self.today),
                                        note="应卖方要求展期 (extended at the seller's request)",
                                        expected_version=letter.version)
        letter.refresh_from_db()

    def present(self, letter: LetterOfCredit, contract: Contract, discrepancies: tuple[str, ...] = (),
                documents: list[str] = DOCUMENTS) -> date:
        """Present each loaded cargo's documents a few days after its B/L; the last presentation's day."""
        day = self.today
        for shipment in contract.loaded:
            assert shipment.bl_date
            day = min(shipment.bl_date + timedelta(days=self.rng.randint(4, 8)), self.today)
            services.presentation_record(letter=letter, shipment=shipment, presented_on=day, documents=documents,
                                         discrepancies=list(discrepancies), by=letter.deal.owner,
                                         expected_version=letter.version)
            letter.refresh_from_db()
        return day

    def resolve(self, letter: LetterOfCredit, description: str, resolution: str, day: date) -> None:
        discrepancy = Discrepancy.objects.get(presentation__letter_of_credit=letter, description=description)
        services.discrepancy_resolve(discrepancy=discrepancy, resolution=resolution, resolved_on=min(day, self.today),
                                     by=letter.deal.owner, expected_version=letter.version)
        letter.refresh_from_db()

    def settle(self, letter: LetterOfCredit, presented: date) -> None:
        """The bank accepts a few days after the presentation, and pays at sight or at maturity."""
        accepted = presented + timedelta(days=self.rng.randint(2, 5))
        if accepted > self.today:
            return
        owner = letter.deal.owner
        if letter.kind == LetterOfCredit.Kind.USANCE:
            services.letter_of_credit_accept(letter=letter, accepted_on=accepted, by=owner,
                                             expected_version=letter.version)
            letter.refresh_from_db()
            maturity = presented + timedelta(days=letter.usance_days or 0)
            if maturity <= self.today:
                services.letter_of_credit_paid(letter=letter, paid_on=maturity, by=owner,
                                               expected_version=letter.version)
            return
        services.letter_of_credit_paid(letter=letter, paid_on=accepted, by=owner, expected_version=letter.version)


def seed_letters_of_credit() -> None:
    if LetterOfCredit.objects.exists():
        return
    rng = random.Random(20261214)
    now = timezone.now()
    today = timezone.localdate(now)
    deals = (Deal.objects.filter(outcome=Outcome.WON, payment_terms__in=(PaymentTerms.LC_SIGHT, PaymentTerms.LC_USANCE),
                                 laycan_start__isnull=False, laycan_end__isnull=False)
             .select_related("owner", "customer")
             .prefetch_related(Prefetch("shipments", queryset=Shipment.objects.order_by("number"))).order_by("pk"))
    contracts = [Contract(deal, list(deal.shipments.all())) for deal in deals]
    recorder = Recorder(rng, today)
    loaded = sorted((contract for contract in contracts if contract.fully_loaded),
                    key=lambda contract: (contract.last_bl, contract.deal.pk), reverse=True)
    # The most recently loaded cargo's L/C expires within the week, its documents not presented; the next
    # three were discrepant: one still with a discrepancy waived and one open, one with one open, one
    # corrected and paid since.
    near_expiry, *discrepant = loaded[:4]
    waiting = [contract for contract in contracts if not contract.loaded]
    # The first contract whose laycan opens within the notice has its L/C still expected (the reminder's
    # case); of those further off, every other one is recorded as expected, the rest not at all yet.
    near = [contract for contract in waiting if today <= contract.laycan_start <= today + LC_NOTICE]
    expected = near[0] if near else None
    later = [contract for contract in waiting if contract.laycan_start > today + LC_NOTICE]
    for index, contract in enumerate(contracts):
        deal = contract.deal
        if contract is expected or contract in later:
            if contract is expected or deal.pk % 2:
                # Recorded as expected: the buyer's bank has not issued it yet.
                services.letter_of_credit_record(letter=recorder.terms(deal, number="", issued_on=None), by=deal.owner)
            continue
        assert deal.laycan_end
        if contract is near_expiry:
            recorder.receive(deal, latest_shipment_date=max(contract.last_bl, deal.laycan_end + SHIPMENT_MARGIN),
                             expiry_date=today + timedelta(days=5))
            continue
        if contract in discrepant:
            role = discrepant.index(contract)
            letter = recorder.receive(deal, tolerance_percent=Decimal(5) if role == 0 else deal.tolerance_percent)
            if role == 0:
                day = recorder.present(letter, contract, (WAIVED, OPEN), documents=DOCUMENTS[:-1])
                recorder.resolve(letter, WAIVED, Discrepancy.Resolution.WAIVED, day + timedelta(days=2))
            elif role == 1:
                recorder.present(letter, contract, (OPEN,))
            else:
                day = recorder.present(letter, contract, (CORRECTED,))
                recorder.resolve(letter, CORRECTED, Discrepancy.Resolution.CORRECTED, day + timedelta(days=3))
                recorder.settle(letter, day + timedelta(days=3))
            continue
        letter = recorder.receive(deal)
        assert letter.latest_shipment_date and letter.expiry_date
        if index % 4 == 1 and contract.fully_loaded or len(near) > 1 and contract is near[1]:
            # Extended: a later shipment date and expiry by the buyer's bank's amendment.
            recorder.amend(letter, latest_shipment_date=letter.latest_shipment_date + timedelta(days=10),
                           expiry_date=letter.expiry_date + timedelta(days=10))
        if contract.fully_loaded:
            recorder.settle(letter, recorder.present(letter, contract))
        elif contract.loaded:
            recorder.present(letter, contract)
    raise_reminders(now=now)  # the L/C reminders in the inbox on first sign-in
