"""What each shipment carries of its contract (its owner, second seller and whether it stands signed), copied by
triggers (migration 0007), checked against the contracts and copied again, for the operator's check beside the
pipeline's tallies (`manage.py pipeline_tally`, pipeline/tally.py). Only a write around the triggers can make a copy
drift (a trigger disabled, rows loaded before the triggers exist)."""

from django.db import transaction
from django.db.models import Case, F, Q, Value, When

from pipeline.models import Outcome
from pipeline.tally import Drift, Tally

from .models import Shipment


def contract_copies_drift() -> list[Drift]:
    """Each shipment whose copy differs from its contract, by key: (owner, second seller, signed) as kept and as
    the contract says. The comparison is the database's: only the shipments that differ are read."""
    signed = Q(deal__outcome=Outcome.WON)
    same = (Q(contract_owner=F("deal__owner"))
            & (Q(contract_second_seller=F("deal__co_seller"))
               | Q(contract_second_seller__isnull=True, deal__co_seller__isnull=True))
            & (Q(contract_signed=True) & signed | Q(contract_signed=False) & ~signed))
    rows = (Shipment.objects.alias(copied=Case(When(same, then=Value(True)), default=Value(False)))
            .filter(copied=False).order_by("pk")
            .values_list("pk", "contract_owner", "contract_second_seller", "contract_signed", "deal__owner",
                         "deal__co_seller", "deal__outcome"))
    return [Drift((pk,), (owner, second, signed), (deal_owner, deal_second, outcome == Outcome.WON))
            for pk, owner, second, signed, deal_owner, deal_second, outcome in rows]


def contract_copies_rewrite() -> list[Drift]:
    """Copy each drifted shipment's contract again (its contract's key written again: the triggers copy it);
    returns what had drifted. Run twice, the second finds none."""
    with transaction.atomic():
        drifted = contract_copies_drift()
        Shipment.objects.filter(pk__in=[drift.group[0] for drift in drifted]).update(deal=F("deal"))
    return drifted


def _shipment(drift: Drift) -> str:
    (pk,), kept, counted = drift
    return f"  shipment {pk}: carries owner {kept[0]}, second seller {kept[1]}, signed {kept[2]}; its contract " \
           f"{counted[0]}, {counted[1]}, {counted[2]}"


CONTRACT_COPIES = Tally("shipments' copy of their contracts", "contracts", contract_copies_drift,
                        contract_copies_rewrite, _shipment)
