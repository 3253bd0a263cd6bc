"""Compare a plan with the database (the preview) and write it (the import).

Both walk the plan the same way, in chunks of articles, so the preview's counts are what
the import does unless someone changes the same articles in between (the import then
recounts inside its transaction and reports what it really did).

Re-import policy, shown in the preview:

- An article is recognised by its import source and id. An article already here is
  never changed (edit it here); only its new comments are added.
- A comment is recognised by its import key within its article. A comment already here
  keeps its text and place. If the source now gives it another status, that status is
  applied (with an audit row by the import) only if no moderator has decided on it
  here (approved, hidden, flagged or undone); otherwise it is kept and counted as
  "kept: decided here".
- Comments here that the file no longer has are left alone.

Threads (each repair reported as a warning on its article):

- A reply whose parent is neither in the file nor already imported becomes top-level.
- Parents that form a cycle (a is b's parent, b is a's) mean a damaged or forged file,
  which is refused, naming the comments. With repair_cycles (the admin's "Repair parent
  cycles", the command's --repair-cycles) the cycle's earliest comment becomes top-level
  instead.
- A reply deeper than COMMENTS_MAX_DEPTH levels is attached to its deepest allowed
  ancestor.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from articles.models import Article
from moderation import services
from moderation.models import (
    SEGMENT_WIDTH,
    Comment,
    Commenter,
    Flag,
    ModerationEvent,
    QueueCount,
    settle_after_load,
)
from moderation.signals import comments_added

from .plan import (
    ImportFailed,
    Notes,
    Plan,
    PlannedArticle,
    PlannedComment,
    Status,
    gc_paused,
)
from .writer import INSERT_BATCH, writer_for

# Articles are compared and written this many comments at a time (never splitting an
# article, so siblings are numbered oldest first across the whole thread).
CHUNK_COMMENTS = 5000
CHUNK_ARTICLES = 500

POLICY = (
    "Articles already imported are recognised and never changed; only their new comments "
    "are added. A comment already here keeps its text and place; if the file gives it "
    "another status, that status is applied only when no moderator has decided on it "
    "here, and otherwise kept (“kept: decided here”). Nothing here is deleted."
)

FORMAT_LABELS = {
    "wxr": "WordPress export (WXR)",
    "disqus": "Disqus export",
    "json": "JSON export",
}


@dataclass
class ArticleRow:
    title: str
    slug: str
    source: str
    import_id: str
    action: str  # "create", "update" or "unchanged"
    article_id: int | None = None
    created: int = 0  # new comments
    created_by_status: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0  # already here with the same status
    updated: int = 0  # status changed in the file and applied here
    kept: int = 0  # status changed in the file, kept: a moderator decided here
    warnings: list[str] = field(default_factory=list)


@dataclass
class Summary:
    format: str
    filename: str
    applied: bool
    articles: list[ArticleRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    # The comments an applied import queued for scoring (not kept in to_dict()).
    to_score: list[int] = field(default_factory=list, repr=False)

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)

    def count(self, action: str) -> int:
        return sum(1 for row in self.articles if row.action == action)

    def total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.articles)

    @property
    def created_by_status(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for row in self.articles:
            totals.update(row.created_by_status)
        return {status: totals[status] for status in Comment.Status.values if totals[status]}

    @property
    def totals(self) -> dict[str, int]:
        return {
            "create": self.count("create"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "comments_created": self.total("created"),
            "comments_updated": self.total("updated"),
            "comments_kept": self.total("kept"),
            "comments_unchanged": self.total("unchanged"),
        }

    @property
    def articles_with_warnings(self) -> int:
        return sum(1 for row in self.articles if row.warnings)

    @property
    def changes_anything(self) -> bool:
        return any(row.action != "unchanged" for row in self.articles)

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["to_score"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Summary:
        rows = [ArticleRow(**row) for row in data.get("articles", [])]
        return cls(**{**data, "articles": rows})

    def headline(self) -> str:
        """One sentence for a message or the last line of the command's output."""
        t = self.totals
        if self.applied:
            return (
                f"Imported {self.filename or 'the file'}: {_n(t['create'], 'article')} "
                f"created, {t['update']} updated, {t['unchanged']} unchanged; "
                f"{_n(t['comments_created'], 'comment')} created, "
                f"{_n(t['comments_updated'], 'status change')} applied, "
                f"{t['comments_kept']} kept as decided here."
            )
        return (
            f"{self.filename or 'The file'} would create {_n(t['create'], 'article')} and "
            f"{_n(t['comments_created'], 'comment')}, update {_n(t['update'], 'article')} "
            f"({_n(t['comments_updated'], 'status change')}, {t['comments_kept']} kept as "
            f"decided here); {t['unchanged']} unchanged. Nothing written yet."
        )

    def lines(self, *, per_article: bool = True) -> list[str]:
        """The summary as text, for the command line (the admin shows the same facts)."""
        t = self.totals
        if self.applied:
            create, update, apply = "created", "updated", "applied"
        else:
            create, update, apply = "to create", "to update", "to apply"
        by_status = ", ".join(f"{n} {s}" for s, n in self.created_by_status.items())
        out = [
            f"{self.format_label}: {self.filename}",
            f"Articles: {t['create']} {create}, {t['update']} {update}, "
            f"{t['unchanged']} unchanged",
            f"Comments: {t['comments_created']} {create}"
            + (f" ({by_status})" if by_status else "")
            + f", {t['comments_updated']} status changes {apply}, {t['comments_kept']} kept "
            f"(decided here), {t['comments_unchanged']} unchanged",
        ]
        if self.skipped:
            out.append("Left out: " + "; ".join(f"{what}: {n}" for what, n in self.skipped.items()))
        for warning in self.warnings:
            out.append(f"Warning: {warning}")
        if per_article:
            for row in self.articles:
                counts = f"{row.created} new"
                if row.updated:
                    counts += f", {row.updated} status changes"
                if row.kept:
                    counts += f", {row.kept} kept"
                if row.unchanged:
                    counts += f", {row.unchanged} unchanged"
                out.append(f"  {row.action:<9} {row.slug}  ({counts} comments)  {row.title}")
                for warning in row.warnings:
                    out.append(f"            ! {warning}")
        out.append(self.headline())
        return out


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def preview(plan: Plan, *, repair_cycles: bool = False) -> Summary:
    """Say what importing `plan` would do, writing nothing."""
    return _Run(plan, write=False, repair_cycles=repair_cycles).run()


def apply(plan: Plan, *, repair_cycles: bool = False, progress=None,
          article_progress=None) -> Summary:
    """Import `plan` in one transaction: everything is written, or nothing.

    `progress(n)` is called as each batch of n comments is written, `article_progress(n)`
    as each batch of n articles is.
    """
    try:
        with transaction.atomic(), services.counting_at_end():
            summary = _Run(plan, write=True, repair_cycles=repair_cycles, progress=progress,
                           article_progress=article_progress).run()
            _settle_once_committed([summary])
            return summary
    except IntegrityError:
        raise ImportFailed(
            "Someone else imported or created some of these articles at the same moment, so "
            "nothing was written. Run the import again: what is already here will be "
            "recognised."
        ) from None


def apply_many(plans: list[Plan], *, repair_cycles: bool = False, progress=None
               ) -> list[Summary]:
    """Import several files in one transaction (the command line's FILE...)."""
    try:
        with transaction.atomic(), services.counting_at_end():
            summaries = []
            for plan in plans:
                try:
                    summaries.append(_Run(plan, write=True, repair_cycles=repair_cycles,
                                          progress=progress).run())
                except ImportFailed as error:
                    raise ImportFailed(f"{plan.filename}: {error}") from None
            _settle_once_committed(summaries)
            return summaries
    except IntegrityError:
        raise ImportFailed(
            "Someone else imported or created some of these articles at the same moment, so "
            "nothing was written. Run the import again."
        ) from None


def _settle_once_committed(summaries: list[Summary]) -> None:
    """Once the import commits, refresh the planner's view of the tables it wrote to, if
    it wrote many rows (a first import of a whole archive, say)."""
    added = sum(summary.totals["comments_created"] for summary in summaries)
    transaction.on_commit(
        partial(settle_after_load, Comment, added,
                also=(Article, ModerationEvent, Flag, Commenter, QueueCount)),
        robust=True)


def _chunks(articles: list[PlannedArticle]):
    chunk: list[PlannedArticle] = []
    size = 0
    for article in articles:
        chunk.append(article)
        size += len(article.comments)
        if size >= CHUNK_COMMENTS or len(chunk) >= CHUNK_ARTICLES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


class _Run:
    def __init__(self, plan: Plan, *, write: bool, repair_cycles: bool = False, progress=None,
                 article_progress=None):
        self.plan = plan
        self.repair_cycles = repair_cycles
        self.write = write
        self.progress = progress
        self.article_progress = article_progress
        self.max_depth = settings.COMMENTS_MAX_DEPTH
        self.taken_slugs: set[str] = set()
        self.suffixed: dict[str, set[str]] = {}
        self.summary = Summary(plan.format, plan.filename, applied=write,
                               warnings=plan.notes.messages(), skipped=dict(plan.skipped))
        self.pending_for_triage: list[int] = []
        self.writer = writer_for(plan.format, self.max_depth) if write else None

    def run(self) -> Summary:
        with gc_paused():
            for chunk in _chunks(self.plan.articles):
                self._chunk(chunk)
        self.summary.to_score = self.pending_for_triage
        if self.write and self.pending_for_triage:
            # Pending comments wait for a moderator: their scoring is queued once
            # committed, as a reader's new comment's is. Decided ones can be scored by
            # triage_comments.
            transaction.on_commit(partial(comments_added.send, Comment,
                                          ids=self.pending_for_triage))
        return self.summary

    # Reading what is already here

    def _existing_articles(self, chunk) -> dict[tuple[str, str], Article]:
        by_source: dict[str, list[str]] = defaultdict(list)
        for planned in chunk:
            by_source[planned.source].append(planned.import_id)
        query = Q()
        for source, ids in by_source.items():
            query |= Q(import_source=source, import_id__in=ids)
        found = Article.objects.filter(query).only("id", "title", "slug", "import_source",
                                                   "import_id")
        return {(a.import_source, a.import_id): a for a in found}

    def _existing_comments(self, article_ids) -> tuple[dict[int, dict[str, Comment]], set[int]]:
        comments: dict[int, dict[str, Comment]] = defaultdict(dict)
        if not article_ids:
            return comments, set()
        rows = (
            Comment.objects.filter(article_id__in=article_ids)
            .exclude(import_key="")
            .only("id", "article_id", "import_key", "status", "path", "depth")
        )
        for comment in rows:
            comments[comment.article_id][comment.import_key] = comment
        decided = set(
            services.decided_comment_ids(Comment.objects.filter(article_id__in=article_ids))
        )
        return comments, decided

    def _slugs_for(self, new: list[PlannedArticle]) -> dict[int, str]:
        """A free slug for each new article (by id() of the planned article)."""
        wanted = {planned.slug for planned in new}
        taken = set(Article.objects.filter(slug__in=wanted).values_list("slug", flat=True))
        taken |= self.taken_slugs & wanted
        slugs = {}
        for planned in new:
            slug = planned.slug
            if slug in taken or slug in self.taken_slugs:
                if slug not in self.suffixed:
                    # Once per wanted slug: a thousand "untitled" posts cost one query.
                    self.suffixed[slug] = set(
                        Article.objects.filter(slug__startswith=f"{slug}-")
                        .values_list("slug", flat=True)
                    )
                used = self.suffixed[slug]
                n = 2
                while f"{slug}-{n}" in used or f"{slug}-{n}" in self.taken_slugs:
                    n += 1
                slug = f"{slug}-{n}"
            self.taken_slugs.add(slug)
            slugs[id(planned)] = slug
        return slugs

    # One chunk of articles

    def _chunk(self, chunk: list[PlannedArticle]) -> None:
        existing = self._existing_articles(chunk)
        old_comments, decided = self._existing_comments([a.pk for a in existing.values()])
        new_planned = [p for p in chunk if (p.source, p.import_id) not in existing]
        slugs = self._slugs_for(new_planned)

        rows: list[tuple[PlannedArticle, ArticleRow, list]] = []
        for planned in chunk:
            article = existing.get((planned.source, planned.import_id))
            row = ArticleRow(
                title=article.title if article else planned.title,
                slug=article.slug if article else slugs[id(planned)],
                source=planned.source, import_id=planned.import_id,
                action="unchanged" if article else "create",
                article_id=article.pk if article else None,
            )
            here = old_comments.get(article.pk, {}) if article else {}
            # The parser's notes, and this run's own: a plan can be previewed, then applied.
            notes = planned.notes.copy()
            self._status_changes(planned, here, decided, row, notes)
            placed = resolve_thread(planned.comments, here, self.max_depth, notes,
                                    repair_cycles=self.repair_cycles, where=planned.title)
            row.created = len(placed)
            row.created_by_status = dict(Counter(c.status for c, _ in placed))
            if article and (row.created or row.updated):
                row.action = "update"
            row.warnings = notes.messages()
            self.summary.articles.append(row)
            rows.append((planned, row, placed))
        if self.writer is None:
            return

        created = {}
        for planned, row, placed in rows:
            if row.action == "create":
                created[id(planned)] = Article(
                    title=planned.title, slug=row.slug, outlet=planned.outlet,
                    byline=planned.byline, published_at=planned.published_at,
                    body=planned.body, editors_note=planned.editors_note,
                    editors_note_author=planned.editors_note_author,
                    source_url=planned.source_url, comment_policy=planned.comment_policy,
                    import_source=planned.source, import_id=planned.import_id,
                    comment_seq=self.writer.fresh_comment_seq(len(placed)),
                )
        Article.objects.bulk_create(list(created.values()), batch_size=INSERT_BATCH)
        for planned, row, placed in rows:
            fresh = id(planned) in created
            article = created[id(planned)] if fresh else existing[
                (planned.source, planned.import_id)]
            row.article_id = article.pk
            self.writer.add(article, placed, fresh=fresh)
        saved = self.writer.flush()
        self.pending_for_triage.extend(s.pk for s in saved if s.status == Status.PENDING)
        if self.progress and saved:
            self.progress(len(saved))
        if self.article_progress:
            self.article_progress(len(rows))

    def _status_changes(self, planned: PlannedArticle, here: dict[str, Comment],
                        decided: set[int], row: ArticleRow, notes: Notes) -> None:
        if not here:
            return
        for planned_comment in planned.comments:
            comment = here.get(planned_comment.key)
            if comment is None:
                continue
            if comment.status == planned_comment.status:
                row.unchanged += 1
            elif comment.pk in decided:
                row.kept += 1
                notes.add("Status changed in the file but a moderator decided here; kept",
                          f"comment {planned_comment.key} ({comment.status} here, "
                          f"{planned_comment.status} in the file)")
            elif not self.write:
                row.updated += 1
            else:
                try:
                    event = services.import_status_change(
                        comment=comment, status=planned_comment.status,
                        source_label=self.plan.format, reason=planned_comment.reason,
                        note=planned_comment.note or "status changed in the source",
                    )
                except services.Conflict:
                    row.kept += 1
                    continue
                if event is None:
                    row.unchanged += 1
                else:
                    row.updated += 1


Parent = PlannedComment | Comment | None


def resolve_thread(comments: list[PlannedComment], here: dict[str, Comment], max_depth: int,
                   notes: Notes, *, repair_cycles: bool = False, where: str = ""
                   ) -> list[tuple[PlannedComment, Parent]]:
    """Place the comments that are not here yet: each with its parent, parents first.

    A parent is another new comment, a comment already imported into the article (`here`,
    by import key) or None. Missing parents, cycles and over-deep replies are repaired as
    the module docstring says, with a note each.
    """
    new = [c for c in comments if c.key not in here]
    by_key = {c.key: c for c in new}
    parent: dict[str, Parent] = {}
    for c in new:
        key = c.parent_key
        if key is None:
            parent[c.key] = None
        elif key in by_key:
            parent[c.key] = by_key[key]
        elif key in here:
            parent[c.key] = here[key]
        else:
            parent[c.key] = None
            notes.add("Replies whose parent is not in the file made top-level",
                      f"comment {c.key} (parent {key})")

    # Parent links between new comments form a graph where each node has at most one
    # outgoing edge, so every cycle is found by walking up from each comment once.
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    for c in new:
        walk = []
        node = c
        while isinstance(node, PlannedComment) and node.key not in state:
            state[node.key] = 1
            walk.append(node)
            node = parent[node.key]
        if isinstance(node, PlannedComment) and state[node.key] == 1:
            cycle = walk[walk.index(node):]
            if not repair_cycles:
                chain = " → ".join(x.key for x in [*cycle, cycle[0]])
                raise ImportFailed(
                    f"In {where!r}, comments {chain} are each other's parents (a parent "
                    "cycle), so the file is damaged or forged; nothing was imported. To "
                    "import it anyway with the earliest comment of each cycle made "
                    "top-level, tick “Repair parent cycles” (or pass --repair-cycles)."
                )
            earliest = min(cycle, key=lambda x: (x.created, x.key))
            parent[earliest.key] = None
            notes.add("Parents forming a cycle: the cycle's earliest comment made top-level",
                      " → ".join(x.key for x in cycle))
        for node in walk:
            state[node.key] = 2

    children: dict[str, list[PlannedComment]] = defaultdict(list)
    roots = []
    for c in new:
        p = parent[c.key]
        if isinstance(p, PlannedComment):
            children[p.key].append(c)
        else:
            roots.append(c)

    by_path = None
    depth: dict[str, int] = {}
    def depth_under(p) -> int:
        """The depth a reply to `p` (planned, already here, or None) would have."""
        if p is None:
            return 0
        if isinstance(p, PlannedComment):
            return depth[p.key] + 1
        return p.depth + 1

    placed: list[tuple[PlannedComment, Parent]] = []
    stack = list(reversed(roots))
    while stack:
        c = stack.pop()
        p = parent[c.key]
        d = depth_under(p)
        if d > max_depth - 1:
            # The parent sits at the deepest level; hang the reply beside it instead.
            if isinstance(p, PlannedComment):
                p = parent[p.key]
            else:
                if by_path is None:
                    by_path = {old.path: old for old in here.values()}
                p = by_path.get(p.path[:-SEGMENT_WIDTH])
            d = depth_under(p)
            notes.add(f"Replies nested deeper than {max_depth} levels attached to their "
                      "deepest allowed ancestor", f"comment {c.key}")
            parent[c.key] = p
        depth[c.key] = d
        placed.append((c, p))
        stack.extend(reversed(children.get(c.key, ())))
    return placed
