"""Quality specifications (质量指标): the director's pages, the grade saved whole or not at all with its
parameters and price rules, a grade under contract keeping its codes, the deal's grade chosen among
its commodity's, and the demo's grades."""

from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from bulksales.demo.pipeline import OFF_LIST
from pipeline.models import Deal, PriceRule, Specification, SpecParameter
from pipeline.specifications import ParameterRow, RuleRow, SpecificationInvalid, specification_save

from .conftest import ROLES
from .factories import (
    CommodityFactory,
    CustomerFactory,
    DealFactory,
    ExchangeRateFactory,
    PortFactory,
    SignedDealFactory,
)
from .factories.execution import coal_nar_5500, iron_ore_fe_62
from .queries import assert_queries_pinned

OK, FORBIDDEN, MISSING = 200, 403, 404
LIST = reverse("pipeline_settings:specifications")
NEW = reverse("pipeline_settings:specification_create")


def edit_url(spec: Specification) -> str:
    return reverse("pipeline_settings:specification_edit", args=[spec.pk])


def spec_form(commodity, *, parameters=(), rules=(), **overrides) -> dict:
    """The POST of the edit page: the grade, then each parameter and rule row (dicts of their fields)."""
    data = {"commodity": commodity.pk, "name": "NAR 5500", "name_zh": "NAR 5500 大卡", "price_basis": "wmt",
            "active": "on", "parameters-TOTAL_FORMS": str(len(parameters)), "parameters-INITIAL_FORMS": "0",
            "rules-TOTAL_FORMS": str(len(rules)), "rules-INITIAL_FORMS": "0"} | overrides
    for prefix, rows in (("parameters", parameters), ("rules", rules)):
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


NAR = {"code": "nar", "name": "Net calorific value (NAR)", "name_zh": "收到基低位发热量", "unit": "kcal/kg",
       "typical": "5500", "minimum": "5000", "maximum": "", "position": "1"}
MOISTURE = {"code": "moisture", "name": "Total moisture", "name_zh": "全水分", "unit": "%", "typical": "12",
            "minimum": "", "maximum": "15", "position": "2"}
PRO_RATA_NAR = {"parameter": "nar", "kind": "pro_rata", "basis": "5500", "side": "below", "step": "1", "amount": "0"}


# --- Who may open the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["list", "new", "edit"])
def test_only_the_director_opens_the_specification_pages(client_as, cast, role, page):
    spec = coal_nar_5500()
    url = {"list": LIST, "new": NEW, "edit": edit_url(spec)}[page]
    response = client_as(cast.by_role(role)).get(url)
    if role == "anonymous":
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    else:
        assert response.status_code == (OK if role == "director" else FORBIDDEN), f"{page} as {role}"


@pytest.mark.parametrize("role", ["manager", "rep", "service"])
def test_other_positions_cannot_post_a_grade(client_as, cast, role):
    response = client_as(cast.by_role(role)).post(NEW, spec_form(CommodityFactory(), parameters=[NAR]))
    assert response.status_code == FORBIDDEN
    assert not Specification.objects.exists()


def test_an_unknown_grade_answers_404(client_as, cast):
    assert client_as(cast.director).get(reverse("pipeline_settings:specification_edit", args=[999])).status_code \
        == MISSING


def test_the_list_groups_grades_by_commodity_with_their_parameters(client_as, cast):
    coal_nar_5500()
    ore = iron_ore_fe_62()
    ore.active = False
    ore.save()
    page = client_as(cast.director).get(LIST).content.decode()
    assert "Thermal coal" in page and "Iron ore fines" in page
    assert "NAR 5500" in page and "Fe 62%" in page
    assert "Per dry metric tonne" in page
    assert "Not offered any more" in page


def test_the_list_costs_the_same_queries_however_many_grades(client_as, cast):
    """The session, the user, the reminder badge, the signed contracts counted per grade and the grades with
    their parameters counted."""
    client = client_as(cast.director)
    coal_nar_5500()

    def more_grades():
        iron_ore_fe_62()
        for index in range(3):
            spec = Specification.objects.create(commodity=CommodityFactory(name=f"Grain {index}"), name="Grade")
            SpecParameter.objects.create(specification=spec, code="protein", name="Protein")
            SignedDealFactory(commodity=spec.commodity, specification=spec)

    first, second = assert_queries_pinned(5, lambda: client.get(LIST), more_grades)
    assert first.status_code == second.status_code == OK
    assert "Grain 2" in second.content.decode()


def test_the_list_counts_each_grades_parameters_and_signed_contracts(client_as, cast):
    coal, ore = coal_nar_5500(), iron_ore_fe_62()
    SignedDealFactory.create_batch(2, commodity=coal.commodity, specification=coal)
    DealFactory(commodity=coal.commodity, specification=coal)  # open: not signed
    listed = {spec.pk: (spec.parameter_count, spec.signed_count)
              for spec in client_as(cast.director).get(LIST).context["specifications"]}
    assert listed == {coal.pk: (2, 2), ore.pk: (ore.parameters.count(), 0)}


def test_the_settings_menu_links_the_specifications(client_as, cast):
    assert LIST in client_as(cast.director).get(reverse("pipeline_settings:ports")).content.decode()


# --- Saving a grade ------------------------------------------------------------------------------


def test_the_director_saves_a_grade_with_its_parameters_and_rules(client_as, cast):
    coal = CommodityFactory()
    response = client_as(cast.director).post(NEW, spec_form(coal, parameters=[NAR, MOISTURE], rules=[PRO_RATA_NAR]))
    assert response.status_code == 302 and response["Location"] == LIST
    spec = Specification.objects.get(commodity=coal)
    assert (spec.name, spec.name_zh, spec.price_basis, spec.active) == ("NAR 5500", "NAR 5500 大卡", "wmt", True)
    assert list(spec.parameters.values_list("code", "typical", "minimum", "maximum")) == [
        ("nar", Decimal(5500), Decimal(5000), None), ("moisture", Decimal(12), None, Decimal(15))]
    rule = spec.price_rules.get()
    assert (rule.parameter.code, rule.kind, rule.basis) == ("nar", "pro_rata", Decimal(5500))


def test_the_edit_page_shows_the_grade_and_saves_changes_removals_and_new_rows(client_as, cast):
    spec = iron_ore_fe_62()
    client = client_as(cast.director)
    page = client.get(edit_url(spec)).content.decode()
    assert 'value="sio2"' in page and 'value="62"' in page  # 62, not 62.0000
    fe, sio2, moisture = spec.parameters.order_by("position")
    fe_rule, sio2_rule = spec.price_rules.order_by("pk")
    data = spec_form(spec.commodity, name="Fe 62%", price_basis="dmt", parameters=[
        {"id": fe.pk, **NAR, "code": "fe", "name": "Fe", "unit": "%", "typical": "62", "minimum": "59.5"},
        {"id": sio2.pk, **NAR, "code": "sio2", "name": "SiO2", "unit": "%", "typical": "", "minimum": "",
         "DELETE": "on"},
        {"id": moisture.pk, **MOISTURE},
        {**NAR, "code": "p", "name": "P", "unit": "%", "typical": "0.09", "minimum": "", "maximum": "0.12",
         "position": "3"},
    ], rules=[
        {"id": fe_rule.pk, "parameter": "fe", "kind": "per_step", "basis": "62", "side": "below", "step": "1",
         "amount": "-1.75"},
        {"id": sio2_rule.pk, "parameter": "sio2", "kind": "per_step", "basis": "4.5", "side": "above",
         "step": "0.1", "amount": "-0.10", "whole_steps": "on", "DELETE": "on"},
    ], **{"parameters-INITIAL_FORMS": "3", "rules-INITIAL_FORMS": "2"})
    response = client.post(edit_url(spec), data | {"continue": "1"})
    assert response.status_code == 302 and response["Location"] == edit_url(spec)
    assert list(spec.parameters.values_list("code", flat=True)) == ["fe", "moisture", "p"]
    assert spec.parameters.get(code="fe").minimum == Decimal("59.5")
    assert list(spec.price_rules.values_list("parameter__code", "amount")) == [("fe", Decimal("-1.75"))]


def test_blank_extra_rows_are_ignored(client_as, cast):
    blank_rule = {"parameter": "", "kind": "pro_rata", "basis": "", "side": "below", "step": "1", "amount": "0"}
    blank_parameter = dict.fromkeys(NAR, "")
    response = client_as(cast.director).post(NEW, spec_form(CommodityFactory(), parameters=[NAR, blank_parameter],
                                                             rules=[PRO_RATA_NAR, blank_rule]))
    assert response.status_code == 302
    assert SpecParameter.objects.count() == 1 and PriceRule.objects.count() == 1


def errors_of(response) -> str:
    assert response.status_code == OK, "the form should come back with its errors"
    return response.content.decode()


@pytest.mark.parametrize("parameters,rules,message", [
    ([NAR, {**MOISTURE, "code": "nar"}], [], "Another parameter of this grade has the code nar."),
    ([{**NAR, "minimum": "5600", "maximum": "5400", "typical": ""}], [],
     "The lower rejection limit cannot be above the upper one."),
    ([{**NAR, "typical": "4800"}], [], "The typical value lies outside the rejection limits."),
    ([NAR], [{**PRO_RATA_NAR, "basis": "0"}], "A pro-rata rule divides by its basis"),
    ([NAR], [{**PRO_RATA_NAR, "kind": "per_step", "amount": "0"}], "A rule per step needs the price change"),
], ids=["duplicate code", "limits out of order", "typical outside limits", "pro rata on zero",
        "per step without amount"])
def test_each_mistake_is_shown_on_the_form_and_nothing_is_saved(client_as, cast, parameters, rules, message):
    response = client_as(cast.director).post(NEW, spec_form(CommodityFactory(), parameters=parameters, rules=rules))
    assert message in errors_of(response)
    assert not Specification.objects.exists() and not SpecParameter.objects.exists()


def test_a_rule_on_a_parameter_of_another_grade_is_refused(client_as, cast):
    iron_ore_fe_62()
    response = client_as(cast.director).post(NEW, spec_form(CommodityFactory(), parameters=[NAR], rules=[
        {**PRO_RATA_NAR, "parameter": "fe"}]))
    assert "Select a valid choice" in errors_of(response)
    assert not Specification.objects.filter(name="NAR 5500").exists()


def test_a_rule_on_a_parameter_removed_in_the_same_save_is_refused_and_nothing_changes(client_as, cast):
    spec = coal_nar_5500()
    nar, moisture = spec.parameters.order_by("position")
    rule = spec.price_rules.get()
    data = spec_form(spec.commodity, name="NAR 5800", parameters=[
        {"id": nar.pk, **NAR, "DELETE": "on"}, {"id": moisture.pk, **MOISTURE}],
        rules=[{"id": rule.pk, **PRO_RATA_NAR}], **{"parameters-INITIAL_FORMS": "2", "rules-INITIAL_FORMS": "1"})
    assert "nar is not a parameter of this grade." in errors_of(client_as(cast.director).post(edit_url(spec), data))
    spec.refresh_from_db()
    assert spec.name == "NAR 5500" and spec.parameters.count() == 2 and spec.price_rules.count() == 1


def test_a_bad_rule_leaves_nothing_half_saved(db):
    """The service checks the whole grade before it writes: no grade, no parameter."""
    with pytest.raises(SpecificationInvalid) as refused:
        specification_save(
            specification=Specification(commodity=CommodityFactory(), name="NAR 5500"),
            parameters=[ParameterRow(code="nar", name="NAR", typical=Decimal(5500))],
            rules=[RuleRow(parameter="nar", kind="pro_rata", basis=Decimal(0))])
    assert [(problem.rows, problem.index, problem.field) for problem in refused.value.problems] == [
        ("rules", 0, "basis")]
    assert not Specification.objects.exists() and not SpecParameter.objects.exists()


def test_a_second_grade_of_the_same_name_is_refused(client_as, cast):
    spec = coal_nar_5500()
    response = client_as(cast.director).post(NEW, spec_form(spec.commodity, name="nar 5500", parameters=[NAR]))
    assert "This commodity already has this grade." in errors_of(response)
    assert Specification.objects.count() == 1


# --- A grade under contract ------------------------------------------------------------------------


def signed(spec: Specification) -> Deal:
    return SignedDealFactory(commodity=spec.commodity, specification=spec)


def test_a_grade_sold_under_contract_keeps_its_parameter_codes(client_as, cast):
    spec = coal_nar_5500()
    signed(spec)
    nar, moisture = spec.parameters.order_by("position")
    rule = spec.price_rules.get()
    data = spec_form(spec.commodity, parameters=[{"id": nar.pk, **NAR}, {"id": moisture.pk, **MOISTURE,
                                                                          "code": "tm"}],
                     rules=[{"id": rule.pk, **PRO_RATA_NAR}],
                     **{"parameters-INITIAL_FORMS": "2", "rules-INITIAL_FORMS": "1"})
    page = errors_of(client_as(cast.director).post(edit_url(spec), data))
    assert "their assays refer to the parameter moisture" in page
    assert set(spec.parameters.values_list("code", flat=True)) == {"nar", "moisture"}


def under_contract_form(spec: Specification, *, nar: dict | None = None, rule: dict | None = None, **fields) -> dict:
    nar_row, moisture_row = spec.parameters.order_by("position")
    stored_rule = spec.price_rules.get()
    return spec_form(spec.commodity, parameters=[{"id": nar_row.pk, **NAR, **(nar or {})},
                                                 # as the factory made it: no typical value
                                                 {"id": moisture_row.pk, **MOISTURE, "typical": ""}],
                     rules=[{"id": stored_rule.pk, **PRO_RATA_NAR, **(rule or {})}],
                     **{"parameters-INITIAL_FORMS": "2", "rules-INITIAL_FORMS": "1", **fields})


def test_a_grade_under_contract_may_be_renamed_and_stop_being_offered(client_as, cast):
    spec = coal_nar_5500()
    signed(spec)
    client = client_as(cast.director)
    assert "Signed contracts sell this grade" in client.get(edit_url(spec)).content.decode()
    response = client.post(edit_url(spec), under_contract_form(spec, active="", name_zh="动力煤 5500（旧）"))
    assert response.status_code == 302
    spec.refresh_from_db()
    assert (spec.active, spec.name_zh) == (False, "动力煤 5500（旧）")


@pytest.mark.parametrize("change,message", [
    ({"nar": {"minimum": "4900"}}, "Signed contracts are valued on this limit"),
    ({"rule": {"basis": "5600"}}, "Signed contracts are valued on these price rules"),
], ids=["a limit", "a price rule"])
def test_a_grade_under_contract_keeps_the_limits_and_rules_its_contracts_are_valued_on(client_as, cast, change,
                                                                                         message):
    spec = coal_nar_5500()
    signed(spec)
    page = errors_of(client_as(cast.director).post(edit_url(spec), under_contract_form(spec, **change)))
    assert message in page
    assert spec.parameters.get(code="nar").minimum == Decimal(5000)
    assert spec.price_rules.get().basis == Decimal(5500)


# --- The deal's grade ----------------------------------------------------------------------------


def deal_data(customer, commodity, **overrides) -> dict:
    ExchangeRateFactory(currency="USD")
    return {
        "customer": customer.pk, "owner": customer.owner_id, "commodity": commodity.pk, "specification": "",
        "grade": "", "quantity_tonnes": "55000", "tolerance_percent": "10", "tolerance_option": "molso",
        "price_per_tonne": "80", "currency": "USD", "incoterm": "CFR", "load_port": PortFactory(name="Newcastle").pk,
        "discharge_port": PortFactory().pk, "payment_terms": "lc_sight", "demurrage_rate": "18000",
        "competitor": "", "notes": "", "version": "",
    } | overrides


def test_a_deal_cannot_be_sold_as_a_grade_of_another_commodity(client_as, cast):
    coal = coal_nar_5500()
    bauxite = CommodityFactory(name="Bauxite", name_zh="铝土矿")
    customer = CustomerFactory(owner=cast.rep)
    response = client_as(cast.rep).post(reverse("deals:create"),
                                        deal_data(customer, bauxite, specification=coal.pk))
    assert "This grade is not a grade of Bauxite." in errors_of(response)
    assert not Deal.objects.exists()


def test_a_deal_is_sold_as_one_of_its_commoditys_grades(client_as, cast):
    coal = coal_nar_5500()
    customer = CustomerFactory(owner=cast.rep)
    response = client_as(cast.rep).post(reverse("deals:create"), deal_data(customer, coal.commodity,
                                                                           specification=coal.pk))
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.specification == coal and deal.grade == "" and deal.grade_name == "NAR 5500"


def test_the_grade_list_is_grouped_by_commodity_and_leaves_out_grades_not_offered(client_as, cast):
    coal_nar_5500()
    ore = iron_ore_fe_62()
    Specification.objects.create(commodity=ore.commodity, name="Fe 58%", active=False)
    page = client_as(cast.rep).get(reverse("deals:create")).content.decode()
    assert '<optgroup label="Thermal coal">' in page and '<optgroup label="Iron ore fines">' in page
    assert f'data-commodity="{ore.commodity_id}"' in page
    assert "Fe 58%" not in page
    assert "Execution terms" in page and "js/grades.js" in page


def test_a_grade_not_on_the_list_is_kept_as_text_and_flagged(client_as, cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), grade="Buyer's own specification")
    client = client_as(cast.rep)
    for url in (reverse("deals:detail", args=[deal.pk]), reverse("deals:list")):
        page = client.get(url).content.decode()
        assert "Buyer&#x27;s own specification" in page and "not on the list" in page, url


def test_a_grade_from_the_list_is_not_flagged(client_as, cast):
    spec = coal_nar_5500()
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), commodity=spec.commodity, specification=spec,
                       grade="")
    page = client_as(cast.rep).get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert "NAR 5500" in page and "not on the list" not in page


def test_a_grade_chosen_and_typed_at_once_is_refused(client_as, cast):
    coal = coal_nar_5500()
    customer = CustomerFactory(owner=cast.rep)
    response = client_as(cast.rep).post(reverse("deals:create"), deal_data(
        customer, coal.commodity, specification=coal.pk, grade="NAR 5800"))
    assert "A grade is chosen from the list" in errors_of(response)


def test_the_sign_form_checks_the_grade_too_and_groups_the_execution_terms(client_as, cast):
    coal = coal_nar_5500()
    bauxite = CommodityFactory(name="Bauxite", name_zh="铝土矿")
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), commodity=bauxite, grade="")
    client = client_as(cast.rep)
    assert "Execution terms" in client.get(reverse("deals:sign", args=[deal.pk])).content.decode()
    data = deal_data(deal.customer, bauxite, specification=coal.pk, version=deal.version,
                     contract_number="C-1", signed_on="2026-01-15")
    response = client.post(reverse("deals:sign", args=[deal.pk]), data)
    assert "This grade is not a grade of Bauxite." in errors_of(response)
    deal.refresh_from_db()
    assert deal.outcome == "open"


# --- The demo --------------------------------------------------------------------------------------


def test_the_demo_has_a_grade_for_each_commodity_and_its_deals_are_sold_as_them(demo):
    from customers.models import Commodity

    for commodity in Commodity.objects.all():
        grades = Specification.objects.filter(commodity=commodity)
        assert grades.exists(), commodity.name
        for grade in grades:
            assert grade.parameters.count() >= 3, grade.name
            assert grade.price_rules.exists(), grade.name
    assert Specification.objects.filter(commodity__name="Thermal coal").count() == 2  # NAR 5500 and Q5500
    assert Specification.objects.get(commodity__name="Iron ore fines").price_basis == "dmt"
    mismatched = Deal.objects.exclude(specification__isnull=True).exclude(specification__commodity=F("commodity"))
    assert not mismatched.exists()
    off_list = Deal.objects.filter(specification__isnull=True)
    assert sorted(off_list.values_list("grade", flat=True)) == sorted(OFF_LIST.values())

