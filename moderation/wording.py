"""What happened to a comment, in plain words, for the cards, the log, the toasts and the
live queue: "Approved by mona", "Kept by mona (report dismissed)", "Hide undone by mona:
back to approved", "Flagged automatically as spam". One place, so they all say the same.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import dateformat, timezone

from .models import CommenterEvent, Flag, ModerationEvent

Action = ModerationEvent.Action

# What an action on a person is, as a noun: "Undid the ban of Vic".
STANDING_NOUNS = {
    CommenterEvent.Action.BANNED: "ban",
    CommenterEvent.Action.SUSPENDED: "suspension",
    CommenterEvent.Action.PREMODERATED: "pre-moderation",
    CommenterEvent.Action.TRUSTED: "trust",
    CommenterEvent.Action.NOTED: "note",
}


def trust_effect(commenter) -> str:
    """What trusting this person does, as services.people.trust_publishes() decides it: an
    account's comments publish when triage raises nothing; a guest's only if the newsroom
    trusts typed emails (anyone can type one)."""
    effect = "their comments publish on pre-moderated articles when triage raises nothing"
    if commenter.user_id or settings.COMMENTERS_TRUST_GUESTS:
        return effect
    return (f"{effect} once they post from an account with this email; as a guest they "
            "still wait for a moderator, since anyone can type an email")


def when(moment: datetime.datetime) -> str:
    """A moment as a reader reads it: "4 May 2026, 14:05 UTC" in the site's time zone."""
    return dateformat.format(timezone.localtime(moment), "j F Y, H:i T")


# What an undo takes back, as a noun: "Hide undone", "Approval undone".
UNDONE_NOUNS = {
    Action.APPROVED: "Approval",
    Action.HIDDEN: "Hide",
    Action.FLAGGED: "Flag",
    Action.FEATURED: "Feature",
    Action.UNFEATURED: "Unfeature",
}


def by(event: ModerationEvent) -> str:
    """Who acted, as the end of a sentence: "by mona", "automatically", "by a reader"."""
    if event.actor_id:
        return f"by {event.actor.get_username()}"
    label = event.actor_label
    if label == "automatic":
        return "automatically"
    if label == "reader" or (not label and event.action == Action.REPORTED):
        return "by a reader"
    return f"by {label}" if label else "by the system"


def dismissed(sources: Iterable[str] | None, *, reported: bool = False) -> str:
    """What a keep dismissed: "report", "2 flags", "report and flag" (from the resolved
    flags' sources, or only whether the comment was reported)."""
    if sources is None:
        return "report" if reported else "flag"
    sources = list(sources)
    reports = sum(1 for s in sources if s == Flag.Source.READER)
    flags = len(sources) - reports
    parts = []
    if reports:
        parts.append("report" if reports == 1 else f"{reports} reports")
    if flags:
        parts.append("flag" if flags == 1 else f"{flags} flags")
    return " and ".join(parts) or ("report" if reported else "flag")


def is_keep(event: ModerationEvent) -> bool:
    """A decision that left the status as it was and only dismissed the open flags."""
    return (event.action in (Action.APPROVED, Action.HIDDEN)
            and event.status_before == event.status_after)


def event_words(event: ModerationEvent, *, resolved: Iterable[str] | None = None,
                brief: bool = False, actor: bool = True) -> str:
    """One audit row as a sentence without its time: "Hidden by mona as spam".

    `resolved` (the sources of the flags the decision dismissed) words a keep exactly;
    without it the keep says "flag". `brief` leaves out the reason; without `actor` the
    words leave out who (the log has a column for that): "Kept (report dismissed)",
    "Hide undone: back to approved". Undo rows need `undoes` loaded.
    """
    action = event.action
    who = f" {by(event)}" if actor else ""
    reason = f" as {event.get_reason_display().lower()}" if event.reason and not brief else ""
    if is_keep(event):
        kept = "Kept" if action == Action.APPROVED else "Kept hidden"
        return f"{kept}{who} ({dismissed(resolved)} dismissed)"
    if action == Action.UNDONE:
        noun = UNDONE_NOUNS.get(event.undoes.action, "Decision") if event.undoes_id else "Decision"
        words = f"{noun} undone{who}"
        if event.status_before != event.status_after:
            words += f": back to {event.get_status_after_display().lower()}"
        return words
    if action == Action.HELD:
        return f"Held for review{who}{reason}"
    if action == Action.PUBLISHED:
        return "Published after scoring"
    if action == Action.WITHDRAWN:
        flag_ = f"{event.get_reason_display()} flag" if event.reason and not brief else "Flag"
        return f"{flag_} withdrawn{who}"
    return f"{event.get_action_display()}{who}{reason}"


def event_words_as(event: ModerationEvent, style: str = "") -> str:
    """The audit row in plain words as a page shows it, exact about what a keep dismissed
    when the flags it resolved were attached (queues.attach_resolved_sources()): "brief"
    leaves out the reason (when the card's open flags already say it), "what" leaves out
    who (the log's own column says it)."""
    return event_words(event, resolved=getattr(event, "resolved_sources", None),
                       brief=style == "brief", actor=style != "what")


def undo_label(event: ModerationEvent) -> str:
    """The Undo button's words: "Undo approval", "Undo hide" (UNDONE_NOUNS above)."""
    noun = UNDONE_NOUNS.get(event.action)
    return f"Undo {noun.lower()}" if noun else "Undo"


def undoable(event: ModerationEvent | None) -> bool:
    """Can this event be taken back with undo (a moderator's decision nobody has undone
    yet)? An automatic flag is not: a moderator dismisses it by keeping or approving."""
    if event is None or not event.is_moderators_decision:
        return False
    try:
        event.undone_by  # noqa: B018 - the reverse one-to-one raises when absent
    except ModerationEvent.DoesNotExist:
        return True
    return False

