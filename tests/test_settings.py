"""Production settings come from the environment, pass Django's deployment checks, and refuse
to start on a missing secret or a bad value."""

from .production import PRODUCTION, run


def manage(*args, **env):
    return run(["manage.py", *args], **env)


def test_production_settings_pass_the_deployment_check_with_no_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_database_checks_that_migrate_runs_find_nothing_to_warn_of():
    """`make run` migrates first: on the embedded defaults too, it prints no warning to puzzle over (SQLite builds
    the covering indexes without their extra columns, as meant)."""
    result = manage("check", "--database", "default", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout and "W040" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(PRODUCTION)
    del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_a_bad_boolean_fails_loudly_naming_the_variable():
    result = manage("check", **PRODUCTION | {"EMAIL_USE_TLS": "maybe"})
    assert result.returncode != 0
    assert "EMAIL_USE_TLS must be true or false" in result.stderr


def test_a_bad_base_currency_fails_loudly():
    result = manage("check", **PRODUCTION | {"BASE_CURRENCY": "yuan"})
    assert result.returncode != 0
    assert "BASE_CURRENCY" in result.stderr


def test_production_redirects_to_https_but_lets_the_health_check_through():
    probe = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_REDIRECT_EXEMPT)"
    )
    result = manage("shell", "-c", probe, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True True True 31536000 ['^healthz$']"


def test_without_a_replica_every_read_stays_on_the_one_database():
    probe = "from django.conf import settings as s; print(sorted(s.DATABASES), s.DATABASE_ROUTERS, s.REPLICA_READS)"
    result = manage("shell", "-c", probe, **PRODUCTION | {"DATABASE_REPLICA_URL": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "['default'] [] False"


def test_a_replica_of_a_sqlite_database_fails_loudly():
    result = manage("check", **PRODUCTION | {"DATABASE_URL": "sqlite:///var/replica-check.sqlite3",
                                             "DATABASE_REPLICA_URL": "postgres://bulksales@replica:5432/bulksales"})
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL names a streaming replica of DATABASE_URL's PostgreSQL" in result.stderr
