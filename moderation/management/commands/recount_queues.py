"""Rebuild the queue counters and the comments' flag facts from the data itself."""

from django.core.management import BaseCommand

from moderation.services.queue_state import rebuild


class Command(BaseCommand):
    help = (
        "Recompute every comment's open-flag facts (flagged, reported) from its flags and "
        "every moderation queue's counters from the comments. The services keep both as "
        "they change; run this after loading data around them (SQL, COPY, a fixture)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        totals = rebuild(using=database)
        self.stdout.write(", ".join(f"{key} {n:,}" for key, n in totals.items()))
