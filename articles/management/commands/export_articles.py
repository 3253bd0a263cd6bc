"""manage.py export_articles [--output FILE] [--article SLUG...] [--source LABEL]"""

import os
import tempfile

from django.core.management import BaseCommand, CommandError

from articles.importers import jsonformat
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Write articles with their comment threads (statuses and nesting included) in the "
        "JSON format that import_articles and the admin's Import articles read."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", metavar="FILE",
                            help="the file to write (default: standard output)")
        parser.add_argument("--article", dest="slugs", metavar="SLUG", nargs="+",
                            action="extend", default=[],
                            help="export only these articles (by slug)")
        parser.add_argument("--source", default="newsroom", metavar="LABEL",
                            help="a short name for this site, which identifies the articles "
                                 "written here when the file is imported elsewhere (give "
                                 "each site its own; default: newsroom)")

    def handle(self, *args, output, slugs, source, **options):
        articles = Article.objects.order_by("published_at", "pk")
        if slugs:
            found = set(articles.filter(slug__in=slugs).values_list("slug", flat=True))
            missing = [slug for slug in slugs if slug not in found]
            if missing:
                raise CommandError(f"No article with the slug {', '.join(missing)}.")
            articles = articles.filter(slug__in=slugs)
        articles = articles.iterator(chunk_size=200)
        if not output:
            counts = jsonformat.write(self.stdout._out, articles, label=source)
            self._report(counts, "standard output")
            return
        directory = os.path.dirname(os.path.abspath(output))
        # Written beside the target and renamed at the end, so a failed export never
        # leaves half a file where a good one was.
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".export-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                counts = jsonformat.write(out, articles, label=source)
            os.replace(temporary, output)
        except BaseException:
            os.unlink(temporary)
            raise
        self._report(counts, output)

    def _report(self, counts, where):
        articles, comments = counts
        self.stderr.write(f"Exported {articles} articles and {comments} comments to {where}.")
