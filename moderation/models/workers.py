"""The task workers that are alive, so that a dead one's task can be run again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class TaskWorkerQuerySet(models.QuerySet):
    def alive(self, now=None):
        """Return the workers heard from within TASKS_WORKER_DEAD_AFTER seconds."""
        now = now or timezone.now()
        return self.filter(seen_at__gte=now - timedelta(seconds=settings.TASKS_WORKER_DEAD_AFTER))


class TaskWorker(models.Model):
    """One running `manage.py db_worker`, as it last said it was alive.

    django-tasks-db marks a task RUNNING when a worker takes it and nothing else: a worker
    killed mid-task (kill -9, a lost machine) would leave it RUNNING for ever. Each worker
    writes its row every TASKS_WORKER_BEAT seconds; the others put the tasks of a worker
    not heard from for TASKS_WORKER_DEAD_AFTER seconds back in the queue
    (moderation/workers.py).
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    objects = TaskWorkerQuerySet.as_manager()

    def __str__(self):
        return f"{self.worker_id} (pid {self.pid} on {self.host})"
