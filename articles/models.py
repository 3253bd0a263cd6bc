from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


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

    def get_absolute_url(self):
        return reverse("article_detail", kwargs={"slug": self.slug})

    @property
    def accepts_comments(self) -> bool:
        return self.comment_policy != self.Policy.CLOSED

    def paragraphs(self) -> list[str]:
        return [line for line in self.body.splitlines() if line.strip()]
