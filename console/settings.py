"""Settings for the unified contact-center console.

Everything comes from environment variables (or a local `.env`). Without them the product runs on
its embedded default: SQLite in the project folder, the in-memory channel layer and Celery tasks run
in-process. `REDIS_URL` switches the channel layer, the cache and the Celery broker to Redis.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from console.redis_cache import connection_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` (written by `make demo`); ENV_FILE points elsewhere, e.g. /dev/null in tests.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=true for a local demo, where a development key is used)."
        )
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "customers",
    "contacts",
    "console",
    "demo",
]

MIDDLEWARE = [
    # First: a request that fails for want of PostgreSQL or Redis is answered 503, in JSON.
    "console.integrations.unavailable.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Answers a sign-in that django-axes locked out (console.views.locked_out).
    "axes.middleware.AxesMiddleware",
    # Last: it is sync-only, so under ASGI everything above it runs sync in the one thread
    # Django hands the request to. Higher up, the middleware below it ran async, each of their
    # hooks sent to a thread through sync_to_async: three more thread switches on every request
    # (tests/console/test_middleware_chain.py).
    "console.integrations.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "console.urls"
ASGI_APPLICATION = "console.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases: SQLite by default; PostgreSQL through psycopg 3 with its connection pool. Django
# advises CONN_MAX_AGE = 0 under ASGI and the driver's pool instead of persistent connections.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # After a PostgreSQL restart every pooled connection is dead: with CONN_HEALTH_CHECKS (below)
    # Django gives the pool `check=ConnectionPool.check_connection`, so each is checked before it
    # is handed out and the dead are discarded. A request that still gets none within `timeout`
    # is answered 503 (console.integrations.unavailable).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": env.float("DATABASE_POOL_TIMEOUT_S", default=5),
    }
    # No JIT compilation: the product's queries are short look-ups, and on estimates from stale
    # statistics (after a bulk load) PostgreSQL JIT-compiled an ingest batch's reads, about
    # 60 ms each, longer than running them.
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads of one Daphne write at once: wait for the lock instead of failing at once,
    # take the write lock at BEGIN so two transactions cannot deadlock on an upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file, not shared-cache memory: threads and a live server then wait for the
    # write lock instead of failing with "table is locked".
    # One file per test run, so that runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}
# The pool's check (above); a connection kept without a pool is checked before reuse.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "console.realtime.OutageAwareRedisChannelLayer",
            # redis-py 8 sets a 5 s socket timeout that breaks the layer's blocking read
            # (django/channels_redis#422): idle sockets would be closed after 5 s. Its asyncio
            # pool fails at once past 100 connections: 200 agents' sockets closing together (a
            # deploy, a network blip) each leave their group at the same moment.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=2000),
                        **connection_options(asyncio=True),
                    }
                ],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="console"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "console.redis_cache.SharedPoolRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="console"),
            # A rate-limit count or a cached client is not worth waiting for: a Redis that does
            # not answer within a second is treated as down (console.redis_cache.cache_or).
            "OPTIONS": {**connection_options(), "socket_timeout": 1},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: the Redis broker when configured, otherwise tasks run in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Tokyo"
# A worker killed mid-task (kill -9, a lost machine) leaves its task unacknowledged: the broker
# hands it to another worker once this has passed. Shorter than any countdown would loop them.
CELERY_VISIBILITY_TIMEOUT_S = env.int("CELERY_VISIBILITY_TIMEOUT_S", default=60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT_S,
    # Workers look for such tasks this often (kombu's default: every 100 s).
    "unacked_restore_interval": min(10, CELERY_VISIBILITY_TIMEOUT_S),
    "unacked_restore_throttle": 1,
}
# Queueing a task waits at most about 0.2 s for a broker that is down (console.celery._enqueue).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A worker's pool process that dies mid-task hands the task back instead of acknowledging it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Task modules beyond each app's tasks.py (autodiscovery finds only those).
CELERY_IMPORTS = [
    "console.agents.tasks",
    "console.calls.tasks",
    "console.integrations.tasks",
    "console.supervision.tasks",
    "console.follow_ups.tasks",
]
# An agent whose console's sockets have all been closed this long is away (console.agents.presence).
AGENT_PRESENCE_GRACE_SECONDS = env.int("AGENT_PRESENCE_GRACE_SECONDS", default=20)
# An agent sent away by a closed console who opens it again within this long is available again.
AGENT_PRESENCE_RETURN_SECONDS = env.int("AGENT_PRESENCE_RETURN_SECONDS", default=600)
CELERY_BEAT_SCHEDULE = {
    # Besides the timer each console socket sets when it closes: a server that died sets none.
    "send-absent-agents-away": {
        "task": "console.send_absent_agents_away",
        "schedule": 5,
    },
    "resend-overdue-webhooks": {
        "task": "console.resend_overdue_webhooks",
        "schedule": 5 * 60,
    },
    "forget-old-idempotency-keys": {
        "task": "console.forget_old_idempotency_keys",
        "schedule": 60 * 60,
    },
    "forget-old-agent-messages": {
        "task": "console.forget_old_agent_messages",
        "schedule": 15 * 60,
    },
    # Reports read rollups: today's every five minutes, a finished day once its late calls are over.
    "roll-up-recent-days": {
        "task": "console.roll_up_recent_days",
        "schedule": 5 * 60,
    },
    # Calls whose events stopped (a lost `ended`, a crashed PBX) are closed, their agents freed.
    "close-silent-calls": {
        "task": "console.close_silent_calls",
        "schedule": 60,
    },
    # Follow-ups held back by quiet hours or the one-a-day rule, and retries after a failure.
    "send-due-follow-ups": {
        "task": "console.send_due_follow_ups",
        "schedule": 5 * 60,
    },
    "forget-old-live-figures": {
        "task": "console.forget_old_live_figures",
        "schedule": 6 * 60 * 60,
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing: after AXES_FAILURE_LIMIT wrong passwords for one account from one address,
# that account is locked at that address for the cool-off. By the pair, not the account alone or
# the address alone: a stranger cannot lock an agent out from elsewhere, and one person's typos
# do not lock the whole floor behind the office's one address. The address is the client's
# as TRUSTED_PROXIES tell it. Each lockout is written to the audit log (SignInLockout).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "console.integrations.clients.request_address"
AXES_LOCKOUT_CALLABLE = "console.views.locked_out"
# Follow-up mail through Django's mail framework: SMTP when EMAIL_HOST is set, else printed to
# the console (the embedded default).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if EMAIL_HOST
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
EMAIL_PORT = env.int("EMAIL_PORT", default=587 if EMAIL_HOST else 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support@console.example.jp")
FOLLOW_UP_MAIL_DOMAIN = env.str("FOLLOW_UP_MAIL_DOMAIN", default="console.example.jp")
# LINE Messaging API: the channel's access token (push) and secret (webhook signatures).
LINE_CHANNEL_ACCESS_TOKEN = env.str("LINE_CHANNEL_ACCESS_TOKEN", default="")
LINE_CHANNEL_SECRET = env.str("LINE_CHANNEL_SECRET", default="")
LINE_API_HOST = env.str("LINE_API_HOST", default="https://api.line.me")
# Where customers open survey links from.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Third-party front-end libraries come from npm (package-lock.json), never committed copies.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
# Pages run only the console's own scripts and styles, from static files: no inline script or
# style, nothing from another site, so text an attacker slipped into a page cannot run. The API's
# browsable docs (Swagger UI, ReDoc) are third-party pages with inline scripts: left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        # 'self' covers the page's own websockets (ws:// and wss:// of the same host).
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The API: bearer keys for integration clients, sessions for people; one error format.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=5 * 1024 * 1024)
# An API request that would wait longer than this for the work a process already holds is
# refused at once (503, Retry-After): a pop seconds late is worth less than the platform's retry.
API_MAX_WAIT_SECONDS = env.float("API_MAX_WAIT_SECONDS", default=2.0)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=6000)
# An alert (logged, and on the supervisors' pages) when a person opens more customers than this
# within an hour, outside their own calls.
AUDIT_ALERT_CUSTOMERS_PER_HOUR = env.int("AUDIT_ALERT_CUSTOMERS_PER_HOUR", default=30)
# Our own reverse proxies (addresses or CIDRs): only their X-Forwarded-For is believed when a
# request's address is counted; with none, the connecting address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# How long a request may take its API client from the cache instead of the database. Only with
# Redis: a change made in another process (a key reissued by `manage.py simulate`) drops the
# client from a shared cache, but could not reach the embedded default's per-process one.
API_CLIENT_CACHE_SECONDS = 60 if REDIS_URL else 0
# A live or waiting call with no event for this long is closed by the sweeper (the PBX lost its
# `ended`, or crashed); the longest real calls here last about an hour.
CALL_SILENCE_LIMIT_MINUTES = env.int("CALL_SILENCE_LIMIT_MINUTES", default=120)
# The wallboard flags a call waiting longer than this.
LONG_WAIT_ALERT_SECONDS = env.int("LONG_WAIT_ALERT_SECONDS", default=120)
# The seat map flags an agent this long in one state: a call past 15 minutes is a long one on
# these desks (AHT is 4-6 minutes), after-call work past 3 and a break past 15 are worth a look.
LONG_STATE_ALERT_SECONDS = {
    "on_call": env.int("LONG_ON_CALL_ALERT_SECONDS", default=15 * 60),
    "wrap_up": env.int("LONG_WRAP_UP_ALERT_SECONDS", default=3 * 60),
    "break": env.int("LONG_BREAK_ALERT_SECONDS", default=15 * 60),
}
WEBHOOK_TIMEOUT_S = env.float("WEBHOOK_TIMEOUT_S", default=5.0)
# Webhooks go by https to public addresses only. These open http and private addresses (this
# machine, the LAN, the cloud's metadata service) for tests and a local demo, never production.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)

# Twilio signs TaskRouter callbacks with the account's auth token; without one, none is accepted.
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "console.integrations.clients.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["console.integrations.clients.HasRequiredAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["console.integrations.clients.ClientRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["console.integrations.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "console.integrations.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Unified contact-center console API",
    "DESCRIPTION": (
        "REST API for telephony (CTI), ATM and service systems and customer-record sources. "
        "Authenticate with `Authorization: Bearer <key>` (keys from `create_api_client`). "
        'Every error is `{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from validator.swagger.io: the docs call no host but ours.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    # Accounts and cases both have a `kind`: each enum keeps its own name.
    "ENUM_NAME_OVERRIDES": {
        "AccountKindEnum": "customers.models.AccountKind",
        "CaseKindEnum": "contacts.models.CaseKind",
        "DeskEnum": "contacts.models.Desk",
        "ChannelEnum": "contacts.models.Channel",
        "TouchpointChannelEnum": "contacts.choices.TOUCHPOINT_CHANNEL_CHOICES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "console.integrations.schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
