"""Buyers of bulk cargo: customers, contacts, commodities, value tiers, complaints and surveys."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from accounts.bounds import business_range_constraint, validate_business_date
from accounts.choices import display
from accounts.models import BilingualName, User


class Commodity(BilingualName):
    """A commodity the company sells, e.g. thermal coal / 动力煤; the list is the director's."""

    class Meta(BilingualName.Meta):
        verbose_name = _("commodity")
        verbose_name_plural = _("commodities")


class Tier(models.TextChoices):
    HIGH = "high", _("High-value customer")
    GENERAL = "general", _("General customer")
    LOW = "low", _("Low-value customer")


class PaymentTerms(models.TextChoices):
    LC_SIGHT = "lc_sight", _("L/C at sight")
    LC_USANCE = "lc_usance", _("Usance L/C")
    TT_DEPOSIT = "tt_deposit", _("T/T with deposit")
    CAD = "cad", _("Documents against payment")
    OPEN_ACCOUNT = "open_account", _("Open account")


class Customer(models.Model):
    class Kind(models.TextChoices):
        STEEL_MILL = "steel_mill", _("Steel mill")
        POWER_PLANT = "power_plant", _("Power plant")
        CEMENT_PLANT = "cement_plant", _("Cement plant")
        TRADER = "trader", _("Trader")
        FEED_MILL = "feed_mill", _("Feed mill")
        FERTILISER_PLANT = "fertiliser_plant", _("Fertiliser plant")
        ALUMINA_REFINERY = "alumina_refinery", _("Alumina refinery")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", pgettext_lazy("customer status", "Active")
        DORMANT = "dormant", _("Dormant")
        LOST = "lost", _("Lost")

    class LeadSource(models.TextChoices):
        TRADE_SHOW = "trade_show", _("Trade show")
        TELEMARKETING = "telemarketing", _("Telemarketing")
        VISIT = "visit", _("Customer visit")
        REFERRAL = "referral", _("Referral")
        ONLINE = "online", _("Online")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    # Normalised name (no case, punctuation or company suffix) for finding near-duplicates.
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    registration_number = models.CharField(
        _("registration number"),
        max_length=40,
        blank=True,
        help_text=_(
            "Unified social credit code (18 characters) for a Chinese company; any registration number abroad."
        ),
    )
    country = CountryField(_("country"), default="CN")
    province = models.CharField(_("province or state"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    commodities = models.ManyToManyField(
        Commodity, through="CustomerCommodity", related_name="customers", verbose_name=_("commodities")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROSPECT)
    lead_source = models.CharField(_("lead source"), max_length=32, choices=LeadSource.choices, blank=True)
    payment_terms = models.CharField(_("default payment terms"), max_length=32, choices=PaymentTerms.choices,
                                     blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customers", verbose_name=_("owner")
    )
    notes = models.TextField(_("notes"), blank=True)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.GENERAL)
    # A manager may pin the tier by hand; the monthly job then leaves it alone.
    tier_pinned = models.BooleanField(_("tier pinned by hand"), default=False)
    tier_pin_reason = models.CharField(_("reason for pinning"), max_length=300, blank=True)
    # Kept up to date by the activities that the pipeline records.
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["name_key", "updated_at"])
    # Set before a save for django-simple-history to record with the change.
    _change_reason: str

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"], condition=~Q(registration_number=""), name="unique_registration_number",
                violation_error_message=_("A customer with this registration number already exists."),
            ),
        ]
        indexes = [
            # A person's customers by name; and, carrying the key and short name, their customers joined to their
            # records from the index alone (a team's open complaints read 800 customers' rows for 100 complaints).
            models.Index(fields=["owner", "name"], include=["id", "short_name"], name="customer_by_owner"),
            models.Index(fields=["name"]),  # the list's default order, for those who see every customer
            models.Index(fields=["status"]),
            # With the key, the sorts' tie-breaker: the customers of one date, or of none, in its order.
            models.Index(fields=["last_contacted_at", "id"], name="customer_by_last_contact"),
            models.Index(fields=["next_follow_up_on", "id"], name="customer_by_next_follow_up"),
        ]

    def __str__(self) -> str:
        return self.label_from(self.short_name, self.name)

    # What __str__ reads and its rule on their values (accounts.models.BilingualName.LABEL_COLUMNS): rows read as
    # values and the customer selects name a customer by them.
    LABEL_COLUMNS = ("short_name", "name")

    @staticmethod
    def label_from(short_name: str, name: str) -> str:
        return short_name or name

    @property
    def region(self) -> str:
        """Where the customer is, as the pages show it: province and city in China, the country (in the
        reader's language) and city abroad; blank parts left out."""
        code = str(self.country)  # the field gives a Country, read as its code (the type checker sees a str)
        if code == "CN":
            return " ".join(part for part in (self.province, self.city) if part)
        return " · ".join(part for part in (countries.name(code), self.city) if part)


class CustomerTally(models.Model):
    """How many customers one person owns in one tier and status. Kept by the database itself (triggers on the
    customers' table, migration 0016) on every insert, update and delete of a customer, whatever writes it (a form,
    the monthly tier job's bulk update, an import, the demo's COPY), in the same transaction: the director's tier
    mix sums these few hundred rows instead of counting twenty thousand customers (2 ms of the dashboard). A row
    may hold 0 once its customers are gone. Never written by the application; `manage.py pipeline_tally` checks it."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    tier = models.CharField(max_length=16, choices=Tier.choices)
    status = models.CharField(max_length=16, choices=Customer.Status.choices)
    customers = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "tier", "status"], name="one_tally_per_owner_tier")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.tier} {self.status}: {self.customers}"


class CustomerCommodity(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="commodity_volumes")
    commodity = models.ForeignKey(Commodity, on_delete=models.PROTECT, verbose_name=_("commodity"))
    estimated_annual_tonnes = models.PositiveIntegerField(_("estimated annual volume (t)"), default=0)

    class Meta:
        ordering = ["commodity__name"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "commodity"], name="one_volume_per_commodity"),
        ]


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    title = models.CharField(pgettext_lazy("job", "title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(is_primary=True), name="one_primary_contact"),
        ]

    def __str__(self) -> str:
        return self.name


class TierPolicy(models.Model):
    """What qualifies for a tier and how such customers are served (the plan's 客户分类)."""

    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, unique=True)
    min_signed_amount = models.DecimalField(
        _("trailing 12-month signed sales amount from"), max_digits=16, decimal_places=2, default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    min_signed_tonnes = models.PositiveIntegerField(_("or trailing 12-month tonnage from"), default=0)
    max_contact_gap_days = models.PositiveSmallIntegerField(
        _("longest gap between contacts (days)"), validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    service_strategy = models.TextField(_("service strategy"))
    service_strategy_zh = models.TextField(_("service strategy in Chinese"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier policy")
        verbose_name_plural = _("tier policies")

    def __str__(self) -> str:
        return display(self, "tier")

    @property
    def strategy(self) -> str:
        """The service strategy in the reader's language: the Chinese text for a Chinese reader when
        there is one, the English otherwise."""
        if translation.get_language() == "zh-hans" and self.service_strategy_zh:
            return self.service_strategy_zh
        return self.service_strategy


class TierChange(models.Model):
    class ReasonCode(models.TextChoices):
        """Why the tier changed, stored as a code so it reads in the reader's language."""

        MONTHLY = "monthly", _("Monthly recomputation from the trailing 12 months")
        RECOMPUTE = "recompute", _("Recomputed on request from the trailing 12 months")
        MANUAL = "manual", _("Set by hand")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.CharField(_("from"), max_length=16, choices=Tier.choices)
    to_tier = models.CharField(_("to"), max_length=16, choices=Tier.choices)
    # Empty when the monthly job made the change; the director who asked for a recomputation, or the
    # manager who set the tier by hand, otherwise.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    reason_code = models.CharField(_("kind of change"), max_length=16, choices=ReasonCode.choices,
                                   default=ReasonCode.MANUAL)
    # A person's own words (a tier set by hand); blank when the code says it all.
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")


class Complaint(models.Model):
    """A customer's complaint, handled by customer service against response and resolution deadlines."""

    class Category(models.TextChoices):
        QUALITY = "quality", _("Quality off-spec")
        QUANTITY = "quantity", _("Quantity short-landed")
        LATE_DELIVERY = "late_delivery", _("Late delivery")
        DOCUMENTS = "documents", _("Documents")
        PRICE = "price", _("Price or invoice")
        SERVICE = "service", _("Service")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        VISIT = "visit", _("Visit")
        WECHAT = "wechat", _("WeChat")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class Settlement(models.TextChoices):
        CREDIT_NOTE = "credit_note", _("Credit note")
        DISCOUNT = "discount", _("Price discount")
        REPLACEMENT = "replacement", _("Replacement cargo")
        REJECTED = "rejected", _("Claim rejected")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints",
                                 verbose_name=_("customer"))
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints",
                                verbose_name=_("contact"))
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    channel = models.CharField(_("received through"), max_length=16, choices=Channel.choices)
    description = models.TextField(_("description"))
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    claimed_amount = models.DecimalField(_("claimed amount"), max_digits=16, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    claimed_currency = models.CharField(_("currency"), max_length=3, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assigned_complaints",
                                 verbose_name=_("assignee"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    received_at = models.DateTimeField(_("received"), validators=[validate_business_date])
    respond_by = models.DateTimeField(_("respond by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # How a claim was settled, recorded when it is resolved.
    settlement = models.CharField(_("settled by"), max_length=16, choices=Settlement.choices, blank=True, default="")
    settled_amount = models.DecimalField(_("settled amount"), max_digits=16, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    history = HistoricalRecords()
    # Set before a save for django-simple-history to record who made the change.
    _history_user: User

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["status", "resolve_by"]),
            models.Index(fields=["customer", "received_at"]),
            # A team's complaints still being worked on: its customers' few open ones, not every complaint of theirs.
            models.Index(fields=["customer"], condition=Q(status__in=["open", "investigating"]),
                         name="complaint_active_by_customer"),
            # The complaint list's order, for those who see every complaint (customer service, the director).
            models.Index(fields=["-received_at", "-id"], name="complaint_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(resolve_by__gte=models.F("respond_by")), name="resolve_after_respond"),
            business_range_constraint("complaint", "received_at", moment=True),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {display(self, 'category')}"


class ComplaintEvent(models.Model):
    """One step of a complaint's timeline: a status change, a comment, a new assignee."""

    class Kind(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", _("Comment")
        ASSIGNED = "assigned", _("Assigned")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=Complaint.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Complaint.Status.choices, blank=True)
    text = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]


class SatisfactionSurvey(models.Model):
    """A satisfaction survey (客户满意度) run with one contact of a customer."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys",
                                verbose_name=_("contact"))
    surveyed_on = models.DateField(_("date"), validators=[validate_business_date])
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    product_quality = models.PositiveSmallIntegerField(
        _("product quality (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    delivery = models.PositiveSmallIntegerField(
        _("delivery (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    service = models.PositiveSmallIntegerField(
        _("service (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    recommend = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0-10)"), validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        ordering = ["-surveyed_on", "-pk"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [models.Index(fields=["customer", "surveyed_on"])]
        constraints = [
            business_range_constraint("survey", "surveyed_on"),
            models.CheckConstraint(
                condition=Q(product_quality__range=(1, 5), delivery__range=(1, 5), service__range=(1, 5),
                            recommend__lte=10),
                name="survey_scores_in_range",
            ),
        ]

    @property
    def average(self) -> float:
        return (self.product_quality + self.delivery + self.service) / 3


class ImportJob(models.Model):
    """An uploaded spreadsheet between its upload and its import: checked (a dry run) and then imported by the
    worker. The file is kept under VAR_DIR/imports/<id> until it is imported or expires; only its owner sees it."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    # The uploader's language when uploading: the worker writes the report and the messages in it.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKING)
    only_good = models.BooleanField(default=False)
    progress = models.PositiveSmallIntegerField(default=0)  # percent of the current step
    row_count = models.PositiveIntegerField(default=0)
    good_count = models.PositiveIntegerField(default=0)
    bad_count = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    # One entry a row, cells cut to IMPORT_REPORT_CELL characters: what the results page shows.
    report = models.JSONField(default=list, blank=True)
    ignored_columns = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)  # why the file was refused, in the uploader's language
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "created_at"])]
