"""The API's contract-execution endpoints: shipments (with their assays, laytime and cargo claims), letters
of credit (with amendments and presentations), invoices (with lines) and payments (with allocations), each
seen by whoever sees its contract (or, for a payment, the customer's deals), as on their pages."""

from typing import Any, TypeVar

import django_filters
from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from accounts.filters import BusinessDateFilter, WholeNumberFilter
from pipeline.execution import selectors as execution_selectors
from pipeline.execution.models import Assay, AssayResult, CargoClaim, LaytimeStatement, Shipment
from pipeline.letters_of_credit.models import Discrepancy, LCAmendment, LetterOfCredit, Presentation
from pipeline.letters_of_credit.selectors import letters_of_credit_visible_to
from pipeline.receivables import selectors as receivable_selectors
from pipeline.receivables.models import Invoice, InvoiceLine, Payment, PaymentAllocation

from .representation import ModelSerializer
from .views import ApiViewSet, CanSell

MONEY = {"max_digits": 16, "decimal_places": 2}
Record = TypeVar("Record", bound=Model)

class OfContract(ModelSerializer):
    """A record of a signed contract: which, and whose (the customer), besides the contract's id."""

    contract_number = serializers.CharField(source="deal.contract_number", read_only=True)
    customer = serializers.IntegerField(source="deal.customer_id", read_only=True)
    customer_name = serializers.CharField(source="deal.customer.name", read_only=True)


def with_contract_named(records: QuerySet[Record]) -> QuerySet[Record]:
    """`records` with what OfContract writes of their contract and its customer, and no more of them: read whole,
    a page of 50 letters of credit made 50 contracts and 50 customers of some 110 columns each to write three."""
    own = [field.name for field in records.model._meta.concrete_fields]
    return records.select_related("deal__customer").only(*own, "deal__contract_number", "deal__customer__name")


# --- Shipments -------------------------------------------------------------------------------------


class AssayResultSerializer(ModelSerializer):
    parameter = serializers.CharField(source="parameter.code", read_only=True)
    unit = serializers.CharField(source="parameter.unit", read_only=True)

    class Meta:
        model = AssayResult
        fields = ["parameter", "unit", "value"]


class AssaySerializer(ModelSerializer):
    # False once a correction superseded it: the figures count the standing ones only.
    standing = serializers.BooleanField(read_only=True)
    results = AssayResultSerializer(many=True, read_only=True, source="result_list")

    class Meta:
        model = Assay
        fields = ["id", "place", "laboratory", "certificate_number", "certificate_date", "supersedes",
                  "correction_reason", "standing", "recorded_at", "results"]


class LaytimeFiguresSerializer(serializers.Serializer):
    """The statement computed from the contract's laytime terms, as the shipment page shows it."""

    allowed_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    used_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    excepted_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    expired_at = serializers.DateTimeField(allow_null=True)
    demurrage = serializers.DecimalField(**MONEY)
    despatch = serializers.DecimalField(**MONEY)


class LaytimeStatementSerializer(ModelSerializer):
    excepted = serializers.SerializerMethodField()
    figures = serializers.SerializerMethodField()

    class Meta:
        model = LaytimeStatement
        fields = ["port_role", "notice_tendered_at", "completed_at", "excepted", "figures"]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_excepted(self, statement: LaytimeStatement) -> list[dict[str, Any]]:
        return [{"kind": each.kind, "starts_at": serializers.DateTimeField().to_representation(each.starts_at),
                 "ends_at": serializers.DateTimeField().to_representation(each.ends_at), "note": each.note}
                for each in statement.exceptions.all()]

    @extend_schema_field(LaytimeFiguresSerializer(allow_null=True))
    def get_figures(self, statement: LaytimeStatement) -> dict[str, Any] | None:
        # Computed from the prefetched exceptions and the shipment's contract: no query. To now while working.
        figures = execution_selectors.statement_figures(statement)
        return None if figures is None else LaytimeFiguresSerializer(figures).data


class CargoClaimSerializer(ModelSerializer):
    parameter = serializers.CharField(source="parameter.code", read_only=True, default=None, allow_null=True)

    class Meta:
        model = CargoClaim
        fields = ["id", "complaint", "kind", "parameter", "measured", "claimed_amount"]


class ShipmentSerializer(OfContract):
    currency = serializers.CharField(source="deal.currency", read_only=True)
    state = serializers.ChoiceField(choices=Shipment.State.choices, read_only=True)
    # Read from the lists the viewset prefetches (`to_attr`), as the letters of credit are; the laytime statements'
    # figures read their exceptions through the manager (`statement_figures`), so those stay a prefetched manager.
    assays = AssaySerializer(many=True, read_only=True, source="assay_list")
    laytime = LaytimeStatementSerializer(many=True, read_only=True)
    claims = CargoClaimSerializer(many=True, read_only=True, source="claim_list")

    class Meta:
        model = Shipment
        fields = ["id", "version", "deal", "contract_number", "customer", "customer_name", "number", "state",
                  "vessel_name", "imo", "nominated_on", "eta_load", "laycan_start", "laycan_end", "load_arrived_at",
                  "bl_date", "bl_tonnes", "bl_acceptance_reason", "discharge_arrived_at", "discharge_completed_at",
                  "outturn_tonnes", "final_quantity", "final_price", "currency", "final_value", "final_value_base",
                  "finalised_at", "created_at", "updated_at", "assays", "laytime", "claims"]


class ContractFilter(django_filters.FilterSet):
    """By the contract or the customer, by id: one outside the user's scope finds nothing, as a missing one."""

    deal = WholeNumberFilter(label=_("Contract"), field_name="deal_id")
    customer = WholeNumberFilter(label=_("Customer"), field_name="deal__customer_id")


class ShipmentFilter(ContractFilter):
    state = django_filters.ChoiceFilter(label=_("Status"), choices=Shipment.State.choices, method="in_state")
    bl_from = BusinessDateFilter(label=_("B/L date"), field_name="bl_date", lookup_expr="gte")
    bl_to = BusinessDateFilter(label=_("B/L date"), field_name="bl_date", lookup_expr="lte")

    class Meta:
        model = Shipment
        fields: list[str] = []

    def in_state(self, queryset: QuerySet[Shipment], name: str, value: str) -> QuerySet[Shipment]:
        return queryset.annotate(state_code=execution_selectors.state_sql()).filter(state_code=value)


class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Shipments of the contracts the user sees, each with its assays and their results, its laytime
    statements with their figures, and the cargo claims raised on it. Filters: deal, customer, state,
    bl_from/bl_to."""

    serializer_class = ShipmentSerializer
    filterset_class = ShipmentFilter
    permission_classes = [CanSell]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-pk"]
    keys_first = True

    def get_queryset(self) -> QuerySet[Shipment]:
        return self.shown(execution_selectors.shipments_visible_to(self.request.user))

    def shown(self, shipments: QuerySet[Shipment]) -> QuerySet[Shipment]:
        superseded = Assay.objects.filter(supersedes=OuterRef("pk"))
        assays = (Assay.objects.annotate(standing=~Exists(superseded)).order_by("recorded_at", "pk")
                  .prefetch_related(Prefetch("results", queryset=AssayResult.objects.select_related("parameter"),
                                             to_attr="result_list")))
        return (shipments.select_related("deal__customer")
                .prefetch_related(Prefetch("assays", queryset=assays, to_attr="assay_list"), "laytime__exceptions",
                                  Prefetch("claims", queryset=CargoClaim.objects.select_related("parameter"),
                                           to_attr="claim_list")))


# --- Letters of credit -----------------------------------------------------------------------------


class LCAmendmentSerializer(ModelSerializer):
    class Meta:
        model = LCAmendment
        fields = ["number", "issued_on", "changes", "note", "recorded_at"]


class DiscrepancySerializer(ModelSerializer):
    class Meta:
        model = Discrepancy
        fields = ["id", "description", "resolution", "resolved_on", "recorded_at"]


class PresentationSerializer(ModelSerializer):
    discrepancies = DiscrepancySerializer(many=True, read_only=True, source="discrepancy_list")

    class Meta:
        model = Presentation
        fields = ["id", "shipment", "presented_on", "documents", "recorded_at", "discrepancies"]


class LetterOfCreditSerializer(OfContract):
    # As the pages show it: "expired" once past its expiry with no documents presented.
    shown_status = serializers.SerializerMethodField()
    # Read from the lists the viewset prefetches (`to_attr`): a related manager per letter and presentation, with
    # the queryset Django builds for each, was a tenth of a page's time.
    amendments = LCAmendmentSerializer(many=True, read_only=True, source="amendment_list")
    presentations = PresentationSerializer(many=True, read_only=True, source="presentation_list")

    class Meta:
        model = LetterOfCredit
        fields = ["id", "version", "deal", "contract_number", "customer", "customer_name", "number",
                  "issuing_bank", "issuing_bank_bic", "advising_bank", "advising_bank_bic", "confirmed",
                  "confirming_bank", "confirming_bank_bic", "amount", "currency", "tolerance_percent", "kind",
                  "usance_days", "issued_on", "received_on", "latest_shipment_date", "expiry_date", "expiry_place",
                  "presentation_days", "partial_shipments_allowed", "documents", "status", "shown_status",
                  "accepted_on", "paid_on", "created_at", "updated_at", "amendments", "presentations"]

    @extend_schema_field(serializers.ChoiceField(choices=LetterOfCredit.Status.choices))
    def get_shown_status(self, letter: LetterOfCredit) -> str:
        return letter.shown_status(self.context.setdefault("today", timezone.localdate()))


class LetterOfCreditFilter(ContractFilter):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=LetterOfCredit.Status.choices)
    expiry_from = BusinessDateFilter(label=_("Expiry date"), field_name="expiry_date", lookup_expr="gte")
    expiry_to = BusinessDateFilter(label=_("Expiry date"), field_name="expiry_date", lookup_expr="lte")

    class Meta:
        model = LetterOfCredit
        fields: list[str] = []


class LetterOfCreditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Letters of credit of the contracts the user sees, with the bank's amendments and the documents
    presented (and the bank's discrepancies). Filters: deal, customer, status (as stored),
    expiry_from/expiry_to."""

    serializer_class = LetterOfCreditSerializer
    filterset_class = LetterOfCreditFilter
    permission_classes = [CanSell]
    ordering_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-pk"]
    keys_first = True

    def get_queryset(self) -> QuerySet[LetterOfCredit]:
        return self.shown(letters_of_credit_visible_to(self.request.user))

    def shown(self, letters: QuerySet[LetterOfCredit]) -> QuerySet[LetterOfCredit]:
        presentations = Presentation.objects.prefetch_related(
            Prefetch("discrepancies", queryset=Discrepancy.objects.order_by("pk"), to_attr="discrepancy_list"))
        return (with_contract_named(letters)
                .prefetch_related(Prefetch("amendments", to_attr="amendment_list"),
                                  Prefetch("presentations", queryset=presentations, to_attr="presentation_list")))


# --- Invoices and payments -------------------------------------------------------------------------


class InvoiceLineSerializer(ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["position", "kind", "reference", "quantity_tonnes", "unit_price", "amount"]


class InvoiceSerializer(OfContract):
    # What payments settle, what credit notes take off, and what is still owed (kept on the invoice).
    allocated = serializers.DecimalField(**MONEY, read_only=True)
    credited = serializers.DecimalField(**MONEY, read_only=True)
    open_amount = serializers.DecimalField(**MONEY, read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True, source="line_list")  # prefetched (to_attr)

    class Meta:
        model = Invoice
        fields = ["id", "number", "kind", "deal", "contract_number", "customer", "customer_name", "shipment",
                  "issued_on", "due_on", "currency", "amount", "rate_to_base", "amount_base", "against", "complaint",
                  "note", "issued_at", "allocated", "credited", "open_amount", "lines"]


class InvoiceFilter(ContractFilter):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Invoice.Kind.choices)
    issued_from = BusinessDateFilter(label=_("Issued on"), field_name="issued_on", lookup_expr="gte")
    issued_to = BusinessDateFilter(label=_("Issued on"), field_name="issued_on", lookup_expr="lte")
    due_from = BusinessDateFilter(label=_("Due on"), field_name="due_on", lookup_expr="gte")
    due_to = BusinessDateFilter(label=_("Due on"), field_name="due_on", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="past_due")

    class Meta:
        model = Invoice
        fields: list[str] = []

    def past_due(self, queryset: QuerySet[Invoice], name: str, value: bool) -> QuerySet[Invoice]:
        overdue = receivable_selectors.overdue_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Invoices and notes of the contracts the user sees, with their lines and what is still owed on each.
    Filters: deal, customer, kind, issued_from/issued_to, due_from/due_to, overdue."""

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    permission_classes = [CanSell]
    ordering_fields = ["issued_on", "due_on", "issued_at"]
    ordering = ["-issued_at", "-pk"]
    keys_first = True  # a rep's first page of invoices joined all their 1,311 (SQL 11.1 -> 5.4 ms)

    def get_queryset(self) -> QuerySet[Invoice]:
        return self.shown(receivable_selectors.invoices_visible_to(self.request.user))

    def shown(self, invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
        return with_contract_named(invoices).prefetch_related(Prefetch("lines", to_attr="line_list"))


class AllocationSerializer(ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    contract_number = serializers.CharField(source="invoice.deal.contract_number", read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = ["invoice", "invoice_number", "contract_number", "amount"]


class PaymentSerializer(ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    # What of it settles invoices, and the rest, held on account (receivables.with_allocated).
    allocated = serializers.DecimalField(**MONEY, read_only=True)
    on_account = serializers.DecimalField(**MONEY, read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True, source="allocation_list")  # prefetched (to_attr)

    class Meta:
        model = Payment
        fields = ["id", "customer", "customer_name", "received_on", "amount", "currency", "rate_to_base",
                  "amount_base", "bank_reference", "note", "recorded_at", "allocated", "on_account", "allocations"]


class PaymentFilter(django_filters.FilterSet):
    customer = WholeNumberFilter(label=_("Customer"), field_name="customer_id")
    received_from = BusinessDateFilter(label=_("Received on"), field_name="received_on", lookup_expr="gte")
    received_to = BusinessDateFilter(label=_("Received on"), field_name="received_on", lookup_expr="lte")
    currency = django_filters.CharFilter(label=_("Currency"), lookup_expr="iexact")

    class Meta:
        model = Payment
        fields: list[str] = []


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Payments received from the customers whose deals the user sees, with the invoices each settles.
    Filters: customer, received_from/received_to, currency."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    permission_classes = [CanSell]
    ordering_fields = ["received_on", "recorded_at"]
    ordering = ["-recorded_at", "-pk"]
    keys_first = True

    def get_queryset(self) -> QuerySet[Payment]:
        return self.shown(receivable_selectors.payments_visible_to(self.request.user))

    def shown(self, payments: QuerySet[Payment]) -> QuerySet[Payment]:
        allocations = PaymentAllocation.objects.select_related("invoice__deal").order_by("invoice__due_on", "pk")
        return (receivable_selectors.with_allocated(payments).select_related("customer")
                .prefetch_related(Prefetch("allocations", queryset=allocations, to_attr="allocation_list")))

