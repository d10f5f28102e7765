"""What the API shows of each record: the fields the pages show, nested rows prefetched by the views."""

from rest_framework import serializers

from customers.models import Complaint, Contact, Customer
from pipeline.models import Activity, Deal, MarketResearch, StageMove

from .representation import ModelSerializer


class ContactSerializer(ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "title", "mobile", "email", "wechat_id", "is_primary"]


class CustomerSerializer(ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    contacts = ContactSerializer(many=True, read_only=True, source="contact_list")  # prefetched (to_attr)

    class Meta:
        model = Customer
        fields = ["id", "name", "short_name", "registration_number", "country", "province", "city", "address",
                  "kind", "status", "lead_source", "payment_terms", "owner", "tier", "last_contacted_at",
                  "next_follow_up_on", "notes", "created_at", "updated_at", "contacts"]


class StageMoveSerializer(ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = StageMove
        fields = ["from_stage", "to_stage", "from_outcome", "to_outcome", "by", "at", "reason"]


class DealSerializer(ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    # Named in the reader's language, as the pages name them.
    commodity = serializers.StringRelatedField()
    load_port = serializers.StringRelatedField()
    discharge_port = serializers.StringRelatedField()
    moves = StageMoveSerializer(many=True, read_only=True, source="move_list")  # prefetched (to_attr)
    # A generated column, which DRF reads as a plain value: its Decimal went out as a JSON number (a float, as
    # 8199840.0), where the schema and every other sum of money say a decimal string.
    amount = serializers.DecimalField(max_digits=24, decimal_places=4, read_only=True)

    class Meta:
        model = Deal
        fields = ["id", "version", "customer", "customer_name", "owner", "commodity", "specification", "grade",
                  "stage", "outcome", "contract_number", "signed_on",
                  # The terms
                  "quantity_tonnes", "tolerance_percent", "tolerance_option", "price_per_tonne", "currency",
                  "amount", "amount_base", "incoterm", "load_port", "discharge_port", "laycan_start", "laycan_end",
                  "payment_terms", "payment_days", "prepayment_percent", "demurrage_rate", "despatch_rate",
                  "load_rate", "discharge_rate", "laytime_days", "turn_time_hours", "quantity_basis",
                  "final_assay", "shortage_allowance_percent", "liftings", "expected_signing_date",
                  "created_at", "updated_at", "stage_entered_at", "moves"]


class ActivitySerializer(ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    next_step_owner = serializers.CharField(source="next_step_owner.username", read_only=True, default=None,
                                            allow_null=True)

    class Meta:
        model = Activity
        fields = ["id", "kind", "customer", "customer_name", "deal", "contacts", "owner", "happened_at", "summary",
                  "outcome", "next_step", "next_step_due", "next_step_done", "next_step_owner", "created_at"]
        read_only_fields = fields


class ComplaintSerializer(ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Complaint
        fields = ["id", "customer", "customer_name", "contact", "category", "severity", "channel", "description",
                  "contract_number", "claimed_amount", "claimed_currency", "status", "assignee", "received_at",
                  "respond_by", "resolve_by", "responded_at", "resolved_at", "resolution", "settlement",
                  "settled_amount", "is_overdue"]


class MarketResearchSerializer(ModelSerializer):
    commodity = serializers.StringRelatedField()
    port = serializers.StringRelatedField()
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = MarketResearch
        fields = ["id", "commodity", "region", "port", "researched_on", "method", "price_low", "price_high",
                  "currency", "competitors", "supply_demand", "author", "created_at"]


# --- What the write endpoints take (documented; the pages' forms validate) -------------------------


class MoveRequestSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=["research", "development", "negotiation"])
    reason = serializers.CharField(required=False, help_text="Required when the deal moves back.")
    version = serializers.IntegerField(help_text="The deal's version as read: a stale one is refused.")


class SignRequestSerializer(serializers.Serializer):
    contract_number = serializers.CharField()
    signed_on = serializers.DateField()
    version = serializers.IntegerField(help_text="The deal's version as read: a stale one is refused.")


class ActivityRequestSerializer(serializers.Serializer):
    kind = serializers.CharField()
    customer = serializers.IntegerField()
    deal = serializers.IntegerField(required=False)
    contacts = serializers.ListField(child=serializers.IntegerField(), required=False)
    happened_at = serializers.DateTimeField(required=False, help_text="Now, if not sent.")
    summary = serializers.CharField()
    outcome = serializers.CharField(required=False)
    next_step = serializers.CharField(required=False)
    next_step_due = serializers.DateField(required=False)


class VolumeRequestSerializer(serializers.Serializer):
    commodity = serializers.IntegerField()
    estimated_annual_tonnes = serializers.IntegerField(min_value=0)


class FirstContactRequestSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField(required=False)
    mobile = serializers.CharField(required=False)
    email = serializers.EmailField(required=False)
    wechat_id = serializers.CharField(required=False)


class CustomerRequestSerializer(serializers.Serializer):
    name = serializers.CharField()
    short_name = serializers.CharField(required=False)
    registration_number = serializers.CharField(required=False)
    country = serializers.CharField(required=False, help_text="ISO 3166 code; CN if not sent.")
    province = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices)
    status = serializers.ChoiceField(choices=Customer.Status.choices, required=False,
                                     help_text="A prospect if not sent.")
    lead_source = serializers.CharField(required=False)
    payment_terms = serializers.CharField(required=False)
    owner = serializers.IntegerField(required=False, help_text="A seller you may give customers to; you, if not sent.")
    notes = serializers.CharField(required=False)
    volumes = VolumeRequestSerializer(many=True, required=False, help_text="Commodities bought, tonnes a year.")
    contact = FirstContactRequestSerializer(required=False, help_text="The primary contact.")
    confirm_not_duplicate = serializers.BooleanField(
        required=False, help_text="Send true when a 409 named similar customers and this is a different company.")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SimilarCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Only for customers you may open.")
    name = serializers.CharField()
    owner = serializers.CharField()


class SimilarCustomersSerializer(ConflictSerializer):
    similar = SimilarCustomerSerializer(many=True)


class ContactRequestSerializer(FirstContactRequestSerializer):
    is_primary = serializers.BooleanField(required=False, help_text="Makes the customer's other contacts "
                                                                     "secondary.")
