"""Importing customers with their primary contact from a CSV or Excel file: read, check every row, save all or none."""

import codecs
import csv
import datetime
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import tablib
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries
from openpyxl.utils.exceptions import InvalidFileException

from accounts.exports import unquote_cell
from accounts.models import User
from accounts.services import RuleError

from . import selectors, services
from .exchange import COLUMN_LABELS, COLUMNS
from .forms.customers import ContactForm, CustomerForm, VolumeForm
from .models import Commodity, Contact, Customer, PaymentTerms
from .services import Volume
from .validators import uscc_check_character

# The limits (settings IMPORT_MAX_*) are checked as the file is read, so that a small file that expands to a
# huge one is refused before it costs memory or minutes: a workbook is a zip, and one shared string may
# unpack to gigabytes. Blank rows cost little to store in an .xlsx; stop reading a file made mostly of them.
BLANK_ROWS_FACTOR = 10
# Rows saved per round of inserts: the progress bar moves after each.
SAVE_BATCH = 500
# The results page shows at most this many characters of a cell.
REPORT_CELL = 200
REQUIRED_COLUMNS = ["Name", "Kind", "Owner"]
# Exported for reading, computed by the system: never taken from a file.
COMPUTED_COLUMNS = ["Tier", "Last contacted"]

# Which column of the file fills which field of the forms.
CUSTOMER_FIELDS = {
    "name": "Name", "short_name": "Short name", "registration_number": "Registration number", "country": "Country",
    "province": "Province", "city": "City", "address": "Address", "kind": "Kind", "status": "Status",
    "lead_source": "Lead source", "payment_terms": "Payment terms", "owner": "Owner", "notes": "Notes",
}
CONTACT_FIELDS = {
    "name": "Contact name", "title": "Contact title", "mobile": "Contact mobile", "email": "Contact email",
    "wechat_id": "Contact WeChat",
}
CHOICE_COLUMNS: dict[str, type[models.TextChoices]] = {
    "Kind": Customer.Kind, "Status": Customer.Status, "Lead source": Customer.LeadSource,
    "Payment terms": PaymentTerms,
}
_FIELD_BY_COLUMN = {column: name for name, column in CUSTOMER_FIELDS.items()}
_COLUMN_BY_KEY = {" ".join(column.split()).casefold(): column for column in COLUMNS}
_ZIP_SIGNATURE = b"PK\x03\x04"
# Called now and then with the share of the work done (0 to 1), to move a progress bar.
Progress = Callable[[float], None]
# A file's rows, each as its spreadsheet row number and its cells' text.
Rows = Iterator[tuple[int, list[str]]]
# A row's problems by column; None for the row or its contact as a whole.
Problems = defaultdict[str | None, list[str]]
# How openpyxl fails on a damaged or foreign file; to the user they all mean the same.
_BAD_WORKBOOK = (
    zipfile.BadZipFile, InvalidFileException, SyntaxError, KeyError, IndexError, ValueError, TypeError,
    AttributeError, OSError, EOFError, zlib.error,
)


class ImportTable(tablib.Dataset):
    """The rows of an uploaded file under the export's headers, with the spreadsheet row number of
    each (the header is row 1; blank rows are left out) and the file's columns that were ignored."""

    row_numbers: list[int]
    ignored_columns: list[str]


@dataclass
class RowResult:
    number: int  # as the user sees it in the spreadsheet: the header is row 1
    values: dict[str, str]  # cell text by column, for every column of the export
    errors: list[str] = field(default_factory=list)  # translated, each naming its column
    warnings: list[str] = field(default_factory=list)  # worth a look, but no reason to refuse the row
    # What would be saved, when the row is good.
    customer: Customer | None = None
    volumes: list[Volume] = field(default_factory=list)
    contact: Contact | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        return self.values.get("Name", "")

    @property
    def owner(self) -> str:
        return self.values.get("Owner", "")


@dataclass
class ReportRow:
    """A row of the results page, as kept in ImportJob.report: no cell longer than REPORT_CELL."""

    number: int
    name: str
    owner: str
    errors: list[str]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Reading the file ----------------------------------------------------------------------------


def read_table(uploaded_file: File) -> ImportTable:
    """The rows of an uploaded .csv or .xlsx file, or a RuleError that says what is wrong with it."""
    content = _read_bytes(uploaded_file)
    name = (getattr(uploaded_file, "name", "") or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension == "xls":
        raise RuleError(_("This is the old Excel format (.xls): save it as an Excel workbook (.xlsx) or as CSV."))
    if extension not in ("csv", "xlsx"):
        raise RuleError(_("Upload a spreadsheet saved as CSV (.csv) or as an Excel workbook (.xlsx)."))
    if not content.removeprefix(codecs.BOM_UTF8).strip():
        raise RuleError(_("The file is empty."))
    # Judge by the bytes, not the name: a workbook renamed .csv is still a workbook.
    if content.startswith(_ZIP_SIGNATURE):
        rows = _xlsx_rows(content)
    elif extension == "xlsx":
        raise RuleError(_("This file is not an Excel workbook (.xlsx), although its name says so."))
    else:
        rows = _csv_rows(content)
    return _table(rows)


def check_upload(uploaded_file: File) -> None:
    """What can be said of an upload at once, before it is kept for the worker: its size and kind."""
    if (getattr(uploaded_file, "size", None) or 0) > settings.IMPORT_MAX_BYTES:
        raise _too_large()
    name = (getattr(uploaded_file, "name", "") or "").lower()
    if name.endswith(".xls"):
        raise RuleError(_("This is the old Excel format (.xls): save it as an Excel workbook (.xlsx) or as CSV."))
    if not name.endswith((".csv", ".xlsx")):
        raise RuleError(_("Upload a spreadsheet saved as CSV (.csv) or as an Excel workbook (.xlsx)."))


def _read_bytes(uploaded_file: File) -> bytes:
    limit = settings.IMPORT_MAX_BYTES
    if (getattr(uploaded_file, "size", None) or 0) > limit:
        raise _too_large()
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise _too_large()
    return content


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _too_large() -> RuleError:
    return RuleError(_("The file is larger than %(size)s MB: split it into smaller files.")
                     % {"size": _megabytes(settings.IMPORT_MAX_BYTES)})


def _too_long_cell(number: int) -> RuleError:
    return RuleError(_("A cell on row %(row)d is longer than %(count)d characters, the most a cell may hold.")
                     % {"row": number, "count": settings.IMPORT_MAX_CELL})


def _too_many_columns(number: int) -> RuleError:
    return RuleError(_("Row %(row)d has more than %(count)d columns, the most a file may have.")
                     % {"row": number, "count": settings.IMPORT_MAX_COLUMNS})


def _checked_cells(number: int, cells: list[str]) -> list[str]:
    """The row's cells, once none is past the column or cell-length limit (blank cells at the end don't count)."""
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > settings.IMPORT_MAX_COLUMNS:
        raise _too_many_columns(number)
    if any(len(cell) > settings.IMPORT_MAX_CELL for cell in cells):
        raise _too_long_cell(number)
    return cells


def _decode(content: bytes) -> str:
    """UTF-8 (Excel's "CSV UTF-8" starts with a byte-order mark), else GB18030, which Chinese
    Excel uses for plain "CSV"."""
    encodings = ["utf-8-sig"] if content.startswith(codecs.BOM_UTF8) else ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise RuleError(_("The text of this file could not be read: save it as “CSV UTF-8” and upload it again."))


def _csv_rows(content: bytes) -> Rows:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal mark is a comma, and some tools write tabs.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # The csv module's limit is process-wide: set for this file's reading, put back after.
    previous_limit = csv.field_size_limit(settings.IMPORT_MAX_CELL + 2)  # + 2: the quotes around a quoted cell
    try:
        for number, row in enumerate(reader, start=1):
            if number > BLANK_ROWS_FACTOR * settings.IMPORT_MAX_ROWS:
                raise _too_many_rows()
            yield number, _checked_cells(reader.line_num, [unquote_cell(cell.strip()) for cell in row])
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise _too_long_cell(reader.line_num) from None
        raise RuleError(_("The file could not be read as CSV near line %(line)d.") % {"line": reader.line_num}) \
            from None
    finally:
        csv.field_size_limit(previous_limit)


def _check_zip(content: bytes) -> None:
    """Refuse a workbook whose parts would unpack past IMPORT_MAX_UNCOMPRESSED, or that holds more distinct
    texts (shared strings) than a file within the row and column limits can use, before openpyxl reads it
    (it loads every shared string into memory). The sizes come from the zip's directory; a member that
    lies about its size fails to unpack (zipfile checks), and the shared strings are counted as unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except _BAD_WORKBOOK:
        raise RuleError(_("This file could not be read as an Excel workbook (.xlsx).")) from None
    limit = settings.IMPORT_MAX_UNCOMPRESSED
    if sum(member.file_size for member in members) > limit:
        raise _too_large_unpacked()
    shared = next((m for m in members if m.filename.lower().endswith("sharedstrings.xml")), None)
    if shared is None:
        return
    count, tail, read = 0, b"", 0
    try:
        with archive.open(shared) as stream:
            while chunk := stream.read(1024 * 1024):
                read += len(chunk)
                if read > limit:
                    raise _too_large_unpacked()
                text = tail + chunk
                count += sum(text.count(tag) for tag in (b"<si>", b"<si ", b":si>", b":si "))
                tail = text[-3:]  # a tag cut by the chunk's end is counted with the next chunk
    except _BAD_WORKBOOK:
        raise RuleError(_("This file could not be read as an Excel workbook (.xlsx).")) from None
    most = settings.IMPORT_MAX_ROWS * settings.IMPORT_MAX_COLUMNS
    if count > most:
        raise RuleError(_("The workbook holds more than %(count)d different texts: split it into smaller files.")
                        % {"count": most})


def _too_large_unpacked() -> RuleError:
    return RuleError(_("The workbook unpacks to more than %(size)s MB: split it into smaller files.")
                     % {"size": _megabytes(settings.IMPORT_MAX_UNCOMPRESSED)})


def _xlsx_rows(content: bytes) -> Rows:
    _check_zip(content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _BAD_WORKBOOK:
        raise RuleError(_("This file could not be read as an Excel workbook (.xlsx).")) from None
    try:
        sheet = book.active or book.worksheets[0]
        # One column past the limit is read, to tell a file that has too many.
        rows = sheet.iter_rows(max_col=settings.IMPORT_MAX_COLUMNS + 1, values_only=True)
        for number, row in enumerate(rows, start=1):
            if number > BLANK_ROWS_FACTOR * settings.IMPORT_MAX_ROWS:
                raise _too_many_rows()
            yield number, _checked_cells(number, [_cell_text(value) for value in row])
    except _BAD_WORKBOOK:
        raise RuleError(_("This file could not be read as an Excel workbook (.xlsx).")) from None
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A cell as the text the user sees, whatever type Excel gave it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 13800138000.0 is a phone number, 120000.0 a tonnage
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unquote_cell(str(value).strip())


def _too_many_rows() -> RuleError:
    return RuleError(_("The file has more than %(count)d rows: split it into smaller files.")
                     % {"count": settings.IMPORT_MAX_ROWS})


def _header_key(header: object) -> str:
    return " ".join(str(header or "").split()).casefold()


def _chinese_columns() -> dict[str, str]:
    """Each column by its Chinese header, as an export in Chinese writes it."""
    with translation.override("zh-hans"):
        return {_header_key(label): column for column, label in COLUMN_LABELS.items()}


def _canonical(header: object) -> str | None:
    key = _header_key(header)
    return _COLUMN_BY_KEY.get(key) or _chinese_columns().get(key)


def _table(rows: Iterable[tuple[int, list[str]]]) -> ImportTable:
    """Find the header (the first row with anything in it), keep the known columns, drop blank rows."""
    header: list[str] | None = None
    positions: dict[str, int] = {}
    ignored: list[str] = []
    table_rows: list[list[str]] = []
    numbers: list[int] = []
    for number, cells in rows:
        if not any(cells):
            continue
        if header is None:
            header = cells
            for index, title in enumerate(header):
                column = _canonical(title)
                if column is None:
                    if title:
                        ignored.append(title)
                elif column in positions:
                    raise RuleError(_("The column %(column)s appears twice.") % {"column": column})
                else:
                    positions[column] = index
            missing = [column for column in REQUIRED_COLUMNS if column not in positions]
            if missing:
                raise RuleError(
                    ngettext(
                        "The file lacks the column %(columns)s. The first row must hold the column headers: "
                        "download the template to see them.",
                        "The file lacks the columns %(columns)s. The first row must hold the column headers: "
                        "download the template to see them.",
                        len(missing),
                    ) % {"columns": ", ".join(missing)}
                )
            continue
        if len(table_rows) >= settings.IMPORT_MAX_ROWS:
            raise _too_many_rows()
        table_rows.append([cells[index] if index < len(cells) else "" for index in positions.values()])
        numbers.append(number)
    if header is None:
        raise RuleError(_("The file is empty."))
    if not table_rows:
        raise RuleError(_("The file has column headers but no customers under them."))
    table = ImportTable(*table_rows, headers=list(positions))
    table.row_numbers = numbers
    table.ignored_columns = ignored
    return table


# --- Checking the rows ---------------------------------------------------------------------------


def check_rows(dataset: tablib.Dataset, *, user: User, progress: Progress | None = None) -> list[RowResult]:
    """Check every row with the rules of the customer and contact forms, plus duplicates; nothing is saved.
    `progress`, if given, is called with the share of rows checked (0 to 1) now and then."""
    with translation.override(user.language or translation.get_language()):
        return _Checker(user).check(dataset, progress=progress)


def cut_cell(text: str) -> str:
    return text if len(text) <= REPORT_CELL else text[:REPORT_CELL] + "…"


def report_rows(results: list[RowResult]) -> list[dict[str, int | str | list[str]]]:
    """The results as the results page shows them (JSON for ImportJob.report): no cell past REPORT_CELL
    characters, and a message quoting a cell no longer than a cell and its words."""
    return [
        {"number": row.number, "name": cut_cell(row.name), "owner": cut_cell(row.owner),
         "errors": [message[:2 * REPORT_CELL] for message in row.errors],
         "warnings": [message[:2 * REPORT_CELL] for message in row.warnings]}
        for row in results
    ]


def _problem(column: str | None, message: object) -> str:
    if column is None:
        return str(message)
    # The column as the reader's headers name it (the file's own headers may be English).
    return _("%(column)s: %(message)s") % {"column": COLUMN_LABELS.get(column, column), "message": message}


class _ImportCustomerForm(CustomerForm):
    """The customer form's rules, less the look-ups the checker has done once for the whole file: the owner
    comes from the users it loaded, the country from its own lookup (a code or a name), and the registration
    number's uniqueness from one query for every row. Done per row, those cost a 20,000-row file minutes."""

    country = forms.CharField()  # already a code: _Checker._country reads codes and names

    def __init__(self, *args: Any, owners: dict[int, User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _KnownOwnerField(owners, label=self.fields["owner"].label)

    def clean_registration_number(self) -> str:
        return _registration_key(self.cleaned_data["registration_number"])

    def _get_validation_exclusions(self) -> set[str]:
        # The form's fields have checked these; the model would check the country against every country's
        # name, the number's uniqueness with two queries and the owner's existence with one, per row.
        exclusions = super()._get_validation_exclusions()  # type: ignore[misc]  # in Django, not in its stubs
        return {*exclusions, "country", "registration_number", "owner"}


class _KnownOwnerField(forms.ModelChoiceField):
    def __init__(self, owners: dict[int, User], **kwargs: Any) -> None:
        super().__init__(queryset=User.objects.none(), **kwargs)
        self.owners = owners

    def to_python(self, value: Any) -> User | None:
        if value in self.empty_values:
            return None
        try:
            return self.owners[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class _Checker:
    """What every row is checked against, loaded once for the whole file."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.choices = {column: _choice_lookup(choices) for column, choices in CHOICE_COLUMNS.items()}
        self.commodities: dict[str, Commodity] = {}
        for commodity in Commodity.objects.all():
            for label in (commodity.name, commodity.name_zh):
                if label:
                    self.commodities.setdefault(label.strip().casefold(), commodity)
        self.possible_owner_ids = set(selectors.possible_owners(user).values_list("pk", flat=True))
        self.countries: dict[str, str | None] = {}
        self.owners: dict[str, User] = {}
        self.owners_by_pk: dict[int, User] = {}

    def check(self, dataset: tablib.Dataset, progress: Progress | None = None) -> list[RowResult]:
        headers = [_canonical(header) for header in dataset.headers or []]
        numbers = getattr(dataset, "row_numbers", None) or range(2, len(dataset) + 2)
        rows = []
        for number, cells in zip(numbers, dataset, strict=False):
            values = dict.fromkeys(COLUMNS, "")
            for column, cell in zip(headers, cells, strict=False):
                if column:
                    values[column] = _cell_text(cell)
            rows.append(RowResult(number=number, values=values))
        self.owners = self._owners_by_username({row.owner for row in rows if row.owner})
        self.owners_by_pk = {owner.pk: owner for owner in self.owners.values()}
        numbers_taken = set(
            Customer.objects.filter(registration_number__in={_registration(row) for row in rows} - {""})
            .values_list("registration_number", flat=True)
        )
        for index, row in enumerate(rows, start=1):
            self._check_row(row, numbers_taken)
            if progress is not None and index % 200 == 0:
                progress(index / len(rows))
        self._check_duplicates_in_file(rows)
        self._warn_of_existing_names(rows)
        for row in rows:
            if row.errors:
                row.customer, row.volumes, row.contact = None, [], None
        return rows

    def _owners_by_username(self, usernames: set[str]) -> dict[str, User]:
        """Usernames as typed, matched exactly or else regardless of case."""
        found = list(User.objects.annotate(key=Lower("username")).filter(key__in={u.lower() for u in usernames}))
        exact = {user.username: user for user in found}
        by_key = defaultdict(list)
        for user in found:
            by_key[user.username.lower()].append(user)
        return {
            username: exact.get(username) or by_key[username.lower()][0]
            for username in usernames
            if username in exact or len(by_key[username.lower()]) == 1
        }

    def _check_row(self, row: RowResult, numbers_taken: set[str]) -> None:
        problems: Problems = defaultdict(list)
        data: dict[str, str | int] = {name: row.values[column] for name, column in CUSTOMER_FIELDS.items()}

        for column, lookup in self.choices.items():
            raw = row.values[column]
            if raw:
                code = lookup.get(raw.casefold())
                if code is None:
                    problems[column].append(
                        _("“%(value)s” is not one of: %(choices)s.")
                        % {"value": raw, "choices": ", ".join(str(label) for label in CHOICE_COLUMNS[column].labels)}
                    )
                data[_FIELD_BY_COLUMN[column]] = code or ""
        if not data["status"]:
            data["status"] = Customer.Status.PROSPECT  # as the new-customer form starts

        country = self._country(row.values["Country"])
        if country is None:
            problems["Country"].append(
                _("“%(value)s” is not a country we know: give its two-letter code, e.g. CN.")
                % {"value": row.values["Country"]}
            )
        data["country"] = country or ""

        username = row.owner
        owner = self.owners.get(username) if username else None
        if username and owner is None:
            problems["Owner"].append(_("There is no user with the username “%(username)s”.") % {"username": username})
        elif owner is not None and owner.pk not in self.possible_owner_ids:
            problems["Owner"].append(
                _("You cannot make %(username)s the owner: only you, or active sellers you manage, can own the "
                  "customers you import.") % {"username": username}
            )
        data["owner"] = owner.pk if owner is not None and owner.pk in self.possible_owner_ids else ""

        form = _ImportCustomerForm(data, user=self.user, owners=self.owners_by_pk)
        form.is_valid()
        for name, messages in form.errors.items():
            field_column = CUSTOMER_FIELDS.get(name)
            if field_column in problems:
                continue  # already said more precisely than the form can
            problems[field_column].extend(str(message) for message in messages)
        number = _registration(row)
        if number in numbers_taken and not problems.get("Registration number"):  # unless the form said so
            problems["Registration number"].append(
                _("A customer with the registration number %(number)s already exists.") % {"number": number}
            )

        row.volumes = self._volumes(row.values["Commodities"], problems)
        row.contact = self._contact(row, country or "CN", problems)
        row.errors = [_problem(column, message) for column in [*COLUMNS, None] for message in problems.get(column, [])]
        if not row.errors:
            row.customer = form.save(commit=False)

    def _country(self, raw: str) -> str | None:
        """A country code from a code or an English or Chinese name; CN when left blank."""
        if not raw:
            return "CN"
        if raw not in self.countries:
            code = raw.upper() if raw.upper() in countries else ""
            for language in ("en", "zh-hans"):
                code = code or countries.by_name(raw, language=language)
            self.countries[raw] = code or None
        return self.countries[raw]

    def _volumes(self, cell: str, problems: Problems) -> list[Volume]:
        """'Thermal coal: 120000; Iron ore fines: 50000', each checked as a volume row of the form."""
        column, tonnes_field = "Commodities", VolumeForm.base_fields["estimated_annual_tonnes"]
        volumes, errors = {}, []
        for part in re.split(r"[;；\n]", cell):
            if not part.strip():
                continue
            name, colon, tonnes = part.replace("：", ":").rpartition(":")
            if not colon:
                name, tonnes = tonnes, "0"  # a commodity without a figure: volume not known yet
            name, tonnes = name.strip(), tonnes.strip()
            if re.fullmatch(r"-?\d{1,3}([, ]\d{3})+", tonnes):
                tonnes = re.sub(r"[, ]", "", tonnes)  # 120,000 and 120 000 are thousands
            commodity = self.commodities.get(name.casefold())
            if commodity is None:
                errors.append(
                    _("There is no commodity “%(name)s” in the list (the director keeps it).") % {"name": name}
                    if name else _("Write each commodity as Name: tonnes, separated by semicolons.")
                )
                continue
            if commodity in volumes:
                errors.append(_("Each commodity once, please: %(name)s is listed twice.") % {"name": commodity})
                continue
            try:
                volumes[commodity] = tonnes_field.clean(tonnes)
            except ValidationError as error:
                errors.extend(_problem(name, message) for message in error.messages)
        problems[column].extend(errors)
        return [] if errors else list(volumes.items())

    def _contact(self, row: RowResult, country: str, problems: Problems) -> Contact | None:
        data = {name: row.values[column] for name, column in CONTACT_FIELDS.items()}
        if not any(data.values()):
            return None
        form = ContactForm(data | {"is_primary": "on"}, country=country)
        if form.is_valid():
            return form.save(commit=False)
        for name, messages in form.errors.items():  # a name not in CONTACT_FIELDS: the contact as a whole
            problems[CONTACT_FIELDS.get(name)].extend(str(message) for message in messages)
        return None

    def _check_duplicates_in_file(self, rows: list[RowResult]) -> None:
        for column, key in (("Registration number", _registration), ("Name", lambda row: services.name_key(row.name))):
            groups = defaultdict(list)
            for row in rows:
                if value := key(row):
                    groups[value].append(row)
            for group in groups.values():
                for row in group if len(group) > 1 else []:
                    others = ", ".join(str(other.number) for other in group if other is not row)
                    message = (
                        ngettext("The same number is also on row %(rows)s.", "The same number is also on rows "
                                 "%(rows)s.", len(group) - 1)
                        if column == "Registration number"
                        else ngettext("The same company is also on row %(rows)s.", "The same company is also on rows "
                                      "%(rows)s.", len(group) - 1)
                    ) % {"rows": others}
                    row.errors.append(_problem(column, message))

    def _warn_of_existing_names(self, rows: list[RowResult]) -> None:
        """Two reps must not chase the same buyer unknowingly (as on the new-customer form)."""
        keys = {services.name_key(row.name) for row in rows} - {""}
        existing = defaultdict(list)
        for customer in Customer.objects.filter(name_key__in=keys).select_related("owner"):
            existing[customer.name_key].append(customer)
        for row in rows:
            for customer in existing.get(services.name_key(row.name), []):
                row.warnings.append(
                    _("A customer named %(name)s already exists, owned by %(owner)s: make sure this is another "
                      "company.") % {"name": customer.name, "owner": customer.owner}
                )


def _registration(row: RowResult) -> str:
    return _registration_key(row.values["Registration number"])


def _registration_key(number: str) -> str:
    return number.strip().upper().replace(" ", "")  # as CustomerForm.clean_registration_number writes it


def _choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Each choice by its code and by its English and Chinese labels, regardless of case."""
    lookup: dict[str, str] = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, label in choices.choices:
                lookup.setdefault(str(label).strip().casefold(), code)
    for code in choices.values:
        lookup[code.casefold()] = code
    return lookup


# --- Saving --------------------------------------------------------------------------------------


def bad_rows_refusal(bad: int) -> RuleError:
    return RuleError(
        ngettext(
            "%(count)d row has errors: correct the file, or choose to import only the good rows.",
            "%(count)d rows have errors: correct the file, or choose to import only the good rows.",
            bad,
        ) % {"count": bad}
    )


def import_rows(results: list[RowResult], *, user: User, only_good: bool, progress: Progress | None = None) -> int:
    """Create the customers of the good rows, with their volumes and primary contact: all or nothing."""
    if not selectors.can_add_customers(user):
        raise RuleError(_("You cannot add customers."))
    bad = sum(1 for row in results if row.errors)
    if bad and not only_good:
        raise bad_rows_refusal(bad)
    good = [row for row in results if not row.errors]
    if not good:
        raise RuleError(_("There is no good row to import."))
    with transaction.atomic():
        for start in range(0, len(good), SAVE_BATCH):
            batch = good[start:start + SAVE_BATCH]
            # A good row always has its customer; the check leaves it empty only on a row with errors.
            entries = [(row.customer, row.volumes, row.contact) for row in batch if row.customer is not None]
            services.customers_create(entries=entries, by=user)
            if progress is not None:
                progress((start + len(batch)) / len(good))
    return len(good)


# --- The template file ---------------------------------------------------------------------------


def template_table(*, user: User) -> tablib.Dataset:
    """The export's columns with one example row, for a team to fill in."""
    commodities = list(Commodity.objects.order_by("name")[:2])
    volumes = "; ".join(f"{commodity.name}: {tonnes}" for commodity, tonnes in zip(
        commodities, [120000, 50000], strict=False)) or "Thermal coal: 120000"
    first_17 = "91370200MA3C12345"
    example = {
        "Name": "Rizhao Example Steel Co., Ltd.", "Short name": "Rizhao Example Steel",
        "Registration number": first_17 + uscc_check_character(first_17), "Country": "CN",
        "Province": "Shandong", "City": "Rizhao", "Address": "1 Harbour Road", "Kind": Customer.Kind.STEEL_MILL,
        "Status": Customer.Status.PROSPECT, "Lead source": Customer.LeadSource.TRADE_SHOW,
        "Payment terms": PaymentTerms.LC_SIGHT, "Owner": user.username, "Commodities": volumes,
        "Contact name": "Wang Lei", "Contact title": "Purchasing manager", "Contact mobile": "+86 138 0013 8000",
        "Contact email": "wang.lei@example.com", "Contact WeChat": "wanglei_rz",
    }
    return tablib.Dataset([example.get(column, "") for column in COLUMNS], headers=COLUMNS)
