"""How many comments each moderation queue holds, per article, kept as counters.

A comment's queues follow from three facts stored on it: its status and whether it has
an open flag from a moderator or the triage rules (`flagged`) or from a reader
(`reported`). queues_of() is the one map from those facts to queues: the services
compute it before and after each change and add the difference here, in the change's
transaction, so the moderator's tabs never count the comment table. `manage.py
recount_queues` rebuilds the counters from the comments. QueueTotal holds the site-wide
sums, so the unfiltered tabs read seven rows whatever the number of articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from contextvars import ContextVar

from django.db import connections, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from articles.models import Article
from config.batching import written_at_end

# The queues, in tab order. A status's name is also its queue's key.
NEEDS_REVIEW, PENDING, FLAGGED, REPORTED, APPROVED, HIDDEN, ALL = QUEUE_KEYS = (
    "needs_review", "pending", "flagged", "reported", "approved", "hidden", "all",
)


def queues_of(status: str, *, flagged: bool, reported: bool) -> frozenset[str]:
    """The queues a comment with these facts is in (Is's conditions say the same in SQL)."""
    queues = {ALL, status}
    if flagged:
        queues.add(FLAGGED)
    if reported:
        queues.add(REPORTED)
    if status == PENDING or flagged or reported:
        queues.add(NEEDS_REVIEW)
    return frozenset(queues)


Deltas = Mapping[tuple[int, str], int]  # (article id, queue) → change


def moved(article_id: int, before: frozenset[str], after: frozenset[str]) -> Counter:
    """The counter changes of one comment of `article_id` moving between queue sets."""
    deltas = Counter({(article_id, q): 1 for q in after - before})
    deltas.subtract({(article_id, q): 1 for q in before - after})
    return deltas


def created(rows: Iterable[tuple[int, str]]) -> Counter:
    """The counter changes of new comments, given as (article id, status): a new comment
    has no flags yet."""
    deltas: Counter = Counter()
    for (article_id, status), n in Counter(rows).items():
        for queue in queues_of(status, flagged=False, reported=False):
            deltas[article_id, queue] += n
    return deltas


# Within counting_at_end(), counter changes wait here (per database) instead of being written.
_waiting: ContextVar[dict[str, Counter] | None] = ContextVar("queue_counts_waiting",
                                                            default=None)


def counting_at_end():
    """Collect the counter changes made inside, and write them once when it ends.

    For a long transaction such as an import: the counters it changes (the site-wide
    totals above all, which every decision also updates) are then locked only from its
    end to its commit, not while it writes a hundred thousand comments."""
    return written_at_end(_waiting, dict, _add_waiting)


def _add_waiting(waiting: dict[str, Counter]) -> None:
    for using, deltas in waiting.items():
        add(deltas, using=using)


def add(deltas: Deltas, *, using: str = "default") -> None:
    """Add `deltas` to the article counters and the site-wide totals, creating missing
    rows, in one statement each (after the article's, so that every writer locks rows
    in the same order: articles by id, then totals by queue).

    Upserts with the increment done by the database (Django's update_conflicts can only
    overwrite), so two transactions counting the same rows add up."""
    waiting = _waiting.get()
    if waiting is not None:
        waiting.setdefault(using, Counter()).update(deltas)
        return
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    totals: Counter = Counter()
    for (_article_id, queue), n in rows:
        totals[queue] += n
    connection = connections[using]
    quote = connection.ops.quote_name
    per_article = quote(QueueCount._meta.db_table)
    site = quote(QueueTotal._meta.db_table)
    # Only table names (quoted) are formatted in; every value is a parameter.
    upsert = "INSERT INTO {table} ({columns}) VALUES {{}} ON CONFLICT ({key}) DO UPDATE " \
             "SET count = {table}.count + excluded.count"
    statements = [
        (upsert.format(table=per_article, columns="article_id, queue, count",
                       key="article_id, queue"), "(%s, %s, %s)",
         [(article_id, queue, n) for (article_id, queue), n in rows]),
        (upsert.format(table=site, columns="queue, count", key="queue"), "(%s, %s)",
         [(queue, n) for queue, n in sorted(totals.items()) if n]),
    ]
    with connection.cursor() as cursor:
        for sql, row_sql, values in statements:
            # 300 rows, at most 900 parameters: within every SQLite build's limit of 999.
            for start in range(0, len(values), 300):
                batch = values[start : start + 300]
                cursor.execute(sql.format(", ".join([row_sql] * len(batch))),
                               [p for row in batch for p in row])


class QueueCountQuerySet(models.QuerySet):
    def totals(self) -> dict[str, int]:
        """Every queue's count over these counters' articles, zero for an empty queue."""
        found = dict(
            self.order_by().values_list("queue").annotate(n=models.Sum("count"))
        )
        return {key: found.get(key) or 0 for key in QUEUE_KEYS}


class QueueCount(models.Model):
    """How many comments of one article one queue holds (see queues_of())."""

    # Indexed by the unique constraint, whose first column it is.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    queue = models.CharField(max_length=20)
    count = models.IntegerField(default=0)

    objects = QueueCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "queue"], name="queue_count_unique"),
        ]

    def __str__(self):
        return f"{self.queue} of article #{self.article_id}: {self.count}"


def visible_per_article() -> Coalesce:
    """An annotation for Article querysets: how many comments readers see on each
    (Comment.objects.visible(), which is the Approved queue), read from its counter: one
    row through queue_count_unique per article, however many comments it has."""
    counter = QueueCount.objects.filter(article=OuterRef("pk"), queue=APPROVED)
    return Coalesce(Subquery(counter.values("count")[:1]), 0)


def visible_count(article) -> int:
    """How many comments of one article readers see, from its Approved queue counter."""
    counter = QueueCount.objects.filter(article=article, queue=APPROVED)
    return counter.values_list("count", flat=True).first() or 0


class QueueTotalQuerySet(models.QuerySet):
    def totals(self) -> dict[str, int]:
        """Every queue's site-wide count (seven rows), zero for an empty queue."""
        found = dict(self.values_list("queue", "count"))
        return {key: found.get(key) or 0 for key in QUEUE_KEYS}


class QueueTotal(models.Model):
    """How many comments one queue holds over the whole site: the sum of its QueueCount
    rows, kept beside them so the unfiltered tabs read seven rows."""

    queue = models.CharField(max_length=20, unique=True)
    count = models.IntegerField(default=0)

    objects = QueueTotalQuerySet.as_manager()

    def __str__(self):
        return f"{self.queue}: {self.count}"


# Fixtures (loaddata) save comments "raw", around Comment.save() and the services: these
# receivers (connected in apps.py) count them too, so a loaded seed has its tabs.
def _facts(row) -> frozenset[str]:
    return queues_of(row["status"], flagged=row["flagged"], reported=row["reported"])


def before_raw_save(sender, instance, raw=False, using=None, **kwargs):
    if raw:
        old = sender._default_manager.using(using).filter(pk=instance.pk).values(
            "article_id", "status", "flagged", "reported").first()
        instance._queues_before = (old["article_id"], _facts(old)) if old else None


def after_raw_save(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        return
    before = getattr(instance, "_queues_before", None)
    deltas = Counter()
    if before is not None:
        deltas.update(moved(before[0], before[1], frozenset()))
    deltas.update(moved(instance.article_id, frozenset(), _facts(vars(instance))))
    add(deltas, using=using)
