"""Customer pages: list, export, detail, create and edit, contacts, tiers, surveys and settings."""

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from simple_history.models import HistoricalChanges

from accounts import access, exports, replica
from accounts.filters import with_tie_breaker
from accounts.models import person_named
from accounts.pages import AuthenticatedRequest, filter_data, form_page, page_of, query_without_page
from accounts.services import RuleError

from .. import list_columns, panels, selectors, services
from ..exchange import export_rows
from ..filters import CustomerFilter
from ..forms.customers import (
    CommodityForm,
    ContactForm,
    CustomerForm,
    FirstContactForm,
    SurveyForm,
    TierForm,
    TierPolicyForm,
    VolumeFormSet,
)
from ..list_columns import ListColumn
from ..models import Commodity, Contact, Customer, TierPolicy


def _filtered_customers(request: AuthenticatedRequest, columns: list[ListColumn]) -> CustomerFilter:
    """The customers the user sees, filtered and sorted as asked; annotated with the columns other apps add
    to the list that the user sees, so that their filters and sorts apply (to the export too)."""
    # By name, and customers of one name by their key (as every sort): a page of fifty is the same twice asked.
    customers = (selectors.customers_visible_to(request.user).select_related("owner__team")
                 .order_by(*with_tie_breaker(["name"])))
    customers = list_columns.annotate(customers, columns, timezone.localdate())
    return CustomerFilter(filter_data(request), queryset=customers, user=request.user, columns=columns)


# What a row of the list shows (customers/templatetags/customer_rows.py), of a customer's forty-odd columns and its
# owner's: Django selects, compiles and builds only these for the page's fifty rows.
LIST_ROW = ("name", "short_name", "kind", "tier", "tier_pinned", "status", "country", "province", "city",
            "last_contacted_at", "next_follow_up_on", *person_named("owner"))


@login_required
def customer_list(request: AuthenticatedRequest) -> HttpResponse:
    columns = list_columns.columns_for(request.user)
    filtered = _filtered_customers(request, columns)
    customers = filtered.qs.select_related(None).select_related("owner").only(*LIST_ROW).prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts")
    )
    page = page_of(request, customers)
    return render(
        request,
        "customers/customer_list.html",
        {
            "filter": filtered,
            "page": page,
            "columns": columns,
            "rows": list_columns.rows(page, columns),
            "query": query_without_page(request),
            "can_add": selectors.can_add_customers(request.user),
            "policies": {policy.tier: policy for policy in TierPolicy.objects.all()},
        },
    )


@login_required
@replica.heavy_read
def customer_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The filtered list as CSV or Excel, with exactly the rows the user may see."""
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    headers, rows = export_rows(_filtered_customers(request, list_columns.columns_for(request.user)).qs)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.export_response(rows, headers=headers, title=_("Customers"), fmt=fmt,
                                   filename=f"customers-{stamp}")


def _customer_or_404(request: AuthenticatedRequest, pk: int) -> Customer:
    return access.get_visible_or_404(selectors.customers_visible_to(request.user).select_related("owner__team"), pk=pk)


@login_required
def customer_detail(request: AuthenticatedRequest, pk: int, section: str = panels.OVERVIEW) -> HttpResponse:
    """A customer's page: the overview (the company, its contacts, deals and latest visits) or one of its other
    tabs (customers.panels), each reading only what it shows."""
    if panels.section_for(request.user, section) is None:
        raise Http404
    customer = _customer_or_404(request, pk)
    tabs = panels.tabs_for(request, customer)
    context: dict[str, object] = {
        "customer": customer,
        "section": section,
        "tabs": tabs,
        "tab": next(tab for tab in tabs if tab.key == section),
        "panels": panels.render_panels(request, customer, section),
        "can_change": selectors.can_change_customer(request.user, customer),
        "can_complain": selectors.can_record_complaint(request.user),
    }
    if section == panels.OVERVIEW:
        context.update({
            "contacts": customer.contacts.all(),
            "volumes": customer.commodity_volumes.select_related("commodity"),
            "policy": TierPolicy.objects.filter(tier=customer.tier).first(),
            "can_pin": selectors.can_pin_tier(request.user, customer),
        })
    elif section == panels.SERVICE:
        surveys, survey_summary = selectors.latest_surveys_and_summary(
            selectors.surveys_visible_to(request.user).filter(customer=customer).select_related("contact"), 12)
        context.update({
            "complaints": selectors.complaint_rows(
                selectors.complaints_visible_to(request.user).filter(customer=customer))[:10],
            "surveys": surveys, "survey_summary": survey_summary,
        })
    elif section == panels.HISTORY:
        context.update({
            # Who changed it, by name alone.
            "tier_changes": customer.tier_changes.select_related("changed_by").only(
                "customer", "changed_at", "from_tier", "to_tier", "reason_code", "reason",
                *person_named("changed_by"))[:10],
            "changes": _history_lines(customer.history.select_related("history_user")[:15]),
        })
    return render(request, "customers/customer_detail.html", context)


def _history_lines(records: Iterable[HistoricalChanges]) -> list[dict[str, object]]:
    """Who changed what and when, from django-simple-history, newest first."""
    history = list(records)
    lines = []
    # Zipped with the next-older record; the oldest has none (and an empty history gives no line).
    for newer, older in zip(history, [*history[1:], None], strict=False):
        if older is None:
            fields = []
        else:
            fields = [newer.instance_type._meta.get_field(change.field).verbose_name
                      for change in newer.diff_against(older).changes]
        lines.append({"when": newer.history_date, "who": newer.history_user, "type": newer.history_type,
                      "fields": fields})
    return lines


def _save_customer_page(request: AuthenticatedRequest, customer: Customer) -> HttpResponse:
    new = customer.pk is None
    initial_volumes = [
        {"commodity": volume.commodity, "estimated_annual_tonnes": volume.estimated_annual_tonnes}
        for volume in customer.commodity_volumes.select_related("commodity")
    ] if not new else []
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    volumes = VolumeFormSet(request.POST or None, initial=initial_volumes, prefix="volumes")
    contact_form = FirstContactForm(request.POST or None, country=request.POST.get("country", "CN")) if new else None
    if (request.method == "POST" and form.is_valid() and volumes.is_valid()
            and (contact_form is None or contact_form.is_valid())):
        if form.unconfirmed_similar():
            data = request.POST.copy()
            data["confirm_not_duplicate"] = "on"  # the next submit confirms
            form.data = data
        else:
            contact = None
            if contact_form is not None and contact_form.has_content():
                contact = contact_form.save(commit=False)
            customer = services.customer_save(customer=form.save(commit=False), volumes=volumes.volumes(),
                                               primary_contact=contact)
            messages.success(request, _("%(name)s was saved.") % {"name": customer})
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "volumes": volumes, "contact_form": contact_form, "customer": customer,
         "visible_ids": set(selectors.customers_visible_to(request.user).filter(
             pk__in=[c.pk for c in form.similar]).values_list("pk", flat=True))},
    )


@access.sellers_only
def customer_create(request: AuthenticatedRequest) -> HttpResponse:
    return _save_customer_page(request, Customer())


@login_required
def customer_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    if not selectors.can_change_customer(request.user, customer):
        raise PermissionDenied
    return _save_customer_page(request, customer)


@login_required
def contact_edit(request: AuthenticatedRequest, pk: int, contact_pk: int | None = None) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    if not selectors.can_change_customer(request.user, customer):
        raise PermissionDenied
    contact = access.get_visible_or_404(customer.contacts.all(), pk=contact_pk) if contact_pk else Contact(
        customer=customer)
    form = ContactForm(request.POST or None, instance=contact, country=str(customer.country))
    if request.method == "POST" and form.is_valid():
        services.contact_save(contact=form.save(commit=False))
        messages.success(request, _("The contact was saved."))
        return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer, "contact": contact})


@login_required
def customer_tier(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    if not selectors.can_pin_tier(request.user, customer):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("release"):
        services.tier_release(customer=customer, by=request.user)
        messages.success(request, _("The tier is back in the monthly recomputation."))
        return redirect("customers:detail", pk=customer.pk)
    form = TierForm(request.POST or None, initial={"tier": customer.tier})
    if request.method == "POST" and form.is_valid():
        try:
            services.tier_set_by_hand(customer=customer, tier=form.cleaned_data["tier"],
                                      reason=form.cleaned_data["reason"], by=request.user)
        except RuleError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(request, _("The tier was set by hand and will not be recomputed."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/tier_form.html", {"form": form, "customer": customer})


@login_required
def survey_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    customer = _customer_or_404(request, pk)
    if not selectors.can_record_complaint(request.user):  # the same people who talk to customers
        raise PermissionDenied
    form = SurveyForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        survey = form.save(commit=False)
        survey.customer = customer
        services.survey_record(survey=survey, by=request.user)
        messages.success(request, _("The survey was recorded."))
        return redirect("customers:section", pk=customer.pk, section=panels.SERVICE)
    return render(request, "customers/survey_form.html", {"form": form, "customer": customer})


# --- Settings: tier policies and commodities (the director's) --------------------------------


@login_required
def tier_policy_list(request: AuthenticatedRequest) -> HttpResponse:
    """Everyone may read the policies that decide how their customers are served."""
    return render(request, "customers/tier_policy_list.html", {
        "policies": selectors.tier_policies_with_customer_count(request.user),
        "can_edit": selectors.can_run_customer_settings(request.user)})


@access.director_only
def tier_policy_edit(request: AuthenticatedRequest, tier: str) -> HttpResponse:
    policy = access.get_visible_or_404(TierPolicy.objects.all(), tier=tier)
    form = TierPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The tier policy was saved. Tiers follow it at the next monthly run."))
        return redirect("customers:tier_policies")
    return form_page(request, form, _("Tier policy: %(tier)s") % {"tier": policy}, back="customers:tier_policies")


@access.director_only
def commodity_list(request: AuthenticatedRequest) -> HttpResponse:
    commodities = Commodity.objects.annotate(customer_count=Count("customers")).order_by("name")
    return render(request, "customers/commodity_list.html", {"commodities": commodities})


@access.director_only
def commodity_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    commodity = access.get_visible_or_404(Commodity.objects.all(), pk=pk) if pk else Commodity()
    form = CommodityForm(request.POST or None, instance=commodity)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The commodity was saved."))
        return redirect("customers:commodities")
    return form_page(request, form, _("Edit commodity") if pk else _("New commodity"), back="customers:commodities")


@require_POST
@access.director_only
def recompute_tiers_now(request: AuthenticatedRequest) -> HttpResponse:
    from ..tasks import recompute_customer_tiers

    recompute_customer_tiers.delay(user_id=request.user.pk)
    messages.success(request, _("Tiers are being recomputed; refresh in a minute."))
    return redirect("customers:tier_policies")
