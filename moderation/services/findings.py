"""What becomes of the automated triage's results: stored scores, automatic flags, holds.

moderation/triage computes the scores and findings and changes nothing;
moderation/screening.py hands them here. A finding becomes a flag through flag() and a
hold through hold(), so each is checked and logged like a moderator's decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from moderation.models import Comment, Flag

from .decisions import ModerationError, approve, flag, hold
from .people import trust_publishes

AUTOMATIC = "automatic"


@dataclass
class Acted:
    flagged: int = 0
    held: int = 0
    published: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def store_scores(comments: Sequence[Comment], signals: Mapping[int, dict], *, at) -> None:
    """Save each comment's signals (the `triage` JSON), its priority and when it was
    scored, in one bulk update; the comments' status and flags are left alone."""
    for comment in comments:
        comment.triage = signals[comment.pk]
        comment.priority = signals[comment.pk]["priority"]
        comment.triaged_at = at
    Comment.objects.bulk_update(comments, ["triage", "priority", "triaged_at"], batch_size=500)


def act_on_findings(comments: Sequence[Comment]) -> Acted:
    """Raise an automatic flag per finding of each comment's stored triage and, on
    post-moderated articles, hold a published comment a finding says to hold; publish a
    trusted writer's pending comment when there is no finding (services/people.py).

    The comments come from Comment.objects.for_triage() (with their article and
    `decided`). A reason already raised automatically, open or since resolved by a
    moderator, is not raised again: rescoring must not undo a moderator's decision.
    """
    acted = Acted()
    raised = set(
        Flag.objects.filter(comment__in=comments, source=Flag.Source.AUTOMATIC)
        .values_list("comment_id", "reason")
    )
    for comment in comments:
        findings = comment.triage.get("findings", [])
        if not findings and _trusted_and_waiting(comment):
            try:
                approve(comment=comment, actor=None, actor_label=AUTOMATIC,
                        expected_status=Comment.Status.PENDING,
                        note="Trusted commenter; triage raised nothing")
            except ModerationError as error:
                acted.skipped.append((comment.pk, str(error)))
            else:
                acted.published += 1
            continue
        # Hidden or decided by a moderator: the scores are kept, the queue is left alone.
        if not findings or comment.status == Comment.Status.HIDDEN or comment.decided:
            continue
        for finding in findings:
            if (comment.pk, finding["reason"]) in raised:
                continue
            try:
                flag(comment=comment, actor=None, reason=finding["reason"],
                     note=finding["note"], source=Flag.Source.AUTOMATIC,
                     actor_label=AUTOMATIC, expected_status=comment.status)
            except ModerationError as error:
                acted.skipped.append((comment.pk, str(error)))
                break
            acted.flagged += 1
        holding = [f for f in findings if f["holds"]]
        if holding and comment.status == Comment.Status.APPROVED and (
            comment.article.comment_policy == comment.article.Policy.POST_MODERATED
        ):
            worst = holding[0]
            try:
                event = hold(comment=comment, reason=worst["reason"], note=worst["note"],
                             actor_label=AUTOMATIC, expected_status=Comment.Status.APPROVED)
            except ModerationError as error:
                acted.skipped.append((comment.pk, str(error)))
                continue
            if event is not None:
                acted.held += 1
    return acted


def _trusted_and_waiting(comment: Comment) -> bool:
    # Only a fresh comment nobody has decided or flagged: approve() would resolve a flag.
    return (
        comment.status == Comment.Status.PENDING and not comment.decided
        and trust_publishes(comment) and not comment.flags.open().exists()
    )
