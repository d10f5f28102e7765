"""The selects built in Python (accounts/widgets.py render_select) give what Django's own templates give, for
plain and model choices, with django-filter's empty and "none" choices, without a server-side cursor."""

import re

import django_filters
import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.widgets import render_select
from customers.models import Commodity

from .factories import CommodityFactory

pytestmark = pytest.mark.django_db


def _tags(html: str) -> tuple[set[str], str]:
    """A select as its attributes (in any order) and its options, tag by tag: Django's templates put line breaks
    between the options."""
    html = re.sub(r">\s+<", "><", html).strip()
    opening = re.match(r"<select ([^>]*)>", html)
    assert opening is not None
    return set(re.findall(r'\w+="[^"]*"|\w+(?==|\s|$)', opening.group(1))), html[opening.end():]


class CommodityFilter(django_filters.FilterSet):
    commodity = django_filters.ModelChoiceFilter(queryset=Commodity.objects.order_by("name"), null_label="None",
                                                 field_name="pk")
    plain = django_filters.ModelChoiceFilter(queryset=Commodity.objects.order_by("name"), empty_label=None,
                                             field_name="pk")


@pytest.mark.parametrize(("name", "value"), [("commodity", ""), ("commodity", "null"), ("plain", None)])
def test_a_model_select_is_what_djangos_template_gives_from_one_plain_query(name, value):
    coal, ore = CommodityFactory(name="Coal <thermal>"), CommodityFactory(name="Iron ore")
    field = CommodityFilter(queryset=Commodity.objects.all()).form.fields[name]
    chosen = value if value is not None else ore.pk
    expected = field.widget.render(name, chosen, {"id": f"id_{name}", "class": "form-select"})
    with CaptureQueriesContext(connection) as queries:
        built = render_select(field.widget, name, chosen, {"id": f"id_{name}", "class": "form-select"})
    assert _tags(built) == _tags(expected)
    assert "Coal &lt;thermal&gt;" in built and f'value="{coal.pk}"' in built
    assert [query["sql"] for query in queries.captured_queries if "commodity" in query["sql"]] == [
        query["sql"] for query in queries.captured_queries]
    assert len(queries.captured_queries) == 1 and not queries.captured_queries[0]["sql"].startswith("DECLARE")


def test_a_select_of_plain_choices_is_what_djangos_template_gives():
    widget = forms.Select(choices=[("", "---------"), ("open", "Open"), ("won", "Won & signed")])
    assert _tags(render_select(widget, "outcome", "won", {"id": "id_outcome"})) == _tags(
        widget.render("outcome", "won", {"id": "id_outcome"}))
