"""The API's follow-up endpoints: a person's reminder inbox, the quarters' targets and the stored scorecards,
each from the selector of the page that shows them."""


import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from rest_framework import mixins, serializers

from accounts.filters import WholeNumberFilter
from pipeline import selectors as pipeline_selectors
from pipeline.models import Reminder
from targets import dashboards as target_dashboards
from targets import selectors as target_selectors
from targets.models import CommodityTonnage, RepTarget, Scorecard, TeamTarget

from .representation import ModelSerializer
from .views import ApiViewSet, CanSell

# --- What each record shows ------------------------------------------------------------------------


class ReminderSerializer(ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True, default=None, allow_null=True)
    contract_number = serializers.CharField(source="deal.contract_number", read_only=True, default=None,
                                            allow_null=True)
    by = serializers.CharField(source="by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Reminder
        fields = ["id", "kind", "cause", "day", "due_on", "escalated", "customer", "customer_name", "deal",
                  "contract_number", "activity", "complaint", "title", "link", "by", "created_at", "snoozed_until",
                  "done_at", "resolution"]


class CommodityTonnageSerializer(ModelSerializer):
    commodity = serializers.StringRelatedField()

    class Meta:
        model = CommodityTonnage
        fields = ["commodity", "tonnes"]


class ShareSerializer(ModelSerializer):
    rep = serializers.CharField(source="rep.username", read_only=True)

    class Meta:
        model = RepTarget
        fields = ["rep", "sales_amount", "tonnage", "signed_contracts", "new_customers"]


class TeamTargetSerializer(ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    commodity_tonnages = CommodityTonnageSerializer(many=True, read_only=True, source="commodity_tonnage_list")
    # Only the shares the reader may see: every rep's for the team's manager, one's own for a rep.
    shares = ShareSerializer(source="visible_shares", many=True, read_only=True)

    class Meta:
        model = TeamTarget
        fields = ["id", "team", "team_name", "year", "quarter", "sales_amount", "tonnage", "signed_contracts",
                  "new_customers", "min_satisfaction", "commodity_tonnages", "shares"]


class ScorecardSerializer(ModelSerializer):
    # The rep's username, or the team's or department's name (dashboards.with_subject_names, in the cards' query).
    subject_name = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Scorecard
        fields = "__all__"


# --- The endpoints ---------------------------------------------------------------------------------


class ReminderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The user's own reminders: the list is the inbox as its page shows it today (open, the latest of each
    cause, none snoozed past today); by id, any of one's own, done ones too. Nobody reads another's."""

    serializer_class = ReminderSerializer
    ordering_fields = ["day", "created_at"]
    ordering = ["-day", "-pk"]

    def get_queryset(self) -> QuerySet[Reminder]:
        user = self.request.user
        reminders = (pipeline_selectors.open_reminders(user, timezone.localdate()) if self.action == "list"
                     else pipeline_selectors.reminders_for(user))
        # What the serializer names, and no more: the inbox page's eleven joins cost PostgreSQL more to plan
        # (17 ms) than the list to read (2 ms).
        return reminders.select_related("customer", "deal", "by")


class TargetFilter(django_filters.FilterSet):
    year = WholeNumberFilter(max_value=9999)
    quarter = WholeNumberFilter(max_value=4)
    # By id: a team outside the user's scope finds nothing, as a missing one.
    team = WholeNumberFilter(field_name="team_id")

    class Meta:
        model = TeamTarget
        fields: list[str] = []


class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The quarters' team targets the target pages show the user, each with its tonnage per commodity and
    the reps' shares they see (the split, for a team's manager and the director; one's own for a rep)."""

    serializer_class = TeamTargetSerializer
    filterset_class = TargetFilter
    permission_classes = [CanSell]
    ordering_fields = ["year", "quarter"]
    ordering = ["-year", "-quarter", "pk"]

    def get_queryset(self) -> QuerySet[TeamTarget]:
        user = self.request.user
        shares = target_selectors.rep_targets_visible_to(user).select_related("rep").order_by("rep__username", "pk")
        return (target_selectors.team_targets_visible_to(user).select_related("team")
                .prefetch_related(Prefetch("commodity_tonnages",
                                           queryset=CommodityTonnage.objects.select_related("commodity"),
                                           to_attr="commodity_tonnage_list"),
                                  Prefetch("shares", queryset=shares, to_attr="visible_shares")))


class ScorecardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The stored scorecards (KPIs, targets in force, score and ranks) of the people, teams and department
    the dashboards and the scorecard exports show the user, for every period computed."""

    serializer_class = ScorecardSerializer
    filterset_fields = ["subject", "period", "period_start"]
    permission_classes = [CanSell]
    ordering_fields = ["period_start", "score", "computed_at"]
    ordering = ["-period_start", "pk"]

    def get_queryset(self) -> QuerySet[Scorecard]:
        return target_dashboards.with_subject_names(target_dashboards.scorecards_visible_to(self.request.user))
