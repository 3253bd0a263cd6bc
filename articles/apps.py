from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Readers' accounts: connects what a verified email does (articles/accounts.py).
        # What a task worker says of a task it gives up (moderation/workers.py), heard
        # in every process, whether or not it has imported the task's module yet.
        from django_tasks.signals import task_finished

        from . import (
            accounts,  # noqa: F401
            tasks,
        )

        task_finished.connect(tasks.on_task_finished, dispatch_uid="articles.tasks.finished")
