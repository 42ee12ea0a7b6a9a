"""Settings for the unified contact-center console.

Everything comes from environment variables (or a local `.env`). Without them the product runs on
its embedded default: SQLite in the project folder, the in-memory channel layer and Celery tasks run
in-process. `REDIS_URL` switches the channel layer, the cache and the Celery broker to Redis.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

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
    "customers",
    "contacts",
    "console",
    "demo",
]

MIDDLEWARE = [
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
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": 10,
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
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
# Task modules beyond each app's tasks.py (autodiscovery finds only those).
CELERY_IMPORTS = [
    "console.agents.tasks",
    "console.calls.tasks",
    "console.integrations.tasks",
    "console.supervision.tasks",
]
# An agent whose console's sockets have all been closed this long is away (console.agents.presence).
AGENT_PRESENCE_GRACE_SECONDS = env.int("AGENT_PRESENCE_GRACE_SECONDS", default=20)
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
    "EXCLUDE_URL_PREFIXES": ["/api/docs/", "/api/redoc/"],
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
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=6000)
# Our own reverse proxies (addresses or CIDRs): only their X-Forwarded-For is believed when a
# request's address is counted; with none, the connecting address is the client's.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# How long a request may take its API client from the cache instead of the database. Only with
# Redis: a change made in another process (a key reissued by `manage.py simulate`) drops the
# client from a shared cache, but could not reach the embedded default's per-process one.
API_CLIENT_CACHE_SECONDS = 60 if REDIS_URL else 0
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
    "COMPONENT_SPLIT_REQUEST": True,
    # Accounts and cases both have a `kind`: each enum keeps its own name.
    "ENUM_NAME_OVERRIDES": {
        "AccountKindEnum": "customers.models.AccountKind",
        "CaseKindEnum": "contacts.models.CaseKind",
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
