"""Importing customers from a spreadsheet: a dry run shows every bad row and why, and nothing is
written unless the whole file is good or the user chooses to import only the good rows."""

import csv
import io

import factory
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from accounts.services import RuleError
from customers import import_jobs, importing, services
from customers.exchange import COLUMNS
from customers.models import Contact, Customer, CustomerCommodity, ImportJob
from customers.validators import uscc_check_character

from .factories import CommodityFactory, ContactFactory, CustomerFactory

URL = reverse("customers:import")
HEADERS = ["Name", "Registration number", "Country", "Province", "City", "Kind", "Status", "Owner", "Commodities",
           "Contact name", "Contact title", "Contact mobile", "Contact email"]


class VolumeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerCommodity

    customer = factory.SubFactory(CustomerFactory)
    commodity = factory.SubFactory(CommodityFactory)
    estimated_annual_tonnes = 80000


def uscc(serial: int) -> str:
    first_17 = f"91370200MA3C{serial:05d}"
    return first_17 + uscc_check_character(first_17)


def row(serial: int = 1, **overrides) -> dict:
    """A good row of the spreadsheet, owned by the rep."""
    return {
        "Name": f"Rizhao Buyer {serial} Steel Co., Ltd.",
        "Registration number": uscc(serial),
        "Country": "CN",
        "Province": "Shandong",
        "City": "Rizhao",
        "Kind": "steel_mill",
        "Status": "active",
        "Owner": "rep",
        "Commodities": "Thermal coal: 120000; Iron ore fines: 50000",
        "Contact name": f"Wang Lei {serial}",
        "Contact title": "Purchasing manager",
        "Contact mobile": "+86 138 0013 8000",
        "Contact email": f"buyer{serial}@example.com",
    } | overrides


def csv_bytes(rows: list[dict], headers=HEADERS, encoding="utf-8-sig") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(header, "") for header in headers])
    return text.getvalue().encode(encoding)


def csv_file(rows: list[dict], name="customers.csv", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, **kwargs), content_type="text/csv")


def xlsx_file(rows: list[dict], headers=HEADERS) -> SimpleUploadedFile:
    dataset = tablib.Dataset(headers=headers)
    for values in rows:
        dataset.append([values.get(header, "") for header in headers])
    return SimpleUploadedFile("customers.xlsx", dataset.export("xlsx"))


@pytest.fixture
def commodities(db):
    return [CommodityFactory(name="Thermal coal", name_zh="动力煤"), CommodityFactory(name="Iron ore fines",
                                                                                      name_zh="铁矿粉")]


@pytest.fixture(autouse=True)
def worker(eager_celery, settings, tmp_path):
    """The dry run and the import run in the worker: here, in the test's process, once the request commits."""
    settings.IMPORT_DIR = tmp_path / "imports"


def dry_run(client, upload):
    """Upload, let the worker check the file, and open the job's page (or the upload form, when refused)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(URL, {"file": upload})
    if response.status_code == 302:
        return client.get(response["Location"])
    return response


def confirm(client, mode="all", tick=False, job=None):
    """Confirm the latest check, let the worker import, and open the job's page again."""
    job = job or ImportJob.objects.latest("created_at")
    data = {"mode": mode}
    if tick:
        data["confirm_only_good"] = "1"
    url = reverse("customers:import_job", args=[job.pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    if response.status_code == 302 and response["Location"] == url:
        return client.get(url)
    return response


def results_by_number(response) -> dict[int, importing.ReportRow]:
    return {result.number: result for result in response.context["results"]}


# --- Good files --------------------------------------------------------------------------------


def test_a_good_file_imports_every_customer_with_its_primary_contact(client_as, cast, commodities):
    client = client_as(cast.rep)
    response = dry_run(client, csv_file([row(1), row(2)]))
    assert response.status_code == 200
    assert [result.errors for result in response.context["results"]] == [[], []]
    assert response.context["good_count"] == 2
    assert not Customer.objects.exists()  # a dry run writes nothing

    response = confirm(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("customers:list")
    customer = Customer.objects.get(registration_number=uscc(1))
    assert customer.owner == cast.rep
    assert customer.kind == Customer.Kind.STEEL_MILL
    assert customer.name_key == services.name_key("Rizhao Buyer 1 Steel Co., Ltd.")
    assert {(v.commodity.name, v.estimated_annual_tonnes) for v in customer.commodity_volumes.all()} == {
        ("Thermal coal", 120000), ("Iron ore fines", 50000)}
    contact = customer.contacts.get()
    assert (contact.name, contact.is_primary, contact.mobile) == ("Wang Lei 1", True, "+86 138 0013 8000")
    assert Customer.objects.count() == 2
    job = ImportJob.objects.get()
    assert (job.status, job.imported_count) == (ImportJob.Status.DONE, 2)
    assert not import_jobs.job_path(job).exists()  # the kept file is deleted once imported
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["2 customers were imported."]


def test_a_good_excel_workbook_imports_too(client_as, cast, commodities):
    client = client_as(cast.rep)
    rows = [row(1, **{"Contact mobile": 13800138000, "Commodities": "Thermal coal: 70000"}), row(2)]
    response = dry_run(client, xlsx_file(rows))
    assert response.context["bad_count"] == 0

    confirm(client)

    assert Customer.objects.count() == 2
    assert Contact.objects.get(name="Wang Lei 1").mobile == "+86 138 0013 8000"
    assert CustomerCommodity.objects.get(customer__registration_number=uscc(1)).estimated_annual_tonnes == 70000


def test_a_row_without_contact_or_commodities_imports_the_customer_alone(client_as, cast):
    client = client_as(cast.rep)
    dry_run(client, csv_file([{"Name": "Qingdao Power", "Kind": "Power plant", "Owner": "rep"}]))
    confirm(client)
    customer = Customer.objects.get()
    assert (customer.kind, customer.status, str(customer.country)) == ("power_plant", "prospect", "CN")
    assert not customer.contacts.exists()
    assert not customer.commodity_volumes.exists()


def test_a_csv_saved_by_chinese_excel_in_gb18030_imports(client_as, cast, commodities):
    with translation.override("zh-hans"):
        steel_mill = str(Customer.Kind.STEEL_MILL.label)
    chinese = row(1, Name="日照钢铁有限公司", City="日照", Kind=steel_mill, Commodities="动力煤: 90000",
                  **{"Contact name": "王磊"})
    client = client_as(cast.rep)
    response = dry_run(client, csv_file([chinese], encoding="gb18030"))
    assert response.context["bad_count"] == 0, response.context["results"][0].errors

    confirm(client)

    customer = Customer.objects.get()
    assert (customer.name, customer.city, customer.kind) == ("日照钢铁有限公司", "日照", "steel_mill")
    assert customer.contacts.get().name == "王磊"
    assert customer.commodity_volumes.get().commodity.name == "Thermal coal"


def test_an_exported_customer_list_reimports_after_changing_names_and_registration_numbers(
    client_as, cast, commodities
):
    for serial in (1, 2):
        customer = CustomerFactory(owner=cast.rep, registration_number=uscc(serial), lead_source="trade_show",
                                   payment_terms="lc_sight")
        ContactFactory(customer=customer, is_primary=True)
        VolumeFactory(customer=customer, commodity=commodities[serial - 1], estimated_annual_tonnes=serial * 1000)
    client = client_as(cast.rep)
    exported = client.get(reverse("customers:export", args=["csv"]))
    lines = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(lines) == 2
    for serial, line in enumerate(lines, start=10):
        line["Name"] = f"Renamed {serial} Trading"
        line["Registration number"] = uscc(serial)

    response = dry_run(client, csv_file(lines, headers=COLUMNS))
    assert response.context["bad_count"] == 0, [result.errors for result in response.context["results"]]
    confirm(client)

    imported = Customer.objects.filter(name__startswith="Renamed").order_by("name")
    assert imported.count() == 2
    assert {c.registration_number for c in imported} == {uscc(10), uscc(11)}
    assert all(c.lead_source == "trade_show" and c.payment_terms == "lc_sight" for c in imported)
    assert all(c.contacts.filter(is_primary=True).count() == 1 for c in imported)
    assert sorted(CustomerCommodity.objects.filter(customer__in=imported).values_list(
        "estimated_annual_tonnes", flat=True)) == [1000, 2000]


def test_an_unchanged_export_is_refused_as_duplicates(client_as, cast):
    name = "Rizhao Steel Co., Ltd."
    CustomerFactory(owner=cast.rep, registration_number=uscc(1), name=name, name_key=services.name_key(name))
    client = client_as(cast.rep)
    exported = client.get(reverse("customers:export", args=["xlsx"]))
    response = dry_run(client, SimpleUploadedFile("customers.xlsx", exported.content))
    (result,) = response.context["results"]
    assert any(message.startswith("Registration number: ") and "already exists" in message
               for message in result.errors), result.errors
    assert result.warnings  # and the name is already taken


def test_the_template_lists_the_export_columns_and_its_example_row_imports(client_as, cast):
    client = client_as(cast.rep)
    for fmt in ("csv", "xlsx"):
        response = client.get(URL, {"template": fmt})
        assert response.status_code == 200
        assert "customers-import-template" in response["Content-Disposition"]
    dataset = tablib.Dataset().load(response.content, format="xlsx")
    assert dataset.headers == COLUMNS
    assert dataset[0][COLUMNS.index("Owner")] == "rep"

    CommodityFactory(name="Thermal coal")
    response = dry_run(client, SimpleUploadedFile("template.xlsx", response.content))
    assert response.context["good_count"] == 1, response.context["results"][0].errors
    assert client.get(URL, {"template": "pdf"}).status_code == 404


# --- Bad rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"Registration number": uscc(3)[:17] + ("0" if uscc(3)[17] != "0" else "1")},
         "Registration number: This unified social credit code is mistyped: its check character does not match."),
        ({"Owner": "nobody"}, "Owner: There is no user with the username “nobody”."),
        ({"Owner": "rep_b"}, "Owner: You cannot make rep_b the owner"),
        ({"Contact mobile": "12345"}, "Contact mobile: This is not a valid phone number for CN."),
        ({"Commodities": "Copper concentrate: 1000"},
         "Commodities: There is no commodity “Copper concentrate” in the list"),
        ({"Commodities": "Thermal coal: -5"},
         "Commodities: Thermal coal: Ensure this value is greater than or equal to 0."),
        ({"Commodities": "Thermal coal: plenty"}, "Commodities: Thermal coal: Enter a whole number."),
        ({"Kind": "Shipyard"}, "Kind: “Shipyard” is not one of: Steel mill, Power plant"),
        ({"Name": ""}, "Name: This field is required."),
        ({"Country": "Atlantis"}, "Country: “Atlantis” is not a country we know"),
        ({"Contact email": "not-an-email"}, "Contact email: Enter a valid email address."),
    ],
    ids=["checksum", "unknown-owner", "owner-out-of-scope", "phone", "unknown-commodity", "negative-tonnes",
         "tonnes-not-a-number", "unknown-kind", "missing-name", "unknown-country", "email"],
)
def test_a_bad_row_is_reported_with_its_row_number_and_reason_and_nothing_is_written(
    client_as, cast, commodities, overrides, expected
):
    client = client_as(cast.rep)
    response = dry_run(client, csv_file([row(1), row(3, **overrides)]))

    results = results_by_number(response)
    assert results[2].ok
    assert any(message.startswith(expected) for message in results[3].errors), results[3].errors
    assert (response.context["good_count"], response.context["bad_count"]) == (1, 1)
    html = response.content.decode()
    assert "Row 3" in html
    assert expected.split(":")[0] in html
    assert not Customer.objects.exists()


def test_a_registration_number_already_in_the_database_is_a_duplicate(client_as, cast):
    CustomerFactory(owner=cast.other_rep, registration_number=uscc(1))
    response = dry_run(client_as(cast.rep), csv_file([row(1, Commodities="")]))
    (message,) = response.context["results"][0].errors
    assert message.startswith("Registration number: ") and "already exists" in message


def test_duplicates_within_the_file_are_reported_on_every_row_concerned(client_as, cast):
    rows = [
        row(1, Commodities=""),
        row(2, Commodities="", **{"Registration number": uscc(1)}),
        row(3, Commodities="", Name="Qingdao Port Trading Co., Ltd."),
        row(4, Commodities="", Name="QINGDAO PORT"),
        row(5, Commodities=""),
    ]
    response = dry_run(client_as(cast.rep), csv_file(rows))

    results = results_by_number(response)
    assert results[2].errors == ["Registration number: The same number is also on row 3."]
    assert results[3].errors == ["Registration number: The same number is also on row 2."]
    assert results[4].errors == ["Name: The same company is also on row 5."]
    assert results[5].errors == ["Name: The same company is also on row 4."]
    assert results[6].ok


def test_a_rep_may_only_import_customers_they_own_but_a_manager_may_give_them_to_the_team(client_as, cast):
    file_rows = [row(1, Owner="rep", Commodities=""), row(2, Owner="am", Commodities=""),
                 row(3, Owner="rep_b", Commodities="")]
    as_rep = results_by_number(dry_run(client_as(cast.rep), csv_file(file_rows)))
    assert [as_rep[n].ok for n in (2, 3, 4)] == [True, False, False]
    as_manager = results_by_number(dry_run(client_as(cast.manager), csv_file(file_rows)))
    assert [as_manager[n].ok for n in (2, 3, 4)] == [True, True, False]
    as_director = results_by_number(dry_run(client_as(cast.director), csv_file(file_rows)))
    assert [as_director[n].ok for n in (2, 3, 4)] == [True, True, True]


def test_choices_take_the_code_or_the_english_or_chinese_label(cast):
    with translation.override("zh-hans"):
        power_plant, trade_show = str(Customer.Kind.POWER_PLANT.label), str(Customer.LeadSource.TRADE_SHOW.label)
    table = tablib.Dataset(
        ["A", "STEEL_MILL", "rep", "Active", "", "L/C at sight"],
        ["B", " steel mill ", "rep", "dormant", "telemarketing", "open_account"],
        ["C", power_plant, "rep", "", trade_show, ""],
        headers=["Name", "Kind", "Owner", "Status", "Lead source", "Payment terms"],
    )
    results = importing.check_rows(table, user=cast.rep)
    assert [result.errors for result in results] == [[], [], []]
    assert [(r.customer.kind, r.customer.status, r.customer.lead_source, r.customer.payment_terms) for r in results] \
        == [("steel_mill", "active", "", "lc_sight"), ("steel_mill", "dormant", "telemarketing", "open_account"),
            ("power_plant", "prospect", "trade_show", "")]


def test_a_country_is_a_code_or_an_english_or_chinese_name_and_china_when_empty(cast):
    table = tablib.Dataset(
        *[[f"Buyer {n}", "trader", "rep", country] for n, country in enumerate(["au", "Australia", "中国", ""])],
        headers=["Name", "Kind", "Owner", "Country"],
    )
    results = importing.check_rows(table, user=cast.rep)
    assert [str(result.customer.country) for result in results] == ["AU", "AU", "CN", "CN"]


def test_errors_are_in_the_users_language(cast):
    cast.rep.language = "zh-hans"
    table = tablib.Dataset(["", "steel_mill", "rep"], headers=["Name", "Kind", "Owner"])
    (result,) = importing.check_rows(table, user=cast.rep)
    assert result.errors == ["名称: 该字段是必填项。"]  # the column as the reader's headers name it


def test_row_numbers_are_those_of_the_spreadsheet_even_with_blank_rows(client_as, cast):
    content = csv_bytes([row(1, Commodities=""), {}, row(2, Commodities="", Owner="nobody")])
    response = dry_run(client_as(cast.rep), SimpleUploadedFile("customers.csv", content))
    assert [(result.number, result.ok) for result in response.context["results"]] == [(2, True), (4, False)]


def test_headers_ignore_case_and_spaces_and_unknown_columns_are_reported(client_as, cast):
    content = b"  name ,KIND,Owner,Sales region,Tier\nQingdao Power,power_plant,rep,North,high\n"
    response = dry_run(client_as(cast.rep), SimpleUploadedFile("customers.csv", content))
    assert response.context["good_count"] == 1
    assert response.context["ignored"] == ["Sales region"]
    assert "Sales region" in response.content.decode()


# --- Confirming ----------------------------------------------------------------------------------


def test_import_all_is_refused_while_any_row_has_errors(client_as, cast):
    client = client_as(cast.rep)
    dry_run(client, csv_file([row(1, Commodities=""), row(2, Commodities="", Owner="nobody")]))

    response = confirm(client, mode="all")

    assert response.status_code == 200
    assert "1 row has errors" in response.context["error"]
    assert not Customer.objects.exists()


def test_only_the_good_rows_import_when_the_user_ticks_the_box(client_as, cast):
    client = client_as(cast.rep)
    rows = [row(1, Commodities=""), row(2, Commodities="", Kind="Shipyard"), row(3, Commodities="")]
    dry_run(client, csv_file(rows))

    unticked = confirm(client, mode="good")
    assert "Tick the box" in unticked.context["error"]
    assert not Customer.objects.exists()

    response = confirm(client, mode="good", tick=True)
    assert response.status_code == 302
    assert set(Customer.objects.values_list("registration_number", flat=True)) == {uscc(1), uscc(3)}


def test_the_confirmation_checks_the_file_again(client_as, cast):
    client = client_as(cast.rep)
    dry_run(client, csv_file([row(1, Commodities=""), row(2, Commodities="")]))
    CustomerFactory(owner=cast.other_rep, registration_number=uscc(2))  # taken meanwhile

    response = confirm(client)

    assert response.status_code == 200
    assert "1 row has errors" in response.context["error"]
    assert not results_by_number(response)[3].ok
    assert Customer.objects.count() == 1


def test_a_check_is_confirmed_once_and_only_by_its_owner(client_as, cast):
    client = client_as(cast.other_rep)
    dry_run(client, csv_file([row(1, Commodities="", Owner=cast.other_rep.username)]))
    job = ImportJob.objects.get()

    client = client_as(cast.rep)
    assert client.post(reverse("customers:import_job", args=[job.pk]), {"mode": "all"}).status_code == 404
    assert not Customer.objects.exists()

    client = client_as(cast.other_rep)
    assert confirm(client, job=job)["Location"] == reverse("customers:list")
    response = confirm(client, job=job)  # a second click
    assert response.status_code == 302
    assert Customer.objects.count() == 1


def test_nothing_is_saved_if_saving_fails_midway(cast, monkeypatch):
    table = tablib.Dataset(*[[f"Buyer {n}", "trader", "rep"] for n in range(3)], headers=["Name", "Kind", "Owner"])
    results = importing.check_rows(table, user=cast.rep)
    real_create, calls = services.customers_create, []

    def failing_create(**kwargs):
        calls.append(len(kwargs["entries"]))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_create(**kwargs)

    monkeypatch.setattr(importing, "SAVE_BATCH", 2)
    monkeypatch.setattr(services, "customers_create", failing_create)
    with pytest.raises(RuntimeError):
        importing.import_rows(results, user=cast.rep, only_good=False)
    assert calls == [2, 1]  # the first batch was saved, then undone with the second
    assert not Customer.objects.exists()


def test_import_rows_refuses_bad_rows_unless_only_good(cast):
    table = tablib.Dataset(["Good", "trader", "rep"], ["Bad", "trader", "nobody"], headers=["Name", "Kind", "Owner"])
    results = importing.check_rows(table, user=cast.rep)
    with pytest.raises(RuleError):
        importing.import_rows(results, user=cast.rep, only_good=False)
    assert not Customer.objects.exists()
    assert importing.import_rows(results, user=cast.rep, only_good=True) == 1
    assert Customer.objects.get().name == "Good"


def test_imported_rows_are_saved_in_batches_with_their_volumes_contacts_and_history(cast, monkeypatch):
    CommodityFactory(name="Thermal coal")
    CommodityFactory(name="Iron ore fines")
    monkeypatch.setattr(importing, "SAVE_BATCH", 2)
    table = importing.read_table(csv_file([row(n) for n in range(1, 6)]))
    results = importing.check_rows(table, user=cast.rep)
    shares = []

    assert importing.import_rows(results, user=cast.rep, only_good=False, progress=shares.append) == 5
    assert shares == [0.4, 0.8, 1.0]
    customer = Customer.objects.get(name="Rizhao Buyer 3 Steel Co., Ltd.")
    assert customer.name_key == services.name_key(customer.name) and customer.owner == cast.rep
    assert {(v.commodity.name, v.estimated_annual_tonnes) for v in customer.commodity_volumes.all()} == {
        ("Thermal coal", 120000), ("Iron ore fines", 50000)}
    contact = customer.contacts.get()
    assert contact.is_primary and contact.name == "Wang Lei 3" and contact.mobile == "+86 138 0013 8000"
    # Who imported them shows in each record's history, as when saved on the form.
    assert customer.history.get().history_user == cast.rep
    assert contact.history.get().history_user == cast.rep
    assert CustomerCommodity.objects.count() == 10 and Contact.objects.count() == 5


# --- Files that cannot be read -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("report.pdf", b"%PDF-1.4 binary", "Upload a spreadsheet saved as CSV (.csv) or as an Excel workbook (.xlsx)."),
        ("old.xls", b"\xd0\xcf\x11\xe0 binary", "This is the old Excel format (.xls)"),
        ("fake.xlsx", b"Name,Kind,Owner\n", "This file is not an Excel workbook (.xlsx)"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "This file could not be read as an Excel workbook"),
        ("blank.csv", b"\xef\xbb\xbf\r\n \r\n", "The file is empty."),
        ("headers.csv", b"Name,Kind,Owner\r\n", "The file has column headers but no customers under them."),
        ("other.csv", b"Company,Type\nA,B\n", "The file lacks the columns Name, Kind, Owner."),
        ("twice.csv", b"Name,Kind,Owner,name\nA,trader,rep,B\n", "The column Name appears twice."),
        ("binary.csv", b"Name,Kind,Owner\n\xff\xfe\x00\x81", "The text of this file could not be read"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(client_as, cast, name, content, expected):
    response = dry_run(client_as(cast.rep), SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert expected in " ".join(response.context["form"].errors["file"])
    assert not any(import_jobs.job_path(job).exists() for job in ImportJob.objects.all())  # nothing kept


def test_invalid_utf8_is_read_as_gb18030_or_refused_but_never_a_server_error(client_as, cast):
    content = b"Name,Kind,Owner\nBuyer \xc3\x28 Co,trader,rep\n"  # not UTF-8; GB18030 reads something
    response = dry_run(client_as(cast.rep), SimpleUploadedFile("customers.csv", content))
    assert response.status_code == 200


def test_an_empty_upload_is_refused(client_as, cast):
    response = dry_run(client_as(cast.rep), SimpleUploadedFile("customers.csv", b""))
    assert response.context["form"].errors["file"]


def test_a_file_over_2_mb_is_refused(client_as, cast, settings):
    settings.IMPORT_MAX_BYTES = 2 * 1024 * 1024
    content = csv_bytes([row(1, Notes="x" * 1000)], headers=[*HEADERS, "Notes"]) + b"," * (2 * 1024 * 1024)
    response = dry_run(client_as(cast.rep), SimpleUploadedFile("customers.csv", content))
    assert "larger than 2 MB" in " ".join(response.context["form"].errors["file"])


def test_a_file_over_5000_rows_is_refused(cast, settings):
    settings.IMPORT_MAX_ROWS = 5000
    content = b"Name,Kind,Owner\n" + b"".join(b"B%d,trader,rep\n" % n for n in range(5001))
    with pytest.raises(RuleError, match="more than 5000 rows"):
        importing.read_table(SimpleUploadedFile("customers.csv", content))
    assert len(importing.read_table(SimpleUploadedFile("customers.csv", content.rsplit(b"B5000", 1)[0]))) == 5000


# --- Who may import ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [("director", 200), ("manager", 200), ("account_manager", 200), ("rep", 200), ("service", 403),
     ("marketing", 403)],
)
def test_the_people_who_may_add_customers_may_import_them(client_as, cast, role, status):
    client = client_as(cast.by_role(role))
    assert client.get(URL).status_code == status
    assert client.get(URL, {"template": "csv"}).status_code == status
    assert client.post(URL, {"file": csv_file([row(1, Commodities="")])}).status_code == (
        302 if status == 200 else status)


def test_an_anonymous_visitor_is_sent_to_sign_in(client_as, cast):
    response = client_as(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
