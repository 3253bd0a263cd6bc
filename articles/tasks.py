"""The articles app's background task: an import confirmed in the admin, run by a worker.

Safe to run twice: a job already finished is left alone, and a job whose worker died
mid-import (moderation/workers.py queues the task again) starts over, since the dead
worker's transaction wrote nothing.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from articles import importers
from articles.importers import progress, uploads
from articles.models import ImportChunk, ImportJob

log = logging.getLogger(__name__)
State = ImportJob.State


# An admin watches the import's progress page: it starts ahead of the triage's backlog
# (an earlier import's comments, priority 0), behind a reader's own comment (10).
IMPORT_PRIORITY = 5


@task(priority=IMPORT_PRIORITY)
def run_import(job_id: int) -> dict:
    """Import the job's file in one transaction; the job ends done (with the summary) or
    failed (with the error, and nothing written)."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.finished:
        return {"state": job.state if job else "gone"}
    ImportJob.objects.filter(pk=job.pk).update(state=State.RUNNING, started_at=timezone.now())
    reporter = progress.Reporter(job.pk, size=job.size)
    try:
        with uploads.open_file(job) as fileobj:
            plan = importers.read_plan(fileobj, job.format, filename=job.name,
                                       progress=reporter.read_bytes)
        reporter.start_writing(plan.comment_count)
        with transaction.atomic():
            summary = importers.apply(plan, repair_cycles=job.repair_cycles,
                                      progress=reporter.wrote_comments,
                                      article_progress=reporter.wrote_articles)
            # Done is committed with the import itself: never one without the other.
            _finish(job, state=State.DONE, result=summary.to_dict())
    except importers.ImportFailed as error:
        _finish(job, state=State.FAILED, error=f"Nothing was imported. {error}")
        return {"state": State.FAILED}
    except Exception:
        _finish(job, state=State.FAILED, error="The import failed unexpectedly, so nothing "
                                               "was imported; the error is in the logs.")
        raise
    return {"state": State.DONE, "comments_created": summary.totals["comments_created"]}


def on_task_finished(sender, task_result, **kwargs) -> None:
    """An import whose workers died on it MAX_ATTEMPTS times (moderation/workers.py gives
    its task up without running it) ends failed, and its file goes, as any failed one.
    Connected to django-tasks' task_finished in ArticlesConfig.ready()."""
    if task_result.task.module_path != run_import.module_path or (
            task_result.status != TaskResultStatus.FAILED):
        return
    [job_id] = task_result.args
    job = ImportJob.objects.filter(pk=job_id).exclude(
        state__in=[State.DONE, State.FAILED]).first()
    if job is not None:
        _finish(job, state=State.FAILED,
                error="Nothing was imported: the task workers running it stopped "
                      f"{len(task_result.worker_ids)} times (see their logs), so it was "
                      "given up. Upload the file again to retry.")


def _finish(job: ImportJob, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now(), **fields)
    # The file is not needed any more; the job keeps its summary or error.
    ImportChunk.objects.filter(job_id=job.pk).delete()


def confirm(job: ImportJob) -> bool:
    """Queue the job's import, once: True if this call queued it, False if it was queued
    already (a second click on Confirm, a second tab)."""
    with transaction.atomic():
        queued = ImportJob.objects.filter(pk=job.pk, state=State.PREVIEWED).update(
            state=State.QUEUED, queued_at=timezone.now())
        if queued:
            # Enqueued in the same transaction (the queue is in the same database): the
            # job is never left queued with no task to run it, whatever dies when.
            run_import.enqueue(job.pk)
    return bool(queued)
