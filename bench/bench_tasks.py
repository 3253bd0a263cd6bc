"""Background work in real processes: web-worker memory with and without the triage
models, post→scored latency with one task worker, 200 parallel posts scored once each by
2 web + 2 task workers, and an import through the admin (a task) against the command.

    DJANGO_DEBUG=1 .venv/bin/python bench/bench_tasks.py [--latency-posts 40]
        [--parallel 200] [--comments 100000] [--articles 1000] [--port 8510]

A scratch SQLite file, or the database BENCH_DATABASE_URL names (PostgreSQL: dropped and
made anew). gunicorn and `manage.py db_worker` run as separate processes on 127.0.0.1,
as a deployment runs them; every figure is read from the database or /proc.
"""

import argparse
import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import ROOT, setup_django  # noqa: E402
from bench.bench_import import generate  # noqa: E402

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Processes:
    """The app's processes, each in its own process group, stopped together."""

    def __init__(self, env: dict, logs: Path):
        self.env, self.logs, self.running = env, logs, []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("a")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(process)
        return process

    def web(self, port: int, workers: int = 2, app: str = "config.wsgi") -> subprocess.Popen:
        process = self.start("gunicorn", sys.executable, "-m", "gunicorn", app, "--bind",
                             f"127.0.0.1:{port}", "--workers", str(workers))
        wait_for(lambda: get(f"http://127.0.0.1:{port}/healthz", quiet=True), "gunicorn")
        return process

    def worker(self) -> subprocess.Popen:
        return self.start("worker", sys.executable, "manage.py", "db_worker", "--no-reload",
                          "--interval", "0.2", "--no-startup-delay")

    def stop(self, process: subprocess.Popen) -> None:
        # A worker stopped with SIGTERM finishes its task first (a batch can take a while
        # on a busy machine); past ten minutes it is killed.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process)


def wait_for(condition, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def get(url: str, opener=None, quiet=False) -> str | None:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=30) as response:
            return response.read().decode()
    except OSError:
        if quiet:
            return None
        raise


def client():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def post_form(opener, url: str, fields: dict) -> str:
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data)  # noqa: S310 (our own http URL)
    with opener.open(request, timeout=60) as response:
        return response.read().decode()


def post_comment(base: str, slug: str, n: int) -> None:
    """A reader's post, as a browser sends it: the page's form, then its POST."""
    opener = client()
    page = get(f"{base}/articles/{slug}/", opener)
    fields = dict(HIDDEN.findall(page.split('id="comment-form"', 1)[1].split("</form>", 1)[0]))
    fields.update(author_name=f"Reader {n}", author_email="",
                  body=f"Reader {n} thinks the accords matter for Kazakhstan and Israel.")
    post_form(opener, f"{base}/articles/{slug}/comments/", fields)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                           text=True).stdout.split()
    return [int(p) for p in found]


def web_rss(procs: Processes, port: int, app: str, slug: str) -> float:
    """Median RSS of gunicorn's workers after serving readers (pages and posts)."""
    master = procs.web(port, app=app)
    base = f"http://127.0.0.1:{port}"
    for n in range(20):
        post_comment(base, slug, 10_000 + n)
        get(f"{base}/articles/{slug}/")
    sizes = [rss_mb(pid) for pid in children(master.pid)]
    procs.stop(master)
    return statistics.median(sizes)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-posts", type=int, default=40)
    parser.add_argument("--parallel", type=int, default=200)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8510)
    parser.add_argument("--scoring-timeout", type=int, default=3600,
                        help="how long to let one worker score the imported comments")
    args = parser.parse_args()

    os.environ.update(TRIAGE_ENABLED="true", COMMENTS_POST_RATE="", COMMENTS_REPORT_RATE="",
                      COMMENTS_MIN_FORM_SECONDS="0", DJANGO_ALLOWED_HOSTS="127.0.0.1",
                      DJANGO_DEBUG="true")
    os.environ.pop("REDIS_URL", None)
    url = setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from articles.models import Article, ImportJob
    from moderation import services, tasks
    from moderation.models import Comment, Flag, ModerationEvent

    scratch = Path(tempfile.mkdtemp())
    env = {**os.environ, "DATABASE_URL": url, "PROGRESS_CACHE_DIR": str(scratch / "progress"),
           "DJANGO_SETTINGS_MODULE": "config.settings", "TASKS_WORKER_BEAT": "2"}
    procs = Processes(env, scratch)
    print(f"database: {connection.vendor}; logs in {scratch}")
    body = ("Kazakhstan has joined the Abraham Accords, the agreements between Israel and "
            "Arab and Muslim-majority countries.")
    article = Article.objects.create(title="Kazakhstan joins the Abraham Accords",
                                     slug="accords", body=body, comment_policy="post")
    try:
        # 1. Memory of a web worker: now (models never load in the web), and as before
        # (bench/_wsgi_with_models.py loads them at start, as the old background thread
        # did on the first post).
        without = web_rss(procs, args.port, "config.wsgi", article.slug)
        with_models = web_rss(procs, args.port, "bench._wsgi_with_models", article.slug)
        print(f"\ngunicorn worker RSS after 20 posts and pages: {without:.0f} MB without the "
              f"models (now), {with_models:.0f} MB with them (before)")

        # 2. post→scored latency with one worker (polling every 0.2 s).
        worker = procs.worker()
        first = services.post_comment(article=article, author_name="Warm", body=body)
        wait_for(lambda: Comment.objects.filter(pk=first.pk, triaged_at__isnull=False)
                 .exists(), "the worker's first scoring (loads the models)")
        print(f"task worker RSS with the models loaded: {rss_mb(worker.pid):.0f} MB")
        posted = []
        for n in range(args.latency_posts):
            posted.append(services.post_comment(article=article, author_name=f"L{n}",
                                                body=f"{body} Reader {n} agrees.").pk)
            time.sleep(0.5)
        wait_for(lambda: not Comment.objects.filter(pk__in=posted, triaged_at__isnull=True)
                 .exists(), "latency posts scored")
        latencies = [(c.triaged_at - c.created).total_seconds()
                     for c in Comment.objects.filter(pk__in=posted)]
        print(f"post→scored with one worker (--interval 0.2), {len(posted)} posts 0.5 s "
              f"apart: p50 {percentile(latencies, 0.5):.2f} s, "
              f"p95 {percentile(latencies, 0.95):.2f} s")

        # 3. 2 web workers + 2 task workers, posts in parallel over HTTP.
        procs.worker()
        web = procs.web(args.port)
        target = Article.objects.create(title=article.title, slug="parallel", body=body,
                                        comment_policy="post")
        started = time.perf_counter()
        threads = [threading.Thread(target=lambda n=n: post_comment(
            f"http://127.0.0.1:{args.port}", target.slug, n)) for n in range(args.parallel)]
        for batch in range(0, len(threads), 20):  # 20 readers at a time
            for thread in threads[batch:batch + 20]:
                thread.start()
            for thread in threads[batch:batch + 20]:
                thread.join()
        comments = Comment.objects.filter(article=target)
        wait_for(lambda: comments.count() == args.parallel
                 and not comments.filter(triaged_at__isnull=True).exists(), "parallel posts")
        elapsed = time.perf_counter() - started
        flags = Flag.objects.filter(comment__article=target, source="automatic")
        doubled = flags.values("comment", "reason").annotate(n=Count("id")).filter(n__gt=1)
        events = ModerationEvent.objects.filter(comment__article=target, action="flagged")
        ids = set(comments.values_list("pk", flat=True))
        scored = sum(
            (result or {}).get("scored", 0)
            for args_kwargs, result in DBTaskResult.objects.filter(
                task_path=tasks.SCORE_TASK_PATH).values_list("args_kwargs", "return_value")
            if set(args_kwargs["args"][0]) & ids)
        print(f"{args.parallel} posts over HTTP in parallel (2 gunicorn + 2 task workers): "
              f"all scored {elapsed:.1f} s after the first; scoring tasks report "
              f"{scored} comments scored; automatic flags {flags.count()}, "
              f"doubled {doubled.count()}, their audit rows {events.count()}; published "
              f"{comments.filter(status='approved').count()}")
        procs.stop(web)

        # 4. An import through the admin (a task, in a worker) and through the command.
        export = scratch / "export.xml"
        made = generate(export, args.comments, args.articles)
        second = scratch / "export-2.xml"
        second.write_text(export.read_text().replace("bench.example.org", "bench2.example.org"))
        get_user_model().objects.create_superuser("bench", "bench@example.org", "bench-pass-1")
        web = procs.web(args.port)
        base = f"http://127.0.0.1:{args.port}"
        admin = client()
        login = get(f"{base}/admin/login/", admin)
        post_form(admin, f"{base}/admin/login/?next=/admin/", {
            "csrfmiddlewaretoken": CSRF.search(login).group(1), "username": "bench",
            "password": "bench-pass-1"})
        form = get(f"{base}/admin/articles/article/import/", admin)
        boundary = "benchboundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
            f'\r\n\r\n{CSRF.search(form).group(1)}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\nwxr\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="export.xml"\r\nContent-Type: text/xml\r\n\r\n',
        ]
        payload = ("".join(parts).encode() + export.read_bytes()
                   + f"\r\n--{boundary}--\r\n".encode())
        request = urllib.request.Request(  # noqa: S310 (our own http URL)
            f"{base}/admin/articles/article/import/", data=payload,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        started = time.perf_counter()
        with admin.open(request, timeout=600) as response:
            preview_url, preview = response.geturl(), response.read().decode()
        uploaded = time.perf_counter() - started
        started = time.perf_counter()
        post_form(admin, preview_url, {"csrfmiddlewaretoken": CSRF.search(preview).group(1),
                                       "confirm": "Confirm import"})
        confirm = time.perf_counter() - started
        job = ImportJob.objects.get()
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).finished, "the admin import")
        job.refresh_from_db()
        result_page = get(f"{preview_url}progress/", admin)
        warnings = re.findall(r"<li>([^<]*)</li>", "".join(
            re.findall(r'<ul class="import-warnings">(.*?)</ul>', preview, re.S)))
        kept = all(w in result_page for w in warnings)
        assert job.state == "done", job.error
        admin_seconds = (job.finished_at - job.started_at).total_seconds()
        print(f"\nadmin import of {made:,} comments in {args.articles:,} articles: upload and "
              f"preview {uploaded:.1f} s; Confirm answered in {1000 * confirm:.0f} ms; the "
              f"worker started it {(job.started_at - job.queued_at).total_seconds():.1f} s "
              f"later and took {admin_seconds:.1f} s ({made / admin_seconds:,.0f}/s); the "
              f"result page keeps the preview's {len(warnings)} warnings: {kept}")
        procs.stop_all()  # the command's import is measured alone, in this process
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("import_articles", str(second), "--brief", "--wait", "0",
                     stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
        command_seconds = time.perf_counter() - started
        print(f"the command's import of the same file: {command_seconds:.1f} s "
              f"({made / command_seconds:,.0f}/s); admin/command "
              f"{admin_seconds / command_seconds:.2f}")
        pending = Comment.objects.filter(status="pending").exclude(article__slug__in=[
            "accords", "parallel"])
        worker = procs.worker()
        started = time.perf_counter()
        deadline = time.monotonic() + args.scoring_timeout
        while pending.filter(triaged_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(1)
        print(f"one worker, {time.perf_counter() - started:.0f} s later: "
              f"{pending.filter(triaged_at__isnull=False).count():,} of the {pending.count():,} "
              f"imported pending comments scored")
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()
