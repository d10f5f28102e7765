"""Quarterly targets (销售目标) set for teams and split among reps, and the KPI scorecards
(业绩考核表) the Celery job computes for every rep, team and the department."""

import uuid
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Digits, Team, User

from .periods import QUARTER, period_label, quarter_label

MONEY = Digits(max_digits=18, decimal_places=2)
TONNES = Digits(max_digits=14, decimal_places=2)
# The figures' names in the interface, capitalised (the model's verbose names are lower case).
FIGURE_LABELS = {
    "sales_amount": _("Sales amount"),
    "tonnage": _("Tonnage (t)"),
    "signed_contracts": _("Signed contracts"),
    "new_customers": _("New customers"),
    "min_satisfaction": _("Average satisfaction at least"),
}


class TargetFigures(models.Model):
    """The quantified targets of the plan: what a team or a rep is to reach in a quarter."""

    sales_amount = models.DecimalField(_("sales amount"), default=0, validators=[MinValueValidator(0)], **MONEY)
    tonnage = models.DecimalField(_("tonnage (t)"), default=0, validators=[MinValueValidator(0)], **TONNES)
    signed_contracts = models.PositiveIntegerField(_("signed contracts"), default=0)
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)
    min_satisfaction = models.DecimalField(_("average satisfaction at least (1-5)"), max_digits=3, decimal_places=2,
                                           default=0, validators=[MinValueValidator(0), MaxValueValidator(5)])

    FIGURES = ["sales_amount", "tonnage", "signed_contracts", "new_customers", "min_satisfaction"]
    # The figures that a team splits among its reps (a satisfaction floor is not split).
    SPLIT = ["sales_amount", "tonnage", "signed_contracts", "new_customers"]

    class Meta:
        abstract = True


class TeamTarget(TargetFigures):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="targets", verbose_name=_("team"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])

    class Meta:
        ordering = ["-year", "-quarter", "team__name"]
        verbose_name = _("team target")
        verbose_name_plural = _("team targets")
        constraints = [
            models.UniqueConstraint(fields=["team", "year", "quarter"], name="one_target_per_team_and_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {quarter_label(self.year, self.quarter)}"


class CommodityTonnage(models.Model):
    """Optionally, a team's quarter tonnage for one commodity (e.g. 300,000 t of iron ore fines)."""

    team_target = models.ForeignKey(TeamTarget, on_delete=models.CASCADE, related_name="commodity_tonnages")
    commodity = models.ForeignKey("customers.Commodity", on_delete=models.PROTECT, verbose_name=_("commodity"))
    tonnes = models.DecimalField(_("tonnes"), validators=[MinValueValidator(0)], **TONNES)

    class Meta:
        ordering = ["commodity__name"]
        constraints = [
            models.UniqueConstraint(fields=["team_target", "commodity"], name="one_tonnage_per_commodity"),
            models.CheckConstraint(condition=Q(tonnes__gte=0), name="commodity_tonnes_not_negative"),
        ]


class RepTarget(TargetFigures):
    """A rep's share of their team's target."""

    team_target = models.ForeignKey(TeamTarget, on_delete=models.CASCADE, related_name="shares")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="targets",
                            verbose_name=_("rep"))

    class Meta:
        ordering = ["rep__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["team_target", "rep"], name="one_share_per_rep"),
        ]


class TargetRevision(models.Model):
    """Targets are adjustable (the plan insists): every change keeps the old and new value, who, when, why."""

    class Reason(models.TextChoices):
        """Why a figure changed. The system's own reasons are kept as a code and its parameters, and
        read in the reader's language; a person's own words (MANUAL) are kept in `reason`, as typed."""

        MANUAL = "manual", _("Reason typed by a person")
        SET = "set", _("Set")
        SPLIT = "split", _("Split")
        COPIED = "copied", _("Copied from the previous quarter")

    team_target = models.ForeignKey(TeamTarget, on_delete=models.CASCADE, related_name="revisions")
    rep_target = models.ForeignKey(RepTarget, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="revisions")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="+")
    figure = models.CharField(max_length=32)
    old_value = models.DecimalField(null=True, **MONEY)
    new_value = models.DecimalField(**MONEY)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason_code = models.CharField(max_length=16, choices=Reason.choices, default=Reason.MANUAL)
    # What the code's sentence needs, e.g. {"year": 2026, "quarter": 4, "uplift": "15"} for COPIED.
    reason_params = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)  # a person's own words; empty for the system's

    # Set for display by `selectors.labelled_revisions` (not columns).
    figure_label: str
    places: str

    class Meta:
        ordering = ["-at", "-pk"]

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language (the active one), or a person's own words as written."""
        if self.reason_code == self.Reason.MANUAL:
            return self.reason
        if self.reason_code == self.Reason.COPIED:
            return gettext("Copied from %(year)s Q%(quarter)s with %(uplift)s%% uplift") % self.reason_params
        return str(self.Reason(self.reason_code).label)


class ScoreWeights(models.Model):
    """The director's weights of the composite score; one row (pk=1)."""

    sales_amount = models.PositiveSmallIntegerField(_("sales amount"), default=40)
    signed_contracts = models.PositiveSmallIntegerField(_("signed contracts"), default=20)
    new_customers = models.PositiveSmallIntegerField(_("new customers"), default=15)
    satisfaction = models.PositiveSmallIntegerField(_("customer satisfaction"), default=15)
    sales_cycle = models.PositiveSmallIntegerField(_("sales cycle"), default=10)

    PARTS = ["sales_amount", "signed_contracts", "new_customers", "satisfaction", "sales_cycle"]

    class Meta:
        verbose_name = _("score weights")

    @classmethod
    def part_labels(cls) -> dict[str, str]:
        """Each part's name in the interface, capitalised, in the order of PARTS: translated once per language
        (a team's leaderboard asks for them on each of its cards)."""
        return dict(_part_labels(translation.get_language()))

    @classmethod
    def current(cls) -> "ScoreWeights":
        return cls.objects.get_or_create(pk=1)[0]


@cache
def _part_labels(language: str | None) -> tuple[tuple[str, str], ...]:
    # Called with the language active, which the key names.
    fields = {field.name: field for field in ScoreWeights._meta.concrete_fields}
    return tuple((name, str(capfirst(fields[name].verbose_name))) for name in ScoreWeights.PARTS)


class Scorecard(models.Model):
    """One subject's KPIs for one period, stored so that a rerun updates rather than duplicates."""

    class Subject(models.TextChoices):
        REP = "rep", _("Rep")
        TEAM = "team", _("Team")
        DEPARTMENT = "department", _("Department")

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    subject = models.CharField(max_length=16, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField()  # user, team or department id
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    team_id_at_time = models.PositiveBigIntegerField(null=True, blank=True)  # a rep's team when computed
    sales_amount = models.DecimalField(default=0, **MONEY)
    tonnage = models.DecimalField(default=0, **TONNES)
    signed_contracts = models.PositiveIntegerField(default=0)
    new_customers = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    satisfaction = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    complaints_received = models.PositiveIntegerField(default=0)
    complaints_resolved_on_time = models.PositiveIntegerField(default=0)
    deals_won = models.PositiveIntegerField(default=0)
    # Of the signed contracts, how many an approved amendment changed (their amended terms are counted).
    amended_contracts = models.PositiveIntegerField(default=0)
    delivered_tonnage = models.DecimalField(default=0, **TONNES)  # B/L tonnes lifted in the period
    claims_value = models.DecimalField(default=0, **MONEY)  # cargo claims received, in the base currency
    # Getting paid, in the base currency (pipeline/receivables/scorecards.py: who each counts for): the
    # payments received in the period; what was owed past due on its last day (today while it runs); and
    # days sales outstanding, what was owed that day / what was invoiced in the period x its days.
    cash_collected = models.DecimalField(default=0, **MONEY)
    overdue_receivables = models.DecimalField(default=0, **MONEY)
    dso = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    deals_lost = models.PositiveIntegerField(default=0)
    win_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    avg_cycle_days = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    # Average days spent in each stage by the deals that left it in the period: {"research": "12.5", ...}
    stage_days = models.JSONField(default=dict)
    # The open pipeline weighted by the stages' probabilities, in three parts (kpis.pipeline_cut_off):
    # expected to sign within the period (the forecast = sales_amount + weighted_pipeline), with no
    # expected date or one already past (shown apart), and expected after the period's end.
    weighted_pipeline = models.DecimalField(default=0, **MONEY)
    weighted_undated = models.DecimalField(default=0, **MONEY)
    weighted_later = models.DecimalField(default=0, **MONEY)
    # Targets in force and attainment (None where no target was set).
    target_sales_amount = models.DecimalField(null=True, **MONEY)
    target_tonnage = models.DecimalField(null=True, **TONNES)
    target_signed_contracts = models.PositiveIntegerField(null=True)
    target_new_customers = models.PositiveIntegerField(null=True)
    target_min_satisfaction = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    # The period's weighted pipeline / the sales target still to reach, as a ratio (76.5 % is 0.7650).
    pipeline_coverage = models.DecimalField(max_digits=10, decimal_places=4, null=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0))
    score_parts = models.JSONField(default=dict)
    rank_in_team = models.PositiveIntegerField(null=True)
    rank_in_department = models.PositiveIntegerField(null=True)
    computed_at = models.DateTimeField(auto_now=True)

    # Set for display by the dashboards (not columns): the rep, team or department itself
    # (`dashboards.with_subjects`), and on some pages the score's parts, the attainment rows (a list, or
    # by figure), the forecast with its parts and the sales attainment in percent.
    subject_object: User | Team | Department | None
    parts: list[dict[str, Any]]
    attainment_rows: list[dict[str, Any]] | dict[str, dict[str, Any]]
    forecast: dict[str, Any]
    attainment_percent: Decimal | None
    # On the team dashboard: the rep with their latest coaching note (targets.coaching.selectors).
    coaching: User | None

    class Meta:
        ordering = ["-period_start", "subject", "rank_in_department"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "subject_id", "period", "period_start"],
                                    name="one_scorecard_per_subject_and_period"),
        ]
        indexes = [models.Index(fields=["period", "period_start", "subject"])]

    def attainment(self, figure: str) -> Decimal | None:
        target = getattr(self, f"target_{figure}")
        if not target:
            return None
        return Decimal(getattr(self, figure)) / Decimal(target)

    @property
    def label(self) -> str:
        """The period, e.g. "2026 Q4" or "2026-11"."""
        return period_label(self.period, self.period_start)

    @property
    def forecast_amount(self) -> Decimal:
        """Signed so far + the period's weighted pipeline (`targets.forecast` has the rule and its parts)."""
        return Decimal(self.sales_amount) + Decimal(self.weighted_pipeline)

    @property
    def coverage_percent(self) -> Decimal | None:
        if self.pipeline_coverage is None:
            return None
        return (Decimal(self.pipeline_coverage) * 100).quantize(Decimal("0.1"))


class ScorecardTotals(models.Model):
    """A person's summable totals for one period (sums, counts, durations by stage: `kpis.encode_totals`),
    from which their scorecard's figures and their team's and department's are made. Kept, for everyone
    with figures, so that a refresh after a change recounts only the people it concerns and takes the
    others' as they were last counted."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8, choices=Scorecard.Period.choices)
    period_start = models.DateField()
    totals = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "period_start", "person"],
                                    name="one_scorecard_totals_per_person_and_period"),
        ]


class ScorecardRefresh(models.Model):
    """A person whose figures of a period changed since their scorecards were computed, waiting for the
    refresh (`targets.scorecards.refresh_run`). Written in the change's own transaction, so a change is
    never lost between its commit and the refresh, and removed by the refresh that counted it."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8, choices=Scorecard.Period.choices)
    period_start = models.DateField()
    # New at each request: a refresh removes only the requests it read, not one renewed while it ran.
    token = models.UUIDField(default=uuid.uuid4)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "period_start", "person"],
                                    name="one_scorecard_refresh_per_person_and_period"),
        ]


class ComputationRun(models.Model):
    """A recomputation in progress or done, for the progress bar and so that two never overlap: of a
    quarter's scorecards here, of a plan's commission statements in targets.incentives."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    error = models.TextField(blank=True)

    class Meta:
        abstract = True


class ScorecardRun(ComputationRun):
    period_start = models.DateField()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["period_start"], condition=Q(finished_at__isnull=True),
                                    name="one_unfinished_run_per_quarter"),
        ]

    @property
    def quarter(self) -> str:
        """The quarter recomputed, e.g. "2026 Q4"."""
        return period_label(QUARTER, self.period_start)
