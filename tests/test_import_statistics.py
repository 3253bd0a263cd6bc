"""After a big import the planner knows the tables it wrote to, even where autovacuum is
off or behind: the queue's pages are planned on indexes from the first request."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from moderation.models import Comment, bulk, settle_after_load

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def planner_knows(table: str):
    """(rows as the planner counts them, last VACUUM, last ANALYZE) of `table`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.reltuples, s.last_vacuum, s.last_analyze FROM pg_class c "
                       "JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = %s",
                       [table])
        return cursor.fetchone()


def export(wxr_file, comments: int, *, first_post: int = 1):
    """A WordPress export of `comments` comments, ten on each post."""
    return wxr_file([{"post_id": post, "comments": [
        {"id": post * 1000 + n, "approved": "1" if n % 4 else "0"} for n in range(10)]}
        for post in range(first_post, first_post + comments // 10)])


def test_an_import_that_adds_many_comments_vacuums_and_analyzes_what_it_wrote(
        wxr_file, monkeypatch):
    monkeypatch.setattr(bulk, "SETTLE_AFTER_ROWS", 50)
    started = timezone.now()
    call_command("import_articles", str(export(wxr_file, 80)), stdout=StringIO(),
                 stderr=StringIO())
    for table in ("moderation_comment", "moderation_moderationevent", "articles_article"):
        rows, vacuumed, analyzed = planner_knows(table)
        assert vacuumed >= started and analyzed >= started, table
    assert planner_knows("moderation_comment")[0] == Comment.objects.count() == 80


def test_an_import_small_beside_the_table_leaves_its_statistics_to_autovacuum(
        wxr_file, monkeypatch):
    monkeypatch.setattr(bulk, "SETTLE_AFTER_ROWS", 50)
    call_command("import_articles", str(export(wxr_file, 80)), stdout=StringIO(),
                 stderr=StringIO())
    settled = planner_knows("moderation_comment")
    # 60 more comments: over the 50 rows, under 50 + a fifth of the 80 already there.
    call_command("import_articles", str(export(wxr_file, 60, first_post=100)),
                 stdout=StringIO(), stderr=StringIO())
    assert Comment.objects.count() == 140
    assert planner_knows("moderation_comment") == settled


def test_settling_inside_a_transaction_only_analyzes():
    with transaction.atomic():
        assert settle_after_load(Comment, 1_000_000)  # VACUUM would fail in a transaction


def test_a_small_load_is_left_alone():
    assert not settle_after_load(Comment, 999)
