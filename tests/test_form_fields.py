"""`form_field` and `form_fields` (accounts/templatetags/form_fields.py) write a form's fields in the markup crispy
gives them, for every kind of field our forms use, valid and invalid, in both languages; what they do not write
themselves, crispy still does."""

from decimal import Decimal

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.template import Context, Template
from django.utils import translation

from accounts import widgets
from accounts.templatetags import form_fields
from accounts.templatetags.form_fields import form_field, same_markup
from customers.models import Commodity

pytestmark = pytest.mark.django_db


class EveryKindForm(forms.Form):
    name = forms.CharField(label="Name", max_length=50, help_text="As on the business licence.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tonnes = forms.DecimalField(label="Tonnes", min_value=Decimal(0), decimal_places=3)
    price = forms.DecimalField(required=False, widget=forms.NumberInput(attrs={"class": "text-end", "step": "0.01"}))
    email = forms.EmailField(required=False)
    day = forms.DateField(widget=widgets.DateInput)
    at = forms.DateTimeField(required=False, widget=widgets.DateTimeInput)
    commodity = forms.ModelChoiceField(queryset=Commodity.objects.order_by("name"))
    basis = forms.ChoiceField(choices=[("", "---"), ("bl", "B/L"), ("outturn", "Outturn")], required=False)
    grades = forms.MultipleChoiceField(choices=[("5500", "NAR 5500"), ("5000", "NAR 5000 <low>")], required=False,
                                       help_text="Hold Ctrl to choose more than one.")
    bought = forms.ModelMultipleChoiceField(queryset=Commodity.objects.order_by("name"), required=False)
    agreed = forms.BooleanField(label="Agreed", help_text="Tick <em>once</em> signed.")
    urgent = forms.BooleanField(required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, initial=3)
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    ports = forms.MultipleChoiceField(choices=[("1", "Qingdao"), ("2", "Rizhao <north>")], required=False,
                                      widget=forms.CheckboxSelectMultiple, help_text="Where it may load.")
    berth = forms.ChoiceField(required=False, widget=forms.RadioSelect, choices=[
        ("Qingdao", [("q1", "Berth 1"), ("q2", "Berth 2")]), ("Rizhao", [("r1", "Berth 1")])])
    licence = forms.FileField(required=False)

    def clean(self):
        if self.cleaned_data.get("name") == "taken":
            raise forms.ValidationError("A customer of that name exists: <ask its owner>.")
        return self.cleaned_data


@pytest.fixture
def commodities(db):
    return [Commodity.objects.create(name="Thermal coal", name_zh="动力煤"),
            Commodity.objects.create(name="Iron ore", name_zh="铁矿石")]


BOUND = {"name": "taken", "note": "first line\nsecond & third", "tonnes": "-5", "price": "12.5",
         "email": "not-an-email", "day": "2026-13-01", "commodity": "", "basis": "bl", "urgent": "on",
         "version": "3", "kind": "c", "grades": ["5500", "4800"], "bought": ["1", "x"], "ports": ["2", "9"],
         "berth": "q2"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("bound", [False, True], ids=["unbound", "invalid"])
def test_each_field_is_written_as_crispy_writes_it(commodities, language, bound):
    with translation.override(language):
        form = EveryKindForm(BOUND if bound else None, initial={
            "commodity": commodities[1].pk, "grades": ["5000"], "bought": [each.pk for each in commodities],
            "ports": ["2"], "kind": "a"})
        if bound:
            assert not form.is_valid()
        for field in form:
            ours = form_field(field)
            assert same_markup(ours) == same_markup(as_crispy_field(field)), field.name


@pytest.mark.parametrize("bound", [False, True], ids=["unbound", "invalid"])
def test_a_whole_form_is_written_as_crispy_writes_it(commodities, bound):
    form = EveryKindForm(BOUND if bound else None)
    form.is_valid()
    ours = form_fields.form_fields(form)
    assert same_markup(ours) == same_markup(as_crispy_form(form))
    if bound:  # the form's own error, escaped, above its fields
        assert "A customer of that name exists: &lt;ask its owner&gt;." in ours


def test_the_fields_our_pages_use_are_written_here_and_the_rest_by_crispy(commodities):
    form = EveryKindForm()
    ours = {field.name for field in form if form_fields._ours(field)}
    assert ours == {"name", "note", "tonnes", "price", "email", "day", "at", "commodity", "basis", "grades", "bought",
                    "agreed", "urgent", "kind", "ports", "berth"}


def test_what_a_user_typed_is_escaped(commodities):
    form = EveryKindForm({**BOUND, "name": '"><script>alert(1)</script>', "note": "</textarea><b>x</b>"})
    html = form_field(form["name"]) + form_field(form["note"])
    assert "<script>" not in html and "</textarea><b>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html and "&lt;/textarea&gt;&lt;b&gt;x&lt;/b&gt;" in html


def test_a_check_mode_names_the_field_whose_markup_differs(commodities, monkeypatch):
    monkeypatch.setattr(form_fields, "CHECK_AGAINST_CRISPY", True)
    form = EveryKindForm()
    form_field(form["name"])  # the same: no complaint
    monkeypatch.setattr(form_fields, "_render", lambda field: "<div>not crispy's</div>")
    with pytest.raises(AssertionError, match="EveryKindForm.name"):
        form_field(form["name"])


def test_templates_load_them_by_name(commodities):
    rendered = Template("{% load form_fields %}{{ form.tonnes|form_field }}{{ form|form_fields }}").render(
        Context({"form": EveryKindForm()}))
    assert rendered.count('id="div_id_tonnes"') == 2
    assert '<input type="number" name="tonnes"' in rendered
