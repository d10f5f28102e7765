"""The sales organisation: users and their positions, departments, teams, hand-overs, training."""

from typing import TypedDict

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .bounds import business_range_constraint, validate_business_date
from .handover import label_for


class Digits(TypedDict):
    """A DecimalField's size, spread into it (`**MONEY`) with its types known to the type checker."""

    max_digits: int
    decimal_places: int

class Position(models.TextChoices):
    DIRECTOR = "director", _("Sales Director")
    MANAGER = "manager", _("Sales Manager")
    ACCOUNT_MANAGER = "account_manager", _("Account Manager")
    REP = "rep", _("Sales Representative")
    CUSTOMER_SERVICE = "customer_service", _("Customer service staff")
    MARKETING = "marketing", _("Marketing")


# The team members a scorecard ranks and a manager splits targets among (a manager or director who sells
# has a scorecard of their own, unranked); and everyone who may own customers and deals.
SCORED_POSITIONS = (Position.REP, Position.ACCOUNT_MANAGER)
SELLING_POSITIONS = (*SCORED_POSITIONS, Position.MANAGER, Position.DIRECTOR)


def in_reader_language(name: str, name_zh: str) -> str:
    """A name given in English and, optionally, in Chinese: the Chinese one for a Chinese reader."""
    if name_zh and translation.get_language() == "zh-hans":
        return name_zh
    return name


class BilingualName(models.Model):
    """A name the company gives in English and, optionally, in Chinese; shown in the user's language."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return in_reader_language(self.name, self.name_zh)

    # What __str__ reads, and its rule on those columns' values: a list of choices names each from its values,
    # without making a model of each (accounts.widgets.render_select).
    LABEL_COLUMNS = ("name", "name_zh")
    label_from = staticmethod(in_reader_language)


class Department(BilingualName):
    class Meta(BilingualName.Meta):
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class Team(BilingualName):
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="teams", verbose_name=_("department")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_teams",
        verbose_name=_("manager"),
    )

    class Meta(BilingualName.Meta):
        verbose_name = _("team")
        verbose_name_plural = _("teams")


class User(AbstractUser):
    # One name field: Chinese names put the family name first and need no split.
    full_name = models.CharField(_("full name"), max_length=150)
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("department"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("team"),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Besides the inbox entry, an email when a customer, deal, complaint... is given to them.
    email_on_assignment = models.BooleanField(_("email me when something is assigned to me"), default=False)

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["position"])]

    def __str__(self) -> str:
        return self.label_from(self.full_name, self.username)

    # What __str__ reads: all a row needs of a person it only names (`person_named`); and its rule on their
    # values, which a list of choices names the people by (BilingualName.LABEL_COLUMNS).
    NAME_COLUMNS = ("full_name", "username")
    LABEL_COLUMNS = NAME_COLUMNS

    @staticmethod
    def label_from(full_name: str, username: str) -> str:
        return full_name or username

    def get_full_name(self) -> str:
        return self.label_from(self.full_name, self.username)

    def get_short_name(self) -> str:
        return self.get_full_name()

    @property
    def is_director(self) -> bool:
        return self.is_superuser or self.position == Position.DIRECTOR

    @property
    def is_manager(self) -> bool:
        return self.position == Position.MANAGER


class HandOver(models.Model):
    """A record that everything one user owned moved to another, in one transaction."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handed_over",
        verbose_name=_("from"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="taken_over",
        verbose_name=_("to"),
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("done by"),
    )
    done_at = models.DateTimeField(_("done at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300)
    # {"<app_label.model.field>": count} for each kind of record that moved.
    moved = models.JSONField(_("moved"), default=dict)
    deactivated = models.BooleanField(_("deactivated the leaving user"), default=False)

    class Meta:
        ordering = ["-done_at"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        constraints = [
            models.CheckConstraint(condition=~Q(from_user=models.F("to_user")), name="handover_to_someone_else"),
        ]

    @property
    def moved_labels(self) -> list[tuple[str, int]]:
        """What moved, each kind named in the reader's language."""
        return [(label_for(key), count) for key, count in self.moved.items()]


class Training(models.Model):
    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        EXTERNAL = "external", _("External")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INTERNAL)
    starts_on = models.DateField(_("starts on"), validators=[validate_business_date])
    ends_on = models.DateField(_("ends on"), validators=[validate_business_date])
    trainer = models.CharField(_("trainer"), max_length=200, help_text=_("A colleague or an outside provider."))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trainings_created",
        verbose_name=_("created by"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Attendance", related_name="trainings", verbose_name=_("attendees")
    )

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="training_ends_after_start"),
            business_range_constraint("training", "starts_on"),
            business_range_constraint("training", "ends_on"),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendances")
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("attendee")
    )
    # Unknown until the training has happened.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, help_text=_("0 to 100"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        ordering = ["attendee__full_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["training", "attendee"], name="one_attendance_per_person"),
            models.CheckConstraint(condition=Q(score__lte=100), name="score_at_most_100"),
        ]


class DigestSent(models.Model):
    """A periodic email that went to a person: one row per person, kind and period claims the sending,
    so a rerun of the job or a second worker sends it once (accounts.digests)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent", verbose_name=_("user")
    )
    # Named by the app that sends it, e.g. "pipeline.reminders".
    kind = models.CharField(_("kind"), max_length=50)
    period_start = models.DateField(_("period start"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "period_start"], name="one_digest_per_person_and_period"),
        ]


def person_named(*paths: str) -> tuple[str, ...]:
    """The columns naming the person at each of `paths` ("owner", "deal__owner"), for a row's `.only()`: a person's
    row is some twenty columns, of which a list that names them shows two."""
    return tuple(f"{path}__{column}" for path in paths for column in User.NAME_COLUMNS)
