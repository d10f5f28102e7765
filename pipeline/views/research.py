"""Market research pages (市场调研): the shared record of prices and competitors seen in the market.

Thin views: form in, service call, message, redirect. Scope comes from the selectors only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import access
from accounts.pages import AuthenticatedRequest, filter_data, page_of
from accounts.services import RuleError

from .. import research, selectors
from ..filters import ResearchFilter
from ..forms.research import ResearchForm
from ..models import MarketResearch


def _visible_research(request: AuthenticatedRequest, pk: int) -> MarketResearch:
    return access.get_visible_or_404(
        selectors.research_visible_to(request.user).select_related("commodity", "port", "author"), pk=pk
    )


@access.researchers_only
def research_list(request: AuthenticatedRequest) -> HttpResponse:
    visible = selectors.research_visible_to(request.user).select_related("commodity", "port", "author")
    filtered = ResearchFilter(filter_data(request), queryset=visible)
    page = page_of(request, filtered.qs)
    return render(request, "pipeline/research_list.html", {"filter": filtered, "page": page})


def _research_form_page(request: AuthenticatedRequest, record: MarketResearch | None) -> HttpResponse:
    """New research (no `record`), or changes to a record."""
    form = ResearchForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            saved = research.research_save(research=form.save(commit=False), by=request.user)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The market research was saved.") if record
                             else _("The market research was recorded."))
            return redirect("research:detail", pk=saved.pk)
    return render(request, "pipeline/research_form.html", {"form": form, "record": record})


@access.researchers_only
def research_create(request: AuthenticatedRequest) -> HttpResponse:
    return _research_form_page(request, None)


@login_required
def research_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    record = _visible_research(request, pk)
    deals = (selectors.deals_visible_to(request.user).filter(research=record)
             .select_related("customer", "commodity", "owner").order_by("-updated_at", "-pk"))
    return render(request, "pipeline/research_detail.html", {
        "record": record,
        "deals": deals,
        "can_change": selectors.can_change_research(request.user, record),
    })


@login_required
def research_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    record = _visible_research(request, pk)
    if not selectors.can_change_research(request.user, record):
        raise PermissionDenied
    return _research_form_page(request, record)
