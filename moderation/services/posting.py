"""A reader's new comment and a reader's report."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from moderation.models import Comment, Flag
from moderation.signals import comments_added

from .decisions import Action, ModerationError, Status, flag, record_event
from .findings import AWAITING_SCORES


def post_comment(*, article, author_name: str, body: str, author_email: str = "",
                 parent: Comment | None = None, user=None) -> Comment:
    """Save a reader's new comment under the article's policy and log it.

    Pre-moderated articles hold it as pending; post-moderated ones publish it at once
    (it still shows in the moderators' queues through its audit row and flags), or, with
    TRIAGE_HOLD_UNTIL_SCORED, once the triage has scored it and found nothing
    (services/findings.py); until then it is pending, and only its writer sees it.
    Its scoring is queued once it is committed (moderation.signals.comments_added).
    """
    if not article.accepts_comments:
        raise ModerationError("Comments are closed on this article.")
    if parent is not None and (parent.article_id != article.pk or not parent.is_visible):
        raise ModerationError("You can only reply to a published comment on this article.")
    published = article.comment_policy == article.Policy.POST_MODERATED
    awaits_scores = published and settings.TRIAGE_ENABLED and settings.TRIAGE_HOLD_UNTIL_SCORED
    status = Status.APPROVED if published and not awaits_scores else Status.PENDING
    with transaction.atomic():
        comment = Comment.objects.create(
            article=article, parent=parent, author_name=author_name, author_email=author_email,
            body=body, user=user, status=status, created=timezone.now(),
        )
        record_event(comment, actor=user, action=Action.POSTED, status_before="",
                     actor_label="" if user else "reader",
                     note=AWAITING_SCORES if awaits_scores else "")
        # Scored once the comment is committed, by a task worker (moderation/tasks.py
        # listens and enqueues the task).
        transaction.on_commit(lambda: comments_added.send(Comment, ids=[comment.pk]))
    return comment


def report(*, comment: Comment, reason: str, note: str = "", reporter_key: str,
           user=None) -> Flag:
    """File a reader's report on a published comment: an open reader flag, once per
    reader (`reporter_key`); the comment stays up until a moderator decides."""
    if not comment.is_visible:
        raise ModerationError("This comment is no longer published.")
    return flag(comment=comment, actor=user, reason=reason, note=note,
                source=Flag.Source.READER, reporter_key=reporter_key, actor_label="reader")


