"""Settings, all from the environment so one file serves a laptop and production.

SQLite is the default so a fresh checkout runs with no set-up; point DATABASE_URL at
PostgreSQL for anything shared.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (see .env.example), or set DJANGO_DEBUG=true "
            "for local development."
        )
    # Development only: a fixed key would let anyone forge sessions on a public server.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "bootstrap",  # django-bootstrap-static: Bootstrap's CSS and JS as static files
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "formguard",  # honeypot field and signed form timestamp on the reader's forms
    "django_ratelimit",  # installed as an app so that its check of the cache runs
    "axes",  # login lockout
    "csp",
    "config.apps.SiteConfig",
    "allauth",  # readers' accounts: sign-up with a verified email, login, password reset
    "allauth.account",
    "articles",
    # Before django_tasks_db: moderation's `db_worker` (django-tasks-db's worker plus
    # recovery and the triage sweep, moderation/workers.py) takes the command's name.
    "moderation",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: the load balancer's probe is answered before the HTTPS redirect and the
    # host check, so it works over plain HTTP and with an IP address as the host.
    "config.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Inside every middleware above, which set the security headers, and before the
    # session: a reader without a session or a message gets the cached article page here.
    "articles.middleware.SharedPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.RejectBadQueryMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
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
                "config.context_processors.admin_link",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database should fail a request (and /healthz) in seconds, not hang
    # a worker until gunicorn kills it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", envint("DATABASE_CONNECT_TIMEOUT", 5)
    )
    # gthread workers are not killed mid-request (GUNICORN_TIMEOUT watches the worker's
    # main loop), so the web process bounds each SQL statement instead
    # (deploy/gunicorn.conf.py sets 30 s); workers, whose imports may run long, set none.
    statement_timeout = envint("DATABASE_STATEMENT_TIMEOUT", 0)
    if statement_timeout:
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"-c statement_timeout={statement_timeout * 1000}")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while a moderator writes; IMMEDIATE avoids "database is
    # locked" when two requests upgrade read transactions to writes at the same time; and
    # a writer that finds the database busy (an import, a worker scoring, 50 readers
    # posting) waits up to SQLITE_BUSY_TIMEOUT seconds for its turn instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": envint("SQLITE_BUSY_TIMEOUT", 30),
        }
    )

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username or address is refused before its password is
    # checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Readers log in with their username or email (django-allauth, below).
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Readers' accounts (django-allauth; articles/accounts.py). Moderators log in with their
# username, readers with either; a reader's email must be verified before they can log in.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Newsroom Comments] "
ACCOUNT_FORMS = {"login": "articles.accounts.LoginForm", "signup": "articles.accounts.SignupForm"}
# One email per account, changed in place (allauth's page for several addresses needs
# inline script).
ACCOUNT_CHANGE_EMAIL = True
# Wrong passwords are counted and locked out by django-axes alone (below), on both login
# pages, with an admin's unlock; allauth's own count would keep a user out after that.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
# django-axes reads the username on both login pages (allauth's "login", the admin's
# "username") with this.
AXES_USERNAME_CALLABLE = "articles.accounts.axes_username"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The default cache holds the rate-limit counts, so every process must share it: Redis
# (through redis-py with hiredis) when REDIS_URL is set, else a table in the database
# (made by `migrate`) whose increments are atomic. Either way the limits are exact with
# any number of workers.
# Several sites may share one Redis: every cache key of this one starts with this.
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "")
REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # Django's, keeping its redis-py client between calls (config/cache.py).
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": REDIS_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.AtomicDatabaseCache",
            "LOCATION": "django_cache",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": envint("CACHE_MAX_ENTRIES", 50_000)},
        }
    }
# django_ratelimit warns (W001) about any backend it has not listed, which includes
# Django's own RedisCache and the database cache above. Both increment atomically
# (Redis INCR; a locked row), which is what its check is about; its errors for caches
# that are not shared or not atomic (E003) stay on.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# An import's progress, written by the worker while its transaction is still open (where
# the database would not show it to the web, and on SQLite would block on the import's
# write lock): Redis when there is one, else files beside the app, which every process
# on this machine shares (set REDIS_URL when workers run on several machines).
CACHES["progress"] = (
    {"BACKEND": "config.cache.RedisCache",
     "LOCATION": os.environ["REDIS_URL"],
     # Under the site's prefix too: sites sharing one Redis have their own job 1.
     "KEY_PREFIX": ":".join(filter(None, [CACHE_KEY_PREFIX, "progress"])),
     # As the default cache's: an unreachable Redis is a 503, not a hung page.
     "OPTIONS": REDIS_OPTIONS}
    if os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
          "LOCATION": os.environ.get("PROGRESS_CACHE_DIR") or str(BASE_DIR / "var" / "progress")}
)

# Background work: Django's Tasks API (django-tasks, django.tasks from Django 6) with the
# django-tasks-db backend, on the app's own database; `manage.py db_worker` runs the tasks
# (any number of workers, on any machine that reaches the database).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A worker that has not been heard from for this many seconds is dead: the task it was
# running is put back in the queue (moderation/workers.py).
TASKS_WORKER_DEAD_AFTER = envint("TASKS_WORKER_DEAD_AFTER", 60)
# How often a worker says it is alive, puts dead workers' tasks back and sweeps.
TASKS_WORKER_BEAT = envint("TASKS_WORKER_BEAT", 10)

# Security headers that cost nothing behind HTTPS; DJANGO_SECURE=true turns on the rest.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The load balancer probes /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if envbool("DJANGO_SECURE"):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 365 * 24 * 60 * 60)
    # HSTS sent by comments.example.org covers its own subdomains only, never the
    # newsroom's parent domain; preload only matters once the host is submitted.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "true")
    SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", "true")

# Content-Security-Policy: scripts and styles from our own static files only. No page
# has inline script, inline style or style="" attributes (tests/test_headers.py checks
# every template), so 'unsafe-inline' is never needed. Bootstrap's CSS draws its form
# controls' icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Browser features no page uses, refused for the page and anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "encrypted-media", "fullscreen", "geolocation", "gyroscope", "magnetometer",
        "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}

# Email. EMAIL_URL (smtp://user:password@host:587, submission:// for STARTTLS on 587,
# smtps:// for TLS on 465) or EMAIL_HOST with EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL. Without either, mail is printed to
# the console (development); `check --deploy` warns when that is so in production.
if os.environ.get("EMAIL_URL"):
    _email = dj_email_url.parse(os.environ["EMAIL_URL"])
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 10
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "true" if EMAIL_PORT == 587 else "false")
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "true" if EMAIL_PORT == 465 else "false")
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "comments@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL if "DEFAULT_FROM_EMAIL" in
                              os.environ else "root@localhost")

# Login lockout (django-axes), on /accounts/login/ and /admin/login/ alike: after
# AXES_FAILURE_LIMIT wrong passwords for one username, or from one address, that username
# or address is refused (HTTP 429, a page saying so) for AXES_COOLOFF_MINUTES; an admin
# unlocks sooner by deleting its rows under Axes > Access attempts in the admin, or with
# `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The same client address the rate limits use (see CLIENT_IP_META_KEY below).
AXES_CLIENT_IP_CALLABLE = "config.clients.client_ip"
# Password reset: per address and per email address entered, so that nobody can flood a
# mailbox or the mail server (django-ratelimit syntax).
PASSWORD_RESET_RATE = os.environ.get("PASSWORD_RESET_RATE", "5/h") or None

# Comments
# The reader's thread (moderation/threads.py): top-level comments per page, each with its
# first replies in thread order; the rest of a subtree is behind "show N more replies",
# which loads COMMENTS_MORE_CHUNK at a time. A first page shows at most about
# COMMENTS_PER_PAGE × (1 + COMMENTS_REPLIES_SHOWN) comments, whatever the tree's shape.
COMMENTS_PER_PAGE = envint("COMMENTS_PER_PAGE", 20)
COMMENTS_REPLIES_SHOWN = envint("COMMENTS_REPLIES_SHOWN", 4)
COMMENTS_MORE_CHUNK = envint("COMMENTS_MORE_CHUNK", 50)
COMMENTS_FEATURED_SHOWN = envint("COMMENTS_FEATURED_SHOWN", 10)
# While one request renders an article's thread anew after a change, others may be given
# the previous one if the change was made less than this long ago (seconds; 0: never).
COMMENTS_PAGE_STALE_SECONDS = float(os.environ.get("COMMENTS_PAGE_STALE_SECONDS", "0.5"))
# How long each worker serves what it last read of a cached reader page without asking the
# cache again (seconds; 0: every request asks): a change made in another worker reaches
# this one's readers within it (articles/freshness.py).
COMMENTS_PAGE_RECHECK_SECONDS = envfloat("COMMENTS_PAGE_RECHECK_SECONDS", 0.1)
COMMENTS_MAX_DEPTH = envint("COMMENTS_MAX_DEPTH", 16)  # levels, the top level counted
COMMENTS_BODY_MAX_LENGTH = 5000  # characters, line breaks counted as one

# Commenters as people (moderation/models/commenters.py). Guests may comment with a name
# and an optional email (off: only readers with an account may); a guest's email ties their
# comments together. After COMMENTERS_AUTO_TRUST_AFTER approved comments and none hidden a
# commenter is trusted automatically (0: never). Trust lets comments from the trusted
# account publish on pre-moderated articles when triage raises nothing; a guest's typed
# email is not proof of who they are, so guests' comments are trusted only with
# COMMENTERS_TRUST_GUESTS.
COMMENTS_ALLOW_GUESTS = envbool("COMMENTS_ALLOW_GUESTS", "true")
COMMENTERS_AUTO_TRUST_AFTER = envint("COMMENTERS_AUTO_TRUST_AFTER", 5)
COMMENTERS_TRUST_GUESTS = envbool("COMMENTERS_TRUST_GUESTS", "false")
# Emails to commenters (off by default): why their comment was removed; that someone
# replied (when they asked for it on the form). Links in them start with COMMENTS_SITE_URL.
COMMENTERS_EMAIL_REJECTIONS = envbool("COMMENTERS_EMAIL_REJECTIONS")
COMMENTERS_EMAIL_REPLIES = envbool("COMMENTERS_EMAIL_REPLIES")
COMMENTS_SITE_URL = os.environ.get("COMMENTS_SITE_URL", "http://127.0.0.1:8000")

# The live queue (moderation/live.py): how often an open queue asks what changed (seconds),
# how long a decided card stays for its Undo before it leaves, and how long a moderator is
# shown as looking at a card after their page last said so (kept in the shared cache).
MODERATION_LIVE_POLL = envfloat("MODERATION_LIVE_POLL", 2.0)
MODERATION_UNDO_WINDOW = envfloat("MODERATION_UNDO_WINDOW", 8.0)
MODERATION_PRESENCE_TTL = envint("MODERATION_PRESENCE_TTL", 15)

# Keeping bots and floods out of reader posting and reporting. A form sent sooner than
# COMMENTS_MIN_FORM_SECONDS after it was shown is a bot's (0 turns the check off); one
# older than COMMENTS_FORM_MAX_AGE is refused and shown again with a fresh timestamp.
FORMGUARD_TOKEN_MIN_SECONDS = envint("COMMENTS_MIN_FORM_SECONDS", 3)
FORMGUARD_TOKEN_MAX_SECONDS = envint("COMMENTS_FORM_MAX_AGE", 24 * 60 * 60)
# Per-client limits (django-ratelimit syntax, "5/m" = 5 a minute; empty = no limit).
# They count in the default cache, which every process shares (Redis or the database).
COMMENTS_POST_RATE = os.environ.get("COMMENTS_POST_RATE", "5/m") or None
COMMENTS_REPORT_RATE = os.environ.get("COMMENTS_REPORT_RATE", "10/m") or None
# And replies per address under any one comment. Reports need no such limit: one address
# (or account) files one report per comment.
COMMENTS_REPLY_PER_COMMENT_RATE = os.environ.get("COMMENTS_REPLY_PER_COMMENT_RATE", "3/m") or None
# The same text from the same client (IP address or session) within this many seconds is
# refused as a duplicate.
COMMENTS_DUPLICATE_SECONDS = envint("COMMENTS_DUPLICATE_SECONDS", 600)
# Clients are told apart by REMOTE_ADDR. Behind a reverse proxy every request would come
# from the proxy: make the proxy overwrite a header with the client's address (e.g.
# X-Real-IP) and name it here as a request.META key (HTTP_X_REAL_IP). Never trust a
# header the client can set itself.
CLIENT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or "REMOTE_ADDR"
# django-ratelimit asks this function (config/clients.py), which falls back to REMOTE_ADDR
# when the header is missing (a request that did not come through the proxy) instead of
# failing the request.
RATELIMIT_IP_META_KEY = "config.clients.client_ip"

# Automated triage (moderation/triage). Scores run from 0 to 1. A comment at or over a
# threshold gets an automatic flag with that reason; on a post-moderated article, abuse,
# spam or a banned word at or over the hold threshold takes it back to pending. The
# abuse threshold is the classifier's own decision boundary; see bench/eval_triage.py for
# precision and recall at these values.
TRIAGE_ENABLED = envbool("TRIAGE_ENABLED", "true")
# On a post-moderated article, keep a new comment from readers until it has been scored
# (it waits as pending, and is published by the triage if nothing was found).
TRIAGE_HOLD_UNTIL_SCORED = envbool("TRIAGE_HOLD_UNTIL_SCORED", "true")
# Comments still unscored this many seconds after they were written are queued again by
# the workers' sweep (a web process killed between commit and enqueue, a failed task).
TRIAGE_SWEEP_AFTER = envint("TRIAGE_SWEEP_AFTER", 180)
TRIAGE_ABUSE_THRESHOLD = envfloat("TRIAGE_ABUSE_THRESHOLD", 0.5)
TRIAGE_OFFTOPIC_THRESHOLD = envfloat("TRIAGE_OFFTOPIC_THRESHOLD", 0.6)
TRIAGE_SPAM_THRESHOLD = envfloat("TRIAGE_SPAM_THRESHOLD", 0.8)
TRIAGE_HOLD_THRESHOLD = envfloat("TRIAGE_HOLD_THRESHOLD", 0.9)
# More links than this is spam (WordPress holds comments with more than 2 by default).
TRIAGE_MAX_LINKS = envint("TRIAGE_MAX_LINKS", 2)
# "minilm" (sentence embeddings, falls back to TF-IDF if the model is missing) or "tfidf".
TRIAGE_OFFTOPIC_MODEL = os.environ.get("TRIAGE_OFFTOPIC_MODEL", "minilm")
if TRIAGE_OFFTOPIC_MODEL not in ("minilm", "tfidf"):
    raise ImproperlyConfigured("TRIAGE_OFFTOPIC_MODEL must be minilm or tfidf")
TRIAGE_MODEL_THREADS = envint("TRIAGE_MODEL_THREADS", 1)

# Importing articles with their comments (admin "Import articles", manage.py
# import_articles). An upload waits in the database (so that any worker, on any machine,
# can import it) between the preview and the confirmation, for IMPORT_UPLOAD_MAX_AGE
# seconds; the admin's import then runs as a task, in a worker.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 100 * 1024 * 1024)
IMPORT_UPLOAD_MAX_AGE = envint("IMPORT_UPLOAD_MAX_AGE", 2 * 60 * 60)

# Logs go to standard error: one JSON object a line (DJANGO_LOG_FORMAT=json, the default
# with DEBUG off) or plain text; see config/logging.py and deploy/gunicorn.conf.py.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT") or ("text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# /healthz: each check is a function returning a short detail or raising; the task queue's
# backlog joins this list when there is a queue.
HEALTH_CHECKS = {
    "database": "config.health.check_database",
    "cache": "config.health.check_cache",
    "tasks": "config.health.check_tasks",
}

# Error reporting: on only when SENTRY_DSN is set.
if os.environ.get("SENTRY_DSN"):
    from config.logging import init_sentry

    init_sentry(os.environ["SENTRY_DSN"], debug=DEBUG)
