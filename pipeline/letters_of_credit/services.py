"""Writes of letters of credit. The status moves only here: record (expected, or received with its
number), receive, amend, present, record and resolve a discrepancy, accept, mark paid. A received L/C's
terms change only by a recorded amendment; a stale form is refused by the L/C's version. "Expired" is
never stored: an L/C past its expiry with no documents presented shows as expired (models.shown_status),
so that an amendment extending the expiry revives it without a job having to write anything."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.bounds import check_business_date
from accounts.models import User
from accounts.services import RuleError
from pipeline.execution.models import Shipment
from pipeline.models import Deal, Outcome

from .models import Discrepancy, Document, LCAmendment, LetterOfCredit, Presentation
from .selectors import can_record_letters_of_credit

Status = LetterOfCredit.Status

# The terms an amendment may change; the number and the issuing bank identify the L/C and do not change.
AMENDABLE = ["amount", "currency", "tolerance_percent", "kind", "usance_days", "advising_bank", "advising_bank_bic",
             "confirmed", "confirming_bank", "confirming_bank_bic", "latest_shipment_date", "expiry_date",
             "expiry_place", "presentation_days", "partial_shipments_allowed", "documents"]
# Where documents may still be presented under the L/C (and amendments received).
BEFORE_PAYMENT = (Status.RECEIVED, Status.AMENDED, Status.PRESENTED, Status.DISCREPANT)


def _check_recorder(by: User, deal: Deal) -> None:
    if deal.outcome != Outcome.WON:
        raise RuleError(_("Only a signed contract has letters of credit."))
    if not can_record_letters_of_credit(by, deal):
        raise RuleError(_("Only the contract's owner, their manager or a director records its letters of credit."))


def _locked(letter: LetterOfCredit, expected_version: int | None) -> LetterOfCredit:
    current = LetterOfCredit.objects.select_for_update().select_related("deal").get(pk=letter.pk)
    if expected_version is not None and current.version != expected_version:
        raise RuleError(_("Someone else changed this letter of credit while you were looking at it: check its "
                          "current terms and status, and try again."))
    return current


def _check_terms(letter: LetterOfCredit) -> None:
    if letter.kind == LetterOfCredit.Kind.USANCE and not letter.usance_days:
        raise RuleError(_("A usance L/C says how many days after presentation or the B/L it is paid."))
    if letter.kind == LetterOfCredit.Kind.SIGHT:
        letter.usance_days = None
    if letter.confirmed and not letter.confirming_bank.strip():
        raise RuleError(_("Name the bank that confirmed the L/C."))
    if not letter.confirmed:
        letter.confirming_bank, letter.confirming_bank_bic = "", ""
    unknown = [value for value in letter.documents if value not in Document.values]
    if unknown:
        raise RuleError(_("Choose the documents from the list."))
    letter.documents = [value for value in Document.values if value in letter.documents]
    for name in ("issuing_bank_bic", "advising_bank_bic", "confirming_bank_bic"):
        setattr(letter, name, getattr(letter, name).strip().upper())
    if letter.issued_on and letter.expiry_date and letter.expiry_date < letter.issued_on:
        raise RuleError(_("The L/C cannot expire before it is issued."))
    if letter.latest_shipment_date and letter.expiry_date and letter.expiry_date < letter.latest_shipment_date:
        raise RuleError(_("The L/C cannot expire before its latest shipment date."))


def _check_received(letter: LetterOfCredit) -> None:
    if not letter.number.strip():
        raise RuleError(_("A received L/C has its number."))
    if letter.latest_shipment_date is None or letter.expiry_date is None:
        raise RuleError(_("A received L/C has its latest shipment date and its expiry date."))


@transaction.atomic
def letter_of_credit_record(*, letter: LetterOfCredit, by: User, received_on: date | None = None) -> LetterOfCredit:
    """Record a contract's L/C: expected while its number is blank, else received (on `received_on`)."""
    deal = Deal.objects.select_for_update().get(pk=letter.deal_id)
    letter.deal = deal
    _check_recorder(by, deal)
    letter.number = letter.number.strip()
    _check_terms(letter)
    if letter.number:
        _check_received(letter)
        letter.status, letter.received_on = Status.RECEIVED, received_on or letter.received_on
    else:
        letter.status, letter.received_on = Status.EXPECTED, None
    letter.created_by = by
    letter.save()
    return letter


@transaction.atomic
def letter_of_credit_update(*, letter: LetterOfCredit, by: User, expected_version: int,
                            received_on: date | None = None) -> LetterOfCredit:
    """Save the terms of an L/C still expected; with its number given, it is received from then on."""
    _check_recorder(by, letter.deal)
    current = _locked(letter, expected_version)
    if current.status != Status.EXPECTED:
        raise RuleError(_("This L/C is received: its terms change only by an amendment."))
    letter.number = letter.number.strip()
    _check_terms(letter)
    if letter.number:
        _check_received(letter)
        letter.status, letter.received_on = Status.RECEIVED, received_on or letter.received_on
    letter.version = current.version + 1
    letter.save()
    return letter


def _stored(value: Any) -> Any:
    """A term's value as an amendment keeps it (JSON): dates and Decimals as text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


@transaction.atomic
def letter_of_credit_amend(*, letter: LetterOfCredit, terms: dict[str, Any], issued_on: date, note: str, by: User,
                           expected_version: int) -> LCAmendment:
    """Record the bank's amendment of a received L/C: the terms it changes take effect, and the amendment
    keeps what each was and became. Nothing changed is no amendment."""
    _check_recorder(by, letter.deal)
    current = _locked(letter, expected_version)
    if current.status not in BEFORE_PAYMENT:
        raise RuleError(_("Only a received L/C not yet accepted is amended."))
    check_business_date(issued_on, label=_("Issued by the bank on"))
    if current.issued_on and issued_on < current.issued_on:
        raise RuleError(_("An amendment is issued after the L/C."))
    unknown = set(terms) - set(AMENDABLE)
    if unknown:
        raise RuleError(_("These terms are not changed by an amendment: %(terms)s.")
                        % {"terms": ", ".join(sorted(unknown))})
    before = {name: _stored(getattr(current, name)) for name in AMENDABLE}
    for name, value in terms.items():
        setattr(current, name, value)
    _check_terms(current)
    _check_received(current)
    changes = [{"field": name, "old": before[name], "new": _stored(getattr(current, name))} for name in AMENDABLE
               if before[name] != _stored(getattr(current, name))]
    if not changes:
        raise RuleError(_("The amendment changes none of the L/C's terms."))
    if current.status in (Status.RECEIVED, Status.AMENDED):
        current.status = Status.AMENDED
    current.version += 1
    current.save()
    number = (current.amendments.aggregate(last=Max("number"))["last"] or 0) + 1
    return LCAmendment.objects.create(letter_of_credit=current, number=number, issued_on=issued_on, changes=changes,
                                      note=note.strip(), recorded_by=by)


@transaction.atomic
def presentation_record(*, letter: LetterOfCredit, shipment: Shipment, presented_on: date, documents: list[str],
                        discrepancies: list[str], by: User, expected_version: int) -> Presentation:
    """Record the documents of a loaded shipment presented under the L/C, with the discrepancies the bank
    found in them (the L/C is discrepant until each is resolved)."""
    _check_recorder(by, letter.deal)
    current = _locked(letter, expected_version)
    if current.status not in BEFORE_PAYMENT:
        raise RuleError(_("Documents are presented under a received L/C not yet accepted."))
    if shipment.deal_id != current.deal_id:
        raise RuleError(_("That shipment is another contract's."))
    if shipment.bl_date is None:
        raise RuleError(_("Record the shipment's B/L before presenting its documents."))
    if Presentation.objects.filter(shipment=shipment, letter_of_credit__deal=current.deal_id).exists():
        raise RuleError(_("This shipment's documents are presented already."))
    if not current.partial_shipments_allowed and current.presentations.exists():
        raise RuleError(_("This L/C does not allow partial shipments: its documents are presented once."))
    check_business_date(presented_on, label=_("Presented on"))
    if presented_on < shipment.bl_date:
        raise RuleError(_("The documents are presented after the B/L is issued."))
    if not documents or set(documents) - set(Document.values):
        raise RuleError(_("Choose the documents presented from the list."))
    presentation = Presentation.objects.create(
        letter_of_credit=current, shipment=shipment, presented_on=presented_on, recorded_by=by,
        documents=[value for value in Document.values if value in documents])
    found = [text.strip() for text in discrepancies if text.strip()]
    Discrepancy.objects.bulk_create([Discrepancy(presentation=presentation, description=text, recorded_by=by)
                                     for text in found])
    current.status = Status.DISCREPANT if found or _unresolved(current) else Status.PRESENTED
    current.version += 1
    current.save()
    return presentation


def _unresolved(letter: LetterOfCredit) -> bool:
    return Discrepancy.objects.filter(presentation__letter_of_credit=letter, resolution="").exists()


@transaction.atomic
def discrepancy_record(*, presentation: Presentation, description: str, by: User,
                       expected_version: int) -> Discrepancy:
    """A discrepancy the bank raised on documents presented earlier."""
    letter = presentation.letter_of_credit
    _check_recorder(by, letter.deal)
    current = _locked(letter, expected_version)
    if current.status not in (Status.PRESENTED, Status.DISCREPANT):
        raise RuleError(_("Discrepancies are recorded on documents presented and not yet accepted."))
    if not description.strip():
        raise RuleError(_("Describe the discrepancy."))
    discrepancy = Discrepancy.objects.create(presentation=presentation, description=description.strip(),
                                             recorded_by=by)
    current.status = Status.DISCREPANT
    current.version += 1
    current.save()
    return discrepancy


@transaction.atomic
def discrepancy_resolve(*, discrepancy: Discrepancy, resolution: str, resolved_on: date, by: User,
                        expected_version: int) -> Discrepancy:
    """Resolve a discrepancy, waived by the buyer or with the documents corrected; once none is left
    the documents stand presented again, for the bank to accept."""
    letter = discrepancy.presentation.letter_of_credit
    _check_recorder(by, letter.deal)
    current = _locked(letter, expected_version)
    if current.status != Status.DISCREPANT:
        raise RuleError(_("Only a discrepant L/C's discrepancies are resolved."))
    if resolution not in Discrepancy.Resolution.values:
        raise RuleError(_("Say how the discrepancy was resolved."))
    check_business_date(resolved_on, label=_("Resolved on"))
    if resolved_on < discrepancy.presentation.presented_on:
        raise RuleError(_("A discrepancy is resolved after the documents are presented."))
    if not Discrepancy.objects.filter(pk=discrepancy.pk, resolution="").update(resolution=resolution,
                                                                             resolved_on=resolved_on):
        raise RuleError(_("This discrepancy is resolved already."))
    discrepancy.resolution, discrepancy.resolved_on = resolution, resolved_on
    if not _unresolved(current):
        current.status = Status.PRESENTED
    current.version += 1
    current.save()
    return discrepancy


@transaction.atomic
def letter_of_credit_accept(*, letter: LetterOfCredit, accepted_on: date, by: User,
                            expected_version: int) -> LetterOfCredit:
    """The bank accepted the documents presented (a usance L/C: it will pay at maturity)."""
    _check_recorder(by, letter.deal)
    current = _locked(letter, expected_version)
    if current.status != Status.PRESENTED:
        raise RuleError(_("The bank accepts documents presented with no discrepancy left unresolved."))
    check_business_date(accepted_on, label=_("Accepted on"))
    current.status, current.accepted_on = Status.ACCEPTED, accepted_on
    current.version += 1
    current.save()
    return current


@transaction.atomic
def letter_of_credit_paid(*, letter: LetterOfCredit, paid_on: date, by: User, expected_version: int
                          ) -> LetterOfCredit:
    """The bank paid under the L/C: after accepting the documents, or on presenting them at sight."""
    _check_recorder(by, letter.deal)
    current = _locked(letter, expected_version)
    if current.status != Status.ACCEPTED and not (current.status == Status.PRESENTED
                                                  and current.kind == LetterOfCredit.Kind.SIGHT):
        raise RuleError(_("The bank pays once it has accepted the documents."))
    check_business_date(paid_on, label=_("Paid on"))
    current.status, current.paid_on = Status.PAID, paid_on
    current.accepted_on = current.accepted_on or paid_on
    current.version += 1
    current.save()
    return current
