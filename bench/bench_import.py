"""Import a generated 100,000-comment export (WordPress, our JSON, or both) and print the
speed and memory.

    DJANGO_DEBUG=1 .venv/bin/python bench/bench_import.py [--comments 100000] [--posts 1000]
        [--format wxr|json|both]

Writes the files to /tmp: the WXR file here (nested replies, some deeper than the depth
limit, pending, spam and trashed comments, pingbacks), the JSON file with make_data.py's
JSON mode (a viral story of 10,000 comments and a long tail of articles, one per 150
comments; --posts does not apply). Each is imported in a fresh process into a scratch
SQLite database and, if it answers, into the PostgreSQL database named by
BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/mod_bench_import, dropped
and made anew). For each it prints parse and write times (wall clock, and the CPU time of
this process and, when it runs here, of the PostgreSQL backend: other work on the machine
disturbs those less), comments per second over both, the queries run (COPY statements
not counted), and the process's peak memory (ru_maxrss), then checks that a second import
of the same file creates nothing. On PostgreSQL it then measures the database's floor:
the same comment and audit rows COPYed back into emptied tables in one transaction, with
the schema as it is and with its trigram, full-text and other secondary indexes left out
(each variant rolled back), which no importer can beat. With --without search,... it
imports into PostgreSQL alone with those parts of the schema left out (the full-text
document, the comments' author trigrams, the commenters' trigrams): what each costs the
import itself. Target: 20,000 comments/s on PostgreSQL.
"""

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/mod_bench_import"
STATUSES = ["1"] * 85 + ["0"] * 8 + ["spam"] * 5 + ["trash"] * 2

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="https://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="https://wordpress.org/export/1.2/">
<channel>
<title>Benchmark Gazette</title>
<link>https://bench.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example.org</wp:base_site_url>
<wp:base_blog_url>https://bench.example.org</wp:base_blog_url>
<wp:author><wp:author_login><![CDATA[editor]]></wp:author_login>
<wp:author_display_name><![CDATA[Erin Editor]]></wp:author_display_name></wp:author>
"""

ITEM = """<item>
<title>Benchmark post {n}: a headline of ordinary length</title>
<link>https://bench.example.org/{year}/post-{n}/</link>
<pubDate>Mon, 10 Jun 2024 12:29:10 +0000</pubDate>
<dc:creator><![CDATA[editor]]></dc:creator>
<guid isPermaLink="false">https://bench.example.org/?p={n}</guid>
<content:encoded><![CDATA[<!-- wp:paragraph -->
<p>First paragraph of post {n}, with <a href="https://example.org/">a link</a>.</p>
<!-- /wp:paragraph -->
<!-- wp:paragraph --><p>Second paragraph &amp; more text.</p><!-- /wp:paragraph -->
]]></content:encoded>
<wp:post_id>{n}</wp:post_id>
<wp:post_date_gmt><![CDATA[{year}-06-05 16:04:48]]></wp:post_date_gmt>
<wp:comment_status><![CDATA[open]]></wp:comment_status>
<wp:post_name><![CDATA[post-{n}]]></wp:post_name>
<wp:status><![CDATA[publish]]></wp:status>
<wp:post_type><![CDATA[post]]></wp:post_type>
"""

COMMENT = """<wp:comment>
<wp:comment_id>{id}</wp:comment_id>
<wp:comment_author><![CDATA[Reader {id}]]></wp:comment_author>
<wp:comment_author_email><![CDATA[reader{id}@example.org]]></wp:comment_author_email>
<wp:comment_author_url>https://example.org/~{id}</wp:comment_author_url>
<wp:comment_author_IP><![CDATA[192.0.2.{ip}]]></wp:comment_author_IP>
<wp:comment_date><![CDATA[{date}]]></wp:comment_date>
<wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>
<wp:comment_content><![CDATA[{body}]]></wp:comment_content>
<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
<wp:comment_type><![CDATA[{type}]]></wp:comment_type>
<wp:comment_parent>{parent}</wp:comment_parent>
<wp:comment_user_id>0</wp:comment_user_id>
</wp:comment>
"""

BODIES = [
    "I disagree with the second point. The numbers in the report say otherwise.",
    "Thanks for writing this.\n\nI shared it with my colleagues; we discussed it for an "
    "hour.",
    "Source? <a href=\"https://example.org/report\">This report</a> says the opposite.",
    "<b>Exactly.</b> Nobody asked the people who live there.",
    "Long comment. " * 30,
]


def generate(path: Path, comments: int, posts: int, seed: int = 4) -> int:
    """Write the export; return how many of its comments are importable (not pings)."""
    rng = random.Random(seed)
    per_post = comments // posts
    comment_id = 0
    made = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(1, posts + 1):
            out.write(ITEM.format(n=n, year=2000 + n % 25))
            count = per_post + (comments - per_post * posts if n == posts else 0)
            ids: list[int] = []
            deep_chain = n % 50 == 0  # every 50th post holds a 20-level chain
            for i in range(count):
                comment_id += 1
                if deep_chain and i < 20:
                    parent = ids[-1] if ids else 0
                elif ids and rng.random() < 0.6:
                    parent = rng.choice(ids[-30:])
                else:
                    parent = 0
                ids.append(comment_id)
                minute = i % 60
                out.write(COMMENT.format(
                    id=comment_id, ip=comment_id % 250, parent=parent, type="comment",
                    date=f"2024-06-{1 + i // 1440 % 28:02d} {i // 60 % 24:02d}:{minute:02d}:"
                         f"{i % 7:02d}",
                    body=rng.choice(BODIES), approved=rng.choice(STATUSES),
                ))
                made += 1
            if n % 10 == 0:
                comment_id += 1
                out.write(COMMENT.format(
                    id=comment_id, ip=1, parent=0, type="pingback", date="2024-06-01 00:00:00",
                    body="[…] linked here […]", approved="1",
                ))
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")
    return made


def postgres_reachable(url: str) -> bool:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    try:
        psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"],
                        password=cfg["PASSWORD"] or None, dbname="postgres",
                        connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def database_cpu(connection):
    """A function returning the CPU seconds the PostgreSQL backend serving `connection`
    has used, when the server runs on this machine and its /proc entry can be read (else
    None): on a machine shared with other work, CPU time compares runs better than the
    wall clock does."""
    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    stat = Path(f"/proc/{pid}/stat")

    def seconds() -> float | None:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return seconds


def run_import(path: Path, database_url: str | None, without: list[str] = ()) -> None:
    """Import `path` into a fresh database (in this process) and print the figures."""
    os.environ["TRIAGE_ENABLED"] = "false"  # scoring is not part of the import
    from bench._setup import setup_django

    setup_django(database_url)
    from django.db import connection

    if without and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for part in without:
                for statement in SCHEMA_PARTS[part]:
                    cursor.execute(statement)
        print(f"  (this database's schema left out: {', '.join(without)}; the second "
              "import and the floor are skipped)")

    from articles.importers import apply, read_plan
    from moderation.models import Comment, Flag, ModerationEvent

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queries = []

    def count(execute, sql, params, many, context):
        # Counted, not recorded: logging each 2,000-row INSERT would cost more than it.
        queries.append(None)
        return execute(sql, params, many, context)

    server_cpu = database_cpu(connection)
    with connection.execute_wrapper(count):
        server_started = server_cpu()
        started, cpu_started = time.perf_counter(), time.process_time()
        with open(path, "rb") as fileobj:
            plan = read_plan(fileobj, filename=path.name)
        parsed, cpu_parsed = time.perf_counter(), time.process_time()
        summary = apply(plan)
        done, cpu_done = time.perf_counter(), time.process_time()
        server_done = server_cpu()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    created = summary.total("created")
    assert Comment.objects.count() == created
    assert ModerationEvent.objects.filter(action="imported").count() == created
    total = done - started
    print(f"  {connection.vendor} ({plan.format}): {created:,} comments in "
          f"{len(summary.articles):,} articles; parse {parsed - started:.2f} s, write "
          f"{done - parsed:.2f} s, total {total:.2f} s = {created / total:,.0f} comments/s")
    server = (f", the database server's {server_done - server_started:.2f} s"
              if server_done is not None else "")
    print(f"    CPU: this process's parse {cpu_parsed - cpu_started:.2f} s and write "
          f"{cpu_done - cpu_parsed:.2f} s{server}")
    print(f"    {len(queries):,} queries; {Flag.objects.count():,} spam flags; peak memory "
          f"{rss_after / 1024:.0f} MB (before the import: {rss_before / 1024:.0f} MB)")
    for warning in summary.lines(per_article=False):
        if warning.startswith(("Left out", "Warning")):
            print(f"    {warning}")
    if without:
        return
    depth_warnings = sum(1 for row in summary.articles for w in row.warnings if "deeper" in w)
    print(f"    {depth_warnings} articles had replies deeper than the limit re-attached")

    started = time.perf_counter()
    with open(path, "rb") as fileobj:
        again = apply(read_plan(fileobj, filename=path.name))
    assert again.total("created") == 0 and again.count("create") == 0
    assert Comment.objects.count() == created
    print(f"    second import of the same file: nothing created, {again.total('unchanged'):,} "
          f"comments unchanged, in {time.perf_counter() - started:.2f} s")
    if connection.vendor == "postgresql":
        copy_floor(connection, server_cpu)


# What the database alone takes to store the rows an import writes, with parts of the schema
# left out: each variant drops them inside a transaction that is rolled back.
DROP_SEARCH = "ALTER TABLE moderation_comment DROP COLUMN IF EXISTS search_document"
# What --without can leave out of a PostgreSQL database before an import, to measure what
# each part costs the importer itself (the floor's variants measure COPY alone).
SCHEMA_PARTS = {
    "search": [DROP_SEARCH],
    "author-trigrams": ["DROP INDEX comment_author_name_trgm_idx",
                        "DROP INDEX comment_author_email_trgm_idx"],
    "commenter-trigrams": ["DROP INDEX commenter_name_trgm", "DROP INDEX commenter_email_trgm"],
}
FLOOR_VARIANTS = [
    ("the schema as it is", []),
    ("without the two trigram indexes on author name and email",
     ["DROP INDEX comment_author_name_trgm_idx", "DROP INDEX comment_author_email_trgm_idx"]),
    ("also without full-text search (its generated column and GIN index)",
     ["DROP INDEX comment_author_name_trgm_idx", "DROP INDEX comment_author_email_trgm_idx",
      DROP_SEARCH]),
    ("also without any other index but the primary keys and unique constraints", None),
]


def copy_floor(connection, server_cpu) -> None:
    """COPY the comments and audit rows just imported back into emptied tables, in one
    transaction with the foreign keys checked at its end, as the import's own COPY does:
    the time the database needs for these rows whatever the importer does (no parsing, no
    Python), once per FLOOR_VARIANTS entry. Prints each one's seconds, its rate, and the
    database server's CPU."""
    tables = {"moderation_comment": None, "moderation_moderationevent": None}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute("SELECT string_agg(quote_ident(column_name), ', ' ORDER BY "
                           "ordinal_position) FROM information_schema.columns WHERE "
                           "table_name = %s AND is_generated = 'NEVER'", [table])
            [columns] = cursor.fetchone()
            with cursor.cursor.copy(f"COPY {table} ({columns}) TO STDOUT") as copy:
                tables[table] = (columns, b"".join(bytes(block) for block in copy))
        cursor.execute("SELECT count(*) FROM moderation_comment")
        [rows] = cursor.fetchone()
    print(f"    the database's floor: COPY of these {rows:,} comments and their audit rows "
          "into emptied tables, foreign keys checked at commit:")
    for label, statements in FLOOR_VARIANTS:
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            try:
                if statements is None:
                    statements = [*_secondary_indexes(cursor, list(tables)), DROP_SEARCH]
                for statement in statements:
                    cursor.execute(statement)
                cursor.execute("TRUNCATE moderation_comment, moderation_moderationevent "
                               "CASCADE")
                server_started, started = server_cpu(), time.perf_counter()
                for table, (columns, data) in tables.items():
                    with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        copy.write(data)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                took, server = time.perf_counter() - started, server_cpu()
            finally:
                cursor.execute("ROLLBACK")
        cpu = f", server CPU {server - server_started:.2f} s" if server is not None else ""
        print(f"      {label}: {took:.2f} s = {rows / took:,.0f} comments/s{cpu}")


def _secondary_indexes(cursor, tables: list[str]) -> list[str]:
    """DROP statements for the indexes of `tables` that no constraint needs."""
    cursor.execute(
        "SELECT 'DROP INDEX ' || quote_ident(i.relname) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)", [tables])
    return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000)
    parser.add_argument("--format", choices=["wxr", "json", "both"], default="both",
                        help="the export format(s) to generate and import (default: both)")
    parser.add_argument("--file", type=Path, help="import this file instead of generating one")
    parser.add_argument("--without", default="",
                        help="PostgreSQL only, comma-separated: leave these parts of the schema "
                        f"out before importing ({', '.join(SCHEMA_PARTS)}), to see what each "
                        "costs the importer; SQLite is then skipped")
    parser.add_argument("--run", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    without = [part for part in args.without.split(",") if part]
    if unknown := set(without) - set(SCHEMA_PARTS):
        parser.error(f"--without: unknown {', '.join(sorted(unknown))}")
    postgres_url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)

    if args.run:
        run_import(args.file, postgres_url if args.run == "postgres" else None, without)
        return

    if args.file is not None:
        paths = [args.file]
    else:
        formats = ["wxr", "json"] if args.format == "both" else [args.format]
        paths = [generated(fmt, args.comments, args.posts) for fmt in formats]
    targets = [] if without else ["sqlite"]
    if postgres_reachable(postgres_url):
        targets.append("postgres")
    elif without:
        parser.error(f"--without needs PostgreSQL, and {postgres_url} does not answer")
    else:
        print(f"PostgreSQL at {postgres_url} does not answer; SQLite only.")
    for path in paths:
        for target in targets:
            # A fresh process each, so one run's peak memory does not hide the other's.
            subprocess.run([sys.executable, __file__, "--run", target, "--file", str(path),
                            "--without", ",".join(without)],
                           check=True, env={**os.environ, "BENCH_DATABASE_URL": ""})


def generated(fmt: str, comments: int, posts: int) -> Path:
    """Write a benchmark export in `fmt` to the temporary directory; return its path."""
    started = time.perf_counter()
    if fmt == "wxr":
        path = Path(tempfile.gettempdir()) / f"bench_import_{comments}_{posts}.xml"
        made = generate(path, comments, posts)
        print(f"Generated {path} ({path.stat().st_size / 1e6:.1f} MB, {made:,} comments in "
              f"{posts:,} posts) in {time.perf_counter() - started:.1f} s")
        return path
    path = Path(tempfile.gettempdir()) / f"bench_import_{comments}.json"
    make_data = Path(__file__).resolve().parent / "make_data.py"
    subprocess.run([sys.executable, str(make_data), "--json", str(path), "--comments",
                    str(comments)], check=True, stdout=subprocess.DEVNULL)
    print(f"Generated {path} ({path.stat().st_size / 1e6:.1f} MB, {comments:,} comments, "
          f"make_data.py --json) in {time.perf_counter() - started:.1f} s")
    return path


if __name__ == "__main__":
    main()
