import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from moderation.models import Comment, path_segment
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db


def test_create_places_a_top_level_comment_at_depth_zero(article):
    comment = make_comment(article)
    assert comment.depth == 0
    assert comment.path == path_segment(comment.seq)


def test_create_places_a_reply_under_its_parent(article):
    parent = make_comment(article)
    reply = make_comment(article, parent=parent)
    assert reply.depth == 1
    assert reply.path == parent.path + path_segment(reply.seq)


def test_one_ordered_query_returns_the_thread_in_display_order(article):
    first = make_comment(article, body="first")
    second = make_comment(article, body="second")
    reply_to_first = make_comment(article, parent=first, body="reply to first")
    reply_to_reply = make_comment(article, parent=reply_to_first, body="reply to reply")
    later_reply_to_first = make_comment(article, parent=first, body="later reply to first")

    ordered = list(Comment.objects.filter(article=article).in_thread_order())

    assert ordered == [first, reply_to_first, reply_to_reply, later_reply_to_first, second]


def test_sequence_numbers_are_per_article(article):
    other = make_article()
    make_comment(article)
    make_comment(article)
    assert make_comment(other).seq == 1
    assert make_comment(article).seq == 3


def test_a_reply_must_belong_to_its_parents_article(article):
    parent = make_comment(article)
    with pytest.raises(ValidationError, match="same article"):
        make_comment(make_article(), parent=parent)
    assert Comment.objects.count() == 1


@override_settings(COMMENTS_MAX_DEPTH=3)
def test_replies_deeper_than_the_limit_are_refused(article):
    level0 = make_comment(article)
    level1 = make_comment(article, parent=level0)
    level2 = make_comment(article, parent=level1)
    with pytest.raises(ValidationError, match="at most 3 levels"):
        make_comment(article, parent=level2)


def test_bulk_creation_sets_the_same_fields_as_create(article):
    make_comment(article)  # seq 1, so bulk numbering must continue from 2
    parent = Comment(article=article, author_name="A", body="parent")
    child = Comment(article=article, parent=parent, author_name="B", body="child")
    grandchild = Comment(article=article, parent=child, author_name="C", body="grandchild")

    Comment.objects.bulk_create_threaded([grandchild, child, parent][::-1])

    saved = {c.body: c for c in Comment.objects.filter(article=article)}
    assert saved["parent"].seq == 2 and saved["parent"].depth == 0
    assert saved["child"].parent_id == saved["parent"].pk
    assert saved["child"].path == saved["parent"].path + path_segment(saved["child"].seq)
    assert saved["grandchild"].depth == 2
    assert saved["grandchild"].path.startswith(saved["child"].path)
    article.refresh_from_db()
    assert article.comment_seq == 4


def test_bulk_creation_numbers_siblings_oldest_first(article):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    newer = Comment(article=article, author_name="N", body="newer", created=now)
    older = Comment(article=article, author_name="O", body="older", created=now - timedelta(1))
    Comment.objects.bulk_create_threaded([newer, older])
    assert [c.body for c in Comment.objects.filter(article=article)] == ["older", "newer"]


def test_bulk_creation_refuses_a_parent_from_another_article_and_writes_nothing(article):
    parent = make_comment(make_article())
    orphan = Comment(article=article, parent=parent, author_name="X", body="x")
    with pytest.raises(ValidationError):
        Comment.objects.bulk_create_threaded([orphan])
    assert not Comment.objects.filter(article=article).exists()


def test_visible_is_only_approved_comments(article):
    approved = make_comment(article, status=Comment.Status.APPROVED)
    make_comment(article, status=Comment.Status.PENDING)
    make_comment(article, status=Comment.Status.HIDDEN)
    assert list(Comment.objects.visible()) == [approved]
