"""Remove what has expired, once or (as a worker process) every so often."""

import logging
import signal
import time

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from articles.importers import uploads

logger = logging.getLogger("config.housekeeping")


def sweep() -> dict:
    """Delete expired sessions, stale import uploads and login failures past their cool-off."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    attempts, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME
    ).delete()
    before = sum(1 for _ in _upload_files())
    uploads.purge_expired()
    return {"sessions": sessions, "login_failures": attempts,
            "upload_files": before - sum(1 for _ in _upload_files())}


def _upload_files():
    directory = settings.IMPORT_UPLOAD_DIR
    return directory.iterdir() if directory.exists() else iter(())


class Command(BaseCommand):
    help = ("Remove expired sessions, import uploads nobody confirmed and login failures "
            "past their cool-off. With --every SECONDS it keeps running (a worker process).")

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="Sweep again every SECONDS until stopped (SIGTERM).")

    def handle(self, *args, every, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while True:
            removed = sweep()
            logger.info("housekeeping removed %s", removed, extra={"removed": removed})
            if every <= 0:
                self.stdout.write(", ".join(f"{n} {what}" for what, n in removed.items()))
                return
            # As at the end of a request: an hour is past CONN_MAX_AGE, and the database
            # may have restarted meanwhile.
            close_old_connections()
            # Sleep in short steps so that systemd's stop is answered at once.
            deadline = time.monotonic() + every
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(1.0, deadline - time.monotonic()))
            if stopping:
                return
