"""The word lists the triage rules match comments against, edited in the admin."""

from __future__ import annotations

import unicodedata

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


def fold(text: str) -> str:
    """`text` as word lists compare it: one form for each accented letter (NFC), case
    folded ("Straße" is "strasse"), and the dot above an i dropped: a capital İ lowers
    to "i" and a combining dot, which matched neither "İstanbul" nor "Istanbul"."""
    return unicodedata.normalize("NFC", text).casefold().replace("i\u0307", "i")


def normalise_word(text: str) -> str:
    """A word-list entry folded (fold()) with its inner spaces collapsed."""
    return " ".join(fold(text).split())


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
