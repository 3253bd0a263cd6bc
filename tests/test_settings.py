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
