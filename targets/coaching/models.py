"""Coaching notes (辅导记录): a manager's one-to-one, ride-along or deal review with a rep."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.bounds import business_range_constraint, validate_business_date
from accounts.choices import display
from pipeline.bell import InboxQuerySet


class CoachingNoteQuerySet(InboxQuerySet):
    recipient = "rep"  # what the bell counts of a note: the rep's acknowledgement


class CoachingNote(models.Model):
    """What a coach and a rep went over, and, once the rep acknowledges it, the record of what was agreed:
    its content is locked from then on (its actions can still be marked done)."""

    class Kind(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one")
        RIDE_ALONG = "ride_along", _("Ride-along visit")
        DEAL_REVIEW = "deal_review", _("Deal review")

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="coaching_notes",
                            verbose_name=_("rep"))
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="coaching_notes_written", verbose_name=_("coach"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ONE_TO_ONE)
    held_on = models.DateField(_("date"), validators=[validate_business_date])
    deal = models.ForeignKey("pipeline.Deal", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="coaching_notes", verbose_name=_("deal"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="coaching_notes", verbose_name=_("customer"))
    went_well = models.TextField(_("what went well"), blank=True)
    to_improve = models.TextField(_("what to improve"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledgement_comment = models.TextField(_("the rep's comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CoachingNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("coaching note")
        verbose_name_plural = _("coaching notes")
        indexes = [
            models.Index(fields=["rep", "held_on"], name="coaching_note_rep_day"),
            models.Index(fields=["coach", "held_on"], name="coaching_note_coach_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(rep=models.F("coach")), name="coaching_note_not_self"),
            business_range_constraint("coaching_note", "held_on"),
        ]

    def __str__(self) -> str:
        return f"{display(self, 'kind')} · {self.rep} · {self.held_on:%Y-%m-%d}"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class CoachingAction(models.Model):
    """An action the rep agreed to, by a due date."""

    note = models.ForeignKey(CoachingNote, on_delete=models.CASCADE, related_name="actions",
                             verbose_name=_("coaching note"))
    text = models.CharField(_("action"), max_length=300)
    due_on = models.DateField(_("due on"), validators=[validate_business_date])
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("done by"))

    objects = InboxQuerySet.as_manager()  # an action is in its note's rep's inbox

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("coaching action")
        verbose_name_plural = _("coaching actions")
        indexes = [models.Index(fields=["note", "done_at"], name="coaching_action_open")]
        constraints = [
            models.CheckConstraint(condition=Q(done_at__isnull=True, done_by__isnull=True)
                                   | Q(done_at__isnull=False, done_by__isnull=False), name="coaching_action_done_by"),
            business_range_constraint("coaching_action", "due_on"),
        ]

    def __str__(self) -> str:
        return self.text

    def overdue_on(self, day: date) -> bool:
        return self.done_at is None and self.due_on < day
