"""Writes to the pipeline: saving deal terms, moving deals between stages, signing, losing,
reopening, and exchange rates. Each checks its rule, writes atomically and records the move."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.bounds import check_business_date, check_business_dates
from accounts.changes import figures_changed
from accounts.models import User
from accounts.services import RuleError

from .models import (
    CONTRACT_TERMS,
    STAGE_ORDER,
    Amendment,
    Deal,
    ExchangeRate,
    LostReason,
    Outcome,
    Reminder,
    Repricing,
    Stage,
    StageMove,
)
from .reminders import close_for_cause, notify
from .selectors import counted_for, rate_for, stage_entries


class StaleDeal(RuleError):
    """Someone else saved the deal since this user opened it."""


def _price_in_base(deal: Deal) -> None:
    # A signed contract, and one cancelled since, keep the rate of their signing date.
    deal.rate_to_base = rate_for(deal.currency, deal.signed_on if deal.outcome == Outcome.WON or deal.cancelled
                                 else None)
    deal.amount_base = (deal.quantity_tonnes * deal.price_per_tonne * deal.rate_to_base).quantize(Decimal("0.01"))


def _claim(deal: Deal, expected_version: int) -> Deal:
    """Lock the deal and check nobody saved it since `expected_version` was read."""
    current = Deal.objects.select_for_update().get(pk=deal.pk)
    if current.version != expected_version:
        raise StaleDeal(_("Someone else changed this deal while you were editing it. Your input is below; "
                          "check the deal's current terms and save again."))
    return current


def _save(deal: Deal) -> None:
    deal.version += 1
    deal.reach()  # every stage change is saved here, then recorded as a move
    try:
        with transaction.atomic():
            deal.save()
    except IntegrityError:
        raise RuleError(_("Another deal already has this contract number.")) from None


def _record(deal: Deal, *, from_stage: str, from_outcome: str, by: User, reason: str = "") -> None:
    StageMove.objects.create(deal=deal, from_stage=from_stage, to_stage=deal.stage, from_outcome=from_outcome,
                             to_outcome=deal.outcome, by=by, reason=reason,
                             from_stage_since=stage_entries(deal.pk, from_stage).values_list("at", flat=True).first()
                             or deal.created_at)


@transaction.atomic
def deal_save(*, deal: Deal, by: User, expected_version: int | None = None) -> Deal:
    """Create a deal, or save new terms over the version the user read."""
    check_business_dates(deal, "laycan_start", "laycan_end", "expected_signing_date")
    if deal.pk is not None:
        current = _claim(deal, expected_version if expected_version is not None else deal.version)
        if current.outcome == Outcome.WON and changed_terms(current, deal):
            raise RuleError(_("A signed contract's terms change only by an amendment, approved by a manager."))
        if current.cancelled and changed_terms(current, deal):
            raise RuleError(_("A cancelled contract's terms are kept as they were signed."))
        # Stage and outcome change only through moves, the owner only through a transfer.
        deal.stage, deal.outcome, deal.version = current.stage, current.outcome, current.version
        deal.furthest_stage = current.furthest_stage
        deal.signed_on, deal.contract_number = current.signed_on, current.contract_number
        deal.owner_id, deal.credited_to_id, deal.amended_at = (current.owner_id, current.credited_to_id,
                                                               current.amended_at)
        # The split is set only by `deal_split_set`.
        deal.co_seller_id, deal.co_seller_share = current.co_seller_id, current.co_seller_share
        deal.split_set_by_id, deal.split_set_at = current.split_set_by_id, current.split_set_at
    _price_in_base(deal)
    deal._change_reason = "terms"
    _save(deal)
    return deal


class Guards:
    """What may hold a write on a contract, registered by the apps built on the pipeline (which it does not
    import): each guard is given the contract and returns the reason the write may not be made, or None."""

    def __init__(self) -> None:
        self._guards: list[Callable[[Deal], str | None]] = []

    def register(self, guard: Callable[[Deal], str | None]) -> None:
        if guard not in self._guards:
            self._guards.append(guard)

    def refusal(self, deal: Deal) -> str | None:
        """The first guard's reason, or None if the write may be made."""
        return next((refusal for guard in self._guards if (refusal := guard(deal))), None)


# What may keep a signed contract from being moved back out of follow-up (its shipments, say).
signing_guards = Guards()


@transaction.atomic
def deal_move(*, deal: Deal, to_stage: str, by: User, expected_version: int, reason: str = "") -> Deal:
    """Move an open deal to another stage; backwards needs a reason; into follow-up only by signing."""
    deal = _claim(deal, expected_version)
    if deal.outcome == Outcome.LOST:
        raise RuleError(_("This deal is lost: reopen it first."))
    if to_stage == deal.stage:
        return deal
    if to_stage == Stage.FOLLOW_UP:
        raise RuleError(_("A deal enters follow-up by signing its contract."))
    backwards = STAGE_ORDER.index(Stage(to_stage)) < STAGE_ORDER.index(Stage(deal.stage))
    if backwards and not reason.strip():
        raise RuleError(_("Say why the deal moves back."))
    from_stage, from_outcome = deal.stage, deal.outcome
    if deal.outcome == Outcome.WON:
        if refusal := signing_guards.refusal(deal):
            raise RuleError(refusal)
        # Moved back out of follow-up: the signing no longer stands.
        figures_changed(days=[deal.signed_on], people=counted_for(deal))
        deal.outcome, deal.signed_on, deal.contract_number, deal.credited_to = Outcome.OPEN, None, "", None
    deal.stage, deal.stage_entered_at = to_stage, timezone.now()
    _price_in_base(deal)
    _save(deal)
    _record(deal, from_stage=from_stage, from_outcome=from_outcome, by=by, reason=reason)
    figures_changed(people=[deal.owner_id])
    return deal


@transaction.atomic
def deal_sign(*, deal: Deal, terms: Deal, contract_number: str, signed_on: date, by: User,
              expected_version: int) -> Deal:
    """Sign: the final terms, the contract number and date; negotiation -> follow-up, won."""
    current = _claim(deal, expected_version)
    if current.outcome != Outcome.OPEN or current.stage != Stage.NEGOTIATION:
        raise RuleError(_("Only a deal in negotiation can be signed."))
    check_business_date(signed_on, label=_("Signing date"))
    check_business_dates(terms, "laycan_start", "laycan_end")
    if signed_on > timezone.localdate():
        raise RuleError(_("The signing date cannot be in the future."))
    if not contract_number.strip():
        raise RuleError(_("Give the contract number."))
    terms.pk, terms.version = current.pk, current.version
    terms.stage, terms.outcome = Stage.FOLLOW_UP, Outcome.WON
    terms.contract_number, terms.signed_on, terms.stage_entered_at = contract_number.strip(), signed_on, timezone.now()
    terms.created_at = current.created_at
    # The sale is the owner's at signing; a later transfer does not move it (see transfers.py).
    terms.owner_id = terms.credited_to_id = current.owner_id
    terms.co_seller_id, terms.co_seller_share = current.co_seller_id, current.co_seller_share
    terms.split_set_by_id, terms.split_set_at = current.split_set_by_id, current.split_set_at
    if terms.co_seller_id == terms.owner_id:
        # Transferred to its second seller before signing: the whole sale is theirs.
        terms.co_seller_id, terms.co_seller_share = None, Decimal(0)
    _price_in_base(terms)
    terms._change_reason = "signed"
    _save(terms)
    _record(terms, from_stage=current.stage, from_outcome=current.outcome, by=by)
    figures_changed(days=[signed_on], people=counted_for(terms))
    return terms


@transaction.atomic
def deal_lose(*, deal: Deal, reason: LostReason, note: str, by: User, expected_version: int) -> Deal:
    deal = _claim(deal, expected_version)
    if deal.outcome != Outcome.OPEN:
        raise RuleError(_("Only an open deal can be lost."))
    deal.outcome, deal.lost_reason = Outcome.LOST, reason
    _save(deal)
    _record(deal, from_stage=deal.stage, from_outcome=Outcome.OPEN, by=by, reason=note or str(reason))
    figures_changed(people=[deal.owner_id])
    return deal


@transaction.atomic
def deal_reopen(*, deal: Deal, by: User, reason: str, expected_version: int) -> Deal:
    deal = _claim(deal, expected_version)
    if deal.outcome != Outcome.LOST:
        raise RuleError(_("Only a lost deal can be reopened."))
    if deal.cancelled:
        raise RuleError(_("A cancelled contract is not reopened: a new deal is signed as a new contract."))
    if not reason.strip():
        raise RuleError(_("Say why the deal is reopened."))
    deal.outcome, deal.lost_reason = Outcome.OPEN, None
    _price_in_base(deal)
    _save(deal)
    _record(deal, from_stage=deal.stage, from_outcome=Outcome.LOST, by=by, reason=reason)
    figures_changed(people=[deal.owner_id])
    return deal


# --- Split credit and cancelling a signed contract ----------------------------------------------


@transaction.atomic
def deal_split_set(*, deal: Deal, co_seller: User | None, share: Decimal, by: User, expected_version: int) -> Deal:
    """Give a second seller `share` % of the deal's credit (the credited person keeps the rest, so the
    shares sum to 100), or clear the split with no second seller. Recorded in the deal's history with
    who set it; the scorecards of the signing's period are refreshed."""
    current = _claim(deal, expected_version)
    if not access.can_split_credit(by, current):
        raise RuleError(_("Only a manager of the deal's owner or a director splits its credit."))
    if current.outcome == Outcome.LOST:
        raise RuleError(_("A lost deal's credit is not split."))
    if co_seller is None:
        share = Decimal(0)
    else:
        if not Decimal(0) < share < Decimal(100):
            raise RuleError(_("The second seller's share is more than 0 and less than 100 %."))
        if co_seller.pk in (current.credited_person_id, current.owner_id):
            raise RuleError(_("The second seller is someone other than the person the deal is credited to."))
        if not access.co_seller_candidates(by, current).filter(pk=co_seller.pk).exists():
            raise RuleError(_("The second seller is an active seller you manage."))
    if current.co_seller_id == (co_seller.pk if co_seller else None) and current.co_seller_share == share:
        return current
    former_co_seller = current.co_seller_id
    current.co_seller, current.co_seller_share = co_seller, share
    current.split_set_by, current.split_set_at = by, timezone.now()
    current._change_reason = "split"
    current._history_user = by  # type: ignore[attr-defined]  # read by django-simple-history
    _save(current)
    figures_changed(days=[current.signed_on], people=[*counted_for(current), former_co_seller])
    return current


# What may keep a signed contract from being cancelled (cargo loaded, invoices issued).
cancel_guards = Guards()


@transaction.atomic
def deal_cancel(*, deal: Deal, reason: LostReason, note: str, by: User, expected_version: int) -> Deal:
    """Cancel a signed contract: it is lost from now on, and keeps its stage, contract number, signing
    date, credit and split, so that `Deal.cancelled` tells it from a deal lost before signing (the
    commission's clawback reads exactly that). The move is recorded with why."""
    current = _claim(deal, expected_version)
    if current.outcome != Outcome.WON:
        raise RuleError(_("Only a signed contract can be cancelled."))
    if not access.can_cancel_contract(by, current):
        raise RuleError(_("Only a manager of the contract's owner or a director cancels it."))
    if not note.strip():
        raise RuleError(_("Say why the contract is cancelled."))
    if refusal := cancel_guards.refusal(current):
        raise RuleError(refusal)
    current.outcome, current.lost_reason = Outcome.LOST, reason
    current._change_reason = "cancelled"
    current._history_user = by  # type: ignore[attr-defined]  # read by django-simple-history
    _save(current)
    _record(current, from_stage=current.stage, from_outcome=Outcome.WON, by=by, reason=note.strip()[:300])
    figures_changed(days=[current.signed_on], people=counted_for(current))
    return current


# --- Amendments of a signed contract (合同变更) ----------------------------------------------------


def term_value(deal: Deal, name: str) -> str | int | None:
    """A term as stored in an amendment: text for numbers and dates, the id for a port or commodity."""
    value = getattr(deal, Deal.own_field(name).attname)
    if value is None or value == "":
        return None
    return value if isinstance(value, int) else str(value)


def changed_terms(current: Deal, proposed: Deal) -> dict[str, dict[str, str | int | None]]:
    """{term: {"old": ..., "new": ...}} for each term of `proposed` that differs from `current`."""
    changes = {}
    for name in CONTRACT_TERMS:
        field = Deal.own_field(name)
        old, new = term_value(current, name), term_value(proposed, name)
        # Compared as values (95.8 and 95.80 are the same price), stored as the text shown.
        if field.to_python(old) != field.to_python(new):
            changes[name] = {"old": old, "new": new}
    return changes


# What may keep a contract's new terms from taking effect (a recorded shipment's laycan outside the new one):
# given the contract with its new terms, unsaved; asked when the amendment is requested and again when it is
# approved, so that shipments recorded in between count.
amendment_guards = Guards()


@transaction.atomic
def amendment_request(*, deal: Deal, proposed: Deal, reason: str, by: User, expected_version: int) -> Amendment:
    """Ask for new terms on a signed contract. Nothing changes on the contract until it is approved;
    the approvers find it in their inbox at once."""
    check_business_dates(proposed, "laycan_start", "laycan_end")
    current = _claim(deal, expected_version)
    if current.outcome != Outcome.WON:
        raise RuleError(_("Only a signed contract is amended; an open deal's terms are changed on its form."))
    if not access.users_visible_to(by).filter(pk=current.owner_id).exists():
        raise RuleError(_("Only the contract's owner, their manager or a director asks for an amendment."))
    if not reason.strip():
        raise RuleError(_("Say why the contract changes."))
    changes = changed_terms(current, proposed)
    if not changes:
        raise RuleError(_("Change at least one term: the amendment is the same as the signed contract."))
    if Amendment.objects.filter(deal=current, status=Amendment.Status.PENDING).exists():
        raise RuleError(_("This contract already has an amendment awaiting approval."))
    if refusal := amendment_guards.refusal(proposed):
        raise RuleError(refusal)
    amendment = Amendment.objects.create(deal=current, changes=changes, reason=reason.strip(), requested_by=by)
    for person in access.approvers_of(User.objects.get(pk=current.owner_id), requested_by=by):
        notify(recipient=person, kind=Reminder.Kind.AMENDMENT, cause=f"amendment:{amendment.pk}", deal_id=current.pk,
               customer_id=current.customer_id)
    return amendment


def _decide(amendment: Amendment, *, by: User) -> tuple[Amendment, Deal]:
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    if amendment.status != Amendment.Status.PENDING:
        raise RuleError(_("This amendment was already decided."))
    deal = Deal.objects.select_for_update().select_related("owner").get(pk=amendment.deal_id)
    if not access.can_approve_amendment(by, owner=deal.owner, requested_by_id=amendment.requested_by_id):
        raise RuleError(_("An amendment is approved by a manager of the contract's owner or a director, "
                          "not by who asked for it."))
    return amendment, deal


def _close(amendment: Amendment, *, status: str, by: User, note: str) -> None:
    amendment.status, amendment.decided_by, amendment.decided_at = status, by, timezone.now()
    amendment.decision_note = note.strip()
    amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    close_for_cause(f"amendment:{amendment.pk}", resolution=Reminder.Resolution.DONE)


@transaction.atomic
def amendment_approve(*, amendment: Amendment, by: User, note: str = "") -> Deal:
    """Approve: the new terms take effect (the amount in base currency at the signing date's rate), the
    contract is marked amended, and the scorecards of the signing's period are refreshed."""
    amendment, deal = _decide(amendment, by=by)
    stale = [name for name, change in amendment.changes.items()
             if Deal.own_field(name).to_python(term_value(deal, name)) != Deal.own_field(name).to_python(change["old"])]
    if stale:
        raise RuleError(_("The contract changed since this amendment was asked for: reject it and ask again."))
    for name, change in amendment.changes.items():
        field = Deal.own_field(name)
        setattr(deal, field.attname, field.to_python(change["new"]) if change["new"] is not None
                else ("" if field.empty_strings_allowed and not field.null else None))
    if refusal := amendment_guards.refusal(deal):
        raise RuleError(refusal)
    deal.amended_at = timezone.now()
    _price_in_base(deal)
    deal._change_reason = "amended"
    _save(deal)
    _close(amendment, status=Amendment.Status.APPROVED, by=by, note=note)
    figures_changed(days=[deal.signed_on], people=counted_for(deal))
    return deal


@transaction.atomic
def amendment_reject(*, amendment: Amendment, by: User, note: str) -> Amendment:
    """Reject: the contract keeps its terms; the reason is kept with the amendment."""
    amendment, _deal = _decide(amendment, by=by)
    if not note.strip():
        raise RuleError(_("Say why the amendment is rejected."))
    _close(amendment, status=Amendment.Status.REJECTED, by=by, note=note)
    return amendment


class RateSaved(NamedTuple):
    repriced: int  # the deals not yet signed re-priced, or being re-priced by `run`
    run: Repricing | None  # the worker's re-pricing, for a currency with more than REPRICE_IN_REQUEST of them


def _unsigned(currency: str) -> QuerySet[Deal]:
    # Open and lost deals; signed deals (and cancelled contracts) keep the rate of their signing date.
    return Deal.objects.filter(currency=currency, signed_on__isnull=True).exclude(outcome=Outcome.WON)


def _reprice(deals: QuerySet[Deal], currency: str) -> int:
    latest = rate_for(currency)
    return deals.update(rate_to_base=latest, amount_base=F("quantity_tonnes") * F("price_per_tonne") * Value(latest))


@transaction.atomic
def exchange_rate_save(*, rate: ExchangeRate, by: User | None = None) -> RateSaved:
    """Save a rate and re-price the open and lost deals in that currency at the latest rate; signed deals (and
    cancelled contracts) keep the rate of their signing date. Up to REPRICE_IN_REQUEST deals are re-priced here;
    more by the worker (`repricing_run`), enqueued once the rate is committed."""
    check_business_dates(rate, "valid_from")
    rate.currency = rate.currency.upper()
    rate.save()
    deals = _unsigned(rate.currency)
    count = deals.count()
    if rate.valid_from > timezone.localdate():
        return RateSaved(count, None)  # no price changes today: the nightly job re-prices them on its day
    if count <= settings.REPRICE_IN_REQUEST:
        return RateSaved(_reprice(deals, rate.currency), None)
    run = Repricing.objects.create(currency=rate.currency, requested_by=by, total=count)
    from .tasks import reprice_deals

    transaction.on_commit(partial(reprice_deals.delay, run.pk))
    return RateSaved(count, run)


REPRICE_BATCH = 2000  # deals a transaction: each batch committed, so the bar moves and a crash loses one batch


def repricing_run(*, run_id: int, batch: int = REPRICE_BATCH) -> int:
    """Do a re-pricing: the currency's unsigned deals in order of their keys, a batch a transaction at the rate in
    force then (a newer rate saved meanwhile is taken up from its batch on, and re-prices them all again itself).
    Idempotent: run again (a worker killed mid-run, its message redelivered), it writes the same amounts. A
    failure is recorded on the run and re-raised. Returns how many deals it re-priced; a finished run does
    nothing."""
    run = Repricing.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if run is None:
        return 0
    done, after = 0, 0
    try:
        while True:
            with transaction.atomic():
                keys = list(_unsigned(run.currency).filter(pk__gt=after).order_by("pk")
                            .values_list("pk", flat=True)[:batch])
                if not keys:
                    break
                done += _reprice(_unsigned(run.currency).filter(pk__in=keys), run.currency)
                after = keys[-1]
                Repricing.objects.filter(pk=run.pk).update(done=min(done, run.total))
    except Exception as error:
        Repricing.objects.filter(pk=run.pk, finished_at__isnull=True).update(
            finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000])
        raise
    Repricing.objects.filter(pk=run.pk, finished_at__isnull=True).update(finished_at=timezone.now(), done=done)
    return done


def repricings_due() -> int:
    """The nightly job: each currency whose deals not yet signed are not all priced at its rate in force today (a
    rate scheduled for a later day has come into force, or a re-pricing was lost) is re-priced, here in the worker,
    as a `Repricing` the rates page shows. Idempotent: run again, it finds nothing to change and starts nothing;
    a currency with a re-pricing still running is left to it. Returns how many currencies it re-priced."""
    done = 0
    for currency in ExchangeRate.objects.order_by("currency").values_list("currency", flat=True).distinct():
        try:
            in_force = rate_for(currency)
        except RuleError:
            continue  # only rates from later days: nothing priced in it yet
        if not _unsigned(currency).exclude(rate_to_base=in_force).exists():
            continue
        if Repricing.objects.filter(currency=currency, finished_at__isnull=True).exists():
            continue
        run = Repricing.objects.create(currency=currency, total=_unsigned(currency).count(), scheduled=True)
        repricing_run(run_id=run.pk)
        done += 1
    return done
