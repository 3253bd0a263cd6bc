"""Comments: the tree they form, what each reader may see of them, and their placement.

Every comment sits in one article's thread; `path` stores where (see SEGMENT_WIDTH), so
that a thread or a page of it is one index range scan. CommentQuerySet holds every rule
on who sees which comment and which comments wait for a moderator.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Sequence
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, Count, Exists, F, OrderBy, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from articles import freshness
from articles.models import Article

from . import counts


class Reason(models.TextChoices):
    OFF_TOPIC = "off_topic", "Off-topic"
    ABUSIVE = "abusive", "Abusive"
    SPAM = "spam", "Spam"
    PERSONAL_ATTACK = "personal_attack", "Personal attack"
    OTHER = "other", "Other"
    # A comment that adds nothing ("First!", "lol"): the triage's low-priority finding.
    NOISE = "noise", "Noise"

    @classmethod
    def bits(cls, reasons) -> int:
        """The reasons as the bits of Comment.open_flag_reasons (one per reason, in order)."""
        order = list(cls.values)
        return sum({1 << order.index(reason) for reason in reasons})


SEARCH_CONFIG = "english"

# The permission every moderation page and action needs (Comment.Meta.permissions).
MODERATE = "moderation.moderate_comment"

# A trigram index finds a substring of 3 characters or more, and a whole value of any
# length; by a substring of one or two it narrows nothing, and every row was read and
# rechecked (1.3 s for the author "Zq" at 10^6 comments). Shorter text is matched whole.
TRIGRAM_MIN_LENGTH = 3


class SearchDocument(SearchVector):
    """The body's full-text document on PostgreSQL; nothing on other databases, which
    search with a substring match instead (CommentQuerySet.search())."""

    def __init__(self, *expressions, **extra):
        super().__init__(*expressions, config=SEARCH_CONFIG, **extra)

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor != "postgresql":
            return "NULL", []
        return super().as_sql(compiler, connection, **extra)



class NullsLastIndex(models.Index):
    """An index with descending parts that put NULLs last (`F(...).desc(nulls_last=True)`),
    as PostgreSQL needs to serve ORDER BY ... DESC NULLS LAST. SQLite refuses those words in
    CREATE INDEX, and puts NULLs last in a descending index anyway: it gets the index
    without them."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "sqlite":
            plain = copy.copy(self)
            plain.expressions = tuple(
                OrderBy(e.expression, descending=e.descending) if isinstance(e, OrderBy) else e
                for e in self.expressions
            )
            return models.Index.create_sql(plain, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


# A comment's path is its ancestors' sequence numbers and its own, each as a fixed-width
# run of digits. Ordering by path is display order (parents before replies, siblings
# oldest first), so one index range scan returns a whole thread or one page of it.
# Digits only, so the order is the same under every database collation.
SEGMENT_WIDTH = 7
MAX_SEQ = 10**SEGMENT_WIDTH - 1


def path_segment(seq: int) -> str:
    if not 0 < seq <= MAX_SEQ:
        raise ValueError(f"comment sequence {seq} does not fit in a path segment")
    return f"{seq:0{SEGMENT_WIDTH}d}"


class Spot(NamedTuple):
    """Where a comment sits in its thread: enough to place a reply under it."""

    article_id: int
    path: str
    depth: int


def place(article_id: int, seq: int, parent: Spot | None, max_depth: int) -> Spot:
    """Return the spot of comment number `seq` of an article, under `parent` or at top
    level: the one placement rule for save(), bulk_create_threaded() and the COPY import.
    """
    if parent is None:
        return Spot(article_id, path_segment(seq), 0)
    if parent.article_id != article_id:
        raise ValidationError("A reply must belong to the same article as its parent.")
    if parent.depth + 1 >= max_depth:
        raise ValidationError(f"Replies may nest at most {max_depth} levels deep.")
    return Spot(article_id, parent.path + path_segment(seq), parent.depth + 1)


def number_oldest_first(created: Sequence, first: int) -> list[int]:
    """Number one article's new comments from `first`, oldest first (ties in the order
    given); return each comment's number, in the order given."""
    numbers = [0] * len(created)
    for number, index in enumerate(sorted(range(len(created)), key=created.__getitem__),
                                   start=first):
        numbers[index] = number
    return numbers


def reserve_sequence(article_id: int, count: int) -> int:
    """Reserve `count` consecutive comment numbers of an article and return the first.

    The UPDATE locks the article row until the surrounding transaction ends, so two
    writers never get the same numbers.
    """
    Article.objects.filter(pk=article_id).update(comment_seq=F("comment_seq") + count)
    last = Article.objects.filter(pk=article_id).values_list("comment_seq", flat=True).get()
    return last - count + 1


def reserve_sequences(counts: dict[int, int], using: str = "default") -> dict[int, int]:
    """reserve_sequence() for many articles at once ({article id: count}), in two queries
    per 300 articles instead of two per article."""
    firsts = {}
    ids = list(counts)
    for start in range(0, len(ids), 300):
        batch = ids[start : start + 300]
        articles = Article.objects.using(using).filter(pk__in=batch)
        articles.update(comment_seq=Case(
            *(When(pk=pk, then=F("comment_seq") + counts[pk]) for pk in batch),
            default=F("comment_seq"),
            output_field=models.PositiveIntegerField(),
        ))
        for pk, last in articles.values_list("pk", "comment_seq"):
            firsts[pk] = last - counts[pk] + 1
    if len(firsts) != len(counts):
        raise Article.DoesNotExist(f"No articles {sorted(set(counts) - set(firsts))}.")
    return firsts


# Who may see which comment, and which comments wait for a moderator: every rule is one
# condition here. The QuerySet methods below filter by them; the moderation queues
# (moderation/queues.py) list their comments by them, and counts.queues_of() says the same
# of one comment's stored facts for the queue counters. No other module decides by status
# what someone may see. The queue conditions read columns the services keep on the
# comment (`flagged`, `reported`, `needs_review`), so each is one indexed condition.

# Flag sources (audit.py's Flag.Source) whose open flags set `flagged`; a reader's, `reported`.
FLAGGED_SOURCES = frozenset({"moderator", "automatic"})
REPORTED_SOURCES = frozenset({"reader"})


def _open_flags(sources: Collection[str], reason: str = "") -> Exists:
    # Flag lives in audit.py, which builds on Comment: reached through the relation.
    flags = Comment.flags.rel.related_model.objects.open().filter(comment=OuterRef("pk"))
    if sources:
        flags = flags.filter(source__in=sorted(sources))
    if reason:
        flags = flags.filter(reason=reason)
    return Exists(flags)


class Is:
    """The conditions behind CommentQuerySet's methods, as Q objects."""

    @staticmethod
    def visible() -> Q:
        """What every reader sees: the approved comments, the Approved queue."""
        return Is.approved()

    @staticmethod
    def visible_to(own_ids: Collection[int] = (), user_id: int | None = None) -> Q:
        own = Q(pk__in=list(own_ids)) if own_ids else Q()
        if user_id is not None:
            own |= Q(user_id=user_id)
        if not own:
            return Is.visible()
        return Is.visible() | (Is.pending() & own)

    @staticmethod
    def pending() -> Q:
        return Q(status=Comment.Status.PENDING)

    @staticmethod
    def approved() -> Q:
        return Q(status=Comment.Status.APPROVED)

    @staticmethod
    def hidden(reason: str = "") -> Q:
        if reason:
            return Q(status=Comment.Status.HIDDEN, hidden_reason=reason)
        return Q(status=Comment.Status.HIDDEN)

    @staticmethod
    def flagged(*sources: str, reason: str = "") -> Q:
        """An open flag from any of `sources` (any source if none), with `reason` if given.

        The stored facts answer for the two groups of sources; a narrower question is
        asked of the flags, among the rows the facts already narrow down."""
        every = FLAGGED_SOURCES | REPORTED_SOURCES
        wanted = frozenset(sources) or every
        condition = Q()
        if wanted & FLAGGED_SOURCES:
            condition |= Q(flagged=True)
        if wanted & REPORTED_SOURCES:
            condition |= Q(reported=True)
        if reason:
            bit = Reason.bits([reason])
            condition &= Q(Exact(F("open_flag_reasons").bitand(bit), bit))
        # The facts know "which group of sources" and "which reasons, from any source":
        # anything narrower is asked of the flags themselves.
        if wanted not in (FLAGGED_SOURCES, REPORTED_SOURCES, every) or (reason and wanted != every):
            condition &= _open_flags(wanted, reason)
        return condition

    @staticmethod
    def needs_review() -> Q:
        """Pending or with an open flag: the stored `needs_review` column says so."""
        return Q(needs_review=True)

    @staticmethod
    def about(reason: str) -> Q:
        return Is.flagged(reason=reason) | Is.hidden(reason)

    @staticmethod
    def in_queue(key: str) -> Q:
        """The condition of the moderation queue `key` (counts.QUEUE_KEYS); for one
        loaded comment, counts.queues_of() says the same."""
        return {
            counts.NEEDS_REVIEW: Is.needs_review,
            counts.PENDING: Is.pending,
            counts.FLAGGED: lambda: Is.flagged(*FLAGGED_SOURCES),
            counts.REPORTED: lambda: Is.flagged(*REPORTED_SOURCES),
            counts.APPROVED: Is.approved,
            counts.HIDDEN: Is.hidden,
            counts.ALL: Q,
        }[key]()


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """Return the comments every reader may see."""
        return self.filter(Is.visible())

    def visible_to(self, *, own_ids: Collection[int] = (), user_id: int | None = None):
        """Return the comments one reader sees: the visible ones and their own pending
        ones, named by id (remembered in the writer's session) or by user."""
        return self.filter(Is.visible_to(own_ids, user_id))

    def pending(self):
        """Return the comments waiting for a first decision."""
        return self.filter(Is.pending())

    def approved(self):
        return self.filter(Is.approved())

    def hidden_for(self, reason: str = ""):
        """Return the hidden comments, those hidden for `reason` if one is given."""
        return self.filter(Is.hidden(reason))

    def with_open_flags(self, *sources: str, reason: str = ""):
        """Return comments with an unresolved flag (from any of `sources`, or any source;
        with `reason`, or any reason)."""
        return self.filter(Is.flagged(*sources, reason=reason))

    def needs_review(self):
        """Return the comments a moderator has yet to decide on: pending, or flagged and
        unresolved."""
        return self.filter(Is.needs_review())

    def about(self, reason: str):
        """Return comments with an open flag for `reason`, or hidden for it."""
        return self.filter(Is.about(reason))

    def search(self, text: str):
        """Return the comments whose body matches `text`.

        On PostgreSQL a full-text search of `search_document` (English stemming;
        web-search syntax: "a phrase", or, -word) through its GIN index; elsewhere a
        case-insensitive substring match, unindexed, fine at SQLite's sizes.
        """
        return self.filter(self._text_matches(text))

    def by_author(self, text: str):
        """Return the comments whose author's name or email contains `text`, ignoring case
        (on PostgreSQL through the trigram indexes of migration 0007); text shorter than
        TRIGRAM_MIN_LENGTH ("Jo") is the whole name or email."""
        return self.filter(self._author_matches(text))

    def search_or_author(self, text: str):
        """Return the comments search(text) or by_author(text) finds (the admin's search
        box); on PostgreSQL one BitmapOr of the three GIN indexes."""
        return self.filter(self._text_matches(text) | self._author_matches(text))

    @staticmethod
    def _author_matches(text: str) -> Q:
        lookup = "icontains" if len(text) >= TRIGRAM_MIN_LENGTH else "iexact"
        return Q(**{f"author_name__{lookup}": text}) | Q(**{f"author_email__{lookup}": text})

    def _text_matches(self, text: str) -> Q:
        if connections[self.db].vendor == "postgresql":
            return Q(search_document=SearchQuery(text, search_type="websearch",
                                                 config=SEARCH_CONFIG))
        return Q(body__icontains=text)

    def count_per_article(self) -> Subquery:
        """An annotation for Article querysets: how many of these comments each has."""
        counts = (
            self.filter(article=OuterRef("pk")).order_by().values("article")
            .annotate(n=Count("pk")).values("n")
        )
        return Coalesce(Subquery(counts), 0)

    def in_thread_order(self):
        return self.order_by("path")

    def for_triage(self):
        """Comments as the automated triage reads them: with article and parent, parents
        before replies, and `decided`: whether a moderator approved or hid one."""
        # ModerationEvent lives in audit.py, which builds on Comment: reached through the
        # relation.
        events = Comment.events.rel.related_model
        decided = events.objects.filter(
            comment=OuterRef("pk"), action__in=[events.Action.APPROVED, events.Action.HIDDEN]
        )
        return (
            self.select_related("article", "parent", "commenter")
            .annotate(decided=Exists(decided))
            .order_by("depth", "path", "pk")
        )

    def bulk_create_threaded(self, comments: Iterable[Comment], batch_size: int = 2000):
        """Insert many comments at once, placing each in its thread as save() would.

        A comment's parent must be saved already or come earlier in `comments`; the
        comments of one call may belong to several articles. Siblings are numbered
        oldest first (by `created`). Returns the saved comments.
        """
        comments = list(comments)
        max_depth = settings.COMMENTS_MAX_DEPTH
        by_article: dict[int, list[Comment]] = {}
        for comment in comments:
            by_article.setdefault(comment.article_id, []).append(comment)
        with transaction.atomic(using=self.db):
            firsts = reserve_sequences({a: len(g) for a, g in by_article.items()}, self.db)
            for article_id, group in by_article.items():
                numbers = number_oldest_first([c.created for c in group], firsts[article_id])
                for comment, seq in zip(group, numbers, strict=True):
                    comment.seq = seq
            # Parents must get their paths before their replies: place them in depth order.
            placed: set[int] = set()
            pending = list(comments)
            while pending:
                ready, waiting = [], []
                for comment in pending:
                    parent = comment.parent
                    if parent is None or parent.pk is not None or id(parent) in placed:
                        ready.append(comment)
                    else:
                        waiting.append(comment)
                if not ready:
                    raise ValidationError("Some comments' parents are neither saved nor given.")
                for comment in ready:
                    comment._place(comment.parent, max_depth)
                    placed.add(id(comment))
                # Replies need their parents' primary keys, so insert level by level.
                self.bulk_create(ready, batch_size=batch_size)
                pending = waiting
            counts.add(counts.created((c.article_id, c.status) for c in comments),
                       using=self.db)
        return comments


# The fields of a saved comment that readers see, besides its status (change_status()
# bumps the reader page's version for that).
READER_FIELDS = frozenset({"body", "body_format", "author_name", "parent"})


class CommentManager(models.Manager.from_queryset(CommentQuerySet)):
    def get_queryset(self):
        # The search document is for the database's index; no page reads it.
        return super().get_queryset().defer("search_document")


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        HIDDEN = "hidden", "Hidden"

    class Format(models.TextChoices):
        TEXT = "text", "Plain text"
        HTML = "html", "HTML"

    # No index of their own: every index below keeps up with each comment written (an
    # import writes 100,000), so the article's is comment_path_unique (it starts with
    # it) and the parent's and the account's are partial (most comments have neither).
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="comments",
                                db_index=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
        db_index=False,
    )
    author_name = models.CharField(max_length=100)
    author_email = models.EmailField(blank=True, help_text="Never shown publicly.")
    # The person who wrote it (moderation/models/commenters.py); empty for a guest who gave
    # no email.
    commenter = models.ForeignKey(
        "moderation.Commenter", null=True, blank=True, on_delete=models.PROTECT,
        related_name="comments",
        db_index=False,  # comment_commenter_idx starts with it
    )
    # The writer asked to be emailed when someone replies (COMMENTERS_EMAIL_REPLIES).
    notify_replies = models.BooleanField(default=False)
    body = models.TextField()
    body_format = models.CharField(max_length=4, choices=Format.choices, default=Format.TEXT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Why a hidden comment is hidden (empty when it is not hidden, or its source gave no
    # reason). Kept by the services with the status: moderation/services/decisions.py.
    hidden_reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # Seconds from the reader's comment form loading (its signed timestamp) to the post:
    # a long text sent sooner than anyone types it was pasted, a sign of spam the triage
    # reads (services.findings.behaviour_signals). Null when no form was involved
    # (imports, the admin, scripts).
    seconds_to_post = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Open flags, as the queues need them: from a moderator or the triage rules
    # (`flagged`), from a reader (`reported`). Kept with the flags by the services
    # (moderation/services/queue_state.py), so that no queue condition probes the flags.
    flagged = models.BooleanField(default=False, editable=False)
    reported = models.BooleanField(default=False, editable=False)
    # The reasons of the open flags (of any source), one bit each (Reason.bits()), for the
    # reason filter.
    open_flag_reasons = models.PositiveSmallIntegerField(default=0, editable=False)
    # The Needs review queue's condition in one column the database keeps, so that the
    # default queue is one partial index instead of an OR no index serves.
    needs_review = models.GeneratedField(
        expression=Q(status="pending") | Q(flagged=True) | Q(reported=True),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    # The text search's document (PostgreSQL's tsvector of the body; NULL elsewhere), kept
    # by the database and indexed by comment_body_search_idx (migration 0007).
    search_document = models.GeneratedField(
        expression=SearchDocument("body"), output_field=SearchVectorField(), db_persist=True,
    )
    # Where an imported comment came from, unique within its article; empty otherwise.
    import_key = models.CharField(max_length=255, blank=True)
    seq = models.PositiveIntegerField(editable=False)
    path = models.CharField(max_length=255, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    # Automated triage (moderation/triage): each signal's score and why, the highest
    # weighted score as `priority` (the queue's "Priority" sort; every flagged comment
    # above every unflagged one: scoring._priority), and when it was scored
    # (null: not yet; the workers' sweep and `manage.py triage_comments` pick it up).
    triage = models.JSONField(default=dict, blank=True, editable=False)
    priority = models.FloatField(default=0.0, editable=False)
    triaged_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a moderator featured it (services.feature()); null when it is not featured.
    # Only an approved comment is featured: change_status() clears it when the comment
    # leaves approved.
    featured_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentManager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["article", "path"], name="comment_path_unique"),
            models.UniqueConstraint(
                fields=["article", "import_key"],
                condition=~Q(import_key=""),
                name="comment_import_key_unique",
            ),
        ]
        permissions = [("moderate_comment", "Can moderate comments")]
        indexes = [
            # The reader's thread: approved comments of one article in path order.
            models.Index(fields=["article", "status", "path"], name="comment_thread_idx"),
            # The queues, each sorted oldest or newest first (one index read either way)
            # or by priority, worst first: a page of any queue is the first rows of one
            # index, however long the queue. Pending, Approved and Hidden by status:
            models.Index(fields=["status", "created", "id"], name="comment_status_created_idx"),
            # All (and the statuses' priority sort, which reads it until a page is full):
            models.Index(fields=["created", "id"], name="comment_created_idx"),
            models.Index(fields=["-priority", "created", "id"], name="comment_priority_idx"),
            # Needs review, Flagged and Reported: partial indexes over their few rows.
            *(
                index
                for key, condition in (
                    ("review", Q(needs_review=True)),
                    ("flagged", Q(flagged=True)),
                    ("reported", Q(reported=True)),
                )
                for index in (
                    models.Index(fields=["created", "id"], condition=condition,
                                 name=f"comment_{key}_created_idx"),
                    models.Index(fields=["-priority", "created", "id"], condition=condition,
                                 name=f"comment_{key}_priority_idx"),
                )
            ),
            # One story's queue, oldest or newest first, in any tab (the article filter):
            # an article's comments are written within days of each other, so walking
            # comment_created_idx for them passed over the rest of the table (0.9 s at
            # 10^6 for a breaking story, oldest first). By priority it is sorted instead
            # (moderation/queues.py listing()).
            models.Index(fields=["article", "created", "id"],
                         name="comment_article_created_idx"),
            # The Hidden tab and the reason filter: why it is hidden.
            models.Index(fields=["hidden_reason", "created"], condition=Q(status="hidden"),
                         name="comment_hidden_reason_idx"),
            # A commenter's comments newest first (their page, the queue's commenter filter).
            models.Index(fields=["commenter", "-created"], name="comment_commenter_idx"),
            # The workers' sweep: comments not scored yet, oldest first (few, normally).
            models.Index(fields=["created"], condition=Q(triaged_at__isnull=True),
                         name="comment_unscored_idx"),
            # The reader page's Featured section: an article's featured comments, newest
            # featured first (a handful of rows).
            models.Index(fields=["article", "-featured_at"],
                         condition=Q(featured_at__isnull=False), name="comment_featured_idx"),
            # The reader page's top-level comments, oldest or newest first, or featured
            # first (moderation/threads.py): a page of them is the first rows of one index.
            models.Index(fields=["article", "path"], condition=Q(depth=0),
                         name="comment_toplevel_idx"),
            NullsLastIndex(F("article"), F("featured_at").desc(nulls_last=True), F("path"),
                           condition=Q(depth=0), name="comment_toplevel_featured_idx"),
            # A comment's replies, and a signed-in reader's comments (and the checks that
            # protect a parent or an account from deletion).
            models.Index(fields=["parent"], condition=Q(parent__isnull=False),
                         name="comment_parent_idx"),
            models.Index(fields=["user"], condition=Q(user__isnull=False),
                         name="comment_user_idx"),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.body[:60]}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.path:
            with transaction.atomic(using=kwargs.get("using")):
                self.seq = reserve_sequence(self.article_id, 1)
                self._place(self.parent, settings.COMMENTS_MAX_DEPTH)
                super().save(*args, **kwargs)
                counts.add(counts.moved(self.article_id, frozenset(), self.queues),
                           using=self._state.db)
        else:
            super().save(*args, **kwargs)
            # An edit (in the admin) changes what readers see: the article's cached reader
            # page is stale once it commits. The services' own saves name their fields.
            fields = kwargs.get("update_fields")
            if fields is None or READER_FIELDS.intersection(fields):
                freshness.bump_on_commit(self.article_id, using=self._state.db)

    def get_absolute_url(self):
        """The comment on the reader's page, with its ancestors (its permalink)."""
        return f"{self.article.get_absolute_url()}?comment={self.pk}#c{self.pk}"

    def _place(self, parent: Comment | None, max_depth: int) -> None:
        spot = place(self.article_id, self.seq, parent and parent.spot, max_depth)
        self.path, self.depth = spot.path, spot.depth

    @property
    def queues(self) -> frozenset[str]:
        """The queues this comment is in, by its loaded facts (see counts.queues_of())."""
        return counts.queues_of(self.status, flagged=self.flagged, reported=self.reported)

    @property
    def spot(self) -> Spot:
        return Spot(self.article_id, self.path, self.depth)

    @staticmethod
    def hidden_reason_for(status: str, reason: str) -> str:
        """The hidden_reason a comment moved to `status` for `reason` keeps: the reason
        while it is hidden, nothing otherwise."""
        return reason if status == Comment.Status.HIDDEN else ""

    @property
    def is_visible(self) -> bool:
        """Whether every reader may see this comment: Is.visible() for one loaded row."""
        return self.status == Comment.Status.APPROVED

    @property
    def ancestor_paths(self) -> list[str]:
        """The paths of this comment's ancestors, the top-level one first."""
        return [self.path[: SEGMENT_WIDTH * n] for n in range(1, self.depth + 1)]


