"""A signed contract's shipments (装运批次), their assays (检验结果), laytime statements (装卸时间)
and the complaints raised on the cargo. Figures are computed by pricing.py and laytime.py."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.bounds import business_range_constraint, validate_business_date
from accounts.models import Digits
from customers.models import Complaint
from pipeline.models import MONEY, Deal, PortRole, SpecParameter

TONNES = Digits(max_digits=12, decimal_places=3)


def validate_imo(value: str) -> None:
    """An IMO ship number: seven digits, the last a check digit (the first six times 7, 6, 5, 4, 3, 2)."""
    digits = value.removeprefix("IMO").strip()
    if len(digits) != 7 or not digits.isdigit():
        raise ValidationError(_("An IMO number has seven digits, e.g. 9074729."), code="imo_format")
    check = sum(int(digit) * weight for digit, weight in zip(digits[:6], range(7, 1, -1), strict=True)) % 10
    if check != int(digits[6]):
        raise ValidationError(_("This IMO number's check digit is wrong: please check it against the vessel's "
                                "papers."), code="imo_check_digit")


# The facts Shipment.state reads: a query that loads only some of a shipment's fields loads these to show it.
SHIPMENT_STATE_FIELDS = ("finalised_at", "outturn_tonnes", "discharge_completed_at", "bl_tonnes", "load_arrived_at",
                         "vessel_name")


class Shipment(models.Model):
    """One lifting of a signed contract: the vessel nominated, the B/L, the discharge and the outturn.

    The recorded facts are kept with their history; the final value, once confirmed, is stored and
    changes no more."""

    class State(models.TextChoices):
        AWAITING_NOMINATION = "awaiting", _("Awaiting nomination")
        NOMINATED = "nominated", _("Nominated")
        LOADING = "loading", _("Loading")
        SAILING = "sailing", _("Sailing")
        DISCHARGED = "discharged", _("Discharged")
        FINAL = "final", _("Final")

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("contract"))
    number = models.PositiveSmallIntegerField(_("shipment"), default=1)
    vessel_name = models.CharField(_("vessel"), max_length=100, blank=True)
    imo = models.CharField(_("IMO number"), max_length=7, blank=True, validators=[validate_imo])
    nominated_on = models.DateField(_("nominated on"), null=True, blank=True, validators=[validate_business_date])
    eta_load = models.DateField(_("ETA at the load port"), null=True, blank=True, validators=[validate_business_date])
    laycan_start = models.DateField(_("laycan from"), null=True, blank=True, validators=[validate_business_date])
    laycan_end = models.DateField(_("laycan to"), null=True, blank=True, validators=[validate_business_date])
    # The narrowed laycan as the laycan calendar draws it, a single day when only one date is set: stored, so that
    # a month's vessels are read from an index alone (execution.selectors.shipment_laycans_in).
    laycan_from = models.GeneratedField(expression=Coalesce("laycan_start", "laycan_end"),
                                        output_field=models.DateField(), db_persist=True, verbose_name=_("laycan from"))
    laycan_to = models.GeneratedField(expression=Coalesce("laycan_end", "laycan_start"),
                                      output_field=models.DateField(), db_persist=True, verbose_name=_("laycan to"))
    load_arrived_at = models.DateTimeField(_("arrived at the load port"), null=True, blank=True,
                                           validators=[validate_business_date])
    bl_date = models.DateField(_("B/L date"), null=True, blank=True, validators=[validate_business_date])
    bl_tonnes = models.DecimalField(_("B/L quantity (t)"), null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("0.001"))], **TONNES)
    # A B/L quantity outside the contract's tolerance stands only with a manager's reason.
    bl_accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("accepted outside tolerance by"))
    bl_acceptance_reason = models.CharField(_("why it is accepted"), max_length=300, blank=True)
    discharge_arrived_at = models.DateTimeField(_("arrived at the discharge port"), null=True, blank=True,
                                                validators=[validate_business_date])
    discharge_completed_at = models.DateTimeField(_("discharge completed"), null=True, blank=True,
                                                  validators=[validate_business_date])
    outturn_tonnes = models.DecimalField(_("outturn (t)"), null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0.001"))], **TONNES)
    # The final value, confirmed once the final assay and quantity are in: a fact from then on.
    final_quantity = models.DecimalField(_("final quantity (t)"), null=True, blank=True, editable=False, **TONNES)
    final_price = models.DecimalField(_("final price per tonne"), max_digits=16, decimal_places=6, null=True,
                                      blank=True, editable=False)
    final_value = models.DecimalField(_("final value"), null=True, blank=True, editable=False, **MONEY)
    final_value_base = models.DecimalField(_("final value in base currency"), null=True, blank=True, editable=False,
                                           **MONEY)
    finalised_at = models.DateTimeField(_("final value confirmed"), null=True, blank=True, editable=False)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False, verbose_name=_("confirmed by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Its contract's owner and second seller and whether it stands signed, copied by the database itself (triggers:
    # migration 0007) whenever the shipment or its contract changes, whatever writes them: the laycan calendar reads
    # a team's vessels of a month from an index by seller instead of reading the month's 12,000 shipments of the
    # whole organisation to keep the team's 500 (3.3 -> 0.6 ms). Never written by the application.
    contract_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                                       null=True, editable=False, related_name="+", db_index=False)
    contract_second_seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                                               db_constraint=False, null=True, editable=False, related_name="+",
                                               db_index=False)
    contract_signed = models.BooleanField(default=False, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "version", "laycan_from", "laycan_to", "contract_owner",
                                                 "contract_second_seller", "contract_signed"])

    class Meta:
        ordering = ["deal", "number"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        # The API lists the newest first: read in order from an index, not sorted from every row.
        indexes = [models.Index(fields=["laycan_start"]), models.Index(fields=["finalised_at"]),
                   models.Index(fields=["-created_at", "-id"], name="shipment_newest_first"),
                   # The laycan calendar's vessels of a month: those whose laycan ends in it or after, joined to the
                   # contracts the user sees, instead of probing each of a manager's 8,600 contracts for its
                   # shipments (11.6 -> 6 ms at the large size); from the index alone on PostgreSQL, where the
                   # table's rows were read for each of the month's 15,000 windows in the organisation (4 -> 3 ms).
                   models.Index(fields=["laycan_to"], include=["laycan_from", "deal", "id"],
                                name="shipment_laycan_window"),
                   # A seller's or a team's vessels of a month, each way they see a contract (its owner's, its second
                   # seller's): the signed contracts' shipments by seller and laycan, from the index alone.
                   models.Index(fields=["contract_owner", "laycan_to"], include=["laycan_from", "id"],
                                condition=Q(contract_signed=True), name="shipment_laycan_by_owner"),
                   models.Index(fields=["contract_second_seller", "laycan_to"], include=["laycan_from", "id"],
                                condition=Q(contract_signed=True, contract_second_seller__isnull=False),
                                name="shipment_laycan_by_second")]
        constraints = [
            models.UniqueConstraint(fields=["deal", "number"], name="one_shipment_number_per_deal"),
            models.CheckConstraint(condition=Q(laycan_end__gte=F("laycan_start")) | Q(laycan_start__isnull=True)
                                   | Q(laycan_end__isnull=True), name="shipment_laycan_in_order"),
            models.CheckConstraint(condition=Q(discharge_completed_at__gte=F("discharge_arrived_at"))
                                   | Q(discharge_arrived_at__isnull=True) | Q(discharge_completed_at__isnull=True),
                                   name="discharge_completed_after_arrival"),
            models.CheckConstraint(condition=Q(bl_tonnes__gt=0) | Q(bl_tonnes__isnull=True),
                                   name="bl_quantity_positive"),
            models.CheckConstraint(condition=Q(outturn_tonnes__gt=0) | Q(outturn_tonnes__isnull=True),
                                   name="outturn_positive"),
            business_range_constraint("shipment", "laycan_start", nullable=True),
            business_range_constraint("shipment", "laycan_end", nullable=True),
            business_range_constraint("shipment", "bl_date", nullable=True),
        ]

    def __str__(self) -> str:
        vessel = f" · {self.vessel_name}" if self.vessel_name else ""
        return f"{self.deal.contract_number} / {self.number}{vessel}"

    @property
    def state(self) -> "Shipment.State":
        """Where the cargo is, from the facts recorded so far."""
        return self.state_of(self.finalised_at, self.outturn_tonnes, self.discharge_completed_at, self.bl_tonnes,
                             self.load_arrived_at, self.vessel_name)

    @classmethod
    def state_of(cls, finalised_at: Any, outturn_tonnes: Any, discharge_completed_at: Any, bl_tonnes: Any,
                 load_arrived_at: Any, vessel_name: str) -> "Shipment.State":
        """`state` from its facts, given in the order of SHIPMENT_STATE_FIELDS (for rows read as values)."""
        if finalised_at:
            return cls.State.FINAL
        if outturn_tonnes is not None or discharge_completed_at:
            return cls.State.DISCHARGED
        if bl_tonnes is not None:
            return cls.State.SAILING
        if load_arrived_at:
            return cls.State.LOADING
        if vessel_name:
            return cls.State.NOMINATED
        return cls.State.AWAITING_NOMINATION


class Assay(models.Model):
    """An inspector's certificate of one cargo's quality at load or discharge: a fact, never edited.

    A wrong certificate is replaced by recording its correction, which supersedes it with a reason."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="assays",
                                 verbose_name=_("shipment"))
    place = models.CharField(_("sampled at"), max_length=10, choices=PortRole.choices)
    laboratory = models.CharField(_("laboratory or inspector"), max_length=100, help_text=_("e.g. SGS, CCIC"))
    certificate_number = models.CharField(_("certificate number"), max_length=60)
    certificate_date = models.DateField(_("certificate date"), validators=[validate_business_date])
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by", verbose_name=_("corrects"))
    correction_reason = models.CharField(_("why it is corrected"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["shipment", "recorded_at", "pk"]
        verbose_name = _("assay")
        verbose_name_plural = _("assays")
        constraints = [
            business_range_constraint("assay", "certificate_date"),
            models.CheckConstraint(condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""),
                                   name="assay_correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.laboratory} {self.certificate_number}"


class AssayResult(models.Model):
    """One parameter's result in an assay, judged against the specification's limits."""

    assay = models.ForeignKey(Assay, on_delete=models.CASCADE, related_name="results")
    parameter = models.ForeignKey(SpecParameter, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("parameter"))
    value = models.DecimalField(_("result"), max_digits=12, decimal_places=4)
    # Judged once, when recorded (services.judge_results, by selectors.off_spec_q): a grade sold under a signed
    # contract keeps its limits and price rules, so the judgement stands, and the pages and the hourly job that
    # count off-spec cargo read a column instead of weighing every result against the price rules again.
    off_spec = models.BooleanField(_("off spec"), default=False, editable=False)

    class Meta:
        ordering = ["parameter__position", "parameter__pk"]
        constraints = [models.UniqueConstraint(fields=["assay", "parameter"], name="one_result_per_parameter")]
        # Few results are off spec: whether a customer's cargo has any is read from this small index (the customer
        # page asks before looking for the results to claim, a seven-table query costlier to plan than to run).
        indexes = [models.Index(fields=["assay"], condition=Q(off_spec=True), name="assay_results_off_spec")]


class LaytimeStatement(models.Model):
    """The times of one port call, from notice of readiness to completion; the figures are computed
    from these and the contract's laytime terms (pipeline.execution.laytime)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="laytime",
                                 verbose_name=_("shipment"))
    port_role = models.CharField(_("port"), max_length=10, choices=PortRole.choices, default=PortRole.DISCHARGE)
    notice_tendered_at = models.DateTimeField(_("notice of readiness tendered"), validators=[validate_business_date])
    # Blank while the vessel is still working: the figures then run to now (demurrage accruing).
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, validators=[validate_business_date])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["shipment", "port_role"]
        verbose_name = _("laytime statement")
        verbose_name_plural = _("laytime statements")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "port_role"], name="one_laytime_statement_per_port"),
            models.CheckConstraint(condition=Q(completed_at__gt=F("notice_tendered_at")) | Q(completed_at__isnull=True),
                                   name="laytime_completed_after_notice"),
        ]


class LaytimeException(models.Model):
    """A period the laytime clock stops for (rain, shifting...), or a holiday, excepted under SHEX."""

    class Kind(models.TextChoices):
        WEATHER = "weather", _("Bad weather")
        HOLIDAY = "holiday", _("Holiday")
        SHIFTING = "shifting", _("Shifting berth")
        STOPPAGE = "stoppage", _("Stoppage by the receiver")
        OTHER = "other", _("Other")

    statement = models.ForeignKey(LaytimeStatement, on_delete=models.CASCADE, related_name="exceptions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField(_("from"), validators=[validate_business_date])
    ends_at = models.DateTimeField(_("to"), validators=[validate_business_date])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                              name="laytime_exception_ends_after_start")]


class CargoClaim(models.Model):
    """Ties a complaint to the cargo it is about, with the figures it was raised on."""

    class Kind(models.TextChoices):
        QUANTITY = "quantity", _("Short-landing")
        QUALITY = "quality", _("Off-spec quality")

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="cargo_claim")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="claims",
                                 verbose_name=_("shipment"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    parameter = models.ForeignKey(SpecParameter, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("parameter"))
    measured = models.DecimalField(_("measured"), max_digits=14, decimal_places=4,
                                   help_text=_("Tonnes short, or the parameter's result."))
    claimed_amount = models.DecimalField(_("claimed amount"), **MONEY)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("cargo claim")
        verbose_name_plural = _("cargo claims")
