"""Where contract execution shows on the pages below it: each signed contract's state on the board's
follow-up cards and the deal's header, the vessels' narrowed laycans on the laycan calendar, and a
customer's cargo claims with its share of cargoes off spec; each scoped like the contract, and each at
a query count that does not grow with the data."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from customers import complaints
from customers.models import Complaint
from pipeline import services as pipeline_services
from pipeline.execution import selectors, services
from pipeline.execution.models import Shipment
from pipeline.models import LostReason, PortRole, QuantityBasis
from pipeline.views import calendar as calendar_view

from .factories import CustomerFactory, DealFactory, SignedDealFactory
from .queries import assert_queries_pinned, board_card_id_queries, planner_settings
from .test_execution_services import assay, coal, on_bl_basis  # noqa: F401 -- coal is a fixture

pytestmark = pytest.mark.django_db

SEE = ["director", "manager", "rep"]  # the contract's owner (the rep), their manager and the director
OUTSIDE = ["other_manager", "other_rep", "account_manager"]  # sellers who do not see the rep's contract

MARCH_2026 = "2026-03"  # SignedDealFactory's laycan: 1-10 March 2026


def text(response) -> str:
    return response.content.decode()


def chinese(user):
    user.language = "zh-hans"
    user.save()
    return user


def record(deal, by, **facts) -> Shipment:
    """A shipment recorded through the service, the vessel nominated unless `facts` say otherwise."""
    facts = {"vessel_name": "Pacific Glory", "imo": "9074729", **facts}
    return services.shipment_save(shipment=Shipment(deal=deal, **facts), by=by)


def finalise(shipment: Shipment) -> None:
    """The final value confirmed (what shipment_finalise stores), without the assays it needs."""
    Shipment.objects.filter(pk=shipment.pk).update(finalised_at=timezone.now())


def state_of(deal) -> str | None:
    return selectors.with_execution_state(type(deal).objects.filter(pk=deal.pk)).get().execution_state


# --- A contract's state -----------------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "expected"), [
    ({"vessel_name": "", "imo": ""}, Shipment.State.AWAITING_NOMINATION),
    ({}, Shipment.State.NOMINATED),
    ({"load_arrived_at": datetime.datetime(2026, 3, 2, 8, tzinfo=datetime.UTC)}, Shipment.State.LOADING),
    ({"bl_tonnes": D(60000)}, Shipment.State.SAILING),
    ({"bl_tonnes": D(60000), "outturn_tonnes": D(59800)}, Shipment.State.DISCHARGED),
    ({"bl_tonnes": D(60000), "discharge_arrived_at": datetime.datetime(2026, 3, 18, 8, tzinfo=datetime.UTC),
      "discharge_completed_at": datetime.datetime(2026, 3, 20, 8, tzinfo=datetime.UTC)}, Shipment.State.DISCHARGED),
])
def test_a_shipments_state_in_sql_is_its_state_from_the_facts(cast, coal, facts, expected):
    shipment = record(coal, cast.rep, **facts)
    assert shipment.state == expected
    assert Shipment.objects.annotate(code=selectors.state_sql()).get().code == expected
    finalise(shipment)
    assert Shipment.objects.annotate(code=selectors.state_sql()).get().code == Shipment.State.FINAL


def test_a_contracts_state_is_its_least_advanced_shipment_until_all_its_liftings_are_final(cast, coal):
    coal.liftings, coal.quantity_tonnes = 3, D(180000)
    coal.save()
    assert state_of(coal) == Shipment.State.AWAITING_NOMINATION  # no shipment yet
    first = record(coal, cast.rep, bl_tonnes=D(60000))
    assert state_of(coal) == Shipment.State.SAILING  # the next liftings are not yet due
    second = record(coal, cast.rep)
    assert state_of(coal) == Shipment.State.NOMINATED
    finalise(second)
    assert state_of(coal) == Shipment.State.SAILING
    finalise(first)
    assert state_of(coal) == Shipment.State.AWAITING_NOMINATION  # two of three lifted: the third to nominate
    finalise(record(coal, cast.rep))
    assert state_of(coal) == Shipment.State.FINAL
    assert state_of(DealFactory(customer=coal.customer)) is None  # not signed: no state


# --- The board and the deal page --------------------------------------------------------------------


@pytest.mark.parametrize("role", SEE + OUTSIDE)
def test_a_follow_up_card_shows_its_contracts_state_to_those_who_see_the_contract(client_as, cast, coal, role):
    record(coal, cast.rep, bl_tonnes=D(60000))
    response = client_as(cast.by_role(role)).get(reverse("deals:board"))
    [follow_up] = [column for column in response.context["columns"] if column["stage"] == "follow_up"]
    html = text(response)
    if role in SEE:
        assert [(deal.pk, deal.execution_state) for deal in follow_up["cards"]] == [(coal.pk, "sailing")]
        assert '<span class="visually-hidden">Contract execution: </span>Sailing</span>' in html
    else:
        assert follow_up["cards"] == [] and "Contract execution" not in html


def test_open_deals_cards_show_no_execution_state(client_as, cast, coal):
    DealFactory(customer=coal.customer, stage="negotiation")
    response = client_as(cast.rep).get(reverse("deals:board"))
    states = {deal.stage: deal.execution_state for column in response.context["columns"] for deal in column["cards"]}
    assert states == {"negotiation": None, "follow_up": "awaiting"}
    assert text(response).count("Contract execution: ") == 1


def test_each_card_shows_its_own_contracts_state_in_both_languages(client_as, cast, coal):
    """The board renders a state's badge once and gives it to every card in that state: each card still shows
    its own contract's."""
    record(coal, cast.rep, bl_tonnes=D(60000))  # sailing
    nominated = SignedDealFactory(customer=coal.customer, liftings=2)
    record(nominated, cast.rep)
    awaiting = SignedDealFactory(customer=coal.customer, liftings=2)
    also_sailing = SignedDealFactory(customer=coal.customer, liftings=2)
    record(also_sailing, cast.rep, bl_tonnes=D(30000))
    expected = {coal: ("Sailing", "航行中"), nominated: ("Nominated", "已指派"),
                awaiting: ("Awaiting nomination", "待指派船舶"), also_sailing: ("Sailing", "航行中")}
    for user, language in ((cast.rep, 0), (chinese(cast.manager), 1)):
        html = text(client_as(user).get(reverse("deals:board")))
        for deal, labels in expected.items():
            card = html.split(f'data-deal="{deal.pk}"')[1].split("</article>")[0]
            assert f'</span>{labels[language]}</span>' in card, (deal, labels[language])


def test_the_board_answers_a_move_with_the_states_too(client_as, cast, coal):
    deal = DealFactory(customer=coal.customer, stage="research")
    response = client_as(cast.rep).post(reverse("deals:move", args=[deal.pk]),
                                        {"to_stage": "development", "version": 1, "next": "board"},
                                        headers={"hx-request": "true"})
    assert "Contract execution: </span>Awaiting nomination" in text(response)


def test_the_board_costs_the_same_queries_however_many_contracts_and_shipments(client_as, cast, coal):
    record(coal, cast.rep)
    client = client_as(cast.manager)
    client.get(reverse("deals:board"))

    def grow():
        for index in range(4):
            deal = SignedDealFactory(customer=coal.customer, liftings=2)
            record(deal, cast.rep, bl_tonnes=D(30000))
            if index % 2:
                record(deal, cast.rep)

    # The same as without execution: the states are subqueries of the cards' query.
    queries = 6 + board_card_id_queries() + planner_settings()  # the cards planned as written
    first, second = assert_queries_pinned(queries, lambda: client.get(reverse("deals:board")), grow)
    assert text(second).count("Contract execution: ") == 5


def test_a_deal_read_alone_has_its_badges_read_after_it_and_only_the_ones_its_outcome_can_show(cast, coal):
    """A deal's page reads the deal, then its badges: a signed contract's state in one query more, an open deal's
    in none (only a signed contract has shipments)."""
    from pipeline.deal_panels import read_deal_badges

    record(coal, cast.rep, bl_tonnes=D(60000))
    open_deal = DealFactory(customer=coal.customer, stage="negotiation")
    with CaptureQueriesContext(connection) as signed_reads:
        read_deal_badges(coal)
    with CaptureQueriesContext(connection) as open_reads:
        read_deal_badges(open_deal)
    assert (coal.execution_state, len(signed_reads)) == ("sailing", 1)
    assert (open_deal.execution_state, len(open_reads)) == (None, 0)


def test_the_deal_pages_header_shows_the_contracts_state_in_both_languages(client_as, cast, coal):
    record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    url = reverse("deals:detail", args=[coal.pk])
    header = text(client_as(cast.rep).get(url)).split('<div class="page-header">')[1].split("</h1>")[1]
    assert "Contract execution: </span>Discharged" in header
    chinese_header = text(client_as(chinese(cast.manager)).get(url)).split('<div class="page-header">')[1]
    assert "合同执行: </span>已卸货" in chinese_header.split("</h1>")[1]
    open_deal = DealFactory(customer=coal.customer, stage="negotiation")
    assert "Contract execution: " not in text(client_as(cast.rep).get(reverse("deals:detail", args=[open_deal.pk])))


# --- The laycan calendar ----------------------------------------------------------------------------


def vessels(response) -> set[str]:
    return {str(bar.entry) for week in response.context["weeks"] for bar in week.bars if bar.entry}


@pytest.mark.parametrize("role", SEE + OUTSIDE)
def test_a_shipments_laycan_shows_on_the_calendar_to_those_who_see_the_contract(client_as, cast, coal, role):
    shipment = record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 5))
    response = client_as(cast.by_role(role)).get(reverse("laycans:calendar"), {"month": MARCH_2026})
    label = f"Pacific Glory — {coal.contract_number}/1"
    if role in SEE:
        assert vessels(response) == {label}
        html = text(response)
        assert reverse("shipments:detail", args=[shipment.pk]) in html
        assert "1 vessel" in html and label in html  # the bar
        assert '<strong>Pacific Glory — <span class="text-nowrap">' in html  # the phone's line
        [bar] = [bar for week in response.context["weeks"] for bar in week.bars if bar.entry]
        assert (bar.column, bar.span) == (2, 3)  # Tuesday 3 to Thursday 5 March
    else:
        assert vessels(response) == set()
        assert reverse("shipments:detail", args=[shipment.pk]) not in text(response)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_vessels_bar_says_whose_cargo_and_where_it_is_in_the_readers_language(client_as, cast, coal, language):
    """The bar's second line, read from the shipment's columns alone: the customer, the commodity and the cargo's
    state in the reader's words, as the shipment itself would say them."""
    nominated = record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 5))
    other = SignedDealFactory(customer=CustomerFactory(owner=cast.rep, short_name="Rizhao"))
    loading = record(other, cast.rep, vessel_name="", laycan_start=datetime.date(2026, 3, 6),
                     load_arrived_at=timezone.now())
    cast.rep.language = language
    cast.rep.save()
    response = client_as(cast.rep).get(reverse("laycans:calendar"), {"month": MARCH_2026})
    details = {bar.entry.url: (bar.entry.label, bar.entry.detail)
               for week in response.context["weeks"] for bar in week.bars if bar.entry}
    with translation.override(language):
        assert details == {reverse("shipments:detail", args=[shipment.pk]): (
            label, f"{shipment.deal.customer} · {shipment.deal.commodity} · {shipment.state.label}")
            for shipment, label in [(nominated, "Pacific Glory"), (loading, f"{other.contract_number}/1")]}
        assert "Rizhao · " in str(details)  # a customer's short name where it has one
        assert {nominated.state, loading.state} == {Shipment.State.NOMINATED, Shipment.State.LOADING}
    if language == "zh-hans":
        assert coal.commodity.name_zh in str(details)


def test_the_calendars_filters_narrow_the_vessels_like_the_contracts(client_as, cast, coal):
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 5))
    am_deal = SignedDealFactory(customer=CustomerFactory(owner=cast.account_manager))
    record(am_deal, cast.account_manager, vessel_name="Ocean Lily", laycan_start=datetime.date(2026, 3, 6))
    client = client_as(cast.manager)
    calendar = reverse("laycans:calendar")

    assert vessels(client.get(calendar, {"month": MARCH_2026})) == {
        f"Pacific Glory — {coal.contract_number}/1", f"Ocean Lily — {am_deal.contract_number}/1"}
    assert vessels(client.get(calendar, {"month": MARCH_2026, "owner": cast.rep.pk})) == {
        f"Pacific Glory — {coal.contract_number}/1"}
    assert vessels(client.get(calendar, {"month": "2026-04"})) == set()
    # A shipment without a narrowed laycan yet is not on the calendar: the contract's bar stands for it.
    assert {bar.deal.pk for week in client.get(calendar, {"month": MARCH_2026, "owner": cast.rep.pk})
            .context["weeks"] for bar in week.bars if bar.deal} == {coal.pk}


@pytest.mark.parametrize("role", [*SEE, *OUTSIDE])
def test_a_contracts_second_seller_and_their_manager_see_its_vessel_too(client_as, cast, role):
    """The second way a seller sees a contract, read apart from the owner's (execution.selectors.shipment_laycans_in):
    the other team's contract the rep co-sells shows its vessel to the rep and the rep's manager, as the contract
    itself; the other team sees it as the owner's."""
    co_sold = SignedDealFactory(customer=CustomerFactory(owner=cast.other_rep), co_seller=cast.rep,
                                co_seller_share=30)
    record(co_sold, cast.other_rep, vessel_name="Ocean Lily", laycan_start=datetime.date(2026, 3, 6))
    seen = {"director", "manager", "rep", "other_manager", "other_rep"}
    assert vessels(client_as(cast.by_role(role)).get(reverse("laycans:calendar"), {"month": MARCH_2026})) == (
        {f"Ocean Lily — {co_sold.contract_number}/1"} if role in seen else set())


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_a_filter_naming_someone_outside_shows_none_of_their_vessels(client_as, cast, coal, role):
    """The vessels are read for the deals the filters choose and narrowed to what the user sees by their own
    query: an owner or commodity in the address that the user does not see opens nothing of theirs."""
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 5))
    outside = SignedDealFactory(customer=CustomerFactory(owner=cast.other_rep))
    record(outside, cast.other_rep, vessel_name="Ocean Lily", laycan_start=datetime.date(2026, 3, 6))
    client, calendar = client_as(cast.by_role(role)), reverse("laycans:calendar")
    assert vessels(client.get(calendar, {"month": MARCH_2026, "owner": cast.other_rep.pk})) == {
        f"Pacific Glory — {coal.contract_number}/1"}  # not theirs to choose: the filter is left unset
    assert vessels(client.get(calendar, {"month": MARCH_2026, "commodity": outside.commodity_id})) == (
        {f"Pacific Glory — {coal.contract_number}/1"} if outside.commodity_id == coal.commodity_id else set())
    assert vessels(client_as(cast.other_rep).get(calendar, {"month": MARCH_2026, "owner": cast.other_rep.pk})) == {
        f"Ocean Lily — {outside.contract_number}/1"}


def test_a_cancelled_contracts_vessel_leaves_the_calendar_with_the_contract(client_as, cast, coal):
    """A contract cancelled before its cargo loaded (no B/L) will not load: its nominated vessel is no longer
    drawn, as the contract's own bar is not (the calendar draws signed contracts and deals in negotiation)."""
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 5))
    calendar = reverse("laycans:calendar")
    assert vessels(client_as(cast.manager).get(calendar, {"month": MARCH_2026})) == {
        f"Pacific Glory — {coal.contract_number}/1"}
    reason = LostReason.objects.create(name="Buyer withdrew", name_zh="买方撤回")
    coal.refresh_from_db()
    pipeline_services.deal_cancel(deal=coal, reason=reason, note="The buyer's import licence was refused",
                                  by=cast.manager, expected_version=coal.version)
    response = client_as(cast.manager).get(calendar, {"month": MARCH_2026})
    assert vessels(response) == set()
    assert coal.pk not in {bar.deal.pk for week in response.context["weeks"] for bar in week.bars if bar.deal}


def test_the_calendar_in_chinese_names_the_vessels(client_as, cast, coal):
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 5))
    html = text(client_as(chinese(cast.rep)).get(reverse("laycans:calendar"), {"month": MARCH_2026}))
    assert f"Pacific Glory — {coal.contract_number}/1" in html
    assert "船舶</span>" in html and "已指派" in html  # the legend, and the shipment's state in its line


def test_the_calendar_costs_the_same_queries_however_many_shipments(client_as, cast, coal, monkeypatch):
    monkeypatch.setattr(calendar_view, "LANES", 50)  # every bar drawn: sixteen start in the first week
    record(coal, cast.rep, laycan_start=datetime.date(2026, 3, 3), laycan_end=datetime.date(2026, 3, 5))
    client = client_as(cast.manager)
    calendar = reverse("laycans:calendar")
    client.get(calendar, {"month": MARCH_2026})

    def grow():
        for day in range(1, 6):
            deal = SignedDealFactory(customer=coal.customer, liftings=2)
            for _ in range(2):
                record(deal, cast.rep, laycan_start=datetime.date(2026, 3, day),
                       laycan_end=datetime.date(2026, 3, day + 2))

    # Two queries more than the contracts' calendar: the month's shipments' windows, and the drawn ones with their
    # contracts; and the contracts' in two: their windows (at most one past the most drawn, which tells whether
    # the month's laycans are few enough to draw: pipeline.views.calendar.MOST_DEALS_DRAWN), the drawn ones.
    first, second = assert_queries_pinned(9, lambda: client.get(calendar, {"month": MARCH_2026}), grow)
    assert len(vessels(first)) == 1 and len(vessels(second)) == 11


# --- The customer page's cargo claims ---------------------------------------------------------------


def raise_claim(shipment: Shipment, by) -> Complaint:
    [suggestion] = [each for each in selectors.suggested_claims(shipment)][:1]
    return services.claim_raise(shipment=shipment, suggestion=suggestion, assignee=by,
                                channel=Complaint.Channel.EMAIL, severity=Complaint.Severity.HIGH,
                                received_at=timezone.now(), description="On the cargo", by=by)


@pytest.fixture
def claims(cast, coal):
    """Three liftings of the coal contract, valued on the B/L: one short-landed and settled by a credit
    note, one off spec (NAR 5,350 at discharge) with its claim open, one in spec."""
    coal.liftings, coal.quantity_tonnes, coal.quantity_basis = 3, D(180000), QuantityBasis.BL
    coal.save()
    short = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    assay(short, cast.rep, PortRole.DISCHARGE, nar=5500, moisture=11)
    complaint = raise_claim(short, cast.service)
    complaints.complaint_transition(complaint=complaint, to_status=Complaint.Status.RESOLVED, by=cast.service,
                                    text="Credit note issued", settlement=Complaint.Settlement.CREDIT_NOTE,
                                    settled_amount=D("5000.00"))
    off_spec = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    assay(off_spec, cast.rep, PortRole.DISCHARGE, nar=5350, moisture=12)
    raise_claim(off_spec, cast.service)
    in_spec = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    assay(in_spec, cast.rep, PortRole.DISCHARGE, nar=5600, moisture=10)
    return coal


def customer_page(client, deal):
    """The customer page's service tab, where its cargo claims are."""
    return client.get(reverse("customers:section", args=[deal.customer_id, "service"]))


@pytest.mark.parametrize("role", SEE)
def test_the_customer_page_shows_its_cargo_claims_and_off_spec_share_to_sellers_who_see_them(client_as, cast, claims,
                                                                                            role):
    html = text(customer_page(client_as(cast.by_role(role)), claims))
    assert 'id="cargo-claims"' in html
    assert "1 of 3 assayed cargoes out of spec (33 %)" in html
    assert f"{claims.contract_number}/1</a> · Pacific Glory" in html  # linked: they see the shipment
    assert "Short-landing" in html and "Off-spec quality · Net calorific value (NAR)" in html
    assert "Credit note" in html and "5,000.00 USD" in html and "5,748.00 USD" in html
    assert "Open" in html.split('id="cargo-claims"')[1]  # the off-spec claim, not yet settled


def test_customer_service_sees_the_claims_but_not_the_cargo_it_has_no_contract_for(client_as, cast, claims):
    html = text(customer_page(client_as(cast.service), claims))
    panel = html.split('id="cargo-claims"')[1].split("</table>")[0]
    assert "Short-landing" in panel and "Credit note" in panel
    assert f"{claims.contract_number}/1 · Pacific Glory" in panel  # named, not linked
    assert reverse("shipments:detail", args=[claims.shipments.first().pk]) not in panel
    assert "assayed cargoes" not in panel  # the shipments are the contract's, which service does not see


@pytest.mark.parametrize("role", [*OUTSIDE, "marketing"])
def test_the_customer_page_and_its_claims_stay_closed_to_those_outside(client_as, cast, claims, role):
    assert customer_page(client_as(cast.by_role(role)), claims).status_code == 404


def test_a_customer_without_claims_or_assays_has_no_cargo_claims_panel(client_as, cast, coal):
    record(coal, cast.rep, bl_tonnes=D(60000))
    assert 'id="cargo-claims"' not in text(customer_page(client_as(cast.rep), coal))


def another_coal_contract(coal):
    """The same customer's second contract of the same grade (coal is lifted in one shipment)."""
    return SignedDealFactory(customer=coal.customer, owner=coal.owner, specification=coal.specification,
                             quantity_basis=QuantityBasis.OUTTURN, final_assay=PortRole.DISCHARGE)


def test_the_panel_looks_first_whether_the_customer_has_any_cargo_or_claim(cast, coal):
    assert selectors.cargo_on_record(coal.customer) == (False, False, False)
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    assert selectors.cargo_on_record(coal.customer) == (True, False, False)
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5500, moisture=12)
    assert selectors.cargo_on_record(coal.customer) == (True, False, False)  # assayed, in spec
    shipment = record(another_coal_contract(coal), cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5350, moisture=12)
    assert selectors.cargo_on_record(coal.customer) == (True, False, True)
    raise_claim(shipment, cast.service)
    assert selectors.cargo_on_record(coal.customer) == (True, True, True)
    assert selectors.cargo_on_record(CustomerFactory()) == (False, False, False)  # another customer's are not its


def test_with_no_result_off_spec_the_panel_does_not_look_for_results_to_claim(
        client_as, cast, coal, django_assert_num_queries):
    """The results to claim are the customer page's costliest question to plan: asked only when the customer's
    cargo has a result off spec, and a shortage to claim is offered either way."""
    shipment = record(on_bl_basis(coal), cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59000))
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5500, moisture=12)
    client = client_as(cast.rep)
    customer_page(client, coal)
    with CaptureQueriesContext(connection) as in_spec:
        panel = text(customer_page(client, coal)).split('id="cargo-claims"')[1]
    assert "1,000" in panel and "Record the complaint" in panel  # the shortage, beyond its allowance
    assert "0 of 1 assayed cargo out of spec" in panel
    assay(record(another_coal_contract(coal), cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000)), cast.rep,
          PortRole.DISCHARGE, nar=5350, moisture=12)
    with CaptureQueriesContext(connection) as off_spec:
        panel = text(customer_page(client, coal)).split('id="cargo-claims"')[1]
    assert "Net calorific value (NAR)" in panel  # the result to claim
    assert len(off_spec) == len(in_spec) + 1


def test_an_off_spec_cargo_with_no_claim_yet_shows_its_share_and_what_to_claim(client_as, cast, coal):
    assay(record(another_coal_contract(coal), cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000)), cast.rep,
          PortRole.DISCHARGE, nar=5350, moisture=12)
    panel = text(customer_page(client_as(cast.rep), coal)).split('id="cargo-claims"')[1]
    assert "1 of 1 assayed cargo out of spec (100 %)" in panel and "No cargo claim yet." in panel
    assert "Net calorific value (NAR)" in panel and "Record the complaint" in panel


def test_a_corrected_assay_counts_by_its_correction(cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    wrong = assay(shipment, cast.rep, PortRole.DISCHARGE, nar=4900, moisture=11)
    assert selectors.cargo_quality(cast.rep, coal.customer) == selectors.CargoQuality(1, 1, D(100))
    parameters = {result.parameter.code: result.parameter for result in wrong.results.all()}
    services.assay_record(shipment=shipment, place=PortRole.DISCHARGE, laboratory="CCIC", certificate_number="Q-2",
                          certificate_date=datetime.date(2026, 3, 13),
                          results={parameters["nar"]: D(5520), parameters["moisture"]: D(11)}, by=cast.rep,
                          supersedes=wrong, reason="Sample mislabelled")
    assert selectors.cargo_quality(cast.rep, coal.customer) == selectors.CargoQuality(1, 0, D(0))


def test_the_cargo_claims_panel_in_chinese(client_as, cast, claims):
    html = text(customer_page(client_as(chinese(cast.rep)), claims))
    panel = html.split('id="cargo-claims"')[1]
    assert "货物索赔" in panel and "索赔金额" in panel and "处理方式" in panel and "短重" in panel


def test_the_customer_page_costs_the_same_queries_however_many_claims_and_cargoes(client_as, cast, claims):
    client = client_as(cast.rep)
    customer_page(client, claims)

    def grow():
        deal = SignedDealFactory(customer=claims.customer, specification=claims.specification,
                                 quantity_basis=claims.quantity_basis, final_assay=claims.final_assay, liftings=2)
        for nar in (5300, 5200):
            shipment = record(deal, cast.rep, bl_tonnes=D(30000), outturn_tonnes=D(29000))
            assay(shipment, cast.rep, PortRole.DISCHARGE, nar=nar, moisture=11)
            raise_claim(shipment, cast.service)

    # The service tab's thirteen: the session, the user, the customer, the tabs' two flags (open complaints, an
    # overdue invoice), the panel's five (whether the customer has any cargo or claim, then the claims, the
    # cargoes' assays, the shortages and the off-spec results not claimed yet), the surveys, the bell and the
    # complaints; whether the rep may change their own customer takes no query (access.visible_user_ids).
    first, second = assert_queries_pinned(13, lambda: customer_page(client, claims), grow)
    assert "1 of 3 assayed cargoes" in text(first) and "3 of 5 assayed cargoes" in text(second)
