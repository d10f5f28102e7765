"""Letters of credit of `seed_demo --size large`: an L/C for each signed deal on L/C terms, in the status
its shipments put it in today, written in bulk as the regular demo's seeder writes them through the
services: expected until a month before the laycan, received after, each loaded cargo's documents
presented a few days after its B/L, then paid at sight or accepted and paid at the usance's maturity;
one presented cargo in forty is held up by a discrepancy still open."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bulksales.demo.bulk import next_id
from bulksales.demo.large.seed import LargeSeed
from bulksales.demo.letters_of_credit import (
    ADVISING_BANKS,
    DOCUMENTS,
    ISSUING_BANKS,
    OPEN,
    SHIPMENT_MARGIN,
    USANCE_DAYS,
    VALIDITY,
)
from customers.models import PaymentTerms
from pipeline.execution.models import Shipment
from pipeline.letters_of_credit.models import Discrepancy, LetterOfCredit, Presentation
from pipeline.models import Deal, Outcome

Status = LetterOfCredit.Status
DISCREPANT_ONE_IN = 40


def seed_letters_of_credit_large(seed: LargeSeed) -> None:
    rng = random.Random(20261215)
    today = seed.today
    deals = list(Deal.objects.filter(outcome=Outcome.WON, laycan_start__isnull=False, laycan_end__isnull=False,
                                     payment_terms__in=(PaymentTerms.LC_SIGHT, PaymentTerms.LC_USANCE))
                 .order_by("pk").values_list("pk", "owner_id", "payment_terms", "quantity_tonnes", "price_per_tonne",
                                             "currency", "tolerance_percent", "liftings", "laycan_start",
                                             "laycan_end", "customer__country"))
    if not deals:
        return
    loaded: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for shipment_id, deal_id, bl_date in (Shipment.objects.filter(deal__in=[deal[0] for deal in deals],
                                                                  bl_date__isnull=False)
                                          .order_by("deal", "number").values_list("pk", "deal", "bl_date")):
        if bl_date is not None:
            loaded[deal_id].append((shipment_id, bl_date))
    # The three contracts awaiting their cargo whose laycans open first call for each of the job's L/C
    # reminders: one still waits for its L/C, one's L/C expires in ten days, one's latest shipment date is
    # five days off.
    awaiting = sorted((deal for deal in deals if not loaded.get(deal[0]) and deal[9] and deal[9] >= today),
                      key=lambda deal: (deal[8], deal[0]))
    held_up = dict(zip([deal[0] for deal in awaiting], ("missing", "expiring", "shipment"), strict=False))
    letters, presentations, discrepancies = [], [], []
    letter_id, presentation_id = next_id(LetterOfCredit), next_id(Presentation)
    for (deal_id, owner, terms, quantity, price, currency, tolerance, liftings, laycan_start, laycan_end,
         country) in deals:
        assert laycan_start and laycan_end  # filtered above
        start: date = laycan_start
        end: date = laycan_end
        cargoes = loaded.get(deal_id, [])
        issued = start - timedelta(days=rng.randint(25, 40))
        if cargoes:  # issued before the first cargo is loaded, whatever its laycan
            issued = min(issued, cargoes[0][1] - timedelta(days=5))
        usance = terms == PaymentTerms.LC_USANCE
        bank, bic = rng.choice(ISSUING_BANKS.get(country, ISSUING_BANKS["CN"]))
        advising, advising_bic = rng.choice(ADVISING_BANKS)
        held = held_up.get(deal_id)
        if held in ("expiring", "shipment"):
            issued = min(issued, today - timedelta(days=3))
        received = issued <= today and held != "missing"
        latest_shipment, expiry = end + SHIPMENT_MARGIN, end + SHIPMENT_MARGIN + VALIDITY
        if held == "expiring":
            expiry = today + timedelta(days=10)
            latest_shipment = min(latest_shipment, expiry)
        elif held == "shipment":
            latest_shipment = today + timedelta(days=5)
            expiry = latest_shipment + VALIDITY
        status, accepted_on, paid_on = Status.RECEIVED if received else Status.EXPECTED, None, None
        presented_on = None
        for shipment_id, bl_date in cargoes:
            presented_on = min(bl_date + timedelta(days=rng.randint(4, 8)), today)
            presentations.append((presentation_id, letter_id, shipment_id, presented_on, DOCUMENTS, owner,
                                  datetime.combine(presented_on, time(16), tzinfo=seed.now.tzinfo)))
            presentation_id += 1
        if presented_on is not None:
            status = Status.PRESENTED
            if len(cargoes) == liftings and rng.randrange(DISCREPANT_ONE_IN) == 0:
                status = Status.DISCREPANT
                discrepancies.append((presentation_id - 1, OPEN, "", None, owner))
            elif len(cargoes) == liftings and presented_on + timedelta(days=5) <= today:
                accepted_on = presented_on + timedelta(days=rng.randint(2, 5))
                status = Status.ACCEPTED
                maturity = presented_on + timedelta(days=USANCE_DAYS) if usance else accepted_on
                if maturity <= today:
                    status, paid_on = Status.PAID, maturity
        letters.append((
            letter_id, deal_id, f"{bic[:4]}{issued:%y}LC{letter_id + 500000:07d}" if received else "", bank, bic,
            advising, advising_bic, "", "", (quantity * price).quantize(Decimal("0.01")), currency, tolerance,
            LetterOfCredit.Kind.USANCE if usance else LetterOfCredit.Kind.SIGHT, USANCE_DAYS if usance else None,
            issued if received else None, min(issued + timedelta(days=2), today) if received else None,
            latest_shipment, expiry, "中国 China", liftings > 1, DOCUMENTS, status,
            accepted_on, paid_on, owner))
        letter_id += 1
    seed.insert(LetterOfCredit, [
        "id", "deal", "number", "issuing_bank", "issuing_bank_bic", "advising_bank", "advising_bank_bic",
        "confirming_bank", "confirming_bank_bic", "amount", "currency", "tolerance_percent", "kind", "usance_days",
        "issued_on", "received_on", "latest_shipment_date", "expiry_date", "expiry_place", "partial_shipments_allowed",
        "documents", "status", "accepted_on", "paid_on", "created_by"], letters)
    seed.insert(Presentation, ["id", "letter_of_credit", "shipment", "presented_on", "documents", "recorded_by",
                               "recorded_at"], presentations)
    seed.insert(Discrepancy, ["presentation", "description", "resolution", "resolved_on", "recorded_by"],
                discrepancies)
    seed.analyze(LetterOfCredit, Presentation, Discrepancy)
