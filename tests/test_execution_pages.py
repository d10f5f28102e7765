"""The shipment pages as each position sees them: scoped like the contract, the facts form with its
rules, assays turning into the final value's lines, claims raised from the figures, laytime, the
complaint's settlement, and query counts that do not grow with shipments and assays."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Complaint
from pipeline.execution import selectors, services
from pipeline.execution.models import CargoClaim, Shipment
from pipeline.models import PortRole, SpecParameter

from .factories import ComplaintFactory, SignedDealFactory
from .factories.execution import iron_ore_fe_62
from .queries import assert_queries_pinned, planner_settings
from .test_execution_services import assay, coal, on_bl_basis, record  # noqa: F401 -- coal is a fixture

pytestmark = pytest.mark.django_db

SEE = {"director", "manager", "rep"}
OUTSIDE = {"other_manager", "other_rep", "account_manager"}  # sellers who do not see the rep's contract
NOT_SELLERS = {"service", "marketing"}


def facts(shipment: Shipment, **changes) -> dict:
    """The facts form as the page fills it, with `changes`."""
    data = {"version": shipment.version, "vessel_name": shipment.vessel_name, "imo": shipment.imo}
    for name in ("bl_tonnes", "outturn_tonnes"):
        value = getattr(shipment, name)
        data[name] = "" if value is None else str(value)
    return {**data, **changes}


def chinese(user):
    user.language = "zh-hans"
    user.save()
    return user


def text(response) -> str:
    return response.content.decode()


# --- Who opens what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(SEE | OUTSIDE | NOT_SELLERS))
def test_every_shipment_page_opens_to_those_who_see_the_contract_only(client_as, cast, coal, role):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    urls = [reverse("shipments:detail", args=[shipment.pk]), reverse("shipments:create", args=[coal.pk]),
            reverse("shipments:assay_create", args=[shipment.pk]),
            reverse("shipments:laytime", args=[shipment.pk, "discharge"])]
    client = client_as(cast.by_role(role))
    expected = 200 if role in SEE else 404 if role in OUTSIDE else 403
    for url in urls:
        assert client.get(url).status_code == expected, url
        if role not in SEE:
            assert client.post(url).status_code == expected, url
    assert client.post(reverse("shipments:finalise", args=[shipment.pk])).status_code == (
        302 if role in SEE else expected)
    assert Shipment.objects.count() == 1 and not Complaint.objects.exists()


@pytest.mark.parametrize("role", sorted(SEE | OUTSIDE | NOT_SELLERS))
def test_a_suggested_claim_opens_to_those_who_see_the_contract_and_to_customer_service(client_as, cast, coal, role):
    on_bl_basis(coal)  # a shortage is claimed on a cargo valued on its B/L
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    url = reverse("shipments:claim", args=[shipment.pk]) + "?kind=quantity"
    client = client_as(cast.by_role(role))
    expected = 200 if role in SEE | {"service"} else 404 if role in OUTSIDE else 403
    assert client.get(url).status_code == expected
    if expected != 200:
        assert client.post(url).status_code == expected
    assert not Complaint.objects.exists()


def test_customer_service_confirms_a_claim_from_the_customers_page(client_as, cast, coal):
    on_bl_basis(coal)  # a shortage is claimed on a cargo valued on its B/L
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    client = client_as(cast.service)
    page = text(client.get(reverse("customers:section", args=[coal.customer_id, "service"])))
    claim_url = reverse("shipments:claim", args=[shipment.pk]) + "?kind=quantity"
    assert "The cargo figures call for these claims" in page and "short-landed 360 t" in page
    assert claim_url in page
    form = text(client.get(claim_url))
    assert "claimed 5,748.00 USD" in form
    # Its way back is the customer's page: customer service opens no contract.
    assert f'href="{reverse("customers:section", args=[coal.customer_id, "service"])}"' in form
    assert f'href="{reverse("shipments:detail", args=[shipment.pk])}"' not in form
    response = client.post(reverse("shipments:claim", args=[shipment.pk]), {
        "kind": "quantity", "assignee": cast.service.pk, "channel": "email", "severity": "high",
        "received_at": "2026-03-20T09:00", "description": "Short-landed 360 t at Qingdao"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.recorded_by, complaint.claimed_amount, complaint.cargo_claim.shipment) == (
        cast.service, D("5748.00"), shipment)
    page = text(client.get(reverse("customers:section", args=[coal.customer_id, "service"])))
    assert "The cargo figures call for these claims" not in page  # raised once


def test_the_deal_page_shows_the_shipments_panel_only_on_a_signed_contract(client_as, cast, coal):
    record(coal, cast.rep, bl_tonnes=D(60000), bl_date=datetime.date(2026, 3, 5), outturn_tonnes=D(59640))
    html = text(client_as(cast.rep).get(reverse("deals:detail", args=[coal.pk])))
    assert 'id="shipments"' in html and "Pacific Glory" in html and "IMO 9074729" in html
    assert "short 360 t (0.60 %)" in html
    assert "60,000 t / 60,000 t" in html and "54,000 to 66,000 t within tolerance" in html
    assert "5,713,512.00 USD" in html  # provisional: 59,640 t at the contract price, before the final assay
    assert "Add shipment" not in html  # one lifting, recorded
    open_deal = SignedDealFactory(customer__owner=cast.rep, outcome="open", stage="negotiation", contract_number="",
                                  signed_on=None)
    assert 'id="shipments"' not in text(client_as(cast.rep).get(reverse("deals:detail", args=[open_deal.pk])))


def test_an_ore_cargo_is_shown_at_its_dry_value_and_price_per_dmt(client_as, cast):
    spec = iron_ore_fe_62()
    deal = SignedDealFactory(customer__owner=cast.rep, specification=spec, price_per_tonne=D(100),
                             commodity=spec.commodity, final_assay=PortRole.DISCHARGE)
    shipment = record(deal, cast.rep, bl_tonnes=D(60000), bl_date=datetime.date(2026, 3, 5))
    assay(shipment, cast.rep, PortRole.LOAD, fe="61.2", sio2="4.75", moisture="8.5")
    client = client_as(cast.rep)
    for page in (reverse("deals:detail", args=[deal.pk]), reverse("shipments:detail", args=[shipment.pk])):
        assert "5,490,000.00 USD" in text(client.get(page))  # 54,900 dmt x 100.00, not 60,000 wet tonnes
    assay(shipment, cast.rep, PortRole.DISCHARGE, fe="61.2", sio2="4.75", moisture="8.5")
    html = text(client.get(reverse("deals:detail", args=[deal.pk])))
    assert "5,407,650.00 USD" in html and "-1.20 USD/dmt" in html and "-0.30 USD/dmt" in html
    assert "100.00 USD/dmt" in html  # the contract's price, in its terms


def test_who_may_only_look_gets_no_forms_and_403_on_every_change(client_as, cast, coal, monkeypatch):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    monkeypatch.setattr(selectors, "can_record_execution", lambda user, deal: False)
    client = client_as(cast.rep)
    html = text(client.get(reverse("shipments:detail", args=[shipment.pk])))
    assert 'name="vessel_name"' not in html and "Record assay" not in html and "Confirm final value" not in html
    for url in (reverse("shipments:detail", args=[shipment.pk]), reverse("shipments:assay_create", args=[shipment.pk]),
                reverse("shipments:finalise", args=[shipment.pk]), reverse("shipments:create", args=[coal.pk]),
                reverse("shipments:laytime", args=[shipment.pk, "load"])):
        assert client.post(url, facts(shipment, vessel_name="Other")).status_code == 403, url
    assert Shipment.objects.get().vessel_name == "Pacific Glory"


# --- The facts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_nomination_with_a_wrong_imo_check_digit_is_refused_on_the_form(client_as, cast, coal, language):
    rep = chinese(cast.rep) if language == "zh-hans" else cast.rep
    response = client_as(rep).post(reverse("shipments:create", args=[coal.pk]),
                                   {"vessel_name": "Pacific Glory", "imo": "IMO 9074728"})
    assert response.status_code == 200
    with translation.override(language):
        message = str(translation.gettext("This IMO number's check digit is wrong: please check it against the "
                                          "vessel's papers."))
    assert message.replace("'", "&#x27;") in text(response)
    assert f'lang="{language}"' in text(response)
    assert not Shipment.objects.exists()
    # Written as on the papers, the right number is taken.
    response = client_as(rep).post(reverse("shipments:create", args=[coal.pk]),
                                   {"vessel_name": "Pacific Glory", "imo": "IMO 9074729"})
    assert response.status_code == 302 and Shipment.objects.get().imo == "9074729"


def test_a_bl_outside_tolerance_is_refused_to_the_rep_and_accepted_by_the_manager_with_a_reason(client_as, cast,
                                                                                                  coal):
    shipment = record(coal, cast.rep)
    url = reverse("shipments:detail", args=[shipment.pk])
    page = text(client_as(cast.rep).get(url))
    assert "54,000 t to 66,000 t, Seller's option (MOLSO)" in page
    assert 'name="acceptance_reason"' not in page
    response = client_as(cast.rep).post(url, facts(shipment, bl_tonnes="66100", bl_date="2026-03-05"))
    assert "Only a manager can accept it, with a reason." in text(response)
    shipment.refresh_from_db()
    assert shipment.bl_tonnes is None
    manager = client_as(cast.manager)
    assert 'name="acceptance_reason"' in text(manager.get(url))
    response = manager.post(url, facts(shipment, bl_tonnes="66100", bl_date="2026-03-05"))
    assert "say why you accept it" in text(response)
    response = manager.post(url, facts(shipment, bl_tonnes="66100", bl_date="2026-03-05",
                                       acceptance_reason="Buyer takes the extra 100 t"))
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.bl_tonnes, shipment.bl_accepted_by, shipment.version) == (D(66100), cast.manager, 2)
    assert "Accepted outside tolerance by Manager A: Buyer takes the extra 100 t" in text(manager.get(url))


def test_a_stale_facts_form_is_refused_with_the_input_kept(client_as, cast, coal):
    shipment = record(coal, cast.rep)
    url = reverse("shipments:detail", args=[shipment.pk])
    client = client_as(cast.rep)
    assert client.post(url, facts(shipment, vessel_name="Ocean Star")).status_code == 302
    response = client.post(url, facts(shipment, vessel_name="Sea Breeze"))  # the version it saw is old
    assert "Someone else changed this shipment" in text(response) and 'value="Sea Breeze"' in text(response)
    assert Shipment.objects.get().vessel_name == "Ocean Star"


# --- Assays and the final value ---------------------------------------------------------------------


def test_an_assay_recorded_on_the_page_gives_the_final_value_lines(client_as, cast, coal, settings):
    settings.BASE_CURRENCY = "CNY"
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    nar = SpecParameter.objects.get(specification=coal.specification, code="nar")
    client = client_as(cast.rep)
    url = reverse("shipments:detail", args=[shipment.pk])
    assert f'name="result_{nar.pk}"' in text(client.get(url))
    response = client.post(reverse("shipments:assay_create", args=[shipment.pk]), {
        "place": "discharge", "laboratory": "CCIC", "certificate_number": "Q-1", "certificate_date": "2026-03-12",
        f"result_{nar.pk}": "5350"})
    assert response.status_code == 302
    html = text(client.get(url))
    assert "Contract price" in html and "95.80 USD/t" in html
    assert "Net calorific value (NAR) (kcal/kg) 5350" in html and "-2.61 USD/t" in html
    assert "93.19 USD/t" in html and "5,557,688.95 USD" in html and "39,459,591.55 CNY" in html
    assert "out of spec" in html
    response = client.post(reverse("shipments:finalise", args=[shipment.pk]), {"version": shipment.version})
    html = text(client.get(url))
    assert "The final value was confirmed" in html and "5,557,688.95 USD" in html
    assert 'name="vessel_name"' not in html and "Record assay" not in html and "Correct" not in html
    assert Shipment.objects.get().final_value == D("5557688.95")
    # The deal page shows the final value with each adjustment.
    deal_page = text(client.get(reverse("deals:detail", args=[coal.pk])))
    assert "5,557,688.95 USD" in deal_page
    assert "Net calorific value (NAR) (kcal/kg) 5,350: <span class=\"text-nowrap\">-2.61 USD/t" in deal_page


def test_a_standing_assay_is_corrected_by_a_new_one_with_a_reason(client_as, cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    wrong = assay(shipment, cast.rep, PortRole.DISCHARGE, nar=5530)
    nar = wrong.results.get().parameter
    client = client_as(cast.rep)
    url = reverse("shipments:assay_create", args=[shipment.pk]) + f"?corrects={wrong.pk}"
    assert 'value="5530.0000"' in text(client.get(url))
    data = {"corrects": wrong.pk, "place": "discharge", "laboratory": "CCIC", "certificate_number": "Q-2",
            "certificate_date": "2026-03-13", f"result_{nar.pk}": "5350"}
    assert "This field is required" in text(client.post(url, data))
    assert client.post(url, {**data, "reason": "Transcription error"}).status_code == 302
    assert selectors.final_assay(shipment).certificate_number == "Q-2"
    html = text(client.get(reverse("shipments:detail", args=[shipment.pk])))
    assert "Corrects an earlier certificate: Transcription error" in html and "Q-1" not in html


def test_a_rejectable_assay_is_flagged_and_not_confirmed(client_as, cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    assay(shipment, cast.rep, PortRole.DISCHARGE, nar=4950)
    html = text(client_as(cast.rep).get(reverse("shipments:detail", args=[shipment.pk])))
    assert "Rejectable: Net calorific value (NAR) (kcal/kg) beyond the specification" in html
    assert "Confirm final value" not in html


# --- Claims ------------------------------------------------------------------------------------------


def test_a_short_landing_suggests_a_prefilled_complaint_that_confirming_records(client_as, cast, coal):
    on_bl_basis(coal)  # a shortage is claimed on a cargo valued on its B/L
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    client = client_as(cast.rep)
    html = text(client.get(reverse("shipments:detail", args=[shipment.pk])))
    assert "Suggested complaint" in html
    assert "short 360.000 t (0.60 %); 60.000 t beyond the 0.5 % allowance, claimed 5,748.00 USD" in html
    claim_url = reverse("shipments:claim", args=[shipment.pk])
    form = client.get(claim_url + "?kind=quantity")
    assert "5,748.00 USD" in text(form) and "B/L 60,000.000 t, outturn 59,640.000 t" in text(form)
    response = client.post(claim_url, {"kind": "quantity", "assignee": cast.service.pk,
                                       "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                                       "channel": "email", "severity": "high",
                                       "description": form.context["form"].initial["description"]})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.claimed_amount, complaint.claimed_currency, complaint.category) == (D("5748.00"), "USD",
                                                                                          "quantity")
    assert complaint.cargo_claim.shipment == shipment
    # The complaint shows its cargo; customer service, who sees no contract, gets no link to it.
    html = text(client.get(reverse("complaints:detail", args=[complaint.pk])))
    assert "Cargo claim" in html and reverse("shipments:detail", args=[shipment.pk]) in html
    html = text(client_as(cast.service).get(reverse("complaints:detail", args=[complaint.pk])))
    assert "Cargo claim" in html and reverse("shipments:detail", args=[shipment.pk]) not in html
    # Raised once: the suggestion goes, the form answers with the shipment.
    client = client_as(cast.rep)
    assert "Suggested complaint" not in text(client.get(reverse("shipments:detail", args=[shipment.pk])))
    assert client.get(claim_url + "?kind=quantity").status_code == 302


def test_a_resolved_claim_records_its_settlement(client_as, cast):
    complaint = ComplaintFactory(customer__owner=cast.rep, assignee=cast.service, claimed_amount=D("5748.00"),
                                 claimed_currency="USD", status=Complaint.Status.INVESTIGATING)
    client = client_as(cast.service)
    url = reverse("complaints:transition", args=[complaint.pk])
    data = {"from_status": "investigating", "to_status": "resolved", "text": "Credit note issued",
            "settlement": "credit_note"}
    response = client.post(url, data)
    assert "Give the amount of the credit note or price discount." in text(response)
    assert client.post(url, {**data, "settled_amount": "5000"}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.settlement, complaint.settled_amount) == ("resolved", "credit_note",
                                                                                  D("5000.00"))
    html = text(client.get(reverse("complaints:detail", args=[complaint.pk])))
    assert "Settled by" in html and "Credit note · 5,000.00 USD" in html


# --- A complaint recorded by hand names its shipment -------------------------------------------------


def hand_recorded(deal, cast, **fields) -> Complaint:
    """A complaint customer service took on the phone, giving the contract but not the cargo."""
    values = {"customer": deal.customer, "assignee": cast.service, "category": Complaint.Category.QUANTITY,
              "contract_number": deal.contract_number, "description": "Short at Qingdao", **fields}
    return ComplaintFactory(**values)


def test_a_complaint_recorded_by_hand_is_tied_to_its_shipment_with_the_figures_prefilled(client_as, cast, coal):
    on_bl_basis(coal)  # a shortage is claimed on a cargo valued on its B/L
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), bl_date=datetime.date(2026, 3, 5), outturn_tonnes=D(59640))
    other = SignedDealFactory(customer=coal.customer, contract_number="CT-OTHER")
    record(other, cast.rep, bl_tonnes=D(60000), bl_date=datetime.date(2026, 4, 1))
    complaint = hand_recorded(coal, cast)
    client = client_as(cast.service)
    html = text(client.get(reverse("complaints:detail", args=[complaint.pk])))
    tie_url = reverse("shipments:tie", args=[shipment.pk, complaint.pk])
    assert "Which cargo is it about?" in html and "named in the complaint" in html
    # The contract the complaint names comes first, though the other cargo was loaded later.
    assert html.index(tie_url) < html.index("CT-OTHER / 1")
    form = client.get(tie_url)
    assert form.context["form"].initial == {"parameter": None, "measured": D(360), "claimed_amount": D("5748.00")}
    assert "Claimed amount (USD)" in text(form) and "360.000 t short (0.60 %)" in text(form)
    response = client.post(tie_url, {"measured": "360", "claimed_amount": "5748.00"})
    assert response.status_code == 302 and response.url == reverse("complaints:detail", args=[complaint.pk])
    claim = CargoClaim.objects.get()
    assert (claim.complaint, claim.shipment, claim.kind, claim.measured, claim.claimed_amount) == (
        complaint, shipment, "quantity", D(360), D("5748.00"))
    complaint.refresh_from_db()
    assert (complaint.claimed_amount, complaint.claimed_currency) == (D("5748.00"), "USD")  # it had none
    html = text(client.get(reverse("complaints:detail", args=[complaint.pk])))
    assert "Cargo claim" in html and "Which cargo is it about?" not in html
    # The shipment's shortage is claimed: it is suggested no more, to the rep or on the customer's page.
    assert "Suggested complaint" not in text(client_as(cast.rep).get(reverse("shipments:detail", args=[shipment.pk])))
    assert "The cargo figures call for these claims" not in text(
        client.get(reverse("customers:section", args=[coal.customer_id, "service"])))
    # Tied once: the page answers 403 after.
    assert client.get(tie_url).status_code == 403


def test_a_quality_complaint_names_the_parameter_and_keeps_the_customers_claimed_amount(client_as, cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(60000))
    assay(shipment, cast.rep, "discharge", nar="5350", moisture="14")
    complaint = hand_recorded(coal, cast, category=Complaint.Category.QUALITY, claimed_amount=D("150000.00"),
                              claimed_currency="USD")
    tie_url = reverse("shipments:tie", args=[shipment.pk, complaint.pk])
    client = client_as(chinese(cast.service))
    response = client.post(tie_url, {"measured": "5350", "claimed_amount": "150000"})
    assert "该字段是必填项。" in text(response) and not CargoClaim.objects.exists()  # the parameter
    form = client.get(tie_url).context["form"]
    nar = SpecParameter.objects.get(specification=coal.specification, code="nar")
    assert (form.initial["parameter"], form.initial["claimed_amount"]) == (nar, D("150000.00"))
    assert client.post(tie_url, {"parameter": nar.pk, "measured": "5350", "claimed_amount": "150000"}
                       ).status_code == 302
    claim = CargoClaim.objects.get()
    assert (claim.kind, claim.parameter, claim.measured, claim.claimed_amount) == ("quality", nar, D(5350),
                                                                                 D("150000.00"))


def test_a_shipment_whose_claim_is_raised_already_is_refused_with_the_complaint_it_is_on(client_as, cast, coal):
    on_bl_basis(coal)  # a shortage is claimed on a cargo valued on its B/L
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    [suggestion] = selectors.suggested_claims(shipment)
    first = services.claim_raise(shipment=shipment, suggestion=suggestion, assignee=cast.service, channel="email",
                                 severity="high", received_at=timezone.now(), description="Short", by=cast.rep)
    complaint = hand_recorded(coal, cast)
    response = client_as(cast.service).post(reverse("shipments:tie", args=[shipment.pk, complaint.pk]),
                                            {"measured": "360", "claimed_amount": "5748"})
    assert f"This cargo&#x27;s claim is raised already, on complaint #{first.pk}." in text(response)
    assert CargoClaim.objects.count() == 1


@pytest.mark.parametrize("role", sorted(SEE | OUTSIDE | NOT_SELLERS))
def test_tying_opens_to_whoever_records_complaints_and_sees_both(client_as, cast, coal, role):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    complaint = hand_recorded(coal, cast)
    url = reverse("shipments:tie", args=[shipment.pk, complaint.pk])
    client = client_as(cast.by_role(role))
    # Marketing records no complaints; sellers outside the rep's scope see neither the complaint nor the cargo.
    expected = 200 if role in SEE | {"service"} else 404 if role in OUTSIDE else 403
    assert client.get(url).status_code == expected
    if expected != 200:
        assert client.post(url, {"measured": "360", "claimed_amount": "5748"}).status_code == expected
    assert not CargoClaim.objects.exists()


def test_a_closed_complaint_or_another_customers_cargo_cannot_be_tied(client_as, cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000), outturn_tonnes=D(59640))
    client = client_as(cast.service)
    closed = hand_recorded(coal, cast, status=Complaint.Status.CLOSED)
    assert client.get(reverse("shipments:tie", args=[shipment.pk, closed.pk])).status_code == 403
    assert "Which cargo is it about?" not in text(client.get(reverse("complaints:detail", args=[closed.pk])))
    elsewhere = ComplaintFactory(customer__owner=cast.rep, assignee=cast.service,
                                 category=Complaint.Category.QUANTITY)
    assert client.get(reverse("shipments:tie", args=[shipment.pk, elsewhere.pk])).status_code == 404
    service_complaint = ComplaintFactory(customer=coal.customer, assignee=cast.service,
                                         category=Complaint.Category.SERVICE)
    assert client.get(reverse("shipments:tie", args=[shipment.pk, service_complaint.pk])).status_code == 403
    # A result is of a parameter of the contract's grade: a grade typed by hand has none to name.
    typed = record(SignedDealFactory(customer=coal.customer, specification=None, contract_number="CT-TYPED"),
                   cast.rep, bl_tonnes=D(60000))
    quality = hand_recorded(coal, cast, category=Complaint.Category.QUALITY)
    assert client.get(reverse("shipments:tie", args=[typed.pk, quality.pk])).status_code == 404
    assert client.get(reverse("shipments:tie", args=[shipment.pk, quality.pk])).status_code == 200


# --- Laytime ------------------------------------------------------------------------------------------


def laytime_post(client, shipment, *periods):
    data = {"notice_tendered_at": "2026-03-02T08:00", "completed_at": "2026-03-11T20:00",
            "periods-TOTAL_FORMS": "4", "periods-INITIAL_FORMS": "0"}
    for number, (kind, starts, ends) in enumerate(periods):
        data |= {f"periods-{number}-kind": kind, f"periods-{number}-starts_at": starts,
                 f"periods-{number}-ends_at": ends}
    return client.post(reverse("shipments:laytime", args=[shipment.pk, "discharge"]), data)


def test_a_laytime_statement_shows_the_demurrage_and_a_holiday_turns_it_to_despatch(client_as, cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000))
    client = client_as(cast.rep)
    # Worked example B: rain 6 h and Sunday 24 h excepted; 186 h used of 180: 6 h over, 15,000 x 6/24.
    assert laytime_post(client, shipment, ("weather", "2026-03-04T10:00", "2026-03-04T16:00")).status_code == 302
    html = text(client.get(reverse("shipments:detail", args=[shipment.pk])))
    assert "Demurrage" in html and "3,750.00 USD" in html and "(6 h)" in html
    # Thursday 5 March a holiday too (any hour of it: the whole day counts): 54 h excepted, 162 h used,
    # laytime would expire Thu 12 March 14:00, after completion: 18 h saved at 7,500 a day = 5,625.00.
    response = laytime_post(client, shipment, ("weather", "2026-03-04T10:00", "2026-03-04T16:00"),
                            ("holiday", "2026-03-05T09:00", ""))
    assert response.status_code == 302
    html = text(client.get(reverse("shipments:detail", args=[shipment.pk])))
    assert "Despatch" in html and "5,625.00 USD" in html and "(18 h)" in html
    assert "not expired" in html
    statement = shipment.laytime.get()
    assert selectors.statement_figures(statement).excepted_hours == D(54)


def test_laytime_without_the_contracts_rate_is_recorded_and_said_so(client_as, cast, coal):
    shipment = record(coal, cast.rep, bl_tonnes=D(60000))
    client = client_as(cast.rep)
    assert "no laytime rate for this port" in text(client.get(reverse("shipments:laytime",
                                                                      args=[shipment.pk, "load"])))
    data = {"notice_tendered_at": "2026-03-02T08:00", "completed_at": "2026-03-05T20:00",
            "periods-TOTAL_FORMS": "3", "periods-INITIAL_FORMS": "0"}
    assert client.post(reverse("shipments:laytime", args=[shipment.pk, "load"]), data).status_code == 302
    assert "no laytime rate for this port" in text(client.get(reverse("shipments:detail", args=[shipment.pk])))


# --- Query counts -------------------------------------------------------------------------------------


def _full_shipment(deal, by, *, outturn=D(59640)) -> Shipment:
    shipment = record(deal, by, bl_tonnes=D(60000), outturn_tonnes=outturn)
    assay(shipment, by, PortRole.LOAD, nar=5480, moisture=11)
    assay(shipment, by, PortRole.DISCHARGE, nar=5350, moisture=12)
    return shipment


def test_the_shipment_page_costs_the_same_queries_however_many_assays(client_as, cast, coal):
    shipment = _full_shipment(coal, cast.rep)
    client = client_as(cast.rep)
    url = reverse("shipments:detail", args=[shipment.pk])
    client.get(url)  # the session and the caches warm

    def grow():
        for place in (PortRole.LOAD, PortRole.DISCHARGE):
            assay(shipment, cast.rep, place, nar=5400, moisture=10)

    # 13: whether the rep records the shipment's facts (their own contract) takes no query (access.visible_user_ids);
    # the contract's price rules and parameters are read once for the value, the assays and the claims (they were
    # read three and four times: 20); and on PostgreSQL the shipment's fetch planned as written.
    first, second = assert_queries_pinned(13 + planner_settings(), lambda: client.get(url), grow)
    assert first.status_code == second.status_code == 200


def test_the_deal_pages_shipments_panel_costs_the_same_queries_however_many_shipments(client_as, cast, coal):
    coal.liftings, coal.quantity_tonnes = 4, D(240000)  # 60,000 t a lifting
    coal.save()
    _full_shipment(coal, cast.rep)
    client = client_as(cast.rep)
    url = reverse("deals:detail", args=[coal.pk])
    client.get(url)

    def grow():
        _full_shipment(coal, cast.rep, outturn=D(60000))
        _full_shipment(coal, cast.rep, outturn=D(59000))

    # The contract's state badge is read after the deal, by a query of its own (an open deal's page has none);
    # one query asks whether the contract's shipments hold its signing (the page then says so instead of
    # offering the move).
    # 17 and receivables' panel's three: the invoices, the figures and the shipments; whether the rep may
    # change their own contract takes no query (access.visible_user_ids); on PostgreSQL, the deal's fetch planned
    # as written.
    first, second = assert_queries_pinned(21 + planner_settings(), lambda: client.get(url), grow)
    assert CargoClaim.objects.count() == 0 and text(second).count("Pacific Glory") == 3
