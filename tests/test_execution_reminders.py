"""The hourly job's reminders for a contract's execution: no vessel near the laycan, a B/L accepted
outside tolerance, an off-spec assay without a claim, demurrage accruing, a final value late. Each
goes away when its cause does, and a rerun adds nothing."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from customers.models import Complaint
from pipeline.execution import selectors, services
from pipeline.execution.models import Shipment
from pipeline.models import PortRole, QuantityBasis, Reminder, SpecParameter
from pipeline.reminders import raise_reminders

from .factories import SignedDealFactory
from .factories.execution import coal_nar_5500

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
NOW = datetime.datetime(2026, 3, 20, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def coal(cast):
    return SignedDealFactory(customer__owner=cast.rep, specification=coal_nar_5500(), liftings=2,
                             quantity_basis=QuantityBasis.OUTTURN, final_assay=PortRole.DISCHARGE)


def open_kinds(user) -> set[str]:
    return set(Reminder.objects.filter(recipient=user, done_at__isnull=True).values_list("kind", flat=True))


def test_a_signed_contract_without_a_vessel_ten_days_before_its_laycan_reminds_its_owner(cast, coal):
    raise_reminders(now=datetime.datetime(2026, 2, 18, 9, tzinfo=datetime.UTC))  # laycan 1 March: 11 days
    assert Kind.NOMINATION not in open_kinds(cast.rep)
    raise_reminders(now=datetime.datetime(2026, 2, 20, 9, tzinfo=datetime.UTC))
    assert Kind.NOMINATION in open_kinds(cast.rep)
    services.shipment_save(shipment=Shipment(deal=coal, vessel_name="Pacific Glory", imo="9074729"), by=cast.rep)
    raise_reminders(now=datetime.datetime(2026, 2, 20, 10, tzinfo=datetime.UTC))
    assert Kind.NOMINATION not in open_kinds(cast.rep)


def test_an_off_spec_assay_reminds_until_a_claim_is_raised(cast, coal):
    shipment = services.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(30000), outturn_tonnes=D(30000)),
                                      by=cast.rep)
    nar = SpecParameter.objects.get(specification=coal.specification, code="nar")
    services.assay_record(shipment=shipment, place=PortRole.DISCHARGE, laboratory="CCIC", certificate_number="1",
                          certificate_date=datetime.date(2026, 3, 12), results={nar: D(5350)}, by=cast.rep)
    assert raise_reminders(now=NOW) >= 1
    assert Kind.OFF_SPEC in open_kinds(cast.rep)
    rows = Reminder.objects.count()
    raise_reminders(now=NOW)
    assert Reminder.objects.count() == rows  # a rerun adds nothing
    [suggestion] = selectors.suggested_claims(shipment)
    services.claim_raise(shipment=shipment, suggestion=suggestion, assignee=cast.service,
                         channel=Complaint.Channel.EMAIL, severity=Complaint.Severity.HIGH,
                         received_at=NOW, description="NAR 5,350 against 5,500", by=cast.service)
    raise_reminders(now=NOW + datetime.timedelta(hours=1))
    assert Kind.OFF_SPEC not in open_kinds(cast.rep)


def test_an_in_spec_assay_raises_nothing(cast, coal):
    shipment = services.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(30000)), by=cast.rep)
    nar = SpecParameter.objects.get(specification=coal.specification, code="nar")
    services.assay_record(shipment=shipment, place=PortRole.DISCHARGE, laboratory="CCIC", certificate_number="1",
                          certificate_date=datetime.date(2026, 3, 12), results={nar: D(5520)}, by=cast.rep)
    raise_reminders(now=NOW)
    assert Kind.OFF_SPEC not in open_kinds(cast.rep)


def test_a_bl_accepted_outside_tolerance_reminds_until_the_value_is_final(cast, coal):
    shipment = services.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(34000), outturn_tonnes=D(34000)),
                                      by=cast.manager, acceptance_reason="Buyer takes the extra")
    raise_reminders(now=NOW)
    assert Kind.BL_TOLERANCE in open_kinds(cast.rep)
    nar = SpecParameter.objects.get(specification=coal.specification, code="nar")
    services.assay_record(shipment=shipment, place=PortRole.DISCHARGE, laboratory="CCIC", certificate_number="1",
                          certificate_date=datetime.date(2026, 3, 12), results={nar: D(5500)}, by=cast.rep)
    services.shipment_finalise(shipment=shipment, by=cast.rep, expected_version=shipment.version)
    raise_reminders(now=NOW + datetime.timedelta(hours=1))
    assert Kind.BL_TOLERANCE not in open_kinds(cast.rep)


def test_demurrage_accruing_on_a_vessel_still_working_reminds_its_owner(cast, coal):
    # 30,000 t at 8,000 t/day = 90 h allowed from Mon 2 March 20:00 (SHEX: Sunday the 8th excepted):
    # by Friday the 20th it has long run out.
    shipment = services.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(30000)), by=cast.rep)
    services.laytime_record(shipment=shipment, port_role=PortRole.DISCHARGE, completed_at=None,
                            notice_tendered_at=datetime.datetime(2026, 3, 2, 8, tzinfo=timezone.get_current_timezone()),
                            exceptions=[], by=cast.rep)
    raise_reminders(now=datetime.datetime(2026, 3, 4, 9, tzinfo=datetime.UTC))  # 37 h in: within laytime
    assert Kind.DEMURRAGE not in open_kinds(cast.rep)
    raise_reminders(now=NOW)
    assert Kind.DEMURRAGE in open_kinds(cast.rep)


def test_a_cargo_discharged_two_weeks_ago_without_a_final_value_reminds_its_owner(cast, coal):
    arrived = datetime.datetime(2026, 3, 1, 8, tzinfo=datetime.UTC)
    services.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(30000), outturn_tonnes=D(29900),
                                             discharge_arrived_at=arrived,
                                             discharge_completed_at=arrived + datetime.timedelta(days=4)),
                           by=cast.rep)
    raise_reminders(now=datetime.datetime(2026, 3, 18, 9, tzinfo=datetime.UTC))  # 13 days after discharge
    assert Kind.FINAL_VALUE not in open_kinds(cast.rep)
    raise_reminders(now=NOW)  # 15 days after
    assert Kind.FINAL_VALUE in open_kinds(cast.rep)


def test_a_claim_on_one_parameter_leaves_another_off_spec_result_to_remind_of(cast, coal):
    shipment = services.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(30000), outturn_tonnes=D(30000)),
                                      by=cast.rep)
    parameters = {p.code: p for p in SpecParameter.objects.filter(specification=coal.specification)}
    services.assay_record(shipment=shipment, place=PortRole.DISCHARGE, laboratory="CCIC", certificate_number="1",
                          certificate_date=datetime.date(2026, 3, 12), by=cast.rep,
                          results={parameters["nar"]: D(5350), parameters["moisture"]: D("15.5")})
    nar_claim = next(each for each in selectors.suggested_claims(shipment) if each.parameter == parameters["nar"])
    services.claim_raise(shipment=shipment, suggestion=nar_claim, assignee=cast.service,
                         channel=Complaint.Channel.EMAIL, severity=Complaint.Severity.HIGH,
                         received_at=NOW, description="NAR 5,350 against 5,500", by=cast.service)
    raise_reminders(now=NOW)
    assert Kind.OFF_SPEC in open_kinds(cast.rep)  # the moisture above 15 % is not claimed yet
