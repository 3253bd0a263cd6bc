"""Settings, all from the environment so one file serves a laptop and production.

SQLite is the default so a fresh checkout runs with no set-up; point DATABASE_URL at
PostgreSQL for anything shared.
"""

import os
from pathlib import Path

import dj_database_url
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
    "articles",
    # Before django_tasks_db: moderation's `db_worker` (django-tasks-db's worker plus
    # recovery and the triage sweep, moderation/workers.py) takes the command's name.
    "moderation",
    "django_tasks",
    "django_tasks_db",
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
    "django_htmx.middleware.HtmxMiddleware",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = None  # show registration/logged_out.html

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
MEDIA_ROOT = BASE_DIR / "media"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    if os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# An import's progress, written by the worker while its transaction is still open (where
# the database would not show it to the web, and on SQLite would block on the import's
# write lock): Redis when there is one, else files beside the app, which every process
# on this machine shares (set REDIS_URL when workers run on several machines).
CACHES["progress"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache",
     "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": "progress"}
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
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if envbool("DJANGO_SECURE"):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 3600)

# Comments
COMMENTS_PER_PAGE = envint("COMMENTS_PER_PAGE", 50)  # top-level comments, with their replies
COMMENTS_MAX_DEPTH = envint("COMMENTS_MAX_DEPTH", 16)  # levels, the top level counted
COMMENTS_BODY_MAX_LENGTH = 5000  # characters, line breaks counted as one

# Keeping bots and floods out of reader posting and reporting. A form sent sooner than
# COMMENTS_MIN_FORM_SECONDS after it was shown is a bot's (0 turns the check off); one
# older than COMMENTS_FORM_MAX_AGE is refused and shown again with a fresh timestamp.
FORMGUARD_TOKEN_MIN_SECONDS = envint("COMMENTS_MIN_FORM_SECONDS", 3)
FORMGUARD_TOKEN_MAX_SECONDS = envint("COMMENTS_FORM_MAX_AGE", 24 * 60 * 60)
# Per-client limits (django-ratelimit syntax, "5/m" = 5 a minute; empty = no limit).
# They count in the default cache: set REDIS_URL when running several processes, or
# each process keeps its own count.
COMMENTS_POST_RATE = os.environ.get("COMMENTS_POST_RATE", "5/m") or None
COMMENTS_REPORT_RATE = os.environ.get("COMMENTS_REPORT_RATE", "10/m") or None
# The same text from the same client (IP address or session) within this many seconds is
# refused as a duplicate.
COMMENTS_DUPLICATE_SECONDS = envint("COMMENTS_DUPLICATE_SECONDS", 600)
# Clients are told apart by REMOTE_ADDR. Behind a reverse proxy every request would come
# from the proxy: make the proxy overwrite a header with the client's address (e.g.
# X-Real-IP) and name it here as a request.META key (HTTP_X_REAL_IP). Never trust a
# header the client can set itself.
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or "REMOTE_ADDR"

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
