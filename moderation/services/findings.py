"""What becomes of the automated triage's results: stored scores, automatic flags, holds.

moderation/triage computes the scores and findings and changes nothing;
moderation/screening.py hands them here. A finding becomes a flag through flag_all() (the
batch form of flag()) and a hold through hold(), so each is checked and logged like a
moderator's decision. A reader's comment on a post-moderated article that waited for its
scores (posting.py) is published here when they raised nothing, or kept back for a
moderator when they did.

behaviour_signals() reads what the triage cannot see in a comment's text: whether its
writer has an approved comment and how many were hidden, and whether the same text or
link was posted on another article lately. The caller (moderation/screening.py) hands it
to the triage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from moderation.models import Comment, Commenter, Flag, ModerationEvent
from moderation.rendering import URL_RE, plain_text

from .decisions import (
    Action,
    Flagging,
    ModerationError,
    change_status,
    copy_state,
    flag_all,
    hold,
    lock_for_change,
    withdraw_flags,
)
from .queue_state import tracking_queues

AUTOMATIC = "automatic"
# behaviour_signals() compares a batch with at most this many of the latest comments
# (one read of comment_created_idx), so its cost does not grow with the table.
RECENT_COMMENTS = 2000
# Shorter texts repeat innocently across articles ("Thank you!", "Agreed.").
SAME_TEXT_MIN_CHARS = 20
# Faster than anyone types (about 150 words a minute; a fast typist keeps up 80): a text
# sent sooner after its form was shown than this allows was pasted, as a spammer's is.
TYPED_CHARS_PER_SECOND = 15
_SPACE = re.compile(r"\s+")
# The note on the "posted" audit row of a comment kept from readers until it is scored.
AWAITING_SCORES = "waiting for the automated triage before it is published"


@dataclass
class Acted:
    flagged: int = 0
    withdrawn: int = 0
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
    post-moderated articles, hold a published comment a finding says to hold, and
    publish or keep back the comments that waited for their scores (a post-moderated
    article's, or a trusted writer's on a pre-moderated one: posting.py).

    The comments come from Comment.objects.for_triage() (with their article and
    `decided`). A reason already raised automatically, open or since resolved by a
    moderator, is not raised again: rescoring must not undo a moderator's decision.
    An open automatic flag whose reason the new scores no longer find is withdrawn
    (withdraw_flags()), so a word taken off a list, or spam found where off-topic was,
    leaves no stale flag; withdrawn, it may be raised again by a later scoring.
    The flags of the whole batch are raised together (_raise_flags_in_bulk(), through
    flag_all()), in a few statements whatever its size.
    """
    acted = Acted()
    raised, still_open = _automatic_flags(comments)
    waiting = _awaiting_scores(comments)
    to_flag = []
    for comment in comments:
        findings = comment.triage.get("findings", [])
        # Hidden or decided by a moderator: the scores are kept, the queue is left alone.
        if comment.status == Comment.Status.HIDDEN or comment.decided:
            continue
        gone = still_open.get(comment.pk, set()) - {f["reason"] for f in findings}
        if gone:
            acted.withdrawn += withdraw_flags(comment=comment, reasons=gone,
                                              actor_label=AUTOMATIC,
                                              note="no longer found when rescored")
        if comment.pk in waiting and not findings:
            _settle(comment, findings, raised, acted)
        elif findings:
            to_flag.append(comment)
    flagged = _raise_flags_in_bulk(to_flag, raised, acted)
    for comment in to_flag:
        if comment.pk not in flagged:
            continue
        findings = comment.triage["findings"]
        if comment.pk in waiting:
            _settle(comment, findings, raised, acted)
            continue
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


def _automatic_flags(comments: Sequence[Comment]) -> tuple[set, dict[int, set[str]]]:
    """The (comment id, reason) pairs the triage has raised and that stand, open or
    resolved by a moderator (not withdrawn by the triage itself), and each comment's open
    automatic reasons."""
    raised: set[tuple[int, str]] = set()
    still_open: dict[int, set[str]] = {}
    for pk, reason, resolved_at, resolved_by in (
            Flag.objects.filter(comment__in=comments, source=Flag.Source.AUTOMATIC)
            .values_list("comment_id", "reason", "resolved_at", "resolved_event__action")):
        if resolved_by != Action.WITHDRAWN:
            raised.add((pk, reason))
        if resolved_at is None:
            still_open.setdefault(pk, set()).add(reason)
    return raised, still_open


def _raise_flags_in_bulk(comments: Sequence[Comment], raised: set, acted: Acted) -> set[int]:
    """Flag each of `comments` for each finding not raised before, through flag_all(): the
    whole batch in a few statements (one flag() per finding cost six queries, most of the
    time a batch took to act on), each comment as its caller saw it.

    Returns the pks of the comments whose flags are all raised; a comment whose status
    changed meanwhile is refused (in `acted.skipped`) and gets none.
    """
    wanted = [Flagging(c, f["reason"], f["note"]) for c in comments
              for f in c.triage["findings"] if (c.pk, f["reason"]) not in raised]
    done = flag_all(wanted, actor=None, source=Flag.Source.AUTOMATIC, actor_label=AUTOMATIC,
                    expected_statuses={c.pk: c.status for c in comments})
    for flag_ in done.flags:
        raised.add((flag_.comment_id, flag_.reason))
    acted.flagged += len(done.flags)
    acted.skipped.extend((comment.pk, str(error)) for comment, error in done.refused)
    refused = {comment.pk for comment, _error in done.refused}
    return {c.pk for c in comments if c.pk not in refused}


def awaits_scores(posted: ModerationEvent | None) -> bool:
    """Whether `posted`, a comment's last event, says it is kept from readers until it is
    scored: _awaiting_scores() below asks the same of the database for a batch."""
    return (posted is not None and posted.action == Action.POSTED
            and posted.note == AWAITING_SCORES)


def _awaiting_scores(comments: Sequence[Comment]) -> set[int]:
    """The comments among `comments` kept from readers until scored, and still so:
    pending, posted to wait for their scores, and not decided on by a moderator."""
    candidates = [c.pk for c in comments if c.status == Comment.Status.PENDING and not c.decided]
    if not candidates:
        return set()
    return set(
        ModerationEvent.objects.filter(comment_id__in=candidates, action=Action.POSTED,
                                       note=AWAITING_SCORES)
        .values_list("comment_id", flat=True)
    )


def _settle(comment: Comment, findings, raised: set, acted: Acted) -> None:
    """Publish a comment that waited for its scores if they raised nothing; otherwise
    flag it and keep it back for a moderator, both with an "automatic" audit row."""
    try:
        _settle_locked(comment, findings, raised, acted)
    except ModerationError as error:  # a moderator decided meanwhile: theirs stands
        acted.skipped.append((comment.pk, str(error)))


def _settle_locked(comment: Comment, findings, raised: set, acted: Acted) -> None:
    with transaction.atomic():
        current = lock_for_change(comment, Comment.Status.PENDING)
        if findings:
            if current.pk not in _raise_flags_in_bulk([current], raised, acted):
                return
            worst = findings[0]
            # Still pending, so it stays in the same queues: the audit row says why.
            change_status(current, Comment.Status.PENDING, actor=None, action=Action.HELD,
                          actor_label=AUTOMATIC, reason=worst["reason"], note=worst["note"])
            acted.held += 1
        else:
            with tracking_queues(current, flags_change=False):
                change_status(current, Comment.Status.APPROVED, actor=None,
                              action=Action.PUBLISHED, actor_label=AUTOMATIC,
                              note="scored: nothing for a moderator")
            acted.published += 1
    copy_state(comment, current)


def _links_of(text: str) -> set[str]:
    return {url.rstrip(".,;:!?)]}'\"").lower().removeprefix("https://").removeprefix("http://")
            .removeprefix("www.") for url in URL_RE.findall(text)}


def _text_key(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def behaviour_signals(comments: Sequence[Comment]) -> dict[int, dict]:
    """What the database says about each comment's writer and links, for the triage:

    - `writer_approved`: the writer has an approved comment (their Commenter's counter;
      False for a guest we cannot recognise);
    - `writer_hidden` / `writer_decided`: how many of the writer's comments moderators
      hid, and hid or approved (their record's counters; absent for a guest);
    - `same_text_as` / `same_link_as`: the pk of another article's comment, among the
      RECENT_COMMENTS latest and this batch, with the same text (of some length) or
      the same link;
    - `seconds_to_post` and `pasted`: how soon after its form was shown the comment was
      sent, and whether that was sooner than anyone types its text (where a form said).

    Two queries whatever the batch: the writers by pk, and the latest comments by
    comment_created_idx.
    """
    if not comments:
        return {}
    writers = {c.commenter_id for c in comments if c.commenter_id}
    records = {pk: (approved, hidden) for pk, approved, hidden in Commenter.objects.filter(
        pk__in=writers).values_list("pk", "approved_count", "hidden_count")}
    batch_ids = {c.pk for c in comments}
    recent = list(
        Comment.objects.exclude(pk__in=batch_ids).order_by("-created", "-id")
        .values_list("pk", "article_id", "body", "body_format")[:RECENT_COMMENTS]
    )
    rows = [*recent, *((c.pk, c.article_id, c.body, c.body_format) for c in comments)]
    by_text: dict[str, list[tuple[int, int]]] = {}
    by_link: dict[str, list[tuple[int, int]]] = {}
    for pk, article_id, body, body_format in rows:
        text = plain_text(body, body_format)
        key = _text_key(text)
        if len(key) >= SAME_TEXT_MIN_CHARS:
            by_text.setdefault(key, []).append((pk, article_id))
        for link in _links_of(text):
            by_link.setdefault(link, []).append((pk, article_id))
    out = {}
    for comment in comments:
        text = plain_text(comment.body, comment.body_format)

        def elsewhere(found, comment=comment):
            others = [pk for pk, article_id in found
                      if pk != comment.pk and article_id != comment.article_id]
            return min(others) if others else None

        same_text = elsewhere(by_text.get(_text_key(text), []))
        same_link = None
        for link in _links_of(text):
            same_link = same_link or elsewhere(by_link.get(link, []))
        approved, hidden = records.get(comment.commenter_id, (0, 0))
        out[comment.pk] = {
            "writer_approved": approved > 0,
            **({"writer_hidden": hidden, "writer_decided": approved + hidden}
               if comment.commenter_id in records else {}),
            "same_text_as": same_text,
            "same_link_as": same_link,
            **_speed(comment.seconds_to_post, text),
        }
    return out


def _speed(seconds: int | None, text: str) -> dict:
    if seconds is None:
        return {}
    # Everyone pastes a link, so only the words around it count as typed. The time is
    # in whole seconds; under one counts as one.
    typed = len(URL_RE.sub("", text).strip())
    return {"seconds_to_post": seconds,
            "pasted": typed > TYPED_CHARS_PER_SECOND * max(seconds, 1)}
