"""The word lists the triage rules match comments against, edited in the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .comments import Reason


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
