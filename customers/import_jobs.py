"""Customer imports as background jobs: the upload is kept under VAR_DIR/imports/<job id>, checked by the
worker (the dry run), then imported by the worker once its owner confirms; kept until then or expired."""

from datetime import timedelta
from functools import partial
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import RuleError

from . import importing, selectors
from .models import ImportJob

Status = ImportJob.Status
# A job's id as the worker's message carries it (text) or as the model holds it.
JobId = str | UUID
UNFINISHED = [Status.CHECKING, Status.IMPORTING]
# How long the file of a job stuck in the worker is kept past its expiry: a running import is not pulled
# from under the worker.
GRACE = timedelta(hours=1)


def job_path(job: ImportJob) -> Path:
    return Path(settings.IMPORT_DIR) / str(job.pk)


def progress_key(job_id: JobId) -> str:
    return f"import-job-progress:{job_id}"


def job_progress(job: ImportJob) -> int:
    """Percent done. While importing, the progress is in the cache: the import is one transaction, whose
    writes nobody else sees until it commits."""
    if job.status == Status.IMPORTING:
        return cache.get(progress_key(job.pk), job.progress)
    return job.progress


def import_job_start(*, owner: User, upload: UploadedFile) -> ImportJob:
    """Keep the upload and enqueue its check on commit; what can be refused at once (size, kind) is."""
    if not selectors.can_add_customers(owner):
        raise RuleError(_("You cannot add customers."))
    importing.check_upload(upload)
    job = ImportJob.objects.create(
        owner=owner, file_name=(upload.name or "")[-255:], language=owner.language or translation.get_language(),
        expires_at=timezone.now() + timedelta(hours=settings.IMPORT_KEEP_HOURS),
    )
    path = job_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as kept:
        for chunk in upload.chunks():
            kept.write(chunk)
    from .tasks import check_import_job

    transaction.on_commit(partial(check_import_job.delay, str(job.pk)))
    return job


def import_job_confirm(*, job: ImportJob, by: User, only_good: bool) -> None:
    """Claim the import of a checked job (a conditional update: a double click imports once) and enqueue it."""
    if job.owner_id != by.pk or not selectors.can_add_customers(by):
        raise RuleError(_("You cannot add customers."))
    if job.bad_count and not only_good:
        raise importing.bad_rows_refusal(job.bad_count)
    claimed = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED, expires_at__gt=timezone.now()).update(
        status=Status.IMPORTING, only_good=only_good, progress=0, error="")
    if not claimed:
        raise RuleError(_("This check is out of date or was replaced by a newer one: upload the file again."))
    from .tasks import import_import_job

    transaction.on_commit(partial(import_import_job.delay, str(job.pk)))


def _read(job: ImportJob, owner: User, *, progress: importing.Progress) -> tuple[list[importing.RowResult], list[str]]:
    with job_path(job).open("rb") as kept:
        table = importing.read_table(File(kept, name=job.file_name))
    return importing.check_rows(table, user=owner, progress=progress), table.ignored_columns


def _record_check(job_id: JobId, results: list[importing.RowResult], ignored: list[str], **fields: object) -> None:
    good = sum(1 for row in results if row.ok)
    ImportJob.objects.filter(pk=job_id).update(
        report=importing.report_rows(results), ignored_columns=[importing.cut_cell(title) for title in ignored],
        row_count=len(results), good_count=good, bad_count=len(results) - good, **fields)


def _fail(job_id: JobId, message: str) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=Status.FAILED, error=message, finished_at=timezone.now())
    Path(settings.IMPORT_DIR, str(job_id)).unlink(missing_ok=True)


def check_run(job_id: JobId) -> int:
    """The dry run: read and check the kept file, record the report. Returns the number of rows checked;
    a job no longer being checked (a redelivered message) does nothing."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.CHECKING).select_related("owner").first()
    if job is None:
        return 0

    def progress(share: float) -> None:
        ImportJob.objects.filter(pk=job_id).update(progress=int(99 * share))

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            results, ignored = _read(job, job.owner, progress=progress)
        except RuleError as error:
            _fail(job_id, str(error))
            return 0
        except Exception:
            _fail(job_id, _("The file could not be checked. Try again, or tell your administrator if it fails again."))
            raise
    _record_check(job_id, results, ignored, status=Status.CHECKED, progress=100, finished_at=timezone.now())
    return len(results)


def import_run(job_id: JobId) -> int:
    """The confirmed import: check the file again (the data may have changed since) and save the good
    rows in one transaction, all or nothing, with the job marked done in the same transaction, so that a
    redelivered message finds it done. Returns the number of customers created."""
    job = ImportJob.objects.filter(pk=job_id, status=Status.IMPORTING).select_related("owner").first()
    if job is None:
        return 0
    key = progress_key(job_id)

    def checking(share: float) -> None:
        cache.set(key, int(40 * share), 3600)

    def saving(share: float) -> None:
        cache.set(key, 40 + int(59 * share), 3600)

    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            results, ignored = _read(job, job.owner, progress=checking)
        except RuleError as error:  # the rules for reading a file changed in between
            _fail(job_id, str(error))
            return 0
        try:
            with transaction.atomic():
                created = importing.import_rows(results, user=job.owner, only_good=job.only_good, progress=saving)
                _record_check(job_id, results, ignored, status=Status.DONE, imported_count=created, progress=100,
                              finished_at=timezone.now())
        except RuleError as error:  # rows went bad since the dry run: back to the report, with the reason
            _record_check(job_id, results, ignored, status=Status.CHECKED, error=str(error), progress=100)
            return 0
        except IntegrityError:  # a customer with one of these numbers was saved at the same moment
            _record_check(job_id, results, ignored, status=Status.CHECKED, progress=100, error=_(
                "A customer with one of these registration numbers was saved meanwhile; nothing was imported. "
                "Check the file again."))
            return 0
        except Exception:
            ImportJob.objects.filter(pk=job_id).update(
                status=Status.CHECKED, progress=100,
                error=_("The import failed and nothing was saved. Try again, or tell your administrator if it "
                        "fails again."))
            raise
        finally:
            cache.delete(key)
    job_path(job).unlink(missing_ok=True)
    return created


def expire_jobs() -> int:
    """Delete the files of jobs past their expiry (and any file left without a job). Idempotent."""
    now = timezone.now()
    expired = list(ImportJob.objects.filter(expires_at__lte=now).exclude(status__in=[Status.DONE, Status.FAILED])
                   .exclude(status=Status.IMPORTING, expires_at__gt=now - GRACE).values_list("pk", flat=True))
    ImportJob.objects.filter(pk__in=expired).update(status=Status.EXPIRED, finished_at=now)
    folder = Path(settings.IMPORT_DIR)
    if folder.is_dir():
        kept = {str(pk) for pk in ImportJob.objects.filter(status__in=[Status.CHECKING, Status.CHECKED,
                                                                        Status.IMPORTING]).values_list("pk", flat=True)}
        for path in folder.iterdir():
            if path.name not in kept:
                path.unlink(missing_ok=True)
    return len(expired)
