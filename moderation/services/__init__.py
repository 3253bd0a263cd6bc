"""Every change to a comment's moderation state, one function per transition.

Views, admin actions, bulk actions, imports, the automated triage's findings and
management commands all call these, so each change is checked the same way and writes its
audit row (ModerationEvent) in the same transaction. A moderator's request carries the
status they saw (`expected_status`); if someone else changed the comment meanwhile the
change is refused, never overwritten.

- decisions.py: approve, hide, flag, undo, hold, feature, unfeature, the bulk forms, and
  change_status(),
  the one helper every status change goes through;
- posting.py: a reader's new comment and report;
- imports.py: an import's audit rows and status changes;
- findings.py: storing the triage's scores and acting on its findings (flags, holds);
- commenters.py: who wrote a comment, and each commenter's record (counts, first seen);
- people.py: actions on a person: ban, suspend, pre-moderate, trust, note, undo.
- saved.py: saved queues (a moderator's named filters of the queue page).
- queue_state.py: the flag facts on each comment and the queue counters, kept with every
  change above.
"""

from .commenters import (
    commenter_for_account,
    commenters_for_import,
    count_imported,
    link_verified_email,
    rename_commenter,
)
from .commenters import recount as recount_commenters
from .decisions import (
    AlreadyReported,
    BulkResult,
    Conflict,
    ModerationError,
    approve,
    bulk_approve,
    bulk_hide,
    bulk_undo,
    feature,
    flag,
    hide,
    hold,
    undo,
    unfeature,
)
from .findings import act_on_findings, store_scores
from .imports import MODERATOR_ACTIONS, decided_comment_ids, import_status_change, record_import
from .people import (
    ban_commenter,
    may_post,
    note_commenter,
    premoderate_commenter,
    suspend_commenter,
    trust_commenter,
    undo_commenter_event,
)
from .posting import post_comment, report
from .queue_state import counting_at_end
from .saved import delete_saved_queue, rename_saved_queue, save_queue

__all__ = [
    "MODERATOR_ACTIONS", "AlreadyReported", "BulkResult", "Conflict", "ModerationError",
    "act_on_findings", "approve", "ban_commenter", "bulk_approve", "bulk_hide", "bulk_undo",
    "commenter_for_account",
    "commenters_for_import", "count_imported", "counting_at_end", "decided_comment_ids",
    "delete_saved_queue", "feature", "flag", "hide", "hold",
    "import_status_change", "link_verified_email", "may_post", "note_commenter",
    "post_comment", "premoderate_commenter", "recount_commenters", "record_import",
    "rename_commenter", "rename_saved_queue", "report", "save_queue",
    "store_scores", "suspend_commenter", "trust_commenter", "undo", "undo_commenter_event",
    "unfeature",
]
