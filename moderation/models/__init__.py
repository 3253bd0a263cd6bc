"""The moderation app's models, one module per subject.

- comments.py: Comment, its thread placement and CommentQuerySet, which holds every rule
  on what readers see and what waits for a moderator (the conditions in `Is`);
- audit.py: ModerationEvent (one audit row per change) and Flag;
- commenters.py: Commenter (the person, their standing and record) and CommenterEvent;
- wordlists.py: the triage word lists;
- bulk.py: COPY and sequence helpers for imports on PostgreSQL;
- workers.py: the task workers alive (moderation/workers.py recovers dead ones' tasks).
- counts.py: QueueCount, the queue counters, and queues_of(), a comment's queues.
- saved.py: SavedQueue, a moderator's named filters and sort of the queue page.
- learning.py: LearnedModel, the newsroom's triage model learned from its moderators.
"""

from .audit import Flag, FlagQuerySet, ModerationEvent
from .bulk import (
    allocate_ids,
    can_copy,
    copy_missing_rows,
    copy_rows,
    estimated_rows,
    settle_after_load,
)
from .commenters import Commenter, CommenterEvent, CommenterQuerySet, normalise_email
from .comments import (
    MAX_SEQ,
    SEGMENT_WIDTH,
    Comment,
    CommentQuerySet,
    Is,
    Reason,
    Spot,
    number_oldest_first,
    path_segment,
    place,
    reserve_sequence,
    reserve_sequences,
)
from .counts import (
    QUEUE_KEYS,
    QueueCount,
    QueueTotal,
    counting_at_end,
    queues_of,
    visible_per_article,
)
from .learning import LearnedModel
from .saved import SavedQueue, SavedQueueQuerySet
from .wordlists import Word, WordList, normalise_word
from .workers import TaskWorker

__all__ = [
    "MAX_SEQ", "SEGMENT_WIDTH", "Comment", "CommentQuerySet", "Commenter", "CommenterEvent",
    "CommenterQuerySet", "Flag", "FlagQuerySet", "Is", "LearnedModel", "ModerationEvent",
    "QUEUE_KEYS", "QueueCount", "QueueTotal", "Reason", "SavedQueue", "SavedQueueQuerySet",
    "TaskWorker", "Word", "WordList", "allocate_ids",
    "can_copy", "copy_missing_rows", "copy_rows", "counting_at_end", "estimated_rows",
    "normalise_email",
    "normalise_word", "number_oldest_first", "path_segment", "place", "queues_of", "Spot",
    "reserve_sequence", "reserve_sequences", "settle_after_load", "visible_per_article",
]
