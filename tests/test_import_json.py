"""Reading our JSON format: what it accepts, and how it refuses what it does not."""

import json

import pytest

from articles import importers
from articles.importers import jsonformat
from articles.models import Article
from moderation.models import Comment

pytestmark = pytest.mark.django_db


def document(*articles, **top):
    return {"format": "newsroom-comments", "version": 1, "source": "gazette",
            "articles": list(articles), **top}


def article(**fields):
    return {"id": "1", "title": "A story", "slug": "a-story", "body": "One.\nTwo.",
            "published_at": "2025-01-02T03:04:05Z", "comments": [], **fields}


def comment(id, **fields):
    return {"id": id, "parent": None, "author_name": "Reader", "body": f"Comment {id}",
            "status": "approved", "created": "2025-01-03T00:00:00+00:00", **fields}


def read(tmp_path, data) -> importers.Plan:
    path = tmp_path / "export.json"
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    with open(path, "rb") as fileobj:
        return importers.read_plan(fileobj, filename="export.json")


def refusal(tmp_path, data) -> str:
    with pytest.raises(importers.ImportFailed) as error:
        read(tmp_path, data)
    return str(error.value)


def test_a_minimal_export_imports(tmp_path):
    plan = read(tmp_path, document(article(comments=[
        comment("a"), comment("b", parent="a", status="pending", body_format="html"),
        comment("c", status="hidden", hidden_reason="abusive")])))
    importers.apply(plan)
    story = Article.objects.get()
    assert (story.import_source, story.import_id, story.slug) == ("json:gazette", "1", "a-story")
    assert story.paragraphs() == ["One.", "Two."]
    b = Comment.objects.get(import_key="b")
    assert (b.parent.import_key, b.status, b.body_format) == ("a", "pending", "html")
    assert Comment.objects.get(import_key="c").events.get().reason == "abusive"


@pytest.mark.parametrize(("data", "expected"), [
    (b"{not json", "The file is not valid JSON: Expecting value at line 1, column 2."),
    (b'{"format": "newsroom-comments", "version": 1, "articles": [{"id": "1",',
     "The file is not valid JSON: Expecting property name enclosed in double quotes at line "
     "1, column 71."),
    (b'{"format": "newsroom-comments", "version": 1, "articles": []} []',
     "there is more after the end of the document, at line 1, column 63."),
    (b'{"format": "newsroom-comments", "version": 1}', 'needs an "articles" list'),
    (b"[]", "not one of our exports"),
    (b'{"format": "newsroom-comments", "source": "caf\xe9"}', "The JSON file is not UTF-8: "
                                                              "byte 47 cannot be read."),
    ({"format": "something-else"}, 'needs "format": "newsroom-comments"'),
    ({"format": "newsroom-comments", "version": 2, "articles": []}, "this importer reads "
                                                                     "version 1"),
    (document(article(id=None)), 'In articles[0]: "id" is missing.'),
    (document(article(title=["x"])), "In articles[0] (id '1'): \"title\" must be a string, "
                                     "not list."),
    (document(article(comment_policy="open")), '"comment_policy" must be one of closed, '
                                               "post, pre, not 'open'."),
    (document(article(comments=[comment("a", status="published")])),
     "In articles[0] (id '1'), comments[0] (id 'a'): \"status\" must be one of approved, "
     "hidden, pending, not 'published'."),
    (document(article(comments=[comment("a"), comment("a")])),
     "comments[1]: the id 'a' is used twice in this article."),
    (document(article(comments=[comment("a", created="yesterday")])),
     "\"created\" 'yesterday' is not an ISO 8601 date."),
    # Past the last date Python holds, once in UTC.
    (document(article(comments=[comment("a", created="9999-12-31T23:59:59-05:00")])),
     "\"created\" '9999-12-31T23:59:59-05:00' is not an ISO 8601 date."),
    (b'{"format": "newsroom-comments", "version": 1, "articles": [{"id": NaN}]}',
     "The file is not valid JSON: NaN is not a JSON value in the value at line 1, column"),
    (b'{"format": "newsroom-comments", "version": ' + b"1" * 5000 + b', "articles": []}',
     "The file is not valid JSON: a number far too long in the value at line 1, column 44."),
    (document(article(comments=[comment("a", hidden_reason="boring")])),
     '"hidden_reason" must be one of'),
    (document(article(comments="none")), '"comments" must be a list.'),
])
def test_a_broken_export_is_refused_saying_where(tmp_path, data, expected):
    assert expected in refusal(tmp_path, data)
    assert not Article.objects.exists()


def test_text_postgresql_cannot_store_is_cleaned(tmp_path):
    plan = read(tmp_path, document(article(comments=[
        comment("a", body="nul\u0000byte", author_name="lone \udc00 surrogate")])))
    importers.apply(plan)
    stored = Comment.objects.get()
    assert stored.body == "nulbyte"
    assert stored.author_name == "lone \ufffd surrogate"


def test_naughty_strings_arrive_as_they_were_written(tmp_path, corpus):
    strings = json.loads((corpus / "blns" / "blns.json").read_text(encoding="utf-8"))
    comments = [comment(str(n), body=text, author_name=text[:100] or "x")
                for n, text in enumerate(strings)]
    importers.apply(read(tmp_path, document(article(comments=comments))))
    stored = dict(Comment.objects.values_list("import_key", "body"))
    assert stored == {str(n): text for n, text in enumerate(strings)}


def test_a_reply_to_an_unknown_comment_becomes_top_level(tmp_path):
    summary = importers.apply(read(tmp_path, document(article(comments=[
        comment("a", parent="ghost")]))))
    assert Comment.objects.get().parent is None
    assert summary.articles[0].warnings == [
        "Replies whose parent is not in the file made top-level: comment a (parent ghost)"]


def test_an_articles_own_source_keeps_its_identity(tmp_path):
    importers.apply(read(tmp_path, document(article(source="wxr:blog.example.org", id="77"))))
    assert Article.objects.get().import_source == "wxr:blog.example.org"


def test_a_large_export_is_read_one_article_at_a_time(tmp_path):
    # Header after the articles, and a chunk far smaller than one article: every value is
    # decoded across several reads, and errors still say where they are.
    articles = [article(id=str(n), slug=f"story-{n}",
                        comments=[comment(f"{n}-{c}", body="x" * 50) for c in range(30)])
                for n in range(20)]
    text = json.dumps({"articles": articles, "source": "late", "version": 1,
                       "format": "newsroom-comments"}, indent=1)
    path = tmp_path / "big.json"
    path.write_text(text)
    with open(path, "rb") as fileobj:
        plan = jsonformat.parse(fileobj, chunk_size=64)
    assert len(plan.articles) == 20 and plan.comment_count == 600
    assert {a.source for a in plan.articles} == {"json:late"}

    # Deep into the file, after many chunks have been read and dropped.
    at = -1
    for _ in range(400):
        at = text.index('"status": "approved"', at + 1)
    broken = text[:at] + '"status": approved' + text[at + len('"status": "approved"'):]
    path.write_text(broken)
    with pytest.raises(json.JSONDecodeError) as reference:
        json.loads(broken)
    with open(path, "rb") as fileobj, pytest.raises(importers.ImportFailed) as error:
        jsonformat.parse(fileobj, chunk_size=64)
    where = f"line {reference.value.lineno}, column {reference.value.colno}"
    assert str(error.value) == f"The file is not valid JSON: Expecting value at {where}."

    # The same on one long line.
    one_line = json.dumps(json.loads(text))
    at = one_line.index('"status": "approved"', len(one_line) // 2)
    path.write_text(one_line[:at] + '"status": approved' + one_line[at + 20:])
    with open(path, "rb") as fileobj, pytest.raises(importers.ImportFailed) as error:
        jsonformat.parse(fileobj, chunk_size=64)
    assert str(error.value).endswith(f"at line 1, column {at + 11}.")
