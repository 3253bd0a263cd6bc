"""Write an import's new comments and their audit rows, a chunk of articles at a time.

ModelWriter is the reference: Comment objects through Comment.objects.bulk_create_threaded
and moderation.services.record_import, on any database. CopyWriter does the same on
PostgreSQL without building model instances, which cost more than the database's own work
at 100,000 comments: it numbers and places the comments with the same functions as
bulk_create_threaded (moderation/models/comments.py number_oldest_first() and place();
the test suite checks that both writers build the same threads) and loads them with COPY.
"""

from __future__ import annotations

from typing import NamedTuple

from articles.models import Article
from moderation import services
from moderation.models import (
    Comment,
    Spot,
    allocate_ids,
    can_copy,
    copy_rows,
    normalise_email,
    number_oldest_first,
    place,
    reserve_sequences,
)
from moderation.models import counts as queue_counts
from moderation.services.commenters import Tally

from .plan import PlannedComment

INSERT_BATCH = 2000


class Saved(NamedTuple):
    """A comment the writer has inserted: enough for record_import and triage."""

    pk: int
    status: str


Placed = list[tuple[PlannedComment, "PlannedComment | Comment | None"]]


def writer_for(source_label: str, max_depth: int, *, using: str = "default"):
    cls = CopyWriter if can_copy(using) else ModelWriter
    return cls(source_label, max_depth, using=using)


class _Writer:
    def __init__(self, source_label: str, max_depth: int, *, using: str = "default"):
        self.source_label = source_label
        self.max_depth = max_depth
        self.using = using
        self.groups: list[tuple[Article, Placed, bool]] = []
        # Each queued comment's commenter id, keyed by (article id, comment key).
        self.commenters: dict[tuple[int, str], int] = {}

    def fresh_comment_seq(self, count: int) -> int:
        """The comment_seq to create a new article with, which will get `count` comments."""
        return 0

    def add(self, article: Article, placed: Placed, *, fresh: bool = False) -> None:
        """Queue an article's new comments, placed parents first (engine.resolve_thread).

        `fresh`: the article was created by this import with fresh_comment_seq().
        """
        if placed:
            self.groups.append((article, placed, fresh))

    def flush(self) -> list[Saved]:
        """Insert everything queued, with its audit rows; return what was saved."""
        if not self.groups:
            return []
        made = self._find_commenters()
        saved, reasons, notes, authored = self._insert()
        # Only articles that were here before can have reader pages cached: one this
        # import creates has none to make stale (with the database cache, bumping each
        # new article's version cost a 100,000-comment import a tenth of its time).
        stale = {article.pk for article, _placed, fresh in self.groups if not fresh}
        self.groups = []
        services.record_import(comments=saved, source_label=self.source_label,
                               reasons=reasons, notes=notes, article_ids=stale)
        # The commenters made for this batch were made with their records.
        services.count_imported(a for a in authored if a[0] not in made)
        self.commenters = {}
        return saved

    def _find_commenters(self) -> set[int]:
        """Tie each queued comment to its author's commenter: by the export's author email,
        else by its author id (with the article's source), made where missing. Return the
        ids of the commenters made (with their records)."""
        wanted: dict[tuple[int, str], tuple[str, str]] = {}
        names: dict[tuple[str, str], tuple] = {}
        tallies: dict[tuple[str, str], Tally] = {}
        for article, placed, _fresh in self.groups:
            for planned, _parent in placed:
                email = normalise_email(planned.author_email)
                external = f"{article.import_source}:{planned.author_id}" if (
                    planned.author_id and not email) else ""
                if not (email or external):
                    continue
                identity = (email, external[:255])
                wanted[article.pk, planned.key] = identity
                # A new commenter is named as their latest comment is signed.
                if identity not in names or planned.created >= names[identity][0]:
                    names[identity] = (planned.created, planned.author_name)
                tally = tallies.get(identity)
                if tally is None:
                    tally = tallies[identity] = Tally()
                tally.add(planned.status, planned.created)
        ids, made = services.commenters_for_import(
            {i: (name, tallies[i]) for i, (_at, name) in names.items()})
        self.commenters = {where: ids[identity] for where, identity in wanted.items()}
        return made

    def commenter_of(self, article: Article, planned: PlannedComment) -> int | None:
        return self.commenters.get((article.pk, planned.key))


class ModelWriter(_Writer):
    def _insert(self):
        comments: list[Comment] = []
        planned: list[PlannedComment] = []
        for article, placed, _fresh in self.groups:
            objects: dict[str, Comment] = {}
            for planned_comment, parent in placed:
                if isinstance(parent, PlannedComment):
                    parent = objects[parent.key]
                comment = Comment(
                    article=article, parent=parent, author_name=planned_comment.author_name,
                    author_email=planned_comment.author_email, body=planned_comment.body,
                    body_format=planned_comment.body_format, status=planned_comment.status,
                    hidden_reason=Comment.hidden_reason_for(planned_comment.status,
                                                            planned_comment.reason),
                    created=planned_comment.created, import_key=planned_comment.key,
                    commenter_id=self.commenter_of(article, planned_comment),
                )
                objects[planned_comment.key] = comment
                comments.append(comment)
                planned.append(planned_comment)
        Comment.objects.db_manager(self.using).bulk_create_threaded(
            comments, batch_size=INSERT_BATCH
        )
        saved = [Saved(c.pk, c.status) for c in comments]
        reasons = {c.pk: p.reason for c, p in zip(comments, planned, strict=True) if p.reason}
        notes = {c.pk: p.note for c, p in zip(comments, planned, strict=True) if p.note}
        return saved, reasons, notes, [(c.commenter_id, c.status, c.created) for c in comments]


class CopyWriter(_Writer):
    def fresh_comment_seq(self, count: int) -> int:
        # A new article is created already holding its comments' numbers (1..count): no
        # article in this transaction's making can get comments from anyone else.
        return count

    # The columns an import sets, in the order each row lists them; every other column
    # (triage scores, …) gets its model default, the same for all rows.
    SET = ["id", "article_id", "parent_id", "author_name", "author_email", "body",
           "body_format", "status", "hidden_reason", "created", "import_key", "seq", "path",
           "depth", "commenter_id"]

    def _insert(self):
        # The database computes generated columns (needs_review) itself.
        by_name = {f.attname: f for f in Comment._meta.concrete_fields if not f.generated}
        rest = [f for name, f in by_name.items() if name not in self.SET]
        fields = [by_name[name] for name in self.SET] + rest
        defaults = [f.get_default() for f in rest]
        ids = iter(allocate_ids(Comment, sum(len(g[1]) for g in self.groups), using=self.using))
        firsts = reserve_sequences(
            {a.pk: len(p) for a, p, fresh in self.groups if not fresh}, self.using
        )
        saved, reasons, notes, authored, queued = [], {}, {}, [], []

        def rows():
            # Made as COPY sends them, so the database inserts one batch of rows while the
            # next is being made.
            for article, placed, fresh in self.groups:
                if fresh:
                    firsts[article.pk] = 1
                seqs = number_oldest_first([p.created for p, _parent in placed],
                                           firsts[article.pk])
                where: dict[str, tuple[int, Spot]] = {}  # key → (pk, spot)
                for (planned, parent), seq in zip(placed, seqs, strict=True):
                    pk = next(ids)
                    if isinstance(parent, PlannedComment):
                        parent_id, parent_spot = where[parent.key]
                    elif parent is not None:
                        parent_id, parent_spot = parent.pk, parent.spot
                    else:
                        parent_id, parent_spot = None, None
                    spot = place(article.pk, seq, parent_spot, self.max_depth)
                    where[planned.key] = (pk, spot)
                    status, commenter_id = planned.status, self.commenter_of(article, planned)
                    yield [
                        pk, article.pk, parent_id, planned.author_name, planned.author_email,
                        planned.body, planned.body_format, status,
                        Comment.hidden_reason_for(status, planned.reason), planned.created,
                        planned.key, seq, spot.path, spot.depth, commenter_id, *defaults,
                    ]
                    saved.append(Saved(pk, status))
                    authored.append((commenter_id, status, planned.created))
                    queued.append((article.pk, status))
                    if planned.reason:
                        reasons[pk] = planned.reason
                    if planned.note:
                        notes[pk] = planned.note

        copy_rows(Comment, rows(), fields=fields, using=self.using)
        queue_counts.add(queue_counts.created(queued), using=self.using)
        return saved, reasons, notes, authored
