"""Render a 10,000-comment article as readers see it and print the figures.

    DJANGO_DEBUG=1 .venv/bin/python bench/bench_thread.py [--comments 10000] [--users]

Uses a scratch SQLite file in /tmp, or the database named by BENCH_DATABASE_URL
(e.g. postgres://postgres@127.0.0.1:5432/mod_bench_thread; it is dropped and made anew).
The bar to beat, django-comments-xtd on this machine: 3.4 s and 14 MB of HTML for a
10,000-comment thread, and 20,004 queries when the comments have users.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--users", action="store_true", help="give every comment a user")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from articles.models import Article
    from moderation.models import Comment

    user = None
    if args.users:
        user = get_user_model().objects.create_user("bench-user")
    article = Article.objects.create(title="Benchmark", slug="bench", body="Text.\nMore text.")
    # 2,000 top-level comments, each followed by a chain of four replies: five per slot.
    made = []
    now = timezone.now()
    top_level = args.comments // 5
    started = time.perf_counter()
    for i in range(top_level):
        parent = Comment(article=article, author_name=f"Reader {i}", user=user,
                         body=f"Top-level comment {i} with a link https://example.org/{i}.\n"
                              "And a second line.", status="approved", created=now)
        made.append(parent)
        for j in range(4):
            parent = Comment(article=article, parent=parent, author_name=f"Replier {i}.{j}",
                             user=user, body=f"Reply {j} to {i} <not a tag> & more.",
                             status="approved", created=now)
            made.append(parent)
    Comment.objects.bulk_create_threaded(made)
    print(f"database: {connection.vendor}; {len(made)} comments created in "
          f"{time.perf_counter() - started:.2f} s")

    client = Client()
    url_path = article.get_absolute_url()

    def render(query: str):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(url_path + query)
            elapsed = time.perf_counter() - t0
        assert response.status_code == 200, response.status_code
        return elapsed, len(response.content), len(queries)

    render("")  # warm up templates and connections
    elapsed, size, queries = min(render("") for _ in range(5))
    print(f"first page ({settings.COMMENTS_PER_PAGE} top-level comments with replies): "
          f"{elapsed * 1000:.1f} ms, {size / 1024:.0f} KiB HTML, {queries} queries")

    pages = -(-top_level // settings.COMMENTS_PER_PAGE)
    total_time = total_size = total_queries = 0
    for number in range(1, pages + 1):
        elapsed, size, queries = render(f"?page={number}")
        total_time += elapsed
        total_size += size
        total_queries += queries
    print(f"full thread, all {pages} pages: {total_time:.2f} s, "
          f"{total_size / 1024 / 1024:.1f} MiB HTML, {total_queries} queries "
          f"({total_queries / pages:.0f} a page)")

    settings.COMMENTS_PER_PAGE = top_level
    elapsed, size, queries = render("")
    print(f"full thread as one page: {elapsed:.2f} s, {size / 1024 / 1024:.1f} MiB HTML, "
          f"{queries} queries")


if __name__ == "__main__":
    main()
