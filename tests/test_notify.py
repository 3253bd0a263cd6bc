"""Emails to commenters (moderation/notify.py): off by default; why a comment was removed;
that a reply was published, once, to a writer who asked."""

import re

import pytest
from django.core import mail

from moderation import notify, services
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails_on(settings):
    settings.COMMENTERS_EMAIL_REJECTIONS = True
    settings.COMMENTERS_EMAIL_REPLIES = True
    settings.COMMENTS_SITE_URL = "https://comments.example.org"


def post(article, **fields):
    fields.setdefault("author_name", "Tess")
    fields.setdefault("body", "Hello.")
    return services.post_comment(article=article, **fields)


def test_nothing_is_sent_while_the_emails_are_off(article, moderator,
                                                  django_capture_on_commit_callbacks):
    comment = post(article, author_email="t@example.org", notify_replies=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.hide(comment=comment, actor=moderator, reason="spam", note="internal")
    # Only the reader page's new version (articles/freshness.py) waits for the commit.
    assert [c.__qualname__ for c in callbacks] == ["bump_on_commit.<locals>.<lambda>"]
    assert mail.outbox == []


def test_a_moderators_hide_emails_the_reason_in_plain_words_after_commit(
    emails_on, article, moderator, django_capture_on_commit_callbacks
):
    comment = post(article, author_email="t@example.org", body="Buy my pills.")
    with django_capture_on_commit_callbacks(execute=True):
        services.hide(comment=comment, actor=moderator, reason="spam", note="moderators only")
    [message] = mail.outbox
    assert message.to == ["t@example.org"]
    assert "removed" in message.subject and article.title in message.subject
    assert "because it looks like advertising or spam" in message.body
    assert "Buy my pills." in message.body
    assert "moderators only" not in message.body
    assert "https://comments.example.org/articles/kazakhstan/" in message.body


def test_an_undone_hide_or_a_ban_hiding_everything_sends_no_rejection(
    emails_on, article, moderator, django_capture_on_commit_callbacks
):
    comment = post(article, author_email="t@example.org")
    event = services.hide(comment=comment, actor=moderator, reason="spam")
    services.undo(comment=comment, actor=moderator)
    assert notify.send_rejection_notice(event.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        services.ban_commenter(commenter=comment.commenter, actor=moderator, reason="x",
                               hide_all=True)
    assert mail.outbox == []


def test_a_published_reply_is_emailed_once_to_a_writer_who_asked(
    emails_on, moderator, django_capture_on_commit_callbacks
):
    article = make_article(comment_policy="pre")
    parent = post(article, author_email="t@example.org", notify_replies=True)
    services.approve(comment=parent, actor=moderator)
    reply = post(article, parent=parent, author_name="Uma", author_email="u@example.org",
                 body="I disagree.")
    assert mail.outbox == []  # not while it waits for a moderator
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(comment=reply, actor=moderator)
    [message] = mail.outbox
    assert message.to == ["t@example.org"] and "Uma replied" in message.subject
    # The reply's permalink: it may be behind "Show N more replies" on the first view.
    assert f"?comment={reply.pk}#c{reply.pk}" in message.body
    assert "I disagree." in message.body
    # Hidden and approved again: no second email.
    services.hide(comment=reply, actor=moderator, reason="other")
    with django_capture_on_commit_callbacks(execute=True):
        services.undo(comment=reply, actor=moderator)
    assert len(mail.outbox) == 1


def test_no_reply_email_without_the_opt_in_or_for_a_reply_to_oneself(
    emails_on, moderator, django_capture_on_commit_callbacks
):
    article = make_article(comment_policy="post")
    quiet = post(article, author_email="q@example.org")
    asked = post(article, author_email="t@example.org", notify_replies=True)
    with django_capture_on_commit_callbacks(execute=True):
        post(article, parent=quiet, author_name="Uma", author_email="u@example.org")
        post(article, parent=asked, author_name="Tess", author_email="T@example.org")
    assert mail.outbox == []


def test_the_email_is_a_task_for_a_worker_never_sent_in_the_request(
    emails_on, article, moderator, django_capture_on_commit_callbacks, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    comment = post(article, author_email="t@example.org", body="Buy my pills.")
    with django_capture_on_commit_callbacks(execute=True):
        services.hide(comment=comment, actor=moderator, reason="spam")
    assert mail.outbox == []  # queued, not sent
    [queued] = DBTaskResult.objects.filter(task_path="moderation.notify.email_rejection")
    assert queued.args_kwargs["args"] == [comment.events.get(action="hidden").pk]


def test_a_reply_email_links_to_a_page_that_stops_them_with_a_post(
    emails_on, client, moderator, django_capture_on_commit_callbacks
):
    article = make_article(comment_policy="pre")
    parent = post(article, author_email="t@example.org", notify_replies=True)
    services.approve(comment=parent, actor=moderator)
    first = post(article, parent=parent, author_name="Uma", body="One.")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(comment=first, actor=moderator)
    [message] = mail.outbox
    stop_url = re.search(r"https://comments\.example\.org(/replies/stop/\S+/)",
                         message.body).group(1)

    page = client.get(stop_url).content.decode()
    assert "Stop these emails" in page and article.title in page
    parent.refresh_from_db()
    assert parent.notify_replies  # opening the link (a mail scanner does) changes nothing
    assert "You will get no more emails" in client.post(stop_url).content.decode()
    parent.refresh_from_db()
    assert not parent.notify_replies

    second = post(article, parent=parent, author_name="Vic", body="Two.")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(comment=second, actor=moderator)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("token", ["not-a-token", "1:forged:signature"])
def test_a_stop_link_this_site_did_not_sign_is_no_page(client, article, token):
    comment = post(article, author_email="t@example.org", notify_replies=True)
    assert client.post(f"/replies/stop/{token}/").status_code == 404
    comment.refresh_from_db()
    assert comment.notify_replies
