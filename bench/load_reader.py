"""Load-test the reader's page of the biggest story on gunicorn while moderators act.

    .venv/bin/python bench/load_reader.py [--database-url URL] [--levels 1,8,32]
        [--duration 15] [--port 8300] [--workers 2] [--moderators 2]
        [--connection keep-alive|close]

Starts gunicorn as a deployment does (`gunicorn config.wsgi -w 2 -b 127.0.0.1:PORT`, with
`-c deploy/gunicorn.conf.py` when that file exists), DJANGO_DEBUG=false, a random secret
key, REDIS_URL (default redis://127.0.0.1:6379/2; --redis-url "" for none), and the static
files collected into a temporary STATIC_ROOT (through a temporary settings module that
star-imports config.settings). It then drives, on loopback only, with a small asyncio
HTTP/1.1 client (stdlib streams):

- readers: the article page of the story with the most comments (make_data.py's viral
  story; --slug to choose), anonymous and without cookies, at each concurrency level for
  --duration seconds after a --warmup; each reader keeps its connection open between
  requests as a browser does (--connection close: a new one per request), and opens a
  new one whenever the server closes it;
- at the same time --moderators (default 2; 0 for readers alone) logged in through the
  login form (with its CSRF token), acting every --interval seconds (default 0.5) through
  the real htmx endpoints: moderator 1 hides a published reply-less comment shown on the
  story's first page; the others approve a pending comment of the story, then undo it;
  every decision is undone, so statuses end as they began (the audit rows stay, as they
  would);
- after each hide, a poller (one at a time, on top of the readers) reads the page until
  `id="c<id>"` is gone, then undoes the hide: "decision -> readers" is the time from the
  hide's answer to the first page without the comment.

Prints per level: requests/s, p50/p95/p99 latency, errors (by kind), page size; the
moderators' action latency p50/p95 and decision -> readers p50/max; the client's own CPU
time (as a share of one core: on a small machine it is CPU the server did not get), the
connections it opened (warm-up included) and the load average; and a final line per level
as a markdown table, headed by gunicorn's worker class. Bounded: a fixed number of levels
and seconds (an overall deadline), 60 s per request; gunicorn is stopped by its PID on
exit, on error and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_small"
REQUEST_TIMEOUT = 60.0


# --------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client on asyncio streams
# --------------------------------------------------------------------------------------

class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _dechunk(data: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2:end + 2 + size]
        pos = end + 2 + size + 2


async def http(port: int, method: str, path: str, *, headers: dict | None = None,
               body: bytes = b"", timeout: float = REQUEST_TIMEOUT) -> Response:
    async def go():
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
                     "User-Agent: bench-load-reader"]
            for k, v in (headers or {}).items():
                lines.append(f"{k}: {v}")
            if body or method == "POST":
                lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await writer.drain()
            data = await reader.read()
        finally:
            writer.close()
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        parsed = []
        for line in header_lines:
            k, _, v = line.partition(":")
            parsed.append((k.strip().lower(), v.strip()))
        if any(k == "transfer-encoding" and "chunked" in v.lower() for k, v in parsed):
            rest = _dechunk(rest)
        return Response(status, parsed, rest)

    return await asyncio.wait_for(go(), timeout)


class Connection:
    """One reader's HTTP/1.1 connection, kept open between requests as a browser keeps
    one to a site (unless --connection close): the client's own cost per request is then
    a request and a response, not a TCP handshake and teardown as well, which matters when
    the load generator shares a 2-core machine with the server it measures. The server may
    close it at any time (sync workers close every one, keepalive runs out); the next
    request then opens a new one, and `opened` counts them."""

    def __init__(self, port: int, keep_alive: bool):
        self.port, self.keep_alive = port, keep_alive
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def get(self, path: str, timeout: float = REQUEST_TIMEOUT) -> Response:
        reused = self.writer is not None
        try:
            return await asyncio.wait_for(self._exchange(path), timeout)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            self.close()
            # A kept connection the server had closed in the meantime (its keepalive ran
            # out): ask again once on a new one, as a browser does. Nothing was answered.
            if reused and not getattr(error, "partial", b""):
                return await asyncio.wait_for(self._exchange(path), timeout)
            raise
        except BaseException:
            self.close()
            raise

    async def _exchange(self, path: str) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            self.opened += 1
        connection = "keep-alive" if self.keep_alive else "close"
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
                          f"Connection: {connection}\r\nUser-Agent: bench-load-reader\r\n"
                          "\r\n".encode("latin-1"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        headers = []
        for line in header_lines:
            k, _, v = line.partition(":")
            headers.append((k.strip().lower(), v.strip()))
        fields = dict(headers)
        if "content-length" in fields:
            body = await self.reader.readexactly(int(fields["content-length"]))
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            body = await self._chunks()
        else:
            body = await self.reader.read()
            fields["connection"] = "close"
        if not self.keep_alive or fields.get("connection", "").lower() == "close":
            self.close()
        return Response(int(status_line.split()[1]), headers, body)

    async def _chunks(self) -> bytes:
        out = bytearray()
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return bytes(out)
            out += await self.reader.readexactly(size)
            await self.reader.readexactly(2)


class Session:
    """A browser-like cookie jar for one moderator."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def _absorb(self, response: Response) -> None:
        for value in response.header_values("set-cookie"):
            pair = value.split(";", 1)[0]
            name, _, val = pair.partition("=")
            self.cookies[name.strip()] = val.strip().strip('"')

    async def request(self, method: str, path: str, data: dict | None = None,
                      headers: dict | None = None) -> Response:
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if data is not None:
            body = urlencode(data).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        response = await http(self.port, method, path, headers=h, body=body)
        self._absorb(response)
        return response

    async def login(self, username: str, password: str) -> None:
        page = await self.request("GET", "/accounts/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if page.status != 200 or not match:
            raise RuntimeError(f"login form: {page.status}, no CSRF token found")
        answer = await self.request("POST", "/accounts/login/", {
            # allauth's form calls the username field "login".
            "csrfmiddlewaretoken": match.group(1), "login": username,
            "password": password, "next": "/moderation/"})
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed: {answer.status}")

    async def htmx_post(self, path: str, data: dict) -> Response:
        return await self.request("POST", path, data, headers={
            "HX-Request": "true", "HX-Current-URL": f"http://{HOST}:{self.port}/moderation/",
            "X-CSRFToken": self.cookies.get("csrftoken", "")})


class Num(float):
    """A figure that prints as "-" when there was nothing to measure."""

    def __format__(self, spec: str) -> str:
        return "-" if self != self else format(float(self), spec)


def pct(values: list[float], p: float) -> float:
    if not values:
        return Num("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return Num(ordered[k])


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------

class Server:
    def __init__(self, args, tmp: Path):
        self.args, self.tmp = args, tmp
        self.proc: subprocess.Popen | None = None
        (tmp / "bench_load_settings.py").write_text(
            "from config.settings import *  # noqa: F403\n"
            f"STATIC_ROOT = {str(tmp / 'static')!r}\n")
        self.env = dict(os.environ)
        self.env.update({
            "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "bench_load_settings",
            "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
        })
        if args.redis_url:
            self.env["REDIS_URL"] = args.redis_url
        else:
            self.env.pop("REDIS_URL", None)

    def collectstatic(self) -> None:
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput",
                        "--verbosity", "0"], cwd=ROOT, env=self.env, check=True)

    def start(self) -> None:
        cmd = [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(self.args.workers),
               "-b", f"{HOST}:{self.args.port}"]
        conf = ROOT / "deploy" / "gunicorn.conf.py"
        if conf.exists():
            cmd[3:3] = ["-c", str(conf)]
        self.log = open(self.tmp / "gunicorn.log", "w")  # noqa: SIM115
        print("starting:", " ".join(cmd[1:]), flush=True)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.tail()}")
            try:
                if (await http(self.args.port, "GET", "/healthz", timeout=5)).status == 200:
                    return
            except (TimeoutError, OSError):
                pass
            await asyncio.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def worker_line(self) -> str:
        """What gunicorn says it runs, e.g. "Using worker: gthread"."""
        try:
            with open(self.tmp / "gunicorn.log") as log:
                head = log.read(5000)  # said at start, before the access log's lines
        except OSError:
            head = ""
        match = re.search(r"Using worker: [\w.]+", head)
        return match.group(0) if match else "worker class not logged"

    def errors(self, limit: int = 3) -> list[str]:
        """The server's first ERROR lines (a server error is one JSON line with its
        traceback), so that a 5xx in the figures can be looked into after the run."""
        try:
            with open(self.tmp / "gunicorn.log") as log:
                found = [line for line in log if '"level": "ERROR"' in line]
        except OSError:
            return []
        return found[:limit]

    def tail(self) -> str:
        try:
            return (self.tmp / "gunicorn.log").read_text()[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group only
            self.proc.wait(5)
        print(f"gunicorn (pid {self.proc.pid}) stopped", flush=True)


# --------------------------------------------------------------------------------------
# The load
# --------------------------------------------------------------------------------------

class Load:
    def __init__(self, args, port: int, slug: str, article_id: int, db):
        self.args, self.port, self.db = args, port, db
        self.path = f"/articles/{slug}/"
        self.article_id = article_id
        self.level: int | None = None  # the concurrency being measured, None in warm-up
        self.actions: list[tuple[int | None, str, float, int]] = []
        self.propagation: list[tuple[int | None, float | None]] = []
        self.outstanding: dict[int, tuple[Session, str]] = {}  # comment -> undo to do
        self.stop = asyncio.Event()

    # -- moderators ------------------------------------------------------------------

    def _event_id(self, response: Response, comment_id: int) -> str:
        text = response.text
        m = (re.search(r'name="expected_event_id"[^>]*value="(\d+)"', text)
             or re.search(r'value="(\d+)"[^>]*name="expected_event_id"', text))
        if m:
            return m.group(1)
        return str(self.db("SELECT max(id) FROM moderation_moderationevent "
                           "WHERE comment_id = %s", [comment_id])[0][0])

    async def act(self, mod: Session, name: str, comment_id: int, data: dict) -> Response:
        """One htmx action; a timeout or a dropped connection counts as status 0."""
        started, level = time.perf_counter(), self.level
        try:
            response = await mod.htmx_post(f"/moderation/comments/{comment_id}/{name}/",
                                           {"next": "/moderation/", "note": "", **data})
        except (TimeoutError, OSError, ValueError, IndexError):
            response = Response(0, [], b"")
        self.actions.append((level, name, time.perf_counter() - started, response.status))
        return response

    def undone(self, event_id: str) -> bool:
        """Whether the decision was undone (its undo may have landed after a timeout)."""
        return bool(self.db("SELECT 1 FROM moderation_moderationevent WHERE undoes_id = %s",
                            [int(event_id)]))

    async def undo(self, mod: Session, comment_id: int, event_id: str) -> None:
        response = await self.act(mod, "undo", comment_id, {"expected_event_id": event_id})
        if response.status == 200:
            self.outstanding.pop(comment_id, None)

    async def until_gone(self, comment_id: int) -> float | None:
        marker = f'id="c{comment_id}"'.encode()
        decided = time.perf_counter()
        while time.perf_counter() - decided < self.args.propagation_timeout:
            try:
                page = await http(self.port, "GET", self.path)
                if page.status == 200 and marker not in page.body:
                    return time.perf_counter() - decided
            except (TimeoutError, OSError):
                pass
            await asyncio.sleep(0.05)
        return None

    async def hider(self, mod: Session, leaves: list[int]) -> None:
        """Hide a shown comment every interval; a follower task times how long readers
        take to lose it, then undoes it. One follower at a time, so the polling adds one
        reader, not more; meanwhile no new hide."""
        followers: set[asyncio.Task] = set()
        i = 0
        while not self.stop.is_set() and leaves:
            tick = time.perf_counter()
            comment_id = leaves[i % len(leaves)]
            i += 1
            if not followers and comment_id not in self.outstanding:
                response = await self.act(mod, "hide", comment_id,
                                          {"expected_status": "approved", "reason": "off_topic"})
                if response.status == 200:
                    event_id = self._event_id(response, comment_id)
                    self.outstanding[comment_id] = (mod, event_id)
                    task = asyncio.create_task(self._follow(mod, comment_id, event_id))
                    followers.add(task)
                    task.add_done_callback(followers.discard)
            await self._pace(tick)
        if followers:
            await asyncio.gather(*followers)

    async def _follow(self, mod: Session, comment_id: int, event_id: str) -> None:
        level = self.level
        gone = await self.until_gone(comment_id)
        self.propagation.append((level, gone))
        await self.undo(mod, comment_id, event_id)

    async def approver(self, mod: Session, pending: list[int], offset: int) -> None:
        i = offset
        while not self.stop.is_set() and pending:
            tick = time.perf_counter()
            comment_id = pending[i % len(pending)]
            i += 1
            response = await self.act(mod, "approve", comment_id, {"expected_status": "pending"})
            if response.status == 200:
                event_id = self._event_id(response, comment_id)
                self.outstanding[comment_id] = (mod, event_id)
                await self._pace(tick)
                tick = time.perf_counter()
                await self.undo(mod, comment_id, event_id)
            await self._pace(tick)

    async def _pace(self, tick: float) -> None:
        wait = self.args.interval - (time.perf_counter() - tick)
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), wait)

    # -- readers ---------------------------------------------------------------------

    async def reader(self, until: float, samples: list, opened: list) -> None:
        connection = Connection(self.port, keep_alive=self.args.connection == "keep-alive")
        try:
            while time.perf_counter() < until:
                started = time.perf_counter()
                try:
                    page = await connection.get(self.path)
                    ok = page.status == 200 and b"</html>" in page.body
                    error = "" if ok else f"status {page.status}"
                    samples.append((started, time.perf_counter() - started, ok,
                                    len(page.body), error))
                except (TimeoutError, OSError, ValueError, IndexError,
                        asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                    samples.append((started, time.perf_counter() - started, False, 0,
                                    type(exc).__name__))
        finally:
            connection.close()
            opened.append(connection.opened)

    async def level_run(self, concurrency: int) -> dict:
        samples: list = []
        opened: list[int] = []
        begin = time.perf_counter()
        measure_from = begin + self.args.warmup
        until = measure_from + self.args.duration
        self.level = None
        workers = [asyncio.create_task(self.reader(until, samples, opened))
                   for _ in range(concurrency)]
        await asyncio.sleep(self.args.warmup)
        self.level = concurrency
        # This process's own CPU time over the window (the readers, the moderators, the
        # poller), as a share of one core: on a small machine the load generator takes
        # CPU from the server it measures, so the figures say how much.
        cpu_from, wall_from = time.process_time(), time.perf_counter()
        await asyncio.gather(*workers)
        client_cpu = (time.process_time() - cpu_from) / (time.perf_counter() - wall_from)
        self.level = None
        # Requests that started in the window count; their time may run past it.
        window = [s for s in samples if s[0] >= measure_from]
        elapsed = max(self.args.duration, max((s[0] + s[1] for s in window), default=until)
                      - measure_from)
        lat = [s[1] * 1000 for s in window if s[2]]
        return {"concurrency": concurrency, "requests": len(window),
                "rps": len(lat) / elapsed, "p50": pct(lat, 50), "p95": pct(lat, 95),
                "p99": pct(lat, 99), "errors": sum(1 for s in window if not s[2]),
                "kb": (sum(s[3] for s in window if s[2]) / max(1, len(lat))) / 1024,
                "client_cpu": client_cpu * 100, "connections": sum(opened),
                "error_kinds": Counter(s[4] for s in window if not s[2])}


def setup_users(env: dict, count: int) -> dict[str, str]:
    """Make (or reset the passwords of) this script's own moderator users."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_DEBUG",
                                            "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name="Moderators").first()
    users = {}
    for n in range(1, count + 1):
        name = f"bench-load-mod-{n}"
        user, _ = get_user_model().objects.get_or_create(username=name,
                                                         defaults={"is_staff": True})
        password = secrets.token_urlsafe(16)
        user.set_password(password)
        user.save()
        if group is not None:
            user.groups.add(group)
        else:
            user.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
        users[name] = password
    return users


def make_db(url: str):
    import psycopg

    conn = psycopg.connect(url, autocommit=True)

    def query(sql: str, params=()):
        return conn.execute(sql, params).fetchall()

    return conn, query


async def run(args, server: Server, users: dict[str, str], db) -> list[dict]:
    await server.wait_ready()
    port = args.port
    rows = db("SELECT id, slug FROM articles_article WHERE slug = %s", [args.slug])
    if not rows:
        rows = db("SELECT id, slug FROM articles_article ORDER BY comment_seq DESC, id LIMIT 1")
    if not rows:
        raise RuntimeError("no article: load data first (bench/make_data.py)")
    article_id, slug = rows[0]
    first = await http(port, "GET", f"/articles/{slug}/")
    if first.status != 200:
        raise RuntimeError(f"/articles/{slug}/ answered {first.status}")
    shown = [int(x) for x in re.findall(r'id="c(\d+)"', first.text)]
    leaves = [r[0] for r in db(
        "SELECT c.id FROM moderation_comment c WHERE c.article_id = %s AND c.status = "
        "'approved' AND c.id = ANY(%s) AND NOT EXISTS (SELECT 1 FROM moderation_comment r "
        "WHERE r.parent_id = c.id) ORDER BY c.id LIMIT 200", [article_id, shown])]
    pending = [r[0] for r in db(
        "SELECT id FROM moderation_comment WHERE article_id = %s AND status = 'pending' "
        "ORDER BY id LIMIT 200", [article_id])]
    print(f"story /articles/{slug}/: first page {len(first.body) / 1024:.0f} KB, "
          f"{len(shown)} comments shown; {len(leaves)} reply-less shown comments to hide, "
          f"{len(pending)} pending to approve", flush=True)
    load = Load(args, port, slug, article_id, db)
    mods = []
    for name, password in users.items():
        session = Session(port)
        await session.login(name, password)
        mods.append(session)
    tasks = []
    for n, mod in enumerate(mods):
        if n == 0:
            tasks.append(asyncio.create_task(load.hider(mod, leaves)))
        else:
            tasks.append(asyncio.create_task(load.approver(mod, pending, offset=n * 7)))
    results = []
    try:
        for concurrency in args.levels:
            result = await load.level_run(concurrency)
            acts = [a for a in load.actions if a[0] == concurrency]
            times = [a[2] * 1000 for a in acts if a[3] == 200]
            result.update(actions=len(acts), action_errors=sum(1 for a in acts if a[3] != 200),
                          act_p50=pct(times, 50), act_p95=pct(times, 95))
            props = [p for lvl, p in load.propagation if lvl == concurrency]
            reached = [p * 1000 for p in props if p is not None]
            result.update(decisions=len(props), unreached=len(props) - len(reached),
                          prop_p50=pct(reached, 50),
                          prop_max=Num(max(reached, default=float("nan"))))
            results.append(result)
            print(f"concurrency {concurrency:>3}: {result['rps']:.1f} req/s, p50 "
                  f"{result['p50']:.0f} ms, p95 {result['p95']:.0f} ms, p99 {result['p99']:.0f}"
                  f" ms, {result['errors']} errors of {result['requests']} "
                  f"{dict(result['error_kinds']) or ''}, "
                  f"{result['kb']:.0f} KB/page | moderators: {result['actions']} actions, "
                  f"p50 {result['act_p50']:.0f} ms, p95 {result['act_p95']:.0f} ms, "
                  f"{result['action_errors']} non-200 | decision -> readers: "
                  f"p50 {result['prop_p50']:.0f} ms, max {result['prop_max']:.0f} ms over "
                  f"{result['decisions']} hides ({result['unreached']} not within "
                  f"{args.propagation_timeout:g} s) | client: {result['connections']} "
                  f"connections opened, {result['client_cpu']:.0f}% of a core | load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    finally:
        load.stop.set()
        if tasks:
            await asyncio.wait(tasks, timeout=60)
        for task in tasks:
            task.cancel()
        for comment_id, (mod, event_id) in list(load.outstanding.items()):
            if load.undone(event_id):
                load.outstanding.pop(comment_id)
            else:
                await load.undo(mod, comment_id, event_id)
        if load.outstanding:
            print(f"WARNING: could not undo decisions on {sorted(load.outstanding)}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--database-url",
                        default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--levels", default="1,8,32", help="reader concurrencies")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per level")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each level")
    parser.add_argument("--moderators", type=int, default=2,
                        help="moderators acting (0: readers alone)")
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between a moderator's actions")
    parser.add_argument("--propagation-timeout", type=float, default=10.0)
    parser.add_argument("--connection", choices=["keep-alive", "close"], default="keep-alive",
                        help="readers keep their connection open between requests (a "
                             "browser does), or open one per request")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--slug", default="bench-viral-story",
                        help="the story (default make_data.py's viral one, if it exists, "
                             "else the article with the most comments)")
    args = parser.parse_args()
    args.levels = [int(x) for x in args.levels.split(",")]
    if not 0 <= args.moderators <= 10 or max(args.levels) > 256 or args.duration > 600:
        sys.exit("keep it bounded: 0-10 moderators, concurrency <= 256, <= 600 s a level")
    deadline = len(args.levels) * (args.duration + args.warmup) + 180

    tmp = Path(tempfile.mkdtemp(prefix="bench_load_"))
    server = Server(args, tmp)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    conn = None
    try:
        started = time.perf_counter()
        server.collectstatic()
        print(f"collectstatic into {tmp / 'static'}: {time.perf_counter() - started:.1f} s")
        users = setup_users(server.env, args.moderators)
        conn, db = make_db(args.database_url)
        server.start()
        results = asyncio.run(asyncio.wait_for(run(args, server, users, db), deadline))
        print(f"\n## load_reader: {args.workers} gunicorn workers, {args.moderators} moderators "
              f"every {args.interval:g} s, {args.duration:g} s per level, readers' "
              f"connections {args.connection} ({args.database_url.rsplit('/', 1)[1]}; "
              f"{server.worker_line()})\n")
        print("| readers | req/s | p50 ms | p95 ms | p99 ms | errors | KB/page | mod actions "
              "| action p50 ms | action p95 ms | decision->readers p50 ms | max ms "
              "| client CPU % of a core | connections |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            print(f"| {r['concurrency']} | {r['rps']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | "
                  f"{r['p99']:.0f} | {r['errors']}/{r['requests']} | {r['kb']:.0f} | "
                  f"{r['actions']} | {r['act_p50']:.0f} | {r['act_p95']:.0f} | "
                  f"{r['prop_p50']:.0f} | {r['prop_max']:.0f} | {r['client_cpu']:.0f} | "
                  f"{r['connections']} |")
        for line in server.errors():
            print(f"\nserver error: {line[:4000]}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    except Exception:
        print(server.tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
        if conn is not None:
            conn.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
