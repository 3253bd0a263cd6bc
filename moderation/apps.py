from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"

    def ready(self):
        # Connected here, above every layer: the services announce new comments and
        # never import the tasks that score them or hide (or restore) a banned person's
        # comments.
        from . import signals, tasks

        signals.comments_added.connect(tasks.on_comments_added,
                                       dispatch_uid="moderation.tasks")
        signals.ban_committed.connect(tasks.on_ban_committed,
                                      dispatch_uid="moderation.tasks.ban")
        signals.ban_undone.connect(tasks.on_ban_undone,
                                   dispatch_uid="moderation.tasks.unban")

        from django.db.models.signals import post_save, pre_save

        from .models import Comment, counts

        pre_save.connect(counts.before_raw_save, sender=Comment,
                         dispatch_uid="moderation.counts.before")
        post_save.connect(counts.after_raw_save, sender=Comment,
                          dispatch_uid="moderation.counts.after")
