"""The queue facts stored on a comment (`flagged`, `reported`) and the queue counters,
kept in step with every change the services make, in the change's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Count, Q

from moderation.models import QUEUE_KEYS, Comment, Flag, Is, QueueCount, QueueTotal, Reason
from moderation.models.comments import FLAGGED_SOURCES, REPORTED_SOURCES
from moderation.models.counts import add, counting_at_end, moved

__all__ = ["counting_at_end", "flag_facts", "rebuild", "refresh_flag_facts",
           "refresh_flag_facts_of", "tracking_queues"]


def flag_facts(open_flags) -> dict:
    """The facts a comment stores about its open flags, given as (source, reason) pairs."""
    sources = {source for source, _reason in open_flags}
    return {"flagged": bool(sources & FLAGGED_SOURCES),
            "reported": bool(sources & REPORTED_SOURCES),
            "open_flag_reasons": Reason.bits({reason for _source, reason in open_flags})}


def _set_flag_facts(comment: Comment, open_flags) -> bool:
    """Give `comment` the facts of its open flags; whether any of them changed."""
    facts = flag_facts(open_flags)
    if all(getattr(comment, name) == value for name, value in facts.items()):
        return False
    for name, value in facts.items():
        setattr(comment, name, value)
    return True


def refresh_flag_facts(current: Comment) -> None:
    """Set a locked comment's `flagged`, `reported` and `open_flag_reasons` from its open
    flags."""
    refresh_flag_facts_of([current])


def refresh_flag_facts_of(comments: Sequence[Comment]) -> None:
    """refresh_flag_facts() for many locked comments, in two statements whatever their
    number: their open flags read at once, the facts that changed written at once."""
    found: dict[int, set] = {current.pk: set() for current in comments}
    for pk, source, reason in (Flag.objects.open().filter(comment_id__in=list(found))
                               .values_list("comment_id", "source", "reason")):
        found[pk].add((source, reason))
    changed = [current for current in comments if _set_flag_facts(current, found[current.pk])]
    Comment.objects.bulk_update(changed, ["flagged", "reported", "open_flag_reasons"],
                                batch_size=500)


@contextmanager
def tracking_queues(current: Comment, *, flags_change: bool = True):
    """Around a change to a locked comment: afterwards, store its flag facts anew (unless
    `flags_change` is false: the change touched no flag) and move it between the queue
    counters, from the queues it was in before to those it is in now."""
    before = current.queues
    yield
    if flags_change:
        refresh_flag_facts(current)
    add(moved(current.article_id, before, current.queues), using=current._state.db or "default")


def rebuild(*, using: str = "default") -> dict[str, int]:
    """Recompute every comment's flag facts from its open flags and every queue counter
    from the comments (a whole-table pass: for `manage.py recount_queues`, never a page).
    Returns the site-wide counts."""
    comments = Comment.objects.using(using)
    flags = Flag.objects.using(using).open()
    with transaction.atomic(using=using):
        # Only rows that have or should have facts can be wrong: those with open flags and
        # those marked, both few (flag_open_idx and the partial indexes find them).
        marked = set(comments.filter(Q(flagged=True) | Q(reported=True) | ~Q(open_flag_reasons=0))
                     .values_list("pk", flat=True))
        found: dict[int, set] = {pk: set() for pk in marked}
        for pk, source, reason in flags.values_list("comment_id", "source", "reason"):
            found.setdefault(pk, set()).add((source, reason))
        changed = [
            comment for comment in comments.filter(pk__in=list(found)).only(
                "flagged", "reported", "open_flag_reasons").iterator(chunk_size=2000)
            if _set_flag_facts(comment, found[comment.pk])
        ]
        comments.bulk_update(changed, ["flagged", "reported", "open_flag_reasons"],
                             batch_size=500)
        per_article = (
            comments.order_by().values("article_id")
            .annotate(**{key: Count("pk", filter=Is.in_queue(key)) for key in QUEUE_KEYS})
        )
        counters = QueueCount.objects.using(using)
        counters.all().delete()
        counters.bulk_create(
            (QueueCount(article_id=row["article_id"], queue=key, count=row[key])
             for row in per_article.iterator(chunk_size=2000)
             for key in QUEUE_KEYS if row[key]),
            batch_size=2000,
        )
        totals = counters.totals()
        QueueTotal.objects.using(using).all().delete()
        QueueTotal.objects.using(using).bulk_create(
            QueueTotal(queue=key, count=n) for key, n in totals.items()
        )
        return totals
