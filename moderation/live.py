"""The live queue: what an open queue asks every few seconds (moderation/views/pages.py
`live`): which of its cards someone else decided, which comments arrived in it, and who is
looking at which card.

Whatever the size of the queue, one poll reads the audit rows written since the page's
cursor (a range of ModerationEvent's primary key, at most MAX_EVENTS rows) joined to their
comments' current state, and the view adds the counters' rows for the tabs. Nothing is
kept in the process: the cursor travels with the page, presence lives in the shared cache
(Redis, or the database cache), so any gunicorn worker can answer any poll.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from .models import ModerationEvent
from .models.counts import queues_of
from .wording import event_words

Action = ModerationEvent.Action

# Audit rows one poll reads at most; a busier moment (an import) is read over the next
# polls, which come at once while `more` says so.
MAX_EVENTS = 200
# Ids just below the cursor are read again: PostgreSQL hands out an id when a row is
# written, not when it commits, so a transaction holding id 100 may commit after a poll
# has seen 101. A poll's answer is safe to apply twice; the page skips rows it has seen.
RECHECK = 20
# A page tells the poll at most this many card ids.
MAX_SHOWN = 200

EVENT_FIELDS = (
    "id", "comment_id", "actor_id", "actor_label", "action", "status_before", "status_after",
    "reason", "created_at", "undoes_id", "actor__username", "undoes__action",
    "comment__status", "comment__flagged", "comment__reported", "comment__article_id",
    "comment__commenter_id",
)


@dataclass
class Changes:
    """One poll's answer: the next cursor, the shown cards others changed, the comments
    that arrived in the queue (not on the page), and whether more rows are waiting."""

    after: int | None
    more: bool = False
    decided: list[dict] = field(default_factory=list)
    arrived: list[int] = field(default_factory=list)


def recent_events(*, after: int | None, since: datetime.datetime | None):
    """The audit rows after cursor `after` (with RECHECK ids before it), or, on a page's
    first poll, those written since the page was made: the primary key's index, or
    `created_at`'s, a short range either way."""
    if after is not None:
        events = ModerationEvent.objects.filter(pk__gt=max(after - RECHECK, 0)).order_by("pk")
    else:
        # In created_at's order, so that the database reads that index's range rather than
        # walking the primary key's from the start and filtering.
        events = ModerationEvent.objects.filter(created_at__gte=since).order_by("created_at",
                                                                               "pk")
    return (events.select_related("actor", "undoes", "comment").only(*EVENT_FIELDS)
            [: MAX_EVENTS + 1])


def entered(event: ModerationEvent, tab: str) -> bool:
    """Did `event` bring its comment into queue `tab` (a new comment, or a change of status
    or a first flag that put it there)?"""
    if event.action in (Action.POSTED, Action.IMPORTED):
        return True
    if event.action == Action.WITHDRAWN:  # a flag taken away brings a comment into nothing
        return False
    before = (queues_of(event.status_before, flagged=False, reported=False)
              if event.status_before else frozenset())
    return tab not in before


def changes(*, after: int | None, since: datetime.datetime | None, shown: Iterable[int],
            me, tab: str | None = None, article_id: int | None = None,
            commenter_id: int | None = None) -> Changes:
    """What changed since the page's cursor, seen from queue `tab` (None: a page that is
    not a queue, such as the context page), by anyone but `me`."""
    shown = set(shown)
    rows = list(recent_events(after=after, since=since))
    more = len(rows) > MAX_EVENTS
    rows = rows[:MAX_EVENTS]
    result = Changes(after=max(event.pk for event in rows) if rows else after, more=more)
    latest: dict[int, ModerationEvent] = {}
    arrived: dict[int, None] = {}
    for event in rows:
        if event.actor_id is not None and event.actor_id == me.pk:
            continue
        comment = event.comment
        now_in = queues_of(comment.status, flagged=comment.flagged, reported=comment.reported)
        if event.comment_id in shown:
            latest[event.comment_id] = event
        elif (tab is not None and tab in now_in and entered(event, tab)
              and (article_id is None or comment.article_id == article_id)
              and (commenter_id is None or comment.commenter_id == commenter_id)):
            arrived[event.comment_id] = None
    for comment_id, event in latest.items():
        comment = event.comment
        now_in = queues_of(comment.status, flagged=comment.flagged, reported=comment.reported)
        result.decided.append({
            "id": comment_id,
            "event": event.pk,
            "text": event_words(event),
            "status": comment.status,
            "leaves": tab is not None and tab not in now_in,
        })
    result.arrived = list(arrived)
    return result


# Presence: who has which card open. Soft: nothing is locked by it, the services' conflict
# check stays the guard. Each card's lookers are one cache entry, {user id: (name, acting,
# until)}; each moderator's current card is another, so moving on clears the old card.
def _card_key(comment_id: int) -> str:
    return f"moderation:presence:{comment_id}"


def _user_key(user_id: int) -> str:
    return f"moderation:looking:{user_id}"


def presence(*, user, looking: int | None, acting: bool = False,
             shown: Iterable[int] = ()) -> dict[int, list[dict]]:
    """Say that `user` is looking at card `looking` (or at none), and return who else is
    looking at each of the `shown` cards: {comment id: [{"name", "acting"}]}.

    One read of the cache for every key involved, and one write when something changed
    or the entry is halfway to expiring."""
    ttl = settings.MODERATION_PRESENCE_TTL
    now = time.time()
    shown = set(shown)
    wanted = {_card_key(pk) for pk in shown | ({looking} if looking else set())}
    user_key = _user_key(user.pk)
    found = cache.get_many([*wanted, user_key])
    writes: dict[str, object] = {}
    previous = found.get(user_key)
    if previous and previous != looking:
        old = dict(found.get(_card_key(previous)) or cache.get(_card_key(previous)) or {})
        if old.pop(user.pk, None) is not None:
            writes[_card_key(previous)] = old
            found[_card_key(previous)] = old
    if looking:
        key = _card_key(looking)
        lookers = dict(found.get(key) or {})
        entry = lookers.get(user.pk)
        if entry is None or entry[1] != acting or entry[2] - now < ttl / 2:
            lookers = {pk: e for pk, e in lookers.items() if e[2] > now}  # drop the gone
            lookers[user.pk] = (user.get_username(), acting, now + ttl)
            writes[key] = lookers
            found[key] = lookers
    if previous != looking:
        writes[user_key] = looking
    if writes:
        cache.set_many(writes, timeout=ttl)
    answer: dict[int, list[dict]] = {}
    for pk in shown:
        others = [
            {"name": name, "acting": was_acting}
            for user_id, (name, was_acting, until) in (found.get(_card_key(pk)) or {}).items()
            if user_id != user.pk and until > now
        ]
        if others:
            answer[pk] = sorted(others, key=lambda o: o["name"])
    return answer
