"""Incentive plans (激励方案), the commission statements (提成结算单) computed from them, and their
clawbacks (追回).

A plan pays, per quarter, a percentage of the credited sales amount in the base currency and/or an
amount per tonne per commodity, multiplied by the band of the person's attainment that each part of
the sales falls in (marginal, not retroactive: WORKED_EXAMPLES.md §7). A statement is computed per
person and plan; once approved it is a fact: a later loss or a contract amended down is recovered by a
clawback line in a later statement, never by changing the approved one."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Digits, Team

from ..models import MONEY, TONNES, ComputationRun
from ..periods import quarter_label

PERCENT = Digits(max_digits=7, decimal_places=3)
MULTIPLIER = Digits(max_digits=6, decimal_places=3)


class Basis(models.TextChoices):
    """When a contract's sale counts toward the commission."""

    SIGNED = "signed", _("When signed")
    SHIPPED = "shipped", _("When shipped (B/L tonnes)")
    PAID = "paid", _("When paid (cash collected)")


class IncentivePlan(models.Model):
    """A quarter's commission plan for a set of positions, in all teams or in the teams named."""

    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    # accounts.Position values, e.g. ["rep", "account_manager", "manager"].
    positions = models.JSONField(_("positions"), default=list)
    # None named: every team.
    teams = models.ManyToManyField(Team, blank=True, related_name="incentive_plans", verbose_name=_("teams"))
    basis = models.CharField(_("a contract counts"), max_length=8, choices=Basis.choices, default=Basis.SIGNED)
    percent_of_amount = models.DecimalField(_("commission, per cent of the amount"), default=Decimal(0),
                                            validators=[MinValueValidator(0), MaxValueValidator(100)], **PERCENT)
    new_customer_bonus = models.DecimalField(_("bonus per new customer"), default=Decimal(0),
                                             validators=[MinValueValidator(0)], **MONEY)
    # Below this average satisfaction (1-5) the variable part is reduced by `gate_reduction_percent`.
    satisfaction_floor = models.DecimalField(_("satisfaction floor (1-5)"), max_digits=3, decimal_places=2,
                                             null=True, blank=True,
                                             validators=[MinValueValidator(1), MaxValueValidator(5)])
    gate_reduction_percent = models.DecimalField(_("reduction below the floor (%)"), default=Decimal(0),
                                                 validators=[MinValueValidator(0), MaxValueValidator(100)], **PERCENT)
    cap = models.DecimalField(_("cap per person"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY)
    # A manager's override: this % of their team's credited sales, by the band of the team's attainment.
    override_percent = models.DecimalField(_("manager's override, per cent of the team's amount"), default=Decimal(0),
                                           validators=[MinValueValidator(0), MaxValueValidator(100)], **PERCENT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("set by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Bumped by every write; a save from a stale form is refused (optimistic locking).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-year", "-quarter", "name"]
        verbose_name = _("incentive plan")
        verbose_name_plural = _("incentive plans")
        constraints = [
            models.UniqueConstraint(fields=["name", "year", "quarter"], name="one_plan_name_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="plan_quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {quarter_label(self.year, self.quarter)}"


class PlanRate(models.Model):
    """A commission per tonne for one commodity."""

    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="rates")
    commodity = models.ForeignKey("customers.Commodity", on_delete=models.PROTECT, verbose_name=_("commodity"))
    per_tonne = models.DecimalField(_("commission per tonne"), max_digits=12, decimal_places=4,
                                    validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["commodity__name"]
        constraints = [models.UniqueConstraint(fields=["plan", "commodity"], name="one_rate_per_commodity")]


class PlanBand(models.Model):
    """An accelerator or decelerator: from this attainment (%) of the amount target up to the next band's,
    the sales in it earn x `multiplier`. Below the lowest band nothing is earned."""

    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="bands")
    from_percent = models.DecimalField(_("from attainment (%)"), max_digits=7, decimal_places=2,
                                       validators=[MinValueValidator(0)])
    multiplier = models.DecimalField(_("multiplier"), validators=[MinValueValidator(0)], **MULTIPLIER)

    class Meta:
        ordering = ["from_percent"]
        constraints = [models.UniqueConstraint(fields=["plan", "from_percent"], name="one_band_per_threshold")]


class Statement(models.Model):
    """A person's commission for one plan's quarter (提成结算单): draft → submitted by the manager →
    approved by the director (locked) → paid. Only a draft is recomputed."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("statement", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("statement", "Submitted")
        APPROVED = "approved", pgettext_lazy("statement", "Approved")
        PAID = "paid", pgettext_lazy("statement", "Paid")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="commission_statements", verbose_name=_("person"))
    plan = models.ForeignKey(IncentivePlan, on_delete=models.PROTECT, related_name="statements",
                             verbose_name=_("incentive plan"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    # What the lines were computed from, kept so the statement can be checked by hand.
    target_amount = models.DecimalField(_("amount target"), null=True, blank=True, **MONEY)
    credited_amount = models.DecimalField(_("credited sales"), default=Decimal(0), **MONEY)
    credited_tonnes = models.DecimalField(_("credited tonnes"), default=Decimal(0), **TONNES)
    attainment = models.DecimalField(_("attainment"), max_digits=9, decimal_places=4, null=True, blank=True)
    satisfaction = models.DecimalField(_("average satisfaction"), max_digits=3, decimal_places=2, null=True,
                                       blank=True)
    total = models.DecimalField(_("total"), default=Decimal(0), **MONEY)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-period_start", "person__full_name", "pk"]
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        constraints = [models.UniqueConstraint(fields=["person", "plan"], name="one_statement_per_person_and_plan")]
        indexes = [models.Index(fields=["person", "status"]), models.Index(fields=["status", "period_start"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.plan}"

    @property
    def locked(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.PAID)


class StatementLine(models.Model):
    """One line of a statement, with what a person needs to check it by hand against the plan."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        NEW_CUSTOMER = "new_customer", _("New customer bonus")
        OVERRIDE = "override", _("Manager's override")
        GATE = "gate", _("Satisfaction gate")
        CAP = "cap", _("Cap")
        CLAWBACK = "clawback", _("Clawback")

    class Reason(models.TextChoices):
        """Why a clawback recovers what an approved statement paid."""

        LOST = "lost", _("Contract cancelled or lost")
        AMENDED_DOWN = "amended_down", _("Contract amended down")
        CREDIT_MOVED = "credit_moved", _("Credit moved to another seller")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    deal = models.ForeignKey("pipeline.Deal", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("deal"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("customer"))
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("team"))
    # Copied when computed, so the line reads as it was even if the deal changes later.
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    commodity_name = models.CharField(_("commodity"), max_length=100, blank=True)
    share = models.DecimalField(_("share (%)"), max_digits=5, decimal_places=2, default=Decimal(100))
    tonnes = models.DecimalField(_("tonnes"), null=True, blank=True, **TONNES)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    percent = models.DecimalField(_("commission (%)"), null=True, blank=True, **PERCENT)
    per_tonne = models.DecimalField(_("per tonne"), max_digits=12, decimal_places=4, null=True, blank=True)
    # The bands the line's sales fell in, in order: [{"from": "50", "to": "100", "amount": "1000000.00",
    # "tonnes": "10000.00", "multiplier": "1.0", "earned": "10000.00"}, ...] ("to" null for the top band).
    bands = models.JSONField(_("bands"), default=list, blank=True)
    multiplier = models.DecimalField(_("multiplier"), null=True, blank=True, **MULTIPLIER)
    earned = models.DecimalField(_("earned"), default=Decimal(0), **MONEY)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices, blank=True)
    # A clawback's origin: the approved statement whose line it recovers.
    recovers = models.ForeignKey(Statement, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("recovers"))

    class Meta:
        ordering = ["statement", "position", "pk"]
        indexes = [models.Index(fields=["deal", "kind"])]


class StatementStep(models.Model):
    """A step of a statement's workflow: who moved it from which status to which, when, and why."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=10, choices=Statement.Status.choices)
    to_status = models.CharField(max_length=10, choices=Statement.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class PlanRun(ComputationRun):
    """A director's recomputation of a plan's statements, run by the worker with a progress bar."""

    plan = models.ForeignKey(IncentivePlan, on_delete=models.CASCADE, related_name="runs")
    written = models.PositiveIntegerField(default=0)  # the drafts written

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["plan"], condition=Q(finished_at__isnull=True),
                                    name="one_unfinished_run_per_plan"),
        ]
