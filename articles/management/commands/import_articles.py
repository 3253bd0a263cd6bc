"""manage.py import_articles FILE... [--format auto|wxr|disqus|json] [--dry-run]"""

import os
import sys
import time

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from tqdm import tqdm

from articles import importers
from moderation import tasks
from moderation.models import Comment, TaskWorker

# Files at least this big get progress bars (on standard error).
PROGRESS_BYTES = 5 * 1024 * 1024
# Seconds of waiting after which the workers' pace tells whether to wait on.
PACE_AFTER = 15
# Seconds a worker has to say it is alive (one started with the import, say by bin/run)
# before the command says that none is running.
WORKER_GRACE = 15


class Command(BaseCommand):
    help = (
        "Import articles with their comment threads from WordPress (WXR), Disqus or JSON "
        "export files, all in one transaction, and print what was done (the admin's "
        "preview). Importing a file again adds only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--format", default="auto",
                            choices=[value for value, _label in importers.FORMAT_CHOICES],
                            help="the files' format (default: detect it from each file)")
        parser.add_argument("--dry-run", action="store_true",
                            help="print what the import would do, and write nothing")
        parser.add_argument("--repair-cycles", action="store_true",
                            help="import files whose comments are each other's parents, "
                                 "making the earliest of each cycle top-level (by default "
                                 "such a file is refused)")
        parser.add_argument("--brief", action="store_true",
                            help="print the totals and warnings, not a line per article")
        parser.add_argument("--wait", type=int, default=600, metavar="SECONDS",
                            help="wait up to this long for the task workers to score the "
                                 "imported pending comments, and fail if scoring failed "
                                 "(default: %(default)s; 0: only queue them)")

    def handle(self, *args, files, format, dry_run, brief, repair_cycles, wait, **options):
        plans = []
        for path in files:
            plans.append(self._read(path, format))
        total_comments = sum(plan.comment_count for plan in plans)
        bar = None
        if not dry_run and total_comments and self._wants_progress(files):
            bar = tqdm(total=total_comments, unit=" comments", desc="Writing",
                       file=sys.stderr, leave=False)
        try:
            if dry_run:
                summaries = [self._preview(plan, repair_cycles) for plan in plans]
            else:
                summaries = importers.apply_many(plans, repair_cycles=repair_cycles,
                                                 progress=bar.update if bar else None)
        except importers.ImportFailed as error:
            raise CommandError(str(error)) from None
        finally:
            if bar is not None:
                bar.close()
        for summary in summaries:
            for line in summary.lines(per_article=not brief):
                self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        elif settings.TRIAGE_ENABLED:
            self._await_scoring([pk for s in summaries for pk in s.to_score], wait)

    def _await_scoring(self, ids: list[int], wait: int) -> None:
        """Report what the workers scored of the import's pending comments, waiting up to
        `wait` seconds while a worker is at it; fail only if scoring failed.

        The import itself has committed by now, so running out of time (or seeing, from
        the workers' pace, that the time will not do), or finding no worker running, is
        reported and is no failure: the comments stay queued, durably, until a worker
        scores them.
        """
        if not ids:
            return
        if wait <= 0:
            self.stdout.write(f"{len(ids)} pending comment(s) queued for scoring by the "
                              "task workers (manage.py db_worker).")
            return
        started = time.monotonic()
        deadline = started + wait
        at_start = None
        scoring_since = None  # (time, left) when the workers were first seen scoring
        while True:
            left = _unscored(ids)
            at_start = at_start or left
            if not left:
                self.stdout.write(f"Scored all {len(ids)} imported pending comment(s).")
                return
            if not tasks.scoring_queued():
                raise CommandError(
                    f"{left} of {len(ids)} imported pending comment(s) left unscored: "
                    "scoring failed (see the workers' log). The workers' sweep queues them "
                    "again; manage.py triage_comments scores them here.")
            now = time.monotonic()
            if now - started >= min(WORKER_GRACE, wait) \
                    and not TaskWorker.objects.alive().exists():
                self.stdout.write(
                    f"{left} of {len(ids)} imported pending comment(s) queued for scoring, "
                    "but no task worker is running: start one (manage.py db_worker) and it "
                    "scores them.")
                return
            if now > deadline:
                self.stdout.write(
                    f"{left} of {len(ids)} imported pending comment(s) still unscored after "
                    f"{wait} s; they stay queued and the task workers go on scoring them.")
                return
            # A big import's backlog takes the workers longer than anyone waits: once
            # their pace is known, say so instead of waiting out the time for nothing.
            # The pace is timed from their first score, not counting a worker's start
            # (loading the models) or a task it had to finish first.
            if scoring_since is None and left < at_start:
                scoring_since = (now, left)
            pace = 0
            if scoring_since and now - scoring_since[0] >= PACE_AFTER:
                pace = (scoring_since[1] - left) / (now - scoring_since[0])
            if pace and left / pace > deadline - now:
                self.stdout.write(
                    f"{left} of {len(ids)} imported pending comment(s) still unscored; at "
                    f"the workers' pace ({pace:.0f} a second) the rest takes about "
                    f"{_duration(left / pace)}, longer than --wait leaves, so they stay "
                    "queued and the task workers go on scoring them.")
                return
            time.sleep(1)

    def _preview(self, plan, repair_cycles):
        try:
            return importers.preview(plan, repair_cycles=repair_cycles)
        except importers.ImportFailed as error:
            raise importers.ImportFailed(f"{plan.filename}: {error}") from None

    def _wants_progress(self, files) -> bool:
        return any(os.path.getsize(path) >= PROGRESS_BYTES for path in files)

    def _read(self, path: str, fmt: str):
        name = os.path.basename(path)
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as fileobj:
                bar = None
                if size >= PROGRESS_BYTES:
                    bar = tqdm(total=size, unit="B", unit_scale=True, desc=f"Reading {name}",
                               file=sys.stderr, leave=False)
                try:
                    return importers.read_plan(fileobj, fmt, filename=path,
                                               progress=bar.update if bar else None,
                                               size_limited=False)
                finally:
                    if bar is not None:
                        bar.close()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        except importers.ImportFailed as error:
            raise CommandError(f"{path}: {error}") from None


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} minute(s)" if minutes else f"{round(seconds)} s"


def _unscored(ids: list[int], batch: int = 5000) -> int:
    return sum(
        Comment.objects.filter(pk__in=ids[start:start + batch], triaged_at__isnull=True).count()
        for start in range(0, len(ids), batch)
    )
