"""Run the automated triage on comments and act on what it finds, now or in the background.

score_comments() is the whole round: moderation/triage computes the signals, then the
moderation services store them and turn the findings into automatic flags and holds
(services/findings.py). schedule() does it after commit, off the request.

Scoring new comments off the request: one background thread per process. Posting only
queues the new comment's id (after its transaction commits, so the thread
can read it); the thread scores whatever has queued up in one batch. If the process
stops first, the comment simply stays unscored (`triaged_at` empty) and
`manage.py triage_comments` scores it later; nothing is lost that a moderator needed,
since an unscored comment is still in the queue by its status.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.utils import timezone

from moderation import services
from moderation.models import Comment
from moderation.triage import classifiers
from moderation.triage.scoring import Thresholds, compute

log = logging.getLogger(__name__)
BATCH_LIMIT = 256


@dataclass
class Outcome:
    scored: int = 0
    flagged: int = 0
    held: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def score_comments(comments: Iterable, *, flag: bool = True) -> Outcome:
    """Score `comments` (Comment objects or ids) now, in one batch, store the scores and,
    unless `flag` is False, raise the automatic flags and holds their findings call for."""
    ids = [c if isinstance(c, int) else c.pk for c in comments]
    batch = list(Comment.objects.filter(pk__in=ids).for_triage())
    outcome = Outcome()
    if not batch:
        return outcome
    signals = compute(batch, Thresholds.from_settings())
    services.store_scores(batch, signals, at=timezone.now())
    outcome.scored = len(batch)
    if flag:
        acted = services.act_on_findings(batch)
        outcome.flagged, outcome.held, outcome.skipped = acted.flagged, acted.held, acted.skipped
    return outcome


class Worker:
    def __init__(self):
        self._lock = threading.Lock()
        self._queue: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def submit(self, ids: Iterable[int]) -> None:
        with self._lock:
            if self._pid != os.getpid():
                # A forked worker process (gunicorn --preload) inherits no running thread.
                self._queue = queue.Queue()
                self._thread = None
                self._pid = os.getpid()
            if self._thread is None or not self._thread.is_alive():
                # Load the models' libraries here, once per process: a thread that first
                # imports them while the interpreter exits (an import command that just
                # finished) is refused by Python and would score nothing.
                classifiers.preload_modules()
                self._thread = threading.Thread(target=self._run, name="triage", daemon=True)
                self._thread.start()
        for pk in ids:
            self._queue.put(pk)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every submitted comment has been scored, or `timeout` seconds have
        passed; return whether all were scored."""
        with self._queue.all_tasks_done:
            return self._queue.all_tasks_done.wait_for(
                lambda: not self._queue.unfinished_tasks, timeout
            )

    def _finish(self) -> None:
        # At exit (the end of an import command, a server worker's restart) score what is
        # still queued; daemon threads still run while atexit handlers do.
        if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
            return
        pending = self._queue.unfinished_tasks
        if pending:
            log.info("Scoring %d queued comment(s) before exiting", pending)
            if not self.wait(settings.TRIAGE_EXIT_WAIT):
                log.warning("Exited with comments unscored; manage.py triage_comments "
                            "will score them")

    def _run(self) -> None:
        # Linux lets one thread be nicer than the rest of its process: requests first.
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while True:
            ids = [self._queue.get()]
            while len(ids) < BATCH_LIMIT:
                try:
                    ids.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                score_comments(ids)
            except Exception:
                log.exception("Triage failed for comments %s; manage.py triage_comments "
                              "will score them", ids)
            finally:
                # This thread's own connections; a long idle one would go stale.
                connections.close_all()
                for _ in ids:
                    self._queue.task_done()


worker = Worker()
atexit.register(worker._finish)


def schedule(comment_ids: Iterable[int]) -> None:
    """Score these comments soon: in the background thread, or right now if
    settings.TRIAGE_BACKGROUND is off. Never raises: triage must not break posting."""
    ids = list(comment_ids)
    if not ids or not settings.TRIAGE_ENABLED:
        return
    if settings.TRIAGE_BACKGROUND:
        worker.submit(ids)
        return
    try:
        score_comments(ids)
    except Exception:
        log.exception("Triage failed for comments %s; manage.py triage_comments will "
                      "score them", ids)


def on_comments_added(sender, *, ids, **kwargs) -> None:
    """Score a reader's new comments (moderation.signals.comments_added)."""
    schedule(ids)
