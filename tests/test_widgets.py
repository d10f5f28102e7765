"""The selects built in Python (accounts/widgets.py render_select) give what Django's own templates give, for
plain and model choices, with django-filter's empty and "none" choices, without a server-side cursor."""

import re

import django_filters
import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import User
from accounts.widgets import render_select
from customers.models import Commodity

from .factories import CommodityFactory, UserFactory

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


class OwnerFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.order_by("full_name", "username"),
                                             empty_label="All", field_name="pk")
    by_name = django_filters.ModelChoiceFilter(queryset=Commodity.objects.order_by("name"), to_field_name="name",
                                               field_name="pk")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_people_and_named_lists_are_labelled_from_their_values_as_their_names_read(language):
    """A select of people (or of ports, commodities, teams) names each choice from the columns its name is made of,
    without making a model of each: the same options as Django's template gives, in either language."""
    UserFactory(username="wli", full_name="Li Wei <north>")
    UserFactory(username="nameless", full_name="")
    CommodityFactory(name="Thermal coal", name_zh="动力煤")
    CommodityFactory(name="Bauxite", name_zh="")
    form = OwnerFilter(queryset=User.objects.all()).form
    with translation.override(language):
        for name, chosen in (("owner", User.objects.get(username="nameless").pk), ("by_name", "Thermal coal")):
            field = form.fields[name]
            expected = field.widget.render(name, chosen, {"id": f"id_{name}"})
            with CaptureQueriesContext(connection) as queries:
                built = render_select(field.widget, name, chosen, {"id": f"id_{name}"})
            assert _tags(built) == _tags(expected) and len(queries) == 1
            assert "SELECT" in queries[0]["sql"] and "password" not in queries[0]["sql"]  # the name's columns only
        built = render_select(form.fields["by_name"].widget, "by_name", "", {})
    assert "Li Wei &lt;north&gt;" in render_select(form.fields["owner"].widget, "owner", "", {})
    assert ('<option value="Thermal coal">' + ("动力煤" if language == "zh-hans" else "Thermal coal")) in built
    assert '<option value="Bauxite">Bauxite</option>' in built


def test_a_field_that_labels_its_choices_its_own_way_keeps_its_labels():
    CommodityFactory(name="Thermal coal")
    field = OwnerFilter(queryset=User.objects.all()).form.fields["by_name"]
    field.label_from_instance = lambda commodity: f"{commodity.name} (by hand)"
    assert "Thermal coal (by hand)" in render_select(field.widget, "by_name", "", {})


def test_a_customer_select_names_each_by_its_short_name_else_its_name_from_one_plain_query():
    from customers.models import Customer

    from .factories import CustomerFactory

    CustomerFactory(name="Rizhao Hongda Steel Co., Ltd.", short_name="Rizhao Hongda")
    CustomerFactory(name="Tangshan <Iron> & Steel", short_name="")
    field = forms.ModelChoiceField(queryset=Customer.objects.order_by("name"))
    expected = field.widget.render("customer", "", {"id": "id_customer"})
    with CaptureQueriesContext(connection) as queries:
        built = render_select(field.widget, "customer", "", {"id": "id_customer"})
    assert _tags(built) == _tags(expected) and len(queries) == 1
    assert "registration_number" not in queries[0]["sql"]  # the name's columns only, not a customer each
    assert ">Rizhao Hongda<" in built and ">Tangshan &lt;Iron&gt; &amp; Steel<" in built
