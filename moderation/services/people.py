"""Actions on a person: ban, suspend, always pre-moderate, trust, a note, and undo.

Each is one function, keyword-only, in one transaction with its audit row
(CommenterEvent), returning None when there is nothing to change, like the decisions on
comments. An action's row stores the standing fields it changed, before and after; undo
puts the "before" back if the commenter is still as the action left them, and refuses
otherwise (someone acted since), so undo never overwrites a later decision.

Why a separate audit table: ModerationEvent rows each belong to one comment and record its
status; these change a person's standing. The comment decisions a ban's "hide all" makes
are ordinary ModerationEvents (through hide()), linked to the ban's row and undone with it.

A ban's "hide all" is not done in the ban's request: the ban commits at once (their next
post is refused), its row records what is to be hidden (`after["hide_all"]`), and a task
(moderation/tasks.py) hides the comments a batch per transaction through
hide_batch(), which a task that died half-way runs again to the end. Its undo is the same
the other way: the standing comes back in the request, and a task takes the hides back
through restore_batch(), each through undo(). Neither task keeps state of its own: what
is left to do is read from the comments and their audit rows (comments_to_hide(),
hides_to_restore()), and so is the progress their page shows (ban_progress()).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from articles import freshness
from moderation import signals
from moderation.models import Comment, Commenter, CommenterEvent, ModerationEvent, Reason

from ..wording import STANDING_NOUNS, when
from . import commenters as record
from .decisions import Conflict, ModerationError, hide, undo
from .queue_state import counting_at_end

Action = CommenterEvent.Action
Status = Comment.Status
MAX_SUSPENSION_DAYS = 365
# What each action is called when it is taken back ("the ban", "the trust").
# The key of a ban's `after` that says what its "hide all" hides: the reason given and the
# newest comment id when the ban was made (comments added later are not the ban's).
HIDE_ALL = "hide_all"
# Comments hidden per transaction by a ban's task: short enough that a post or a decision
# waits at most a moment for the database (SQLite has one writer) between two batches.
HIDE_BATCH = 100


def _lock(commenter: Commenter, expected_standing: str | None = None) -> Commenter:
    """The person's row, locked; refused (Conflict) if the moderator acts from a page that
    showed another standing than theirs now (`expected_standing`, Commenter.standing_key),
    as a decision on a comment is refused when someone else decided it meanwhile."""
    current = Commenter.objects.select_for_update().get(pk=commenter.pk)
    if expected_standing and expected_standing != current.standing_key:
        last = (current.events.exclude(action=Action.NOTED).select_related("actor")
                .order_by("-created_at", "-id").first())
        change = (f": the last change was {STANDING_NOUNS.get(last.action, 'a change')} "
                  f"by {last.actor_name}" if last else "")
        raise Conflict(f"{current} was changed since your page showed them{change}. "
                       "Reload the page and decide again.")
    return current


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(f"Say why the commenter is {what}; they are told.")
    return reason


def _copy(commenter: Commenter, current: Commenter) -> None:
    for name in record.STANDING_FIELDS:
        setattr(commenter, name, getattr(current, name))


def ban_commenter(*, commenter: Commenter, actor, reason: str, hide_all: bool = False,
                  hide_reason: str = Reason.OTHER, expected_standing: str | None = None
                  ) -> CommenterEvent | None:
    """Refuse every later post by this person. With `hide_all`, also hide their published
    and pending comments, each through hide(), undone with the ban: a task does it once
    the ban commits (see the module docstring; ban_progress() says how far it got)."""
    reason = _reason(reason, "banned")
    if hide_all and hide_reason not in Reason.values:
        raise ModerationError("Choose why their comments are hidden.")
    with transaction.atomic():
        current = _lock(commenter, expected_standing)
        if current.is_banned:
            return None
        recorded = {}
        if hide_all:
            newest = Comment.objects.order_by("-pk").values_list("pk", flat=True).first()
            recorded[HIDE_ALL] = {"reason": hide_reason, "upto": newest or 0}
        event = record.change_standing(
            current, {"banned_at": timezone.now(), "ban_reason": reason,
                      "trust": Commenter.Trust.NONE},
            actor=actor, action=Action.BANNED, reason=reason, recorded=recorded,
        )
        if hide_all:
            transaction.on_commit(
                lambda: signals.ban_committed.send(CommenterEvent, ban_id=event.pk))
    _copy(commenter, current)
    return event


@contextmanager
def _batch():
    """A batch of decisions on one person's comments, written once at its end where they
    add up: the queue counters (each hide() would otherwise lock the site-wide totals
    from its own hide to the batch's commit, and every other moderator's decision would
    wait for the whole batch), the person's record (one UPDATE, not one a comment) and
    the articles' reader-page versions (one each). Exits in reverse order, so the locks
    are taken as every decision takes them: comments, then the record, then counters."""
    with counting_at_end(), record.recording_at_end(), freshness.bumping_at_end():
        yield


def comments_to_hide(ban: CommenterEvent):
    """The comments a ban's "hide all" has yet to hide: the person's published and pending
    comments that existed when they were banned, except those a moderator decided on
    since (approved, hidden or undone after the ban: a later decision stands, as undo
    never overwrites one either). Nothing for a ban without "hide all"."""
    plan = ban.after.get(HIDE_ALL)
    if plan is None:
        return Comment.objects.none()
    decided_since = ModerationEvent.objects.filter(
        comment=OuterRef("pk"), actor__isnull=False, created_at__gt=ban.created_at,
        action__in=[ModerationEvent.Action.APPROVED, ModerationEvent.Action.HIDDEN,
                    ModerationEvent.Action.UNDONE],
    )
    return Comment.objects.filter(
        commenter_id=ban.commenter_id, pk__lte=plan["upto"],
        status__in=[Status.APPROVED, Status.PENDING],
    ).filter(~Exists(decided_since))


def hide_batch(*, ban_id: int, comment_ids: Sequence[int]) -> bool:
    """Hide those of `comment_ids` that a ban's "hide all" has yet to hide, in one
    transaction, each through hide() with its audit row linked to the ban. Return False
    when the ban is undone (or gone, or asked to hide nothing): there is nothing more
    to do for it.

    Safe to run again after a crash: what a batch hid is committed with its links to the
    ban, and is no longer among comments_to_hide().
    """
    with transaction.atomic(), _batch():
        # The ban's row first, as undo_commenter_event() locks it: an undo waits for the
        # batch (whose hides its task then takes back too), or the batch waits and finds
        # it undone.
        ban = (CommenterEvent.objects.select_for_update(of=("self",)).select_related("actor")
               .filter(pk=ban_id, action=Action.BANNED).first())
        if ban is None or HIDE_ALL not in ban.after or _undone(ban):
            return False
        # Comments before their commenter's record (hide() updates it): every decision's
        # lock order. Asked once locked: a moderator may have decided one meanwhile.
        locked = list(Comment.objects.select_for_update().filter(pk__in=comment_ids)
                      .order_by("pk"))
        still = set(comments_to_hide(ban).filter(pk__in=comment_ids)
                    .values_list("pk", flat=True))
        reason, note = ban.after[HIDE_ALL]["reason"], f"Commenter banned: {ban.reason}"
        hides = [
            hid for comment in locked if comment.pk in still
            if (hid := hide(comment=comment, actor=ban.actor, reason=reason, note=note,
                            actor_label=ban.actor_label, tell_author=False))
        ]
        if hides:
            ban.hides.add(*hides)
    return True


def _undone(event: CommenterEvent) -> bool:
    return CommenterEvent.objects.filter(undoes=event).exists()


def hides_to_restore(ban: CommenterEvent):
    """The hides of a ban's "hide all" that its undo has yet to take back: those not
    undone yet that are still their comment's latest decision standing (undo() takes back
    only that one, so a comment a moderator decided on since is left as they decided)."""
    decided_since = ModerationEvent.objects.filter(
        comment=OuterRef("comment_id"), action__in=ModerationEvent.DECISIONS,
        undone_by__isnull=True,
    ).filter(Q(created_at__gt=OuterRef("created_at"))
             | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")))
    return ban.hides.filter(undone_by__isnull=True).filter(~Exists(decided_since))


def restore_batch(*, ban_id: int, hide_ids: Sequence[int]) -> bool:
    """Take back those of `hide_ids`, hides of an undone ban's "hide all", that are still
    to take back, in one transaction, each through undo() by the moderator who undid the
    ban. Return False when the ban stands (or is gone): there is nothing to take back.

    Safe to run again after a crash: a hide taken back is undone, its undo committed with
    it, and is no longer among hides_to_restore().
    """
    with transaction.atomic(), _batch():  # as hide_batch()
        # The ban's row first, as hide_batch() locks it: a hiding batch that was in flight
        # when the ban was undone has committed, and its hides are among these.
        ban = (CommenterEvent.objects.select_for_update()
               .filter(pk=ban_id, action=Action.BANNED).first())
        undone = ban and CommenterEvent.objects.select_related("actor").filter(undoes=ban).first()
        if not undone:
            return False
        # Comments before their commenter's record (undo() updates it), as every decision.
        comments = ModerationEvent.objects.filter(pk__in=hide_ids).values("comment_id")
        locked = {comment.pk: comment for comment in Comment.objects.select_for_update()
                  .filter(pk__in=comments).order_by("pk")}
        # Asked once locked: a moderator may have decided one meanwhile.
        for hid in hides_to_restore(ban).filter(pk__in=hide_ids).order_by("pk"):
            try:
                undo(comment=locked[hid.comment_id], actor=undone.actor,
                     expected_event_id=hid.pk)
            except ModerationError:
                # undo() has the last word on what may be taken back: what it refuses
                # stays as it is, like a comment a moderator decided on since.
                continue
    return True


@dataclass(frozen=True)
class _Progress:
    """How far one of a ban's tasks has got: `so_far` done, `left` still to do."""

    left: int
    restoring: ClassVar[bool] = False

    @property
    def so_far(self) -> int:
        raise NotImplementedError

    @property
    def total(self) -> int:
        return self.so_far + self.left

    @property
    def done(self) -> bool:
        return self.left == 0


@dataclass(frozen=True)
class Hiding(_Progress):
    """How far a ban's "hide all" has got: comments hidden so far and still to hide."""

    hidden: int = 0

    @property
    def so_far(self) -> int:
        return self.hidden


@dataclass(frozen=True)
class Restoring(_Progress):
    """How far the undo of a ban with "hide all" has got taking its hides back: comments
    restored so far, still to restore, and kept as a moderator decided them since."""

    restored: int = 0
    kept: int = 0
    restoring: ClassVar[bool] = True

    @property
    def so_far(self) -> int:
        return self.restored


def ban_progress(commenter: Commenter) -> Hiding | Restoring | None:
    """How far the "hide all" of the person's latest ban has got while the ban stands,
    or, once it is undone, how far its undo has got restoring what it hid; None for a
    ban without "hide all", or no ban. Counted from the data (the tasks keep no state of
    their own), and only while there can be something left: while the person has
    comments still published or pending to hide, or hidden ones to restore, which their
    record's counters say without a query."""
    ban = (commenter.events.filter(action=Action.BANNED).select_related("undone_by")
           .order_by("-created_at", "-id").first())
    if ban is None or HIDE_ALL not in ban.after:
        return None
    if not hasattr(ban, "undone_by"):
        return Hiding(hidden=ban.hides.count(),
                      left=comments_to_hide(ban).count() if commenter.hideable_count else 0)
    counts = ban.hides.aggregate(total=Count("pk"),
                                 restored=Count("pk", filter=Q(undone_by__isnull=False)))
    left = hides_to_restore(ban).count() if commenter.hidden_count else 0
    return Restoring(restored=counts["restored"], left=left,
                     kept=counts["total"] - counts["restored"] - left)


def suspend_commenter(*, commenter: Commenter, actor, days: int, reason: str,
                      expected_standing: str | None = None) -> CommenterEvent | None:
    """Refuse this person's posts for `days` days; the suspension lifts itself."""
    reason = _reason(reason, "suspended")
    if not isinstance(days, int) or not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ModerationError(f"Suspend for 1 to {MAX_SUSPENSION_DAYS} days.")
    with transaction.atomic():
        current = _lock(commenter, expected_standing)
        if current.is_banned:
            raise ModerationError(f"{current} is banned; a suspension would change nothing.")
        until = timezone.now() + datetime.timedelta(days=days)
        event = record.change_standing(
            current, {"suspended_until": until, "suspension_reason": reason},
            actor=actor, action=Action.SUSPENDED, reason=reason,
        )
    _copy(commenter, current)
    return event


def premoderate_commenter(*, commenter: Commenter, actor, reason: str = "",
                          expected_standing: str | None = None) -> CommenterEvent | None:
    """Hold every later comment of this person for a moderator, whatever the article's
    policy. Takes back any trust."""
    with transaction.atomic():
        current = _lock(commenter, expected_standing)
        if current.premoderated:
            return None
        event = record.change_standing(
            current, {"premoderated": True, "trust": Commenter.Trust.NONE},
            actor=actor, action=Action.PREMODERATED, reason=reason.strip(),
        )
    _copy(commenter, current)
    return event


def trust_commenter(*, commenter: Commenter, actor, reason: str = "",
                    expected_standing: str | None = None) -> CommenterEvent | None:
    """Publish this person's comments on pre-moderated articles when triage raises
    nothing. Ends any pre-moderation of them."""
    with transaction.atomic():
        current = _lock(commenter, expected_standing)
        if current.is_banned:
            raise ModerationError(f"{current} is banned; undo the ban first.")
        if current.trust == Commenter.Trust.MANUAL:
            return None
        event = record.change_standing(
            current, {"trust": Commenter.Trust.MANUAL, "premoderated": False},
            actor=actor, action=Action.TRUSTED, reason=reason.strip(),
        )
    _copy(commenter, current)
    return event


def note_commenter(*, commenter: Commenter, actor, note: str) -> CommenterEvent:
    """Keep a moderator's note on a person (moderators only ever see it)."""
    note = (note or "").strip()
    if not note:
        raise ModerationError("Write the note first.")
    with transaction.atomic():
        current = _lock(commenter)
        return CommenterEvent.objects.create(commenter=current, actor=actor,
                                             action=Action.NOTED, reason=note)


def undo_commenter_event(*, event: CommenterEvent, actor) -> CommenterEvent:
    """Take back one action on a person: restore what it changed, refused if the person
    was changed since. A ban's "hide all" is taken back by a task once the undo commits
    (restore_batch(); ban_progress() says how far it got)."""
    if event.action not in CommenterEvent.UNDOABLE:
        raise ModerationError("That cannot be undone.")
    with transaction.atomic():
        # The event first (a ban's hiding task locks it before each batch: the undo waits
        # for a batch in flight, or the batch finds the ban undone), then the commenter.
        event = CommenterEvent.objects.select_for_update().get(pk=event.pk)
        current = Commenter.objects.select_for_update().get(pk=event.commenter_id)
        noun = STANDING_NOUNS[event.action]
        if _undone(event):
            raise Conflict(f"That {noun} was already undone.")
        standing_after = record.standing_of(event.after)
        if record.standing(current, standing_after) != standing_after:
            raise Conflict(f"{current} was changed after that {noun}; nothing was undone.")
        values = dict(event.before)
        changed = record.apply_standing(current, values)
        if changed:
            current.save(update_fields=changed)
        undone = CommenterEvent.objects.create(
            commenter=current, actor=actor, action=Action.UNDONE, undoes=event,
            reason=f"Undid the {noun}",
            before=standing_after, after=record.standing(current, values),
        )
        if HIDE_ALL in event.after:
            transaction.on_commit(
                lambda: signals.ban_undone.send(CommenterEvent, ban_id=event.pk))
    return undone


def notes(commenter: Commenter):
    """The moderators' notes on a person that stand (not undone), newest first."""
    return commenter.events.filter(action=Action.NOTED, undone_by__isnull=True).select_related(
        "actor"
    )


def may_post(commenter: Commenter | None, *, at=None) -> None:
    """Refuse (ModerationError, fit to show the reader) a post by a banned or suspended
    commenter, with the reason and, for a suspension, when it ends."""
    if commenter is None:
        return
    if commenter.is_banned:
        raise ModerationError(
            f"You can no longer comment here: a moderator banned you ({commenter.ban_reason})."
        )
    if commenter.is_suspended(at):
        raise ModerationError(
            f"You can comment again from {when(commenter.suspended_until)}: a moderator "
            f"suspended you ({commenter.suspension_reason})."
        )


def trust_publishes(comment: Comment) -> bool:
    """Whether a trusted writer's pending comment may be published without a moderator
    once triage has raised nothing: only when written from the trusted account itself, or
    by a guest if COMMENTERS_TRUST_GUESTS says an email given on the form is enough (anyone
    can type an address)."""
    commenter = comment.commenter
    if commenter is None or not commenter.is_trusted or commenter.premoderated:
        return False
    if comment.user_id is not None and comment.user_id == commenter.user_id:
        return True
    return comment.user_id is None and settings.COMMENTERS_TRUST_GUESTS

