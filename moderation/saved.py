"""The saved queues beside the queue page's tabs, and their counts.

The queue page lists the saved queues in one query, whatever their number
(templatetags/saved_queues.py); their counts come afterwards from the saved_counts view,
which htmx asks for once the page has loaded and again every little while, so the page
never waits for them and costs the same with 1 saved queue or 30. Each count is the
queue's own (queues.tab_counts()): from the counters unfiltered or by article, else
counted by id up to FILTERED_COUNT_LIMIT ("1,000+").
"""

from __future__ import annotations

from .models import SavedQueue
from .queues import TabCount, tab_counts

# How many saved queues the tab strip shows (and counts); the rest are on the list page.
SHOWN_BESIDE_TABS = 30
# The filters the counters cannot answer: a queue with any of them is counted by id.
NARROWING = ("reason", "author", "text", "commenter")


def shown_beside_tabs(user) -> list[SavedQueue]:
    """The saved queues the tab strip shows, one query: `user`'s own first, then shared."""
    return list(SavedQueue.objects.visible_to(user).select_related("article", "commenter",
                                                                   "owner")
                [:SHOWN_BESIDE_TABS])


def count_saved(saved_queues: list[SavedQueue]) -> dict[int, TabCount]:
    """Each saved queue's count, by tab_counts() (queues with the same filters share a
    count: unfiltered ones, one query of the site-wide counters)."""
    found: dict[int, TabCount] = {}
    asked: dict[tuple, dict[str, TabCount]] = {}
    for saved in saved_queues:
        filters = saved.filters()
        narrowed = any(filters[name] for name in NARROWING)
        key = (tuple(sorted(filters.items())), saved.tab if narrowed else None)
        if key not in asked:
            asked[key] = tab_counts(**filters, tab=saved.tab)
        found[saved.pk] = asked[key][saved.tab]
    return found
