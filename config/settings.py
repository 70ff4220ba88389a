"""callpool settings: one module, every difference between machines comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `make run` writes a .env for local development (DEBUG=true, ...). The test run sets READ_DOT_ENV_FILE=false
# so it tests the production defaults on every machine, whatever that file says.
if env.bool("READ_DOT_ENV_FILE", default=True) and (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` writes one into .env; in production set it in the environment."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Twilio signs the URL it requested; behind a TLS proxy the request's own URL differs, so
# webhook URLs and signature checks are built from this.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=SECURE_SSL_REDIRECT):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
# HSTS: browsers refuse plain http for this long once they saw https. 0 (off) by default, because a wrong value
# locks browsers out of http for that long; the deploy guide turns it on (a year) once TLS works.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Content-Security-Policy of the dashboard, the admin and the login pages (core.middleware): our own scripts
# only. Inline style attributes stay allowed (report bars, Django's admin widgets). The DNI script endpoint and
# the API docs answer without it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_q",
    "axes",
    # Ours, bottom of the import order first.
    "core",
    "accounts",
    "telephony",
    "pools",
    "trackers",
    "attribution",
    "calls",
    "automation",
    "reports",
    "transcripts",
    "dni_snippet",
    "dashboard",
    "drf_spectacular_sidecar",
    "api",
    "integrations",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 400 for a JSON body too large or nested too deep, before anything parses it.
    "core.middleware.JsonLimitsMiddleware",
    # 400 for NUL bytes / lone surrogates (PostgreSQL cannot store them) before any view or signature check.
    "core.middleware.BadTextMiddleware",
    # The public DNI endpoints (dni_endpoint) are called from here: the middleware below is not for them.
    "dni_snippet.middleware.DniDirectMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.AccountTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # Last: turns django-axes' lockout signal into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["core.templatetags.callpool"],
        },
    },
]

DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # An unreachable (not refusing) database host fails the request after this many seconds instead of
    # hanging it until the provider times out; Twilio then uses the number's fallback URL.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    # The hot path's hand-written statements are prepared (core.prepared_sql); Django's own cursors bind on the
    # client and are never prepared, whatever the threshold. None (Django's default) turns preparing off: for a
    # pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
    if DATABASE_PREPARED_STATEMENTS:
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2**31 - 1)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
            # with "database is locked" half-way through a transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between processes (rate limits must be), unlike the local-memory default.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "callpool_cache"}}

Q_CLUSTER = {
    "name": "callpool",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 60,
    "retry": 90,
    "max_attempts": 3,
    # Every scheduled job here is idempotent: running a missed one once is enough.
    "catch_up": False,
    "sync": env.bool("Q_SYNC", default=False),
    "ack_failures": True,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: refuses logins while a username or an IP is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (admin and dashboard logins): after LOGIN_FAILURE_LIMIT wrong passwords for one username,
# or from one client IP, that username / IP is locked out for LOGIN_LOCKOUT_MINUTES (429 with a clear page).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip_or_none"
# A success forgets only that username's failures from that address (core.login_throttle): an address's guesses
# against other usernames still count towards its lockout.
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "core.login_throttle.ScopedResetHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS: dict[str, object] = {"TITLE": "callpool API", "VERSION": "1.0.0"}
# API docs are served from our own static files (drf-spectacular-sidecar), never from a CDN.
SPECTACULAR_SETTINGS.update({
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # Choice sets whose field names ("type", "status") other components use too.
    "ENUM_NAME_OVERRIDES": {
        "TypeEnum": "telephony.number_search.REQUEST_TYPES",  # the names these had before the rules came
        "StatusEnum": "trackers.models.CallTracker.Status",
        "RuleActionTypeEnum": "automation.definitions.ACTION_TYPES",
        "RuleApplyJobStatusEnum": "automation.models.RuleApplyJob.Status",
        "RuleEffectStatusEnum": "automation.models.RuleEffect.Status",
    },
})

# Dynamic number insertion. Requests per minute per website key and client (IPv4 address or IPv6 /64) on
# assign, leave and AMP;
# 0 turns it off. The limiter fails open (logs a warning) when the cache is unreachable.
DNI_RATE_LIMIT = env.int("DNI_RATE_LIMIT", default=120)
# One client (an IPv4 address or an IPv6 /64) holds at most max(DNI_CLIENT_LEASES_MIN, DNI_CLIENT_LEASES_SHARE ×
# the pool's numbers) open numbers of a visitor pool; further sessions get the pool's exhaustion policy. Offices
# and mobile carriers put many real visitors behind one address: raise these there (SHARE=1 turns the cap off).
DNI_CLIENT_LEASES_MIN = env.int("DNI_CLIENT_LEASES_MIN", default=3)
DNI_CLIENT_LEASES_SHARE = env.float("DNI_CLIENT_LEASES_SHARE", default=0.2)
if DNI_CLIENT_LEASES_MIN < 1 or not 0 <= DNI_CLIENT_LEASES_SHARE <= 1:
    raise ImproperlyConfigured("DNI_CLIENT_LEASES_MIN must be at least 1 and DNI_CLIENT_LEASES_SHARE within 0..1.")
# When the visitor leaves a page (`pagehide` beacon), the session keeps its numbers this long; the next page renews them.
DNI_LEAVE_GRACE_SECONDS = env.int("DNI_LEAVE_GRACE_SECONDS", default=120)
# Each web process keeps a website's settings and pools in memory at most this long: the longest any change
# takes to reach every node (a change made through the app reaches them at once when REDIS_URL is set).
DNI_CONFIG_MAX_AGE_SECONDS = env.int("DNI_CONFIG_MAX_AGE_SECONDS", default=5)

# How the client IP is found (rate limits, login throttling): empty = REMOTE_ADDR; a count of proxies in
# front ("1" behind the README's TLS proxy); or the proxies' addresses/CIDRs ("10.0.0.0/8,127.0.0.1").
# X-Forwarded-For is read only through this.
TRUSTED_PROXIES = env.str("TRUSTED_PROXIES", default="")
try:
    from core.client_ip import parse_trusted_proxies

    parse_trusted_proxies(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc} (want a count like 1, or addresses/CIDRs).") from None

# Telephony. Account settings win; these are the fallback credentials.
TELEPHONY_DEFAULT_PROVIDER = env.str("TELEPHONY_DEFAULT_PROVIDER", default="sandbox")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")

# Automated pools: how often the rules run, in minutes.
POOLS_ENFORCE_EVERY_MINUTES = env.int("POOLS_ENFORCE_EVERY_MINUTES", default=5)

# Retention (reports.retention): raw visits (with their page views and leases) and provider call events older than
# this many days are deleted in batches, once the daily rollups hold their days; calls keep their attribution.
VISIT_RETENTION_DAYS = env.int("VISIT_RETENTION_DAYS", default=400)
if VISIT_RETENTION_DAYS < 91:
    raise ImproperlyConfigured("VISIT_RETENTION_DAYS must be at least 91: the Google Ads export reads the click ids "
                               "of the last 90 days' visits.")

# Health: a worker heartbeat older than this makes /healthz report the worker as stale.
HEALTHZ_WORKER_MAX_AGE_SECONDS = env.int("HEALTHZ_WORKER_MAX_AGE_SECONDS", default=180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # urllib3 logs request URLs at DEBUG, and the GA4 Measurement Protocol puts its api_secret in the URL.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "urllib3": {"level": "WARNING"}},
}

# Automated visitor pools hold ceil(peak concurrent leases × this) trackers (within the pool's max_size).
POOLS_SIZING_HEADROOM = env.float("POOLS_SIZING_HEADROOM", default=1.5)
if POOLS_SIZING_HEADROOM < 1:
    raise ImproperlyConfigured("POOLS_SIZING_HEADROOM must be at least 1 (1.5 keeps half a peak in reserve).")

# Calls: a call is final (and `call.completed` goes out) when both legs reported their end, or this many
# seconds after the first leg did (a lost callback must not hold it back); the sweeper runs every minute.
CALL_SETTLE_SECONDS = env.int("CALL_SETTLE_SECONDS", default=30)

# Fernet key for telephony secrets at rest (provider auth tokens); empty: derived from SECRET_KEY.
TELEPHONY_ENCRYPTION_KEY = env.str("TELEPHONY_ENCRYPTION_KEY", default="")

# Integrations: outbound webhooks and GA4 Measurement Protocol (seconds per HTTP request).
WEBHOOKS_TIMEOUT_SECONDS = env.int("WEBHOOKS_TIMEOUT_SECONDS", default=10)
GA4_TIMEOUT_SECONDS = env.int("GA4_TIMEOUT_SECONDS", default=10)
# Where GA4 Measurement Protocol events go; only tests (the two-node test's local receiver) change it.
GA4_COLLECT_URL = env.str("GA4_COLLECT_URL", default="https://www.google-analytics.com/mp/collect")
# Ad platforms (integrations.ad_platforms): Google Ads API OAuth client + developer token, Microsoft Advertising
# OAuth client + developer token; empty = that platform can't be connected. Timeouts in seconds per request.
GOOGLE_ADS_CLIENT_ID = env.str("GOOGLE_ADS_CLIENT_ID", default="")
GOOGLE_ADS_CLIENT_SECRET = env.str("GOOGLE_ADS_CLIENT_SECRET", default="")
GOOGLE_ADS_DEVELOPER_TOKEN = env.str("GOOGLE_ADS_DEVELOPER_TOKEN", default="")
GOOGLE_ADS_API_VERSION = env.str("GOOGLE_ADS_API_VERSION", default="v26")
MICROSOFT_ADS_CLIENT_ID = env.str("MICROSOFT_ADS_CLIENT_ID", default="")
MICROSOFT_ADS_CLIENT_SECRET = env.str("MICROSOFT_ADS_CLIENT_SECRET", default="")
MICROSOFT_ADS_DEVELOPER_TOKEN = env.str("MICROSOFT_ADS_DEVELOPER_TOKEN", default="")
META_GRAPH_API_VERSION = env.str("META_GRAPH_API_VERSION", default="v26.0")
AD_PLATFORMS_TIMEOUT_SECONDS = env.int("AD_PLATFORMS_TIMEOUT_SECONDS", default=15)
# Webhook URLs resolving to loopback/private/link-local addresses are refused at save and at send (SSRF);
# true allows them, for receivers on the operator's own network. Without DEBUG, webhook URLs must be https.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)

# Email (notifications, summaries, scheduled reports): django-environ's EMAIL_URL, e.g. smtp+tls://user:pass@host:587
# (smtps:// for implicit TLS). The default prints messages on the console, as development wants.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(EMAIL_CONFIG.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(EMAIL_CONFIG.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="callpool <callpool@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
