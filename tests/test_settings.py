import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_the_app_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_check(DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_app_starts_with_a_secret_key():
    result = run_check(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_a_bad_boolean_is_a_clear_error():
    result = run_check(DJANGO_DEBUG="maybe")
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def setting(expression: str, **env) -> str:
    """`expression` (of `settings`) as the app reads it in a process started with `env`
    (development mode, none of this process's settings)."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CACHE_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="true")
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_web_process_bounds_each_postgres_statement():
    postgres = "postgres://postgres@127.0.0.1:5432/unused"

    def options(**extra):
        return setting("settings.DATABASES['default']['OPTIONS'].get('options', 'none')",
                       DATABASE_URL=postgres, **extra)

    assert options() == "none"
    assert options(DATABASE_STATEMENT_TIMEOUT="30") == "-c statement_timeout=30000"
    # gunicorn reads its settings file before it loads the app in each worker.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    loaded = subprocess.run(
        [sys.executable, "-c", "import os, runpy; runpy.run_path('deploy/gunicorn.conf.py'); "
                               "print(os.environ['DATABASE_STATEMENT_TIMEOUT'])"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert loaded.stdout.strip() == "30", loaded.stderr


def test_an_imports_progress_is_kept_under_the_sites_cache_prefix():
    redis = "redis://127.0.0.1:6379/9"
    prefix = "settings.CACHES['progress']['KEY_PREFIX']"

    assert setting(prefix, REDIS_URL=redis) == "progress"
    assert setting(prefix, REDIS_URL=redis, CACHE_KEY_PREFIX="siteb") == "siteb:progress"
