"""The API's endpoints. Each starts from the same selector as its list page (the access policy) and filters
with the same FilterSet, so a token sees exactly what its user sees in the pages, with the same query params."""

from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.fields import DictField, Field, ListField
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.services import RuleError
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.filters import ComplaintFilter, CustomerFilter
from customers.forms.customers import ContactForm, CustomerForm, FirstContactForm, VolumeFormSet
from customers.models import Complaint, Contact, Customer
from pipeline import activities as pipeline_activities
from pipeline import selectors as pipeline_selectors
from pipeline import services as pipeline_services
from pipeline.filters import ActivityFilter, DealFilter, ResearchFilter, sort_value_searched
from pipeline.forms.activities import ActivityForm
from pipeline.forms.deals import MoveForm, SignForm
from pipeline.models import Activity, Deal, MarketResearch, StageMove

from . import serializers
from .ordering import CursorPagination, SortBackend


def error_messages(form: Any) -> dict[str, Any]:
    """A page form's errors per field, and the form's own as "detail"."""
    errors = form.errors.get_json_data()
    messages: dict[str, Any] = {field: [error["message"] for error in field_errors]
                                for field, field_errors in errors.items() if field != "__all__"}
    if "__all__" in errors:
        messages["detail"] = errors["__all__"][0]["message"]
    return messages


def form_errors(form: Any) -> exceptions.ValidationError:
    """A page form's errors as the API's 400."""
    return exceptions.ValidationError(error_messages(form))


class Conflict(exceptions.APIException):
    """Someone else changed the record since it was read, or the new record may be one that exists."""

    status_code = 409
    default_detail = gettext_lazy("Someone else changed this record. Read it again and retry.")
    default_code = "conflict"


def rule_refused(error: RuleError) -> exceptions.APIException:
    # A stale version is a conflict with what the record is now, not a bad request: read it again. The
    # page's own words ("your input is below") describe a form, not an answer to a script.
    if isinstance(error, pipeline_services.StaleDeal):
        return Conflict(_("Someone else changed this deal while you were editing it. Read it again for its "
                          "current terms and version, then send your change again."))
    return exceptions.ValidationError({"detail": str(error)})


def form_data(data: Any) -> QueryDict:
    """JSON as a page form's POST: a list becomes a field's several values (an activity's contacts), and a
    null is left out."""
    posted = QueryDict(mutable=True)
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(item, (dict, list)) for item in values):  # a form's field holds text, never structure
            raise exceptions.ValidationError({key: [_("Send a value or a list of values here, not an object.")]})
        posted.setlist(key, [str(item) for item in values if item is not None])
    return posted


def _nested(data: Any, name: str, shape: Field) -> Any:
    """A nested part of a JSON body ("volumes", "contact"), checked for its shape only: the page's forms
    check what is in it."""
    try:
        return shape.run_validation(data.get(name, shape.get_default()))
    except exceptions.ValidationError as error:
        raise exceptions.ValidationError({name: error.detail}) from error


class UserScopedFilterBackend(DjangoFilterBackend):
    """The list page's FilterSet, whose owner and team choices are narrowed to the user (as on the page)."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet[Any], view: APIView) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if getattr(self.get_filterset_class(view, queryset), "takes_user", False):
            kwargs["user"] = request.user
        return kwargs


class AllowedIf(permissions.BasePermission):
    """The same position rule as the list page's decorator (access.allowed_if), as a DRF permission."""

    rule: Any = None

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and type(self).rule(request.user))


class CanRecordComplaint(AllowedIf):
    rule = staticmethod(access.can_record_complaint)


class CanResearch(AllowedIf):
    rule = staticmethod(access.can_research)


class CanSell(AllowedIf):
    """The deal pages are the sellers' (access.sellers_only); so are their endpoints."""

    rule = staticmethod(access.can_sell)


class ApiViewSet(viewsets.GenericViewSet):
    # The list page's filters, then its sort (`sort=` as on the page; see ordering.py).
    filter_backends = [UserScopedFilterBackend, SortBackend]
    pagination_class = CursorPagination
    # A list whose page is read by its keys first, then those rows with what `shown` adds (ordering.CursorPagination):
    # for lists whose rows join several tables, which PostgreSQL otherwise joined for every row the user sees.
    keys_first = False

    def shown(self, records: QuerySet[Any]) -> QuerySet[Any]:
        """What the rows are read with (joins, prefetches): the same for the user's records and a page's keys."""
        return records

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A token's user gets answers in their language, as the pages' UserLanguageMiddleware does for a
        # session (the middleware runs before DRF has read the token).
        self.perform_authentication(request)
        user = request.user
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        super().initial(request, *args, **kwargs)

    def get_object(self) -> Any:
        # Missing and out of scope answer alike, with DRF's translated "Not found." (Django's own 404
        # message names the model and is not translated).
        try:
            return super().get_object()
        except Http404 as missing:
            raise exceptions.NotFound() from missing


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Customers in the user's scope, with their contacts; the customer list's filters (q, tier, status,
    owner, team, ...). POST creates one, and POST to its contacts/ adds a contact, through the forms and
    services of the pages' "New customer" and "Add contact"."""

    serializer_class = serializers.CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["name", "tier", "status", "last_contacted_at", "next_follow_up_on", "created_at"]
    ordering = ["name", "pk"]

    def get_permissions(self) -> list[permissions.BasePermission]:
        # Who may open "New customer": the sellers. Adding a contact is asked of the customer (below).
        return [CanSell()] if self.action == "create" else super().get_permissions()

    def get_queryset(self) -> QuerySet[Customer]:
        return (customer_selectors.customers_visible_to(self.request.user).select_related("owner")
                .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name", "pk"),
                                           to_attr="contact_list")))

    @extend_schema(request=serializers.CustomerRequestSerializer, responses={
        201: serializers.CustomerSerializer,
        409: OpenApiResponse(serializers.SimilarCustomersSerializer,
                             description="Customers with a very similar name exist: send again with "
                                         "confirm_not_duplicate if it is a different company.")})
    def create(self, request: Request) -> Response:
        """Create a customer, as the "New customer" page does: sellers, for themselves or a seller they
        manage; with its commodities and its primary contact if sent."""
        volumes = _nested(request.data, "volumes", ListField(child=DictField(), default=list))
        contact = _nested(request.data, "contact", DictField(default=dict))
        # Flattened as the page's form posts them: "volumes-0-commodity", "contact-name".
        body = {key: value for key, value in request.data.items() if key not in ("volumes", "contact")}
        body |= {"volumes-TOTAL_FORMS": len(volumes), "volumes-INITIAL_FORMS": 0}
        for index, volume in enumerate(volumes):
            body |= {f"volumes-{index}-{key}": value for key, value in volume.items()}
        body |= {f"contact-{key}": value for key, value in contact.items()}
        posted = form_data(body)
        # What the page's form starts with, where not sent: the user as owner, a prospect, in China.
        unbound = CustomerForm(instance=Customer(), user=request.user)
        for name in unbound.fields:
            if name not in posted and unbound[name].value() not in (None, ""):
                posted[name] = str(unbound[name].value())

        form = CustomerForm(posted, instance=Customer(), user=request.user)
        volume_forms = VolumeFormSet(posted, prefix="volumes")
        contact_form = FirstContactForm(posted, country=posted.get("country", "CN"))
        valid = [form.is_valid(), volume_forms.is_valid(), contact_form.is_valid()]
        if not all(valid):
            errors = error_messages(form)
            if not valid[1]:
                rows = [row.errors.get_json_data() for row in volume_forms.forms]
                errors["volumes"] = ([{field: [error["message"] for error in row_errors]
                                       for field, row_errors in row.items()} for row in rows]
                                     if any(rows) else list(volume_forms.non_form_errors()))
            if not valid[2]:
                errors["contact"] = error_messages(contact_form)
            raise exceptions.ValidationError(errors)
        if similar := form.unconfirmed_similar():
            raise self._maybe_duplicate(similar)
        customer = customer_services.customer_save(
            customer=form.save(commit=False), volumes=volume_forms.volumes(),
            primary_contact=contact_form.save(commit=False) if contact_form.has_content() else None)
        return Response(self.get_serializer(self.get_queryset().get(pk=customer.pk)).data, status=201)

    def _maybe_duplicate(self, similar: list[Customer]) -> Conflict:
        """As the page's warning: the similar customers' names and owners, and a link (here an id) only to
        those the user may open."""
        visible = set(self.get_queryset().filter(pk__in=[other.pk for other in similar]).values_list("pk", flat=True))
        conflict = Conflict()
        # Set, not passed: DRF would turn the ids into strings.
        conflict.detail = {"detail": " ".join([
            _("A customer with a very similar name already exists. Is this the same company?"),
            _('If it is a different company, send it again with "confirm_not_duplicate": true.')]), "similar": [
            {"id": other.pk if other.pk in visible else None, "name": other.name, "owner": other.owner.username}
            for other in similar]}
        return conflict

    @extend_schema(request=serializers.ContactRequestSerializer, responses={201: serializers.ContactSerializer})
    def contacts(self, request: Request, pk: int) -> Response:
        """Add a contact to the customer, as its page's "Add contact" does: those who may change the customer
        (its owner, the owner's manager, the director)."""
        customer = self.get_object()
        if not customer_selectors.can_change_customer(request.user, customer):
            raise exceptions.PermissionDenied()
        form = ContactForm(form_data(request.data), instance=Contact(customer=customer), country=str(customer.country))
        if not form.is_valid():
            raise form_errors(form)
        contact = customer_services.contact_save(contact=form.save(commit=False))
        return Response(serializers.ContactSerializer(contact).data, status=201)


STALE = OpenApiResponse(serializers.ConflictSerializer,
                        description="Someone else changed the deal since `version` was read: read it again.")


class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Deals in the user's scope, with their terms and stage history; the deal list's filters (q, stage,
    outcome, owner, team, commodity, incoterm, port, laycan_from/to, signing_from/to, amount_min/max)."""

    serializer_class = serializers.DealSerializer
    filterset_class = DealFilter
    permission_classes = [CanSell]
    ordering_fields = ["updated_at", "amount_base", "laycan_start", "expected_signing_date"]
    # The deal list's own order: recently updated first.
    ordering = ["-updated_at", "-pk"]
    keys_first = True  # rep1's first page 30 -> 25 ms

    def get_queryset(self) -> QuerySet[Deal]:
        # The whole list, neither narrowed nor sorted, as the deal list page reads it: a seller's deals by their
        # keys first (see deals_visible_to), not a walk of everyone's newest deals for a page of theirs.
        paging = {self.paginator.cursor_query_param, self.paginator.page_size_query_param}
        whole_list = self.action == "list" and not set(self.request.query_params) - paging
        return self.shown(pipeline_selectors.deals_visible_to(self.request.user, whole_list=whole_list))

    def shown(self, deals: QuerySet[Deal]) -> QuerySet[Deal]:
        return (deals.select_related("customer", "owner", "commodity", "load_port", "discharge_port")
                .prefetch_related(Prefetch("moves", queryset=StageMove.objects.select_related("by"),
                                           to_attr="move_list")))

    def sort_value(self, field: str) -> F | Coalesce:
        """What the cursor sorts a field by: as the deal list page (pipeline.filters.sort_value_searched)."""
        return sort_value_searched(field, self.request.query_params.get("q", ""))

    def _changeable(self) -> Deal:
        # As the deal pages' _changeable_deal: out of scope is 404, in scope but not theirs to change 403.
        deal = self.get_object()
        if not pipeline_selectors.can_change_deal(self.request.user, deal):
            raise exceptions.PermissionDenied()
        return deal

    def _answer(self, deal: Deal) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=deal.pk)).data)

    @extend_schema(request=serializers.MoveRequestSerializer, responses={200: serializers.DealSerializer, 409: STALE})
    def move(self, request: Request, pk: int) -> Response:
        """Move an open deal to another stage (backwards with a reason), as the deal page's Move does."""
        deal = self._changeable()
        form = MoveForm(form_data(request.data), deal=deal)
        if not form.is_valid():
            raise form_errors(form)
        try:
            deal = pipeline_services.deal_move(deal=deal, to_stage=form.cleaned_data["to_stage"], by=request.user,
                                               expected_version=form.cleaned_data["version"],
                                               reason=form.cleaned_data["reason"])
        except RuleError as error:
            raise rule_refused(error) from error
        return self._answer(deal)

    @extend_schema(request=serializers.SignRequestSerializer, responses={200: serializers.DealSerializer, 409: STALE})
    def sign(self, request: Request, pk: int) -> Response:
        """Sign the contract: the deal's terms as they stand unless sent, the contract number and date."""
        deal = self._changeable()
        terms = Deal.objects.get(pk=deal.pk)  # the form writes the sent terms into it; `deal` stays as read
        unbound = SignForm(instance=terms)
        # The page's form shows the current terms to confirm; a script sends only what it changes, but
        # always the version it read (else a stale read would sign unseen terms).
        data = form_data({name: unbound[name].value() for name in unbound.fields if name != "version"} | dict(
            request.data.items()))
        form = SignForm(data, instance=terms)
        if not form.is_valid():
            raise form_errors(form)
        try:
            deal = pipeline_services.deal_sign(deal=deal, terms=form.save(commit=False),
                                               contract_number=form.cleaned_data["contract_number"],
                                               signed_on=form.cleaned_data["signed_on"], by=request.user,
                                               expected_version=form.cleaned_data["version"])
        except RuleError as error:
            raise rule_refused(error) from error
        return self._answer(deal)


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Visits, calls and other activities in the user's scope; the activity list's filters. POST logs one
    through the activity form and service the "Log an activity" page uses."""

    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilter
    permission_classes = [CanSell]
    ordering_fields = ["happened_at"]
    ordering = ["-happened_at", "-pk"]

    def get_queryset(self) -> QuerySet[Activity]:
        return (pipeline_selectors.activities_visible_to(self.request.user)
                .select_related("customer", "owner", "next_step_owner").prefetch_related("contacts"))

    @extend_schema(request=serializers.ActivityRequestSerializer, responses={201: serializers.ActivitySerializer})
    def create(self, request: Request) -> Response:
        posted = form_data(request.data)
        if "happened_at" not in posted:
            posted["happened_at"] = timezone.localtime().replace(second=0, microsecond=0).strftime("%Y-%m-%d %H:%M")
        form = ActivityForm(posted, user=request.user)
        if not form.is_valid():
            raise form_errors(form)
        try:
            activity = pipeline_activities.activity_log(activity=form.save(commit=False),
                                                        contacts=form.cleaned_data["contacts"], by=request.user)
        except RuleError as error:
            raise rule_refused(error) from error
        return Response(self.get_serializer(self.get_queryset().get(pk=activity.pk)).data, status=201)


class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Complaints in the user's scope, with the complaint list's filters (and its overdue flag)."""

    serializer_class = serializers.ComplaintSerializer
    filterset_class = ComplaintFilter
    permission_classes = [CanRecordComplaint]
    ordering_fields = ["received_at"]
    ordering = ["-received_at", "-pk"]

    def get_queryset(self) -> QuerySet[Complaint]:
        return customer_selectors.with_overdue(
            customer_selectors.complaints_visible_to(self.request.user).select_related("customer", "assignee"))


class MarketResearchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Market research the user may read, with the research list's filters."""

    serializer_class = serializers.MarketResearchSerializer
    filterset_class = ResearchFilter
    permission_classes = [CanResearch]
    ordering_fields = ["researched_on"]
    ordering = ["-researched_on", "-pk"]

    def get_queryset(self) -> QuerySet[MarketResearch]:
        return pipeline_selectors.research_visible_to(self.request.user).select_related("commodity", "port", "author")
