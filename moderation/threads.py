"""Build the reader's view of a comment thread: a bounded first view, and more on demand.

A page shows COMMENTS_PER_PAGE top-level comments (20), each with its first
COMMENTS_REPLIES_SHOWN replies (4) in thread order; the rest of each subtree waits behind
"show N more replies", which loads the next COMMENTS_MORE_CHUNK (50) of it, in thread
order, each chunk ending with its own "show N more". So a first page holds about 100
comments whatever the tree's shape (a 300-reply fan-out or a chain 16 deep alike), plus
the Featured section. A permalink (`?comment=<id>`) shows one comment with its ancestors
and its first replies.

Every query is a range of one index, whatever the thread's size: the top-level comments
of a page (comment_toplevel_idx, or comment_toplevel_featured_idx for "featured first"),
each with the path where its first view ends (a LIMIT/OFFSET probe of its subtree on
comment_thread_idx), the comments of those ranges (one range each), the placeholders of
removed or waiting ancestors (by path, on the unique index), and the "N more" counts,
each bounded to its subtree's range. The comment count comes from the queue counter
(QueueCount, approved), kept by the services.

A subtree is a path range: a comment's descendants are the paths that start with its own,
that is, after it and at most its path followed by a full segment of nines (so the
replies of a reply numbered MAX_SEQ, which no article reaches, would fall outside). The
number of pages counts the top-level comments, on comment_toplevel_idx.

A reader also sees their own comments that still await moderation, in place and marked
as such: the same queries, through Comment.objects.visible_to().
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from .models import SEGMENT_WIDTH, Comment, Is
from .models.counts import visible_count
from .rendering import render_body

PLACEHOLDER_TEXT = {
    Comment.Status.HIDDEN: "This comment was removed by a moderator.",
    Comment.Status.PENDING: "This comment is awaiting moderation.",
}
LAST_SEGMENT = "9" * SEGMENT_WIDTH

# The reader's sort orders of top-level comments.
OLDEST, NEWEST, FEATURED = SORTS = ("oldest", "newest", "featured")
SORT_LABELS = {OLDEST: "Oldest", NEWEST: "Newest", FEATURED: "Featured first"}
SORT_ORDER = {
    OLDEST: ["path"],
    NEWEST: ["-path"],
    FEATURED: [F("featured_at").desc(nulls_last=True), "path"],
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
READ_FIELDS = ("id", "path", "depth", "parent_id", "author_name", "created", "body",
               "body_format", "status", "featured_at")


class Row(NamedTuple):
    """A comment as the thread reads it: a tuple, not a model instance, which costs four
    times as much to build (a 10,000-comment thread spent most of its time there). What it
    says about itself is asked of Comment's own properties."""

    id: int
    path: str
    depth: int
    parent_id: int | None
    author_name: str
    created: object
    body: str
    body_format: str
    status: str
    featured_at: object

    @property
    def is_visible(self) -> bool:
        return Comment.is_visible.fget(self)

    @property
    def ancestor_paths(self) -> list[str]:
        return Comment.ancestor_paths.fget(self)


def rows_of(queryset) -> list[Row]:
    return [Row._make(values) for values in queryset.values_list(*READ_FIELDS)]


@dataclass(slots=True)
class ThreadItem:
    """One row of a rendered thread: a comment, a placeholder keeping its replies' place,
    or (`more`) the "show N more replies" link that continues a subtree."""

    id: int
    path: str
    depth: int
    parent_id: int | None = None
    author_name: str = ""
    created: object = None
    html: str = ""
    placeholder: str = ""
    # The reader's own comment, not yet approved: only they see it.
    awaiting: bool = False
    featured: bool = False
    # The comment a permalink points at.
    target: bool = False
    parent_author: str = ""
    # Filled by Links.decorate(), so rendering (articles/thread_rows.py) reverses no URL
    # and formats no date.
    classes: str = ""
    created_iso: str = ""
    created_text: str = ""
    reply_url: str = ""
    report_url: str = ""
    permalink: str = ""
    # A "show more" row: how many replies it stands for, and where they load from.
    more: int = 0
    more_url: str = ""


@dataclass
class ThreadPage:
    items: list[ThreadItem] = field(default_factory=list)
    featured: list[ThreadItem] = field(default_factory=list)
    number: int = 1
    num_pages: int = 1
    approved_count: int = 0
    sort: str = OLDEST
    # A permalink's comment (its view shows that comment's part of the thread only).
    target_id: int | None = None

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


class Links:
    """The URLs and dates of a thread's rows, made by string formatting from one prefix
    (the article's comments URL, reversed once by the caller)."""

    def __init__(self, *, article_url: str, comments_url: str, accepts_replies: bool,
                 reply_depth_limit: int):
        self.article_url = article_url
        self.comments_url = comments_url
        self.accepts_replies = accepts_replies
        self.reply_depth_limit = reply_depth_limit

    def more_url(self, root_id: int, after_id: int) -> str:
        return f"{self.comments_url}{root_id}/replies/?after={after_id}"

    def decorate(self, items: Iterable[ThreadItem]) -> None:
        comments_url, article_url = self.comments_url, self.article_url
        zone = timezone.get_current_timezone()
        # Rows come from the database in UTC: no conversion when that is the zone shown.
        utc = str(zone) == "UTC"
        for item in items:
            if item.more:
                continue
            classes = "comment"
            if item.placeholder:
                item.classes = "comment comment-placeholder"
                continue
            if item.awaiting:
                classes += " comment-awaiting"
            if item.featured:
                classes += " comment-featured"
            if item.target:
                classes += " comment-target"
            item.classes = classes
            created = item.created if utc else item.created.astimezone(zone)
            item.created_iso = created.isoformat()
            item.created_text = (f"{created.day} {MONTHS[created.month - 1]} {created.year}, "
                                 f"{created.hour:02d}:{created.minute:02d}")
            item.permalink = f"{article_url}?comment={item.id}#c{item.id}"
            if self.accepts_replies and item.depth < self.reply_depth_limit:
                item.reply_url = f"{comments_url}{item.id}/reply/"
            item.report_url = f"{comments_url}{item.id}/report/"


def shown_comments(article, own_ids: Collection[int] = (), own_user_id: int | None = None):
    """Return the article's comments one reader sees (Comment.objects.visible_to)."""
    return Comment.objects.visible_to(own_ids=own_ids, user_id=own_user_id).filter(
        article=article
    )


def below(path) -> Q:
    """The descendants of the comment at `path` (a string or an expression)."""
    if isinstance(path, str):
        return Q(path__gt=path, path__lte=path + LAST_SEGMENT)
    return Q(path__gt=path, path__lte=Concat(path, Value(LAST_SEGMENT)))


def _item(c: Row | Comment, *, target_id: int | None = None) -> ThreadItem:
    return ThreadItem(
        id=c.id, path=c.path, depth=c.depth, parent_id=c.parent_id,
        author_name=c.author_name, created=c.created,
        html=render_body(c.body, c.body_format), awaiting=not c.is_visible,
        featured=c.is_visible and c.featured_at is not None, target=c.id == target_id,
    )


# A page's reads are separate statements, each with its own snapshot: a decision that
# commits between them can leave a comment approved in the first (the page's top-level
# comments) and gone from the next (their rows). Its commit gives the article a new
# version, so the page made then is soon replaced; until then it says only this.
NO_LONGER_SHOWN = "This comment is no longer shown."


def _placeholder(c: Comment) -> ThreadItem:
    return ThreadItem(id=c.id, path=c.path, depth=c.depth, parent_id=c.parent_id,
                      placeholder=PLACEHOLDER_TEXT.get(c.status, NO_LONGER_SHOWN))


def _placeholders(article, shown: list[Row] | list[Comment], known: set[str], after: str = ""
                  ) -> list[ThreadItem]:
    """Placeholders for the ancestors of `shown` that the reader does not see (removed or
    waiting) and that are neither in `known` nor at or before `after` (shown earlier)."""
    missing = {
        p for c in shown for p in c.ancestor_paths if p not in known and p > after
    }
    if not missing:
        return []
    rows = Comment.objects.filter(article=article, path__in=sorted(missing)).only(
        "id", "path", "depth", "parent_id", "status"
    )
    return [_placeholder(c) for c in rows]


def _name_parents(items: list[ThreadItem], names: dict[int, str] | None = None) -> None:
    names = dict(names or {})
    names.update((item.id, item.author_name) for item in items if not item.more)
    for item in items:
        if item.parent_id:
            item.parent_author = names.get(item.parent_id, "")


def featured(article) -> list[ThreadItem]:
    """The article's featured comments, most recently featured first (comment_featured_idx)."""
    rows = rows_of(
        Comment.objects.visible().filter(article=article, featured_at__isnull=False)
        .order_by("-featured_at")[: settings.COMMENTS_FEATURED_SHOWN]
    )
    return [_item(c) for c in rows]


def _top_level(article, own_ids: Collection[int] = (), own_user_id: int | None = None):
    """The article's top-level comments that hold a place on its pages: those the reader
    sees, and those with something below that the reader sees (shown as placeholders)."""
    shown = shown_comments(article, own_ids, own_user_id)
    seen_below = Exists(shown.filter(below(OuterRef("path"))))
    return Comment.objects.filter(article=article, depth=0).filter(
        Is.visible_to(own_ids, own_user_id) | seen_below
    )


def page_of(comment: Comment, own_ids: Collection[int] = (), own_user_id: int | None = None,
            per_page: int | None = None) -> int:
    """The page (oldest first) on which top-level `comment` shows for its writer."""
    per_page = per_page or settings.COMMENTS_PER_PAGE
    top = comment.path[:SEGMENT_WIDTH]
    before = _top_level(comment.article, own_ids, own_user_id).filter(path__lt=top).count()
    return before // per_page + 1


def _more(links: Links, root_id: int, after_id: int, count: int, depth: int) -> ThreadItem:
    return ThreadItem(id=root_id, path="", depth=depth, more=count,
                      more_url=links.more_url(root_id, after_id))


def thread_page(article, page: int = 1, *, links: Links, sort: str = OLDEST,
                per_page: int | None = None, replies_shown: int | None = None,
                own_ids: Collection[int] = (), own_user_id: int | None = None) -> ThreadPage:
    """Return page `page` (1-based, clamped) of an article's thread as one reader sees it:
    its top-level comments in `sort` order, each with its first replies and a "show N
    more replies" row for the rest of its subtree.

    `own_ids` and `own_user_id` name the reader's own comments: those still pending show
    in place, marked as awaiting moderation.
    """
    per_page = per_page or settings.COMMENTS_PER_PAGE
    replies_shown = settings.COMMENTS_REPLIES_SHOWN if replies_shown is None else replies_shown
    sort = sort if sort in SORTS else OLDEST
    shown = shown_comments(article, own_ids, own_user_id)
    top_level = _top_level(article, own_ids, own_user_id)
    slot_count = top_level.count()
    num_pages = max(1, -(-slot_count // per_page))
    number = min(max(1, page), num_pages)
    result = ThreadPage(number=number, num_pages=num_pages, sort=sort,
                        approved_count=visible_count(article), featured=featured(article))
    links.decorate(result.featured)
    if not slot_count:
        return result

    # Where each top-level comment's first view ends: the path of the first reply left out.
    cut = Subquery(
        shown.filter(below(OuterRef("path"))).order_by("path")
        .values("path")[replies_shown : replies_shown + 1]
    )
    offset = (number - 1) * per_page
    slots = list(
        top_level.annotate(cut=cut).order_by(*SORT_ORDER[sort])
        .only("id", "path", "depth", "parent_id", "status")[offset : offset + per_page]
    )
    ranges = [
        Q(path__gte=s.path, path__lt=s.cut) if s.cut
        else Q(path__gte=s.path, path__lte=s.path + LAST_SEGMENT)
        for s in slots
    ]
    # One index range per top-level comment, ORed (PostgreSQL reads them as a BitmapOr of
    # ranges of comment_thread_idx).
    either = Q()
    for r in ranges:
        either |= r
    rows = rows_of(shown.filter(either).order_by("path"))
    seen = {c.path for c in rows}
    placeholders = [_placeholder(s) for s in slots if s.path not in seen]
    placeholders += _placeholders(article, rows, seen | {s.path for s in slots})

    more_counts = {}
    cut_slots = [s for s in slots if s.cut]
    if cut_slots:
        # Each count is bounded to its own subtree's rest (the rows after the cut).
        rest = [Q(path__gte=s.cut, path__lte=s.path + LAST_SEGMENT) for s in cut_slots]
        either = Q()
        for r in rest:
            either |= r
        more_counts = shown.filter(either).order_by().aggregate(
            **{f"s{s.id}": Count("pk", filter=r) for s, r in zip(cut_slots, rest, strict=True)}
        )

    by_slot: dict[str, list[ThreadItem]] = {}
    for item in [_item(c) for c in rows] + placeholders:
        by_slot.setdefault(item.path[:SEGMENT_WIDTH], []).append(item)
    items: list[ThreadItem] = []
    for s in slots:  # in the page's sort order; each slot's rows in thread order
        group = sorted(by_slot.get(s.path, []), key=lambda item: item.path)
        items += group
        count = more_counts.get(f"s{s.id}") or 0
        if count and group:
            last = group[-1]
            items.append(_more(links, s.id, last.id, count, depth=1))
    links.decorate(items)
    _name_parents(items)
    result.items = items
    return result


def replies_after(article, root: Comment, after: Comment, *, links: Links,
                  chunk: int | None = None, own_ids: Collection[int] = (),
                  own_user_id: int | None = None) -> list[ThreadItem]:
    """The next `chunk` comments of `root`'s subtree after `after` (root itself or one of
    its descendants), in thread order, with placeholders for unseen ancestors, and a
    "show N more replies" row if the subtree goes on."""
    chunk = chunk or settings.COMMENTS_MORE_CHUNK
    shown = shown_comments(article, own_ids, own_user_id)
    subtree = below(root.path)
    rows = rows_of(shown.filter(subtree, path__gt=after.path).order_by("path")[: chunk + 1])
    extra = rows[chunk:]
    rows = rows[:chunk]
    seen = {c.path for c in rows}
    items = [_item(c) for c in rows]
    items += _placeholders(article, rows, seen, after=after.path)
    items.sort(key=lambda item: item.path)
    if extra:
        count = shown.filter(subtree, path__gte=extra[0].path).count()
        items.append(_more(links, root.id, items[-1].id, count, depth=root.depth + 1))
    links.decorate(items)
    _name_parents(items, _parent_names(article, rows, seen))
    return items


def _parent_names(article, rows: list[Row], seen: set[str]) -> dict[int, str]:
    # The parents of a chunk's first rows were shown before it: their names are asked for
    # by id (primary key), so "in reply to" reads the same as on the page.
    ids = {c.parent_id for c in rows if c.parent_id} - {c.id for c in rows}
    if not ids:
        return {}
    return dict(Comment.objects.visible().filter(article=article, pk__in=ids)
                .values_list("id", "author_name"))


def permalink_page(article, target: Comment, *, links: Links, sort: str = OLDEST,
                   own_ids: Collection[int] = (), own_user_id: int | None = None
                   ) -> ThreadPage:
    """The part of the thread a permalink shows: `target` (a comment the reader sees)
    with its ancestors (placeholders for those the reader does not see), highlighted, and
    the first chunk of its replies."""
    shown = shown_comments(article, own_ids, own_user_id)
    result = ThreadPage(sort=sort, target_id=target.id,
                        approved_count=visible_count(article), featured=featured(article))
    links.decorate(result.featured)
    ancestors = rows_of(shown.filter(path__in=target.ancestor_paths))
    rows = ancestors + [target]
    seen = {c.path for c in rows}
    items = [_item(c, target_id=target.id) for c in rows]
    items += _placeholders(article, [target], seen)
    items.sort(key=lambda item: item.path)
    links.decorate(items)
    _name_parents(items)
    names = {item.id: item.author_name for item in items}
    items += replies_after(article, target, target, links=links, own_ids=own_ids,
                           own_user_id=own_user_id)
    _name_parents(items, names)
    result.items = items
    return result


def whole_thread(article, *, links: Links) -> list[ThreadItem]:
    """Every comment readers see of an article, in thread order, with placeholders: the
    whole tree at once (bench/bench_thread.py renders it; no reader page does)."""
    rows = rows_of(Comment.objects.visible().filter(article=article).order_by("path"))
    seen = {c.path for c in rows}
    items = [_item(c) for c in rows] + _placeholders(article, rows, seen)
    items.sort(key=lambda item: item.path)
    links.decorate(items)
    _name_parents(items)
    return items
