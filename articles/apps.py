from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        # Readers' accounts: connects what a verified email does (articles/accounts.py).
        from . import accounts  # noqa: F401
