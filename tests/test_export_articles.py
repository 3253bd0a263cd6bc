"""export_articles writes our JSON format; importing it on an empty database gives back the
same articles, comments, statuses and nesting."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from moderation import services
from moderation.models import Comment, Flag, ModerationEvent
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

ARTICLE_FIELDS = ["title", "slug", "outlet", "byline", "published_at", "body", "editors_note",
                  "editors_note_author", "source_url", "comment_policy"]


def snapshot():
    """Everything the export promises to carry, independent of database ids."""
    articles = {}
    for article in Article.objects.order_by("slug"):
        comments = list(article.comments.order_by("path"))
        index = {c.pk: i for i, c in enumerate(comments)}
        articles[article.slug] = {
            **{name: getattr(article, name) for name in ARTICLE_FIELDS},
            "comments": [
                (c.author_name, c.author_email, c.body, c.body_format, c.status, c.created,
                 c.depth, index.get(c.parent_id))
                for c in comments
            ],
        }
    return articles


def empty_the_database():
    Flag.objects.all().delete()
    ModerationEvent.objects.all().delete()
    for depth in sorted(set(Comment.objects.values_list("depth", flat=True)), reverse=True):
        Comment.objects.filter(depth=depth).delete()
    Article.objects.all().delete()


@pytest.fixture
def site(admin_user, wxr_file):
    """A native article with a moderated thread, and an article imported from WordPress."""
    start = datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
    native = make_article(title="Budget vote", slug="budget-vote", byline="Ann Reporter",
                          editors_note="Updated with the final count.",
                          editors_note_author="Desk", source_url="https://news.example.org/b",
                          comment_policy="post", published_at=start)
    top = make_comment(native, body="Top <not a tag> & text", author_email="t@example.org",
                       created=start + timedelta(minutes=1))
    reply = make_comment(native, parent=top, body="A reply", created=start + timedelta(minutes=2))
    make_comment(native, parent=reply, body="<p>Deeper</p>", body_format="html",
                 status="pending", created=start + timedelta(minutes=3))
    spam = make_comment(native, body="Buy now", created=start + timedelta(minutes=4))
    services.hide(comment=spam, actor=admin_user, reason="spam")
    rude = make_comment(native, parent=top, body="Rude", created=start + timedelta(minutes=5))
    services.hide(comment=rude, actor=admin_user, reason="abusive")
    call_command("import_articles", str(wxr_file([{"post_id": 9, "title": "From WordPress",
                                                    "comments": [
        {"id": 1, "approved": "1"}, {"id": 2, "approved": "0", "parent": 1},
        {"id": 3, "approved": "spam"}]}])), stdout=StringIO())
    return native


def test_export_then_import_on_an_empty_database_gives_back_the_same_site(site, tmp_path):
    before = snapshot()
    path = tmp_path / "site.json"
    call_command("export_articles", "--output", str(path), stderr=StringIO())
    empty_the_database()

    call_command("import_articles", str(path), stdout=StringIO())

    assert snapshot() == before
    # Hidden comments keep why: spam comes back with its resolved spam flag.
    assert set(Comment.objects.filter(status="hidden").values_list("body", flat=True)) == {
        "Buy now", "Rude", "Comment 3"}
    assert set(Flag.objects.values_list("comment__body", "reason")) == {
        ("Buy now", "spam"), ("Comment 3", "spam")}
    assert ModerationEvent.objects.get(comment__body="Rude").reason == "abusive"
    # The imported article keeps its WordPress identity, so the WXR file is recognised.
    assert Article.objects.get(title="From WordPress").import_source == "wxr:blog.example.org"
    assert Article.objects.get(slug="budget-vote").import_source == "json:newsroom"


def test_importing_the_export_again_creates_nothing(site, tmp_path):
    path = tmp_path / "site.json"
    call_command("export_articles", "-o", str(path), stderr=StringIO())
    empty_the_database()
    call_command("import_articles", str(path), stdout=StringIO())
    counts = (Article.objects.count(), Comment.objects.count(), ModerationEvent.objects.count())
    out = StringIO()
    call_command("import_articles", str(path), stdout=out)
    assert (Article.objects.count(), Comment.objects.count(),
            ModerationEvent.objects.count()) == counts
    assert "0 articles created, 0 updated, 2 unchanged; 0 comments created" in out.getvalue()


def test_the_export_is_the_documented_format(site):
    out = StringIO()
    call_command("export_articles", "--article", "budget-vote", "--source", "gazette",
                 stdout=out, stderr=StringIO())
    document = json.loads(out.getvalue())
    assert (document["format"], document["version"], document["source"]) == (
        "newsroom-comments", 1, "gazette")
    [article] = document["articles"]
    assert (article["source"], article["id"]) == ("json:gazette", str(site.pk))
    assert article["published_at"] == "2025-03-01T08:30:15.123456+00:00"
    comments = article["comments"]
    assert [c["body"] for c in comments] == [
        "Top <not a tag> & text", "A reply", "<p>Deeper</p>", "Rude", "Buy now"]
    top, reply, deeper = comments[:3]
    assert top["parent"] is None and reply["parent"] == top["id"]
    assert deeper["parent"] == reply["id"] and deeper["status"] == "pending"
    assert top["id"].startswith("gazette:")
    assert comments[4]["hidden_reason"] == "spam" and comments[0]["hidden_reason"] == ""


def test_an_unknown_slug_is_refused(site):
    with pytest.raises(CommandError, match="No article with the slug nope"):
        call_command("export_articles", "--article", "budget-vote", "nope", stdout=StringIO())


def test_a_failed_export_leaves_the_previous_file_alone(site, tmp_path, monkeypatch):
    path = tmp_path / "site.json"
    path.write_text("previous export")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("articles.importers.jsonformat.article_document", broken)
    with pytest.raises(RuntimeError):
        call_command("export_articles", "-o", str(path), stderr=StringIO())
    assert path.read_text() == "previous export"
    assert not list(tmp_path.glob(".export-*"))
