"""A reader's new comment and a reader's report."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import freshness
from moderation import notify
from moderation.models import Comment, Commenter, Flag
from moderation.signals import comments_added

from . import commenters as record
from .decisions import Action, AlreadyReported, ModerationError, Status, flag, record_event
from .findings import AWAITING_SCORES
from .people import may_post, trust_publishes


def _first_status(article, comment: Comment) -> tuple[str, bool]:
    """Where a new comment starts, and whether it waits for its scores first.

    Pending on a pre-moderated article or for a pre-moderated writer. Published on a
    post-moderated article, and for a trusted writer on a pre-moderated one, but only
    once the triage has scored it and raised nothing (services/findings.py): until then
    it is pending, and only its writer sees it. With the triage off, or (on
    post-moderated articles) TRIAGE_HOLD_UNTIL_SCORED off, it is published at once.
    """
    commenter: Commenter | None = comment.commenter
    if commenter is not None and commenter.premoderated:
        return Status.PENDING, False
    if article.comment_policy == article.Policy.POST_MODERATED:
        waits = settings.TRIAGE_ENABLED and settings.TRIAGE_HOLD_UNTIL_SCORED
    elif trust_publishes(comment):
        waits = settings.TRIAGE_ENABLED
    else:
        return Status.PENDING, False
    return (Status.PENDING, True) if waits else (Status.APPROVED, False)


ACCOUNT_EMAIL = ("An account here uses this email: log in to comment with it, or leave the "
                 "email out.")


def post_comment(*, article, author_name: str, body: str, author_email: str = "",
                 parent: Comment | None = None, user=None,
                 notify_replies: bool = False,
                 seconds_to_post: int | None = None) -> Comment:
    """Save a reader's new comment under the article's policy and its writer's standing,
    and log it.

    `seconds_to_post` is how long after its form was shown the reader sent it, where a
    form says (the triage reads a long text sent faster than anyone types as pasted).

    Pre-moderated articles hold it as pending; post-moderated ones publish it at once
    (it still shows in the moderators' queues through its audit row and flags), or once
    the triage has scored it and found nothing (see _first_status()). A banned or
    suspended writer is refused (ModerationError, with the reason) and nothing is stored,
    as is a guest giving the email of an account's commenter record (ACCOUNT_EMAIL).
    Its scoring is queued once it is committed (moderation.signals.comments_added).
    """
    if not article.accepts_comments:
        raise ModerationError("Comments are closed on this article.")
    if parent is not None and (parent.article_id != article.pk or not parent.is_visible):
        raise ModerationError("You can only reply to a published comment on this article.")
    with transaction.atomic():
        commenter = record.commenter_for_post(user=user, author_name=author_name,
                                              author_email=author_email)
        if commenter is not None:
            # Locked as a ban locks it: a ban committing meanwhile is either seen here (the
            # post is refused) or waits for this post, whose comment its "hide all" then
            # counts. Read unlocked, a post in flight got through a ban made meanwhile.
            commenter = Commenter.objects.select_for_update().get(pk=commenter.pk)
            if user is None and commenter.user_id is not None:
                # Anyone can type an email: a guest with an account's would be counted on
                # its record, rename it and, banned, ban the account.
                raise ModerationError(ACCOUNT_EMAIL)
        may_post(commenter)
        if commenter is not None and user is None and commenter.display_name != author_name:
            # A guest's latest name is the one moderators know them by.
            commenter.display_name = author_name
            commenter.save(update_fields=["display_name"])
        comment = Comment(
            article=article, parent=parent, author_name=author_name, author_email=author_email,
            body=body, user=user, commenter=commenter, created=timezone.now(),
            notify_replies=notify_replies and bool(author_email),
            seconds_to_post=seconds_to_post,
        )
        comment.status, awaits_scores = _first_status(article, comment)
        comment.save(force_insert=True)
        record_event(comment, actor=user, action=Action.POSTED, status_before="",
                     actor_label="" if user else "reader",
                     note=AWAITING_SCORES if awaits_scores else "")
        record.posted(comment)
        if comment.is_visible:
            notify.reply_published(comment)
            freshness.bump_on_commit(article.pk)
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
    try:
        return flag(comment=comment, actor=user, reason=reason, note=note,
                    source=Flag.Source.READER, reporter_key=reporter_key, actor_label="reader")
    except IntegrityError:  # the same reader's report, sent twice at the same moment
        raise AlreadyReported() from None


