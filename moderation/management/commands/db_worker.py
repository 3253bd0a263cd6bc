"""manage.py db_worker: django-tasks-db's worker, which also recovers dead workers' tasks
and sweeps up unscored comments (moderation/workers.py).

Same options as django-tasks-db's own command, which this one stands in for (moderation
comes before django_tasks_db in INSTALLED_APPS). Run as many as you like, on any machine
that reaches the database; each takes one task at a time.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from moderation import workers


class Command(db_worker.Command):
    help = (
        "Run a task worker: runs the queued tasks (comment scoring, imports) one at a "
        "time, puts back in the queue the tasks of workers that died, and queues again "
        "comments left unscored."
    )

    def handle(self, *args, worker_id: str, reload: bool, **options):
        # With --reload this process only watches files and restarts the real worker (a
        # child process, which comes through here again): that one keeps the lifeline.
        if reload and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            return super().handle(*args, worker_id=worker_id, reload=reload, **options)
        lifeline = workers.Lifeline(worker_id)
        lifeline.start()
        try:
            return super().handle(*args, worker_id=worker_id, reload=reload, **options)
        finally:
            lifeline.stop()
