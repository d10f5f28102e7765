"""The customer import as a background job: the upload is kept server-side, checked and imported by the
worker with a progress bar, and a file past a limit is refused as it is read, with the limit named."""

import io
import time
import zipfile
from datetime import timedelta

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import RuleError
from bulksales.celery import app
from customers import import_jobs, importing
from customers.exchange import COLUMN_LABELS, COLUMNS
from customers.models import Customer, ImportJob

from .test_import import csv_bytes, csv_file, dry_run, row, uscc

URL = reverse("customers:import")


@pytest.fixture(autouse=True)
def worker(eager_celery, settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"


def job_url(job: ImportJob, name="customers:import_job") -> str:
    return reverse(name, args=[job.pk])


def xlsx_bytes(rows: list[list]) -> bytes:
    return tablib.Dataset(*rows[1:], headers=rows[0]).export("xlsx")


def with_shared_strings(workbook: bytes, shared_strings: bytes) -> bytes:
    """The workbook with its shared strings part replaced, as a hostile file would carry it."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if not member.filename.endswith("sharedStrings.xml"):
                target.writestr(member, source.read(member))
        target.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def refusal(content: bytes, name="customers.xlsx") -> str:
    with pytest.raises(RuleError) as refused:
        importing.read_table(SimpleUploadedFile(name, content))
    return str(refused.value)


# --- Limits, checked as the file is read ----------------------------------------------------------


def test_a_workbook_whose_shared_string_unpacks_past_the_limit_is_refused_quickly(cast):
    sst = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b"<si><t>" + b"A" * (60 * 1024 * 1024) + b"</t></si></sst>")
    content = with_shared_strings(xlsx_bytes([["Name", "Kind", "Owner"], ["A", "trader", "rep"]]), sst)
    assert len(content) < 1024 * 1024  # small on the wire

    started = time.monotonic()
    message = refusal(content)
    assert time.monotonic() - started < 5
    assert message == "The workbook unpacks to more than 50 MB: split it into smaller files."


def test_a_workbook_with_more_texts_than_the_limits_allow_is_refused(cast, settings):
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS = 10, 5
    strings = b"".join(b"<si><t>S%d</t></si>" % n for n in range(51))
    content = with_shared_strings(xlsx_bytes([["Name", "Kind", "Owner"], ["A", "trader", "rep"]]),
                                  b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                  + strings + b"</sst>")
    assert refusal(content) == "The workbook holds more than 50 different texts: split it into smaller files."


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_too_many_columns_is_refused_naming_the_limit(cast, settings, fmt):
    settings.IMPORT_MAX_COLUMNS = 5
    rows = [["Name", "Kind", "Owner", "A", "B", "C"], ["X", "trader", "rep", "", "", ""]]
    content = csv_bytes([], headers=rows[0]) if fmt == "csv" else xlsx_bytes(rows)
    assert refusal(content, f"customers.{fmt}") == "Row 1 has more than 5 columns, the most a file may have."
    # Blank cells past the limit don't count.
    settings.IMPORT_MAX_COLUMNS = 3
    content = csv_bytes([{"Name": "X", "Kind": "trader", "Owner": "rep"}], headers=["Name", "Kind", "Owner", ""])
    assert len(importing.read_table(SimpleUploadedFile("customers.csv", content))) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cell_longer_than_the_limit_is_refused_naming_the_limit(cast, fmt):
    rows = [["Name", "Kind", "Owner", "Notes"], ["X", "trader", "rep", "n" * 2001]]
    content = (csv_bytes([dict(zip(rows[0], rows[1], strict=True))], headers=rows[0]) if fmt == "csv"
               else xlsx_bytes(rows))
    assert refusal(content, f"customers.{fmt}") == (
        "A cell on row 2 is longer than 2000 characters, the most a cell may hold.")
    rows[1][3] = "n" * 2000
    assert len(importing.read_table(SimpleUploadedFile(f"customers.{fmt}", xlsx_bytes(rows)))) == 1


def test_a_file_with_more_rows_than_the_limit_is_refused(cast, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = b"Name,Kind,Owner\n" + b"".join(b"B%d,trader,rep\n" % n for n in range(4))
    assert refusal(content, "customers.csv") == "The file has more than 3 rows: split it into smaller files."


def test_a_file_over_the_upload_limit_is_refused_at_once_and_not_kept(client_as, cast, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = csv_bytes([row(1)]) + b"," * (1024 * 1024)
    response = client_as(cast.rep).post(URL, {"file": SimpleUploadedFile("customers.csv", content)})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is larger than 1 MB: split it into smaller files."]
    assert not ImportJob.objects.exists()


def test_the_results_page_shows_at_most_200_characters_of_a_cell(client_as, cast):
    response = dry_run(client_as(cast.rep), csv_file([row(1, Name="N" * 1500, Commodities="")]))
    (result,) = response.context["results"]
    assert not result.ok  # a name is at most 200 characters
    assert result.name == "N" * 200 + "…"
    assert all(len(message) <= 400 for message in result.errors)
    assert "N" * 201 not in response.content.decode()
    assert ImportJob.objects.get().report[0]["name"] == "N" * 200 + "…"


# --- The job ----------------------------------------------------------------------------------------


def test_the_dry_run_and_the_import_run_in_the_worker_with_a_progress_bar(client_as, cast):
    client = client_as(cast.rep)
    with TestCase.captureOnCommitCallbacks() as enqueued:
        response = client.post(URL, {"file": csv_file([row(1, Commodities=""), row(2, Commodities="")])})
    job = ImportJob.objects.get()
    assert response["Location"] == job_url(job)
    assert (job.status, job.owner, job.file_name) == (ImportJob.Status.CHECKING, cast.rep, "customers.csv")
    assert import_jobs.job_path(job).read_bytes().startswith(b"\xef\xbb\xbfName,")  # kept server-side
    assert "customer_import" not in "".join(client.session.keys())  # not in the session

    page = client.get(job_url(job))
    assert b'hx-get="%s"' % job_url(job, "customers:import_job_progress").encode() in page.content
    assert "HX-Refresh" not in client.get(job_url(job, "customers:import_job_progress"))

    for callback in enqueued:  # the worker picks the check up
        callback()
    job.refresh_from_db()
    assert (job.status, job.progress, job.good_count, job.bad_count) == (ImportJob.Status.CHECKED, 100, 2, 0)
    assert client.get(job_url(job, "customers:import_job_progress"))["HX-Refresh"] == "true"
    page = client.get(job_url(job))
    assert [result.number for result in page.context["results"]] == [2, 3]
    assert not Customer.objects.exists()

    with TestCase.captureOnCommitCallbacks() as enqueued:
        response = client.post(job_url(job), {"mode": "all"})
    assert response["Location"] == job_url(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING
    assert b"Importing the customers" in client.get(job_url(job)).content
    for callback in enqueued:
        callback()

    response = client.get(job_url(job))
    assert response.status_code == 302 and response["Location"] == reverse("customers:list")
    assert set(Customer.objects.values_list("registration_number", flat=True)) == {uscc(1), uscc(2)}
    job.refresh_from_db()
    assert (job.status, job.imported_count) == (ImportJob.Status.DONE, 2)
    assert not import_jobs.job_path(job).exists()
    assert import_jobs.import_run(job.pk) == 0  # a redelivered message does nothing
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("name", ["customers:import_job", "customers:import_job_progress"])
def test_another_users_job_is_not_found(client_as, cast, name):
    dry_run(client_as(cast.rep), csv_file([row(1, Commodities="")]))
    job = ImportJob.objects.get()
    client = client_as(cast.manager)  # even the rep's manager: an upload is its uploader's
    assert client.get(job_url(job, name)).status_code == 404
    assert client.post(job_url(job), {"mode": "all"}).status_code == 404
    assert not Customer.objects.exists()


def test_an_unconfirmed_job_expires_and_its_file_is_deleted(client_as, cast):
    client = client_as(cast.rep)
    dry_run(client, csv_file([row(1, Commodities="")]))
    job = ImportJob.objects.get()
    stray = import_jobs.job_path(job).with_name("left-behind")
    stray.write_bytes(b"x")
    ImportJob.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    assert app.tasks["customers.tasks.expire_import_jobs"].delay().get() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.EXPIRED
    assert not import_jobs.job_path(job).exists() and not stray.exists()
    assert b"has expired" in client.get(job_url(job)).content
    response = client.post(job_url(job), {"mode": "all"})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Customer.objects.exists()
    assert app.conf.beat_schedule["expire-import-jobs"]["task"] == "customers.tasks.expire_import_jobs"


def test_a_file_of_the_most_rows_allowed_imports_in_one_job(client_as, cast, settings):
    assert settings.IMPORT_MAX_ROWS == 20000
    no_contact = dict.fromkeys(["Commodities", "Contact name", "Contact title", "Contact mobile", "Contact email"], "")
    rows = [row(n, **no_contact) for n in range(1, 20001)]
    response = dry_run(client_as(cast.rep), csv_file(rows))
    assert response.context["good_count"] == 20000
    assert len(response.context["results"]) == 200 and response.context["good_hidden"] == 19800

    with TestCase.captureOnCommitCallbacks(execute=True):
        client_as(cast.rep).post(job_url(ImportJob.objects.get()), {"mode": "all"})

    assert Customer.objects.count() == 20000
    assert ImportJob.objects.get().status == ImportJob.Status.DONE


def test_the_export_headers_in_chinese_are_accepted(client_as, cast):
    content = "名称,类型,负责人,注册号,联系人姓名,联系人手机\n青岛电厂,电厂,rep,,王磊,+86 138 0013 8000\n"
    response = dry_run(client_as(cast.rep), SimpleUploadedFile("customers.csv", content.encode("utf-8-sig")))
    assert response.context["good_count"] == 1
    assert response.context["ignored"] == []
    with translation.override("zh-hans"):  # whatever the export writes in Chinese
        headers = [str(label) for label in COLUMN_LABELS.values()]
    assert [importing._canonical(header) for header in headers] == COLUMNS
