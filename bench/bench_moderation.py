"""Time moderation actions on a big subtree and the queue page at two sizes; print figures.

    DJANGO_DEBUG=1 .venv/bin/python bench/bench_moderation.py [--sizes 2000,10000]

The live queue's poll is measured at each queue size (--sizes 2000,100000 for its cost per
moderator at 10^5 comments).

Uses a scratch SQLite file in a new /tmp directory by default. With DATABASE_URL pointing
at PostgreSQL it uses a scratch database beside it, named <name>_bench_moderation (dropped
and made anew; the DATABASE_URL database itself is never touched); BENCH_DATABASE_URL
names the scratch database outright.

The bar to beat, django-comments-xtd: 290 queries to moderate a comment with 112 replies.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import setup_django  # noqa: E402

XTD_QUERIES = 290


def scratch_database_url() -> str | None:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = parts.path.lstrip("/") or "postgres"
        return urlunsplit(parts._replace(path=f"/{name}_bench_moderation"))
    return None


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum does in service
    within a minute (without it, PostgreSQL plans for the empty tables it last saw)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000",
                        help="queue sizes to measure, comma-separated, ascending")
    parser.add_argument("--replies", type=int, default=112)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))

    setup_django(scratch_database_url())
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from articles.models import Article
    from moderation import services
    from moderation.models import Comment, Flag, Reason

    Status = Comment.Status

    def measure(action):
        """Run `action` once; return (seconds, queries, its result)."""
        queries = 0

        # Counted as they run: Django's query log keeps only the last 9,000, which a ban's
        # task runs past (and then CaptureQueriesContext counts nothing).
        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            result = action()
            elapsed = time.perf_counter() - started
        return elapsed, queries, result

    def summary(samples) -> str:
        times = [t for t, _, _ in samples]
        counts = sorted({q for _, q, _ in samples})
        count = counts[0] if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
        return (f"median {statistics.median(times) * 1000:.1f} ms, "
                f"min {min(times) * 1000:.1f} ms, {count} queries")

    moderator = get_user_model().objects.create_user("bench-moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(moderator)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")

    # ---- one comment with a big subtree -----------------------------------------------------
    article = Article.objects.create(title="Subtree", slug="subtree", body="Text.")
    root = Comment(article=article, author_name="Root", body="The root comment.",
                   status=Status.PENDING, created=timezone.now())
    made, parent, depth = [root], root, 0
    for i in range(args.replies):
        # A chain ten deep, then siblings under the root: deep and wide, like a hot thread.
        if depth >= 10:
            parent, depth = root, 0
        reply = Comment(article=article, parent=parent, author_name=f"Replier {i}",
                        body=f"Reply {i}.", status=Status.APPROVED, created=timezone.now())
        made.append(reply)
        parent, depth = reply, depth + 1
    Comment.objects.bulk_create_threaded(made)
    subtree = Comment.objects.filter(article=article).count() - 1
    print(f"\nA comment with {subtree} replies (django-comments-xtd: {XTD_QUERIES} queries)")

    approvals, hides = [], []
    for _ in range(args.repeat):
        root.refresh_from_db()
        approvals.append(measure(lambda: services.approve(
            comment=root, actor=moderator, expected_status=root.status)))
        hides.append(measure(lambda: services.hide(
            comment=root, actor=moderator, reason=Reason.SPAM, expected_status=Status.APPROVED)))
    print(f"  services.approve: {summary(approvals)}")
    print(f"  services.hide:    {summary(hides)}")

    def post(name, data):
        response = client.post(reverse(f"moderation:{name}", args=[root.pk]),
                               {"next": "/moderation/", **data}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code
        return response

    requests_ = []
    for _ in range(args.repeat):
        requests_.append(measure(lambda: post("approve", {"expected_status": "hidden"})))
        requests_.append(measure(lambda: post("hide", {"expected_status": "approved",
                                                       "reason": "abusive"})))
    print(f"  whole htmx request (approve or hide, card and tab counts re-rendered): "
          f"{summary(requests_)}")

    # ---- the queue at growing sizes --------------------------------------------------------
    queue = Article.objects.create(title="Queue", slug="queue", body="Text.")
    start = timezone.now() - timedelta(days=60)
    made_so_far = 0

    def grow(to: int) -> None:
        nonlocal made_so_far
        batch, parent = [], None
        for i in range(made_so_far, to):
            # One in five is a reply to the comment before it.
            parent = parent if i % 5 and parent is not None else None
            comment = Comment(article=queue, parent=parent, author_name=f"Reader {i}",
                              author_email=f"reader{i}@example.org",
                              body=f"Comment {i} about the accords, see https://example.org/{i}",
                              status=Status.PENDING, created=start + timedelta(seconds=i))
            batch.append(comment)
            parent = comment
        Comment.objects.bulk_create_threaded(batch)
        # Flags and decisions spread through the queue, made the way the app makes them.
        fresh = Comment.objects.filter(article=queue).order_by("created")[made_so_far:to]
        for i, comment in enumerate(fresh):
            if i % 50 == 0:
                services.flag(comment=comment, actor=None, reason=Reason.SPAM,
                              source=Flag.Source.READER, reporter_key=f"r{comment.pk}")
            elif i % 40 == 0:
                services.flag(comment=comment, actor=moderator, reason=Reason.ABUSIVE)
            elif i % 25 == 0:
                services.approve(comment=comment, actor=moderator)
            elif i % 33 == 0:
                services.hide(comment=comment, actor=moderator, reason=Reason.OFF_TOPIC)
        made_so_far = to

    views = [
        ("Needs review, oldest first", {}),
        ("All, newest first", {"tab": "all", "sort": "newest"}),
        ("Reported", {"tab": "reported"}),
        ("Needs review, text + author filter", {"q": "accords", "author": "reader1"}),
        ("Needs review, last page", {"page": "9999"}),
    ]
    url = reverse("moderation:queue")
    other = get_user_model().objects.create_user("bench-other", is_staff=True)
    other.groups.add(Group.objects.get(name="Moderators"))

    def live_poll(size: int) -> None:
        """The live queue's poll (moderation:live), which every open queue sends every
        MODERATION_LIVE_POLL seconds: idle, and with another moderator's decisions on the
        shown cards and new comments since the page's cursor."""
        from django.conf import settings

        from moderation.models import ModerationEvent

        live_url = reverse("moderation:live")
        shown = list(Comment.objects.filter(article=queue).needs_review()
                     .order_by("created", "pk").values_list("pk", flat=True)[:25])
        cursor = ModerationEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
        params = {"view": "queue", "after": cursor, "shown": ",".join(map(str, shown)),
                  "looking": shown[0]}
        client.get(live_url, params)  # warm up; presence written
        idle = [measure(lambda: client.get(live_url, params)) for _ in range(args.repeat)]
        for pk in shown[1:4]:
            services.hide(comment=Comment.objects.get(pk=pk), actor=other, reason=Reason.SPAM)
        for i in range(2):
            services.post_comment(article=queue, author_name=f"Late {size}.{i}", body="New.")
        busy = [measure(lambda: client.get(live_url, params)) for _ in range(args.repeat)]
        data = busy[-1][2].json()
        every = settings.MODERATION_LIVE_POLL
        print(f"  live poll, nothing new: {summary(idle)}")
        print(f"  live poll, {len(data['decided'])} shown cards decided by another moderator "
              f"and {len(data['arrived'])} new comments: {summary(busy)}")
        print(f"  per moderator with a queue open: one poll every {every:g} s, "
              f"{statistics.median(t for t, _, _ in busy) * 1000 / every:.1f} ms of server "
              f"time a second")

    for size in sizes:
        grow(size)
        analyze()
        total = Comment.objects.filter(article=queue).count()
        print(f"\nQueue of {total} comments "
              f"({Comment.objects.filter(article=queue).needs_review().count()} need review)")
        for label, params in views:
            client.get(url, params)  # warm up
            samples = []
            for _ in range(args.repeat):
                samples.append(measure(lambda p=params: client.get(url, p)))
            size_kib = len(samples[-1][2].content) / 1024
            print(f"  {label}: {summary(samples)}, {size_kib:.0f} KiB")
        live_poll(size)

    # ---- one person with many comments (commenters: their record, page and ban) -----------
    from moderation import tasks
    from moderation.models import Commenter
    from moderation.services.people import HIDE_BATCH

    people = Article.objects.create(title="People", slug="people", body="Text.",
                                    comment_policy="post")
    for size in sizes:
        person = Commenter.objects.create(display_name=f"Prolific {size}",
                                          email_key=f"prolific{size}@example.org")
        Comment.objects.bulk_create_threaded(
            Comment(article=people, author_name=person.display_name, commenter=person,
                    author_email=person.email_key, body=f"Comment {i} by a regular.",
                    status=Status.APPROVED if i % 3 else Status.PENDING,
                    created=start + timedelta(seconds=i))
            for i in range(size)
        )
        services.recount_commenters([person.pk])
        analyze()
        print(f"\nOne commenter with {size} comments")
        pages = [
            ("their page (newest first, paged)",
             reverse("moderation:commenter", args=[person.pk]), {}),
            ("queue filtered to them", url, {"tab": "all", "commenter": person.pk}),
            ("Commenters list, name search", reverse("moderation:commenters"),
             {"q": "prolific"}),
        ]
        for label, page_url, params in pages:
            client.get(page_url, params)
            samples = [measure(lambda u=page_url, p=params: client.get(u, p))
                       for _ in range(args.repeat)]
            print(f"  {label}: {summary(samples)}")
        elapsed, count, ban = measure(lambda p=person: services.ban_commenter(
            commenter=p, actor=moderator, reason="bench", hide_all=True))
        print(f"  ban with hide all (the request: the hiding is queued): "
              f"{elapsed * 1000:.1f} ms, {count} queries")
        # What a worker then runs: hide_comments_of_ban, a batch per transaction.
        elapsed, count, _ = measure(lambda b=ban: tasks.hide_comments_of_ban.call(b.pk))
        hidden = ban.hides.count()
        print(f"  its task ({hidden} comments hidden through services.hide, "
              f"{HIDE_BATCH} a transaction): {elapsed:.2f} s, {count} queries")
        elapsed, count, _ = measure(lambda b=ban: services.undo_commenter_event(
            event=b, actor=moderator))
        print(f"  its undo (the request: the restoring is queued): "
              f"{elapsed * 1000:.1f} ms, {count} queries")
        # What a worker then runs: restore_comments_of_ban, a batch per transaction.
        elapsed, count, _ = measure(lambda b=ban: tasks.restore_comments_of_ban.call(b.pk))
        restored = ban.hides.filter(undone_by__isnull=False).count()
        print(f"  its task ({restored} comments restored through services.undo, "
              f"{HIDE_BATCH} a transaction): {elapsed:.2f} s, {count} queries")


if __name__ == "__main__":
    main()
