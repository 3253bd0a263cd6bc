from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"

    def ready(self):
        # Connected here, above every layer: the services announce new comments and
        # never import the task that scores them.
        from . import signals, tasks

        signals.comments_added.connect(tasks.on_comments_added,
                                       dispatch_uid="moderation.tasks")
