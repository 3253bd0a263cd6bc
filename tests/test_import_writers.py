"""The two ways comments are written (bulk_create_threaded everywhere, COPY on PostgreSQL)
build the same threads, in a number of queries that does not grow with the comments."""

import pytest

from articles import importers
from articles.importers import engine, writer
from moderation.models import Comment, Flag, ModerationEvent

pytestmark = pytest.mark.django_db


def thread_file(wxr_file, posts, per_post):
    items = []
    for post in range(1, posts + 1):
        comments = []
        for n in range(1, per_post + 1):
            # Chains of three under each top-level comment; siblings out of date order.
            parent = n - 1 if n % 3 else 0
            statuses = ["1", "0", "spam", "trash"]
            comments.append({"id": n, "approved": statuses[n % 4], "parent": parent,
                             "date": f"2024-05-01 10:{(per_post - n) % 60:02d}:00"})
        items.append({"post_id": post, "comments": comments})
    return wxr_file(items)


def read(path):
    with open(path, "rb") as fileobj:
        return importers.read_plan(fileobj, filename=path.name)


def threads():
    return sorted(
        (c.article.import_id, c.import_key, c.parent.import_key if c.parent else None, c.seq,
         c.path, c.depth, c.status)
        for c in Comment.objects.select_related("article", "parent")
    )


def audit():
    return sorted(
        (e.comment.import_key, e.comment.article.import_id, e.action, e.actor_label,
         e.status_after, e.reason, e.note)
        for e in ModerationEvent.objects.select_related("comment__article")
    ), sorted(
        (f.comment.import_key, f.comment.article.import_id, f.reason, f.source,
         f.resolved_event_id == f.event_id)
        for f in Flag.objects.select_related("comment__article")
    )


@pytest.mark.postgres
def test_copy_and_bulk_create_threaded_build_the_same_threads(wxr_file, monkeypatch):
    plan = read(thread_file(wxr_file, posts=3, per_post=25))
    importers.apply(plan)
    assert isinstance(writer.writer_for("wxr", 16), writer.CopyWriter)
    copied = threads(), audit()
    Flag.objects.all().delete()
    ModerationEvent.objects.all().delete()
    for depth in range(16, -1, -1):
        Comment.objects.filter(depth=depth).delete()
    from articles.models import Article

    Article.objects.all().delete()

    monkeypatch.setattr(engine, "writer_for", lambda label, depth: writer.ModelWriter(
        label, depth))
    importers.apply(plan)
    assert (threads(), audit()) == copied


@pytest.mark.parametrize(("posts", "per_post"), [(5, 20), (40, 40)])
def test_an_import_costs_queries_per_batch_not_per_comment(
    wxr_file, django_assert_max_num_queries, posts, per_post
):
    plan = read(thread_file(wxr_file, posts, per_post))
    # One chunk of articles: a fixed number of queries with COPY; on other databases, one
    # INSERT more per batch of rows that fits the database's parameter limit (SQLite: 999
    # parameters, so 62 comments or 99 audit rows at a time). Their commenters cost 7 more
    # per chunk: with COPY, staged in a temporary table, the missing ones inserted, all read
    # back, the table dropped, then the chunk's counts staged, added and dropped; elsewhere
    # found, created and read back, and recounted in one UPDATE per 400.
    # The queue counters take two statements at the end of the import (its articles' rows,
    # the site-wide totals).
    from django.db import connection

    rows = posts * per_post
    limit = 20 if connection.vendor == "postgresql" else 21 + rows // 20
    with django_assert_max_num_queries(limit):
        importers.apply(plan)
    assert Comment.objects.count() == posts * per_post
    with django_assert_max_num_queries(3):
        importers.preview(plan)


@pytest.mark.postgres
def test_ids_come_from_the_sequence_whether_or_not_they_are_one_run():
    from django.db import connection

    from moderation.models import allocate_ids

    run = allocate_ids(Comment, 5)
    assert list(run) == list(range(run[0], run[0] + 5))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('moderation_comment', 'id')")
        [sequence] = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
        try:
            spread = allocate_ids(Comment, 4)
        finally:
            cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    assert list(spread) == [spread[0] + 3 * n for n in range(4)]
    assert spread[0] > run[-1]


def test_an_import_adds_its_comments_to_their_commenters_as_a_recount_would(wxr_file, article):
    from moderation import services
    from moderation.models import Commenter
    from tests.factories import make_comment

    # One of the authors has commented here before, and been hidden.
    known = Commenter.objects.create(email_key="r0@example.org", display_name="R0")
    make_comment(article, commenter=known, status=Comment.Status.HIDDEN)
    statuses = ["1", "0", "spam", "trash"]
    items = [{"post_id": post, "comments": [
        {"id": n, "approved": statuses[n % 4], "parent": 0, "email": f"r{n % 3}@example.org",
         "date": f"2024-05-0{post} 10:{n:02d}:00"} for n in range(1, 13)
    ]} for post in (1, 2)]
    importers.apply(read(wxr_file(items)))
    fields = ["email_key", "approved_count", "pending_count", "hidden_count", "reported_count",
              "first_seen", "last_seen", "trouble_at"]
    counted = list(Commenter.objects.order_by("pk").values(*fields))
    assert [c["email_key"] for c in counted] == [f"r{n}@example.org" for n in (0, 1, 2)]
    assert sum(c["approved_count"] + c["pending_count"] + c["hidden_count"]
               for c in counted) == 25
    services.recount_commenters(Commenter.objects.values_list("pk", flat=True))
    assert list(Commenter.objects.order_by("pk").values(*fields)) == counted


def commenter_records():
    from moderation.models import Commenter

    return list(Commenter.objects.order_by("pk").values(
        "email_key", "display_name", "approved_count", "pending_count", "hidden_count",
        "reported_count", "first_seen", "last_seen", "trouble_at"))


def test_commenters_made_in_one_batch_are_counted_in_the_next_as_a_recount_would(
    wxr_file, monkeypatch
):
    from moderation import services
    from moderation.models import Commenter

    # Three articles of six comments by three readers, written a batch per article.
    monkeypatch.setattr(engine, "CHUNK_COMMENTS", 5)
    statuses = ["1", "0", "spam", "trash"]
    items = [{"post_id": post, "comments": [
        {"id": n, "approved": statuses[(n + post) % 4], "parent": 0,
         "email": f"r{n % 3}@example.org",
         "date": f"2024-05-0{post} 10:{n:02d}:00"} for n in range(1, 7)
    ]} for post in (1, 2, 3)]
    importers.apply(read(wxr_file(items)))
    counted = commenter_records()
    assert len(counted) == 3
    assert sum(c["approved_count"] + c["pending_count"] + c["hidden_count"]
               for c in counted) == 18
    services.recount_commenters(Commenter.objects.values_list("pk", flat=True))
    assert commenter_records() == counted


def test_a_second_import_of_the_same_file_changes_no_commenter(wxr_file):
    path = thread_file(wxr_file, posts=2, per_post=9)
    importers.apply(read(path))
    first = commenter_records(), threads(), audit()
    again = importers.apply(read(path))
    assert again.total("created") == 0
    assert (commenter_records(), threads(), audit()) == first
