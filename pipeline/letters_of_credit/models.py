"""A signed contract's letters of credit (信用证): the terms the buyer's bank issued, each amendment (修改)
recorded with what it changed, and the documents presented (交单) under it with their discrepancies
(不符点). The checks against the contract and its shipments are in checks.py."""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from simple_history.models import HistoricalRecords

from accounts.bounds import business_range_constraint, validate_business_date
from pipeline.execution.models import Shipment
from pipeline.models import MONEY, Deal

_BIC = re.compile(r"[A-Z]{4}([A-Z]{2})[A-Z0-9]{2}([A-Z0-9]{3})?")


def validate_bic(value: str) -> None:
    """A SWIFT/BIC code: 4 letters of the bank, the 2-letter ISO country, 2 letters or digits of the place,
    and an optional 3-character branch (8 or 11 characters in all)."""
    match = _BIC.fullmatch(value.strip().upper())
    if match is None:
        raise ValidationError(_("A SWIFT/BIC code has 8 or 11 characters: 4 letters for the bank, 2 for the "
                                "country, 2 for the place and an optional 3 for the branch, e.g. BKCHCNBJ."),
                              code="bic_format")
    # XK (Kosovo) is used by SWIFT although not assigned in ISO 3166.
    if match.group(1) != "XK" and not countries.alpha2(match.group(1)):
        raise ValidationError(_("%(country)s in this SWIFT/BIC code is no country's code."),
                              code="bic_country", params={"country": match.group(1)})


class Document(models.TextChoices):
    """The documents an L/C may call for; presented documents are chosen from the same list."""

    INVOICE = "invoice", _("Commercial invoice")
    BILL_OF_LADING = "bl", _("Bill of lading")
    QUALITY = "quality", _("Certificate of quality")
    WEIGHT = "weight", _("Certificate of weight")
    ORIGIN = "origin", _("Certificate of origin")
    INSURANCE = "insurance", _("Insurance certificate")
    BENEFICIARY = "beneficiary", _("Beneficiary's certificate")


class LetterOfCredit(models.Model):
    """One L/C of a signed contract. Recorded as expected before it arrives (its number blank); once
    received, its terms change only by a recorded amendment, and its status only by the services."""

    class Kind(models.TextChoices):
        SIGHT = "sight", _("At sight")
        USANCE = "usance", _("Usance")

    class Status(models.TextChoices):
        EXPECTED = "expected", _("Expected")
        RECEIVED = "received", _("Received")
        AMENDED = "amended", _("Amended")
        PRESENTED = "presented", _("Documents presented")
        DISCREPANT = "discrepant", _("Discrepant")
        ACCEPTED = "accepted", _("Accepted")
        PAID = "paid", _("Paid")
        # Never stored: shown for an L/C past its expiry with no documents presented (see `shown_status`).
        EXPIRED = "expired", _("Expired")

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="letters_of_credit",
                             verbose_name=_("contract"))
    number = models.CharField(_("L/C number"), max_length=40, blank=True)
    issuing_bank = models.CharField(_("issuing bank"), max_length=120)
    issuing_bank_bic = models.CharField(_("issuing bank's SWIFT/BIC"), max_length=11, blank=True,
                                        validators=[validate_bic])
    advising_bank = models.CharField(_("advising bank"), max_length=120, blank=True)
    advising_bank_bic = models.CharField(_("advising bank's SWIFT/BIC"), max_length=11, blank=True,
                                         validators=[validate_bic])
    confirmed = models.BooleanField(_("confirmed"), default=False)
    confirming_bank = models.CharField(_("confirming bank"), max_length=120, blank=True)
    confirming_bank_bic = models.CharField(_("confirming bank's SWIFT/BIC"), max_length=11, blank=True,
                                           validators=[validate_bic])
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    tolerance_percent = models.DecimalField(_("amount tolerance (± %)"), max_digits=4, decimal_places=2, default=0,
                                            validators=[MinValueValidator(0), MaxValueValidator(20)])
    kind = models.CharField(_("payment"), max_length=8, choices=Kind.choices, default=Kind.SIGHT)
    usance_days = models.PositiveSmallIntegerField(_("usance (days)"), null=True, blank=True,
                                                   validators=[MinValueValidator(1), MaxValueValidator(360)])
    issued_on = models.DateField(_("issued on"), null=True, blank=True, validators=[validate_business_date])
    received_on = models.DateField(_("received on"), null=True, blank=True, validators=[validate_business_date])
    latest_shipment_date = models.DateField(_("latest shipment date"), null=True, blank=True,
                                            validators=[validate_business_date])
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True, validators=[validate_business_date])
    expiry_place = models.CharField(_("place of expiry"), max_length=80, blank=True)
    presentation_days = models.PositiveSmallIntegerField(
        _("presentation period (days after the B/L)"), default=21,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("21 days unless the L/C says otherwise (UCP 600 art. 14(c))."))
    partial_shipments_allowed = models.BooleanField(_("partial shipments allowed"), default=False)
    # The Document values the L/C calls for: a short list read with the row, not a table to join.
    documents = models.JSONField(_("documents required"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.EXPECTED,
                              editable=False)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True, editable=False)
    paid_on = models.DateField(_("paid on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["updated_at", "version"])

    class Meta:
        ordering = ["deal", "pk"]
        verbose_name = _("letter of credit")
        verbose_name_plural = _("letters of credit")
        # The API lists the newest first: read in order from an index, not sorted from every row.
        indexes = [models.Index(fields=["expiry_date"]), models.Index(fields=["latest_shipment_date"]),
                   models.Index(fields=["-created_at", "-id"], name="lc_newest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="lc_amount_positive"),
            models.CheckConstraint(condition=Q(tolerance_percent__gte=0, tolerance_percent__lte=20),
                                   name="lc_tolerance_0_to_20"),
            models.CheckConstraint(condition=Q(kind="sight", usance_days__isnull=True)
                                   | Q(kind="usance", usance_days__isnull=False), name="lc_usance_has_days"),
            models.CheckConstraint(condition=Q(status="expected") | ~Q(number=""), name="lc_received_has_number"),
            business_range_constraint("lc", "issued_on", nullable=True),
            business_range_constraint("lc", "latest_shipment_date", nullable=True),
            business_range_constraint("lc", "expiry_date", nullable=True),
        ]

    def __str__(self) -> str:
        return _("L/C %(number)s") % {"number": self.number or "—"}

    # Statuses in which the documents are still to be presented: the L/C may expire unused.
    OPEN = (Status.EXPECTED, Status.RECEIVED, Status.AMENDED)

    def shown_status(self, today: date) -> str:
        """The status as the pages show it: "expired" once past expiry with no documents presented."""
        if self.status in self.OPEN and self.expiry_date is not None and self.expiry_date < today:
            return self.Status.EXPIRED
        return self.status

    def required_documents(self) -> list[str]:
        return [str(Document(value).label) for value in self.documents if value in Document.values]


class LCAmendment(models.Model):
    """An amendment the issuing bank made to a received L/C: what changed (field, old and new value, as
    the page showed them), when the bank issued it, and who recorded it. A fact, never edited."""

    letter_of_credit = models.ForeignKey(LetterOfCredit, on_delete=models.PROTECT, related_name="amendments",
                                         verbose_name=_("letter of credit"))
    number = models.PositiveSmallIntegerField(_("amendment"))
    issued_on = models.DateField(_("issued by the bank on"), validators=[validate_business_date])
    # [{"field": name, "old": text, "new": text}, ...], the values as shown when it was recorded.
    changes = models.JSONField(_("changes"), default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["letter_of_credit", "number"]
        verbose_name = _("L/C amendment")
        verbose_name_plural = _("L/C amendments")
        constraints = [
            models.UniqueConstraint(fields=["letter_of_credit", "number"], name="one_lc_amendment_number"),
            business_range_constraint("lc_amendment", "issued_on"),
        ]


class Presentation(models.Model):
    """The documents of one shipment presented to the bank under an L/C (交单)."""

    letter_of_credit = models.ForeignKey(LetterOfCredit, on_delete=models.PROTECT, related_name="presentations",
                                         verbose_name=_("letter of credit"))
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="presentations",
                                 verbose_name=_("shipment"))
    presented_on = models.DateField(_("presented on"), validators=[validate_business_date])
    documents = models.JSONField(_("documents presented"), default=list)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["letter_of_credit", "presented_on", "pk"]
        verbose_name = _("presentation")
        verbose_name_plural = _("presentations")
        constraints = [
            models.UniqueConstraint(fields=["letter_of_credit", "shipment"], name="one_presentation_per_shipment"),
            business_range_constraint("presentation", "presented_on"),
        ]

    def presented_documents(self) -> list[str]:
        return [str(Document(value).label) for value in self.documents if value in Document.values]


class Discrepancy(models.Model):
    """A discrepancy (不符点) the bank found in a presentation, and how it was resolved."""

    class Resolution(models.TextChoices):
        WAIVED = "waived", _("Waived by the buyer")
        CORRECTED = "corrected", _("Documents corrected")

    presentation = models.ForeignKey(Presentation, on_delete=models.PROTECT, related_name="discrepancies",
                                     verbose_name=_("presentation"))
    description = models.CharField(_("discrepancy"), max_length=300)
    resolution = models.CharField(_("resolved by"), max_length=10, choices=Resolution.choices, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True, validators=[validate_business_date])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["presentation", "pk"]
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        constraints = [
            models.CheckConstraint(condition=Q(resolution="", resolved_on__isnull=True)
                                   | (~Q(resolution="") & Q(resolved_on__isnull=False)),
                                   name="discrepancy_resolved_with_date"),
        ]
