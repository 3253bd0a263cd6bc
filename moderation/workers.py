"""What a task worker does besides running tasks: say it is alive, run again the tasks of
workers that died, and sweep up comments nothing is going to score.

django-tasks-db (0.13) marks a task RUNNING when a worker claims it and never looks at it
again, so a worker killed mid-task would leave it RUNNING, unrun, for ever. Here each
worker (`manage.py db_worker`, moderation/management/commands/db_worker.py) keeps a
TaskWorker row fresh from a background thread, and every beat:

- a RUNNING task whose worker is dead (not heard from for TASKS_WORKER_DEAD_AFTER
  seconds, or, on this machine, whose process is gone) goes back to READY, so another
  worker runs it; after MAX_ATTEMPTS workers died on it, it is marked FAILED instead,
  and task_finished is sent for it as a worker would;
- the triage sweep (moderation.tasks.sweep) runs.

Every task is safe to run twice: scoring skips what is scored, and an import runs in one
transaction that a dead worker's connection rolled back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks import task_backends
from django_tasks.exceptions import InvalidTaskError
from django_tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult

from moderation import tasks
from moderation.models import TaskWorker

log = logging.getLogger(__name__)

# A task whose worker died this many times is given up on (it may be what kills them).
MAX_ATTEMPTS = 3
HOST = socket.gethostname()[:255]


def register(worker_id: str) -> None:
    now = timezone.now()
    TaskWorker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": HOST, "pid": os.getpid(), "started_at": now, "seen_at": now},
    )


def beat(worker_id: str) -> None:
    if not TaskWorker.objects.filter(worker_id=worker_id).update(seen_at=timezone.now()):
        # Taken for dead while it was only slow (its task may be running twice now,
        # which tasks allow): it is alive again.
        register(worker_id)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def dead_worker_ids(now=None) -> set[str]:
    """Workers not heard from in time, and those of this machine whose process is gone."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TASKS_WORKER_DEAD_AFTER)
    dead = set()
    for worker_id, host, pid, seen_at in TaskWorker.objects.values_list(
            "worker_id", "host", "pid", "seen_at"):
        if seen_at < cutoff or (host == HOST and pid != os.getpid() and _process_gone(pid)):
            dead.add(worker_id)
    return dead


def requeue_orphans(now=None) -> int:
    """Put the RUNNING tasks of dead workers back in the queue; return how many.

    A RUNNING task whose worker never registered (a worker of another kind, or one that
    died before its first beat) counts as orphaned once it has run for
    TASKS_WORKER_DEAD_AFTER seconds.
    """
    now = now or timezone.now()
    dead = dead_worker_ids(now)
    known = set(TaskWorker.objects.values_list("worker_id", flat=True))
    cutoff = now - timedelta(seconds=settings.TASKS_WORKER_DEAD_AFTER)
    requeued = 0
    for result in DBTaskResult.objects.running().only("id", "worker_ids", "started_at",
                                                         "task_path"):
        last = result.worker_ids[-1] if result.worker_ids else None
        if last not in dead and (last in known or (result.started_at or now) > cutoff):
            continue
        # Conditional on the row being as read: a worker that finished it meanwhile wins.
        still = DBTaskResult.objects.filter(pk=result.pk, status="RUNNING",
                                            started_at=result.started_at)
        if len(result.worker_ids) >= MAX_ATTEMPTS:
            # Failed and said to be, together: if what hears it fails, the task is still
            # running on a dead worker at the next beat, which tries again.
            with transaction.atomic():
                given_up = still.update(
                    status="FAILED", finished_at=now,
                    exception_class_path="moderation.workers.WorkerDied",
                    traceback=f"{len(result.worker_ids)} workers died running this task; "
                              "it is not tried again.")
                if given_up:
                    _say_finished(result.pk)
            if given_up:
                log.error("Task %s (%s): %d workers died on it; marked failed", result.pk,
                          result.task_path, len(result.worker_ids))
        elif still.update(status="READY"):
            requeued += 1
            log.warning("Task %s (%s) was running on dead worker %s; queued again",
                        result.pk, result.task_path, last)
    TaskWorker.objects.filter(worker_id__in=dead).delete()
    return requeued


def _say_finished(pk) -> None:
    """Send django_tasks' task_finished for a task given up here, as a worker does for a
    task that ends, so that what waits on the task hears of it (articles.tasks marks its
    import failed and drops the file)."""
    result = DBTaskResult.objects.get(pk=pk)
    try:
        task_result = result.task_result
    except (ImportError, SuspiciousOperation, InvalidTaskError):
        # A task this code no longer has, or one its backend could not have queued: the
        # worker itself skips these the same way.
        log.exception("Task %s (%s) cannot be read back to say it failed", pk,
                      result.task_path)
        return
    task_finished.send(sender=type(task_backends[result.backend_name]),
                       task_result=task_result)


def tend(worker_id: str) -> None:
    """One beat: say this worker is alive, recover dead workers' tasks, sweep."""
    beat(worker_id)
    requeue_orphans()
    tasks.sweep()


class Lifeline(threading.Thread):
    """The worker's background thread: tend() every TASKS_WORKER_BEAT seconds, while the
    main thread runs tasks (a long import must not make the worker look dead)."""

    def __init__(self, worker_id: str):
        super().__init__(name=f"lifeline-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                close_old_connections()
                tend(self.worker_id)
            except Exception:
                log.exception("Worker %s: beat failed; trying again", self.worker_id)
            self._stopping.wait(settings.TASKS_WORKER_BEAT)
        connections.close_all()

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout=settings.TASKS_WORKER_BEAT + 5)
        try:
            TaskWorker.objects.filter(worker_id=self.worker_id).delete()
        except Exception:
            log.exception("Worker %s: could not sign off", self.worker_id)
