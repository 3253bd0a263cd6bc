"""The reader's page follows the moderators' decisions made in the workspace."""

import pytest
from django.test import Client
from django.urls import reverse

from moderation.models import Comment, ModerationEvent
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status


def reader_page(article) -> str:
    response = Client().get(reverse("article_detail", args=[article.slug]))
    assert response.status_code == 200
    return response.content.decode()


def act(client, name, comment, **data):
    response = client.post(reverse(f"moderation:{name}", args=[comment.pk]),
                           {"expected_status": comment.status, **data})
    assert response.status_code == 302
    comment.refresh_from_db()


def test_approving_shows_a_pending_comment_to_readers(moderator_client, article):
    comment = make_comment(article, body="Worth reading", status=Status.PENDING)
    assert "Worth reading" not in reader_page(article)
    act(moderator_client, "approve", comment)
    assert "Worth reading" in reader_page(article)


def test_hiding_removes_a_comment_from_the_reader_page(moderator_client, article):
    comment = make_comment(article, body="Off-topic rant", status=Status.APPROVED)
    assert "Off-topic rant" in reader_page(article)
    act(moderator_client, "hide", comment, reason="off_topic")
    html = reader_page(article)
    assert "Off-topic rant" not in html
    assert "removed by a moderator" not in html  # nothing under it to keep a place for
    assert Comment.objects.filter(pk=comment.pk, status=Status.HIDDEN).exists()  # not deleted


def test_hiding_a_comment_with_approved_replies_leaves_a_placeholder(moderator_client, article):
    parent = make_comment(article, body="Rude opener", status=Status.APPROVED)
    make_comment(article, parent=parent, body="Polite answer", status=Status.APPROVED)
    act(moderator_client, "hide", parent, reason="abusive")
    html = reader_page(article)
    assert "Rude opener" not in html
    assert html.index("This comment was removed by a moderator.") < html.index("Polite answer")


def test_undoing_a_hide_brings_the_comment_back(moderator_client, article):
    comment = make_comment(article, body="Fine after all", status=Status.APPROVED)
    act(moderator_client, "hide", comment, reason="spam")
    event = ModerationEvent.objects.get()
    moderator_client.post(reverse("moderation:undo", args=[comment.pk]),
                          {"expected_event_id": event.pk})
    assert "Fine after all" in reader_page(article)


def test_flagging_does_not_change_what_readers_see(moderator_client, article):
    comment = make_comment(article, body="Borderline", status=Status.APPROVED)
    act(moderator_client, "flag", comment, reason="abusive")
    assert "Borderline" in reader_page(article)
