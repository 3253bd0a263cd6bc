from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, When
from django.utils import timezone

from articles.models import Article

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


def can_copy(using: str) -> bool:
    """Whether rows can be bulk-loaded with COPY (PostgreSQL through psycopg 3)."""
    if connections[using].vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def copy_rows(model, rows: Iterable[Iterable], *, fields=None, using: str = "default") -> None:
    """Insert `rows` into `model`'s table with PostgreSQL's COPY, the fastest way in.

    Each row holds a value for each of `fields` (default: every concrete field, primary
    key first, in `model._meta.concrete_fields` order), ready for the database: str, int,
    float, aware datetime or None; JSON fields take any JSON-serialisable value. Nothing
    is validated or defaulted here, so callers pass what a model instance's attributes
    hold; columns left out take their database defaults (the primary key its next id).
    """
    connection = connections[using]
    fields = fields or model._meta.concrete_fields
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        dumped: dict[int, tuple[object, str]] = {}  # id → (value, JSON): defaults repeat
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    value = row[i]
                    known = dumped.get(id(value))
                    if known is None or known[0] is not value:
                        known = dumped[id(value)] = (value, json.dumps(value))
                    row[i] = known[1]
            copy.write_row(row)


def allocate_ids(model, count: int, *, using: str = "default") -> Sequence[int]:
    """Take `count` primary keys from the PostgreSQL sequence of `model`'s table."""
    connection = connections[using]
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        # Looked up once: as an argument of nextval() it would be looked up for every id.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                       [connection.ops.quote_name(table), column])
        [sequence] = cursor.fetchone()
        # Usually nobody else takes ids meanwhile and they come as one run: then only its
        # ends travel back, not a hundred thousand rows.
        cursor.execute(
            "WITH ids AS MATERIALIZED ("
            " SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s))"
            " SELECT min(id), max(id),"
            " CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL ELSE array_agg(id) END"
            " FROM ids",
            [sequence, count],
        )
        first, last, scattered = cursor.fetchone()
    if count == 0:
        return []
    return scattered if scattered is not None else range(first, last + 1)


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """Return the comments a reader may see."""
        return self.filter(status=Comment.Status.APPROVED)

    def in_thread_order(self):
        return self.order_by("path")

    def with_open_flags(self, *sources: str):
        """Comments with an unresolved flag (from any of `sources`, or any source)."""
        flags = Flag.objects.open().filter(comment=OuterRef("pk"))
        if sources:
            flags = flags.filter(source__in=sources)
        return self.filter(Exists(flags))

    def needs_review(self):
        """Comments a moderator has yet to decide on: pending, or flagged and unresolved."""
        open_flags = Flag.objects.open().filter(comment=OuterRef("pk"))
        return self.filter(Q(status=Comment.Status.PENDING) | Exists(open_flags))

    def bulk_create_threaded(self, comments: Iterable[Comment], batch_size: int = 2000):
        """Insert many comments at once, placing each in its thread as save() would.

        A comment's parent must be saved already or come earlier in `comments`; the
        comments of one call may belong to several articles. Siblings are numbered
        oldest first (by `created`). Returns the saved comments.
        """
        comments = list(comments)
        max_depth = settings.COMMENTS_MAX_DEPTH
        by_article: dict[int, list[Comment]] = {}
        for comment in sorted(comments, key=lambda c: c.created):
            by_article.setdefault(comment.article_id, []).append(comment)
        with transaction.atomic(using=self.db):
            firsts = reserve_sequences({a: len(g) for a, g in by_article.items()}, self.db)
            for article_id, group in by_article.items():
                seq = firsts[article_id]
                for comment in group:
                    comment.seq = seq
                    seq += 1
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
        return comments


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        HIDDEN = "hidden", "Hidden"

    class Format(models.TextChoices):
        TEXT = "text", "Plain text"
        HTML = "html", "HTML"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_name = models.CharField(max_length=100)
    author_email = models.EmailField(blank=True, help_text="Never shown publicly.")
    body = models.TextField()
    body_format = models.CharField(max_length=4, choices=Format.choices, default=Format.TEXT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(default=timezone.now)
    # Where an imported comment came from, unique within its article; empty otherwise.
    import_key = models.CharField(max_length=255, blank=True)
    seq = models.PositiveIntegerField(editable=False)
    path = models.CharField(max_length=255, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    # Automated triage (moderation/triage): each signal's score and why, the highest
    # weighted score as `priority` (the queue's "Priority" sort), and when it was scored
    # (null: never, which `manage.py triage_comments` picks up).
    triage = models.JSONField(default=dict, blank=True, editable=False)
    priority = models.FloatField(default=0.0, editable=False)
    triaged_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

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
            # Moderation queues: by status, oldest or newest first.
            models.Index(fields=["status", "created"], name="comment_queue_idx"),
            # The queue's "Priority" sort: worst first, oldest first among equals, read
            # in index order so a page of a long queue stops early.
            models.Index(fields=["-priority", "created"], name="comment_priority_idx"),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.body[:60]}"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.path:
            with transaction.atomic(using=kwargs.get("using")):
                self.seq = reserve_sequence(self.article_id, 1)
                self._place(self.parent, settings.COMMENTS_MAX_DEPTH)
                super().save(*args, **kwargs)
        else:
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#c{self.pk}"

    def _place(self, parent: Comment | None, max_depth: int) -> None:
        if parent is None:
            self.path, self.depth = path_segment(self.seq), 0
            return
        if parent.article_id != self.article_id:
            raise ValidationError("A reply must belong to the same article as its parent.")
        if parent.depth + 1 >= max_depth:
            raise ValidationError(f"Replies may nest at most {max_depth} levels deep.")
        self.path = parent.path + path_segment(self.seq)
        self.depth = parent.depth + 1

    @property
    def triage_signals(self):
        """The triage scores as a moderator reads them (see moderation/triage/display.py)."""
        from .triage.display import signals

        return signals(self.triage)

    @property
    def ancestor_paths(self) -> list[str]:
        """The paths of this comment's ancestors, the top-level one first."""
        return [self.path[: SEGMENT_WIDTH * n] for n in range(1, self.depth + 1)]


class Reason(models.TextChoices):
    OFF_TOPIC = "off_topic", "Off-topic"
    ABUSIVE = "abusive", "Abusive"
    SPAM = "spam", "Spam"
    PERSONAL_ATTACK = "personal_attack", "Personal attack"
    OTHER = "other", "Other"


class ModerationEvent(models.Model):
    """One audit row per change to a comment, written in the change's transaction."""

    class Action(models.TextChoices):
        POSTED = "posted", "Posted"
        IMPORTED = "imported", "Imported"
        APPROVED = "approved", "Approved"
        HIDDEN = "hidden", "Hidden"
        FLAGGED = "flagged", "Flagged"
        REPORTED = "reported", "Reported"
        UNDONE = "undone", "Undone"
        # The triage rules took a published comment back to pending for a moderator.
        HELD = "held", "Held for review"

    # The actions a moderator can take back with undo.
    DECISIONS = (Action.APPROVED, Action.HIDDEN, Action.FLAGGED)

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_events",
    )
    # Who acted when there is no user: "import: wxr", "reader", "automatic".
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    status_before = models.CharField(max_length=10, choices=Comment.Status.choices, blank=True)
    status_after = models.CharField(max_length=10, choices=Comment.Status.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    undoes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["comment", "-created_at"], name="event_comment_idx")]

    def __str__(self):
        return f"{self.get_action_display()} #{self.comment_id} by {self.actor_name}"

    @property
    def actor_name(self) -> str:
        if self.actor_id:
            return self.actor.get_username()
        return self.actor_label or "system"


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class Flag(models.Model):
    """A reason to look at a comment, raised by a moderator, a reader or the triage rules."""

    class Source(models.TextChoices):
        MODERATOR = "moderator", "Moderator"
        READER = "reader", "Reader"
        AUTOMATIC = "automatic", "Automatic"

    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="flags")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags_raised",
    )
    # For reader reports: who reported, as a user id or a hash of the session, so one
    # reader reports a comment once.
    reporter_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    event = models.ForeignKey(
        ModerationEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags_resolved",
    )
    resolved_event = models.ForeignKey(
        ModerationEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_flags",
    )

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_key"],
                condition=~Q(reporter_key=""),
                name="one_report_per_reader",
            )
        ]
        indexes = [
            # Open flags drive the Flagged and Reported queues.
            models.Index(
                fields=["comment", "source"],
                condition=Q(resolved_at__isnull=True),
                name="flag_open_idx",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} ({self.get_source_display()}) on #{self.comment_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class WordList(models.Model):
    """Words or phrases that make the triage rules flag a comment, edited in the admin.

    Matching ignores case and respects word boundaries ("ass" does not match "class"); a
    trailing * matches any ending ("spam*" matches "spammer").
    """

    class Kind(models.TextChoices):
        BANNED = "banned", "Banned: hold on post-moderated articles, and flag"
        SUSPECT = "suspect", "Suspect: flag for review"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SUSPECT)
    reason = models.CharField(
        max_length=20, choices=Reason.choices, default=Reason.ABUSIVE,
        help_text="The reason on the flag a match raises.",
    )
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


def normalise_word(text: str) -> str:
    """Lower-case a word-list entry and collapse its inner spaces."""
    return " ".join(text.split()).lower()


class Word(models.Model):
    word_list = models.ForeignKey(WordList, on_delete=models.CASCADE, related_name="words")
    text = models.CharField(
        max_length=100,
        help_text="A word or phrase; case is ignored; end it with * to match any ending.",
    )

    class Meta:
        ordering = ["text"]
        constraints = [
            models.UniqueConstraint(fields=["word_list", "text"], name="word_unique_in_list")
        ]

    def __str__(self):
        return self.text

    def save(self, *args, **kwargs):
        self.text = normalise_word(self.text)
        super().save(*args, **kwargs)

    def clean(self):
        self.text = normalise_word(self.text)
        core = self.text.rstrip("*")
        if not any(ch.isalnum() for ch in core):
            raise ValidationError({"text": "Enter a word with at least one letter or digit."})
        if "*" in core:
            raise ValidationError({"text": "A * may only end the word."})
