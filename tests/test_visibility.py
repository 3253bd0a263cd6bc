"""CommentQuerySet holds every rule on who sees which comment and what waits for a
moderator; the reader's pages, the article list and the queues all go through it."""

import pytest
from django.urls import reverse

from moderation import services
from moderation.models import Comment, Flag, Reason
from moderation.queues import tab_counts
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Source = Flag.Source


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def cast(article, moderator, reader):
    made = {
        "approved": make_comment(article, status=Status.APPROVED),
        "pending": make_comment(article, status=Status.PENDING),
        "mine": make_comment(article, status=Status.PENDING),
        "rita": make_comment(article, status=Status.PENDING, user=reader),
        "spam": make_comment(article, status=Status.PENDING),
        "rude": make_comment(article, status=Status.PENDING),
        "reported": make_comment(article, status=Status.APPROVED),
    }
    services.hide(comment=made["spam"], actor=moderator, reason=Reason.SPAM)
    services.hide(comment=made["rude"], actor=moderator, reason=Reason.ABUSIVE)
    services.report(comment=made["reported"], reason=Reason.SPAM, reporter_key="r1")
    return made


def test_readers_see_only_approved_comments(cast):
    assert ids(Comment.objects.visible()) == {cast["approved"].pk, cast["reported"].pk}


def test_a_reader_also_sees_their_own_pending_comments_by_session_or_by_user(cast, reader):
    everyone = {cast["approved"].pk, cast["reported"].pk}
    assert ids(Comment.objects.visible_to()) == everyone
    assert ids(Comment.objects.visible_to(own_ids=[cast["mine"].pk])) == everyone | {
        cast["mine"].pk}
    assert ids(Comment.objects.visible_to(user_id=reader.pk)) == everyone | {cast["rita"].pk}


def test_a_readers_own_hidden_comment_stays_hidden_from_them(cast):
    assert cast["spam"].pk not in ids(Comment.objects.visible_to(own_ids=[cast["spam"].pk]))


def test_needs_review_is_pending_or_openly_flagged(cast):
    assert ids(Comment.objects.needs_review()) == {
        cast["pending"].pk, cast["mine"].pk, cast["rita"].pk, cast["reported"].pk}


def test_open_flags_by_source_and_reason(cast, moderator):
    services.flag(comment=cast["approved"], actor=moderator, reason=Reason.OFF_TOPIC)
    assert ids(Comment.objects.with_open_flags(Source.READER)) == {cast["reported"].pk}
    assert ids(Comment.objects.with_open_flags(Source.MODERATOR)) == {cast["approved"].pk}
    assert ids(Comment.objects.with_open_flags(reason=Reason.OFF_TOPIC)) == {
        cast["approved"].pk}
    services.approve(comment=cast["approved"], actor=moderator)
    assert ids(Comment.objects.with_open_flags(Source.MODERATOR)) == set()


def test_hidden_for_a_reason_and_about_a_reason(cast):
    assert ids(Comment.objects.hidden_for()) == {cast["spam"].pk, cast["rude"].pk}
    assert ids(Comment.objects.hidden_for(Reason.SPAM)) == {cast["spam"].pk}
    assert ids(Comment.objects.about(Reason.SPAM)) == {cast["spam"].pk, cast["reported"].pk}


def test_the_queue_counts_are_the_querysets_counts(cast):
    assert {key: count.value for key, count in tab_counts().items()} == {
        "needs_review": Comment.objects.needs_review().count(),
        "pending": Comment.objects.pending().count(),
        "flagged": Comment.objects.with_open_flags(Source.MODERATOR, Source.AUTOMATIC).count(),
        "reported": Comment.objects.with_open_flags(Source.READER).count(),
        "approved": Comment.objects.approved().count(),
        "hidden": Comment.objects.hidden_for().count(),
        "all": 7,
    } == {"needs_review": 4, "pending": 3, "flagged": 0, "reported": 1, "approved": 2,
          "hidden": 2, "all": 7}


def test_the_article_list_counts_the_comments_readers_see(client, cast, article):
    quiet = make_article(title="A quiet story")
    make_comment(quiet, status=Status.PENDING)
    response = client.get(reverse("article_list"))
    counts = {a.pk: a.approved_count for a in response.context["articles"]}
    assert counts == {article.pk: 2, quiet.pk: 0}


def test_a_reader_cannot_reply_to_or_report_a_comment_they_cannot_see(client, cast, article):
    for name in ("pending", "spam"):
        pk = cast[name].pk
        reply = client.get(reverse("comment_reply", args=[article.slug, pk]))
        report = client.get(reverse("comment_report", args=[article.slug, pk]))
        assert (reply.status_code, report.status_code) == (404, 404), name
    with pytest.raises(services.ModerationError):
        services.report(comment=cast["spam"], reason=Reason.SPAM, reporter_key="r2")
    with pytest.raises(services.ModerationError):
        services.post_comment(article=article, author_name="Ann", body="Reply",
                              parent=cast["pending"])
    assert not cast["spam"].flags.exists()
    assert not Comment.objects.filter(parent=cast["pending"]).exists()
