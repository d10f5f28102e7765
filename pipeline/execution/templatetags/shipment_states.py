"""A shipment state's code, as annotated on a query (a contract's `execution_state`), as the state with its label."""

from django import template

from ..models import Shipment

register = template.Library()


@register.filter
def shipment_state(code: str | None) -> Shipment.State | None:
    return Shipment.State(code) if code else None
