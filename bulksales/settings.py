"""BulkSales settings: one module, driven by the environment (see README, "Configuration")."""

import re
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state of the embedded defaults (SQLite file, Celery's file broker, cache): git-ignored.
VAR_DIR = Path(env_str("BULKSALES_VAR_DIR", str(BASE_DIR / "var")))
# Made whatever the configuration: beat keeps its schedule here even on PostgreSQL and Redis.
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The demo data app (`manage.py seed_demo`): on in development and the tests, off in production.
DEMO_ENABLED = env_bool("DEMO_ENABLED", DEBUG)

# Production must bring its own key; only a DEBUG run may fall back to a throwaway one.
SECRET_KEY = env_str("SECRET_KEY", "django-insecure-bulksales-development-only-key-0123456789" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY (required when DEBUG is off).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A form sent with a stale token gets a page in the site's layout and the reader's language.
CSRF_FAILURE_VIEW = "bulksales.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "csp",
    "simple_history",
    "django_countries",
    "rest_framework",
    "drf_spectacular",
    "accounts",
    "customers",
    "pipeline",
    "pipeline.execution",
    "pipeline.receivables",
    "pipeline.letters_of_credit",
    "pipeline.calendar_feeds",
    "targets",
    "targets.incentives",
    "targets.coaching",
    "bulksales.api",
]
if DEMO_ENABLED:
    INSTALLED_APPS.append("bulksales.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "accounts.middleware.PermissionsPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.replica.RecentWriteMiddleware",
    # Axes must come last: it turns a lockout raised during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bulksales.urls"
WSGI_APPLICATION = "bulksales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Django's floatformat, faster (accounts/templatetags/numbers.py): every template uses ours.
            "builtins": ["accounts.templatetags.numbers"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "customers.context_processors.navigation",
                "bulksales.context_processors.company",
                "pipeline.context_processors.reminders",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bulksales.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The web server, the worker and beat write to one file: wait for the lock, don't fail.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    # A file, not memory, so a real Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # The covering indexes' extra columns serve PostgreSQL's reads from the index alone; SQLite builds the same
    # indexes without them, as meant: not a warning on every `migrate` of the embedded defaults.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Per session, so they hold whatever the server's postgresql.conf says: JIT compiling costs more
    # than these short queries run, and on SSDs a random read costs about a sequential one (the
    # default of 4 makes the planner scan whole tables where an index serves). README: Performance.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env_str(
        "PG_SESSION_OPTIONS", "-c jit=off -c random_page_cost=1.1")
# A PostgreSQL streaming replica for the heavy reads that tolerate a few seconds of lag (accounts.replica).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPLICA_READS = bool(DATABASE_REPLICA_URL)
# After any write, a browser reads the primary this many seconds (longer than the replica ever lags).
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10)
if REPLICA_STICKY_SECONDS < 1:
    raise ImproperlyConfigured(f"REPLICA_STICKY_SECONDS must be at least 1, not {REPLICA_STICKY_SECONDS}.")
if REPLICA_READS:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL names a streaming replica of DATABASE_URL's PostgreSQL.")
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    # A replica that is down costs a reader two seconds at most, then is left alone a while (accounts.replica).
    DATABASES["replica"]["OPTIONS"] = DATABASES["default"]["OPTIONS"] | {"connect_timeout": 2}
    # The tests' replica is the primary's test database (tests/test_replica.py reads the real one).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["accounts.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker; unset means embedded defaults -----------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # With acks_late, a task whose worker died stays unacknowledged in Redis and is handed to
    # another worker only once it is older than this: longer than any task runs (or a running task
    # would be redelivered too), short enough that a crash delays the work minutes, not an hour.
    _visibility_timeout = env_int("CELERY_VISIBILITY_TIMEOUT", 600)
    if _visibility_timeout < 1:
        raise ImproperlyConfigured(f"CELERY_VISIBILITY_TIMEOUT must be at least 1 second, not {_visibility_timeout}.")
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int | str] = {"visibility_timeout": _visibility_timeout}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    # Kombu's filesystem transport: a real broker that needs no server, shared by every
    # process on this machine through files under var/.
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'celery' / 'results'}"
    for _folder in (_broker_dir, VAR_DIR / "celery" / "control", VAR_DIR / "celery" / "results"):
        _folder.mkdir(parents=True, exist_ok=True)

# Request counters (password-reset throttles) in the same store under their own prefix, so that every
# web process counts together and tests can give each run fresh counters.
CACHES["throttle"] = CACHES["default"] | {"KEY_PREFIX": "throttle"}

CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A signing, visit or transfer refreshes the scorecards of its periods after this many seconds, so
# that a burst of changes makes one run (targets.scorecards.refresh_soon).
SCORECARD_REFRESH_DELAY = env_int("SCORECARD_REFRESH_DELAY", 5)
# How long the bell's count on every page is kept in the cache at most (pipeline.bell); every write that changes
# it drops it at once, so this only bounds a count the cache lost track of. 0 counts on every page.
INBOX_COUNT_CACHE_SECONDS = env_int("INBOX_COUNT_CACHE_SECONDS", 15 * 60)
# A new exchange rate re-prices up to this many deals not yet signed in the web request that saves it, and more
# in the worker, with a progress bar on the rates page (pipeline.services.exchange_rate_save).
REPRICE_IN_REQUEST = env_int("REPRICE_IN_REQUEST", 2000)
# Customer import (customers.importing): the limits a file is refused over, checked as it is read; the
# uploaded file waits under VAR_DIR/imports/ for the confirmation this many hours at most.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED = env_int("IMPORT_MAX_UNCOMPRESSED", 50 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 50)
IMPORT_MAX_CELL = env_int("IMPORT_MAX_CELL", 2000)
IMPORT_KEEP_HOURS = env_int("IMPORT_KEEP_HOURS", 24)
for _name in ("IMPORT_MAX_BYTES", "IMPORT_MAX_UNCOMPRESSED", "IMPORT_MAX_ROWS", "IMPORT_MAX_COLUMNS", "IMPORT_MAX_CELL",
              "IMPORT_KEEP_HOURS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1, not {globals()[_name]}.")
IMPORT_DIR = VAR_DIR / "imports"

# --- Authentication ----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock a username out from one address after repeated failures, for a cool-off period.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind the TLS proxy every request comes from the proxy's address: the client's is the one the
# proxy appended to X-Forwarded-For (accounts.security.client_address). Without it, failures for a
# name from anywhere would lock that name out for everyone. django-ipware is not installed, so
# axes's AXES_IPWARE_* settings would do nothing; one function serves axes and the throttles alike.
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_address"
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if env_bool("SECURE_PROXY_SSL_HEADER", False) else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")
TRUSTED_PROXY_NETWORKS = env_list(
    "TRUSTED_PROXY_NETWORKS", ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])
for _network in TRUSTED_PROXY_NETWORKS:
    try:
        ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXY_NETWORKS: {_network!r} is not an address or network.") from None
# Password reset requests: at most so many per address and per client in a window; beyond, the same
# "email sent" page is shown and nothing is sent.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 3)
PASSWORD_RESET_LIMIT_PER_CLIENT = env_int("PASSWORD_RESET_LIMIT_PER_CLIENT", 10)
PASSWORD_RESET_WINDOW_MINUTES = env_int("PASSWORD_RESET_WINDOW_MINUTES", 60)
if min(PASSWORD_RESET_LIMIT_PER_ADDRESS, PASSWORD_RESET_LIMIT_PER_CLIENT, PASSWORD_RESET_WINDOW_MINUTES) < 1:
    raise ImproperlyConfigured("PASSWORD_RESET_LIMIT_PER_ADDRESS, _PER_CLIENT and _WINDOW_MINUTES must be at least 1.")
# A session left idle this long ends (accounts.middleware.IdleSessionMiddleware keeps a used one alive).
SESSION_IDLE_HOURS = env_int("SESSION_IDLE_HOURS", 8)
if SESSION_IDLE_HOURS < 1:
    raise ImproperlyConfigured(f"SESSION_IDLE_HOURS must be at least 1, not {SESSION_IDLE_HOURS}.")
SESSION_COOKIE_AGE = SESSION_IDLE_HOURS * 3600
SESSION_IDLE_REFRESH_SECONDS = 300  # the idle limit is exact to five minutes, for one write per five minutes

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# ISO-style short dates in English too: "12/11" reads as two different days in Shanghai and London.
FORMAT_MODULE_PATH = ["bulksales.formats"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
BASE_CURRENCY = env_str("BASE_CURRENCY", "CNY").upper()
if not re.fullmatch(r"[A-Z]{3}", BASE_CURRENCY):
    raise ImproperlyConfigured(f"BASE_CURRENCY must be a three-letter ISO 4217 code, not {BASE_CURRENCY!r}.")
CELERY_TIMEZONE = TIME_ZONE

# --- Static files: our own plus what npm installed into node_modules ------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", _NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", _NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", _NODE_MODULES / "chart.js" / "dist"),
    ("vendor/swagger-ui", _NODE_MODULES / "swagger-ui-dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- The REST API (bulksales/api) ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bulksales.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["bulksales.api.parsers.JsonObjectParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per user, so per token's owner: one person's scripts share one budget.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("API_THROTTLE_RATE", "600/min"), "anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BulkSales API",
    "DESCRIPTION": "Read and write the CRM's records in the scope of the token's user.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The docs' assets come from npm (swagger-ui-dist), served with the other static files: no CDN.
    "SWAGGER_UI_DIST": STATIC_URL + "vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "vendor/swagger-ui/favicon-32x32.png",
    "ENUM_NAME_OVERRIDES": {"StageEnum": "pipeline.models.Stage", "OutcomeEnum": "pipeline.models.Outcome",
                            "PortRoleEnum": "pipeline.models.PortRole",
                            "LetterOfCreditStatusEnum": "pipeline.letters_of_credit.models.LetterOfCredit.Status",
                            "CustomerKindEnum": "customers.models.Customer.Kind",
                            "CustomerStatusEnum": "customers.models.Customer.Status"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "BulkSales <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security: on by default whenever DEBUG is off ------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
# Sent as Permissions-Policy: feature=() for each (accounts.middleware.PermissionsPolicyMiddleware).
# Only features every current browser knows: an unknown one is a console error in Chromium.
PERMISSIONS_POLICY_DENIED = ["camera", "microphone", "geolocation", "payment", "usb", "display-capture"]
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy, in development too so a violation shows up before production. Every
# script is a file under static/ (no inline <script> or on*= handler; htmx runs with allowEval
# off, see base.html). Style *attributes* stay allowed: the laycan calendar, progress bars and
# chart boxes size themselves with style="..." computed per row. <style> elements and
# stylesheets still come only from us where the browser knows style-src-elem (CSP 3).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws its select arrows and checkmarks as data: SVG
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself and strips the client's.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Axes logs every sign-in at INFO; its warnings (lockouts) are what operators need.
    "loggers": {"axes": {"level": "WARNING"}},
}
