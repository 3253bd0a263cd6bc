"""The documented deployment, started for real and probed over HTTP.

From the files README.md's Deploy section tells an operator to use: DEBUG off, a real
secret, PostgreSQL, Redis, `migrate`, `collectstatic`, `create_moderator`, gunicorn with
deploy/gunicorn.conf.py and 2 workers, and the worker processes the README names (see
`worker_commands`). Requests go in as nginx (deploy/nginx/) would pass them on: with the
public host name, X-Forwarded-Proto: https and X-Real-IP.

Needs PostgreSQL (TEST_POSTGRES_URL; the smoke test makes and drops its own database, the
same name with `_smoke` after it) and Redis (TEST_REDIS_URL). Under CI=true a missing one
fails the test instead of skipping it. bin/test runs it in the PostgreSQL pass.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import zlib
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.test_headers import inline_parts

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/moderation")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
PORT = int(os.environ.get("SMOKE_PORT", "8231"))
DOWN_PORT = PORT + 1  # a second gunicorn whose database is unreachable
CLOSED_PORT = int(os.environ.get("SMOKE_CLOSED_PORT", "8299"))  # nothing listens here
HOST = "comments.example.org"
ORIGIN = f"https://{HOST}"
MIN_FORM_SECONDS = 3  # the default COMMENTS_MIN_FORM_SECONDS


def worker_commands(python: str) -> list[list[str]]:
    """The worker processes README.md's Deploy section names (one systemd unit each in
    deploy/systemd/), as those units start them. A new worker goes here and in the README."""
    return [
        [python, "manage.py", "db_worker", "--no-reload", "--worker-id", "smoke-1"],
        [python, "manage.py", "db_worker", "--no-reload", "--worker-id", "smoke-2"],
        [python, "manage.py", "housekeeping", "--every", "3600"],
    ]


def smoke_database_url() -> str:
    parts = urllib.parse.urlsplit(PG_URL)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_smoke"))


def _unavailable(what: str) -> None:
    message = f"the production smoke test needs {what}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _admin_connection():
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(PG_URL)
    return psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"],
                           password=cfg["PASSWORD"] or None, dbname="postgres",
                           connect_timeout=3, autocommit=True)


def _drop_database(name: str) -> None:
    from psycopg import sql

    with _admin_connection() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))


def _recreate_database(name: str) -> None:
    """The smoke test's own database (TEST_POSTGRES_URL's name + "_smoke"), made afresh."""
    from psycopg import sql

    _drop_database(name)
    with _admin_connection() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Browser:
    """A reader's browser, as nginx passes its requests on: cookies, CSRF, its address."""

    def __init__(self, ip: str, port: int = PORT):
        self.ip, self.port, self.cookies = ip, port, {}

    def request(self, method: str, path: str, data: dict | None = None,
                headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Real-IP": self.ip,
                "User-Agent": "smoke-test"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            sent.update({"Content-Type": "application/x-www-form-urlencoded",
                         "Origin": ORIGIN, "Referer": ORIGIN + path})
            if "csrftoken" in self.cookies:
                data.setdefault("csrfmiddlewaretoken", self.cookies["csrftoken"])
                body = urllib.parse.urlencode(data)
        sent.update(headers or {})
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, response.headers, text

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data, **kwargs):
        return self.request("POST", path, data=dict(data), **kwargs)

    def comment_form(self, slug: str) -> dict:
        status, _, html = self.get(f"/articles/{slug}/")
        assert status == 200, html[:500]
        token = re.search(r'name="fg_token" value="([^"]+)"', html).group(1)
        return {"fg_token": token, "website": "", "author_name": "Smoke Reader",
                "author_email": ""}


def _wait_for(port: int, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn on port {port} exited:\n{log.read_text()[-3000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
        finally:
            conn.close()
    pytest.fail(f"gunicorn on port {port} did not answer:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Deployment:
    def __init__(self, env: dict, logs: Path, db_url: str):
        self.env, self.logs, self.db_url = env, logs, db_url
        self.processes: dict[str, subprocess.Popen] = {}

    def manage(self, *args, **extra_env) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,
                                env={**self.env, **extra_env}, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def start(self, name: str, command: list[str], **extra_env) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        process = subprocess.Popen(command, cwd=ROOT, env={**self.env, **extra_env},
                                   stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def sql(self, query: str, *params):
        import psycopg

        with psycopg.connect(self.db_url.replace("postgres://", "postgresql://", 1),
                             autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def log_lines(self, name: str) -> list[dict]:
        lines = []
        for line in (self.logs / f"{name}.log").read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


ARTICLES = {
    "format": "newsroom-comments", "version": 1, "source": "smoke",
    "articles": [
        {"id": "1", "title": "Council votes on the new bridge", "slug": "bridge",
         "body": "The council voted on the new bridge over the river.",
         "published_at": "2026-11-01T08:00:00+00:00", "comment_policy": "post",
         "comments": []},
        {"id": "2", "title": "School meals go free", "slug": "meals",
         "body": "Every pupil gets a free school lunch from January.",
         "published_at": "2026-11-02T08:00:00+00:00", "comment_policy": "pre",
         "comments": []},
        {"id": "3", "title": "Rate limits", "slug": "flood", "body": "For the flood.",
         "published_at": "2026-11-03T08:00:00+00:00", "comment_policy": "post",
         "comments": []},
    ],
}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    try:
        _admin_connection().close()
    except Exception as error:  # noqa: BLE001  (any failure: PostgreSQL is not usable)
        _unavailable(f"PostgreSQL at {PG_URL} ({error})")
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        _unavailable(f"Redis at {REDIS_URL} ({error})")

    logs = tmp_path_factory.mktemp("smoke")
    db_url = smoke_database_url()
    name = urllib.parse.urlsplit(db_url).path.lstrip("/")
    _recreate_database(name)
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "GUNICORN_",
                                 "COMMENTS_", "TRIAGE_", "RATELIMIT_", "AXES_"))}
    # The README's production environment; only the names and addresses are this machine's.
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_CSRF_TRUSTED_ORIGINS": ORIGIN,
        "DJANGO_SECURE": "true",
        "DATABASE_URL": db_url,
        "REDIS_URL": REDIS_URL,
        # A prefix of its own, so that this run's counts start from zero in a shared Redis.
        "CACHE_KEY_PREFIX": f"smoke-{secrets.token_hex(4)}",
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP",
        "GUNICORN_BIND": f"127.0.0.1:{PORT}",
        "GUNICORN_WORKERS": "2",
    }
    deploy = Deployment(env, logs, db_url)
    deploy.manage("migrate", "--noinput")
    deploy.manage("collectstatic", "--noinput")
    deploy.manage("check", "--deploy", "--fail-level", "WARNING")
    out = deploy.manage("create_moderator", "mona")
    deploy.moderator_password = out.strip().rsplit(" ", 1)[-1]
    export = logs / "articles.json"
    export.write_text(json.dumps(ARTICLES))
    deploy.manage("import_articles", str(export))

    python = str(Path(sys.executable))
    gunicorn = [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
    web = deploy.start("web", gunicorn)
    for number, command in enumerate(worker_commands(python), start=1):
        deploy.start(f"worker{number}", command)
    _wait_for(PORT, web, logs / "web.log")
    try:
        yield deploy
    finally:
        for process in deploy.processes.values():
            _stop(process)
        _drop_database(name)


def post_comment(browser: Browser, slug: str, form: dict, body: str):
    return browser.post(f"/articles/{slug}/comments/", {**form, "body": body})


def comment_row(deploy, body: str):
    rows = deploy.sql("SELECT id, status, triaged_at FROM moderation_comment WHERE body = %s",
                      body)
    assert len(rows) == 1, rows
    return rows[0]


def wait_until_scored(deploy, body: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pk, status, triaged_at = comment_row(deploy, body)
        if triaged_at is not None:
            return pk, status
        time.sleep(0.5)
    pytest.fail(f"the comment was not scored within {seconds} s:\n"
                + (deploy.logs / "web.log").read_text()[-3000:])


def moderator(deploy) -> Browser:
    browser = Browser("198.51.100.20")
    browser.get("/accounts/login/")
    status, headers, _ = browser.post("/accounts/login/", {
        "login": "mona", "password": deploy.moderator_password, "next": "/moderation/"})
    assert status == 302 and headers["Location"] == "/moderation/"
    return browser


def test_a_reader_posts_the_comment_is_scored_and_a_moderator_decides(deployment):
    reader = Browser("203.0.113.10")
    form = reader.comment_form("bridge")
    time.sleep(MIN_FORM_SECONDS + 0.2)
    body = "Will the bridge have a cycle lane? The council should say before it votes."
    status, headers, _ = post_comment(reader, "bridge", form, body)
    assert status == 302, headers
    pk, status = wait_until_scored(deployment, body)
    assert status == "approved"  # post-moderated: published at once
    assert body in Browser("203.0.113.11").get("/articles/bridge/")[2]

    mona = moderator(deployment)
    status, _, queue = mona.get("/moderation/?tab=all&sort=newest")
    assert status == 200 and body in queue
    status, _, _ = mona.post(f"/moderation/comments/{pk}/hide/", {
        "expected_status": "approved", "reason": "off_topic", "note": "smoke test"})
    assert status == 302
    assert comment_row(deployment, body)[1] == "hidden"
    assert body not in Browser("203.0.113.12").get("/articles/bridge/")[2]
    events = deployment.sql("SELECT action FROM moderation_moderationevent WHERE comment_id = %s"
                            " ORDER BY id", pk)
    assert [e[0] for e in events][0] == "posted" and "hidden" in [e[0] for e in events]

    # Pre-moderated: nobody else sees it until the moderator approves it.
    form = reader.comment_form("meals")
    time.sleep(MIN_FORM_SECONDS + 0.2)
    body = "Free lunches will help the families on our street a great deal."
    assert post_comment(reader, "meals", form, body)[0] == 302
    pk, status = wait_until_scored(deployment, body)
    assert status == "pending"
    assert body not in Browser("203.0.113.13").get("/articles/meals/")[2]
    assert mona.post(f"/moderation/comments/{pk}/approve/",
                     {"expected_status": "pending"})[0] == 302
    assert body in Browser("203.0.113.13").get("/articles/meals/")[2]


def test_forty_readers_post_at_once_without_a_single_error(deployment):
    readers = [Browser(f"192.0.2.{i}") for i in range(1, 41)]
    forms = [reader.comment_form("bridge") for reader in readers]
    time.sleep(MIN_FORM_SECONDS + 0.2)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(
            lambda i: post_comment(readers[i], "bridge", forms[i],
                                   f"Reader {i} has a view on the bridge.")[0],
            range(40)))
    assert statuses == [302] * 40
    assert deployment.sql("SELECT count(*) FROM moderation_comment WHERE body LIKE %s",
                          "Reader % has a view on the bridge.")[0][0] == 40


def _seconds_left_in_window(ip: str, period: int = 60) -> float:
    """django-ratelimit's window for this address ends at a fixed offset (a CRC of the
    key value) in each period; see django_ratelimit.core._get_window."""
    now = time.time()
    end = now - (now % period) + (zlib.crc32(ip.encode()) % period)
    if end < now:
        end += period
    return end - now


def test_the_rate_limits_hold_exactly_across_both_workers(deployment):
    ip = "203.0.113.99"
    if _seconds_left_in_window(ip) < 15:  # keep the burst inside one window
        time.sleep(_seconds_left_in_window(ip) + 1)
    browsers = [Browser(ip) for _ in range(12)]  # a fresh session for each post
    forms = [b.comment_form("flood") for b in browsers]
    time.sleep(MIN_FORM_SECONDS + 0.2)
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(
            # A sentence each: a word or two alone would be held as noise by the triage.
            lambda i: post_comment(browsers[i], "flood", forms[i],
                                   f"Flood {i}: a reader with something to say")[0],
            range(12)))
    assert sorted(statuses) == [302] * 5 + [429] * 7  # COMMENTS_POST_RATE 5/m
    assert deployment.sql("SELECT count(*) FROM moderation_comment WHERE body LIKE %s",
                          "Flood %")[0][0] == 5
    pids = {line["pid"] for line in deployment.log_lines("web")
            if line.get("name") == "gunicorn.access" and line.get("client_ip") == ip
            and line.get("method") == "POST"}
    assert len(pids) == 2, "both workers answered some of the posts"

    # Reports: one per address per comment whatever the session; then 10/m per address.
    pk, body = deployment.sql("SELECT id, body FROM moderation_comment WHERE body LIKE %s "
                              "ORDER BY id LIMIT 1", "Flood %")[0]
    # Published once a worker has scored it and found nothing; only then can it be reported.
    assert wait_until_scored(deployment, body)[1] == "approved"
    statuses = []
    for _ in range(12):
        reporter = Browser("203.0.113.98")
        reporter.get("/articles/flood/")  # a new session and CSRF cookie each time
        statuses.append(reporter.post(f"/articles/flood/comments/{pk}/report/",
                                      {"reason": "spam", "note": "", "website": ""})[0])
    assert statuses == [302] * 10 + [429] * 2
    assert deployment.sql("SELECT count(*) FROM moderation_flag WHERE comment_id = %s", pk
                          )[0][0] == 1


def test_a_login_is_locked_after_five_wrong_passwords(deployment):
    guesser = Browser("203.0.113.66")
    guesser.get("/accounts/login/")
    statuses = [guesser.post("/accounts/login/", {"login": "mona", "password": f"x{i}"})[0]
                for i in range(5)]
    assert statuses == [200] * 4 + [429]
    status, _, html = guesser.post("/accounts/login/", {
        "login": "mona", "password": deployment.moderator_password})
    assert status == 429 and "Too many wrong passwords" in html
    deployment.manage("axes_reset_username", "mona")


def test_pages_carry_the_security_headers_and_no_inline_code(deployment):
    status, headers, html = Browser("203.0.113.40").get("/articles/bridge/")
    assert status == 200
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "camera=()" in headers["Permissions-Policy"]
    assert inline_parts(html) == []
    # Static files come from collectstatic's output, with hashed names.
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html).group(1)
    assert Browser("203.0.113.40").get(css)[0] == 200
    # Plain HTTP is sent to HTTPS.
    status, headers, _ = Browser("203.0.113.40").get(
        "/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301 and headers["Location"] == f"https://{HOST}/"


def test_healthz_answers_the_load_balancer_and_logs_are_json(deployment):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    conn.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{PORT}"})  # plain HTTP, IP
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 200, body
    assert body["checks"]["database"] == {**body["checks"]["database"], "ok": True,
                                          "detail": "postgresql"}
    assert body["checks"]["cache"]["detail"] == "RedisCache"
    lines = deployment.log_lines("web")
    access = [line for line in lines if line.get("name") == "gunicorn.access"]
    assert any(line["path"] == "/healthz" and line["status"] == 200 for line in access)
    assert all({"time", "level", "pid", "status", "duration_ms"} <= set(line) for line in access)
    for name, process in deployment.processes.items():
        assert process.poll() is None, f"{name} stopped"


def test_healthz_is_503_naming_the_database_when_it_is_unreachable(deployment):
    down = deployment.start(
        "web-db-down", [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/nowhere",
        GUNICORN_BIND=f"127.0.0.1:{DOWN_PORT}", GUNICORN_WORKERS="1")
    try:
        _wait_for(DOWN_PORT, down, deployment.logs / "web-db-down.log")
        conn = http.client.HTTPConnection("127.0.0.1", DOWN_PORT, timeout=30)
        conn.request("GET", "/healthz", headers={"Host": "10.0.0.5"})
        response = conn.getresponse()
        body = json.loads(response.read())
        assert response.status == 503
        assert body["failing"] == ["database", "tasks"]  # the task queue is in the database
        assert body["checks"]["cache"]["ok"] is True
        status, headers, html = Browser("203.0.113.41", port=DOWN_PORT).get("/")
        assert status == 503 and "We cannot reach our database or cache just now" in html
        assert headers["Retry-After"] == "30"
    finally:
        _stop(down)
