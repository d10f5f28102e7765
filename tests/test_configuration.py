"""Every setting read from the environment is written down where an operator looks: .env.example and the README."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Read by the development tools and tests only, never set in production.
DEVELOPMENT_ONLY = {"BULKSALES_VAR_DIR", "CELERY_TASK_ALWAYS_EAGER", "EMAIL_FILE_PATH"}


def _settings_read() -> set[str]:
    source = (ROOT / "bulksales" / "settings.py").read_text()
    return set(re.findall(r'env_(?:bool|int|list|str)\(\s*"([A-Z0-9_]+)"', source)) - DEVELOPMENT_ONLY


def test_the_settings_module_reads_the_environment_through_its_helpers():
    names = _settings_read()
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXY_COUNT", "IMPORT_MAX_ROWS", "SESSION_IDLE_HOURS"} <= names


def test_env_example_names_every_setting():
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#?([A-Z0-9_]+)=", example, re.M))
    assert _settings_read() - named == set()


def test_the_readme_names_every_setting():
    readme = (ROOT / "README.md").read_text()
    assert {name for name in _settings_read() if name not in readme} == set()
