"""Time every page that matters and EXPLAIN ANALYZE each query it runs; flag table scans.

    .venv/bin/python bench/explain_plans.py [--database-url URL ...] [--pages a,b] [--runs 3]
    .venv/bin/python bench/explain_plans.py --list

Against an existing database (--database-url, repeatable; default DATABASE_URL, else
postgres://postgres@127.0.0.1:5432/bench_million), with config.settings, DJANGO_DEBUG=false,
a test secret key and ALLOWED_HOSTS=testserver, it drives the app in-process with Django's
test Client, logged in (force_login) as `bench-moderator` (staff, Moderators group; made
if absent) for the workspace and `bench-admin` (superuser; made if absent) for the admin:

- the queue's default tab, every tab (read from the queue page's own tab links), the
  priority sort, text searches (a common and a rare word; and, once bench/plant_words.py
  has planted them, a word of the newest comments oldest first and a word of the oldest
  newest first), a reason filter;
- the htmx approve and hide of one comment and the undo of a hide (the whole htmx
  answer: card, status line and tab counts);
- the reader's page of the biggest story (most comments: make_data.py's viral story),
  anonymous, first page and the page a deep comment's permalink lands on;
- people: the Commenters list (first page, a search by part of a name and by part of an
  email), the page of the commenter with the most comments (first page and the last page
  offered), the queue and the log filtered to them (skipped when no commenter exists);
- the admin's comment changelist (plain, a status filter, a search for a common and a
  rare word, the planted word of the oldest comments, a date-hierarchy month), commenter
  changelist (plain, a name search, the commenters trusted by a moderator) and article
  changelist.

Per page: a warm-up request, then --runs timed requests (server wall time in-process, the
median, and the median CPU time of this process; fewer runs when a page passes
--max-seconds), the query count (Django's
CaptureQueriesContext, as the tests count them), the answer's size; then one more request
whose every SELECT is re-run as EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) with the same
parameters: per query its execution ms, rows read by its scans, buffers, and any Seq Scan
of moderation_comment, moderation_flag, moderation_moderationevent or moderation_commenter
(or a sort that spilled to disk). Queries over 50 ms and scans of the comment table are
marked `!!` and in bold. Prints per-page query detail, then a summary table; with several
--database-url values each database runs in its own process and the summary puts them side
by side.

Data changes: none persist. Logging in writes a session row (deleted at the end) and makes
the two users if absent. Each action request runs inside a transaction that is rolled
back after its EXPLAINs (the services' own transactions become savepoints there; the
SAVEPOINT/RELEASE statements are left out of the query counts).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.plant_words import NEWEST_WORD, OLDEST_WORD  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_million"
WATCHED = ("moderation_comment", "moderation_flag", "moderation_moderationevent",
           "moderation_commenter")
SLOW_MS = 50.0
SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)
DEFAULT_TABS = ["needs_review", "pending", "flagged", "reported", "approved", "hidden", "all"]

# Page keys in the order they run and print (tabs are added as tab-<key>).
PAGE_KEYS = ["queue", "TABS", "priority", "search-common", "search-rare",
             "search-newest-word", "search-oldest-word", "reason", "queue-last-page",
             "log", "log-last-page", "log-rare-action", "approve", "hide", "undo", "reader",
             "reader-permalink", "people", "people-search-name", "people-search-email",
             "person", "person-last-page", "queue-person", "log-person", "admin-comments",
             "admin-comments-status", "admin-comments-search", "admin-comments-search-rare",
             "admin-search-oldest-word", "admin-comments-date", "admin-commenters",
             "admin-commenters-search", "admin-commenters-trusted", "admin-articles"]
# The pages that need a commenter (the one with the most comments).
PEOPLE_KEYS = ("people-search-name", "people-search-email", "person", "person-last-page",
               "queue-person", "log-person", "admin-commenters-search")


def setup_django(url: str) -> None:
    os.environ.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "bench-explain-plans-test-secret",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    })
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no static
    import django

    django.setup()
    from django.conf import settings

    # Nothing is collected for an in-process run: serve static names as they are, not
    # through the manifest (a {% static %} lookup either way, no measurable difference).
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


# --------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------

def walk(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def analyse_plan(plan_json) -> dict:
    top = plan_json[0]
    root = top["Plan"]
    seq_scans, rows_read, spills = [], 0, []
    for node in walk(root):
        loops = node.get("Actual Loops", 1) or 0
        kind = node.get("Node Type", "")
        if "Scan" in kind and "Relation Name" in node or kind == "Bitmap Heap Scan":
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                    + node.get("Rows Removed by Index Recheck", 0)) * loops
            rows_read += read
            if kind == "Seq Scan":
                seq_scans.append((node.get("Relation Name"), int(read)))
        if node.get("Sort Space Type") == "Disk" or node.get("Temp Written Blocks", 0):
            spills.append(kind)
    return {
        "exec_ms": round(top.get("Execution Time", 0.0), 2),
        "plan_ms": round(top.get("Planning Time", 0.0), 2),
        "rows_read": int(rows_read),
        "seq_scans": seq_scans,
        "buffers": root.get("Shared Hit Blocks", 0) + root.get("Shared Read Blocks", 0),
        "spills": spills,
    }


def explain(cursor, sql: str, params) -> dict:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
    raw = cursor.fetchone()[0]
    return analyse_plan(json.loads(raw) if isinstance(raw, str) else raw)


def is_select(sql: str) -> bool:
    head = sql.lstrip().upper()
    if head.startswith("SELECT"):
        return True
    return head.startswith("WITH") and not re.search(r"\b(INSERT|UPDATE|DELETE)\b", head)


# --------------------------------------------------------------------------------------
# Running pages
# --------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db import connection
        from django.test import Client

        self.args = args
        self.connection = connection
        User = get_user_model()
        moderator, created = User.objects.get_or_create(
            username="bench-moderator", defaults={"is_staff": True})
        if created:
            moderator.set_unusable_password()
            moderator.save()
        group = Group.objects.filter(name="Moderators").first()
        if group is not None:
            moderator.groups.add(group)
        else:  # the permission alone, should the group ever go
            moderator.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
        admin, created = User.objects.get_or_create(
            username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
        if created:
            admin.set_unusable_password()
            admin.save()
        self.mod = Client()
        self.mod.force_login(moderator)
        self.admin = Client()
        self.admin.force_login(admin)
        self.reader = Client()
        self.picks = self._pick_data()

    def close(self) -> None:
        self.mod.logout()
        self.admin.logout()

    def _one(self, sql: str, params=()):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    def _pick_data(self) -> dict:
        """Which story, comments and month to use, read from the stable table names."""
        args = self.args
        row = self._one("SELECT id, slug FROM articles_article WHERE slug = %s", [args.slug])
        if row is None:
            row = self._one("SELECT id, slug FROM articles_article "
                            "ORDER BY comment_seq DESC, id LIMIT 1")
        if row is None:
            sys.exit("no article found: load data first (bench/make_data.py)")
        article_id, slug = row
        pending = self._one("SELECT id FROM moderation_comment WHERE status = 'pending' "
                            "AND article_id = %s ORDER BY path LIMIT 1", [article_id]) or \
            self._one("SELECT id FROM moderation_comment WHERE status = 'pending' LIMIT 1")
        # An approved comment near the start of the story: on the reader's first page.
        approved = self._one("SELECT id FROM moderation_comment WHERE status = 'approved' "
                             "AND article_id = %s ORDER BY path LIMIT 1 OFFSET 5", [article_id])
        deep = self._one("SELECT id, depth FROM moderation_comment WHERE status = 'approved' "
                         "AND article_id = %s ORDER BY depth DESC, path DESC LIMIT 1",
                         [article_id])
        latest = self._one("SELECT extract(year FROM max(created))::int, "
                           "extract(month FROM max(created))::int FROM moderation_comment")
        total = self._one("SELECT count(*) FROM moderation_comment")[0]
        # The commenter with the most comments (make_data.py's prolific writer), and what
        # a moderator would type to find them: part of their name, part of their email.
        person = self._one(
            "SELECT id, display_name, email_key, approved_count + pending_count + hidden_count "
            "FROM moderation_commenter "
            "ORDER BY approved_count + pending_count + hidden_count DESC, id LIMIT 1")
        if person is not None:
            longest = max((w.strip(".") for w in person[1].split()), key=len, default="")
            person = {"id": person[0], "comments": person[3],
                      "name_part": longest[:4] if len(longest) >= 3 else person[1],
                      "email_part": person[2].split("@")[0]}
        return {"article_id": article_id, "slug": slug, "pending": pending and pending[0],
                "approved": approved and approved[0], "deep": deep, "year": latest[0],
                "month": latest[1], "total": total, "person": person}

    def tabs(self) -> list[str]:
        html = self.mod.get("/moderation/").content.decode()
        found = list(dict.fromkeys(re.findall(r"[?&](?:amp;)?tab=([a-z_]+)", html)))
        return found or DEFAULT_TABS

    def permalink_url(self) -> tuple[str, str]:
        """The URL a deep comment's permalink lands on, if the app offers one, else the
        thread page that holds it (found by walking ?page=N, at most 200 pages)."""
        deep_id = self.picks["deep"][0]
        base = f"/articles/{self.picks['slug']}/"
        marker = f'id="c{deep_id}"'
        url = self.args.permalink.format(article=base, id=deep_id)
        response = self.reader.get(url)
        first = self.reader.get(base).content.decode()
        if response.status_code == 200 and marker in response.content.decode() \
                and marker not in first:
            return url, f"permalink of #{deep_id} (depth {self.picks['deep'][1]})"
        for page in range(1, 201):
            url = f"{base}?page={page}"
            response = self.reader.get(url)
            if response.status_code != 200:
                break
            if marker in response.content.decode():
                return url, (f"page holding #{deep_id} (depth {self.picks['deep'][1]}), "
                             f"found by paging")
        return base, f"#{deep_id} not found on any page; first page instead"

    def pages(self) -> list[dict]:
        p = self.picks
        q = self.args
        art = f"/articles/{p['slug']}/"
        who = p["person"] or {"id": 0, "comments": 0, "name_part": "", "email_part": ""}
        person = f"/moderation/people/{who['id']}/"
        defs = {
            "queue": ("queue, default tab", "mod", "/moderation/"),
            "priority": ("queue, priority sort", "mod", "/moderation/?sort=priority"),
            "search-common": (f"queue, text '{q.common_word}'", "mod",
                              f"/moderation/?tab=all&sort=priority&q={q.common_word}"),
            "search-rare": (f"queue, text '{q.rare_word}'", "mod",
                            f"/moderation/?tab=all&sort=priority&q={q.rare_word}"),
            # Words that cluster in time (bench/plant_words.py), read from the other end.
            "search-newest-word": (f"queue, '{NEWEST_WORD}' oldest first", "mod",
                                   f"/moderation/?tab=all&q={NEWEST_WORD}"),
            "search-oldest-word": (f"queue, '{OLDEST_WORD}' newest first", "mod",
                                   f"/moderation/?tab=all&sort=newest&q={OLDEST_WORD}"),
            "reason": (f"queue, reason {q.reason}", "mod",
                       f"/moderation/?tab=all&reason={q.reason}"),
            # Past the last page offered: the last one (MAX_PAGES), whatever the number.
            "queue-last-page": ("queue, All, ?page=99999", "mod",
                                "/moderation/?tab=all&page=99999"),
            "log": ("moderation log", "mod", "/moderation/log/"),
            "log-last-page": ("moderation log, ?page=99999", "mod",
                              "/moderation/log/?page=99999"),
            "log-rare-action": ("moderation log, action 'undone'", "mod",
                                "/moderation/log/?action=undone"),
            "reader": ("reader, biggest story p.1", "reader", art),
            "people": ("people, first page", "mod", "/moderation/people/"),
            "people-search-name": (f"people, name '{who['name_part']}'", "mod",
                                   f"/moderation/people/?q={quote(who['name_part'])}"),
            "people-search-email": (f"people, email '{who['email_part']}'", "mod",
                                    f"/moderation/people/?q={quote(who['email_part'])}"),
            "person": (f"person #{who['id']} ({who['comments']:,} comments)", "mod", person),
            "person-last-page": (f"person #{who['id']}, ?page=99999", "mod",
                                 f"{person}?page=99999"),
            "queue-person": (f"queue, All, commenter #{who['id']}", "mod",
                             f"/moderation/?tab=all&commenter={who['id']}"),
            "log-person": (f"moderation log, commenter #{who['id']}", "mod",
                           f"/moderation/log/?commenter={who['id']}"),
            "admin-comments": ("admin comments", "admin", "/admin/moderation/comment/"),
            "admin-comments-status": ("admin comments pending", "admin",
                                      "/admin/moderation/comment/?status__exact=pending"),
            "admin-comments-search": (f"admin comments '{q.common_word}'", "admin",
                                      f"/admin/moderation/comment/?q={q.common_word}"),
            "admin-comments-search-rare": (f"admin comments '{q.rare_word}'", "admin",
                                           f"/admin/moderation/comment/?q={q.rare_word}"),
            "admin-search-oldest-word": (f"admin comments '{OLDEST_WORD}'", "admin",
                                         f"/admin/moderation/comment/?q={OLDEST_WORD}"),
            "admin-comments-date": (f"admin comments {p['year']}-{p['month']:02d}", "admin",
                                    f"/admin/moderation/comment/?created__year={p['year']}"
                                    f"&created__month={p['month']}"),
            "admin-commenters": ("admin commenters", "admin", "/admin/moderation/commenter/"),
            "admin-commenters-search": (f"admin commenters '{who['name_part']}'", "admin",
                                        f"/admin/moderation/commenter/"
                                        f"?q={quote(who['name_part'])}"),
            "admin-commenters-trusted": ("admin commenters trusted by a moderator", "admin",
                                         "/admin/moderation/commenter/?trust__exact=manual"),
            "admin-articles": ("admin articles", "admin", "/admin/articles/article/"),
        }
        wanted = set(q.pages.split(",")) if q.pages else None
        out = []
        for key in PAGE_KEYS:
            if key == "TABS":
                if wanted is None or any(w.startswith("tab-") for w in wanted):
                    for tab in self.tabs():
                        k = f"tab-{tab}"
                        if wanted is None or k in wanted:
                            out.append({"key": k, "label": f"queue, tab {tab}", "who": "mod",
                                        "url": f"/moderation/?tab={tab}"})
                continue
            if wanted is not None and key not in wanted:
                continue
            if key in ("approve", "hide", "undo"):
                target = p["pending"] if key == "approve" else p["approved"]
                if target is None:
                    print(f"skip {key}: no suitable comment")
                    continue
                out.append({"key": key, "label": f"htmx {key} #{target}", "who": "mod",
                            "action": key, "target": target})
            elif key in PEOPLE_KEYS and p["person"] is None:
                print(f"skip {key}: no commenter (make_data.py makes them)")
            elif key == "reader-permalink":
                if p["deep"] is None:
                    continue
                url, label = self.permalink_url()
                out.append({"key": key, "label": "reader, " + label, "who": "reader",
                            "url": url})
            else:
                label, who, url = defs[key]
                out.append({"key": key, "label": label, "who": who, "url": url})
        return out

    # -- one request ---------------------------------------------------------------

    def _post_action(self, client, name: str, target: int, **extra):
        data = {"next": "/moderation/", "note": ""}
        if name == "approve":
            data["expected_status"] = "pending"
        elif name == "hide":
            data.update(expected_status="approved", reason="abusive")
        else:
            data.update(extra)
        return client.post(f"/moderation/comments/{target}/{name}/", data,
                           HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/moderation/",
                           HTTP_HX_TARGET=f"comment-{target}")

    def _last_event_id(self, comment_id: int) -> int:
        return self._one("SELECT max(id) FROM moderation_moderationevent WHERE comment_id = %s",
                         [comment_id])[0]

    def request(self, page: dict, *, capture: bool = False):
        """Make the page's request once; return (seconds, CPU seconds of this process,
        queries, response, captured), `captured` being [(sql, params, ms, plan)] with plans
        when `capture`."""
        from django.db import transaction
        from django.test.utils import CaptureQueriesContext

        client = getattr(self, page["who"])
        captured: list = []

        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                if not many:
                    captured.append([sql, params, (time.perf_counter() - started) * 1000])

        def timed(call):
            with CaptureQueriesContext(self.connection) as queries:
                if capture:
                    with self.connection.execute_wrapper(wrapper):
                        started = time.perf_counter()
                        response = call()
                        elapsed = time.perf_counter() - started
                else:
                    started, cpu = time.perf_counter(), time.process_time()
                    response = call()
                    elapsed = time.perf_counter() - started
                    cpu = time.process_time() - cpu
            count = sum(1 for q in queries.captured_queries if not SAVEPOINT.match(q["sql"]))
            return elapsed, (None if capture else cpu), count, response

        def explain_all():
            with self.connection.cursor() as cursor:
                for item in captured:
                    sql, params = item[0], item[1]
                    item.append(explain(cursor, sql, params) if is_select(sql) else None)

        if "action" not in page:
            elapsed, cpu, count, response = timed(lambda: client.get(page["url"]))
            if capture:
                explain_all()
            return elapsed, cpu, count, response, captured
        with transaction.atomic():
            target = page["target"]
            if page["action"] == "undo":
                hidden = self._post_action(client, "hide", target)
                if hidden.status_code != 200:
                    raise RuntimeError(f"hide before undo answered {hidden.status_code}")
                event_id = self._last_event_id(target)
                call = lambda: self._post_action(client, "undo", target,  # noqa: E731
                                                 expected_event_id=str(event_id))
            else:
                call = lambda: self._post_action(client, page["action"], target)  # noqa: E731
            elapsed, cpu, count, response = timed(call)
            if capture:
                explain_all()
            transaction.set_rollback(True)
        return elapsed, cpu, count, response, captured

    def run_page(self, page: dict) -> dict:
        args = self.args
        first = time.perf_counter()
        _e, _u, _c, response, _ = self.request(page)  # warm-up
        if response.status_code != 200:
            raise RuntimeError(f"{page['key']}: {page.get('url', page.get('action'))} answered "
                               f"{response.status_code}")
        times, cpus, counts = [], [], []
        for _ in range(args.runs):
            elapsed, cpu, count, response, _ = self.request(page)
            times.append(elapsed * 1000)
            cpus.append(cpu * 1000)
            counts.append(count)
            if time.perf_counter() - first > args.max_seconds:
                break
        _e, _u, _c, response, captured = self.request(page, capture=True)
        body = response.content
        queries = []
        for sql, params, ms, plan in captured:
            if SAVEPOINT.match(sql):
                continue
            queries.append({"sql": sql, "params": [str(p) for p in params or []],
                            "ms": round(ms, 2), "plan": plan})
        return {
            "key": page["key"], "label": page["label"],
            "url": page.get("url") or f"POST /moderation/comments/{page['target']}/"
                                       f"{page['action']}/ (htmx)",
            "status": response.status_code, "bytes": len(body),
            "comments_shown": len(re.findall(rb'id="c\d+"', body)),
            "times_ms": [round(t, 1) for t in times],
            "median_ms": round(statistics.median(times), 1),
            "median_cpu_ms": round(statistics.median(cpus), 1),
            "queries": statistics.median(counts), "query_counts": sorted(set(counts)),
            "detail": queries,
        }


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------

def page_flags(page: dict) -> dict:
    scans, slow, spills = set(), 0, 0
    slowest = 0.0
    rows = 0
    for q in page["detail"]:
        plan = q["plan"]
        if not plan:
            continue
        slowest = max(slowest, plan["exec_ms"])
        rows = max(rows, plan["rows_read"])
        scans.update(t for t, _n in plan["seq_scans"] if t in WATCHED)
        slow += plan["exec_ms"] > SLOW_MS
        spills += bool(plan["spills"])
    return {"scans": sorted(scans), "slow": slow, "spills": spills, "slowest": slowest,
            "rows": rows}


def print_detail(result: dict, full_sql: bool) -> None:
    print(f"\n### {result['key']}: {result['label']}")
    counts = "/".join(str(c) for c in result["query_counts"])
    print(f"{result['url']} -> {result['status']}, {result['bytes'] / 1024:.0f} KB, "
          f"{result['comments_shown']} id=\"c…\" items; server median {result['median_ms']} ms "
          f"(CPU of this process {result['median_cpu_ms']} ms) "
          f"(runs {result['times_ms']}), {counts} queries")
    print("| # | ms | rows read | buffers | seq scans | query |")
    print("|---|---:|---:|---:|---|---|")
    for n, q in enumerate(result["detail"], 1):
        plan = q["plan"]
        sql = " ".join(q["sql"].split())
        if plan is None:
            print(f"| {n} | {q['ms']:.1f} | | | (not a SELECT) | {sql[:90]} |")
            continue
        scans = ", ".join(f"{t} ({rows:,})" for t, rows in plan["seq_scans"]) or "-"
        comment_scan = any(t == "moderation_comment" for t, _ in plan["seq_scans"])
        watched = any(t in WATCHED for t, _ in plan["seq_scans"])
        slow = plan["exec_ms"] > SLOW_MS
        ms = f"**!! {plan['exec_ms']:.1f}**" if slow else f"{plan['exec_ms']:.1f}"
        if comment_scan:
            scans = f"**!! {scans}**"
        elif watched:
            scans = f"! {scans}"
        spill = " (sort spilled to disk)" if plan["spills"] else ""
        text = sql if full_sql or slow or comment_scan else sql[:110]
        print(f"| {n} | {ms} | {plan['rows_read']:,} | {plan['buffers']:,} | {scans}{spill} "
              f"| {text} |")


def summary_rows(results: list[dict]) -> dict:
    return {r["key"]: (r, page_flags(r)) for r in results}


def print_summary(runs: list[tuple[str, list[dict]]]) -> None:
    """One row per page, one group of columns per database."""
    print("\n## Summary (ms = median server wall time in-process, bold over 50; CPU ms = the "
          "median CPU time of the process serving it, Python's share, which other work on the "
          "machine disturbs less than the wall time; slowest q = "
          "the slowest query's EXPLAIN ANALYZE time, !! over 50 ms; seq scans of the "
          "comment, flag, event and commenter tables, !! for the comment table)\n")
    tables = [(name, summary_rows(results)) for name, results in runs]
    keys = list(dict.fromkeys(k for _n, t in tables for k in t))
    head = "| page |"
    rule = "|---|"
    for name, _t in tables:
        head += f" {name}: ms | CPU ms | queries | slowest q ms | seq scans | KB |"
        rule += "---:|---:|---:|---:|---|---:|"
    print(head)
    print(rule)
    for key in keys:
        line = f"| {key} |"
        for _name, table in tables:
            if key not in table:
                line += " | | | | | |"
                continue
            r, f = table[key]
            ms = f"{r['median_ms']:.0f}"
            if r["median_ms"] > SLOW_MS:
                ms = f"**{ms}**"
            slowest = f"{f['slowest']:.0f}"
            if f["slowest"] > SLOW_MS:
                slowest = f"**!! {slowest}**"
            scans = ", ".join(s.replace("moderation_", "") for s in f["scans"]) or "-"
            if "moderation_comment" in f["scans"]:
                scans = f"**!! {scans}**"
            if f["spills"]:
                scans += " +disk sort"
            line += (f" {ms} | {r['median_cpu_ms']:.0f} | {r['queries']:g} | {slowest} | {scans} | "
                     f"{r['bytes'] / 1024:.0f} |")
        print(line)
    for name, table in tables:
        scanning = [k for k, (_r, f) in table.items() if "moderation_comment" in f["scans"]]
        print(f"\n{name}: pages whose queries seq-scan moderation_comment: "
              f"{', '.join(scanning) or 'none'}")


def run_here(args, url: str) -> list[dict]:
    setup_django(url)
    bench = Bench(args)
    p = bench.picks
    print(f"# explain_plans on {url}: {p['total']:,} comments; story /articles/{p['slug']}/; "
          f"approve #{p['pending']}, hide/undo #{p['approved']}")
    results = []
    try:
        for page in bench.pages():
            started = time.perf_counter()
            result = bench.run_page(page)
            results.append(result)
            print_detail(result, args.full_sql)
            print(f"({time.perf_counter() - started:.1f} s for this page)", flush=True)
    finally:
        bench.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--database-url", action="append",
                        help="repeat to compare databases side by side")
    parser.add_argument("--pages", default="",
                        help="comma-separated page keys (see --list); default all")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per page (default 3)")
    parser.add_argument("--max-seconds", type=float, default=60.0,
                        help="stop repeating a page after this long (default 60)")
    parser.add_argument("--slug", default="bench-viral-story",
                        help="the story (default make_data.py's viral one, if it exists, "
                             "else the article with the most comments)")
    parser.add_argument("--common-word", default="council")
    parser.add_argument("--rare-word", default="zanzibar")
    parser.add_argument("--reason", default="abusive")
    parser.add_argument("--permalink", default="{article}?comment={id}",
                        help="how a comment permalink is written ({article}, {id}); when "
                             "the app does not honour it, the page is found by paging")
    parser.add_argument("--full-sql", action="store_true", help="print every query whole")
    parser.add_argument("--json-out", help="also write the results as JSON here")
    parser.add_argument("--list", action="store_true", help="list the page keys and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(k if k != "TABS" else "tab-<key> (each queue tab)" for k in PAGE_KEYS))
        return
    urls = args.database_url or [os.environ.get("DATABASE_URL") or DEFAULT_URL]
    if len(urls) == 1:
        results = run_here(args, urls[0])
        runs = [(urls[0].rsplit("/", 1)[1], results)]
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results, indent=1))
    else:
        runs = []
        passthrough = [a for a in sys.argv[1:]]
        # Drop the --database-url pairs and --json-out; each child gets one database.
        cleaned, skip = [], False
        for a in passthrough:
            if skip:
                skip = False
                continue
            if a in ("--database-url", "--json-out"):
                skip = True
                continue
            if a.startswith(("--database-url=", "--json-out=")):
                continue
            cleaned.append(a)
        for url in urls:
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
                out = tmp.name
            subprocess.run([sys.executable, __file__, *cleaned, "--database-url", url,
                            "--json-out", out], check=True)
            runs.append((url.rsplit("/", 1)[1], json.loads(Path(out).read_text())))
            os.unlink(out)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(dict(runs), indent=1))
    print_summary(runs)


if __name__ == "__main__":
    main()
