"""Exports are safe to open: no cell runs as a formula, numbers stay numbers, headers and choices
read in the user's language, each sheet is named after what it holds; the deal list exports too."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.exports import safe_cell, unquote_cell
from customers.importing import read_table
from customers.models import Customer
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .factories import CustomerFactory, DealFactory
from .queries import assert_queries_pinned

OK, FORBIDDEN, MISSING = 200, 403, 404
HOSTILE = ['=HYPERLINK("http://x","y")', "=1+1", "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3", "\tTAB", "\rCR"]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == OK
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def sheet_of(response):
    assert response.status_code == OK
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def column(rows: list[list], header: str) -> list:
    index = list(rows[0]).index(header)
    return [row[index] for row in rows[1:]]


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def cells_of(sheet, header: str) -> list:
    """The cells (not only their values) under a header, to check their type."""
    index = [cell.value for cell in sheet[1]].index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def customers_url(fmt: str) -> str:
    return reverse("customers:export", args=[fmt])


def deals_url(fmt: str) -> str:
    return reverse("deals:export", args=[fmt])


def scorecards_url(fmt: str, scope: str = "rep") -> str:
    return reverse("dashboards:export", args=[scope, fmt])


def reads_chinese(user):
    user.language = "zh-hans"
    user.save()
    return user


# --- The one helper -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_starts_like_a_formula_is_prefixed_with_an_apostrophe(text):
    assert safe_cell(text) == "'" + text
    assert unquote_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", [Decimal("-55000.50"), -3, 2.5, datetime.date(2026, 1, 2), "Rizhao Steel", "",
                                   "it's fine", "'quoted already"])
def test_numbers_dates_and_plain_text_are_written_as_they_are(value):
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


def test_a_choice_is_written_as_its_label_and_nothing_as_an_empty_cell():
    assert safe_cell(Customer.Kind.STEEL_MILL) == str(Customer.Kind.STEEL_MILL.label)
    assert safe_cell(None) == ""


# --- Hostile names in every export ---------------------------------------------------------------


def test_hostile_customer_names_come_out_as_text_in_the_customer_export(client_as, cast):
    for name in HOSTILE:
        CustomerFactory(name=name, owner=cast.rep)
    client = client_as(cast.rep)

    assert sorted(column(csv_rows(client.get(customers_url("csv"))), "Name")) == sorted("'" + n for n in HOSTILE)
    cells = cells_of(sheet_of(client.get(customers_url("xlsx"))), "Name")
    # A workbook is XML, which reads a carriage return as a line feed.
    assert sorted(cell.value for cell in cells) == sorted(("'" + n).replace("\r", "\n") for n in HOSTILE)
    assert {cell.data_type for cell in cells} == {"s"}


def test_hostile_names_come_out_as_text_in_the_deal_export_and_numbers_stay_numbers(client_as, cast):
    cast.rep.full_name = "=1+1"
    cast.rep.save()
    for number, name in enumerate(HOSTILE):
        DealFactory(customer=CustomerFactory(name=name, owner=cast.rep), contract_number=f"@SUM({number})")
    client = client_as(cast.rep)

    rows = csv_rows(client.get(deals_url("csv")))
    assert sorted(column(rows, "Customer")) == sorted("'" + n for n in HOSTILE)
    assert set(column(rows, "Owner")) == {"'=1+1"}
    assert sorted(column(rows, "Contract number")) == [f"'@SUM({number})" for number in range(len(HOSTILE))]
    assert {Decimal(value) for value in column(rows, "Quantity (t)")} == {Decimal(55000)}

    sheet = sheet_of(client.get(deals_url("xlsx")))
    for header in ("Customer", "Owner", "Contract number"):
        cells = cells_of(sheet, header)
        assert {cell.data_type for cell in cells} == {"s"}
        assert all(cell.value.startswith("'") for cell in cells)
    for header in ("Quantity (t)", "Price per tonne", "Amount", "Amount in base currency (CNY)"):
        assert {cell.data_type for cell in cells_of(sheet, header)} == {"n"}
    assert {cell.value for cell in cells_of(sheet, "Amount")} == {55000 * 80}


def test_a_hostile_full_name_comes_out_as_text_in_the_scorecard_export(client_as, cast):
    cast.rep.full_name = '=HYPERLINK("http://x","y")'
    cast.rep.save()
    compute_scorecards(period=Scorecard.Period.QUARTER, start=timezone.localdate())
    client = client_as(cast.rep)

    assert column(csv_rows(client.get(scorecards_url("csv"))), "Name") == ['\'=HYPERLINK("http://x","y")']
    sheet = sheet_of(client.get(scorecards_url("xlsx")))
    [cell] = cells_of(sheet, "Name")
    assert (cell.value, cell.data_type) == ('\'=HYPERLINK("http://x","y")', "s")
    assert {cell.data_type for cell in cells_of(sheet, "Sales amount")} == {"n"}


# --- The reader's language ------------------------------------------------------------------------


def test_the_customer_export_shows_choice_labels_and_is_named_customers(client_as, cast):
    CustomerFactory(owner=cast.rep, kind=Customer.Kind.STEEL_MILL, tier="high")
    client = client_as(cast.rep)

    rows = csv_rows(client.get(customers_url("csv")))
    assert column(rows, "Kind") == ["Steel mill"]
    assert column(rows, "Tier") == ["High-value customer"]
    assert column(rows, "Status") == [str(Customer.Status.ACTIVE.label)]
    assert sheet_of(client.get(customers_url("xlsx"))).title == "Customers"


def test_a_chinese_reader_gets_chinese_headers_labels_and_sheet_names(client_as, cast):
    reads_chinese(cast.rep)
    CustomerFactory(owner=cast.rep, kind=Customer.Kind.STEEL_MILL)
    DealFactory(customer=CustomerFactory(owner=cast.rep), stage="negotiation")
    compute_scorecards(period=Scorecard.Period.QUARTER, start=timezone.localdate())
    client = client_as(cast.rep)

    customers = sheet_of(client.get(customers_url("xlsx")))
    assert (customers.title, customers["A1"].value) == ("客户", "名称")
    assert set(column(sheet_rows(customers), "类型")) == {"钢厂"}

    deals = csv_rows(client.get(deals_url("csv")))
    assert deals[0][:2] == ["客户", "负责人"]
    assert column(deals, "阶段") == ["销售谈判"]
    assert sheet_of(client.get(deals_url("xlsx"))).title == "交易"

    scorecards = sheet_of(client.get(scorecards_url("xlsx")))
    assert scorecards.title == "销售人员业绩考核表"
    headers = [cell.value for cell in scorecards[1]]
    assert {"起始日期", "截止日期"} <= set(headers)
    assert not {"移交人", "接收人"} & set(headers)


@pytest.mark.parametrize("scope,header,subject", [("rep", "姓名", "Rep A"), ("team", "团队", "煤炭组"),
                                                   ("department", "部门", "销售部")])
def test_the_first_column_of_a_scorecard_export_names_its_kind_of_subject_in_chinese(client_as, cast, scope, header,
                                                                                       subject):
    # 姓名 is a person's name: over teams and departments it reads wrong.
    compute_scorecards(period=Scorecard.Period.QUARTER, start=timezone.localdate())
    rows = sheet_rows(sheet_of(client_as(reads_chinese(cast.director)).get(scorecards_url("xlsx", scope))))
    assert rows[0][0] == header
    assert subject in column(rows, header)


def test_the_scorecard_exports_name_their_sheet_and_their_period_columns(client_as, cast):
    compute_scorecards(period=Scorecard.Period.QUARTER, start=timezone.localdate())
    client = client_as(cast.director)
    for scope, title in [("rep", "Scorecards of sales people"), ("team", "Scorecards of teams"),
                         ("department", "Scorecard of the department")]:
        sheet = sheet_of(client.get(scorecards_url("xlsx", scope)))
        assert sheet.title == title
        headers = [cell.value for cell in sheet[1]]
        assert headers[headers.index("Period") + 1:headers.index("Period") + 3] == ["From", "To"]
        assert cells_of(sheet, "From")[0].is_date


def test_the_import_template_shows_choice_labels_in_a_named_sheet(client_as, cast):
    sheet = sheet_of(client_as(cast.rep).get(reverse("customers:import"), {"template": "xlsx"}))
    assert sheet.title == "Customers"
    assert column(sheet_rows(sheet), "Kind") == ["Steel mill"]


# --- The deal list's export -----------------------------------------------------------------------


@pytest.mark.parametrize("role,customers", [
    ("rep", {"Rep's buyer"}),
    ("account_manager", {"AM's buyer"}),
    ("manager", {"Rep's buyer", "AM's buyer"}),
    ("other_manager", {"Other rep's buyer"}),
    ("director", {"Rep's buyer", "AM's buyer", "Other rep's buyer"}),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_deal_export_holds_exactly_the_deals_the_user_may_see(client_as, cast, role, customers, fmt):
    for owner, name in [(cast.rep, "Rep's buyer"), (cast.account_manager, "AM's buyer"),
                        (cast.other_rep, "Other rep's buyer")]:
        DealFactory(customer=CustomerFactory(name=name, owner=owner))
    response = client_as(cast.by_role(role)).get(deals_url(fmt))
    rows = csv_rows(response) if fmt == "csv" else sheet_rows(sheet_of(response))
    assert set(column(rows, "Customer")) == customers


@pytest.mark.parametrize("role", ["service", "marketing"])
def test_people_outside_sales_cannot_export_deals(client_as, cast, role):
    assert client_as(cast.by_role(role)).get(deals_url("csv")).status_code == FORBIDDEN


def test_the_deal_export_asks_anonymous_users_to_sign_in_and_refuses_unknown_formats(client_as, cast):
    assert client_as(None).get(deals_url("csv")).status_code == 302
    assert client_as(cast.rep).get(deals_url("pdf")).status_code == MISSING


def test_the_deal_export_holds_the_filtered_list(client_as, cast):
    DealFactory(customer=CustomerFactory(name="Negotiating", owner=cast.rep), stage="negotiation")
    DealFactory(customer=CustomerFactory(name="Researching", owner=cast.rep), stage="research")
    rows = csv_rows(client_as(cast.rep).get(deals_url("csv"), {"stage": "research"}))
    assert column(rows, "Customer") == ["Researching"]
    assert column(rows, "Stage") == ["Market research"]


def test_the_deal_export_shows_labels_ports_laycan_and_signing(client_as, cast):
    DealFactory(customer=CustomerFactory(name="Signed buyer", owner=cast.rep), stage="follow_up", outcome="won",
                contract_number="BS-2026-001", signed_on=datetime.date(2026, 3, 2),
                laycan_start=datetime.date(2026, 4, 1), laycan_end=datetime.date(2026, 4, 10))
    sheet = sheet_of(client_as(cast.rep).get(deals_url("xlsx")))
    [row] = sheet_rows(sheet)[1:]
    record = dict(zip(sheet_rows(sheet)[0], row, strict=True))
    assert (record["Stage"], record["Outcome"]) == ("Follow-up", "Won")
    assert record["Incoterm"] == "CFR" and record["Contract number"] == "BS-2026-001"
    assert record["Signing date"].date() == datetime.date(2026, 3, 2)
    assert record["Laycan from"].date() == datetime.date(2026, 4, 1)
    assert record["Discharge port"]


def test_the_deal_link_on_the_list_carries_its_filters(client_as, cast):
    page = client_as(cast.rep).get(reverse("deals:list"), {"stage": "research"}).content.decode()
    assert deals_url("xlsx") + "?stage=research" in page
    assert deals_url("csv") + "?stage=research" in page


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_deal_export_costs_the_same_queries_however_many_deals(client_as, cast, fmt):
    client = client_as(cast.director)
    for owner in (cast.rep, cast.other_rep):
        DealFactory(customer=CustomerFactory(owner=owner))

    def more_deals():
        for _ in range(20):
            for owner in (cast.rep, cast.account_manager, cast.other_rep):
                DealFactory(customer=CustomerFactory(owner=owner), load_port=None)

    few, many = assert_queries_pinned(3, lambda: client.get(deals_url(fmt)), more_deals)
    assert few.status_code == many.status_code == OK


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_import_reads_an_exported_hostile_name_back_unchanged(client_as, cast, fmt):
    CustomerFactory(name="=1+1", owner=cast.rep, notes="@SUM(1)")
    exported = client_as(cast.rep).get(customers_url(fmt)).content
    table = read_table(SimpleUploadedFile(f"customers.{fmt}", exported))
    assert (table["Name"], table["Notes"]) == (["=1+1"], ["@SUM(1)"])
