"""Letters of credit's part of the deal page (registered in LettersOfCreditConfig.ready): a signed
contract's L/Cs with their status, amount, expiry and warnings."""

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.pages import AuthenticatedRequest
from pipeline.models import Deal, Outcome

from . import selectors


def deal_letters_of_credit_panel(request: AuthenticatedRequest, deal: Deal) -> str:
    """A signed contract on L/C terms: its L/Cs and what the checks find, in four queries however many
    L/Cs, presentations and discrepancies; nothing (and no query) for a contract on other terms."""
    if deal.outcome != Outcome.WON or not selectors.on_lc_terms(deal):
        return ""
    letters = list(deal.letters_of_credit.all())
    shipments = list(deal.shipments.all()) if letters else []
    presentations = selectors.presentations_of(letters) if letters else []
    coverage, states = selectors.contract_credits(deal, letters, shipments, presentations, timezone.localdate())
    return render_to_string("letters_of_credit/_deal_panel.html", {
        "deal": deal, "coverage": coverage, "states": states,
        "can_add": selectors.can_record_letters_of_credit(request.user, deal),
    }, request=request)
