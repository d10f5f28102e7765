"""The project run in a process of its own as production would run it: with the environment of production
and none of the development settings of the test run."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7$k2!pQz9@vL4#mN8^rT1&wY6*bC3(dF5)gH0_jK-uA+sE=iO",
    "ALLOWED_HOSTS": "crm.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://crm.example.com",
}
_DEVELOPMENT = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEMO_ENABLED"}


def run(args: list[str], **env) -> subprocess.CompletedProcess:
    """Python with `args` in the project's folder, with this environment less the development settings,
    plus `env` (e.g. **PRODUCTION)."""
    clean = {key: value for key, value in os.environ.items() if key not in _DEVELOPMENT}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=clean | {"DJANGO_SETTINGS_MODULE": "bulksales.settings"} | env,
    )
