"""Recording a signed contract's execution: shipments within the contract, assays as facts, the
final value with its adjustment lines, suggested claims, laytime figures, and who may do it."""

import datetime
import importlib
from decimal import Decimal as D

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from accounts.services import RuleError
from customers.models import Complaint
from pipeline import services as deal_services
from pipeline.execution import selectors, services
from pipeline.execution.models import Assay, AssayResult, CargoClaim, LaytimeException, Shipment
from pipeline.forms.deals import AmendmentForm
from pipeline.models import Amendment, Deal, PortRole, QuantityBasis, SpecParameter

from .factories import SignedDealFactory
from .factories.execution import coal_nar_5500, iron_ore_fe_62

pytestmark = pytest.mark.django_db


@pytest.fixture
def coal(cast):
    """The worked example's coal contract: outturn basis, discharge assay final, 0.5 % allowance."""
    return SignedDealFactory(customer__owner=cast.rep, specification=coal_nar_5500(),
                             quantity_basis=QuantityBasis.OUTTURN, final_assay=PortRole.DISCHARGE)


def on_bl_basis(deal):
    """The contract valued on the B/L quantity, as a short-landing claim needs: on the outturn the buyer
    pays for the cargo as it arrived, so a shortage is no claim."""
    deal.quantity_basis = QuantityBasis.BL
    deal.save(update_fields=["quantity_basis"])
    return deal


def record(deal, by, **facts) -> Shipment:
    shipment = Shipment(deal=deal, vessel_name="Pacific Glory", imo="9074729", **facts)
    return services.shipment_save(shipment=shipment, by=by)


def assay(shipment, by, place, **values) -> Assay:
    parameters = {p.code: p for p in SpecParameter.objects.filter(specification=shipment.deal.specification)}
    return services.assay_record(shipment=shipment, place=place, laboratory="CCIC", certificate_number="Q-1",
                                 certificate_date=datetime.date(2026, 3, 12),
                                 results={parameters[code]: D(value) for code, value in values.items()}, by=by)


# --- Shipments within the contract ---------------------------------------------------------------


def test_shipments_are_numbered_in_turn_and_move_through_their_states(cast, coal):
    coal.liftings = 2
    coal.save()
    first = record(coal, cast.rep, bl_tonnes=D(30000), bl_date=datetime.date(2026, 3, 3))
    second = record(coal, cast.rep)
    assert (first.number, second.number) == (1, 2)
    assert first.state == Shipment.State.SAILING
    assert second.state == Shipment.State.NOMINATED
    assert Shipment(deal=coal).state == Shipment.State.AWAITING_NOMINATION


@pytest.mark.parametrize(("tonnes", "accepted"), [(D(54000), True), (D(66000), True), (D(53900), False),
                                                 (D(66100), False)])
def test_a_bl_outside_the_contracts_tolerance_is_refused_to_the_rep(cast, coal, tonnes, accepted):
    if accepted:
        assert record(coal, cast.rep, bl_tonnes=tonnes).bl_tonnes == tonnes
    else:
        with pytest.raises(RuleError, match="Only a manager can accept it"):
            record(coal, cast.rep, bl_tonnes=tonnes)
        assert not Shipment.objects.exists()


def test_a_manager_accepts_a_bl_outside_tolerance_only_with_a_reason(cast, coal):
    with pytest.raises(RuleError, match="say why you accept it"):
        record(coal, cast.manager, bl_tonnes=D(66100))
    shipment = services.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(66100)), by=cast.manager,
                                      acceptance_reason="Buyer agreed to take the extra 100 t")
    assert (shipment.bl_accepted_by, shipment.bl_acceptance_reason) == (cast.manager,
                                                                        "Buyer agreed to take the extra 100 t")


def test_each_of_several_liftings_is_held_to_its_share_of_the_contract(cast, coal):
    # 60,000 t in two liftings: 30,000 t +/- 10 % each, 27,000 to 33,000 t.
    coal.liftings = 2
    coal.save()
    record(coal, cast.rep, bl_tonnes=D(27000))
    with pytest.raises(RuleError, match=r"27,000 t to 33,000 t"):
        record(coal, cast.rep, bl_tonnes=D(33100))
    record(coal, cast.rep, bl_tonnes=D(33000))
    with pytest.raises(RuleError, match="lifted in 2 shipments"):
        record(coal, cast.rep)


def test_the_narrowed_laycan_lies_within_the_contracts(cast, coal):
    with pytest.raises(RuleError, match="within the contract's"):
        record(coal, cast.rep, laycan_start=datetime.date(2026, 2, 28), laycan_end=datetime.date(2026, 3, 5))
    assert record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3),
                  laycan_end=datetime.date(2026, 3, 6)).laycan_end == datetime.date(2026, 3, 6)


def test_a_laycan_with_one_date_is_that_day_and_an_open_contract_laycan_bounds_one_end():
    march = lambda day: datetime.date(2026, 3, day)  # noqa: E731
    assert not services.laycan_outside(march(3), march(6), march(1), march(10))
    assert not services.laycan_outside(march(1), march(10), march(1), march(10))  # the whole laycan
    assert services.laycan_outside(march(2), march(11), march(1), march(10))
    assert services.laycan_outside(march(12), None, march(1), march(10))  # 12 March alone ends after the 10th
    assert services.laycan_outside(None, march(1), march(2), march(10))  # 1 March alone begins before the 2nd
    assert not services.laycan_outside(march(25), None, march(20), None)  # no end agreed: only the start bounds
    assert not services.laycan_outside(None, None, march(1), march(10))  # not narrowed yet


def test_a_narrowed_laycan_of_one_date_after_the_contracts_is_refused(cast, coal):
    with pytest.raises(RuleError, match="within the contract's, 2026-03-01 to 2026-03-10"):
        record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 12))


def test_a_contract_laycan_open_at_one_end_is_named_by_its_other(cast, coal):
    coal.laycan_start = None
    coal.save(update_fields=["laycan_start"])
    with pytest.raises(RuleError, match=r"must not end after the contract's, 2026-03-10\.$"):
        record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 8), laycan_end=datetime.date(2026, 3, 12))
    coal.laycan_start, coal.laycan_end = datetime.date(2026, 3, 1), None
    coal.save(update_fields=["laycan_start", "laycan_end"])
    with pytest.raises(RuleError, match=r"must not begin before the contract's, 2026-03-01\.$"):
        record(coal, cast.rep, laycan_end=datetime.date(2026, 2, 27))
    assert record(coal, cast.rep, laycan_start=datetime.date(2026, 4, 2)).laycan_start == datetime.date(2026, 4, 2)


def amend(deal, by, **terms):
    proposed = Deal.objects.get(pk=deal.pk)
    for name, value in terms.items():
        setattr(proposed, name, value)
    return deal_services.amendment_request(deal=deal, proposed=proposed, reason="Buyer's vessel is late", by=by,
                                           expected_version=deal.version)


def test_an_amendment_cannot_leave_a_recorded_shipments_laycan_outside_the_contracts(cast, coal):
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 6))
    coal.refresh_from_db()
    with pytest.raises(RuleError, match="Shipment 1's laycan, .* lies outside the new contract laycan"):
        amend(coal, cast.rep, laycan_start=datetime.date(2026, 3, 5), laycan_end=datetime.date(2026, 3, 15))
    assert not Amendment.objects.exists()
    amend(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 15))
    assert Amendment.objects.get().changes["laycan_end"] == {"old": "2026-03-10", "new": "2026-03-15"}


def test_a_shipment_recorded_while_the_amendment_waits_holds_its_approval(cast, coal):
    amendment = amend(coal, cast.rep, laycan_start=datetime.date(2026, 3, 5), laycan_end=datetime.date(2026, 3, 15))
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 1), laycan_end=datetime.date(2026, 3, 4))
    with pytest.raises(RuleError, match="change the shipment's laycan first"):
        deal_services.amendment_approve(amendment=amendment, by=cast.manager)
    coal.refresh_from_db()
    amendment.refresh_from_db()
    assert (coal.laycan_start, coal.amended_at, amendment.status) == (datetime.date(2026, 3, 1), None,
                                                                      Amendment.Status.PENDING)


def test_an_amendment_cannot_leave_fewer_liftings_than_shipments_recorded(cast, coal):
    coal.liftings = 2
    coal.save()
    record(coal, cast.rep)
    record(coal, cast.rep)
    coal.refresh_from_db()
    with pytest.raises(RuleError, match="2 shipments recorded: it cannot be amended to fewer liftings"):
        amend(coal, cast.rep, liftings=1)
    assert amend(coal, cast.rep, liftings=3).changes == {"liftings": {"old": 2, "new": 3}}


def test_the_amendment_form_says_which_shipment_holds_it_in_the_users_language(client_as, cast, coal):
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 6))
    cast.rep.language = "zh-hans"
    cast.rep.save()
    coal.refresh_from_db()
    form = AmendmentForm(instance=coal)
    data = {name: form[name].value() or "" for name in form.fields} | {
        "laycan_start": "2026-03-05", "laycan_end": "2026-03-15", "reason": "买方船期推迟", "version": coal.version}
    page = client_as(cast.rep).post(reverse("deals:amend", args=[coal.pk]), data).content.decode()
    assert "第 1 批装运的受载期" in page and "change the shipment" not in page
    assert not Amendment.objects.exists()


def test_an_outturn_needs_its_bl_first(cast, coal):
    with pytest.raises(RuleError, match="B/L quantity before the outturn"):
        record(coal, cast.rep, outturn_tonnes=D(59640))


def test_only_the_owner_their_manager_or_a_director_record_a_shipment(cast, coal):
    coal.liftings = 3
    coal.save()
    for outsider in (cast.other_rep, cast.other_manager, cast.service, cast.marketing):
        with pytest.raises(RuleError):
            record(coal, outsider)
    for insider in (cast.rep, cast.manager, cast.director):
        record(coal, insider)
    assert coal.shipments.count() == 3


def test_an_open_deal_has_no_shipments(cast):
    deal = SignedDealFactory(customer__owner=cast.rep, outcome="open", stage="negotiation", contract_number="",
                             signed_on=None)
    with pytest.raises(RuleError, match="Only a signed contract"):
        record(deal, cast.rep)


def test_a_stale_form_does_not_overwrite_a_newer_shipment(cast, coal):
    shipment = record(coal, cast.rep)
    services.shipment_save(shipment=Shipment.objects.get(pk=shipment.pk), by=cast.rep,
                           expected_version=shipment.version)
    stale = Shipment.objects.get(pk=shipment.pk)
    stale.vessel_name = "Other"
    with pytest.raises(RuleError, match="Someone else changed this shipment"):
        services.shipment_save(shipment=stale, by=cast.rep, expected_version=1)


def test_shipments_are_seen_by_whoever_sees_the_contract(cast, coal):
    shipment = record(coal, cast.rep)
    for viewer in (cast.rep, cast.manager, cast.director):
        assert shipment in selectors.shipments_visible_to(viewer)
    for outsider in (cast.other_rep, cast.other_manager, cast.service, cast.marketing):
        assert shipment not in selectors.shipments_visible_to(outsider)


# --- Assays and the final value ------------------------------------------------------------------


def test_coal_discharged_at_5350_nar_is_worth_5557688_95_on_its_outturn(cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640),
                      discharge_arrived_at=timezone.now(), discharge_completed_at=timezone.now())
    assay(shipment, cast.rep, PortRole.LOAD, nar=5480, moisture=11)  # not the final one under these terms
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5350, moisture=12)
    worth = selectors.valuation(shipment)
    assert worth.quantity == D(59640)
    assert worth.adjusted.price_rounded == D("93.19")
    assert worth.value == D("5557688.95")
    assert worth.value_base == D("39459591.55")  # x 7.1, the rate at signing
    [line] = worth.adjusted.lines
    assert line.parameter == "nar" and line.change_rounded == D("-2.61")


def test_iron_ore_per_dry_tonne_is_worth_5407650_on_its_bl(cast):
    spec = iron_ore_fe_62()
    deal = SignedDealFactory(customer__owner=cast.rep, specification=spec, price_per_tonne=D(100),
                             commodity=spec.commodity)
    shipment = record(deal, cast.rep, bl_tonnes=D(60000))
    assay(shipment, cast.rep, PortRole.LOAD, fe="61.2", sio2="4.75", moisture="8.5")
    worth = selectors.valuation(shipment)
    assert (worth.wet_quantity, worth.quantity) == (D(60000), D(54900))
    assert worth.price == D("98.50")
    assert worth.value == D("5407650.00")


def test_an_ore_cargo_is_worth_its_dry_tonnes_until_its_final_assay(cast):
    """Its final assay at discharge: before it, the cargo is worth what its provisional invoice bills."""
    spec = iron_ore_fe_62()
    deal = SignedDealFactory(customer__owner=cast.rep, specification=spec, price_per_tonne=D(100),
                             commodity=spec.commodity, final_assay=PortRole.DISCHARGE)
    shipment = record(deal, cast.rep, bl_tonnes=D(60000))
    # Wet tonnes are not what the price applies to: no value until the load port's moisture is known.
    assert selectors.provisional_value(deal, selectors.valuation(shipment), selectors.load_port_moisture(shipment)) \
        is None
    assay(shipment, cast.rep, PortRole.LOAD, fe="61.2", sio2="4.75", moisture="8.5")
    worth = selectors.valuation(shipment)
    assert worth.value is None  # not final: the discharge assay is
    # 60,000 wmt x (1 - 0.085) = 54,900 dmt x 100.00 = 5,490,000.00.
    assert selectors.provisional_value(deal, worth, selectors.load_port_moisture(shipment)) == D("5490000.00")


def test_a_rejectable_assay_flags_the_cargo_and_has_no_value(cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    recorded = assay(shipment, cast.rep, PortRole.DISCHARGE, nar=4950)
    worth = selectors.valuation(shipment)
    assert worth.adjusted.rejected == ("nar",) and worth.value is None
    nar = recorded.results.get().parameter
    assert selectors.judge(nar, D(4950), worth.adjusted) == selectors.Judgement.REJECTABLE
    with pytest.raises(RuleError, match="rejectable"):
        services.shipment_finalise(shipment=shipment, by=cast.rep, expected_version=shipment.version)


def test_an_assay_is_corrected_only_by_a_new_one_with_a_reason(cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    wrong = assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5530)
    parameters = {p.code: p for p in SpecParameter.objects.filter(specification=coal.specification)}
    arguments = {"shipment": shipment, "place": PortRole.DISCHARGE, "laboratory": "CCIC", "certificate_number": "Q-2",
                 "certificate_date": datetime.date(2026, 3, 13), "results": {parameters["nar"]: D(5350)},
                 "by": cast.rep, "supersedes": wrong}
    with pytest.raises(RuleError, match="why the assay is corrected"):
        services.assay_record(**arguments)
    services.assay_record(**arguments, reason="Typing error on the certificate's transcription")
    assert selectors.final_assay(shipment).certificate_number == "Q-2"
    assert selectors.valuation(shipment).value == D("5557688.95")
    assert Assay.objects.filter(shipment=shipment).count() == 2  # the wrong one stays, superseded
    with pytest.raises(RuleError, match="Only a standing assay"):
        services.assay_record(**{**arguments, "certificate_number": "Q-3"}, reason="Again")


def test_an_assay_takes_only_the_contracts_own_parameters(cast, coal):
    shipment = record(coal, cast.rep)
    ore = iron_ore_fe_62().parameters.get(code="fe")
    with pytest.raises(RuleError, match="parameters of the contract's specification"):
        services.assay_record(shipment=shipment, place=PortRole.LOAD, laboratory="SGS", certificate_number="1",
                              certificate_date=datetime.date(2026, 3, 2), results={ore: D(62)}, by=cast.rep)


def test_the_final_value_once_confirmed_is_a_fact(cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5350)
    final = services.shipment_finalise(shipment=shipment, by=cast.rep, expected_version=shipment.version)
    assert (final.final_value, final.final_quantity, final.state) == (D("5557688.95"), D(59640), Shipment.State.FINAL)
    final.outturn_tonnes = D(59000)
    with pytest.raises(RuleError, match="final value is confirmed"):
        services.shipment_save(shipment=final, by=cast.rep, expected_version=final.version)
    with pytest.raises(RuleError, match="final value is confirmed"):
        assay(final, cast.rep, PortRole.DISCHARGE, nar=5500)
    execution = selectors.contract_execution(coal)
    assert (execution.lifted, execution.delivered_value) == (D(60000), D("5557688.95"))
    assert execution.open_balance == D(60000) * D("95.80") - D("5557688.95")


# --- Claims suggested by the figures ---------------------------------------------------------------


def test_a_short_landing_beyond_the_allowance_suggests_a_claim_of_5748(cast, coal):
    # No final assay yet: the claim is priced at the contract price, 60 t x 95.80.
    shipment = record(on_bl_basis(coal), cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    [suggestion] = selectors.suggested_claims(shipment)
    assert (suggestion.kind, suggestion.measured, suggestion.amount) == (CargoClaim.Kind.QUANTITY, D(360),
                                                                          D("5748.00"))
    complaint = services.claim_raise(shipment=shipment, suggestion=suggestion, assignee=cast.service,
                                     channel=Complaint.Channel.EMAIL, severity=Complaint.Severity.HIGH,
                                     received_at=timezone.now(), description="Short-landed 360 t", by=cast.service)
    assert (complaint.category, complaint.claimed_amount, complaint.claimed_currency) == (
        Complaint.Category.QUANTITY, D("5748.00"), "USD")
    assert complaint.cargo_claim.shipment == shipment
    assert selectors.suggested_claims(shipment) == []  # raised once


def test_a_cargo_valued_on_its_outturn_suggests_no_shortage_claim(cast, coal):
    # Paid for its 59,640 t as they arrived: the 360 t short cost the buyer nothing.
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    assert selectors.suggested_claims(shipment) == []
    assert selectors.claims_to_confirm(cast.service, coal.customer) == []


def test_an_off_spec_result_suggests_a_quality_claim_of_its_price_reduction(cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59800))  # within the allowance
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5350)
    [suggestion] = selectors.suggested_claims(shipment)
    # 59,800 t x 2.6127272... (95.80 - 93.1872727...) = 156,241.09
    assert (suggestion.kind, suggestion.parameter.code, suggestion.amount) == (CargoClaim.Kind.QUALITY, "nar",
                                                                                D("156241.09"))
    adjusted = selectors.valuation(shipment).adjusted
    assert selectors.judge(suggestion.parameter, D(5350), adjusted) == selectors.Judgement.OUT_OF_SPEC
    moisture = SpecParameter.objects.get(specification=coal.specification, code="moisture")
    assert selectors.judge(moisture, D(12), adjusted) == selectors.Judgement.IN_SPEC


def test_each_result_is_judged_off_spec_once_as_it_is_recorded(cast, coal):
    # NAR 5,350 is below the pro-rata basis (the price falls), moisture 16 % beyond its limit, 12 % within it;
    # NAR 5,600 is above the basis (the price rises: not off spec).
    shipment = record(coal, cast.rep, bl_tonnes=D(60000))
    first = assay(shipment, cast.rep, PortRole.LOAD, nar=5350, moisture=12)
    second = assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5600, moisture=16)
    judged = {(result.assay_id, result.parameter.code): result.off_spec
              for result in AssayResult.objects.filter(assay__shipment=shipment).select_related("parameter")}
    assert judged == {(first.pk, "nar"): True, (first.pk, "moisture"): False,
                      (second.pk, "nar"): False, (second.pk, "moisture"): True}
    # The stored judgement is the rule's: the same results, weighed again.
    assert set(AssayResult.objects.filter(selectors.off_spec_q()).values_list("pk", flat=True)) == set(
        AssayResult.objects.filter(off_spec=True).values_list("pk", flat=True))


def test_the_migration_judges_the_results_recorded_before_the_judgement_was_stored(cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000))
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5350, moisture=16)
    assay(shipment, cast.rep, PortRole.LOAD, nar=5600, moisture=12)
    judged = set(AssayResult.objects.filter(off_spec=True).values_list("pk", flat=True))
    AssayResult.objects.update(off_spec=False)  # as they stood before 0003
    migration = importlib.import_module("pipeline.execution.migrations.0003_assay_results_judged_once")
    migration.judge_recorded_results(django_apps, None)
    assert len(judged) == 2
    assert set(AssayResult.objects.filter(off_spec=True).values_list("pk", flat=True)) == judged


# --- Laytime --------------------------------------------------------------------------------------


def test_a_laytime_statement_with_a_holiday_computes_the_demurrage(cast, coal, settings):
    # The worked example B at the discharge port, in the site's time zone, with Thu 03-05 a holiday:
    # laytime runs out 24 h later (Thu 03-12 14:00); completed Thu 03-12 20:00: 6 h over = 3,750.00.
    shipment = record(coal, cast.rep, bl_tonnes=D(60000))
    local = timezone.get_current_timezone()

    def at(day, hour):
        return datetime.datetime(2026, 3, day, hour, tzinfo=local)

    statement = services.laytime_record(
        shipment=shipment, port_role=PortRole.DISCHARGE, notice_tendered_at=at(2, 8), completed_at=at(12, 20),
        exceptions=[LaytimeException(kind=LaytimeException.Kind.WEATHER, starts_at=at(4, 10), ends_at=at(4, 16)),
                    LaytimeException(kind=LaytimeException.Kind.HOLIDAY, starts_at=at(5, 0), ends_at=at(6, 0))],
        by=cast.rep)
    figures = selectors.statement_figures(statement)
    assert figures.allowed_hours == D(180)
    assert figures.excepted_hours == D(54)  # rain 6, the holiday 24, Sunday 24
    assert figures.expired_at == at(12, 14)
    assert figures.demurrage == D("3750.00")


def test_a_contract_with_shipments_is_not_moved_back_out_of_follow_up(cast, coal):
    from pipeline import services as pipeline_services
    from pipeline.models import Deal, Stage

    record(coal, cast.rep)
    with pytest.raises(RuleError, match="shipments recorded"):
        pipeline_services.deal_move(deal=coal, to_stage=Stage.NEGOTIATION, by=cast.rep, reason="L/C not opened",
                                    expected_version=coal.version)
    assert Deal.objects.get(pk=coal.pk).outcome == "won"


def test_the_deal_page_says_why_a_contract_with_shipments_is_not_moved(client_as, cast, coal):
    from django.urls import reverse

    url, move = reverse("deals:detail", args=[coal.pk]), f'action="{reverse("deals:move", args=[coal.pk])}"'
    assert move in client_as(cast.rep).get(url).content.decode()
    record(coal, cast.rep)
    page = client_as(cast.rep).get(url).content.decode()
    assert "it is being executed and cannot be moved back" in page
    assert move not in page
