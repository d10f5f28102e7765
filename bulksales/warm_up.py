"""What a web worker loads once and then keeps, loaded before it answers anyone (bulksales/wsgi.py).

Left to the first request that needs it, each of these made that request slow: a worker's first page took
120-170 ms instead of 20 (both languages' catalogues read, the URL patterns reversed for the language, the
Redis client imported, the base templates compiled), and each page's first visit to a worker 10-70 ms more
than the next (its own templates). gunicorn's four workers each met every page cold once, under load
(docs/benchmark.md 2026-12-05, mid-morning). Everything here is read from disk or built in memory: nothing
connects to the database or to Redis, so a worker still starts while either is down.
"""

from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.forms.renderers import get_default_renderer
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.backends.django import DjangoTemplates
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import translation

# Files under a template folder that are templates (the rest are READMEs and the like).
TEMPLATE_SUFFIXES = (".html", ".txt", ".xml")


def template_names(folders: list[Path]) -> list[str]:
    """The names of the templates under `folders`, each once (the first folder with a name wins when the engine
    looks it up, as it does here)."""
    names: dict[str, None] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
                names[path.relative_to(folder).as_posix()] = None
    return list(names)


def warm_templates() -> None:
    """Compile every template of the site's engine (ours and the apps'), and the form renderer's widgets (an engine
    of its own), into their cached loaders. One that does not compile on its own (a third-party template for a
    library not installed) is left to fail where it is used, as before."""
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            _compile(engine, template_names(_folders(engine)))
    renderer = getattr(get_default_renderer(), "engine", None)
    if isinstance(renderer, DjangoTemplates):
        _compile(renderer, [name for name in template_names(_folders(renderer)) if name.startswith("django/forms/")])


def _folders(engine: DjangoTemplates) -> list[Path]:
    """The folders the engine's loaders look in, in their order."""
    return [Path(folder) for loader in engine.engine.template_loaders if hasattr(loader, "get_dirs")
            for folder in loader.get_dirs()]


def _compile(engine: DjangoTemplates, names: list[str]) -> None:
    for name in names:
        with suppress(TemplateDoesNotExist, TemplateSyntaxError):
            engine.get_template(name)


def _reverse_all(resolver: URLResolver, namespace: str = "") -> None:
    """Each URL namespace's patterns reversed, as `reverse` does at its first use of a namespace in the language
    (it builds and caches a resolver per namespace path): by a name no pattern has."""
    for name, (_prefix, inner) in resolver.namespace_dict.items():
        path = f"{namespace}{name}:"
        try:
            reverse(f"{path}-warm-up-")
        except NoReverseMatch:
            pass
        _reverse_all(inner, path)


def warm_up() -> None:
    """Load what the first requests would otherwise load, in each of the site's languages."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Deals")  # reads the language's catalogues, Django's and the apps'
            get_resolver().reverse_dict  # noqa: B018  # the URL patterns, reversed once per language
            _reverse_all(get_resolver())
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, RedisCache):
            cache._cache  # noqa: B018  # imports the Redis client (70 ms); connects only when first used
    getattr(staticfiles_storage, "base_url", None)  # set up: reads the collected files' manifest
    warm_templates()
