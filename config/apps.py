from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(using="default", **kwargs):
    """Make the database cache's table whenever migrations run, so that no deployment
    step can be forgotten: without Redis the rate limits count in it."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class SiteConfig(AppConfig):
    """The project itself: system checks, the cache table, the error pages' templates."""

    name = "config"
    label = "site"
    verbose_name = "Site"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)

        # Once, not per app: post_migrate is sent for every app; dispatch_uid keeps one.
        post_migrate.connect(create_cache_table, sender=self,
                             dispatch_uid="config.create_cache_table")
