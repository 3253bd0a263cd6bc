"""Small factories for tests and benchmarks: real model saves, no mocks."""

import itertools

from django.utils import timezone

from articles.models import Article
from moderation import services
from moderation.models import Comment

_counter = itertools.count(1)


def make_article(**fields) -> Article:
    n = next(_counter)
    fields.setdefault("title", f"Article {n}")
    fields.setdefault("slug", f"article-{n}")
    fields.setdefault("outlet", "The Test Gazette")
    fields.setdefault("body", "First paragraph.\nSecond paragraph.")
    return Article.objects.create(**fields)


def make_comment(article: Article, parent: Comment | None = None, **fields) -> Comment:
    n = next(_counter)
    fields.setdefault("author_name", f"Reader {n}")
    fields.setdefault("body", f"Comment number {n}.")
    fields.setdefault("status", Comment.Status.APPROVED)
    comment = Comment.objects.create(article=article, parent=parent, **fields)
    if comment.commenter_id:
        # The record the services would have kept had the comment been posted.
        services.recount_commenters([comment.commenter_id])
    return comment


def make_thread(article: Article, top_level: int, replies_each: int = 0, **fields) -> int:
    """Create `top_level` comments, each with a chain of `replies_each` nested replies,
    through bulk_create_threaded. Returns how many comments were made."""
    comments = []
    now = timezone.now()
    for i in range(top_level):
        parent = Comment(
            article=article, author_name=f"Reader {i}", body=f"Top-level comment {i}.",
            status=fields.get("status", Comment.Status.APPROVED), created=now,
        )
        comments.append(parent)
        for j in range(replies_each):
            reply = Comment(
                article=article, parent=parent, author_name=f"Replier {i}.{j}",
                body=f"Reply {j} to {i}, see https://example.org/{i}/{j}.",
                status=fields.get("status", Comment.Status.APPROVED), created=now,
            )
            comments.append(reply)
            parent = reply
    Comment.objects.bulk_create_threaded(comments)
    return len(comments)


def make_bushy(article, *, wide: int = 300, deep: int = 12, top_level: int = 25) -> dict:
    """A story like the viral one: top-level comments, one of them with `wide` direct
    replies that each have two replies, and a chain `deep` levels down under another."""
    now = timezone.now()
    comments, tops = [], []
    for i in range(top_level):
        top = Comment(article=article, author_name=f"Top {i}", body=f"Top {i}.",
                      status=Comment.Status.APPROVED, created=now)
        comments.append(top)
        tops.append(top)
    for i in range(wide):
        reply = Comment(article=article, parent=tops[0], author_name=f"Wide {i}",
                        body=f"Wide reply {i}.", status=Comment.Status.APPROVED, created=now)
        comments.append(reply)
        for j in range(2):
            comments.append(Comment(article=article, parent=reply, author_name=f"Under {i}.{j}",
                                    body=f"Under {i}.{j}.", status=Comment.Status.APPROVED,
                                    created=now))
    parent = tops[1]
    chain = []
    for d in range(deep):
        parent = Comment(article=article, parent=parent, author_name=f"Deep {d}",
                         body=f"Deep {d}.", status=Comment.Status.APPROVED, created=now)
        comments.append(parent)
        chain.append(parent)
    Comment.objects.bulk_create_threaded(comments)
    return {"tops": tops, "chain": chain, "total": len(comments)}
