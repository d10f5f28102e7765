"""`{{ deal|display:"stage" }}`: what `deal.get_stage_display` says, from the field's labels translated once per
language (accounts/choices.py)."""

from django import template

from accounts.choices import display

register = template.Library()
register.filter("display", display)
