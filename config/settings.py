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
    "allauth",  # readers' accounts: sign-up with a verified email, login, password reset
    "allauth.account",
    "articles",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
    # locked" when two requests upgrade read transactions to writes at the same time.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
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
LOGOUT_REDIRECT_URL = "/"

# Readers' accounts (django-allauth; articles/accounts.py). Moderators log in with their
# username, readers with either; a reader's email must be verified before they can log in.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
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
# django-axes (issue 12) reads the username on both login pages with this:
# AXES_USERNAME_CALLABLE = "articles.accounts.axes_username"

# Email: printed to the console in development; SMTP (EMAIL_HOST etc.) otherwise.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "comments@localhost")

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
# Score new comments in a background thread (after commit) rather than in the request.
TRIAGE_BACKGROUND = envbool("TRIAGE_BACKGROUND", "true")
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
# At exit, how long to wait for the background thread to score what is still queued.
TRIAGE_EXIT_WAIT = envint("TRIAGE_EXIT_WAIT", 300)

# Importing articles with their comments (admin "Import articles", manage.py
# import_articles). Uploads wait between the preview and the confirmation in
# IMPORT_UPLOAD_DIR (private to the server, never served) for IMPORT_UPLOAD_MAX_AGE seconds.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 100 * 1024 * 1024)
IMPORT_UPLOAD_DIR = Path(os.environ.get("IMPORT_UPLOAD_DIR") or BASE_DIR / "var" / "imports")
IMPORT_UPLOAD_MAX_AGE = envint("IMPORT_UPLOAD_MAX_AGE", 2 * 60 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
