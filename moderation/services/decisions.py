"""Every moderator's decision on a comment (featuring included), one function per
transition, and the one helper (change_status) through which every status change, here or
in findings.py (the triage's holds and publications) and imports.py, is made and logged.

Views, admin actions, bulk actions, imports and management commands all call these, so
each change is checked the same way and writes its audit row (ModerationEvent) in the same
transaction. A moderator's request carries the status they saw (`expected_status`); if
someone else changed the comment meanwhile the change is refused, never overwritten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles import freshness
from moderation import notify
from moderation.models import Comment, Flag, ModerationEvent, Reason
from moderation.models.counts import add, moved

from . import commenters as record
from .queue_state import refresh_flag_facts_of, tracking_queues

Status = Comment.Status
Action = ModerationEvent.Action


class ModerationError(Exception):
    """A change that cannot be made; the message is fit to show a moderator."""


class AlreadyReported(ModerationError):
    """The same reader (the same reporter key) reported this comment before."""

    def __init__(self, message: str = "You have already reported this comment."):
        super().__init__(message)


class Conflict(ModerationError):
    """Someone else changed the comment after the moderator saw it."""


def _describe_last_change(comment: Comment) -> str:
    event = comment.events.select_related("actor").first()
    if event is None:
        return f"changed to {comment.get_status_display().lower()}"
    return f"already {event.get_action_display().lower()} by {event.actor_name}"


def lock_for_change(comment: Comment, expected_status: str | None) -> Comment:
    """Re-read the comment under a row lock and check it is still as the moderator saw it.

    The lock (a no-op on SQLite, whose writers are serialised anyway) stops two moderators
    who act on the same comment at once from both passing this check.
    """
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if expected_status is not None and current.status != expected_status:
        raise Conflict(f"Comment #{current.pk} was {_describe_last_change(current)}.")
    return current


def event_fields(comment: Comment, *, action, status_before, actor_label="", reason="",
                  note="") -> dict:
    """What an audit row says about a change to `comment` (its links are the caller's)."""
    return {
        "actor_label": actor_label,
        "action": action,
        "status_before": status_before,
        "status_after": comment.status,
        "reason": reason,
        "note": note,
    }


def record_event(comment: Comment, *, actor, action, status_before, actor_label="", reason="",
            note="", undoes=None, featured_before=None) -> ModerationEvent:
    return ModerationEvent.objects.create(
        comment=comment,
        actor=actor,
        undoes=undoes,
        featured_before=featured_before,
        **event_fields(comment, action=action, status_before=status_before,
                        actor_label=actor_label, reason=reason, note=note),
    )


def change_status(current: Comment, to: str, *, actor, action, hidden_reason: str = "",
                  **event_fields) -> ModerationEvent:
    """Move a locked comment to status `to` (if it is not there) and write the audit row.

    Every status change goes through here, so the comment's `hidden_reason` always goes
    with its status: `hidden_reason` while it is hidden, cleared once it is not. A comment
    that leaves approved is no longer featured (the audit row keeps when it was, for its
    undo), and the article's reader page gets a new version once this commits.
    """
    before = current.status
    after = {"status": to, "hidden_reason": Comment.hidden_reason_for(to, hidden_reason)}
    featured_before = None
    if to != Status.APPROVED and current.featured_at is not None:
        featured_before = current.featured_at
        after["featured_at"] = None
    changed = [name for name, value in after.items() if getattr(current, name) != value]
    if changed:
        for name in changed:
            setattr(current, name, after[name])
        current.save(update_fields=changed)
        freshness.bump_on_commit(current.article_id)
    # The writer's record moves with the comment, in the same transaction.
    record.status_moved(current, before, to, at=timezone.now())
    if to == Status.APPROVED and before != Status.APPROVED:
        notify.reply_published(current)
    return record_event(current, actor=actor, action=action, status_before=before,
                        featured_before=featured_before, **event_fields)


def _set_featured(current: Comment, featured_at) -> None:
    current.featured_at = featured_at
    current.save(update_fields=["featured_at"])
    freshness.bump_on_commit(current.article_id)


def copy_state(comment: Comment, current: Comment) -> None:
    """Give the caller's comment object the state its locked copy now has."""
    comment.status = current.status
    comment.hidden_reason = current.hidden_reason
    comment.flagged, comment.reported = current.flagged, current.reported
    comment.open_flag_reasons = current.open_flag_reasons
    comment.featured_at = current.featured_at


def _hidden_reason_before(current: Comment, event: ModerationEvent) -> str:
    """Why the comment was hidden before `event`: the reason of the newest hide (or
    import as hidden) before it that is still in force."""
    earlier = (
        current.events.filter(
            Q(created_at__lt=event.created_at) | Q(created_at=event.created_at, pk__lt=event.pk),
            action__in=[Action.HIDDEN, Action.IMPORTED], status_after=Status.HIDDEN,
            undone_by__isnull=True,
        )
        .values_list("reason", flat=True)
        .first()
    )
    return earlier or ""


def _resolve_open_flags(comment: Comment, *, actor, event: ModerationEvent) -> int:
    return comment.flags.open().update(
        resolved_at=event.created_at, resolved_by=actor, resolved_event=event
    )


def _decide(comment: Comment, *, to: str, action: str, actor, expected_status, reason="",
            note="", actor_label="") -> ModerationEvent | None:
    with transaction.atomic():
        current = lock_for_change(comment, expected_status)
        has_open_flags = current.flagged or current.reported
        if current.status == to and not has_open_flags:
            return None  # nothing to change, nothing to log
        with tracking_queues(current, flags_change=has_open_flags):
            event = change_status(current, to, actor=actor, action=action,
                                  hidden_reason=reason, actor_label=actor_label,
                                  reason=reason, note=note)
            if has_open_flags:
                _resolve_open_flags(current, actor=actor, event=event)
    copy_state(comment, current)
    return event


def approve(*, comment: Comment, actor, expected_status: str | None = None, note: str = "",
            actor_label: str = "") -> ModerationEvent | None:
    """Publish a comment (or keep it published) and resolve its open flags."""
    return _decide(comment, to=Status.APPROVED, action=Action.APPROVED, actor=actor,
                   expected_status=expected_status, note=note, actor_label=actor_label)


def hide(*, comment: Comment, actor, reason: str, note: str = "",
         expected_status: str | None = None, actor_label: str = "",
         tell_author: bool = True) -> ModerationEvent | None:
    """Take a comment out of the reader's view; it is kept, never deleted.

    A moderator's hide may email the writer why (COMMENTERS_EMAIL_REJECTIONS), unless
    `tell_author` is off (a ban's "hide all" hides many at once and says nothing).
    """
    if reason not in Reason.values:
        raise ModerationError("Choose why the comment is hidden.")
    event = _decide(comment, to=Status.HIDDEN, action=Action.HIDDEN, actor=actor,
                    expected_status=expected_status, reason=reason, note=note,
                    actor_label=actor_label)
    if event is not None and actor is not None and tell_author:
        notify.comment_rejected(event)
    return event


@dataclass(frozen=True)
class Flagging:
    """One flag to raise on a comment, for flag_all()."""

    comment: Comment
    reason: str
    note: str = ""


@dataclass
class Flagged:
    """What flag_all() did: the flags raised, in the order asked, and the comments it
    refused (a comment changed since it was seen, or reported twice by one reader), once
    each with the error to show."""

    flags: list[Flag] = field(default_factory=list)
    refused: list[tuple[Comment, ModerationError]] = field(default_factory=list)


def _check_flag_reason(reason: str, note: str, source: str) -> None:
    if reason not in Reason.values:
        raise ModerationError("Choose a reason for the flag.")
    if reason == Reason.OTHER and source != Flag.Source.AUTOMATIC and not note.strip():
        raise ModerationError("Say what is wrong when the reason is “other”.")


def flag(*, comment: Comment, actor, reason: str, note: str = "",
         source: str = Flag.Source.MODERATOR, expected_status: str | None = None,
         actor_label: str = "", reporter_key: str = "") -> Flag:
    """Raise a flag for review; the comment's status does not change (flag_all() of one)."""
    done = flag_all([Flagging(comment, reason, note)], actor=actor, source=source,
                    actor_label=actor_label, reporter_key=reporter_key,
                    expected_statuses={comment.pk: expected_status} if expected_status else None)
    if done.refused:
        raise done.refused[0][1]
    return done.flags[0]


def flag_all(wanted: Sequence[Flagging], *, actor, source: str = Flag.Source.MODERATOR,
             actor_label: str = "", reporter_key: str = "",
             expected_statuses: Mapping[int, str] | None = None) -> Flagged:
    """Raise each flag asked for, all in one transaction and in a few statements whatever
    their number (the triage raises a batch's flags at once): each comment is locked and
    checked as lock_for_change() does (`expected_statuses` maps a comment id to the status
    its caller saw), and gets an audit row per flag, its flag facts and the queue counters
    in step. A refused comment gets none of its flags; the others are raised.
    """
    for one in wanted:
        _check_flag_reason(one.reason, one.note, source)
    action = Action.REPORTED if source == Flag.Source.READER else Action.FLAGGED
    done = Flagged()
    if not wanted:
        return done
    expected_statuses = expected_statuses or {}
    with transaction.atomic():
        # The lock of lock_for_change(), for every comment in one statement; in id order,
        # so two batches that share comments wait for each other instead of deadlocking.
        locked = {current.pk: current for current in Comment.objects.select_for_update()
                  .filter(pk__in={one.comment.pk for one in wanted}).order_by("pk")}
        reported_before = set(
            Flag.objects.filter(comment_id__in=list(locked), reporter_key=reporter_key)
            .values_list("comment_id", flat=True)
        ) if reporter_key else set()
        refused: dict[int, ModerationError] = {}
        for pk in {one.comment.pk for one in wanted}:
            current = locked.get(pk)
            expected = expected_statuses.get(pk)
            if current is None:
                refused[pk] = ModerationError(f"Comment #{pk} no longer exists.")
            elif expected is not None and current.status != expected:
                refused[pk] = Conflict(f"Comment #{pk} was {_describe_last_change(current)}.")
            elif pk in reported_before:
                refused[pk] = AlreadyReported()
        raising = [(locked[one.comment.pk], one) for one in wanted
                   if one.comment.pk not in refused]
        flagged = {current.pk: current for current, _one in raising}
        before = {pk: current.queues for pk, current in flagged.items()}
        at = timezone.now()
        events = ModerationEvent.objects.bulk_create([
            ModerationEvent(comment=current, actor=actor, created_at=at, **event_fields(
                current, action=action, status_before=current.status,
                actor_label=actor_label, reason=one.reason, note=one.note))
            for current, one in raising
        ])
        if source == Flag.Source.READER:
            for current, _one in raising:
                record.reported(current, at=at)
        done.flags = Flag.objects.bulk_create([
            Flag(comment=current, reason=one.reason, source=source, note=one.note,
                 created_by=actor, reporter_key=reporter_key, event=event, created_at=at)
            for (current, one), event in zip(raising, events, strict=True)
        ])
        refresh_flag_facts_of(list(flagged.values()))
        deltas = Counter()
        for pk, current in flagged.items():
            deltas.update(moved(current.article_id, before[pk], current.queues))
        add(deltas)
    for comment in {one.comment.pk: one.comment for one in wanted}.values():
        if comment.pk in refused:
            done.refused.append((comment, refused[comment.pk]))
        else:
            copy_state(comment, flagged[comment.pk])
    return done


def withdraw_flags(*, comment: Comment, reasons: Iterable[str], note: str = "",
                   actor_label: str = "automatic") -> int:
    """Resolve `comment`'s open automatic flags of `reasons`, which the triage raised and,
    rescored, no longer finds (a word taken off a list; spam found where off-topic was),
    each with an audit row whose note is `note` and the flag's own ("no longer found when
    rescored (suspect word: trade)"), the flag facts and the queue counters in step. A
    moderator's or a reader's flag is never withdrawn, and the comment's status is left
    as it is. Returns how many were withdrawn."""
    with transaction.atomic():
        current = lock_for_change(comment, None)
        flags = list(current.flags.open().filter(source=Flag.Source.AUTOMATIC,
                                                 reason__in=list(reasons)))
        if not flags:
            return 0
        with tracking_queues(current):
            for flag_ in flags:
                flag_.resolved_event = record_event(
                    current, actor=None, action=Action.WITHDRAWN, status_before=current.status,
                    actor_label=actor_label, reason=flag_.reason,
                    note=f"{note} ({flag_.note})" if flag_.note else note)
                flag_.resolved_at = flag_.resolved_event.created_at
            Flag.objects.bulk_update(flags, ["resolved_at", "resolved_event"])
    copy_state(comment, current)
    return len(flags)


def undo(*, comment: Comment, actor, expected_event_id: int | None = None) -> ModerationEvent:
    """Take back the comment's last decision that has not been undone yet.

    Restores the status it had before that decision, reopens the flags the decision
    resolved and resolves the flag it raised; the undo is logged as its own event.
    `expected_event_id` names the decision the moderator means to undo: if a newer one
    was made meanwhile, the undo is refused.
    """
    with transaction.atomic():
        current = lock_for_change(comment, None)
        last = (
            current.events.filter(action__in=ModerationEvent.DECISIONS, undone_by__isnull=True)
            .select_related("actor")
            .first()
        )
        if last is None:
            raise ModerationError(f"Comment #{current.pk} has no decision to undo.")
        if not last.is_moderators_decision:
            raise ModerationError(
                f"Comment #{current.pk} was last {last.get_action_display().lower()} by "
                f"{last.actor_name}, not by a moderator: decide it (keep, approve or hide) "
                "instead; nothing was undone."
            )
        if expected_event_id is not None and last.pk != expected_event_id:
            raise Conflict(
                f"Comment #{current.pk} was {last.get_action_display().lower()} by "
                f"{last.actor_name} after that; nothing was undone."
            )
        # A flag never changed the status, so undoing one leaves the status alone.
        if last.action == Action.FLAGGED:
            to, hidden_reason = current.status, current.hidden_reason
        else:
            to = last.status_before
            hidden_reason = _hidden_reason_before(current, last) if to == Status.HIDDEN else ""
        # Featuring never changed the status either; undoing a change that unfeatured the
        # comment (an unfeature, a hide) features it again as it was.
        if last.action in (Action.FEATURED, Action.UNFEATURED):
            to, hidden_reason = current.status, current.hidden_reason
        featured_at = current.featured_at
        if last.action == Action.FEATURED:
            featured_at = None
        elif last.featured_before is not None and to == Status.APPROVED:
            featured_at = last.featured_before
        with tracking_queues(current):
            event = change_status(current, to, actor=actor, action=Action.UNDONE,
                                  hidden_reason=hidden_reason, reason=last.reason,
                                  note=f"Undid: {last.get_action_display().lower()}",
                                  undoes=last)
            if featured_at != current.featured_at:
                if featured_at is None and event.featured_before is None:
                    event.featured_before = current.featured_at
                    event.save(update_fields=["featured_before"])
                _set_featured(current, featured_at)
            Flag.objects.filter(resolved_event=last).update(
                resolved_at=None, resolved_by=None, resolved_event=None
            )
            Flag.objects.filter(event=last, resolved_at__isnull=True).update(
                resolved_at=event.created_at, resolved_by=actor, resolved_event=event
            )
    copy_state(comment, current)
    return event


def feature(*, comment: Comment, actor, note: str = "", actor_label: str = ""
            ) -> ModerationEvent | None:
    """Put a published comment in its article's Featured section (readers see it at the
    top of the thread and marked in place). Already featured: nothing changes."""
    with transaction.atomic():
        current = lock_for_change(comment, None)
        if current.status != Status.APPROVED:
            raise ModerationError(
                f"Only a published comment can be featured; comment #{current.pk} is "
                f"{current.get_status_display().lower()}."
            )
        if current.featured_at is not None:
            return None
        _set_featured(current, timezone.now())
        event = record_event(current, actor=actor, action=Action.FEATURED,
                             status_before=current.status, actor_label=actor_label, note=note)
    copy_state(comment, current)
    return event


def unfeature(*, comment: Comment, actor, note: str = "", actor_label: str = ""
              ) -> ModerationEvent | None:
    """Take a comment out of the Featured section. Not featured: nothing changes."""
    with transaction.atomic():
        current = lock_for_change(comment, None)
        if current.featured_at is None:
            return None
        featured_before = current.featured_at
        _set_featured(current, None)
        event = record_event(current, actor=actor, action=Action.UNFEATURED,
                             status_before=current.status, actor_label=actor_label, note=note,
                             featured_before=featured_before)
    copy_state(comment, current)
    return event


@dataclass
class BulkResult:
    changed: list[Comment]
    unchanged: list[Comment]
    refused: list[tuple[Comment, str]]
    # The audit rows the bulk action wrote, one per changed comment, so it can be undone.
    events: list[ModerationEvent] = field(default_factory=list)


def _bulk(decide, comments: Iterable[Comment], expected_statuses: Mapping[int, str] | None,
          **kwargs) -> BulkResult:
    result = BulkResult([], [], [])
    for comment in comments:
        expected = expected_statuses.get(comment.pk) if expected_statuses else None
        try:
            event = decide(comment=comment, expected_status=expected, **kwargs)
        except ModerationError as error:
            result.refused.append((comment, str(error)))
            continue
        (result.changed if event else result.unchanged).append(comment)
        if event:
            result.events.append(event)
    return result


def bulk_approve(*, comments: Iterable[Comment], actor, note: str = "",
                 expected_statuses: Mapping[int, str] | None = None) -> BulkResult:
    """Approve each comment through approve(); one refusal does not stop the others.

    `expected_statuses` maps comment ids to the status the moderator saw, as
    `expected_status` does for one comment.
    """
    return _bulk(approve, comments, expected_statuses, actor=actor, note=note)


def bulk_hide(*, comments: Iterable[Comment], actor, reason: str, note: str = "",
              expected_statuses: Mapping[int, str] | None = None) -> BulkResult:
    """Hide each comment through hide(); one refusal does not stop the others."""
    if reason not in Reason.values:
        raise ModerationError("Choose why the comments are hidden.")
    return _bulk(hide, comments, expected_statuses, actor=actor, reason=reason, note=note)


def bulk_undo(*, events: Iterable[ModerationEvent], actor) -> BulkResult:
    """Undo each decision of an earlier (bulk) action through undo(), which refuses one
    that is no longer its comment's last decision; one refusal does not stop the others."""
    result = BulkResult([], [], [])
    for event in events:
        try:
            undone = undo(comment=event.comment, actor=actor, expected_event_id=event.pk)
        except ModerationError as error:
            result.refused.append((event.comment, str(error)))
        else:
            result.changed.append(event.comment)
            result.events.append(undone)
    return result


def hold(*, comment: Comment, reason: str, note: str = "", actor=None,
         actor_label: str = "automatic", expected_status: str | None = None
         ) -> ModerationEvent | None:
    """Take a published comment back to pending until a moderator decides on it.

    Used by the triage rules on post-moderated articles. A comment that is not published
    (already pending, or hidden) is left as it is.
    """
    if reason not in Reason.values:
        raise ModerationError("Choose why the comment is held.")
    with transaction.atomic():
        current = lock_for_change(comment, expected_status)
        if current.status != Status.APPROVED:
            return None
        with tracking_queues(current, flags_change=False):
            event = change_status(current, Status.PENDING, actor=actor, action=Action.HELD,
                                  actor_label=actor_label, reason=reason, note=note)
    copy_state(comment, current)
    return event
