"""Settings for the test suite: the real settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files straight from the apps in tests; there is no collectstatic run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# django-axes needs the request in every authenticate() call, which Django's test client
# login() does not pass; the lockout tests turn it on (tests/test_login_lockout.py).
AXES_ENABLED = False
# One process, and tests without database access clear the cache too (tests/conftest.py):
# the per-process cache serves here. tests/test_cache.py tests the database cache that
# production uses without Redis, and the smoke test runs with Redis.
# The database cache is configured as a second alias so that migrate makes its table in
# the test database, as it does in production.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": {"BACKEND": "config.cache.AtomicDatabaseCache", "LOCATION": "django_cache"},
}
# Tasks run at once, in the test's own thread, when they are enqueued (after commit);
# tests/test_worker_process.py runs a real `manage.py db_worker` on the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Each test asks the cache on every request: several tests change or empty the cache behind
# the services' back, which a worker's short-lived copy of a page would not notice in time
# (tests/test_reader_cache.py turns the copy on where it is tested).
COMMENTS_PAGE_RECHECK_SECONDS = 0
