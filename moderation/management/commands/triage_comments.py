"""Score comments for triage in bulk: after a threshold change, or to score imported
comments a source had already decided on. Scores here, in this process, not in the
workers."""

import logging

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.models import Article
from moderation.models import Comment
from moderation.screening import score_comments

BATCH = 256
log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Score comments for abuse, off-topic and spam, store the scores and raise automatic "
        "flags. By default only comments never scored; --all rescores every comment (flags "
        "already raised or resolved are not raised again; automatic flags no longer found are "
        "withdrawn)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--article", metavar="SLUG", help="only this article's comments")
        parser.add_argument("--all", action="store_true",
                            help="rescore comments that were scored before, too")
        parser.add_argument("--no-flags", action="store_true",
                            help="store the scores only; raise no flags and hold nothing")

    def handle(self, *args, article=None, all=False, no_flags=False, verbosity=1, **options):
        comments = Comment.objects.all()
        if article is not None:  # an empty slug (an unset shell variable) is no article
            try:
                comments = comments.filter(article=Article.objects.get(slug=article))
            except Article.DoesNotExist:
                raise CommandError(f"No article with the slug {article!r}.") from None
        if not all:
            comments = comments.filter(triaged_at__isnull=True)
        # Thread order keeps a reply's parent in the same or an earlier batch, so its
        # off-topic score is known when the reply needs it.
        ids = list(comments.order_by("article_id", "path").values_list("pk", flat=True))
        scored = flagged = withdrawn = held = 0
        failed: list[int] = []
        with tqdm(total=len(ids), unit="comment", disable=verbosity == 0,
                  file=self.stderr._out) as progress:
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                try:
                    outcome = score_comments(chunk, flag=not no_flags, rescore=all)
                except Exception:
                    # One bad batch must not stop the rest; it is reported below.
                    log.exception("Scoring comments %s..%s failed", chunk[0], chunk[-1])
                    failed.extend(chunk)
                else:
                    scored += outcome.scored
                    flagged += outcome.flagged
                    withdrawn += outcome.withdrawn
                    held += outcome.held
                progress.update(len(chunk))
        if verbosity:
            self.stdout.write(f"Scored {scored} comment(s); raised {flagged} automatic "
                              f"flag(s); withdrew {withdrawn} no longer found; held {held}.")
        if failed:
            raise CommandError(
                f"{len(failed)} comment(s) left unscored: scoring failed (see the log above). "
                "Run the command again to retry them.")
