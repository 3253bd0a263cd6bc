"""Two moderators on gunicorn with two worker processes: the live queue holds nothing in a
process, so whichever worker answers a poll, mona sees what omar did within 5 seconds.

Starts gunicorn from deploy/gunicorn.conf.py (GUNICORN_WORKERS=2) on its own PostgreSQL
database (TEST_POSTGRES_URL's name plus `_live`, made and dropped, as the smoke test
does) with Redis as the shared cache when TEST_REDIS_URL answers (else the database
cache, which every process shares too). Port LIVE_GUNICORN_PORT (8320). Chromium drives
two browser contexts, one per moderator; a reader's comment is posted through
services.post_comment (in a `manage.py shell` on that database).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_production_smoke import (
    PG_URL,
    REDIS_URL,
    _admin_connection,
    _drop_database,
    _recreate_database,
    _stop,
    _wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("LIVE_GUNICORN_PORT", "8320"))
SLUG = "trump-kazakhstan-joins-abraham-accords"


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _redis_answers() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:  # noqa: BLE001  (any failure: use the database cache)
        return False
    return True


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    try:
        _admin_connection().close()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"needs PostgreSQL at {PG_URL} ({error})")
    parts = urllib.parse.urlsplit(PG_URL)
    db_url = urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_live"))
    name = urllib.parse.urlsplit(db_url).path.lstrip("/")
    _recreate_database(name)
    logs = tmp_path_factory.mktemp("live-gunicorn")
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "GUNICORN_", "TRIAGE_",
                                 "MODERATION_", "CACHE_"))}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": db_url,
        "CACHE_KEY_PREFIX": f"live-{secrets.token_hex(4)}",
        "TRIAGE_ENABLED": "false",  # no task workers here: comments wait for no scores
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_WORKERS": "2",
        "MODERATION_LIVE_POLL": "1",
    }
    if _redis_answers():
        env["REDIS_URL"] = REDIS_URL
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    _manage(env, "loaddata", "seed")
    passwords = {}
    for username in ("mona", "omar"):
        out = _manage(env, "create_moderator", username)
        passwords[username] = out.strip().rsplit(" ", 1)[-1]
    log = logs / "web.log"
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                           cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_for(PORT, web, log)
        yield {"url": f"http://127.0.0.1:{PORT}", "env": env, "passwords": passwords,
               "log": log, "db_url": db_url}
    finally:
        _stop(web)
        _drop_database(name)


def sql(server, query: str, *params):
    import psycopg

    with psycopg.connect(server["db_url"].replace("postgres://", "postgresql://", 1),
                         autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def log_in(page, server, username: str) -> None:
    page.goto(f"{server['url']}/accounts/login/?next=/moderation/%3Fsort%3Doldest")
    page.fill("#id_username", username)
    page.fill("#id_password", server["passwords"][username])
    page.click("button[type=submit]")
    expect(page.locator("[data-mod-card].is-active")).to_have_count(1)


def test_two_moderators_on_two_gunicorn_workers_see_each_other_within_5_seconds(
    server, browser
):
    mona_context, omar_context = browser.new_context(), browser.new_context()
    mona, omar = mona_context.new_page(), omar_context.new_page()
    log_in(mona, server, "mona")
    log_in(omar, server, "omar")
    first_id = mona.locator("[data-mod-card]").first.get_attribute("id")
    third_id = mona.locator("[data-mod-card]").nth(2).get_attribute("id")

    # Omar's active card shows on mona's page (presence in the shared cache, whichever
    # worker each poll reached).
    omar.keyboard.press("j")
    omar.keyboard.press("j")
    expect(omar.locator(f"#{third_id}")).to_have_class(re.compile(r"\bis-active\b"))
    expect(mona.locator(f"#{third_id}")).to_contain_text("omar is looking", timeout=5000)
    omar.keyboard.press("k")
    omar.keyboard.press("k")

    # Omar hides the first card; mona's page says so within 5 s, and the card leaves.
    first = omar.locator(f"#{first_id}")
    first.locator('[data-mod-panel="hide"] summary').click()
    first.locator('[data-mod-panel="hide"] label', has_text="Spam").click()
    first.locator("button", has_text="Hide comment").click()
    expect(first).to_have_attribute("data-status", "hidden")
    expect(mona.locator(f"#{first_id}")).to_contain_text("Hidden by omar as spam", timeout=5000)
    expect(mona.locator(f"#{first_id}")).to_have_count(0, timeout=6000)

    # A reader posts: both queues announce it within 5 s.
    _manage(server["env"], "shell", "-c", (
        "from articles.models import Article; from moderation import services; "
        f"services.post_comment(article=Article.objects.get(slug='{SLUG}'), "
        "author_name='Nadia', body='Live from the press conference.')"))
    for page in (mona, omar):
        expect(page.locator("[data-mod-arrivals-text]")).to_have_text("1 new:", timeout=5000)

    # Mona's tab counts match the database.
    real = dict(sql(server, "SELECT status, count(*) FROM moderation_comment GROUP BY status"))
    total = sum(real.values())
    for key, expected in (("pending", real.get("pending", 0)),
                          ("hidden", real.get("hidden", 0)), ("all", total)):
        expect(mona.locator(f'#mod-tabs [data-tab="{key}"] [data-count]')).to_have_text(
            f"{expected:,}", timeout=5000)
    needs_review = sql(server, "SELECT count(*) FROM moderation_comment WHERE "
                               "status = 'pending' OR flagged OR reported")[0][0]
    expect(mona.locator('#mod-tabs [data-tab="needs_review"] [data-count]')).to_have_text(
        f"{needs_review:,}")

    mona_context.close()
    omar_context.close()
