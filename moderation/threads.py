"""Build the reader's view of a comment thread, one page of top-level comments at a time.

A page costs the same few queries however long the thread is: the number of top-level
slots, the slots on this page, the approved comments under them (one range scan of the
path index), and the non-approved ancestors that must stand in as placeholders.

A reader also sees their own comments that still await moderation, in place and marked
as such: the same queries, with those comments let through by their ids (remembered in
the writer's session) or their user.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models.functions import Substr

from .models import SEGMENT_WIDTH, Comment
from .rendering import render_body

PLACEHOLDER_TEXT = {
    Comment.Status.HIDDEN: "This comment was removed by a moderator.",
    Comment.Status.PENDING: "This comment is awaiting moderation.",
}


@dataclass
class ThreadItem:
    """One row of a rendered thread: a comment, or a placeholder keeping its replies' place."""

    id: int
    path: str
    depth: int
    parent_id: int | None
    author_name: str = ""
    created: object = None
    html: str = ""
    placeholder: str = ""
    # The reader's own comment, not yet approved: only they see it.
    awaiting: bool = False
    parent_author: str = ""

    @property
    def is_placeholder(self) -> bool:
        return bool(self.placeholder)


@dataclass
class ThreadPage:
    items: list[ThreadItem] = field(default_factory=list)
    number: int = 1
    num_pages: int = 1
    approved_count: int = 0

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def shown_comments(article, own_ids: Collection[int] = (), own_user_id: int | None = None):
    """Return the article's comments one reader sees (Comment.objects.visible_to)."""
    return Comment.objects.visible_to(own_ids=own_ids, user_id=own_user_id).filter(
        article=article
    )


def _slots(comments):
    return (
        comments.annotate(slot=Substr("path", 1, SEGMENT_WIDTH))
        .values_list("slot", flat=True)
        .order_by("slot")
        .distinct()
    )


def page_of(comment: Comment, own_ids: Collection[int] = (), own_user_id: int | None = None,
            per_page: int | None = None) -> int:
    """Return the thread page (1-based) on which `comment` shows for its writer."""
    per_page = per_page or settings.COMMENTS_PER_PAGE
    shown = shown_comments(comment.article, own_ids, own_user_id)
    before = _slots(shown).filter(path__lt=comment.path[:SEGMENT_WIDTH]).count()
    return before // per_page + 1


def thread_page(article, page: int = 1, per_page: int | None = None,
                own_ids: Collection[int] = (), own_user_id: int | None = None) -> ThreadPage:
    """Return page `page` (1-based, clamped) of an article's thread as one reader sees it.

    `own_ids` and `own_user_id` name the reader's own comments: those still pending show
    in place, marked as awaiting moderation.
    """
    per_page = per_page or settings.COMMENTS_PER_PAGE
    visible = Comment.objects.visible().filter(article=article)
    shown = shown_comments(article, own_ids, own_user_id)
    # A "slot" is a top-level position that holds at least one shown comment: the
    # top-level comment itself or a reply somewhere below it.
    slots = _slots(shown)
    slot_count = slots.count()
    num_pages = max(1, -(-slot_count // per_page))
    number = min(max(1, page), num_pages)
    result = ThreadPage(number=number, num_pages=num_pages, approved_count=visible.count())
    if not slot_count:
        return result

    offset = (number - 1) * per_page
    window = list(slots[offset : offset + per_page + 1])
    in_range = shown.filter(path__gte=window[0])
    if len(window) > per_page:
        in_range = in_range.filter(path__lt=window[per_page])
    approved = list(
        in_range.order_by("path").only(
            "id", "path", "depth", "parent_id", "author_name", "created", "body", "body_format",
            "status",
        )
    )

    approved_paths = {c.path for c in approved}
    missing = {p for c in approved for p in c.ancestor_paths if p not in approved_paths}
    placeholders = list(
        Comment.objects.filter(article=article, path__in=missing).only(
            "id", "path", "depth", "parent_id", "status"
        )
        if missing
        else []
    )

    items = [
        ThreadItem(
            id=c.id,
            path=c.path,
            depth=c.depth,
            parent_id=c.parent_id,
            author_name=c.author_name,
            created=c.created,
            html=render_body(c.body, c.body_format),
            awaiting=not c.is_visible,
        )
        for c in approved
    ]
    items += [
        ThreadItem(
            id=c.id,
            path=c.path,
            depth=c.depth,
            parent_id=c.parent_id,
            placeholder=PLACEHOLDER_TEXT[c.status],
        )
        for c in placeholders
    ]
    items.sort(key=lambda item: item.path)
    names = {item.id: item.author_name for item in items}
    for item in items:
        if item.parent_id:
            item.parent_author = names.get(item.parent_id, "")
    result.items = items
    return result
