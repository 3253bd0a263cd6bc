"""Where commenters come from besides posting: imports (by the export's author email or
id) and the data migration that gave the comments already here their commenters."""

import importlib

import pytest
from django.apps import apps
from django.db import connection

from articles import importers
from moderation.models import Comment, Commenter, Flag
from tests.factories import make_comment

pytestmark = pytest.mark.django_db


def test_imported_comments_are_tied_by_author_email_or_else_by_author_id(tmp_path):
    export = tmp_path / "export.json"
    export.write_text("""{"format": "newsroom-comments", "version": 1, "source": "site",
      "articles": [{"id": "1", "title": "One", "comments": [
        {"id": "a", "author_name": "Jo", "author_email": "Jo@Example.org", "body": "1",
         "status": "approved", "created": "2024-01-01T10:00:00"},
        {"id": "b", "author_name": "Jo B.", "author_email": "jo@example.org ", "body": "2",
         "status": "hidden", "hidden_reason": "spam", "created": "2024-01-02T10:00:00"},
        {"id": "c", "author_name": "Kim", "author_id": "77", "body": "3",
         "status": "pending", "created": "2024-01-03T10:00:00"},
        {"id": "d", "author_name": "Kim K", "author_id": "77", "body": "4",
         "status": "approved", "created": "2024-01-04T10:00:00"},
        {"id": "e", "author_name": "Nobody", "body": "5", "status": "approved",
         "created": "2024-01-05T10:00:00"}]}]}""")
    with open(export, "rb") as fileobj:
        importers.apply(importers.read_plan(fileobj, filename="export.json"))
    by_key = {c.import_key: c for c in Comment.objects.select_related("commenter")}
    jo, kim = by_key["a"].commenter, by_key["c"].commenter
    assert by_key["b"].commenter == jo and by_key["d"].commenter == kim
    assert by_key["e"].commenter is None
    assert (jo.email_key, jo.display_name, jo.approved_count, jo.hidden_count) == (
        "jo@example.org", "Jo B.", 1, 1)
    assert (kim.external_key, kim.display_name, kim.pending_count, kim.approved_count) == (
        "json:site:77", "Kim K", 1, 1)
    assert jo.first_seen == by_key["a"].created and jo.trouble_at == by_key["b"].created
    # Importing again ties nothing twice and makes no one new.
    with open(export, "rb") as fileobj:
        importers.apply(importers.read_plan(fileobj, filename="export.json"))
    assert Commenter.objects.count() == 2


def test_the_data_migration_gives_existing_comments_their_commenters(
    article, reader, django_user_model
):
    guest_a = make_comment(article, author_name="Ann", author_email="ann@example.org")
    guest_b = make_comment(article, author_name="Ann again", author_email=" ANN@example.org",
                           status=Comment.Status.HIDDEN)
    own = make_comment(article, author_name="Rita", user=reader,
                       author_email="rita@example.org")
    as_guest = make_comment(article, author_name="Rita as guest",
                            author_email="rita@example.org", status=Comment.Status.PENDING)
    nobody = make_comment(article, author_name="Anon")
    Flag.objects.create(comment=guest_a, reason="spam", source="reader", reporter_key="k")
    migration = importlib.import_module("moderation.migrations.0007_commenters_data")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.create_commenters(apps, editor)

    ann = Commenter.objects.get(email_key="ann@example.org")
    rita = Commenter.objects.get(user=reader)
    assert set(Comment.objects.filter(commenter=ann)) == {guest_a, guest_b}
    assert set(Comment.objects.filter(commenter=rita)) == {own, as_guest}
    assert Comment.objects.get(pk=nobody.pk).commenter is None
    assert (ann.display_name, ann.approved_count, ann.hidden_count, ann.reported_count) == (
        "Ann again", 1, 1, 1)
    assert (rita.email_key, rita.approved_count, rita.pending_count) == (
        "rita@example.org", 1, 1)
    assert Commenter.objects.count() == 2
