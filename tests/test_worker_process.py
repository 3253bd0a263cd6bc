"""Real processes on a file SQLite database, as bin/run runs them: a `manage.py db_worker`
scores what was posted, runs again a task its dead predecessor left running and sweeps up
a comment nothing had queued; and an import, a rescoring and 50 posts at once, beside a
worker, never meet "database is locked".

These start processes and load the triage models in them, so they take a while; they
check what happened, never how fast.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import build_wxr
from tests.test_triage_scoring import ABUSIVE, ARTICLE, ON_TOPIC

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 180  # seconds; far more than the work needs, on a busy shared machine


@pytest.fixture
def app_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}", TRIAGE_ENABLED="true",
        PROGRESS_CACHE_DIR=str(tmp_path / "progress"), TASKS_WORKER_BEAT="1",
        TRIAGE_SWEEP_AFTER="60", PYTHONUNBUFFERED="1",
    )
    run(env, "migrate", "-v0")
    return env


def run(env, *args, check=True, timeout=DEADLINE) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def start(env, *args, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def start_worker(env, log: Path) -> subprocess.Popen:
    return start(env, "db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay",
                 log=log)


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def query(env, sql: str, *params):
    db = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"), timeout=30)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def wait_until(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


SETUP = f"""
import os, subprocess, sys
from datetime import timedelta
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from moderation import services, tasks
from moderation.models import Comment, TaskWorker
from tests.factories import make_article, make_comment

article = make_article(slug="accords", body={ARTICLE!r}, comment_policy="post")
services.post_comment(article=article, author_name="Abe", body={ABUSIVE!r})
services.post_comment(article=article, author_name="Ona", body={ON_TOPIC!r})

# A worker that was killed (kill -9) while scoring a comment: its process is gone and its
# task still says RUNNING.
gone = subprocess.Popen([sys.executable, "-c", "pass"]); gone.wait()
now = timezone.now()
TaskWorker.objects.create(worker_id="killed", host=__import__("socket").gethostname(),
                          pid=gone.pid, started_at=now, seen_at=now)
orphan = make_comment(article, body="Israel and Kazakhstan have had relations since 1992.",
                      author_name="Orphan", status="pending")
result = tasks.score_comments.enqueue([orphan.pk])
DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=now,
                                                 worker_ids=["killed"])

# A comment whose web process died between its commit and the enqueue.
make_comment(article, body="Tokayev and Netanyahu spoke before the announcement.",
             author_name="Lost", status="pending",
             created=now - timedelta(minutes=10))
"""


def test_a_worker_scores_posts_recovers_a_dead_workers_task_and_sweeps(app_env, tmp_path):
    run(app_env, "shell", "-c", SETUP)
    assert query(app_env, "SELECT count(*) FROM moderation_comment "
                          "WHERE triaged_at IS NULL") == [(4,)]

    worker = start_worker(app_env, tmp_path / "worker.log")
    try:
        wait_until(lambda: query(app_env, "SELECT count(*) FROM moderation_comment WHERE "
                                          "triaged_at IS NULL") == [(0,)], "all scored")
    finally:
        code = stop(worker)
    output = (tmp_path / "worker.log").read_text()
    assert code == 0, output

    statuses = dict(query(app_env, "SELECT author_name, status FROM moderation_comment"))
    assert statuses == {"Abe": "pending", "Ona": "approved", "Orphan": "pending",
                        "Lost": "pending"}
    flags = query(app_env, "SELECT c.author_name, f.reason FROM moderation_flag f "
                           "JOIN moderation_comment c ON c.id = f.comment_id")
    assert flags == [("Abe", "abusive")]
    events = query(app_env, "SELECT c.author_name, e.action, e.actor_label FROM "
                            "moderation_moderationevent e JOIN moderation_comment c ON "
                            "c.id = e.comment_id WHERE e.action != 'posted' ORDER BY e.id")
    assert sorted(events) == [("Abe", "flagged", "automatic"), ("Abe", "held", "automatic"),
                              ("Ona", "published", "automatic")]
    assert query(app_env, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult "
                          "GROUP BY status") == [("SUCCESSFUL", 4)]
    assert "was running on dead worker killed; queued again" in output
    assert "Sweep: 1 comment(s) still unscored" in output
    # A worker stopped with SIGTERM signs off.
    assert query(app_env, "SELECT count(*) FROM moderation_taskworker") == [(0,)]


POSTS = """
import threading
from django.db import connection
from articles.models import Article
from moderation import services

article = Article.objects.get(slug="busy")
errors = []

def post(n):
    try:
        for i in range(5):
            services.post_comment(article=article, author_name=f"Reader {n}",
                                  body=f"Comment {i} from reader {n} on the accords.")
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=post, args=(n,)) for n in range(10)]
for t in threads: t.start()
for t in threads: t.join()
print("errors:", errors)
assert not errors
"""


def test_an_import_a_rescoring_and_fifty_posts_at_once_never_find_the_database_locked(
        app_env, tmp_path):
    export = tmp_path / "big.xml"
    export.write_text(build_wxr([
        {"post_id": p, "title": f"Post {p}", "comments": [
            {"id": p * 100 + c, "approved": "0" if c % 3 == 0 else "1",
             "content": f"Comment {c} on post {p}, about the accords"} for c in range(40)]}
        for p in range(1, 51)]), encoding="utf-8")
    run(app_env, "shell", "-c",
        "from tests.factories import make_article, make_comment\n"
        "a = make_article(slug='busy', comment_policy='post')\n"
        "[make_comment(a, body=f'Old comment {i}', status='approved') for i in range(200)]")
    worker = start_worker(app_env, tmp_path / "worker.log")
    logs = {name: tmp_path / f"{name}.log" for name in ("import", "rescore", "posts")}
    try:
        processes = {
            "import": start(app_env, "import_articles", str(export), "--brief",
                            log=logs["import"]),
            "rescore": start(app_env, "triage_comments", "--all", log=logs["rescore"]),
            "posts": start(app_env, "shell", "-c", POSTS, log=logs["posts"]),
        }
        codes = {name: p.wait(timeout=DEADLINE) for name, p in processes.items()}
    finally:
        stop(worker)
    outputs = {name: log.read_text() for name, log in logs.items()}
    outputs["worker"] = (tmp_path / "worker.log").read_text()
    assert codes == {"import": 0, "rescore": 0, "posts": 0}, outputs
    for name, output in outputs.items():
        assert "locked" not in output.lower(), (name, output)
    assert "Scored all 700 imported pending comment(s)." in outputs["import"]
    assert query(app_env, "SELECT count(*) FROM moderation_comment c JOIN articles_article "
                          "a ON a.id = c.article_id WHERE a.slug = 'busy'") == [(250,)]
    assert query(app_env, "SELECT count(*) FROM moderation_comment") == [(2250,)]
