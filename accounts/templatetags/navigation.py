"""`{% nav_menu %}`: the top bar's menu, rendered once per process for each language and set of `nav` flags.

Every signed-in page shows it, and through the template language it cost some twenty `{% url %}` and thirty
translations a page. It holds nothing personal (no name, no count, no token): its links depend only on what the
user may open, which the context processors' flags say, and on the language. A deploy restarts the processes
that hold it, which is when its links or labels can change.
"""

from django import template
from django.template.context import Context
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString

register = template.Library()

MENU_TEMPLATE = "_nav_menu.html"
_rendered: dict[tuple[object, ...], SafeString] = {}


def _flags(flags: dict[str, bool]) -> tuple[tuple[str, bool], ...]:
    return tuple(sorted(flags.items()))


@register.simple_tag(takes_context=True)
def nav_menu(context: Context) -> SafeString:
    flags = {"nav": context.get("nav") or {}, "customers_nav": context.get("customers_nav") or {}}
    key = (translation.get_language(), get_script_prefix(), _flags(flags["nav"]), _flags(flags["customers_nav"]))
    html = _rendered.get(key)
    if html is None:
        # A few dozen keys at most (two languages times the flag combinations the roles have). A template's
        # output is already escaped where it must be.
        html = _rendered[key] = SafeString(get_template(MENU_TEMPLATE).render(flags))  # nosec B703 B308
    return html
