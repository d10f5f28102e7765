"""How the customers' monthly tier job counts sales once deals exist (registered in apps.ready)."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Case, DecimalField, Exists, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from customers.models import Customer, CustomerCommodity

from .models import Deal, Outcome


def signed_sales(customers: QuerySet[Customer], since: datetime) -> QuerySet[Customer]:
    """Trailing signed amount (base currency) and tonnage; a customer that has never signed a deal
    is judged on its estimated annual volume instead."""
    money = DecimalField(max_digits=20, decimal_places=2)
    won = Deal.objects.filter(customer=OuterRef("pk"), outcome=Outcome.WON)
    recent = won.filter(signed_on__gte=since.date()).values("customer").order_by()
    estimated = (CustomerCommodity.objects.filter(customer=OuterRef("pk")).values("customer").order_by()
                 .annotate(total=Sum("estimated_annual_tonnes")).values("total"))
    return customers.annotate(
        signed_amount=Coalesce(Subquery(recent.annotate(total=Sum("amount_base")).values("total")),
                               Value(Decimal(0)), output_field=money),
        signed_tonnes=Case(
            When(Exists(won), then=Coalesce(Subquery(recent.annotate(total=Sum("quantity_tonnes")).values("total")),
                                            Value(Decimal(0)), output_field=money)),
            default=Coalesce(Subquery(estimated), Value(0), output_field=money),
            output_field=money,
        ),
    )
