"""The workspace's pages: the queue, one comment in context, and the moderation log.

Each costs a fixed number of queries whatever the amount of data (tests pin the counts).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..forms import LogFilterForm, QueueFilterForm
from ..models import Comment, ModerationEvent, Reason
from ..queues import (
    PER_PAGE,
    QUEUES,
    SORTS,
    CountedPaginator,
    attach_last_events,
    cards,
    listing,
    tab_counts,
)
from ._common import article_choices, moderator_required, queue_filters, tabs
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
    comments = listing(filters=filters, tab=tab, sort=sort, count=counts[tab])
    paginator = CountedPaginator(comments, PER_PAGE, count=counts[tab])
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = attach_last_events(list(page.object_list))
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
        "next": request.get_full_path(),
        "selectable": True,
        "status": request.session.pop(UNDO_SESSION_KEY, None),
    }
    return render(request, "moderation/queue.html", context)


@moderator_required
@require_safe
def comment_detail(request, pk):
    comment = get_object_or_404(cards(Comment.objects.filter(pk=pk), queue="all"))
    attach_last_events([comment])
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
        "flags": comment.flags.select_related("created_by", "resolved_by"),
        "events": comment.events.select_related("actor", "undoes", "undone_by").order_by(
            "created_at", "id"
        ),
        "next": request.get_full_path(),
        "selectable": False,
        "reasons": Reason.choices,
        "status": request.session.pop(UNDO_SESSION_KEY, None),
    }
    return render(request, "moderation/comment_detail.html", context)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@moderator_required
@require_safe
def log(request):
    form = LogFilterForm(request.GET)
    values = form.values()
    events = ModerationEvent.objects.select_related(
        "actor", "comment__article", "undoes", "undone_by"
    ).order_by("-created_at", "-id")
    if values["moderator"]:
        events = events.filter(actor=values["moderator"])
    if values["action"]:
        events = events.filter(action=values["action"])
    if values["article"]:
        events = events.filter(comment__article=values["article"])
    if values["commenter"]:
        events = events.filter(comment__commenter=values["commenter"])
    # Whole days in the site's time zone, both ends included.
    if values["date_from"]:
        events = events.filter(created_at__gte=_day_start(values["date_from"]))
    if values["date_to"]:
        events = events.filter(
            created_at__lt=_day_start(values["date_to"] + datetime.timedelta(days=1))
        )
    page = Paginator(events, LOG_PER_PAGE).get_page(request.GET.get("page"))
    acted = Exists(ModerationEvent.objects.filter(actor=OuterRef("pk")))
    context = {
        "form": form,
        "values": values,
        "problems": form.problems(),
        "filtered": any(values.values()),
        "page": page,
        "moderators": get_user_model().objects.filter(acted).order_by("username"),
        "actions": ModerationEvent.Action.choices,
        "articles": article_choices(values["article"]),
    }
    return render(request, "moderation/log.html", context)
