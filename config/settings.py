"""Souk settings: everything that differs between deployments comes from the environment.

The defaults give a zero-setup development machine (SQLite, tasks run in process, local-memory
cache); production sets DATABASE_URL, REDIS_URL, SECRET_KEY, FIELD_ENCRYPTION_KEY and friends.
Every variable is listed with its default in README.md.
"""

import base64
import hashlib
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.cpus import available_cpus

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-souk-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public base URL: webhook URLs handed to platforms and payment links sent to shoppers use it.
SOUK_PUBLIC_URL = env.str("SOUK_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "shops",
    "catalog",
    "channels_adapters",
    "orders",
    "payments",
    "conversations",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # request.shop / request.membership for the dashboard, resolved lazily (no query elsewhere).
    "shops.dashboard_access.CurrentShopMiddleware",
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
                "csp.context_processors.nonce",
                "shops.dashboard_access.dashboard_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default="sqlite:///db.sqlite3")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] and not Path(_db["NAME"]).is_absolute() and _db["NAME"] != ":memory:":
        _db["NAME"] = str(BASE_DIR / _db["NAME"])
else:
    _db.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    _db["CONN_HEALTH_CHECKS"] = True
    # libpq waits forever for an unreachable host by default; a webhook must get its 503 in
    # seconds (channels_adapters/webhooks.py). libpq's minimum is 2 s.
    _db.setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=2)
    )
    # Values sent apart from the SQL, and a statement run 5 times on a connection prepared
    # there: PostgreSQL parses and plans each hot query once per connection instead of once
    # per run (a third less of its CPU per event; docs/performance.md, "fifth pass"), and the
    # worker stops quoting every value into the SQL text. DB_PREPARE_THRESHOLD=0 turns the
    # preparing off (PgBouncer in transaction mode before 1.21 cannot keep prepared
    # statements); DB_SERVER_SIDE_BINDING=0 goes back to Django's default.
    if env.bool("DB_SERVER_SIDE_BINDING", default=True):
        _db["OPTIONS"]["server_side_binding"] = True
        _db["OPTIONS"]["prepare_threshold"] = env.int("DB_PREPARE_THRESHOLD", default=5) or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker -------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, reusing one client per pool (config/cache.py).
            "BACKEND": "config.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "souk",
            # A hung Redis must not hang requests (API throttling and the inbox's presence read
            # the cache): Redis answers in well under a millisecond when it is well.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The broker defaults to REDIS_URL; CELERY_BROKER_URL may name another (amqp:// for RabbitMQ).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in the calling process: the zero-setup default.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory://")
# In-process tasks fail like worker tasks do: logged and recorded, never breaking the caller
# (a webhook that stored its event must still answer 200).
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=100)
# A task is acknowledged once it has finished, so a worker killed mid-task hands it to another:
# a killed pool process's task is requeued at once (reject_on_worker_lost); a whole worker
# killed (SIGKILL, host lost) leaves its tasks in Redis's unacked set, which the other
# workers put back on the queue once older than the visibility timeout. That must outlast the
# longest task (its hard time limit) plus the longest countdown a task is given
# (SOUK_TASK_MAX_COUNTDOWN), or a task still running or waiting for its time would run twice.
# Except the intake queue's (CELERY_TASK_QUEUES below).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Worker processes (when `--concurrency` is not given): four times the CPUs this process may
# use. A task waits on PostgreSQL and, since the task answering an event also sends the answer,
# on the platform's API: answering takes a process for several times its CPU time, most of it
# waiting for the platform's HTTP answer (py-spy, bench end_to_end at 45 events/s: 56 % of a
# task's time). With too few processes replies queue behind those waits while the CPUs idle:
# 2 processes on 2 CPUs, first messages at 15/s: reply p99 0.9 to 1.3 s, 4: 0.09 s; the mixed
# load at 45/s: 4 processes fell behind (p99 5.6 s, the CPUs 52 % busy), 8 kept up (p99 0.2 s,
# less CPU per event). A prefetch of 4 changed neither CPU nor latency beyond noise: kept at 1.
# Six per CPU since the fifth pass of issue 12; those runs' fake Bot API held every reply's
# worker for a few milliseconds more than a real one would (fixed in the sixth pass), and
# without that wait 8 and 12 processes did the same at 125 events/s. Real APIs are tens of
# milliseconds away: with the fake answering 50 ms late, 12 processes kept up at 120/s in one
# run and were just too slow in the next, where 24 cost a third more CPU per event and fell
# behind twice. So 6 per CPU fits a platform about 50 ms
# away; docs/deploy.md ("Worker processes") sizes it for others. CPUs as the web server counts
# them: the affinity, capped by a container's CPU quota.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=6 * available_cpus())
SOUK_TASK_VISIBILITY_TIMEOUT = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 180
)
# Retries further off than this are not given to the broker as a countdown (a sweeper, or a
# shorter wait, takes over): see the visibility timeout above.
SOUK_TASK_MAX_COUNTDOWN = max(1, SOUK_TASK_VISIBILITY_TIMEOUT - CELERY_TASK_TIME_LIMIT - 30)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": SOUK_TASK_VISIBILITY_TIMEOUT,
    # Each worker looks for expired unacked tasks every few seconds (kombu's default is every
    # 100 s): one ZRANGE on an index.
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    # A hung Redis raises instead of blocking a publish for ever (kombu waits without limit by
    # default); the consumers' BRPOP is watched by kombu's health check instead.
    "socket_timeout": 2.0,
    "socket_connect_timeout": 1.0,
}
# After a lost broker connection the unacked tasks go back to the queue for another worker:
# stop the ones still running here rather than run them twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Workers retry a lost broker every 2 s (not up to every 30 s: config/celery.py), for as long
# as it takes: Celery's default gives up after 100 tries and stops the worker.
CELERY_WORKER_CONSUMER = "config.celery:QuickReconnectConsumer"
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing through Celery (outside the fast path of channels_adapters/taskqueue.py) gives up
# quickly too: whatever it was for is stored, and the sweepers enqueue it again.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_TASK_DEFAULT_QUEUE = "default"
# A worker started without -Q consumes all of them; production runs workers per queue.
# The intake queue is consumed without Redis's acknowledgements (no_ack): its task only says
# "process stored event N", and the stored event is the record. A task lost with its worker
# leaves the event unprocessed, and the inbound sweeper hands it to a worker within seconds
# (INBOUND_SWEEP_AFTER; the visibility timeout would take minutes), the claim in
# `services.inbound_event_process` making a second delivery a no-op. Redis's bookkeeping for
# each acknowledged task (recorded as unacked on delivery, removed on acknowledgement: two
# round trips of the worker's consumer) was a fifth of the consumer's CPU per event in bench
# end_to_end (docs/performance.md, end_to_end, "seventh pass").
# Without acknowledgements kombu's prefetch limit no longer bounds what a worker takes, so
# disable_prefetch does: a worker takes a task only when a process of its pool is free, and a
# backlog stays in Redis for every worker to share.
CELERY_TASK_QUEUES = [
    Queue("intake", no_ack=True),
    *(Queue(name) for name in ("send", "checkout", "default")),
]
CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_TASK_ROUTES = {
    "catalog.tasks.*": {"queue": "default"},
    "channels_adapters.tasks.inbound_*": {"queue": "intake"},
    "channels_adapters.tasks.outbound_*": {"queue": "send"},
    "orders.tasks.*": {"queue": "checkout"},
    "payments.tasks.*": {"queue": "checkout"},
    # Integrators' endpoints can be slow (up to SOUK_WEBHOOK_TIMEOUT_SECONDS): never on `send`,
    # where shoppers wait for replies.
    "shops.tasks.webhook_*": {"queue": "default"},
}
# A cell (the web processes and workers serving one group of shops, to which the load balancer
# routes those shops' webhooks by their URL) keeps queues of its own on a shared broker:
# SOUK_QUEUE_SUFFIX=".a" names them intake.a, send.a... (docs/deploy.md "Scale-out"). Empty, the
# default: one set of queues for every shop.
SOUK_QUEUE_SUFFIX = env.str("SOUK_QUEUE_SUFFIX", default="")
if SOUK_QUEUE_SUFFIX:
    CELERY_TASK_DEFAULT_QUEUE += SOUK_QUEUE_SUFFIX
    CELERY_TASK_QUEUES = [
        Queue(queue.name + SOUK_QUEUE_SUFFIX, no_ack=queue.no_ack) for queue in CELERY_TASK_QUEUES
    ]
    CELERY_TASK_ROUTES = {
        tasks: {"queue": route["queue"] + SOUK_QUEUE_SUFFIX}
        for tasks, route in CELERY_TASK_ROUTES.items()
    }
# The sweepers recover whatever lost its task (broker down, worker killed): they run every
# few seconds and pick work by its own time, so it is picked up within 30 s of the fault
# ending (docs/deploy.md "Periodic tasks"). A run finding nothing costs one indexed query.
# `expires`: a sweep not started within its period is dropped by the worker, so a backlog of
# sweeps (beat kept sending while the workers were away) does not run them all.
SOUK_SWEEP_SECONDS = env.float("SOUK_SWEEP_SECONDS", default=5.0)


def _every(task: str, seconds: float) -> dict:
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


CELERY_BEAT_SCHEDULE = {
    "sweep-inbound-events": _every(
        "channels_adapters.tasks.inbound_events_sweep", SOUK_SWEEP_SECONDS
    ),
    "sweep-outbound-messages": _every("channels_adapters.tasks.outbound_sweep", SOUK_SWEEP_SECONDS),
    "sweep-webhook-deliveries": _every(
        "shops.tasks.webhook_deliveries_sweep", 2 * SOUK_SWEEP_SECONDS
    ),
    "expire-stock-reservations": _every("orders.tasks.reservations_expire", 2 * SOUK_SWEEP_SECONDS),
    "prune-live-events": _every("shops.tasks.live_events_prune", 3600.0),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every task unless
# this is set: a new PostgreSQL connection (a backend forked, authenticated, warmed up) for
# each task was the largest single cost of processing an inbound message (bench/end_to_end,
# docs/performance.md). Connections now live for this many tasks per worker process; the
# channel tasks also run Django's close_old_connections around each task (CONN_MAX_AGE,
# health check after an error), as a web request does.
CELERY_DB_REUSE_MAX = 200

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "shops.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:overview"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# django-allauth: e-mail and password only; accounts come from shop creation or an invitation
# (dashboard/team), never from an open sign-up form.
ACCOUNT_ADAPTER = "shops.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Brute force: allauth counts failed sign-ins per IP and per account in the shared cache
# (Redis in production) and refuses further attempts for a while (429 page).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Souk"
SESSION_COOKIE_AGE = 14 * 24 * 3600
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Souk <no-reply@souk.test>")
# Password resets and invitations are e-mailed: EMAIL_URL (smtp://user:pass@host:587 or
# smtp+tls://…); without it they are printed on the console (development).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Every language Souk has the bot's phrases in (locale/<code>/); a shop offers some of them to
# its shoppers besides its own (Shop.languages).
LANGUAGES = [("en", "English"), ("fr", "Français"), ("zh-hans", "简体中文")]
TIME_ZONE = "UTC"
USE_I18N = True
# The shopper-facing French and Chinese (.po in git, .mo compiled by `make install`:
# config/locale_compile.py).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Chart.js for the analytics page, installed from npm by `make install` (package.json),
    # served by WhiteNoise as /static/vendor/chart.js/… (no CDN).
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
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
# Uploaded images are read into memory up to this size before spilling to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Chat platforms fetch product images from SOUK_PUBLIC_URL/media/: serve them from Django unless
# a proxy or a bucket does (then set SOUK_SERVE_MEDIA=0).
SOUK_SERVE_MEDIA = env.bool("SOUK_SERVE_MEDIA", default=True)
SOUK_MAX_IMAGE_BYTES = env.int("SOUK_MAX_IMAGE_BYTES", default=10 * 1024 * 1024)
SOUK_MAX_IMAGE_PIXELS = env.int("SOUK_MAX_IMAGE_PIXELS", default=40_000_000)

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["shops.rest.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["shops.rest.permissions.HasShopApiKey"],
    "DEFAULT_THROTTLE_CLASSES": ["shops.rest.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_THROTTLE_RATE", default="1200/min")},
    "DEFAULT_PAGINATION_CLASS": "shops.rest.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "shops.rest.filters.ShopFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["shops.rest.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "shops.rest.schema.SoukAutoSchema",
    "EXCEPTION_HANDLER": "shops.rest.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Souk API",
    "DESCRIPTION": (
        "Drive a Souk shop: catalog, stock and images. Authenticate with "
        "`Authorization: Bearer <api key>`; every object belongs to the key's shop."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Platforms (used by the channel and payment apps; every base URL is configurable) ------------
META_GRAPH_URL = env.str("META_GRAPH_URL", default="https://graph.facebook.com/v21.0").rstrip("/")
META_APP_SECRET = env.str("META_APP_SECRET", default="")
META_VERIFY_TOKEN = env.str("META_VERIFY_TOKEN", default="")
TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org").rstrip("/")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com").rstrip("/")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
# Stripe webhook events whose processing was lost are re-enqueued (payments/stripe_events.py).
CELERY_BEAT_SCHEDULE["sweep-stripe-events"] = _every(
    "payments.tasks.stripe_events_sweep", 2 * SOUK_SWEEP_SECONDS
)
# Pay links, saved-card charges and refunds whose task was lost are re-enqueued (payments).
CELERY_BEAT_SCHEDULE["sweep-payments"] = _every(
    "payments.tasks.provider_work_sweep", SOUK_SWEEP_SECONDS
)
# Where normalized inbound events go once parsed: the conversation layer (a dotted path to a
# callable taking account= and events=).
SOUK_INBOUND_HANDLER = "conversations.services.inbound_handle"
# Who hears about order events once committed (receipts and updates in the chat): dotted paths
# to callables taking (event_type, order_id, details).
SOUK_ORDER_LISTENERS = [
    "payments.services.order_event_listen",
    "conversations.notifications.order_event_notify",
]
# How long checkout holds stock for a shopper who has not paid yet.
SOUK_RESERVATION_MINUTES = env.int("SOUK_RESERVATION_MINUTES", default=15)
# Webhook bodies larger than this are refused with 413 before being read.
SOUK_WEBHOOK_MAX_BYTES = 1024 * 1024
# Webhooks stored at the same moment by one process's threads share one INSERT and one push
# (channels_adapters/group_commit.py); off, each request writes its own.
SOUK_INTAKE_GROUP_COMMIT = env.bool("SOUK_INTAKE_GROUP_COMMIT", default=True)
PLATFORM_TIMEOUT_SECONDS = env.float("PLATFORM_TIMEOUT_SECONDS", default=10.0)
# What one SMS segment costs the shop, in minor units of its currency: the inbox composer shows
# an estimate as an agent types (a segment is 160 GSM-7 or 70 UCS-2 characters).
SOUK_SMS_SEGMENT_COST = env.int("SOUK_SMS_SEGMENT_COST", default=7)
# Integrators' webhook endpoints on this machine (localhost, 127.0.0.1) are refused unless this
# is on (development and tests): otherwise an API key could make Souk call itself.
SOUK_WEBHOOKS_ALLOW_LOCAL = env.bool("SOUK_WEBHOOKS_ALLOW_LOCAL", default=DEBUG)
# Timeout (connect, then each read) of a webhook delivery to an integrator's endpoint.
SOUK_WEBHOOK_TIMEOUT_SECONDS = env.float("SOUK_WEBHOOK_TIMEOUT_SECONDS", default=10.0)


def _development_fernet_key(secret: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"fernet:{secret}".encode()).digest()).decode()


# Fernet keys, comma separated, newest first (older ones still decrypt during a rotation).
FIELD_ENCRYPTION_KEYS = [k for k in env.list("FIELD_ENCRYPTION_KEY", default=[]) if k]
if not FIELD_ENCRYPTION_KEYS and DEBUG:
    FIELD_ENCRYPTION_KEYS = [_development_fernet_key(SECRET_KEY)]
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes)."
        ) from exc
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY must be set when DEBUG is off "
        '(make one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())").'
    )

# --- Security -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every page gets a strict policy: scripts and styles only from our own static files (no inline
# script, no eval), images from us (and data: URIs, which the TOTP QR code uses), nothing framed.
# Pages that set their own header (the web chat) keep it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # python-telegram-bot logs request URLs (with the token) at DEBUG, whatever LOG_LEVEL.
        "telegram": {"level": "INFO"},
    },
}
