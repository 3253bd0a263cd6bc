"""The newsroom's own triage model, learned from its moderators' decisions."""

from __future__ import annotations

from django.db import models


class LearnedModel(models.Model):
    """A linear model of what this newsroom's moderators approve and hide (and why),
    retrained by a task (moderation.tasks.train_learned_model) as decisions come in.

    One row per newsroom, by name; this installation is one newsroom ("newsroom").
    `weights` is a NumPy .npz archive (coefficients, intercepts, classes, step count) that
    moderation/triage/learning.py writes and reads; no pickle.
    """

    name = models.CharField(max_length=50, unique=True)
    weights = models.BinaryField()
    # Decisions learned from so far, and the last audit row read (the next run starts after).
    labels = models.PositiveIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)  # labels per class
    trained_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}: {self.labels} decisions"
