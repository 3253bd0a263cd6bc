"""What an import does to comments' moderation state: its audit rows, its status changes,
and which comments a moderator has decided on here (an import never overrides those)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from articles import freshness
from moderation.models import Comment, Flag, ModerationEvent, Reason, copy_rows

from .decisions import (
    Action,
    Conflict,
    Status,
    change_status,
    copy_state,
    event_fields,
    lock_for_change,
)
from .queue_state import tracking_queues

# Imports (articles/importers). A decision a moderator made here is never overridden by
# an import: these are the actions that count as one.
MODERATOR_ACTIONS = (*ModerationEvent.DECISIONS, Action.UNDONE)


def decided_comment_ids(comments):
    """The ids of the comments among `comments` (a queryset) a moderator decided on here."""
    # order_by(): with the model's ordering, DISTINCT would also cover created_at and id,
    # and sort every matching event instead of only the ids.
    return (
        ModerationEvent.objects.filter(comment__in=comments, action__in=MODERATOR_ACTIONS)
        .order_by().values_list("comment_id", flat=True)
        .distinct()
    )


def _spam_flag(*, comment_id: int, event_id: int, note: str, at) -> Flag:
    # The source already decided (the comment comes in hidden), so the flag is resolved
    # by the import's own event: it explains the hiding without filling the flag queues.
    return Flag(
        comment_id=comment_id, reason=Reason.SPAM, source=Flag.Source.AUTOMATIC, note=note,
        event_id=event_id, created_at=at, resolved_at=at, resolved_event_id=event_id,
    )


def record_import(*, comments: Sequence[Comment], source_label: str,
                  reasons: Mapping[int, str] | None = None,
                  notes: Mapping[int, str] | None = None,
                  article_ids: Collection[int] | None = None) -> int:
    """Log comments an import has just created, with their imported statuses.

    One "imported" event per comment (no actor; labelled "import: <source_label>"), and a
    resolved automatic spam flag for each comment the source hid as spam. `reasons` and
    `notes` map comment ids to the reason and note of their event. Writes in bulk (COPY
    on PostgreSQL, one executemany() elsewhere), in the caller's transaction, so a
    100,000-comment import stays fast. Returns how many events were written.

    A comment that comes in approved makes its article's reader pages stale
    (articles/freshness.py): `article_ids` names the articles whose pages to retire when
    the comments do not carry them, or when some of their articles cannot have pages yet
    (the import's new ones).
    """
    reasons = reasons or {}
    notes = notes or {}
    label = f"import: {source_label}"
    now = timezone.now()
    # The audit rows differ only by comment, status, reason and note: a handful of kinds.
    kinds: dict[tuple, dict] = {}
    rows = []
    for comment in comments:
        reason, note = reasons.get(comment.pk, ""), notes.get(comment.pk, "")
        kind = kinds.get((comment.status, reason, note))
        if kind is None:
            kind = kinds[comment.status, reason, note] = {
                "actor_id": None, "undoes_id": None, "featured_before": None,
                "created_at": now,
                **event_fields(comment, action=Action.IMPORTED, status_before="",
                                actor_label=label, reason=reason, note=note),
            }
        rows.append((comment.pk, kind))
    spam = [
        (pk, kind["note"]) for pk, kind in rows
        if kind["reason"] == Reason.SPAM and kind["status_after"] == Status.HIDDEN
    ]
    with transaction.atomic():
        # Readers see the comments that come in approved: their pages are stale on commit.
        if any(c.status == Status.APPROVED for c in comments):
            freshness.bump_on_commit(*(
                {c.article_id for c in comments} if article_ids is None else article_ids))
        db = ModerationEvent.objects.db
        fields = [f for f in ModerationEvent._meta.concrete_fields
                  if not f.primary_key and f.attname != "comment_id"]
        lists = {id(kind): [kind[f.attname] for f in fields] for kind in kinds.values()}
        copy_rows(
            ModerationEvent, ([pk, *lists[id(kind)]] for pk, kind in rows),
            fields=[ModerationEvent._meta.get_field("comment"), *fields], using=db,
        )
        # COPY returns no ids; the few spam events' ids are read back for their flags.
        spam_ids = [pk for pk, _note in spam]
        event_ids = {}
        for start in range(0, len(spam_ids), 500):
            event_ids.update(ModerationEvent.objects.filter(
                comment_id__in=spam_ids[start:start + 500], action=Action.IMPORTED,
                created_at=now,
            ).values_list("comment_id", "id"))
        flags = [_spam_flag(comment_id=pk, event_id=event_ids[pk], note=note, at=now)
                 for pk, note in spam]
        fields = [f for f in Flag._meta.concrete_fields if not f.primary_key]
        copy_rows(Flag, ([getattr(flag, f.attname) for f in fields] for flag in flags),
                  fields=fields, using=db)
    return len(rows)


def import_status_change(*, comment: Comment, status: str, source_label: str, reason: str = "",
                         note: str = "") -> ModerationEvent | None:
    """Give an imported comment the status its source gives it now.

    Refused with Conflict if a moderator has approved, hidden, flagged or undone anything
    on it here: a re-import never overrides a decision made here. Returns None when the
    status already matches.
    """
    with transaction.atomic():
        current = lock_for_change(comment, None)
        decision = (
            current.events.filter(action__in=MODERATOR_ACTIONS).select_related("actor").first()
        )
        if decision is not None:
            raise Conflict(
                f"Comment #{current.pk} was {decision.get_action_display().lower()} by "
                f"{decision.actor_name} here; the import keeps that."
            )
        if current.status == status:
            return None
        # The spam flag below is born resolved: the flags' facts do not change.
        with tracking_queues(current, flags_change=False):
            event = change_status(current, status, actor=None, action=Action.IMPORTED,
                                  hidden_reason=reason, actor_label=f"import: {source_label}",
                                  reason=reason, note=note)
        if status == Status.HIDDEN and reason == Reason.SPAM:
            _spam_flag(comment_id=current.pk, event_id=event.pk, note=note,
                       at=event.created_at).save(force_insert=True)
    copy_state(comment, current)
    return event
