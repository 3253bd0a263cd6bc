from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
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


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """Return the comments a reader may see."""
        return self.filter(status=Comment.Status.APPROVED)

    def in_thread_order(self):
        return self.order_by("path")

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
            for article_id, group in by_article.items():
                seq = reserve_sequence(article_id, len(group))
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
        indexes = [
            # The reader's thread: approved comments of one article in path order.
            models.Index(fields=["article", "status", "path"], name="comment_thread_idx"),
            # Moderation queues: by status, oldest or newest first.
            models.Index(fields=["status", "created"], name="comment_queue_idx"),
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
    def ancestor_paths(self) -> list[str]:
        """The paths of this comment's ancestors, the top-level one first."""
        return [self.path[: SEGMENT_WIDTH * n] for n in range(1, self.depth + 1)]
