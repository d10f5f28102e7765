"""The sales pipeline: bulk-cargo deals through the plan's four stages, the activities that
track customers, market research, and the follow-up reminders the hourly job raises."""

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from django_countries import countries
from simple_history.models import HistoricalRecords

from accounts.bounds import business_range_constraint, validate_business_date
from accounts.models import BilingualName, Digits, in_reader_language
from customers.models import Commodity, Complaint, Contact, Customer, PaymentTerms

from .bell import InboxQuerySet
from .execution import pricing

MONEY = Digits(max_digits=16, decimal_places=2)


class Port(BilingualName):
    """A load or discharge port (Newcastle, Port Hedland, Qingdao...); the list is the director's."""

    country = models.CharField(_("country"), max_length=2, help_text=_("Two-letter code, e.g. AU, CN"))
    deal_count: int  # set by the director's list of ports (not a column): its deals loading or discharging here

    class Meta(BilingualName.Meta):
        verbose_name = _("port")
        verbose_name_plural = _("ports")

    @property
    def country_name(self) -> str:
        """The country's name in the reader's language ("" for a code django-countries does not know)."""
        return countries.name(self.country)


class LostReason(BilingualName):
    deal_count: int  # set by the director's list of reasons (not a column): the deals lost for it

    class Meta(BilingualName.Meta):
        verbose_name = _("reason for losing")
        verbose_name_plural = _("reasons for losing")


class ExchangeRate(models.Model):
    """How many units of the base currency one unit of `currency` buys, from `valid_from` on."""

    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"), validators=[validate_business_date])
    rate = models.DecimalField(_("rate to the base currency"), max_digits=14, decimal_places=6,
                               validators=[MinValueValidator(Decimal("0.000001"))])
    # Set for display by the rates page (not a column): "scheduled", "current" or "past".
    state: str

    class Meta:
        ordering = ["currency", "-valid_from"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="one_rate_per_currency_and_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
            business_range_constraint("rate", "valid_from"),
        ]


class Repricing(models.Model):
    """The re-pricing, in the worker, of the deals not yet signed in one currency at its latest rate, after a new
    rate: in batches, the progress saved between them for the rates page's bar (at the large size, one UPDATE of a
    currency's 100,000 unsigned deals held a web request for 25 s). Small sets are re-priced in the request."""

    currency = models.CharField(max_length=3)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Started by the nightly job (a rate from a later day come into force), not by a person.
    scheduled = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)  # the deals to re-price when it was asked for
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.currency} {self.done}/{self.total}"

    @property
    def progress(self) -> int:
        """Percent done."""
        if self.finished_at and not self.error:
            return 100
        return min(100, 100 * self.done // self.total) if self.total else 0


class Specification(models.Model):
    """A commodity grade's quality specification (质量指标), kept by the director: its parameters with
    their limits, and the rules by which an assay's results adjust the contract price."""

    signed_count: int  # set by the director's list of grades (not a column): its signed contracts

    class PriceBasis(models.TextChoices):
        WET = "wmt", _("Per wet metric tonne")
        DRY = "dmt", _("Per dry metric tonne")

    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, related_name="specifications",
                                  verbose_name=_("commodity"))
    name = models.CharField(_("grade"), max_length=100, help_text=_("e.g. NAR 5500, Fe 62%"))
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    price_basis = models.CharField(_("price basis"), max_length=3, choices=PriceBasis.choices,
                                   default=PriceBasis.WET,
                                   help_text=_("Per dry tonne: the quantity is reduced by the assayed moisture."))
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["commodity__name", "name"]
        verbose_name = _("specification")
        verbose_name_plural = _("specifications")
        constraints = [models.UniqueConstraint(fields=["commodity", "name"], name="one_spec_name_per_commodity",
                                               violation_error_message=_("This commodity already has this grade."))]

    def __str__(self) -> str:
        return in_reader_language(self.name, self.name_zh)


# The parameter code of the moisture a price per dry tonne is reduced by.
MOISTURE = "moisture"


class SpecParameter(models.Model):
    """One measured quality of a specification, with its typical value and its rejection limits."""

    specification = models.ForeignKey(Specification, on_delete=models.CASCADE, related_name="parameters")
    code = models.SlugField(_("code"), max_length=20, help_text=_("Short and unique in the grade, e.g. nar, fe, sio2"))
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("e.g. %, kcal/kg"))
    typical = models.DecimalField(_("typical"), max_digits=12, decimal_places=4, null=True, blank=True)
    minimum = models.DecimalField(_("reject below"), max_digits=12, decimal_places=4, null=True, blank=True)
    maximum = models.DecimalField(_("reject above"), max_digits=12, decimal_places=4, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        constraints = [
            models.UniqueConstraint(fields=["specification", "code"], name="one_parameter_code_per_spec",
                                    violation_error_message=_("This grade already has a parameter with this code.")),
            models.CheckConstraint(condition=Q(maximum__gte=F("minimum")) | Q(minimum__isnull=True)
                                   | Q(maximum__isnull=True), name="parameter_limits_in_order"),
        ]

    def __str__(self) -> str:
        name = in_reader_language(self.name, self.name_zh)
        return f"{name} ({self.unit})" if self.unit else name

    @property
    def limits(self) -> pricing.Limits:
        return pricing.Limits(minimum=self.minimum, maximum=self.maximum)


class PriceRule(models.Model):
    """One price adjustment of a specification, as data (see pipeline.execution.pricing)."""

    class Kind(models.TextChoices):
        PRO_RATA = "pro_rata", _("Pro rata: price x result / basis")
        PER_STEP = "per_step", _("Per step beyond a threshold")

    class Side(models.TextChoices):
        BELOW = "below", _("Below the threshold")
        ABOVE = "above", _("Above the threshold")

    specification = models.ForeignKey(Specification, on_delete=models.CASCADE, related_name="price_rules")
    parameter = models.ForeignKey(SpecParameter, on_delete=models.CASCADE, related_name="price_rules",
                                  verbose_name=_("parameter"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PRO_RATA)
    basis = models.DecimalField(_("basis or threshold"), max_digits=12, decimal_places=4)
    side = models.CharField(_("applies"), max_length=5, choices=Side.choices, default=Side.BELOW)
    step = models.DecimalField(_("per step of"), max_digits=12, decimal_places=4, default=Decimal(1),
                               validators=[MinValueValidator(Decimal("0.0001"))])
    amount = models.DecimalField(_("price change per step"), max_digits=12, decimal_places=4, default=Decimal(0),
                                 help_text=_("Per tonne, in the contract's currency; negative for a penalty."))
    whole_steps = models.BooleanField(_("a started step counts whole"), default=False,
                                      help_text=_('"Or part of it": 0.25 above in steps of 0.1 counts 3 steps.'))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("price adjustment rule")
        verbose_name_plural = _("price adjustment rules")
        constraints = [
            models.CheckConstraint(condition=Q(step__gt=0), name="price_rule_step_positive"),
            models.CheckConstraint(condition=~Q(kind="pro_rata") | ~Q(basis=0), name="pro_rata_basis_not_zero"),
        ]

    def as_rule(self) -> pricing.PriceRule:
        """The rule as the pure pricing function takes it (its parameter by code)."""
        return pricing.PriceRule(parameter=self.parameter.code, kind=self.kind, basis=self.basis, side=self.side,
                                 step=self.step, amount=self.amount, whole_steps=self.whole_steps)


class MarketResearch(models.Model):
    """Prices, competitors and supply and demand seen in a market (市场调研)."""

    class Method(models.TextChoices):
        ONLINE_SURVEY = "online_survey", _("Online survey")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire")
        FIELD = "field", _("Field research")

    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    region = models.CharField(_("region or port"), max_length=120)
    port = models.ForeignKey(Port, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("port"))
    researched_on = models.DateField(_("date"), validators=[validate_business_date])
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    price_low = models.DecimalField(_("lowest price seen per tonne"), null=True, blank=True,
                                    validators=[MinValueValidator(0)], **MONEY)
    price_high = models.DecimalField(_("highest price seen per tonne"), null=True, blank=True,
                                     validators=[MinValueValidator(0)], **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    competitors = models.TextField(_("competitors and their offers"), blank=True)
    supply_demand = models.TextField(_("supply and demand notes"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="research",
                               verbose_name=_("author"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-researched_on", "-pk"]
        verbose_name = _("market research")
        verbose_name_plural = _("market research")
        indexes = [models.Index(fields=["commodity", "researched_on"]),
                   # The newest first, as every list of it and the search's group read it: PostgreSQL walks it and
                   # stops at a page, where it joined and sorted every match (煤 at the large size: 1,126 of 4,000,
                   # 3.7 ms → 0.3).
                   models.Index(F("researched_on").desc(), F("id").desc(), name="research_latest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(price_high__gte=F("price_low")) | Q(price_low__isnull=True)
                                   | Q(price_high__isnull=True), name="research_prices_in_order"),
            business_range_constraint("research", "researched_on"),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} · {self.region} · {self.researched_on:%Y-%m-%d}"


class Stage(models.TextChoices):
    RESEARCH = "research", _("Market research")
    DEVELOPMENT = "development", _("Customer development")
    NEGOTIATION = "negotiation", _("Negotiation")
    FOLLOW_UP = "follow_up", _("Follow-up")


STAGE_ORDER = [Stage.RESEARCH, Stage.DEVELOPMENT, Stage.NEGOTIATION, Stage.FOLLOW_UP]
# The chance, by stage, that an open deal signs: weighted pipeline = amount x probability.
STAGE_PROBABILITY = {
    Stage.RESEARCH: Decimal("0.10"),
    Stage.DEVELOPMENT: Decimal("0.25"),
    Stage.NEGOTIATION: Decimal("0.60"),
    Stage.FOLLOW_UP: Decimal("1.00"),
}


class Outcome(models.TextChoices):
    OPEN = "open", pgettext_lazy("deal outcome", "Open")
    WON = "won", pgettext_lazy("deal outcome", "Won")
    LOST = "lost", pgettext_lazy("deal outcome", "Lost")


class Incoterm(models.TextChoices):
    FOB = "FOB", "FOB"
    CFR = "CFR", "CFR"
    CIF = "CIF", "CIF"
    FAS = "FAS", "FAS"
    DAP = "DAP", "DAP"
    EXW = "EXW", "EXW"


class QuantityBasis(models.TextChoices):
    BL = "bl", _("B/L quantity")
    OUTTURN = "outturn", _("Outturn (discharged quantity)")


class PortRole(models.TextChoices):
    LOAD = "load", _("Load port")
    DISCHARGE = "discharge", _("Discharge port")


class LaytimeDays(models.TextChoices):
    SHEX = "shex", _("Sundays and holidays excepted (SHEX)")
    SHINC = "shinc", _("Sundays and holidays included (SHINC)")


class ToleranceOption(models.TextChoices):
    SELLER = "molso", _("Seller's option (MOLSO)")
    BUYER = "molco", _("Buyer's option (MOLCO)")
    VESSEL = "moloo", _("Vessel's option (MOLOO)")


# The commercial terms of a deal: editable while it is negotiated; once signed, changed only by an
# approved amendment.
# The execution terms: how shipments are valued and laytime counted.
EXECUTION_TERMS = ["liftings", "quantity_basis", "final_assay", "shortage_allowance_percent", "load_rate",
                   "discharge_rate", "laytime_days", "turn_time_hours", "despatch_rate", "payment_days",
                   "prepayment_percent"]
CONTRACT_TERMS = ["commodity", "specification", "grade", "quantity_tonnes", "tolerance_percent", "tolerance_option",
                  "price_per_tonne", "currency", "incoterm", "load_port", "discharge_port", "laycan_start",
                  "laycan_end", "payment_terms", "demurrage_rate", *EXECUTION_TERMS]


class Deal(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="deals", verbose_name=_("customer"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals",
                              verbose_name=_("owner"))
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"),
                                  db_index=False)  # led by the (commodity, amount_base) index below
    specification = models.ForeignKey(Specification, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="deals", verbose_name=_("specification"))
    # Free text only for a grade not on the commodity's list of specifications (flagged on the deal).
    grade = models.CharField(_("grade not on the list"), max_length=120, blank=True)
    quantity_tonnes = models.DecimalField(_("quantity (t)"), max_digits=12, decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0.01"))])
    tolerance_percent = models.DecimalField(_("tolerance (%)"), max_digits=4, decimal_places=2, default=Decimal(10),
                                            validators=[MinValueValidator(0), MaxValueValidator(20)])
    tolerance_option = models.CharField(_("tolerance option"), max_length=8, choices=ToleranceOption.choices,
                                        default=ToleranceOption.SELLER)
    price_per_tonne = models.DecimalField(_("price per tonne"), max_digits=12, decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    amount = models.GeneratedField(
        expression=F("quantity_tonnes") * F("price_per_tonne"),
        output_field=models.DecimalField(max_digits=24, decimal_places=4),
        db_persist=True,
        verbose_name=_("amount"),
    )
    # The rate used for amount_base: the one in force on the signing date once signed, else the latest.
    rate_to_base = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal(1), editable=False)
    amount_base = models.DecimalField(_("amount in base currency"), max_digits=20, decimal_places=2, default=0,
                                      editable=False)
    incoterm = models.CharField(_("Incoterm"), max_length=3, choices=Incoterm.choices, default=Incoterm.CFR)
    load_port = models.ForeignKey(Port, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("load port"))
    discharge_port = models.ForeignKey(Port, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("discharge port"))
    laycan_start = models.DateField(_("laycan from"), null=True, blank=True, validators=[validate_business_date])
    laycan_end = models.DateField(_("laycan to"), null=True, blank=True, validators=[validate_business_date])
    payment_terms = models.CharField(_("payment terms"), max_length=32, choices=PaymentTerms.choices, blank=True)
    demurrage_rate = models.DecimalField(_("demurrage per day"), null=True, blank=True,
                                         validators=[MinValueValidator(0)],
                                         **MONEY)
    # How the contract is executed: what the final value counts, and the laytime clause.
    liftings = models.PositiveSmallIntegerField(_("number of shipments"), default=1,
                                                validators=[MinValueValidator(1), MaxValueValidator(50)],
                                                help_text=_("The quantity is lifted in this many equal shipments."))
    quantity_basis = models.CharField(_("quantity basis"), max_length=8, choices=QuantityBasis.choices,
                                      default=QuantityBasis.BL)
    final_assay = models.CharField(_("final assay"), max_length=10, choices=PortRole.choices,
                                   default=PortRole.LOAD)
    shortage_allowance_percent = models.DecimalField(
        _("shortage allowance (%)"), max_digits=4, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(0), MaxValueValidator(5)],
        help_text=_("A short-landing up to this share of the B/L is not claimed."))
    discharge_rate = models.DecimalField(_("discharge rate (t/day)"), max_digits=10, decimal_places=2, null=True,
                                         blank=True, validators=[MinValueValidator(Decimal(1))])
    load_rate = models.DecimalField(_("load rate (t/day)"), max_digits=10, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal(1))])
    laytime_days = models.CharField(_("laytime counts"), max_length=5, choices=LaytimeDays.choices,
                                    default=LaytimeDays.SHEX)
    turn_time_hours = models.PositiveSmallIntegerField(_("turn time (h)"), default=12,
                                                       validators=[MaxValueValidator(72)])
    despatch_rate = models.DecimalField(_("despatch per day"), null=True, blank=True,
                                        validators=[MinValueValidator(0)],
                                        help_text=_("Blank: half the demurrage rate."), **MONEY)
    # When the invoices fall due (pipeline.receivables.money): days after the B/L, and the share billed
    # before loading under T/T with a deposit.
    payment_days = models.PositiveSmallIntegerField(
        _("payment days after B/L"), default=0, validators=[MaxValueValidator(365)],
        help_text=_("Days after the B/L date an invoice falls due (usance L/C or credit days); 0: at sight."))
    prepayment_percent = models.DecimalField(
        _("prepayment (%)"), max_digits=5, decimal_places=2, default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The share of the contract value invoiced before loading (T/T with a deposit)."))
    expected_signing_date = models.DateField(_("expected signing date"), null=True, blank=True,
                                             validators=[validate_business_date])
    competitor = models.CharField(_("competitor"), max_length=200, blank=True)
    research = models.ManyToManyField(MarketResearch, blank=True, related_name="deals",
                                      verbose_name=_("market research"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.RESEARCH)
    # The furthest stage the deal has reached: a move back leaves it where it was. Kept by every save (see
    # `reach`), so that the team funnel counts deals by a column instead of joining them with their moves.
    furthest_stage = models.CharField(_("furthest stage reached"), max_length=16, choices=Stage.choices,
                                      default=Stage.RESEARCH, editable=False)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    lost_reason = models.ForeignKey(LostReason, on_delete=models.PROTECT, null=True, blank=True,
                                    verbose_name=_("reason for losing"))
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    signed_on = models.DateField(_("signing date"), null=True, blank=True, validators=[validate_business_date])
    # Who the signing is credited to: the owner when it was signed. A later transfer moves the deal,
    # not the sale already made (see the README, "Transfers").
    credited_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("credited to"),
                                    db_index=False)  # led by the (credited_to, signed_on) index below
    # Split credit: a second seller (an account manager who worked the deal with the rep) takes
    # `co_seller_share` % of the sale in the scorecards and the commission; the credited person the rest.
    # Set by a manager or director (`split_set_by`), never a term of the contract: changing it needs no
    # amendment, and the deal's history keeps every change.
    co_seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="co_sold_deals", verbose_name=_("second seller"))
    co_seller_share = models.DecimalField(_("second seller's share (%)"), max_digits=5, decimal_places=2,
                                          default=Decimal(0))
    split_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("split set by"))
    split_set_at = models.DateTimeField(_("split set"), null=True, blank=True)
    # When an approved amendment last changed the signed terms (the scorecards mark such sales).
    amended_at = models.DateTimeField(_("amended"), null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    stage_entered_at = models.DateTimeField(_("in this stage since"), auto_now_add=True)
    # Bumped by every write; a save from a stale form is refused (optimistic locking).
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["amount", "version", "updated_at", "rate_to_base",
                                                 "furthest_stage"])
    # Set before a save for django-simple-history to record why the version was written.
    _change_reason: str

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # The board's figures per owner and stage, and the team funnel's deals by owner, read from the
            # index alone on PostgreSQL.
            models.Index(fields=["owner", "stage", "outcome"], name="deal_by_owner_and_stage",
                         include=["amount_base", "created_at", "co_seller", "id", "furthest_stage"]),
            models.Index(fields=["stage", "outcome"]),
            models.Index(fields=["customer", "outcome"]),
            models.Index(fields=["signed_on"]),
            # By laycan and expected signing, the list's sorts and filters; with the key, the sorts' tie-breaker, so
            # that the deals of one date, or of none (97,000 have no laycan yet), are read in order, not sorted.
            models.Index(fields=["laycan_start", "id"], name="deal_by_laycan"),
            models.Index(fields=["expected_signing_date", "id"], name="deal_by_expected_signing"),
            # The default order (latest first), for everyone, one person, and each board column.
            models.Index(fields=["updated_at", "id"]),
            models.Index(fields=["owner", "updated_at"]),
            # A board column's latest cards from the index alone on PostgreSQL, with what decides whether a card
            # is the viewer's and on the board: read from the table, a manager's four columns fetched some 4,000
            # rows to keep their 120 (5.0 -> 2.2 ms at the large size).
            models.Index(fields=["stage", "updated_at", "id"], name="deal_board_column",
                         include=["owner", "co_seller", "outcome"]),
            # The scorecards (targets.kpis), read from the index alone on PostgreSQL: a period's signings
            # by seller, and the open pipeline by owner.
            models.Index(fields=["signed_on"], name="deal_signed_for_scorecards", condition=Q(outcome=Outcome.WON),
                         include=["credited_to", "co_seller", "co_seller_share", "amount_base", "quantity_tonnes",
                                  "created_at", "amended_at", "customer"]),
            models.Index(fields=["owner"], name="deal_open_for_scorecards", condition=Q(outcome=Outcome.OPEN),
                         include=["stage", "amount_base", "expected_signing_date"]),
            # One seller's signings of a period (the deal page's commission what-if, their statement), and the
            # foreign key's own lookups: the index on the key alone would be one more for the planner to weigh.
            models.Index(fields=["credited_to", "signed_on"], name="deal_credited_by_signing"),
            # Whose laycans reach into a month (selectors.laycans_in: the calendar, a rep's dashboard): each owner's
            # signed or near-signing deals by the laycan's last day.
            models.Index(F("owner"), Coalesce("laycan_end", "laycan_start"), name="deal_laycans_by_owner",
                         condition=Q(outcome=Outcome.WON) | Q(outcome=Outcome.OPEN, stage=Stage.NEGOTIATION)),
            # The signed contracts each person sees as owner or as second seller, from the index alone on PostgreSQL
            # (a team's overdue invoices, a seller's contracts' records: selectors.deals_visible_each_way), with the
            # commodity a filter reads and the other way of seeing them.
            models.Index(fields=["owner"], name="deal_signed_by_owner", condition=Q(outcome=Outcome.WON),
                         include=["id", "co_seller", "commodity"]),
            models.Index(fields=["co_seller"], name="deal_signed_by_second_seller",
                         condition=Q(outcome=Outcome.WON, co_seller__isnull=False),
                         include=["id", "owner", "commodity"]),
            # The open deals sorted by laycan (the list's sort): by the laycan index alone, the 70,000 older signed
            # and lost deals were skipped first (the director's list 84 ms).
            models.Index(fields=["outcome", "laycan_start", "id"], name="deal_by_outcome_and_laycan"),
            # The list sorted by amount, either way: the director's 200,000 deals were sorted whole for a page of 50
            # (260 ms). A commodity's deals by amount from their own index: walking the first for a commodity's,
            # PostgreSQL met coal, the cheapest cargo, last (130,000 deals read for 50: 145 ms, 76 sorted).
            # The latest laycans and signing dates first, empty last (the list's descending sorts), are PostgreSQL's
            # own indexes (migration 0026: SQLite has no NULLS LAST in an index).
            models.Index(fields=["amount_base", "id"], name="deal_by_amount"),
            models.Index(fields=["commodity", "amount_base", "id"], name="deal_by_commodity_and_amount"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_tonnes__gt=0), name="deal_quantity_positive"),
            models.CheckConstraint(condition=Q(price_per_tonne__gt=0), name="deal_price_positive"),
            models.CheckConstraint(condition=Q(tolerance_percent__gte=0, tolerance_percent__lte=20),
                                   name="deal_tolerance_0_to_20"),
            models.CheckConstraint(condition=Q(prepayment_percent__gte=0, prepayment_percent__lte=100),
                                   name="deal_prepayment_0_to_100"),
            models.CheckConstraint(condition=Q(laycan_end__gte=F("laycan_start")) | Q(laycan_start__isnull=True)
                                   | Q(laycan_end__isnull=True), name="deal_laycan_in_order"),
            business_range_constraint("deal", "laycan_start", nullable=True),
            business_range_constraint("deal", "laycan_end", nullable=True),
            business_range_constraint("deal", "expected_signing_date", nullable=True),
            business_range_constraint("deal", "signed_on", nullable=True),
            models.CheckConstraint(
                condition=~Q(outcome="won") | (Q(stage="follow_up") & ~Q(contract_number="")
                                               & Q(signed_on__isnull=False)
                                               & Q(credited_to__isnull=False)),
                name="won_deal_is_signed",
            ),
            models.CheckConstraint(condition=Q(co_seller__isnull=True, co_seller_share=0)
                                   | Q(co_seller__isnull=False, co_seller_share__gt=0, co_seller_share__lt=100),
                                   name="deal_split_share_0_to_100"),
            models.UniqueConstraint(fields=["contract_number"], condition=~Q(contract_number=""),
                                    name="unique_contract_number",
                                    violation_error_message=_("Another deal already has this contract number.")),
        ]

    def __str__(self) -> str:
        grade = f" {self.grade_name}" if self.grade_name else ""
        return f"{self.commodity}{grade} · {self.quantity_tonnes:,.0f} {pgettext('unit', 't')} · {self.customer}"

    @staticmethod
    def own_field(name: str) -> "models.Field[Any, Any]":
        """One of the deal's own fields (a term, an export column): the type checker cannot tell it from a
        reverse relation, which has no label, column or parser."""
        field = Deal._meta.get_field(name)
        if not isinstance(field, models.Field):
            raise TypeError(f"Deal.{name} is a relation to another model, not a field of its own")
        return field

    @property
    def grade_name(self) -> str:
        """The grade as the contract names it: its specification, or the free text of one not on the list."""
        return str(self.specification) if self.specification_id else self.grade

    def reach(self) -> None:
        """Raise the furthest stage reached to the stage the deal is in, never lower it."""
        if STAGE_ORDER.index(Stage(self.stage)) > STAGE_ORDER.index(Stage(self.furthest_stage)):
            self.furthest_stage = self.stage

    @property
    def next_stage(self) -> Stage | None:
        """The stage a forward move takes the deal to; none after follow-up, the last."""
        index = STAGE_ORDER.index(Stage(self.stage)) + 1
        return STAGE_ORDER[index] if index < len(STAGE_ORDER) else None

    @property
    def credited_person_id(self) -> int:
        """Whom the sale is credited to: who owned it at signing (kept by a cancelled contract too), or its
        owner while it is not signed."""
        return self.credited_to_id or self.owner_id

    @property
    def credited_share(self) -> Decimal:
        """The credited person's share (%) of the sale: what the second seller does not take."""
        return Decimal(100) - self.co_seller_share

    @property
    def cancelled(self) -> bool:
        """A signed contract cancelled later: lost, but it keeps its contract number and signing date
        (the commission engine claws back on exactly this)."""
        return self.outcome == Outcome.LOST and self.signed_on is not None

    @property
    def probability(self) -> Decimal:
        if self.outcome == Outcome.LOST:
            return Decimal(0)
        return STAGE_PROBABILITY[Stage(self.stage)]


class StageMove(models.Model):
    """One move of a deal: between stages, to won (signing) or lost, or reopened. Never edited."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="moves")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    from_outcome = models.CharField(max_length=8, choices=Outcome.choices)
    to_outcome = models.CharField(max_length=8, choices=Outcome.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    # When the deal entered `from_stage`: the latest earlier move into it, or the deal's creation. Kept when the
    # move is recorded, so that the scorecards' time in each stage needs no lookup per move; None on a move
    # written without it (a bulk insert), which the scorecards then look up (targets.kpis).
    from_stage_since = models.DateTimeField(null=True, editable=False)

    class Meta:
        ordering = ["at", "pk"]
        # A deal's moves in order; the stage they reached, for the funnel, from the index alone.
        indexes = [models.Index(fields=["deal", "at"], include=["to_stage"], name="stage_move_by_deal"),
                   models.Index(fields=["to_stage", "at"]),
                   models.Index(fields=["to_outcome", "at"])]  # a period's losses, for the scorecards


class PipelineTally(models.Model):
    """How many deals one owner has in one stage with one outcome, and their amount in the base currency. Kept by
    the database itself (triggers on the deals' table, migration 0028) on every insert, update and delete of a
    deal, whatever writes it (a service, a bulk update of exchange rates, the demo's COPY), in the same
    transaction: the board's figures read these few hundred rows instead of grouping every open deal (the
    director's 68,000 took 18 ms of the page). Never written by the application."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    deals = models.IntegerField(default=0)
    amount_base = models.DecimalField(max_digits=22, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "stage", "outcome"], name="one_tally_per_group")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.stage} {self.outcome}: {self.deals}"


class ActivityTally(models.Model):
    """How many activities one person logged with one customer. Kept by the database itself (triggers on the
    activities' table, migration 0031) on every insert, update and delete of an activity, whatever writes it, in
    the same transaction: the activity list's heading and its "Logged by" choices read these rows for the customers
    the user sees instead of counting their activities (a manager's 43,000 took 9 ms of the page, the director's
    million 28). A row may hold 0 once its activities are gone. Never written by the application."""

    # The unique constraint's index, customer first, finds a customer's rows.
    customer = models.ForeignKey(Customer, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                 related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name="+")
    activities = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "author"], name="one_tally_per_customer_author")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.author_id}: {self.activities}"


class Activity(models.Model):
    """A visit, call or message with a customer (客户追踪), and the next step it calls for."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        CALL = "call", _("Call")
        EMAIL = "email", _("Email")
        MEETING = "meeting", _("Meeting")
        TRADE_SHOW = "trade_show", _("Trade show")
        WECHAT = "wechat", _("WeChat")

    # The Bootstrap icon of each kind, on the form, the list and the customer page.
    ICONS: ClassVar[dict[str, str]] = {
        Kind.VISIT: "person-walking",
        Kind.CALL: "telephone",
        Kind.EMAIL: "envelope",
        Kind.MEETING: "people",
        Kind.TRADE_SHOW: "shop",
        Kind.WECHAT: "wechat",
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.VISIT)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities",
                                 verbose_name=_("customer"))
    deal = models.ForeignKey(Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities",
                             verbose_name=_("deal"))
    contacts = models.ManyToManyField(Contact, blank=True, related_name="activities", verbose_name=_("contacts"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities",
                              verbose_name=_("logged by"))
    happened_at = models.DateTimeField(_("when"), validators=[validate_business_date])
    summary = models.TextField(_("summary"))
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_due = models.DateField(_("next step due"), null=True, blank=True, validators=[validate_business_date])
    next_step_done = models.BooleanField(_("next step done"), default=False)
    # Who is to take the next step when it is not the person who logged the activity (a manager handed
    # it over): the follow-up work moves, the activity (and its credit) stays with who logged it.
    next_step_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("next step by"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Set for display by the pages that list activities (not a column): may the reader change it.
    can_change: bool

    class Meta:
        ordering = ["-happened_at", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            # A customer's latest activities; with their authors, for the activity list's "Logged by" choices from
            # the index alone (selectors.activity_authors_visible_to).
            models.Index(fields=["customer", "happened_at"], include=["owner"], name="activity_by_customer"),
            models.Index(fields=["owner", "happened_at"]),
            # A rep's latest visits; a team's visits per week from the index alone on PostgreSQL (with what
            # decides who sees them).
            models.Index(fields=["owner", "kind", "happened_at"], name="activity_by_owner_and_kind",
                         include=["customer", "next_step_owner"]),
            # A period's visits and calls by person (targets.kpis), from the index alone on PostgreSQL.
            models.Index(fields=["happened_at"], include=["owner", "kind"], name="activity_for_scorecards"),
            # The visits list's page, newest first, found from the index alone: whose customer each activity is on
            # and whose its next step is, beside the order (pipeline.views.activities.activity_list).
            models.Index(fields=["happened_at", "id"], include=["customer", "next_step_owner"],
                         name="activity_newest_first"),
            models.Index(fields=["next_step_done", "next_step_due"]),
            # A person's open next steps by due date, their dashboard's overdue list and its count: the index above
            # read the whole organisation's 9,000 overdue steps for a rep's 54 (3 ms -> 0.2 at the large size).
            models.Index(fields=["owner", "next_step_due"], condition=models.Q(next_step_done=False),
                         name="activity_open_steps_by_owner"),
        ]
        constraints = [
            business_range_constraint("activity", "happened_at", moment=True),
            business_range_constraint("activity", "next_step_due", nullable=True),
        ]

    @staticmethod
    def icon_of(kind: str) -> str:
        return Activity.ICONS.get(kind, "journal-text")

    @property
    def icon(self) -> str:
        return self.icon_of(self.kind)


class ReminderQuerySet(InboxQuerySet):
    recipient = "recipient"


class Reminder(models.Model):
    """Something that needs a person today (跟进提醒), raised by the hourly job.

    One row per person, cause and day: the unique constraint makes the job idempotent, and a
    reminder marked done or snoozed is never raised again that day."""

    class Kind(models.TextChoices):
        NEXT_STEP = "next_step", _("Next step past due")
        NOT_CONTACTED = "not_contacted", _("Customer not contacted within its tier's cadence")
        LAYCAN = "laycan", _("Laycan soon without a signed contract")
        SIGNING_LATE = "signing_late", _("Deal past its expected signing date")
        COMPLAINT = "complaint", _("Complaint past its deadline")
        # A signed contract's execution (pipeline.execution registers these causes).
        NOMINATION = "nomination", _("No vessel nominated and the laycan is near")
        BL_TOLERANCE = "bl_tolerance", _("B/L accepted outside the contract's tolerance")
        OFF_SPEC = "off_spec", _("Assay out of specification, no claim raised")
        DEMURRAGE = "demurrage", _("Laytime exceeded: demurrage accruing")
        FINAL_VALUE = "final_value", _("Discharged without a final value")
        # Getting paid (pipeline.letters_of_credit and pipeline.receivables register these causes).
        LC_NOT_RECEIVED = "lc_missing", _("Letter of credit not received and the laycan is near")
        LC_EXPIRING = "lc_expiring", _("Letter of credit expiring, documents not presented")
        LC_SHIPMENT_DATE = "lc_ship_date", _("Latest shipment date near and no B/L")
        INVOICE_OVERDUE = "invoice_overdue", _("Invoice overdue")
        # Raised at once by a person's action, not by the hourly job.
        AMENDMENT = "amendment", _("Contract amendment to approve")
        TRANSFER = "transfer", _("Transferred to you")
        HANDED_OVER = "handed_over", _("Follow-up handed to you")
        # A complaint or a coaching action given to someone (pipeline.notifications).
        ASSIGNED = "assigned", _("Assigned to you")

    class Resolution(models.TextChoices):
        DONE = "done", _("Marked done")
        RESOLVED = "resolved", _("Resolved: its cause went away")
        HANDED_OVER = "handed_over", _("Handed over")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    cause = models.CharField(max_length=80)  # e.g. "deal:42" — what the reminder is about
    day = models.DateField()
    escalated = models.BooleanField(_("escalated"), default=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    due_on = models.DateField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateField(null=True, blank=True)
    # How it was closed; blank while open (done_at is null).
    resolution = models.CharField(_("closed as"), max_length=16, choices=Resolution.choices, blank=True, default="")
    # Who gave it to the recipient (a transfer, an assignment), for "transferred to you by ...".
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    # The record's page, for records the pipeline has no column for (a coaching note of targets.coaching).
    link = models.CharField(max_length=200, blank=True, default="")
    # What the linked record says, in its writer's words (a coaching action's text).
    title = models.CharField(max_length=200, blank=True, default="")
    # Set for display by the inbox (not columns): may the reader hand it over, or transfer its deal.
    reassignable: bool
    transferable: bool

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "due_on", "pk"]
        # The open reminders per person (the team dashboard's counts) from the index alone on PostgreSQL.
        indexes = [models.Index(fields=["recipient", "day", "done_at"], name="reminder_open_by_recipient",
                                include=["snoozed_until", "cause"]),
                   # The inbox and the API's list, newest first, read in order however many a person has.
                   models.Index(fields=["recipient", "-day", "-id"], name="reminder_newest_by_recipient")]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "cause", "day"], name="one_reminder_per_cause_per_day"),
        ]


class Amendment(models.Model):
    """A change of a signed contract's terms (合同变更): the old and new values, why, who asked and who
    decided. It takes effect only when a manager of the owner (or a director) approves it; until then
    the contract keeps its signed terms. Never edited after the decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("deal"))
    # {field name: {"old": value, "new": value}}, values as the form field's text (ids for ports).
    changes = models.JSONField(_("changes"))
    reason = models.CharField(_("reason"), max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    # Set for display by the deal's page (not columns): each changed term as the reader sees it
    # (`selectors.describe_amendments`), and whether the reader may decide it.
    rows: list[dict[str, object]]
    can_decide: bool

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.UniqueConstraint(
                fields=["deal"], condition=Q(status="pending"), name="one_pending_amendment_per_deal",
                violation_error_message=_("This contract already has an amendment awaiting approval.")),
            models.CheckConstraint(condition=Q(status="pending", decided_at__isnull=True)
                                   | (~Q(status="pending") & Q(decided_at__isnull=False)),
                                   name="amendment_decided_when_not_pending"),
        ]


class Transfer(models.Model):
    """A change of owner of a customer or a deal (转移): from whom, to whom, who did it, when and why."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="transfers")
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="transfers")
    from_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("from"))
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("to"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(condition=Q(customer__isnull=False, deal__isnull=True)
                                   | Q(customer__isnull=True, deal__isnull=False), name="transfer_of_one_record"),
        ]
