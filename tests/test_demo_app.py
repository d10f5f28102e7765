"""The demo data is an app of its own, installed where a demo is wanted (DEBUG, the tests, DEMO_ENABLED)
and nowhere else; no product app imports it."""

import re

from django.apps import apps

from .production import PRODUCTION, ROOT, run

IS_INSTALLED = "import django; django.setup(); from django.apps import apps; print(apps.is_installed('bulksales.demo'))"


def test_it_is_installed_in_the_tests():
    assert apps.is_installed("bulksales.demo")


def test_production_settings_do_not_install_the_demo():
    result = run(["-c", IS_INSTALLED], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_seed_demo_is_an_unknown_command_in_production():
    result = run(["manage.py", "seed_demo"], **PRODUCTION)
    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr


def test_demo_enabled_installs_the_demo_without_debug():
    result = run(["-c", IS_INSTALLED], **PRODUCTION | {"DEMO_ENABLED": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_no_product_app_imports_the_demo():
    importers = [
        str(path.relative_to(ROOT))
        for app in ("accounts", "customers", "pipeline", "targets")
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"^\s*(from|import) bulksales\.demo\b", path.read_text(), re.M)
    ]
    assert importers == []
