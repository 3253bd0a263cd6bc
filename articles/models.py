from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import freshness


class Article(models.Model):
    class Policy(models.TextChoices):
        PRE_MODERATED = "pre", "Pre-moderated: comments wait for a moderator"
        POST_MODERATED = "post", "Post-moderated: comments appear at once"
        CLOSED = "closed", "Closed: no new comments"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    outlet = models.CharField("outlet", max_length=200, blank=True, help_text="Source name")
    byline = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    body = models.TextField(help_text="Plain text; each line is a paragraph.")
    editors_note = models.TextField("editor's note", blank=True)
    editors_note_author = models.CharField("editor's note by", max_length=100, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    comment_policy = models.CharField(
        max_length=10, choices=Policy.choices, default=Policy.PRE_MODERATED
    )
    # Where an imported article came from; empty for articles written here.
    import_source = models.CharField(max_length=100, blank=True)
    import_id = models.CharField(max_length=255, blank=True)
    # The last sequence number handed to a comment of this article; comment paths are built
    # from it so that one ordered index scan returns a thread in display order.
    comment_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["import_source", "import_id"],
                condition=~Q(import_source=""),
                name="article_import_key_unique",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Readers see the article on its page: the cached page is stale once this commits.
        freshness.article_changed(self, using=kwargs.get("using") or self._state.db)

    def get_absolute_url(self):
        return reverse("article_detail", kwargs={"slug": self.slug})

    @property
    def accepts_comments(self) -> bool:
        return self.comment_policy != self.Policy.CLOSED

    def paragraphs(self) -> list[str]:
        return [line for line in self.body.splitlines() if line.strip()]


def _forget_deleted_article(sender, instance, using, **kwargs):
    # A deleted article's cached page must not be served any more (the admin deletes
    # through querysets too, which do not call delete() but send this signal).
    freshness.article_changed(instance, using=using, deleted=True)


models.signals.post_delete.connect(_forget_deleted_article, sender=Article,
                                   dispatch_uid="articles.forget_deleted_article")


class ImportJob(models.Model):
    """An uploaded export file from the admin's preview to the end of its import.

    The file itself is kept in the database (ImportChunk), where the worker that imports
    it can read it from any machine; the upload's random token names the job, so that
    confirming twice starts one import. articles/importers/uploads.py stores and reads
    them, articles/tasks.py imports them.
    """

    class State(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="+")
    name = models.CharField(max_length=200)
    format = models.CharField(max_length=10)
    repair_cycles = models.BooleanField(default=False)
    size = models.PositiveBigIntegerField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEWED)
    # Summary.to_dict() of the preview, and of the import once it is done.
    preview = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="importjob_state_idx")]

    def __str__(self):
        return f"{self.name} ({self.get_state_display().lower()})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class ImportChunk(models.Model):
    """One piece of an ImportJob's file, in order (a row per megabyte or so)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "index"],
                                               name="importchunk_order_unique")]

    def __str__(self):
        return f"{self.job_id}#{self.index}"
