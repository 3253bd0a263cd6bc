"""Actions on a person: ban, suspend, always pre-moderate, trust, a note, and undo.

Each is one function, keyword-only, in one transaction with its audit row
(CommenterEvent), returning None when there is nothing to change, like the decisions on
comments. An action's row stores the standing fields it changed, before and after; undo
puts the "before" back if the commenter is still as the action left them, and refuses
otherwise (someone acted since), so undo never overwrites a later decision.

Why a separate audit table: ModerationEvent rows each belong to one comment and record its
status; these change a person's standing. The comment decisions a ban's "hide all" makes
are ordinary ModerationEvents (through hide()), linked to the ban's row and undone with it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import dateformat, timezone

from moderation.models import Comment, Commenter, CommenterEvent, Reason

from . import commenters as record
from .decisions import Conflict, ModerationError, hide, undo

Action = CommenterEvent.Action
Status = Comment.Status
MAX_SUSPENSION_DAYS = 365
# What each action is called when it is taken back ("the ban", "the trust").
NOUNS = {Action.BANNED: "ban", Action.SUSPENDED: "suspension",
         Action.PREMODERATED: "pre-moderation", Action.TRUSTED: "trust", Action.NOTED: "note"}


def _lock(commenter: Commenter) -> Commenter:
    return Commenter.objects.select_for_update().get(pk=commenter.pk)


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(f"Say why the commenter is {what}; they are told.")
    return reason


def _copy(commenter: Commenter, current: Commenter) -> None:
    for name in record.STANDING_FIELDS:
        setattr(commenter, name, getattr(current, name))


def when(moment: datetime.datetime) -> str:
    """A moment as a reader reads it: "4 May 2026, 14:05 UTC" in the site's time zone."""
    return dateformat.format(timezone.localtime(moment), "j F Y, H:i T")


def ban_commenter(*, commenter: Commenter, actor, reason: str, hide_all: bool = False,
                  hide_reason: str = Reason.OTHER) -> CommenterEvent | None:
    """Refuse every later post by this person; with `hide_all`, also hide each of their
    published and pending comments through hide(), in the same transaction, so that
    undoing the ban brings them back."""
    reason = _reason(reason, "banned")
    if hide_all and hide_reason not in Reason.values:
        raise ModerationError("Choose why their comments are hidden.")
    with transaction.atomic():
        # Their comments are locked before the commenter, the order every decision takes
        # (comment, then its commenter's record), so a ban never deadlocks with a decision.
        to_hide = list(
            Comment.objects.select_for_update().filter(
                commenter=commenter, status__in=[Status.APPROVED, Status.PENDING]
            ).order_by("pk")
        ) if hide_all else []
        current = _lock(commenter)
        if current.is_banned:
            return None
        event = record.change_standing(
            current, {"banned_at": timezone.now(), "ban_reason": reason,
                      "trust": Commenter.Trust.NONE},
            actor=actor, action=Action.BANNED, reason=reason,
        )
        hides = [
            hid for comment in to_hide
            if (hid := hide(comment=comment, actor=actor, reason=hide_reason,
                            note=f"Commenter banned: {reason}", tell_author=False))
        ]
        if hides:
            event.hides.add(*hides)
    _copy(commenter, current)
    return event


def suspend_commenter(*, commenter: Commenter, actor, days: int, reason: str
                      ) -> CommenterEvent | None:
    """Refuse this person's posts for `days` days; the suspension lifts itself."""
    reason = _reason(reason, "suspended")
    if not isinstance(days, int) or not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ModerationError(f"Suspend for 1 to {MAX_SUSPENSION_DAYS} days.")
    with transaction.atomic():
        current = _lock(commenter)
        if current.is_banned:
            raise ModerationError(f"{current} is banned; a suspension would change nothing.")
        until = timezone.now() + datetime.timedelta(days=days)
        event = record.change_standing(
            current, {"suspended_until": until, "suspension_reason": reason},
            actor=actor, action=Action.SUSPENDED, reason=reason,
        )
    _copy(commenter, current)
    return event


def premoderate_commenter(*, commenter: Commenter, actor, reason: str = ""
                          ) -> CommenterEvent | None:
    """Hold every later comment of this person for a moderator, whatever the article's
    policy. Takes back any trust."""
    with transaction.atomic():
        current = _lock(commenter)
        if current.premoderated:
            return None
        event = record.change_standing(
            current, {"premoderated": True, "trust": Commenter.Trust.NONE},
            actor=actor, action=Action.PREMODERATED, reason=reason.strip(),
        )
    _copy(commenter, current)
    return event


def trust_commenter(*, commenter: Commenter, actor, reason: str = "") -> CommenterEvent | None:
    """Publish this person's comments on pre-moderated articles when triage raises
    nothing. Ends any pre-moderation of them."""
    with transaction.atomic():
        current = _lock(commenter)
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
    """Take back one action on a person: restore what it changed (and, for a ban with
    "hide all", undo its hides), refused if the person was changed since."""
    if event.action not in CommenterEvent.UNDOABLE:
        raise ModerationError("That cannot be undone.")
    with transaction.atomic():
        hides = list(event.hides.select_related("comment").order_by("comment_id"))
        # Comments first, then the commenter: the order every decision locks in.
        list(Comment.objects.select_for_update().filter(
            pk__in=[h.comment_id for h in hides]).order_by("pk"))
        current = _lock(event.commenter)
        event = CommenterEvent.objects.select_for_update().get(pk=event.pk)
        noun = NOUNS[event.action]
        if CommenterEvent.objects.filter(undoes=event).exists():
            raise Conflict(f"That {noun} was already undone.")
        if record.standing(current, event.after) != event.after:
            raise Conflict(f"{current} was changed after that {noun}; nothing was undone.")
        values = dict(event.before)
        changed = record.apply_standing(current, values)
        if changed:
            current.save(update_fields=changed)
        undone = CommenterEvent.objects.create(
            commenter=current, actor=actor, action=Action.UNDONE, undoes=event,
            reason=f"Undid the {noun}",
            before=event.after, after=record.standing(current, values),
        )
        refused = []
        for hid in hides:
            try:
                undo(comment=hid.comment, actor=actor, expected_event_id=hid.pk)
            except ModerationError as error:
                refused.append(str(error))
    # The hides someone changed since stay as they are; the caller tells the moderator.
    undone.refused = refused
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

