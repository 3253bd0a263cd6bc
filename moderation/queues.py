"""The moderator's queues, their filters and sort orders, and the data a queue card shows.

Each queue is one of the conditions behind CommentQuerySet's methods (moderation.models.Is),
served by an index of its own; the tabs' counts come from the counters the services keep
(moderation.models.QueueCount), so no page of the workspace reads the comment table
beyond the rows it shows. A page of cards costs a fixed handful of queries, however long
the queue is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connections
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils.functional import cached_property

from .models import Comment, Flag, Is, ModerationEvent, QueueCount, QueueTotal
from .paging import ShallowPaginator, first_pks, first_rows, gathered
from .wording import is_keep

Status = Comment.Status
Source = Flag.Source


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    condition: Callable[[], Q]
    description: str = ""


QUEUES: dict[str, Queue] = {
    key: Queue(key, label, partial(Is.in_queue, key), description)
    for key, label, description in (
        ("needs_review", "Needs review", "Pending comments and comments with open flags"),
        ("pending", "Pending", "Waiting for a first decision"),
        ("flagged", "Flagged", "Open flags raised by moderators or the triage rules"),
        ("reported", "Reported", "Open reports from readers"),
        ("approved", "Approved", "Published to readers"),
        ("hidden", "Hidden", "Removed from the reader's view, kept here"),
        ("all", "All", "Every comment"),
    )
}
DEFAULT_QUEUE = "needs_review"


@dataclass(frozen=True)
class Sort:
    label: str
    order_by: tuple


# Sort orders offered on the queue. Each is a label and the order_by() arguments; an entry
# may use expressions (say a score annotation) as well as field names. The last key breaks
# ties so that paging is stable.
SORTS: dict[str, Sort] = {
    "oldest": Sort("Oldest first", ("created", "pk")),
    "newest": Sort("Newest first", ("-created", "-pk")),
    # Automated triage's score (moderation/triage), worst first; comment_priority_idx.
    "priority": Sort("Priority (worst first)", ("-priority", "created", "pk")),
}
DEFAULT_SORT = "oldest"

PER_PAGE = 25


# With a filter the counters cannot answer (reason, author, text), only the shown tab is
# counted, and only this far: beyond it the tab says "1,000+".
FILTERED_COUNT_LIMIT = 1000


@dataclass(frozen=True)
class TabCount:
    """A tab's count: `value` comments (at least that many if `at_least`; of the list
    narrowed by reason, author or text if `filtered`), or None when the tab is not
    counted under the page's filters."""

    value: int | None
    at_least: bool = False
    filtered: bool = False
    # A filtered count within the limit: the ids counted, which listing() then reads.
    ids: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __str__(self) -> str:
        if self.value is None:
            return ""
        return f"{self.value:,}+" if self.at_least else f"{self.value:,}"


def filter_comments(queryset: QuerySet, *, article=None, reason: str = "", author: str = "",
                    text: str = "", commenter=None) -> QuerySet:
    """Narrow comments by the queue's filters (empty ones are ignored).

    `reason` matches an open flag with that reason, or a hidden comment hidden for it;
    `text` is a search of the bodies (CommentQuerySet.search()).
    """
    if article is not None:
        queryset = queryset.filter(article=article)
    if commenter is not None:
        queryset = queryset.filter(commenter=commenter)  # comment_commenter_idx
    if reason:
        queryset = queryset.filter(Is.about(reason))
    if author:
        queryset = queryset.by_author(author)
    if text:
        queryset = queryset.search(text)
    return queryset


def matching(ids: list[int], filters: dict) -> list[int]:
    """Those of `ids` (the few comments a poll saw arrive) that the queue's `filters` let
    through, in their order: one query, by primary key."""
    if not ids:
        return []
    kept = set(filter_comments(Comment.objects.filter(pk__in=ids), **filters)
               .values_list("pk", flat=True))
    return [pk for pk in ids if pk in kept]


def tab_counts(*, article=None, reason: str = "", author: str = "", text: str = "",
               commenter=None, tab: str = DEFAULT_QUEUE) -> dict[str, TabCount]:
    """Every tab's count under the queue's filters: the one way the workspace counts.

    Unfiltered or by article, every tab from the queue counters (one small query).
    Filtered by reason, author, text or commenter, which no counter knows, only `tab` is
    counted, up to FILTERED_COUNT_LIMIT comments, on the indexes its page is read from.
    """
    if not (reason or author or text or commenter is not None):
        if article is None:
            totals = QueueTotal.objects.totals()
        else:
            totals = QueueCount.objects.filter(article=article).totals()
        return {key: TabCount(n) for key, n in totals.items()}
    matching = filter_comments(Comment.objects.all(), article=article, reason=reason,
                               author=author, text=text, commenter=commenter,
                               ).filter(QUEUES[tab].condition())
    found = tuple(first_pks(matching, FILTERED_COUNT_LIMIT + 1))
    counts = {key: TabCount(None) for key in QUEUES}
    if len(found) > FILTERED_COUNT_LIMIT:
        counts[tab] = TabCount(FILTERED_COUNT_LIMIT, at_least=True, filtered=True)
    else:
        counts[tab] = TabCount(len(found), filtered=True, ids=found)
    return counts


def listing(*, filters: dict, tab: str, sort: str, count: TabCount, needed: int = PER_PAGE,
            after: dict | None = None) -> QuerySet:
    """The cards of queue `tab` under `filters`, in `sort` order, as tab_counts() counted
    them (`count`), from the first or (`after`, a keyset: after_key()) a later card on,
    enough for the first `needed` of them.

    A filtered list known to be short (within FILTERED_COUNT_LIMIT) is read by the ids
    its count found (through its own index: the text search's GIN index, say) and sorted,
    instead of walking the queue's ordered index in the hope of meeting matches soon,
    which for a rare word means most of the table. A long one is read as
    paging.first_rows() finds best.
    """
    in_tab = Comment.objects.filter(QUEUES[tab].condition())
    if after is not None:
        in_tab = after_key(in_tab, sort=sort, key=after)
    order = SORTS[sort].order_by
    postgresql = connections[in_tab.db].vendor == "postgresql"
    if count.filtered and not count.at_least:
        matching = in_tab.filter(pk__in=count.ids)
    elif count.filtered and postgresql:
        # Of the article's comments, when the filters name one.
        article = filters.get("article")
        base = in_tab if article is None else in_tab.filter(article=article)
        matching = first_rows(filter_comments(in_tab, **filters), base, order, needed)
    else:
        matching = filter_comments(in_tab, **filters)
        if sort == "priority" and filters.get("article") is not None and postgresql \
                and (count.at_least or (count.value or 0) <= GATHER_ARTICLE_LIMIT):
            matching = gathered(matching, order, needed)
    return cards(matching, queue=tab).order_by(*order)


# An article's comments are written within days of each other, so walking a priority
# index in the hope of meeting them soon (what the planner bets on, as if they were spread
# through the table) passed over most of the table: a breaking story's queue by priority
# took 0.9 s at 10^6. Up to this many, its comments are gathered through the article's
# own index and sorted instead (oldest and newest first have comment_article_created_idx).
GATHER_ARTICLE_LIMIT = 50_000


CARD_LEAVES_OUT = (
    "search_document",
    *(f"article__{name}" for name in (
        "body", "editors_note", "editors_note_author", "outlet", "byline", "published_at",
        "source_url", "import_source", "import_id", "comment_seq", "created_at",
        "updated_at")),
    *(f"parent__{name}" for name in (
        "search_document", "triage", "user", "author_email", "commenter", "notify_replies",
        "hidden_reason", "created", "flagged", "reported", "open_flag_reasons",
        "needs_review", "import_key", "seq", "path", "depth", "priority", "triaged_at",
        "featured_at")),
    # The commenter's user id stays: the trust panel says what trust does for an account
    # and for a guest (wording.trust_effect).
    *(f"commenter__{name}" for name in (
        "email_key", "external_key", "last_seen", "trouble_at", "created_at")),
)


def cards(queryset: QuerySet, *, queue: str = DEFAULT_QUEUE) -> QuerySet:
    """Comments with what a card shows from their own rows: article, parent, commenter,
    and `in_queue` (does the comment still belong to `queue`, e.g. after a decision).
    complete_cards() then adds the open flags and the last event of the page's cards."""
    condition = QUEUES[queue].condition()
    in_queue = (
        ExpressionWrapper(condition, output_field=BooleanField()) if condition else Value(True)
    )
    return (
        queryset.select_related("article", "parent", "commenter")
        # What no card shows (it names the article, quotes the parent and gives the
        # author's record): each column left out is one less value to read and convert,
        # the dates most (a date costs as much as a model field's whole descriptor work).
        .defer(*CARD_LEAVES_OUT)
        .annotate(in_queue=in_queue)
    )


def complete_cards(comments: list[Comment]) -> list[Comment]:
    """Give the cards of a page (cards() rows, read) their open flags and last event."""
    attach_open_flags(comments)
    return attach_last_events(comments)


def attach_open_flags(comments: list[Comment]) -> list[Comment]:
    """Give each card its open flags (`open_flags`, with who raised them) in one query,
    asked only for the comments whose `flagged` or `reported` says they have any: after a
    decision, and on most cards of the All and Approved tabs, there are none to read."""
    wanted = [c.pk for c in comments if c.flagged or c.reported]
    found: dict[int, list[Flag]] = {}
    if wanted:
        for flag in Flag.objects.open().filter(comment__in=wanted).select_related("created_by"):
            found.setdefault(flag.comment_id, []).append(flag)
    for comment in comments:
        comment.open_flags = found.get(comment.pk, [])
    return comments


def attach_last_events(comments: list[Comment]) -> list[Comment]:
    """Give each card its last event (with actor and undo state) in one query."""
    if not comments:
        return comments
    newest = ModerationEvent.objects.filter(comment=OuterRef("pk")).order_by("-created_at", "-id")
    last_ids = Comment.objects.filter(pk__in=[c.pk for c in comments]).values(
        last=Subquery(newest.values("pk")[:1])
    )
    events = {
        e.comment_id: e
        for e in ModerationEvent.objects.filter(pk__in=last_ids).select_related(
            "actor", "undone_by", "undoes")
    }
    attach_resolved_sources(events.values())
    for comment in comments:
        comment.last_event = events.get(comment.pk)
    return comments


def attach_resolved_sources(events) -> None:
    """Tell each keep (a decision that only dismissed flags) what it dismissed, as the
    sources of the flags it resolved: one query, and only when there is a keep among
    `events` (rare in the queues that need a moderator)."""
    keeps = {e.pk: e for e in events if is_keep(e)}
    if not keeps:
        return
    for e in keeps.values():
        e.resolved_sources = []
    for event_id, source in Flag.objects.filter(resolved_event__in=list(keeps)).values_list(
            "resolved_event", "source"):
        keeps[event_id].resolved_sources.append(source)


def after_key(queryset: QuerySet, *, sort: str, key: dict) -> QuerySet:
    """The rows that come after `key` (the last card's "created", "priority" and "pk") in
    `sort` order: a keyset page, which reads the queue's index from that card on however
    deep in the queue it is (no OFFSET). The first column's bound (>= or <=) is said on
    its own so that the database starts its index range there."""
    fields = [name.lstrip("-") for name in SORTS[sort].order_by]
    descending = [name.startswith("-") for name in SORTS[sort].order_by]
    later = Q()
    for i in reversed(range(len(fields))):
        step = Q(**{f"{fields[i]}__{'lt' if descending[i] else 'gt'}": key[fields[i]]})
        if i < len(fields) - 1:
            step |= Q(**{fields[i]: key[fields[i]]}) & later
        later = step
    first = fields[0]
    bound = Q(**{f"{first}__{'lte' if descending[0] else 'gte'}": key[first]})
    return queryset.filter(bound & later)


class CountedPaginator(ShallowPaginator):
    """A paginator told its count, which the tab counts have already worked out (with
    `at_least`, pages stop there)."""

    def __init__(self, object_list, per_page, *, count: TabCount, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count.value or 0
        self.at_least = count.at_least

    @cached_property
    def count(self) -> int:
        return self._known_count

    def rows_through(self, number) -> int:
        """How many of the list's rows the page get_page(number) shows ends at (what
        listing() is asked for): a page that is not a number is the first, one out of
        range the last, as get_page() reads them. Only the count is needed."""
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = self.num_pages
        return number * self.per_page
