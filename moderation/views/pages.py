"""The workspace's pages: the queue, one comment in context, and the moderation log.

Each costs a fixed number of queries whatever the amount of data (tests pin the counts).
"""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..forms import LogFilterForm, QueueFilterForm
from ..live import MAX_SHOWN, changes, presence
from ..models import Comment, ModerationEvent, QueueCount, QueueTotal, Reason
from ..paging import LargeTablePaginator
from ..queues import (
    DEFAULT_QUEUE,
    PER_PAGE,
    QUEUES,
    SORTS,
    CountedPaginator,
    TabCount,
    attach_resolved_sources,
    cards,
    complete_cards,
    filter_comments,
    listing,
    matching,
    tab_counts,
)
from ._common import (
    article_choices,
    card_renderer,
    moderator_required,
    queue_filters,
    safe_next,
    tabs,
)
from .actions import UNDO_SESSION_KEY

LOG_PER_PAGE = 50
# The context page lists at most this many replies under the comment, in thread order.
MAX_REPLIES = 200


@moderator_required
@require_safe
def queue(request):
    form = QueueFilterForm(request.GET)
    values = form.values()
    tab, sort = values["tab"], values["sort"]
    filters = queue_filters(values)
    counts = tab_counts(**filters, tab=tab)
    number = request.GET.get("page")
    # The paginator knows from the count alone which page it will show, and so how many
    # rows the listing must reach; the listing is then what it pages.
    paginator = CountedPaginator(None, PER_PAGE, count=counts[tab])
    paginator.object_list = listing(filters=filters, tab=tab, sort=sort, count=counts[tab],
                                    needed=paginator.rows_through(number))
    page = paginator.get_page(number)
    page.object_list = complete_cards(list(page.object_list))
    filtered = any(values[name] for name in ("article", "reason", "author", "q", "commenter"))
    context = {
        "form": form,
        "values": values,
        "problems": form.problems(),
        "filtered": filtered,
        "tabs": tabs(counts),
        "query": request.GET,
        "tab": tab,
        "queue": QUEUES[tab],
        "sorts": SORTS,
        "reasons": Reason.choices,
        "articles": article_choices(values["article"]),
        "page": page,
        "cards": card_renderer(request, next_url=request.get_full_path(), queue=tab)
        .render_all(page.object_list),
        "next": request.get_full_path(),
        "status": request.session.pop(UNDO_SESSION_KEY, None),
        "live": _live_settings(),
    }
    return render(request, "moderation/queue.html", context)


def _live_settings() -> dict:
    """What the page's script needs to poll: when the page was made (its first poll reads
    the audit rows since then), how often, and how long a decided card stays."""
    return {"since": f"{time.time():.3f}", "poll": settings.MODERATION_LIVE_POLL,
            "undo_window": settings.MODERATION_UNDO_WINDOW, "per_page": PER_PAGE}


class BadRequest(ValueError):
    pass


def _int(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Not a number: {value[:20]!r}.") from None
    if not 0 <= number < 2**63:
        raise BadRequest(f"Out of range: {value[:20]!r}.")
    return number


def _ids(value: str, limit: int) -> list[int]:
    ids = [_int(part) for part in value.split(",") if part.strip()]
    if len(ids) > limit:
        raise BadRequest(f"At most {limit} ids.")
    return ids


@moderator_required
@require_safe
def live(request):
    """What changed since the page's cursor, as JSON, for the queue's and the context
    page's poll (static/js/moderation.js): cards someone else decided, comments that
    arrived in the queue, the tabs' counts from the counters, and who is looking at which
    card. One query on the audit rows and one on the counters, whatever the queue's size
    (moderation/live.py); nothing kept in the process."""
    get = request.GET
    try:
        after = _int(get.get("after"))
        since = datetime.datetime.fromtimestamp(float(get.get("since") or time.time()) - 1,
                                                tz=datetime.UTC)
        shown = _ids(get.get("shown", ""), MAX_SHOWN)
        looking = _int(get.get("looking"))
    except (BadRequest, ValueError, OverflowError, OSError) as error:
        message = str(error) if isinstance(error, BadRequest) else "Bad cursor."
        return JsonResponse({"error": message}, status=400)
    tab, narrowed, article_id, commenter_id = None, False, None, None
    if get.get("view") == "queue":
        tab = get.get("tab") if get.get("tab") in QUEUES else DEFAULT_QUEUE
        # The filters as the queue page read them: one it ignored (no such article, not
        # a number) is ignored here too, so the counts and arrivals are the page's.
        values = QueueFilterForm(get).values()
        article_id = values["article"].pk if values["article"] else None
        commenter_id = values["commenter"].pk if values["commenter"] else None
        # Reason, author and text filters are not in the counters: under them the tab
        # counts are left as they are, and the arrivals are those that match.
        narrowed = any(values[name] for name in ("reason", "author", "q"))
    found = changes(after=after, since=since, shown=shown, me=request.user, tab=tab,
                    article_id=article_id, commenter_id=commenter_id)
    if narrowed:
        found.arrived = matching(found.arrived, queue_filters(values))
    counts = None
    if tab is not None and not narrowed and commenter_id is None:
        totals = (QueueCount.objects.filter(article_id=article_id).totals() if article_id
                  else QueueTotal.objects.totals())
        counts = {key: {"value": n, "label": f"{n:,}"} for key, n in totals.items()}
    lookers = presence(user=request.user, looking=looking, acting=get.get("acting") == "1",
                       shown=shown)
    return JsonResponse({
        "after": found.after,
        "more": found.more,
        "decided": found.decided,
        "arrived": found.arrived,
        "counts": counts,
        "presence": {str(pk): names for pk, names in lookers.items()},
    })


@moderator_required
@require_safe
def queue_cards(request):
    """More cards of the queue the query string describes, as HTML, for the page to add:
    those after a card (`after_pk`, `after_created`, `after_priority`: a keyset on the
    queue's sort, so a page refills as decided cards leave) or those named by `ids` (the
    comments the live queue announced). Only comments still in the queue are sent."""
    form = QueueFilterForm(request.GET)
    values = form.values()
    tab, sort = values["tab"], values["sort"]
    filters = queue_filters(values)
    get = request.GET
    try:
        ids = _ids(get.get("ids", ""), PER_PAGE * 4)
        limit = min(_int(get.get("limit")) or PER_PAGE, PER_PAGE)
        key = None
        if get.get("after_pk"):
            created = datetime.datetime.fromisoformat(get["after_created"])
            if timezone.is_naive(created):
                created = timezone.make_aware(created)
            key = {"pk": _int(get["after_pk"]), "created": created,
                   "priority": float(get.get("after_priority") or 0)}
    except (BadRequest, ValueError, KeyError) as error:
        return HttpResponse(f"Bad request: {error}", status=400, content_type="text/plain")
    if ids:
        announced = filter_comments(Comment.objects.filter(pk__in=ids), **filters)
        found = {c.pk: c for c in cards(announced, queue=tab).filter(QUEUES[tab].condition())}
        comments = [found[pk] for pk in ids if pk in found]
    else:
        narrowed = any(filters[name] for name in ("reason", "author", "text"))
        count = tab_counts(**filters, tab=tab)[tab] if narrowed else TabCount(None)
        listed = listing(filters=filters, tab=tab, sort=sort, count=count, needed=limit,
                         after=key)
        comments = list(listed[:limit])
    complete_cards(comments)
    renderer = card_renderer(request, next_url=safe_next(request), queue=tab)
    return HttpResponse(renderer.render_all(comments))


@moderator_required
@require_safe
def comment_detail(request, pk):
    comment = get_object_or_404(cards(Comment.objects.filter(pk=pk), queue="all"))
    complete_cards([comment])
    in_article = Comment.objects.filter(article_id=comment.article_id).order_by("path")
    ancestors = list(in_article.filter(path__in=comment.ancestor_paths)) if comment.depth else []
    replies = list(
        in_article.filter(path__startswith=comment.path, depth__gt=comment.depth)[
            : MAX_REPLIES + 1
        ]
    )
    context = {
        "c": comment,
        "ancestors": ancestors,
        "replies": replies[:MAX_REPLIES],
        "more_replies": len(replies) > MAX_REPLIES,
        "flags": comment.flags.select_related("created_by", "resolved_by", "resolved_event"),
        "events": comment.events.select_related("actor", "undoes", "undone_by").order_by(
            "created_at", "id"
        ),
        "card": card_renderer(request, next_url=request.get_full_path(), queue=None)
        .render(comment),
        "next": request.get_full_path(),
        "status": request.session.pop(UNDO_SESSION_KEY, None),
        "live": _live_settings(),
    }
    return render(request, "moderation/comment_detail.html", context)


@moderator_required
@require_safe
def log(request):
    form = LogFilterForm(request.GET)
    values = form.values()
    events = form.filter(ModerationEvent.objects.select_related(
        "actor", "comment__article", "undoes", "undone_by"
    ).order_by("-created_at", "-id"))
    page = LargeTablePaginator(events, LOG_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    attach_resolved_sources(page.object_list)
    context = {
        "form": form,
        "values": values,
        "problems": form.problems(),
        "filtered": any(values.values()),
        "page": page,
        "moderators": ModerationEvent.objects.actors(),
        "actions": ModerationEvent.Action.choices,
        "articles": article_choices(values["article"]),
    }
    return render(request, "moderation/log.html", context)
