"""`{% deal_grade deal %}`: a deal's grade, as its specification names it, or the grade written in, flagged as not
one of the commodity's specifications; `{% commodity_and_grade deal %}`: the commodity, then its grade if it has
one ("Thermal coal · NAR 5500"). A tag, not an included template: it is shown in every row of the deal
list and every card of the board, where an include per row cost a list page a tenth of its rendering."""

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.pages import fill
from pipeline.models import Deal

register = template.Library()


@register.simple_tag
def deal_grade(deal: Deal, badge_class: str = "") -> SafeString | str:
    if deal.specification_id:
        return str(deal.specification)  # escaped by the template
    if deal.grade:
        return fill('{} <span class="badge text-bg-warning fw-normal {}" title="{}">{}</span>', deal.grade,
                    badge_class, _("This grade is not one of the commodity’s quality specifications."),
                    _("not on the list"))
    return ""


@register.simple_tag
def commodity_and_grade(deal: Deal) -> SafeString:
    grade = deal_grade(deal)
    return fill("{}{}{}", deal.commodity, " · " if grade else "", grade)
