"""Render 10,000-comment articles as readers see them and print the figures.

    DJANGO_DEBUG=1 .venv/bin/python bench/bench_thread.py [--comments 10000] [--users]
        [--runs 5]

Two stories of --comments each: "chains" (a fifth top-level comments, each followed by a
chain of four replies) and "bushy" (make_data.py's viral story: 4% top-level, 8 hot
comments with 150-300 direct replies and big subtrees, chains 10 deep). For each:

- the first page, as an anonymous reader gets it: cold (nothing cached) and warm (from
  the cache), time, bytes, comments shown, queries;
- the whole thread rendered at once, through the reader's own row loop
  (articles/thread_rows.py fed by moderation.threads.whole_thread()), beside
  the floor: a bare Python loop that only escapes each body, and one that makes each
  body's HTML as the page does (render_body: escaped, line breaks, links).

Uses a scratch SQLite file in /tmp, or the database named by BENCH_DATABASE_URL
(e.g. postgres://postgres@127.0.0.1:5432/bench_thread; it is dropped and made anew).
The bar: django-comments-xtd's full tree of 10,000 comments took 6.6 s here (issue 10), so
the whole thread must render in at most 0.66 s.
"""

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import setup_django  # noqa: E402

XTD_SECONDS = 6.6


def best(fn, runs: int):
    results = [fn() for _ in range(runs)]
    return min(results, key=lambda r: r[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--users", action="store_true", help="give every comment a user")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.html import escape

    from articles.models import Article
    from articles.thread_rows import render_rows
    from bench.make_data import viral_tree
    from moderation.models import Comment
    from moderation.rendering import render_body
    from moderation.threads import Links, whole_thread

    user = None
    if args.users:
        user = get_user_model().objects.create_user("bench-user")
    now = timezone.now()

    def chains(article):
        made = []
        for i in range(args.comments // 5):
            parent = Comment(article=article, author_name=f"Reader {i}", user=user,
                             body=f"Top-level comment {i} with a link https://example.org/{i}.\n"
                                  "And a second line.", status="approved", created=now)
            made.append(parent)
            for j in range(4):
                parent = Comment(article=article, parent=parent, author_name=f"Replier {i}.{j}",
                                 user=user, body=f"Reply {j} to {i} <not a tag> & more.",
                                 status="approved", created=now)
                made.append(parent)
        return made

    def bushy(article):
        tree = viral_tree(random.Random(7), args.comments, 86400.0)
        made = []
        for i, parent in enumerate(tree.parents):
            made.append(Comment(
                article=article, parent=made[parent] if parent >= 0 else None,
                author_name=f"Reader {i}", user=user,
                body=f"Comment {i} on the story, with a link https://example.org/{i} "
                     "<and a tag-like word> & an ampersand.",
                status="approved", created=now,
            ))
        return made

    client = Client()
    rows = []
    for name, build in (("chains", chains), ("bushy", bushy)):
        article = Article.objects.create(title=name, slug=f"bench-{name}",
                                         body="Text.\nMore text.")
        started = time.perf_counter()
        made = build(article)
        Comment.objects.bulk_create_threaded(made)
        print(f"{name}: {len(made):,} comments created in {time.perf_counter() - started:.1f} s"
              f" ({connection.vendor})", flush=True)
        url = article.get_absolute_url()

        def page(cold: bool, url=url):
            if cold:
                cache.clear()
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - t0
            assert response.status_code == 200, response.status_code
            html = response.content.decode()
            shown = len(re.findall(r'<li id="c\d+"', html))
            return elapsed, len(response.content), shown, len(queries)

        page(cold=True)  # templates and connections
        cold = best(lambda page=page: page(True), args.runs)
        warm = best(lambda page=page: page(False), args.runs)
        print(f"  first page cold: {cold[0] * 1000:.1f} ms, {cold[1] / 1024:.0f} KiB, "
              f"{cold[2]} comments, {cold[3]} queries", flush=True)
        print(f"  first page warm: {warm[0] * 1000:.1f} ms, {warm[1] / 1024:.0f} KiB, "
              f"{warm[3]} queries", flush=True)

        links = Links(article_url=url, comments_url=reverse("comment_post", args=[article.slug]),
                      accepts_replies=True, reply_depth_limit=15)
        bodies = list(Comment.objects.filter(article=article).values_list("body", "body_format"))

        def floor_escape(bodies=bodies):
            t0 = time.perf_counter()
            html = "".join(f"<li>{escape(body)}</li>" for body, _f in bodies)
            return time.perf_counter() - t0, len(html)

        def floor_bodies(bodies=bodies):
            t0 = time.perf_counter()
            html = "".join(f"<li>{render_body(body, fmt)}</li>" for body, fmt in bodies)
            return time.perf_counter() - t0, len(html)

        def whole(article=article, links=links):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                items = whole_thread(article, links=links)
                built = time.perf_counter()
                html = render_rows(items)
                done = time.perf_counter()
            return done - t0, len(html), built - t0, len(queries), len(items)

        floor = best(floor_escape, args.runs)
        floor_html = best(floor_bodies, args.runs)
        full = best(whole, args.runs)
        print(f"  whole thread: {full[0]:.3f} s ({full[2]:.3f} s reading and making rows, "
              f"{full[0] - full[2]:.3f} s the template), {full[1] / 1024 / 1024:.1f} MiB, "
              f"{full[4]:,} rows, {full[3]} queries", flush=True)
        print(f"  floor, escape only: {floor[0]:.3f} s; bodies as the page makes them: "
              f"{floor_html[0]:.3f} s", flush=True)
        rows.append((name, cold, warm, full, floor, floor_html))

    print()
    print(f"| story ({args.comments:,} comments) | first page cold | first page warm "
          f"| whole thread | floor: escape | floor: bodies | xtd full tree |")
    print("|---|---|---|---|---|---|---|")
    for name, cold, warm, full, floor, floor_html in rows:
        print(f"| {name} | {cold[0] * 1000:.0f} ms, {cold[1] / 1024:.0f} KiB, {cold[2]} "
              f"comments, {cold[3]} queries | {warm[0] * 1000:.1f} ms, {warm[3]} queries "
              f"| {full[0]:.2f} s, {full[3]} queries | {floor[0]:.3f} s | {floor_html[0]:.2f} s "
              f"| {XTD_SECONDS} s (target ≤ {XTD_SECONDS / 10:.2f} s) |")


if __name__ == "__main__":
    main()
