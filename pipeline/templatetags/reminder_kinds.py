"""`{{ reminder|kind_label }}`: a reminder's kind as a reader sees it, the kinds other apps register included."""

from django import template

from pipeline.models import Reminder
from pipeline.reminders import kind_label as label_of

register = template.Library()


@register.filter
def kind_label(reminder: Reminder) -> str:
    return label_of(reminder.kind)
