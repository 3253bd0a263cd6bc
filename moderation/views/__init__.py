"""The moderator's workspace: queue, context and log pages, and the actions they post to."""

from .actions import (
    approve,
    bulk_approve,
    bulk_hide,
    bulk_undo,
    feature,
    flag,
    hide,
    undo,
    unfeature,
)
from .pages import comment_detail, live, log, queue, queue_cards
from .people import commenter, commenters

__all__ = [
    "approve", "bulk_approve", "bulk_hide", "bulk_undo", "comment_detail", "commenter",
    "commenters", "feature", "flag", "hide",
    "live", "log", "queue", "queue_cards", "undo", "unfeature",
]
