"""Our `floatformat` and `number_format` (accounts/templatetags/numbers.py) write every figure exactly as Django's
do, in both languages, and ours is the `floatformat` the templates use."""

from decimal import Decimal

import pytest
from django.template import Context, Template, engines
from django.template.defaultfilters import floatformat as django_floatformat
from django.test import override_settings
from django.utils import formats, translation

from accounts.templatetags.numbers import _fast, floatformat, number_format

VALUES = [
    Decimal("0"), Decimal("-0"), Decimal("0.004"), Decimal("-0.004"), Decimal("-0.005"), Decimal("0.005"),
    Decimal("0.5"), Decimal("-0.5"), Decimal("1.5"), Decimal("2.5"), Decimal("-2.5"), Decimal("12.345"),
    Decimal("999.995"), Decimal("-999.995"), Decimal("1234"), Decimal("1234.0000"), Decimal("-1234.5678"),
    Decimal("54321.5"), Decimal("1234567.455"), Decimal("-98765432.1"), Decimal("1E+3"), Decimal("1.2E+7"),
    Decimal("1E-7"), Decimal("123456789012345678901234567890.123456789"), Decimal("7.10"), Decimal("34.26000"),
    Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"),
    0, 7, -7, 1000, -1234567, 10**25,
    0.0, -0.0, 0.1, 2.675, -2.675, 1234.5, 1e16, 1.5e-7, 12345.6789, float("nan"), float("inf"),
    True, None, "", "1234.5", "abc",
]
ARGUMENTS = [-1, 0, 1, 2, 3, -3, "0g", "1g", "2g", "3g", "0", "2", "-2", "g", "-3g", "2u", "2gu", "ug", "x", 12, -12]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("argument", ARGUMENTS, ids=str)
def test_it_writes_every_figure_as_djangos_filter_does(language, argument):
    with translation.override(language):
        for value in VALUES:
            assert floatformat(value, argument) == django_floatformat(value, argument), (value, argument)


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_it_groups_thousands_without_g_when_the_settings_ask_for_it():
    with translation.override("zh-hans"):
        for value in (Decimal("1234567.891"), 1234567, -1234.5):
            for argument in (-1, 0, 2, "2"):
                assert floatformat(value, argument) == django_floatformat(value, argument)
        assert floatformat(Decimal("1234567.891"), 2) == "1,234,567.89"


def test_it_answers_the_figures_pages_show_itself_and_leaves_the_rest_to_django():
    with translation.override("zh-hans"):
        assert _fast(Decimal("1234567.455"), "2g") == "1,234,567.46"
        assert _fast(Decimal("-0.004"), 2) == "0.00"
        assert _fast(12.5, "0g") == "13"  # half up, as Django rounds, not Python's half even
        assert _fast(Decimal("34.0"), -3) == "34"
        for value, argument in (("1234.5", "2g"), (Decimal("NaN"), 2), (Decimal(1), "2u"), (True, 0)):
            assert _fast(value, argument) is None


def test_a_language_that_groups_otherwise_gets_djangos_filter(settings):
    # German writes 1.234,5: none of our languages does, but the filter must not write it as ours.
    settings.LANGUAGES = [*settings.LANGUAGES, ("de", "Deutsch")]
    with translation.override("de"):
        assert _fast(Decimal("1234.5"), "1g") is None
        assert floatformat(Decimal("1234.5"), "1g") == django_floatformat(Decimal("1234.5"), "1g") == "1.234,5"


def test_the_templates_use_ours():
    # A built-in of the engine (settings.TEMPLATES): no {% load %} needed, and it stands in for Django's.
    rendered = Template("{{ amount|floatformat:'2g' }} {{ tonnes|floatformat }}").render(
        Context({"amount": Decimal("1234567.455"), "tonnes": Decimal("55000.0")}))
    assert rendered == "1,234,567.46 55000"
    engine = engines["django"].engine
    assert any(library.filters.get("floatformat") is floatformat for library in engine.template_builtins)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_number_format_writes_a_decimal_as_djangos_does(language):
    # Finite ones: Django's raises on NaN and infinity, and ours hands those to it.
    decimals = [value for value in VALUES if isinstance(value, Decimal) and value.is_finite()] + [
        Decimal("-0.5"), Decimal("-0.05"), Decimal("0.09"), Decimal("-0.01"), Decimal("1.999"), Decimal("-1234.567")]
    with translation.override(language):
        for value in decimals:
            for places in (None, 0, 1, 2, 3, 4):
                for grouping in (False, True):
                    assert number_format(value, places, grouping) == formats.number_format(
                        value, places, use_l10n=True, force_grouping=grouping), (value, places, grouping)
        assert number_format(Decimal("-1234.567"), 2, True) == "-1,234.56"  # cut, as Django's, not rounded
        assert number_format(Decimal("-0.5"), 0) == "-0"
