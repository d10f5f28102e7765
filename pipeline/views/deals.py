"""Deal pages: the board, the list, a deal's page, its terms, and the moves between stages."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, exports, params, replica
from accounts.choices import display
from accounts.htmx import is_htmx, vary_on_htmx
from accounts.models import person_named
from accounts.pages import SEARCH_COUNT_LIMIT, AuthenticatedRequest, filter_data, page_of
from accounts.services import RuleError
from accounts.sql import count_at_most, joins_as_written
from customers import picking
from customers import selectors as customer_selectors
from customers.models import Customer

from .. import deal_exports, selectors, services, transfers
from ..deal_panels import deal_badge_templates, read_deal_badges, render_deal_panels, with_deal_badges
from ..filters import DealFilter
from ..forms.deals import (
    AmendmentForm,
    CancelForm,
    CustomerTransferForm,
    DealForm,
    DecisionForm,
    LoseForm,
    MoveForm,
    ReopenForm,
    SignForm,
    SplitForm,
    TransferForm,
)
from ..models import STAGE_ORDER, Amendment, Deal, Outcome, Stage, Transfer

# Per column, the most recently updated first; the column's header gives the full count and "Show more" the next
# as many (a manager's board drew 120 cards at once, a 5,000-pixel page whose cards were most of its time).
BOARD_CARDS = 15
# What a card of the board (pipeline/_board.html) and a row of the deal list show, and no more: building each
# deal, customer and owner whole, every column of them, for a director's 120 cards or a page of 50 rows, was a
# third of the board's time and a fifth of the list's.
SUMMARY_RELATED = ("customer", "owner", "commodity", "specification", "discharge_port")
SUMMARY_FIELDS = (
    "version", "stage", "outcome", "updated_at", "grade", "quantity_tonnes", "price_per_tonne", "amount",
    "amount_base", "currency", "incoterm", "laycan_start", "laycan_end", "customer__name", "customer__short_name",
    *person_named("owner"), "commodity__name", "commodity__name_zh", "specification__name",
    "specification__name_zh", "discharge_port__name", "discharge_port__name_zh",
)


def _summaries(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related(None).select_related(*SUMMARY_RELATED).only(*SUMMARY_FIELDS)


def _visible_deals(request: AuthenticatedRequest) -> QuerySet[Deal]:
    return selectors.deals_visible_to(request.user).select_related(
        "customer", "owner", "commodity", "specification", "load_port", "discharge_port")


def _deal_or_404(request: AuthenticatedRequest, pk: int) -> Deal:
    return access.get_visible_or_404(_visible_deals(request), pk=pk)


def _changeable_deal(request: AuthenticatedRequest, pk: int) -> Deal:
    deal = _deal_or_404(request, pk)
    if not selectors.can_change_deal(request.user, deal):
        raise PermissionDenied
    return deal


# --- Board and list --------------------------------------------------------------------------


def _board_owner(request: AuthenticatedRequest) -> int | None:
    # A move's POST carries the board's owner filter, so the board it answers with stays filtered.
    return params.optional_id((request.POST if request.method == "POST" else request.GET).get("owner"))


@dataclass
class _Amounts:
    """Open deals' total and weighted amounts (base currency), summed from `selectors.board_figures` rows."""

    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)

    def add(self, row: selectors.BoardFigures) -> None:
        self.total += row["total"] or 0
        self.weighted += row["weighted"] or 0


ON_BOARD = Q(outcome=Outcome.OPEN) | Q(outcome=Outcome.WON, stage=Stage.FOLLOW_UP)
# A column's order: the cards' keys come from the (stage, updated_at) index.
CARD_ORDER = ("-updated_at", "-pk")


def _board_deals(request: AuthenticatedRequest, owner: int | None) -> QuerySet[Deal]:
    deals = _visible_deals(request).filter(ON_BOARD)
    return deals.filter(owner_id=owner) if owner else deals


def _cards(ids: list[int]) -> list[Deal]:
    """The cards of these deals, newest first. Read by their keys alone, the keys having come from the deals the user
    sees: the access rules again cost building and planning more than running the query. Their related rows joined
    in the order written (accounts.sql): PostgreSQL weighed the join orders of a board's 48 cards longer than it
    read them (a manager's board: 3.8 -> 3.0 ms; a column's next cards 3.0 -> 1.6)."""
    with joins_as_written():
        return list(with_deal_badges(_summaries(Deal.objects.filter(pk__in=ids))).order_by(*CARD_ORDER))


def column_after(deal: Deal) -> str:
    """The query string that asks a column for its cards after this one (`deal_board_column`)."""
    return urlencode({"after": f"{deal.updated_at.isoformat()}~{deal.pk}"})


def _board_context(request: AuthenticatedRequest) -> dict[str, object]:
    owner = _board_owner(request)
    live = _board_deals(request, owner)
    counts: dict[str, int] = {stage: 0 for stage in STAGE_ORDER}
    column_amounts: dict[str, _Amounts] = {}
    group_amounts: dict[int | None, _Amounts] = {}
    # Whoever sees everyone reads the open pipeline by team, each team leading to its open deals: the director's
    # 300 people were a table of 300 rows under the board. One person's board (the owner filter) shows theirs.
    by_team = access.sees_everyone(request.user) and not owner
    for row in selectors.board_figures(request.user, owner, by_team=by_team):
        counts[row["stage"]] += row["count"]
        if row["total"] is not None:  # the open deals' amounts (a column of signed deals shows none)
            column_amounts.setdefault(row["stage"], _Amounts()).add(row)
            group_amounts.setdefault(row["group"], _Amounts()).add(row)
    # Each column's latest cards: their ids first (the (stage, updated_at) index serves them), then
    # those few rows with what a card shows. Joining the customer and ports before the sort and limit
    # made the database join every deal of the column. The columns' ids in one query where the database
    # takes a limit in each part of a UNION (PostgreSQL; SQLite does not): 9.2 -> 7.4 ms for a manager.
    latest = [live.filter(stage=stage).order_by(*CARD_ORDER).values_list("pk", flat=True)[:BOARD_CARDS]
              for stage in STAGE_ORDER]
    if connection.features.supports_slicing_ordering_in_compound:
        ids = list(latest[0].union(*latest[1:], all=True))
    else:
        ids = [pk for column in latest for pk in column]
    by_stage: dict[str, list[Deal]] = {stage: [] for stage in STAGE_ORDER}
    for deal in _cards(ids):
        by_stage[deal.stage].append(deal)
    columns = []
    for stage in STAGE_ORDER:
        amounts = column_amounts.get(stage)
        cards = by_stage[stage]
        columns.append({"stage": stage, "label": stage.label, "cards": cards, "count": counts[stage],
                        "more": column_after(cards[-1]) if counts[stage] > len(cards) and cards else "",
                        "total": amounts.total if amounts else None,
                        "weighted": amounts.weighted if amounts else None})
    owners = {user.pk: user for user in customer_selectors.owner_choices(request.user)}
    # The largest open pipeline first.
    groups = sorted(group_amounts.items(), key=lambda item: (-item[1].total, item[0] or 0))
    if by_team:
        teams = {team.pk: team for team in access.teams_visible_to(request.user)}
        by_owner = []
        by_team_rows = [{"team": teams.get(pk) if pk else None, "total": amounts.total, "weighted": amounts.weighted,
                         "url": f"{reverse('deals:list')}?{urlencode({'team': pk, 'outcome': Outcome.OPEN})}"
                         if pk in teams else ""} for pk, amounts in groups]
    else:
        by_owner = [{"owner": pk, "total": amounts.total, "weighted": amounts.weighted,
                     "person": owners.get(pk) if pk else None} for pk, amounts in groups]
        by_team_rows = []
    return {"columns": columns, "by_owner": by_owner, "by_team": by_team_rows, "teams_shown": by_team,
            "stages": STAGE_ORDER, "owner_filter": owner or "", "owners": owners.values()}


@access.sellers_only
@vary_on_htmx
def deal_board(request: AuthenticatedRequest) -> HttpResponse:
    template = "pipeline/_board.html" if is_htmx(request) else "pipeline/deal_board.html"
    return render(request, template, _board_context(request))


@access.sellers_only
def deal_board_column(request: AuthenticatedRequest, stage: str) -> HttpResponse:
    """A column's next cards after the one named by ?after=<its update time>~<its key> ("Show more"; its first
    without), with the board's owner filter, and the link to the next ones if any remain."""
    if stage not in Stage.values:
        raise Http404
    owner = _board_owner(request)
    column = _board_deals(request, owner).filter(stage=stage)
    if request.GET.get("after"):
        updated_at, pk = _card_cursor(request.GET["after"])
        column = column.filter(Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, pk__lt=pk))
    ids = list(column.order_by(*CARD_ORDER).values_list("pk", flat=True)[:BOARD_CARDS + 1])
    cards = _cards(ids[:BOARD_CARDS])
    return render(request, "pipeline/_board_more.html", {
        "cards": cards, "stage": stage, "owner_filter": owner or "",
        "more": column_after(cards[-1]) if len(ids) > BOARD_CARDS else ""})


def _card_cursor(value: str) -> tuple[datetime, int]:
    """?after= of `deal_board_column`: a card's update time and key; anything else answers 404."""
    moment, _sep, pk = value.rpartition("~")
    try:
        written = datetime.fromisoformat(moment)
        # Without its offset, or at the ends of time where UTC would overflow: no card's.
        updated_at = written.astimezone(UTC) if written.tzinfo else None
    except (ValueError, OverflowError):
        updated_at = None
    if updated_at is None or not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        raise Http404
    return updated_at, int(pk)


@access.sellers_only
def deal_list(request: AuthenticatedRequest) -> HttpResponse:
    data = filter_data(request)
    deals = selectors.deals_visible_to(request.user, whole_list=True) if data is None else _visible_deals(request)
    filtered = DealFilter(data, queryset=deals, user=request.user)
    # A manager's deals counted from their people's keys read first (accounts.sql.InFirstRead): as the semi-join
    # that the page's newest-first walk wants, the count read every deal (a manager's 8,600 of 200,000: 33-64 ms;
    # 2 ms so).
    counted = (filtered.apply_to(selectors.deals_visible_to(request.user, read_first=True))
               if request.user.is_manager else filtered.qs)
    # A search counts its matches this far at most: a broad one ("煤", "NAR") matches a third of all deals.
    searched = bool(data and data.get("q", "").strip())
    count = (count_at_most(counted, SEARCH_COUNT_LIMIT) if searched
             else counted.count() if request.user.is_manager else None)
    rows = _summaries(filtered.qs)
    page = page_of(request, rows, count=count, at_most=SEARCH_COUNT_LIMIT if searched else None)
    # The page's deals with their customer, owner, commodity, specification and port joined in the order written
    # (accounts.sql): PostgreSQL took longer to weigh the orders of the five look-ups than to run the query (the
    # director's open deals: 4.6 ms planned, 1.3 run; 0.8 and 0.9 so). Not when sorted by a joined table's column
    # (the customer's name), which it may do better to read first (a manager's deals by customer: 5 ms, 67 as written).
    if not any("__" in str(field) for field in rows.query.order_by):
        with joins_as_written():
            page.object_list = list(page.object_list)
    return render(request, "pipeline/deal_list.html", {"filter": filtered, "page": page})


@access.sellers_only
@replica.heavy_read
def deal_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The filtered deal list as CSV or Excel, with exactly the deals the user may see."""
    exports.format_or_404(fmt)
    filtered = DealFilter(filter_data(request), queryset=_visible_deals(request), user=request.user)
    headers, rows = deal_exports.export_rows(filtered.qs)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.export_response(rows, headers=headers, title=_("Deals"), fmt=fmt, filename=f"deals-{stamp}")


# --- One deal -------------------------------------------------------------------------------------


@access.sellers_only
def deal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    with joins_as_written():  # the deal by its key with its ten related rows (see accounts.sql)
        deal = access.get_visible_or_404(_visible_deals(request).select_related(
            "credited_to", "co_seller", "split_set_by"), pk=pk)
    read_deal_badges(deal)
    can_change = selectors.can_change_deal(request.user, deal)
    complaints = customer_selectors.complaints_visible_to(request.user).filter(customer=deal.customer)
    if deal.contract_number:
        complaints = complaints.filter(Q(contract_number=deal.contract_number) | Q(contract_number=""))
    amendments = selectors.describe_amendments(deal.amendments.all())
    for amendment in amendments:
        amendment.can_decide = amendment.status == Amendment.Status.PENDING and access.can_approve_amendment(
            request.user, owner=deal.owner, requested_by_id=amendment.requested_by_id)
    # A contract being executed stays signed: the page says why instead of offering the move.
    held = services.signing_guards.refusal(deal) if can_change and deal.outcome == Outcome.WON else None
    return render(request, "pipeline/deal_detail.html", {
        "deal": deal,
        "moves": deal.moves.select_related("by"),
        "amendments": amendments,
        "transfers": selectors.transfers_of(deal=deal),
        "can_transfer": access.can_transfer(request.user, deal.owner),
        "pending_amendment": next((amendment for amendment in amendments
                                   if amendment.status == Amendment.Status.PENDING), None),
        "can_amend": can_change and deal.outcome == Outcome.WON
        and not any(amendment.status == Amendment.Status.PENDING for amendment in amendments),
        "activities": selectors.activities_visible_to(request.user).filter(deal=deal).select_related("owner")[:20],
        "complaints": customer_selectors.complaint_rows(complaints)[:10],
        "research": deal.research.select_related("commodity"),
        "panels": render_deal_panels(request, deal),
        "deal_badges": deal_badge_templates(),
        "can_change": can_change,
        "move_held": held,
        "move_form": MoveForm(deal=deal) if can_change and deal.outcome != Outcome.LOST and not held else None,
        "lose_form": LoseForm(initial={"version": deal.version}) if can_change and deal.outcome == Outcome.OPEN
        else None,
        "reopen_form": ReopenForm(initial={"version": deal.version})
        if can_change and deal.outcome == Outcome.LOST and not deal.cancelled else None,
        "splits": selectors.split_history(deal) if deal.split_set_at else [],
        "can_split": deal.outcome != Outcome.LOST and selectors.can_split_credit(request.user, deal),
        "can_cancel": selectors.can_cancel_contract(request.user, deal),
    })


def _deal_form_page(request: AuthenticatedRequest, deal: Deal) -> HttpResponse:
    initial: dict[str, int] = {}
    picked = None
    customer_id = params.optional_id(request.GET.get("customer"))
    if deal.pk is None and customer_id:
        initial["customer"] = customer_id
    customers = customer_selectors.customers_visible_to(request.user).filter(
        owner__in=selectors.possible_owners(request.user))
    if not customer_selectors.few_enough_to_list(customers):
        if deal.pk is None:
            picked = customers.filter(pk=customer_id).first() if customer_id else None
        else:
            picked = picking.picked_for_edit(request, customers, deal.customer)
        if picked is None:
            cancel = reverse("deals:edit", args=[deal.pk]) if deal.pk else reverse("deals:list")
            return picking.customer_pick(request, customers, title=_("Edit deal") if deal.pk else _("New deal"),
                                         question=_("Which customer is the deal with?"), cancel=cancel)
    form = DealForm(request.POST or None, instance=deal, user=request.user, initial=initial, customer=picked)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.deal_save(deal=form.save(commit=False), by=request.user,
                                       expected_version=form.cleaned_data.get("version"))
            form.instance = saved
            form.save_m2m()
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The deal was saved."))
            return redirect("deals:detail", pk=saved.pk)
    return render(request, "pipeline/deal_form.html", {"form": form, "deal": deal, "picked": picked})


@access.sellers_only
def deal_create(request: AuthenticatedRequest) -> HttpResponse:
    return _deal_form_page(request, Deal())


@access.sellers_only
def deal_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _deal_form_page(request, _changeable_deal(request, pk))


def _after_move(request: AuthenticatedRequest, deal: Deal) -> HttpResponse:
    """Back to the board (htmx: just the board) or the deal's page, whichever the user came from."""
    if is_htmx(request):
        return render(request, "pipeline/_board.html", _board_context(request))
    if request.POST.get("next") == "board":
        owner = _board_owner(request)
        return redirect(f"{reverse('deals:board')}?owner={owner}" if owner else reverse("deals:board"))
    return redirect("deals:detail", pk=deal.pk)


@access.sellers_only
@vary_on_htmx
def deal_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    form = MoveForm(request.POST or None, deal=deal)
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_move(deal=deal, to_stage=form.cleaned_data["to_stage"], by=request.user,
                                      expected_version=form.cleaned_data["version"],
                                      reason=form.cleaned_data["reason"])
        except RuleError as error:
            if is_htmx(request):
                messages.error(request, str(error))
                return _after_move(request, deal)
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(deal)s is now in %(stage)s.") % {"deal": deal,
                                                                            "stage": display(deal, "stage")})
            return _after_move(request, deal)
    return render(request, "pipeline/deal_action.html", {
        "deal": deal, "form": form, "title": _("Move the deal"), "submit": _("Move")})


@access.sellers_only
def deal_sign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    form = SignForm(request.POST or None, instance=Deal.objects.get(pk=deal.pk))
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.deal_sign(deal=deal, terms=form.save(commit=False),
                                      contract_number=form.cleaned_data["contract_number"],
                                      signed_on=form.cleaned_data["signed_on"], by=request.user,
                                      expected_version=form.cleaned_data["version"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Signed: %(deal)s is won and in follow-up.") % {"deal": deal})
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "pipeline/deal_action.html", {
        "deal": deal, "form": form, "title": _("Sign the contract"), "submit": _("Sign"),
        "intro": _("Confirm the final terms as signed. The deal moves to follow-up as won.")})


@access.sellers_only
@require_POST
def deal_lose(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    form = LoseForm(request.POST)
    if form.is_valid():
        try:
            services.deal_lose(deal=deal, reason=form.cleaned_data["lost_reason"], note=form.cleaned_data["note"],
                               by=request.user, expected_version=form.cleaned_data["version"])
        except RuleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The deal was marked lost."))
    else:
        messages.error(request, _("Choose a reason for losing the deal."))
    return redirect("deals:detail", pk=deal.pk)


@access.sellers_only
@require_POST
def deal_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.deal_reopen(deal=deal, by=request.user, reason=form.cleaned_data["reason"],
                                 expected_version=form.cleaned_data["version"])
        except RuleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The deal is open again."))
    else:
        messages.error(request, _("Say why the deal is reopened."))
    return redirect("deals:detail", pk=deal.pk)


# --- Split credit and cancelling a signed contract -------------------------------------------------


@access.sellers_only
def deal_split(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A manager of the owner, or a director, gives a second seller a share of the deal's credit."""
    deal = access.get_visible_or_404(_visible_deals(request).select_related("credited_to", "co_seller",
                                                                            "split_set_by"), pk=pk)
    if not selectors.can_split_credit(request.user, deal):
        raise PermissionDenied
    form = SplitForm(request.POST or None, user=request.user, deal=deal)
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_split_set(deal=deal, co_seller=form.cleaned_data["co_seller"],
                                    share=form.cleaned_data["share"], by=request.user,
                                    expected_version=form.cleaned_data["version"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The deal's credit split was saved."))
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "pipeline/deal_action.html", {
        "deal": deal, "form": form, "title": _("Split the credit"), "submit": _("Save the credit split"),
        "split_summary": True,
        "intro": _("A second seller (an account manager who worked the deal with the rep, say) takes a share of "
                   "the sale in the scorecards and the commission; the credited person keeps the rest. "
                   "Leave the second seller empty to clear the split.")})


@access.sellers_only
def deal_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A manager of the owner, or a director, cancels a signed contract, with a reason."""
    deal = _deal_or_404(request, pk)
    if not access.can_cancel_contract(request.user, deal):
        raise PermissionDenied
    if deal.outcome != Outcome.WON:
        messages.info(request, _("Only a signed contract can be cancelled."))
        return redirect("deals:detail", pk=deal.pk)
    form = CancelForm(request.POST or None, initial={"version": deal.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_cancel(deal=deal, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
                                 by=request.user, expected_version=form.cleaned_data["version"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The contract was cancelled. It no longer counts as signed."))
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "pipeline/deal_action.html", {
        "deal": deal, "form": form, "title": _("Cancel the contract"), "submit": _("Cancel the contract"),
        "danger": True, "held": services.cancel_guards.refusal(deal),
        "intro": _("The contract stays on record with its number and signing date, marked cancelled. It no "
                   "longer counts as signed in the scorecards, and a commission already approved on it is "
                   "clawed back in the next statement.")})


# --- Amendments of a signed contract and transfers ------------------------------------------------


@access.sellers_only
def deal_amend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _changeable_deal(request, pk)
    if deal.outcome != Outcome.WON:
        messages.info(request, _("This deal is not signed: change its terms on its form."))
        return redirect("deals:edit", pk=deal.pk)
    form = AmendmentForm(request.POST or None, instance=Deal.objects.get(pk=deal.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_request(deal=deal, proposed=form.save(commit=False), reason=form.cleaned_data["reason"],
                                       by=request.user, expected_version=form.cleaned_data["version"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The amendment was sent for approval. The contract keeps its signed terms "
                                        "until it is approved."))
            return redirect("deals:detail", pk=deal.pk)
    return render(request, "pipeline/deal_action.html", {
        "deal": deal, "form": form, "title": _("Amend the contract"), "submit": _("Ask for approval"),
        "intro": _("Change the terms that the parties agreed to change, and say why. A manager of the owner "
                   "(or a director) approves the amendment before it takes effect.")})


def _amendment_or_404(request: AuthenticatedRequest, pk: int) -> Amendment:
    return access.get_visible_or_404(Amendment.objects.filter(deal__in=_visible_deals(request)), pk=pk)


@access.sellers_only
@require_POST
def amendment_decide(request: AuthenticatedRequest, pk: int, decision: str) -> HttpResponse:
    amendment = _amendment_or_404(request, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if decision == "approve":
            services.amendment_approve(amendment=amendment, by=request.user, note=note)
            messages.success(request, _("The amendment was approved: the contract's new terms are in force."))
        else:
            services.amendment_reject(amendment=amendment, by=request.user, note=note)
            messages.success(request, _("The amendment was rejected: the contract keeps its terms."))
    except RuleError as error:
        messages.error(request, str(error))
    return redirect("deals:detail", pk=amendment.deal_id)


def _transfer_page(request: AuthenticatedRequest, record: Deal | Customer, form_class: type[TransferForm],
                   transfer: Callable[..., Transfer], back: str) -> HttpResponse:
    if not access.can_transfer(request.user, record.owner):
        raise PermissionDenied
    form = form_class(request.POST or None, user=request.user, owner=record.owner)
    if request.method == "POST" and form.is_valid():
        extra = {"with_open_deals": form.cleaned_data["with_open_deals"]} if "with_open_deals" in form.fields else {}
        try:
            transfer(record, to_user=form.cleaned_data["to_user"], by=request.user, reason=form.cleaned_data["reason"],
                     **extra)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Transferred to %(name)s.") % {"name": form.cleaned_data["to_user"]})
            return redirect(back)
    return render(request, "pipeline/transfer_form.html", {"record": record, "form": form, "back": back})


@access.sellers_only
def deal_transfer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal = _deal_or_404(request, pk)
    return _transfer_page(request, deal, TransferForm,
                          lambda record, **kwargs: transfers.deal_transfer(deal=record, **kwargs),
                          reverse("deals:detail", args=[deal.pk]))


@access.sellers_only
def customer_transfer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = access.get_visible_or_404(
        customer_selectors.customers_visible_to(request.user).select_related("owner"), pk=pk)
    return _transfer_page(request, customer, CustomerTransferForm,
                          lambda record, **kwargs: transfers.customer_transfer(customer=record, **kwargs),
                          reverse("customers:detail", args=[customer.pk]))


# --- The customer page's deals panel ------------------------------------------------------------


def customer_deals_panel(request: AuthenticatedRequest, customer: Customer) -> str:
    if not selectors.can_sell(request.user):
        return ""
    # A contract's row is some ninety columns; the panel shows these.
    deals = (selectors.deals_visible_to(request.user).filter(customer=customer).select_related("commodity")
             .only("commodity__name", "commodity__name_zh", "grade", "quantity_tonnes", "stage", "outcome", "amount",
                   "currency", "laycan_start", "updated_at"))
    return render_to_string("pipeline/_deals_panel.html", {
        "deals": deals.order_by("-updated_at")[:10],
        "new_url": reverse("deals:create") + f"?customer={customer.pk}",
    }, request=request)
