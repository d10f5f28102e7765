"""Activity pages (客户追踪): the contact log, logging a visit or call, editing it, closing its next step.

Thin views: form in, service call, message, redirect. Scope comes from the selectors only.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, params
from accounts.choices import display
from accounts.models import person_named
from accounts.pages import AuthenticatedRequest, filter_data, page_of
from accounts.services import RuleError
from customers import picking
from customers import selectors as customer_selectors
from customers.models import Customer

from .. import activities, selectors
from ..filters import ActivityFilter
from ..forms.activities import ActivityForm
from ..models import Activity, Deal


def _visible_activity(request: AuthenticatedRequest, pk: int) -> Activity:
    return access.get_visible_or_404(
        selectors.activities_visible_to(request.user).select_related("customer", "owner"), pk=pk
    )


def _next_url(request: AuthenticatedRequest, default: str) -> str:
    """Where to go after saving: the page the user came from (if ours), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would take anything else for a URL name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


def _prefill(request: AuthenticatedRequest) -> tuple[Customer | None, Deal | None]:
    """The customer (and deal) given by ?customer=<pk> or ?deal=<pk>, if the user may see them."""
    customers = customer_selectors.customers_visible_to(request.user)
    deal_pk, customer_pk = params.optional_id(request.GET.get("deal")), params.optional_id(request.GET.get("customer"))
    if deal_pk:
        deal = selectors.deals_visible_to(request.user).select_related("customer").filter(pk=deal_pk).first()
        if deal is not None and customers.filter(pk=deal.customer_id).exists():
            return deal.customer, deal
    if customer_pk:
        return customers.filter(pk=customer_pk).first(), None
    return None, None


def _form_page(request: AuthenticatedRequest, form: ActivityForm, activity: Activity | None = None,
               picking_customer: bool = False) -> HttpResponse:
    kinds = [(value, label, Activity.icon_of(value)) for value, label in Activity.Kind.choices]
    return render(request, "pipeline/activity_form.html", {"form": form, "activity": activity, "kinds": kinds,
                                                           "picking_customer": picking_customer})


# What a row of the list shows of its customer, deal and author: their whole rows are some 150 columns, which
# Django would select and build for every activity listed.
LIST_ROW = ("kind", "customer", "deal", "owner", "happened_at", "summary", "outcome", "next_step", "next_step_due",
            "next_step_done", "next_step_owner", "customer__name", "customer__short_name", "deal__grade",
            "deal__quantity_tonnes", "deal__commodity__name", "deal__commodity__name_zh",
            *person_named("owner"))


@access.sellers_only
def activity_list(request: AuthenticatedRequest) -> HttpResponse:
    data = filter_data(request)
    # Who logged what the user sees, per author: the "Logged by" choices and, unfiltered, the heading's count.
    by_author = selectors.activities_seen_by_author(request.user)
    filtered = ActivityFilter(data, queryset=selectors.activities_visible_to(request.user, whole_list=True),
                              user=request.user, authors=None if by_author is None else by_author.keys())
    # The page's rows and their count: the same rows, each in the shape PostgreSQL finds fastest.
    shown = filtered.apply_to(selectors.activities_visible_to(request.user, whole_list=True, page=True))
    # Unfiltered, the heading counts all the user sees, from the indexes alone (read above for a seller).
    if data is not None:
        count = filtered.qs.count()
    elif by_author is not None:
        count = sum(by_author.values())
    else:
        count = selectors.count_activities_visible_to(request.user)
    # The page's keys first, from the newest-first index alone (activity_newest_first: whose customer and next step
    # each is, without reading the row), then those fifty with what they show: read whole, a rep's walk down
    # everyone's newest activities read 6,600 rows to keep their 50 (11.7 ms; keys 2.3).
    page = page_of(request, shown.only("pk"), count=count)
    page.object_list = list(selectors.with_contact_list(
        Activity.objects.filter(pk__in=[activity.pk for activity in page])
        .select_related("customer", "owner", "deal__commodity").only(*LIST_ROW)))
    changeable = selectors.changeable_owner_ids(request.user, page)
    for activity in page:
        activity.can_change = activity.owner_id in changeable
    return render(request, "pipeline/activity_list.html",
                  {"filter": filtered, "page": page, "today": timezone.localdate()})


@access.sellers_only
def activity_create(request: AuthenticatedRequest) -> HttpResponse:
    customer, deal = _prefill(request)
    visible = customer_selectors.customers_visible_to(request.user)
    if picking.needs_picking(visible, customer):
        return picking.customer_pick(request, visible, title=_("Log a visit or call"),
                                     question=_("With which customer?"), cancel=reverse("activities:list"))
    form = ActivityForm(request.POST or None, user=request.user, customer=customer, deal=deal)
    if request.method == "POST" and form.is_valid():
        try:
            activity = activities.activity_log(activity=form.save(commit=False), contacts=form.cleaned_data["contacts"],
                                               by=request.user)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Logged: %(kind)s with %(customer)s.")
                             % {"kind": display(activity, "kind"), "customer": activity.customer})
            default = (reverse("customers:detail", args=[activity.customer_id]) if customer
                       else reverse("activities:list"))
            return redirect(_next_url(request, default))
    return _form_page(request, form)


@access.sellers_only
def activity_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request, pk)
    if not selectors.can_change_activity(request.user, activity):
        raise PermissionDenied
    customers = customer_selectors.customers_visible_to(request.user)
    fixed = None
    if not customer_selectors.few_enough_to_list(customers):
        fixed = picking.picked_for_edit(request, customers, activity.customer)
        if fixed is None:
            return picking.customer_pick(request, customers, title=_("Edit activity"),
                                         question=_("With which customer?"),
                                         cancel=reverse("activities:edit", args=[activity.pk]))
    form = ActivityForm(request.POST or None, instance=activity, user=request.user, customer=fixed)
    if request.method == "POST" and form.is_valid():
        try:
            activities.activity_log(activity=form.save(commit=False), contacts=form.cleaned_data["contacts"],
                                    by=request.user)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The activity was saved."))
            return redirect(_next_url(request, reverse("activities:list")))
    return _form_page(request, form, activity, picking_customer=fixed is not None)


@access.sellers_only
@require_POST
def next_step_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request, pk)
    if not selectors.can_take_next_step(request.user, activity):
        raise PermissionDenied
    try:
        activities.next_step_done(activity=activity, by=request.user)
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Next step done: %(step)s") % {"step": activity.next_step})
    return redirect(_next_url(request, reverse("activities:list")))
