"""The saved queues beside the queue page's tabs ({% saved_queues %}), and how a saved
queue's filters read ({{ saved|describe_saved }})."""

from __future__ import annotations

from django import template

from ..models import Reason, SavedQueue
from ..queues import QUEUES, SORTS
from ..saved import shown_beside_tabs

register = template.Library()


def _current_params(values: dict) -> dict[str, str]:
    """The queue page's filters (QueueFilterForm.values()) as SavedQueue.params() has them."""
    article, commenter = values.get("article"), values.get("commenter")
    current = {"tab": values.get("tab"), "article": article.pk if article else "",
               "reason": values.get("reason"), "author": values.get("author"),
               "q": values.get("q"), "commenter": commenter.pk if commenter else "",
               "sort": values.get("sort")}
    return {key: str(value) for key, value in current.items() if value}


@register.inclusion_tag("moderation/includes/saved_queues.html", takes_context=True)
def saved_queues(context):
    """The moderator's saved queues (one query), the one the page shows marked, and the
    form that saves the page's filters."""
    request = context["request"]
    values = context.get("values") or {}
    current = _current_params(values)
    saved = shown_beside_tabs(request.user)
    return {
        "saved": saved,
        "active": next((s.pk for s in saved if s.params() == current), None),
        "values": values,
        "next": context.get("next", ""),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.filter
def describe_saved(saved: SavedQueue) -> str:
    """What a saved queue shows, in words: "Needs review, priority (worst first); article
    “…”, reason Abusive"."""
    queue = QUEUES[saved.tab].label if saved.tab in QUEUES else saved.tab
    sort = SORTS[saved.sort].label.lower() if saved.sort in SORTS else saved.sort
    filters = []
    if saved.article_id:
        filters.append(f"article “{saved.article.title}”")
    if saved.reason:
        filters.append(f"reason {Reason(saved.reason).label}")
    if saved.author:
        filters.append(f"author “{saved.author}”")
    if saved.text:
        filters.append(f"text “{saved.text}”")
    if saved.commenter_id:
        filters.append(f"comments by {saved.commenter}")
    return f"{queue}, {sort}" + (f"; {', '.join(filters)}" if filters else "")
