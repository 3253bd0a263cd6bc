"""Importing Disqus exports: the isso test export and hand-made files."""

import pytest

from articles import importers
from articles.models import Article
from moderation.models import Comment, Flag, ModerationEvent

pytestmark = pytest.mark.django_db

HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
        'xmlns:dsq="http://disqus.com/disqus-internals">\n')
THREAD = """<thread dsq:id="{id}"><id>{ident}</id><forum>news</forum>
<link>https://news.example.org/{slug}/</link><title>{title}</title>
<createdAt>2020-01-02T03:04:05Z</createdAt><isClosed>{closed}</isClosed>
<isDeleted>{deleted}</isDeleted></thread>
"""
POST = """<post dsq:id="{id}"><message><![CDATA[{message}]]></message>
<createdAt>{created}</createdAt><isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>
<author><name>{name}</name><email>{name}@example.org</email></author>
<thread dsq:id="{thread}"/>{parent}</post>
"""


def disqus(threads=(), posts=()) -> bytes:
    out = [HEAD]
    for t in threads:
        out.append(THREAD.format(**{"ident": "", "slug": f"story-{t['id']}", "closed": "false",
                                    "deleted": "false", "title": f"Story {t['id']}", **t}))
    for p in posts:
        parent = f'<parent dsq:id="{p["parent"]}"/>' if p.get("parent") else ""
        out.append(POST.format(**{"message": f"<p>Post {p['id']}</p>", "deleted": "false",
                                  "spam": "false", "name": "reader", "thread": "1",
                                  "created": "2020-01-03T00:00:00Z", **p, "parent": parent}))
    out.append("</disqus>\n")
    return "".join(out).encode()


def import_bytes(tmp_path, data: bytes, name="disqus.xml"):
    path = tmp_path / name
    path.write_bytes(data)
    with open(path, "rb") as fileobj:
        plan = importers.read_plan(fileobj, filename=name)
    return importers.apply(plan)


def test_threads_become_articles_and_posts_their_comments(corpus):
    path = corpus / "disqus" / "isso-disqus.xml"
    with open(path, "rb") as fileobj:
        summary = importers.apply(importers.read_plan(fileobj, filename=path.name))

    assert summary.format == "disqus"
    assert set(Article.objects.values_list("import_source", "import_id")) == {
        ("disqus:disqusdev", "2"), ("disqus:redacted", "7")}
    hello = Article.objects.get(import_id="2")
    assert (hello.title, hello.slug, hello.byline) == ("Hello, World!", "hello-world", "Baz")
    comments = {c.import_key: c for c in Comment.objects.select_related("parent")}
    assert set(comments) == {"4", "5", "8", "9", "11"}
    # The reply to post 4, and the reply to the deleted post 9, keep their parents.
    assert comments["5"].parent == comments["4"]
    assert comments["11"].parent == comments["9"]
    assert comments["9"].status == "hidden" and comments["11"].status == "approved"
    assert ModerationEvent.objects.get(comment=comments["9"]).note == "deleted in Disqus"
    assert comments["5"].body == "<p>Hello, World.</p>" and comments["5"].body_format == "html"
    # The post on thread 1337, which the file does not have, is left out with a warning.
    # Thread 3, which nobody commented on, would only be an empty article.
    assert summary.skipped == {"posts on threads missing from the file": 1,
                               "threads without posts": 1}
    assert summary.warnings == [
        "Posts on a thread that is not in the file skipped: post 6 (thread 1337)"]
    # The thread with neither title nor id is still an article, named after its dsq:id.
    untitled = Article.objects.get(import_id="7")
    assert untitled.title.startswith("Disqus thread 7") and untitled.slug == "redacted"


def test_importing_the_same_disqus_file_again_creates_nothing(corpus):
    path = corpus / "disqus" / "isso-disqus.xml"
    for _ in range(2):
        with open(path, "rb") as fileobj:
            summary = importers.apply(importers.read_plan(fileobj))
    assert summary.totals["create"] == 0 and summary.totals["comments_created"] == 0
    assert Comment.objects.count() == 5 and ModerationEvent.objects.count() == 5


def test_spam_is_hidden_with_a_resolved_spam_flag(tmp_path):
    import_bytes(tmp_path, disqus(threads=[{"id": 1}], posts=[
        {"id": 10}, {"id": 11, "spam": "true"}, {"id": 12, "spam": "1", "deleted": "true"}]))
    status = dict(Comment.objects.values_list("import_key", "status"))
    assert status == {"10": "approved", "11": "hidden", "12": "hidden"}
    flags = Flag.objects.order_by("comment__import_key")
    assert [f.comment.import_key for f in flags] == ["11", "12"]
    assert all(f.reason == "spam" and f.source == "automatic" and not f.is_open
               for f in flags)


def test_an_odd_boolean_refuses_the_file_naming_the_post(tmp_path):
    data = disqus(threads=[{"id": 1}], posts=[{"id": 10}, {"id": 11, "spam": "123"}])
    with pytest.raises(importers.ImportFailed) as refused:
        import_bytes(tmp_path, data)
    assert str(refused.value) == (
        "In post dsq:id='11': <isSpam> is '123'; it must be true or false (or 1 or 0). "
        "Nothing was imported."
    )
    assert not Article.objects.exists() and not Comment.objects.exists()


@pytest.mark.parametrize("created", ["2011-x09-30T22:48:43Z",
                                     # Past the last date Python holds once in UTC.
                                     "9999-12-31T23:59:59-05:00"])
def test_a_bad_date_refuses_the_file_naming_the_post(tmp_path, created):
    data = disqus(threads=[{"id": 1}], posts=[{"id": 10, "created": created}])
    with pytest.raises(importers.ImportFailed, match=r"post dsq:id='10'.*createdAt"):
        import_bytes(tmp_path, data)
    assert not Article.objects.exists()


def test_deleted_threads_are_left_out_with_their_posts(tmp_path):
    summary = import_bytes(tmp_path, disqus(
        threads=[{"id": 1}, {"id": 2, "deleted": "true"}],
        posts=[{"id": 10}, {"id": 20, "thread": "2"}]))
    assert list(Article.objects.values_list("import_id", flat=True)) == ["1"]
    assert list(Comment.objects.values_list("import_key", flat=True)) == ["10"]
    assert summary.skipped == {"deleted threads": 1, "posts on deleted threads": 1}


def test_a_closed_thread_closes_the_article_and_the_link_names_the_slug(tmp_path):
    import_bytes(tmp_path, disqus(threads=[{"id": 1, "closed": "true", "slug": "budget-2025",
                                            "title": "Бюджет"}], posts=[{"id": 10}]))
    article = Article.objects.get()
    assert article.comment_policy == "closed"
    assert article.slug == "budget-2025"
    assert article.source_url == "https://news.example.org/budget-2025/"


def test_a_post_without_dsq_id_is_keyed_by_its_own_id(tmp_path):
    data = disqus(threads=[{"id": 1}]).replace(
        b"</disqus>",
        b"<post><id>12345</id><message>No dsq:id</message><createdAt>2020-01-03T00:00:00Z"
        b"</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>"
        b'<author><name>x</name></author><thread dsq:id="1"/></post></disqus>')
    import_bytes(tmp_path, data)
    assert Comment.objects.get().import_key == "id:12345"


def test_a_wordpress_export_is_not_read_as_disqus(tmp_path, wxr_file):
    path = wxr_file([{"post_id": 1}])
    with open(path, "rb") as fileobj, pytest.raises(importers.ImportFailed) as refused:
        importers.read_plan(fileobj, "disqus")
    assert "looks like a WordPress export (WXR), not a Disqus export" in str(refused.value)
