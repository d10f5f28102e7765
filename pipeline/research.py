"""Writes to market research (市场调研): a record of prices, competitors and supply and demand seen in a market."""

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.bounds import check_business_dates
from accounts.models import User
from accounts.services import RuleError

from . import selectors
from .models import MarketResearch


def _check(research: MarketResearch) -> None:
    check_business_dates(research, "researched_on")
    if research.researched_on is None or research.researched_on > timezone.localdate():
        raise RuleError(_("Market research cannot be dated in the future."))
    for price in (research.price_low, research.price_high):
        if price is not None and price <= 0:
            raise RuleError(_("Prices must be more than zero."))
    if research.price_low is not None and research.price_high is not None and research.price_high < research.price_low:
        raise RuleError(_("The highest price cannot be below the lowest."))
    if not re.fullmatch(r"[A-Z]{3}", research.currency):
        raise RuleError(_("Enter a three-letter currency code, e.g. USD or CNY."))
    if not research.region:
        raise RuleError(_("Give the region or port researched."))


@transaction.atomic
def research_save(*, research: MarketResearch, by: User) -> MarketResearch:
    """Record new research as `by`, or save changes to a record `by` wrote (or any, for the director)."""
    if not selectors.can_research(by):
        raise RuleError(_("Your position does not record market research."))
    if research.pk is None:
        research.author = by
    else:
        # The stored author decides, not whatever the edited instance says.
        stored = MarketResearch.objects.select_for_update().only("author").get(pk=research.pk)
        if not selectors.can_change_research(by, stored):
            raise RuleError(_("Only the author and the director change a market research record."))
        research.author_id = stored.author_id
    research.currency = (research.currency or "").strip().upper()
    research.region = research.region.strip()
    _check(research)
    research.save()
    return research
