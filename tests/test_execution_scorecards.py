"""Scorecards count the tonnes delivered (B/L tonnes lifted in the period) and the value of the cargo
claims received, per rep and team, in the base currency."""

import datetime
from decimal import Decimal as D

import pytest

from customers.models import Complaint
from pipeline.execution import selectors, services
from pipeline.execution.models import Shipment
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .factories import SignedDealFactory
from .factories.execution import coal_nar_5500

pytestmark = pytest.mark.django_db


def test_delivered_tonnes_and_claims_count_for_the_rep_and_the_team_of_the_quarter(cast):
    deal = SignedDealFactory(customer__owner=cast.rep, specification=coal_nar_5500(), liftings=2)
    first = services.shipment_save(shipment=Shipment(deal=deal, bl_tonnes=D(30000), bl_date=datetime.date(2026, 3, 3),
                                                     outturn_tonnes=D(29700)), by=cast.rep)
    # Lifted in the next quarter: not this one's.
    services.shipment_save(shipment=Shipment(deal=deal, bl_tonnes=D(31000), bl_date=datetime.date(2026, 4, 2)),
                           by=cast.rep)
    [short] = selectors.suggested_claims(first)  # 300 t short, 150 beyond 0.5 %: 150 x 95.80 = 14,370.00 USD
    services.claim_raise(shipment=first, suggestion=short, assignee=cast.service, channel=Complaint.Channel.EMAIL,
                         severity=Complaint.Severity.HIGH, description="Short-landed",
                         received_at=datetime.datetime(2026, 3, 20, 9, tzinfo=datetime.UTC), by=cast.rep)
    compute_scorecards(period="quarter", start=datetime.date(2026, 1, 1))
    rep = Scorecard.objects.get(subject="rep", subject_id=cast.rep.pk, period="quarter")
    assert rep.delivered_tonnage == D(30000)
    assert rep.claims_value == D("102027.00")  # 14,370.00 USD x 7.1
    team = Scorecard.objects.get(subject="team", subject_id=cast.rep.team_id, period="quarter")
    assert (team.delivered_tonnage, team.claims_value) == (D(30000), D("102027.00"))
    other = Scorecard.objects.get(subject="rep", subject_id=cast.other_rep.pk, period="quarter")
    assert (other.delivered_tonnage, other.claims_value) == (0, 0)
