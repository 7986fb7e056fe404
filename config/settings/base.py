"""Settings read from the environment.

With nothing set, the project runs on the embedded defaults: SQLite in `var/`, Celery on
kombu's filesystem transport in `var/broker/`, mail written to `var/mail/` as .eml files.
`DATABASE_URL`, `REDIS_URL` and `EMAIL_URL` switch to PostgreSQL, Redis and an SMTP relay.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from tracker.static_files import static_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret_key() -> str:
    """A random key kept in var/, so the embedded default needs no setup and survives restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default=None) or _local_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with the tracker's site (second factor at sign-in) as its default site.
    "tracker.apps.TrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "import_export",
    "tracker",
    "committees",
    "meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle and absolute session limits; before django-otp's, which then sees who is left signed in.
    "tracker.security.SessionPolicyMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tracker.language.PreferredLanguageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as its documentation asks: it turns a lock-out signalled by the backend into a response.
    "axes.middleware.AxesMiddleware",
]


ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share the file: WAL lets readers run beside the
    # writer, and IMMEDIATE transactions take the write lock at BEGIN, so check-then-write
    # services (overlap, co-chairs) are serialised as the constraints on PostgreSQL do.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Keep each process's connection open: opening one runs the PRAGMAs above every time.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    # A file, not memory, so tests of concurrent writers see what the web server and worker see.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-tracker.sqlite3")}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # Off by default: the check is a round trip of its own at the start of every request, as much
    # as the whole lookup of an API read. Without it, after the database restarts each process
    # fails the one request that finds its connection dead, and connects afresh for the next.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker -----------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Longer than any task's time limit, so a running task is never redelivered to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Under the broker's visibility timeout (3600 s), so no running task is handed to a second worker,
# and under REMINDER_STUCK_MINUTES, so the reaper never returns rows a send task may still send.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
REMINDER_SCAN_SECONDS = env.int("REMINDER_SCAN_SECONDS", default=15)
CELERY_BEAT_SCHEDULE = {
    "scan-due-reminders": {"task": "meetings.scan_due_reminders", "schedule": float(REMINDER_SCAN_SECONDS)},
    "plan-upcoming-reminders": {"task": "meetings.plan_upcoming_reminders", "schedule": 300.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Mail -----------------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "tracker.mail.EmlFileBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# A hung SMTP server must not hold a worker: each reply is awaited this long at most, and a send
# task stops taking rows after REMINDER_CHUNK_SECONDS.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Committee tracker <tracker@tracker.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Authentication -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "admin:login"
# Messages stay on the server: one of them shows a new API token, once.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Sessions end SESSION_COOKIE_AGE after signing in however busy they are, after SESSION_IDLE_SECONDS
# without a request (tracker.security.SessionPolicyMiddleware, to the minute), and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: the admin and Swagger UI take the token from the page.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# The number of proxies in front of Django that append to X-Forwarded-For (a load balancer and
# nginx: 2). 0 believes no header and takes REMOTE_ADDR. Sign-in lock-outs and the API's
# throttles both count the client at tracker.security.client_ip.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Two-factor login (TOTP) for the staff site and the API's sessions: anyone with a device gives its
# code; with this set, nobody signs in without one. On under the production settings.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Committee tracker")

# Sign-in lock-out (django-axes; the decisions are in tracker.security.LoginAttemptHandler): a
# username from one address is locked after LOGIN_FAILURE_LIMIT failures, an address for every
# username after LOGIN_FAILURE_LIMIT_PER_ADDRESS, both for LOGIN_LOCKOUT_MINUTES since the last try.
AXES_HANDLER = "tracker.security.LoginAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_ip"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tracker.admin_site.lockout_response"
# No banner in every process's start-up log.
AXES_VERBOSE = False

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Instants are stored in UTC and every time shown to a person names its zone. This zone only
# decides what "today" is and how the admin groups sessions by date.
TIME_ZONE = env("TIME_ZONE", default="America/Lima")

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks for it at start-up, before any collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Static files carry the same security headers as pages (the policy without its nonce).
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers

# --- Security headers that hold everywhere ----------------------------------------------
# (What needs HTTPS — the redirect, HSTS, secure cookies — is in the production settings.)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Everything the admin, the schedule pages and Swagger UI load comes from this server; the few
# inline scripts and styles (Swagger UI's start-up) carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Personal calendar addresses hold their secret in the path: the loggers that write request
    # paths mask it (gunicorn's logs too, through tracker.logs.GunicornLogger).
    "filters": {"secrets": {"()": "tracker.logs.SecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "server": {"class": "logging.StreamHandler", "formatter": "server"},
    },
    "loggers": {
        "django.request": {"filters": ["secrets"]},
        # runserver's request log, as Django sets it up, with the filter.
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False, "filters": ["secrets"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- The committee tracker --------------------------------------------------------------
# The two capitals whose clocks staff always see beside the venue's.
CAPITAL_CLOCKS = [("Lima", "America/Lima"), ("Santiago", "America/Santiago")]
# The right-hand side of every session's calendar UID. Changing it makes every calendar that
# subscribed show each session twice: set it once, to a domain the organisation controls.
CALENDAR_UID_DOMAIN = env("CALENDAR_UID_DOMAIN", default="committee-tracker.example")
# Reminders: a reminder found past its time by more than the grace is not sent (missed); rows
# claimed longer ago than the stuck limit are returned to the queue; a failing send is retried
# with exponential backoff up to the attempt limit; changes within the debounce give one notice.
REMINDER_GRACE_MINUTES = env.int("REMINDER_GRACE_MINUTES", default=30)
REMINDER_STUCK_MINUTES = env.int("REMINDER_STUCK_MINUTES", default=10)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=8)
REMINDER_DEBOUNCE_SECONDS = env.int("REMINDER_DEBOUNCE_SECONDS", default=60)
REMINDER_BATCH = env.int("REMINDER_BATCH", default=200)
# Rows per send task. A task reads each session of its chunk once and writes each text once per
# language and clock, so a bigger chunk costs fewer queries and renders per mail.
REMINDER_CHUNK = env.int("REMINDER_CHUNK", default=100)
# A send task takes no further row after this long: the rest go back to the queue, due at once,
# so a slow or hung SMTP server cannot hold them in flight until the reaper. With EMAIL_TIMEOUT and
# REMINDER_DB_RETRY_SECONDS it stays under CELERY_TASK_SOFT_TIME_LIMIT (`manage.py check` says so).
REMINDER_CHUNK_SECONDS = env.int("REMINDER_CHUNK_SECONDS", default=180)
# False: while a chunk is sent, PostgreSQL acknowledges its records before they reach the disk
# (waiting costs more per mail than sending it); only a crash of the database itself can then
# lose the last fraction of a second's records, and those mails go out again with the same
# Message-ID. True: every record waits for the disk.
REMINDER_RECORD_DURABLE = env.bool("REMINDER_RECORD_DURABLE", default=False)
# A dropped database connection or a cancelled statement: a chunk tries again on a new
# connection for this long in all (inside the soft time limit with REMINDER_CHUNK_SECONDS);
# a row the database failed before it was sent waits this long (doubling per attempt) to retry.
REMINDER_DB_RETRY_SECONDS = env.int("REMINDER_DB_RETRY_SECONDS", default=30)
REMINDER_DB_BACKOFF_SECONDS = env.int("REMINDER_DB_BACKOFF_SECONDS", default=5)
# The address people use to reach this server, for links in e-mails; by default the local one on
# PORT (`make run` gives its web, worker and beat processes the same PORT and SITE_URL).
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}")
# How long a rendered schedule body stays in the cache; a change makes it unreachable at once anyway.
SCHEDULE_CACHE_SECONDS = env.int("SCHEDULE_CACHE_SECONDS", default=24 * 3600)
# ... and a body for an address with a query string this long: a client can vary a filter's value
# endlessly, and each value is another body in the shared cache.
SCHEDULE_CACHE_QUERY_SECONDS = env.int("SCHEDULE_CACHE_QUERY_SECONDS", default=300)
# Each web process also keeps the bodies it served for the current version in its own memory, up
# to this many bytes, so that a warm answer is not copied from the shared cache on every request.
SCHEDULE_LOCAL_CACHE_BYTES = env.int("SCHEDULE_LOCAL_CACHE_BYTES", default=64 * 1024 * 1024)
# What every write to the schedule does at its end, after raising the schedule version once
# (committees.writes.schedule_write): each function is called with the write.
SCHEDULE_WRITE_EFFECTS = [
    "meetings.reminders.replanning.reminders_plan_touched",
    "meetings.records.services.records_follow_changes",
]
# How long a new API token lives unless its maker sets another expiry, and the longest any may live.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=365)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=730)
# The audit trail (django-simple-history) is read by those given the view permission on the
# historical models (administrators), and never written back from the admin.
SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True
SIMPLE_HISTORY_REVERT_DISABLED = True
# Importing needs the add permission on the model; what each row may touch is checked per row.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
# An upload waits for its confirmation under a random name, never a path the form could choose.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "tracker.import_files.ImportFileStorage"
# Exports are written by tracker.spreadsheets, which keeps text whole and inert (a leading
# apostrophe before =, +, -, @, tab or CR) and numbers as numbers. The library's own escape,
# which drops a leading "=", stays on only for a format that does not go through it.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# The most items a session's agenda may hold, in the admin and the API alike.
AGENDA_MAX_ITEMS = env.int("AGENDA_MAX_ITEMS", default=60)
# The admin's session form sends 11 fields an agenda item, about 40 of its own and 5 an invitee:
# a full agenda fits with room for 50 invitees (Django's 1000 at the default cap).
DATA_UPLOAD_MAX_NUMBER_FIELDS = max(1000, 11 * AGENDA_MAX_ITEMS + 300)

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "committees.api.authentication.TokenAuthentication",
        "tracker.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tracker.api.permissions.ReadAuthenticatedWriteWithModelPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_RATE", default="1200/minute")},
    # Anonymous callers are throttled by address, found as tracker.security.client_ip finds it.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON only, refused when nested past any real request or holding a lone surrogate.
    "DEFAULT_PARSER_CLASSES": ["tracker.api.parsers.JSONParser"],
    # JSON only: DRF's browsable pages need inline styles the content security policy refuses;
    # Swagger UI (/api/v1/docs/) is the API to explore in a browser.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tracker.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Formats are chosen by the Accept header (and the .ics paths), not by a ?format= parameter.
    "URL_FORMAT_OVERRIDE": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Binational committee tracker API",
    "DESCRIPTION": (
        "The schedule of a binational committee: its members, sessions and agendas, as JSON and "
        "iCalendar. Send `Authorization: Token <token>`. Times are RFC 3339 with the venue's UTC "
        "offset, beside the venue's IANA `timezone`; times without an offset are refused."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from validator.swagger.io: it would send the schema's address to a third party,
    # and the content security policy refuses it.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids and tags from the path after /api/v1/ (`sessions_list`, tag `sessions`).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.api.schema.add_response_headers",
        "tracker.api.schema.share_error_schemas",
        "tracker.api.schema.describe_successes",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "meetings.choices.SessionStatus",
        "CountryEnum": "django_countries.countries",
    },
}
