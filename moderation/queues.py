"""The moderator's queues, their filters and sort orders, and the data a queue card shows.

Each queue is one of the conditions behind CommentQuerySet's methods (moderation.models.Is),
used both to list its comments and to count them, so a tab's count and its contents cannot
disagree, and no queue restates a rule. All tab counts come from one aggregate
query, and a page of cards from a fixed handful, however long the queue is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils.functional import cached_property

from .models import Comment, Flag, Is, ModerationEvent

Status = Comment.Status
Source = Flag.Source

# Sources whose open flags put a comment in the Flagged queue; readers' go to Reported.
FLAGGED_SOURCES = (Source.MODERATOR, Source.AUTOMATIC)


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    condition: Callable[[], Q]
    description: str = ""


QUEUES: dict[str, Queue] = {
    queue.key: queue
    for queue in (
        Queue("needs_review", "Needs review", Is.needs_review,
              "Pending comments and comments with open flags"),
        Queue("pending", "Pending", Is.pending, "Waiting for a first decision"),
        Queue("flagged", "Flagged", lambda: Is.flagged(*FLAGGED_SOURCES),
              "Open flags raised by moderators or the triage rules"),
        Queue("reported", "Reported", lambda: Is.flagged(Source.READER),
              "Open reports from readers"),
        Queue("approved", "Approved", Is.approved, "Published to readers"),
        Queue("hidden", "Hidden", Is.hidden, "Removed from the reader's view, kept here"),
        Queue("all", "All", lambda: Q(), "Every comment"),
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


def _last_event(**filters) -> Subquery:
    events = ModerationEvent.objects.filter(comment=OuterRef("pk"), **filters)
    return Subquery(events.order_by("-created_at", "-id").values("pk")[:1])


def filter_comments(queryset: QuerySet, *, article=None, reason: str = "", author: str = "",
                    text: str = "", commenter=None) -> QuerySet:
    """Narrow comments by the queue's filters (empty ones are ignored).

    `reason` matches an open flag with that reason, or a hidden comment hidden for it.
    """
    if article is not None:
        queryset = queryset.filter(article=article)
    if commenter is not None:
        queryset = queryset.filter(commenter=commenter)  # comment_commenter_idx
    if reason:
        queryset = queryset.filter(Is.about(reason))
    if author:
        queryset = queryset.filter(
            Q(author_name__icontains=author) | Q(author_email__icontains=author)
        )
    if text:
        queryset = queryset.filter(body__icontains=text)
    return queryset


def tab_counts(queryset: QuerySet) -> dict[str, int]:
    """Count every queue's comments among `queryset` in one aggregate query."""
    return queryset.aggregate(
        **{key: Count("pk", filter=queue.condition()) for key, queue in QUEUES.items()}
    )


def cards(queryset: QuerySet, *, queue: str = DEFAULT_QUEUE) -> QuerySet:
    """Comments with what a card shows: article, parent, open flags, last event, and
    `in_queue` (does the comment still belong to `queue`, e.g. after a decision)."""
    condition = QUEUES[queue].condition()
    in_queue = (
        ExpressionWrapper(condition, output_field=BooleanField()) if condition else Value(True)
    )
    return (
        queryset.select_related("article", "parent", "commenter")
        .annotate(
            in_queue=in_queue,
            last_event_id=_last_event(),
        )
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.open().select_related("created_by"),
                to_attr="open_flags",
            )
        )
    )


def attach_last_events(comments: list[Comment]) -> list[Comment]:
    """Give each card its last event (with actor and undo state) in one query."""
    ids = {c.last_event_id for c in comments if getattr(c, "last_event_id", None)}
    events = (
        {e.pk: e for e in ModerationEvent.objects.filter(pk__in=ids)
         .select_related("actor", "undone_by")}
        if ids
        else {}
    )
    for comment in comments:
        comment.last_event = events.get(getattr(comment, "last_event_id", None))
    return comments


class CountedPaginator(Paginator):
    """A paginator told its count, which the tab counts have already worked out."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count
