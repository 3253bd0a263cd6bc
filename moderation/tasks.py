"""The moderation app's background tasks: scoring comments, hiding a banned person's
comments and restoring them when the ban is undone, and the sweep that finds work a lost
enqueue left undone.

Each task takes ids and is safe to run twice (moderation/screening.py skips what is
scored already). They run in `manage.py db_worker` (django-tasks-db, on the app's own
database), so the triage models load in the workers only, never in a web process.
apps.py connects on_comments_added() to moderation.signals.comments_added,
on_ban_committed() to moderation.signals.ban_committed and on_ban_undone() to
moderation.signals.ban_undone: the services announce new comments, bans and their undos
and never import this module.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from moderation import screening
from moderation.models import Comment, Commenter, CommenterEvent, Is, ModerationEvent, TaskWorker
from moderation.services import people
from moderation.triage import learning, scoring

log = logging.getLogger(__name__)

# Comments per scoring task: the models score a batch in one pass.
BATCH = 256
# The sweep queues at most this many comments at a time; the next sweep takes the rest.
SWEEP_LIMIT = 20 * BATCH
# A reader waits for their comment; an import's backlog can wait behind it.
READER_PRIORITY = 10
UNSCORED_COUNT_LIMIT = 100_000
# A batch the database was too busy to take is tried again this many seconds later.
RETRY_SECONDS = 5


@task()
def score_comments(comment_ids: list[int], rescore: bool = False) -> dict:
    """Score these comments and act on the findings (skipping those scored already).

    A database too busy to take the scores (SQLite's one writer kept busy past its busy
    timeout) is a passing state, not a failure: the batch is queued again, a little
    later, rather than left for the sweep.
    """
    try:
        outcome = screening.score_comments(comment_ids, rescore=rescore)
    except OperationalError as error:
        if "locked" not in str(error).lower():
            raise
        log.warning("Database busy while scoring %d comment(s); queued again", len(comment_ids))
        score_comments.using(run_after=timezone.now() + timedelta(seconds=RETRY_SECONDS)
                             ).enqueue(comment_ids, rescore)
        return {"requeued": len(comment_ids)}
    return {"scored": outcome.scored, "flagged": outcome.flagged,
            "withdrawn": outcome.withdrawn, "held": outcome.held,
            "published": outcome.published, "skipped": len(outcome.skipped)}


SCORE_TASK_PATH = score_comments.module_path


def enqueue_scoring(comment_ids: Iterable[int], *, priority: int = 0) -> list:
    """Queue the scoring of these comments in batches; return the task results."""
    ids = list(comment_ids)
    task_ = score_comments.using(priority=priority)
    return [task_.enqueue(ids[start:start + BATCH]) for start in range(0, len(ids), BATCH)]


def on_comments_added(sender, *, ids: Sequence[int], **kwargs) -> None:
    """Queue the scoring of new comments (moderation.signals.comments_added, sent after
    commit). Never raises: a failure here must not fail the post or the import, and the
    sweep queues whatever is left unscored."""
    if not ids or not settings.TRIAGE_ENABLED:
        return
    try:
        enqueue_scoring(ids, priority=READER_PRIORITY if len(ids) == 1 else 0)
    except Exception:
        log.exception("Could not queue the scoring of comments %s; the sweep will", ids[:20])


def waiting_for_scores():
    """The comments the triage still owes a score: unscored, and pending or written by
    a reader (imported comments a source had already decided on are scored on request,
    by `manage.py triage_comments`)."""
    posted = ModerationEvent.objects.filter(comment=OuterRef("pk"),
                                            action=ModerationEvent.Action.POSTED)
    return Comment.objects.filter(triaged_at__isnull=True).filter(
        Is.pending() | Q(Exists(posted)))


def scoring_queued() -> int:
    """How many scoring tasks are waiting or running."""
    return DBTaskResult.objects.filter(
        task_path=SCORE_TASK_PATH, status__in=["READY", "RUNNING"]).count()


def _in_batches(ban_id: int, pending, run_batch) -> dict:
    """List what `pending(ban)` holds once (a walk by id, batch after batch, would read
    the person's rows again for each batch), then run_batch(ban_id, ids) over it
    HIDE_BATCH ids at a time, each batch asking again, under its locks, which of its ids
    are still to do; stop early when a batch says there is nothing more to do."""
    ban = CommenterEvent.objects.filter(pk=ban_id).first()
    if ban is None:
        return {"batches": 0}
    ids = list(pending(ban).order_by("pk").values_list("pk", flat=True))
    batches = 0
    for start in range(0, len(ids), people.HIDE_BATCH):
        if not run_batch(ban_id, ids[start:start + people.HIDE_BATCH]):
            break
        batches += 1
    return {"batches": batches}


@task()
def hide_comments_of_ban(ban_id: int) -> dict:
    """Hide the comments a ban's "hide all" asked for, HIDE_BATCH a transaction, until
    none is left or the ban is undone. Run again after a crash, it goes on where the last
    committed batch left off (what is hidden is no longer to hide)."""
    return _in_batches(ban_id, people.comments_to_hide, lambda ban_id, ids: people.hide_batch(
        ban_id=ban_id, comment_ids=ids))


@task()
def restore_comments_of_ban(ban_id: int) -> dict:
    """Take back the hides of an undone ban's "hide all", HIDE_BATCH a transaction. Run
    again after a crash, it goes on where the last committed batch left off (a hide taken
    back is undone); listed once the undo has committed, so the hides of a hiding batch
    that was in flight then are among them (the undo waited for that batch)."""
    return _in_batches(ban_id, people.hides_to_restore,
                       lambda ban_id, ids: people.restore_batch(ban_id=ban_id, hide_ids=ids))


# A ban's hiding (or its undo's restoring) left undone this long after the ban (or the
# undo), its enqueue lost to a crash between commit and enqueue, is queued again by the
# sweep; older ones are not looked at.
HIDE_SWEEP_AFTER = timedelta(minutes=1)
HIDE_SWEEP_WITHIN = timedelta(days=7)


def _enqueue(task_, ban_id: int, what: str) -> None:
    try:
        task_.enqueue(ban_id)
    except Exception:
        log.exception("Could not queue the %s of ban %s's comments; the sweep will", what,
                      ban_id)


def on_ban_committed(sender, *, ban_id: int, **kwargs) -> None:
    """Queue the hiding of a banned person's comments (moderation.signals.ban_committed,
    sent after commit). Never raises: the ban stands, and the sweep queues the hiding if
    this could not."""
    _enqueue(hide_comments_of_ban, ban_id, "hiding")


def on_ban_undone(sender, *, ban_id: int, **kwargs) -> None:
    """Queue the restoring of the comments an undone ban hid (moderation.signals.ban_undone,
    sent after commit). Never raises: the undo stands, and the sweep queues the restoring
    if this could not."""
    _enqueue(restore_comments_of_ban, ban_id, "restoring")


def _requeue(task_, bans, pending, what: str) -> int:
    """Queue `task_` again for those of `bans` that `pending(ban)` still has work for,
    unless one such task is on its way already (waiting or running)."""
    if DBTaskResult.objects.filter(task_path=task_.module_path,
                                   status__in=["READY", "RUNNING"]).exists():
        return 0
    queued = 0
    for ban in bans:
        if pending(ban).exists():
            log.warning("Sweep: ban %s still has %s; queued", ban.pk, what)
            task_.enqueue(ban.pk)
            queued += 1
    return queued


def sweep_bans(now=None) -> int:
    """Queue again the hiding of the recent bans with "hide all" that still have comments
    to hide, and the restoring of those recently undone that still have hides to take
    back, when no such task is on its way (none waiting or running). Return how many
    were queued."""
    now = now or timezone.now()
    window = (now - HIDE_SWEEP_WITHIN, now - HIDE_SWEEP_AFTER)
    bans = CommenterEvent.objects.filter(action=CommenterEvent.Action.BANNED,
                                         after__has_key=people.HIDE_ALL)
    # The person's record says without a query whether anything can be left to do.
    hiding = bans.filter(undone_by__isnull=True, created_at__range=window).filter(
        Q(commenter__approved_count__gt=0) | Q(commenter__pending_count__gt=0))
    restoring = bans.filter(undone_by__created_at__range=window,
                            commenter__hidden_count__gt=0)
    return (_requeue(hide_comments_of_ban, hiding, people.comments_to_hide,
                     "comments to hide")
            + _requeue(restore_comments_of_ban, restoring, people.hides_to_restore,
                       "hides to take back"))


def sweep(now=None) -> int:
    """Queue again the comments still unscored TRIAGE_SWEEP_AFTER seconds after they
    were written, once no scoring task is waiting (while some are, the workers are still
    on their way to them). Return how many comments were queued.

    Also queues the learned model's training once enough decisions wait for it, a
    ban's hiding, or its undo's restoring, whose task was lost (sweep_bans()), and the
    scoring again of waiting comments whose writer's record has moved (sweep_records())."""
    queue_learning()
    try:
        sweep_bans(now)
    except Exception:
        log.exception("Could not sweep the bans' hiding and restoring")
    if not settings.TRIAGE_ENABLED or scoring_queued():
        return 0
    try:
        sweep_records(now)
    except Exception:
        log.exception("Could not sweep the comments of people whose record moved")
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.TRIAGE_SWEEP_AFTER)
    # Thread order keeps a reply's parent in the same or an earlier batch.
    ids = list(
        waiting_for_scores().filter(created__lt=cutoff)
        .order_by("article_id", "path").values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    if ids:
        log.warning("Sweep: %d comment(s) still unscored; queued for scoring", len(ids))
        enqueue_scoring(ids)
    return len(ids)


# A writer's record is read when a comment is scored (scoring.hidden_record()), so the
# comments a person left waiting before moderators hid their others would keep what their
# record said then. Each sweep looks at the people with a comment waiting whose record
# had a hide (or a report) in the last RECORD_SWEEP_WITHIN, at most RECORD_SWEEP_PEOPLE
# of them, and scores again those of their waiting comments whose stored record says
# otherwise than theirs does now, a batch at a time.
RECORD_SWEEP_WITHIN = timedelta(minutes=5)
RECORD_SWEEP_PEOPLE = 100
# Their comments are read for this many people at a time: with more, PostgreSQL ANDs
# comment_commenter_idx with a bitmap of every waiting comment (30 ms at 10^6 comments
# with 123,000 waiting, against 1.3 ms through comment_commenter_idx alone for 20 people).
RECORD_SWEEP_CHUNK = 20
# And at most this many comments per read.
RECORD_SWEEP_COMMENTS = 1000


def sweep_records(now=None) -> int:
    """Queue the scoring again of the waiting comments whose writer's record has moved
    since they were scored (above); return how many were queued. Bounded reads: the
    people by commenter_trouble_idx, their waiting comments by comment_commenter_idx."""
    since = (now or timezone.now()) - RECORD_SWEEP_WITHIN
    records = {pk: scoring.hidden_record(hidden, approved + hidden)
               for pk, approved, hidden in Commenter.objects.filter(
                   trouble_at__gte=since, pending_count__gt=0).order_by("-trouble_at")
               .values_list("pk", "approved_count", "hidden_count")[:RECORD_SWEEP_PEOPLE]}
    people, stale = list(records), []
    for start in range(0, len(people), RECORD_SWEEP_CHUNK):
        waiting = Comment.objects.filter(
            Is.pending(), commenter_id__in=people[start:start + RECORD_SWEEP_CHUNK],
            triaged_at__isnull=False,
        ).values_list("pk", "commenter_id", "triage")[:RECORD_SWEEP_COMMENTS]
        stale += [pk for pk, commenter_id, triage in waiting
                  if bool((triage or {}).get("hidden_record")) != records[commenter_id]]
        if len(stale) >= BATCH:
            break
    stale = stale[:BATCH]  # the next sweep takes the rest, once this batch is scored
    if stale:
        score_comments.enqueue(stale, True)
    return len(stale)


# The learned model is retrained once this many moderators' decisions wait for it.
LEARN_AFTER_DECISIONS = 50


@task()
def train_learned_model() -> dict:
    """Teach the newsroom's learned model the decisions since its last run, a batch at a
    time, and queue another run if more are waiting."""
    done = learning.train()
    if done["learned"] >= learning.TRAIN_BATCH:
        train_learned_model.enqueue()
    return done


TRAIN_TASK_PATH = train_learned_model.module_path


def queue_learning() -> bool:
    """Queue the learned model's training when LEARN_AFTER_DECISIONS decisions wait for
    it and no training is queued already (called by every worker beat through sweep()).
    Two bounded reads; never raises."""
    if not settings.TRIAGE_ENABLED:
        return False
    try:
        if learning.pending_decisions(LEARN_AFTER_DECISIONS) < LEARN_AFTER_DECISIONS:
            return False
        if DBTaskResult.objects.filter(task_path=TRAIN_TASK_PATH,
                                       status__in=["READY", "RUNNING"]).exists():
            return False
        train_learned_model.enqueue()
    except Exception:
        log.exception("Could not queue the learned model's training")
        return False
    return True


def task_backlog(now=None) -> dict:
    """What the task queue holds, for /healthz: tasks waiting, the oldest one's age in
    seconds, tasks running, failed in the last hour, and the workers alive."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return {
        "ready": ready.count(),
        "oldest_ready_seconds": round((now - oldest).total_seconds()) if oldest else 0,
        "running": DBTaskResult.objects.running().count(),
        "failed_last_hour": DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - timedelta(hours=1)).count(),
        "workers": TaskWorker.objects.alive(now).count(),
        # Counted up to a bound: a health check must stay cheap after a huge import.
        "unscored": waiting_for_scores()[:UNSCORED_COUNT_LIMIT].count(),
    }
