"""Telling commenters: why their comment was removed, and that someone replied to them.

Both are off unless the newsroom turns them on (COMMENTERS_EMAIL_REJECTIONS,
COMMENTERS_EMAIL_REPLIES). The services call comment_rejected() and reply_published()
inside their transaction; those only queue, on commit, a task (email_rejection,
email_reply) that a worker runs: no mail server is ever talked to inside a request.
The tasks call send_rejection_notice() and send_reply_notice(): plain functions taking
ids, reading fresh rows and sending nothing when the facts no longer hold.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from .models import Comment, ModerationEvent, Reason
from .rendering import plain_text

log = logging.getLogger(__name__)

# Why a comment was removed, as its writer should read it.
PLAIN_REASONS = {
    Reason.SPAM: "it looks like advertising or spam",
    Reason.ABUSIVE: "it is abusive or insulting",
    Reason.OFF_TOPIC: "it is not about the article",
    Reason.PERSONAL_ATTACK: "it attacks a person rather than what they said",
    Reason.OTHER: "it breaks the rules of the discussion",
}


def _after_commit(job, *ids) -> None:
    def run():
        try:
            job.enqueue(*ids)
        except Exception:  # the queue's trouble must never undo or break a decision
            log.exception("Could not queue %s for %s", job.name, ids)

    transaction.on_commit(run)


def comment_rejected(event: ModerationEvent) -> None:
    if settings.COMMENTERS_EMAIL_REJECTIONS:
        _after_commit(email_rejection, event.pk)


def reply_published(comment: Comment) -> None:
    if settings.COMMENTERS_EMAIL_REPLIES and comment.parent_id:
        _after_commit(email_reply, comment.pk)


@task()
def email_rejection(event_id: int) -> bool:
    """The task: tell a writer why their comment was removed (see send_rejection_notice)."""
    return send_rejection_notice(event_id)


@task()
def email_reply(reply_id: int) -> bool:
    """The task: tell a writer someone replied to them (see send_reply_notice)."""
    return send_reply_notice(reply_id)


# A reply email's link to stop them: the comment's id, signed, so no one can stop another
# reader's emails by guessing ids. It never expires: an old email's link still works.
STOP_REPLIES_SALT = "moderation.notify.stop-replies"


def stop_replies_token(comment: Comment) -> str:
    return signing.dumps(comment.pk, salt=STOP_REPLIES_SALT)


def comment_of_stop_token(token: str) -> Comment | None:
    """The comment a stop link was made for, if the link is one this site signed."""
    try:
        pk = signing.loads(token, salt=STOP_REPLIES_SALT)
    except signing.BadSignature:
        return None
    return Comment.objects.select_related("article").filter(pk=pk).first()


def stop_replies(comment: Comment) -> bool:
    """No more reply emails about `comment`; False if it asked for none anyway."""
    return bool(Comment.objects.filter(pk=comment.pk, notify_replies=True)
                .update(notify_replies=False))


def _link(path: str) -> str:
    return settings.COMMENTS_SITE_URL.rstrip("/") + path


def _send(template: str, context: dict, to: str) -> None:
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", None, [to])


def send_rejection_notice(event_id: int) -> bool:
    """Email a writer why a moderator removed their comment; return whether it was sent.

    Not sent if the comment is no longer hidden by that decision (undone meanwhile)."""
    event = (ModerationEvent.objects.select_related("comment__article")
             .filter(pk=event_id, action=ModerationEvent.Action.HIDDEN).first())
    if event is None or not event.comment.author_email:
        return False
    comment = event.comment
    if comment.status != Comment.Status.HIDDEN or comment.events.filter(undoes=event).exists():
        return False
    _send("moderation/email/rejected.txt", {
        "comment": comment, "article": comment.article,
        "text": plain_text(comment.body, comment.body_format),
        "reason": PLAIN_REASONS.get(event.reason, PLAIN_REASONS[Reason.OTHER]),
        "article_url": _link(comment.article.get_absolute_url()),
    }, comment.author_email)
    return True


def send_reply_notice(reply_id: int) -> bool:
    """Email a writer who asked for it that a reply to their comment is published; only
    the first time the reply is published, and never for a reply to oneself."""
    reply = Comment.objects.select_related("article", "parent").filter(pk=reply_id).first()
    if reply is None or not reply.is_visible or reply.parent is None:
        return False
    parent = reply.parent
    if not parent.notify_replies or not parent.author_email:
        return False
    same_person = (reply.commenter_id and reply.commenter_id == parent.commenter_id) or (
        reply.author_email and reply.author_email.lower() == parent.author_email.lower()
    )
    if same_person:
        return False
    published = reply.events.filter(status_after=Comment.Status.APPROVED).exclude(
        status_before=Comment.Status.APPROVED
    ).count()
    if published != 1:
        return False
    _send("moderation/email/reply.txt", {
        "reply": reply, "parent": parent, "article": reply.article,
        "text": plain_text(reply.body, reply.body_format),
        # The permalink: the reply may be behind "Show N more replies" on the first view.
        "url": _link(reply.get_absolute_url()),
        "stop_url": _link(reverse("stop_replies", args=[stop_replies_token(parent)])),
    }, parent.author_email)
    return True
