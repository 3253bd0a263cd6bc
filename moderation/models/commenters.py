"""Commenters: the people behind comments, their standing and record, and what was done
to them (CommenterEvent, their audit trail).

A Commenter ties together an account's comments (by `user`), a guest's comments with the
same email (`email_key`, the address normalised) and an import's comments by the export's
author id (`external_key`). Its counters are kept by the moderation services in the same
transaction as each change they count (moderation/services/commenters.py), so a queue card
shows a person's record through one join, never a count over their comments.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .audit import ActedBy, ModerationEvent
from .comments import TRIGRAM_MIN_LENGTH


def normalise_email(email: str) -> str:
    """The key one person's email is known by: "Rita@Example.org " and "rita@example.org"
    are the same reader."""
    return (email or "").strip().lower()


class CommenterQuerySet(models.QuerySet):
    def troublesome_first(self):
        """Commenters with the most recent hide or report first, then the most recently
        active (commenter_trouble_idx on PostgreSQL)."""
        return self.order_by(models.F("trouble_at").desc(nulls_last=True), "-last_seen", "-pk")

    def search(self, text: str):
        """Commenters whose name contains `text`, or whose email does (moderators only);
        text shorter than TRIGRAM_MIN_LENGTH is the whole name or email.

        On PostgreSQL both are served by trigram indexes (migration 0007)."""
        text = text.strip()
        if not text:
            return self
        if len(text) < TRIGRAM_MIN_LENGTH:
            return self.filter(Q(display_name__iexact=text)
                               | Q(email_key=normalise_email(text)))
        return self.filter(
            Q(display_name__icontains=text) | Q(email_key__contains=normalise_email(text))
        )


class Commenter(models.Model):
    class Trust(models.TextChoices):
        NONE = "", "Not trusted"
        MANUAL = "manual", "Trusted by a moderator"
        AUTOMATIC = "automatic", "Trusted automatically"

    display_name = models.CharField(max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="commenter",
    )
    # Never shown to readers. Unique when set: one person per address.
    email_key = models.CharField(max_length=254, blank=True)
    # An import's author id ("disqus:jdoe", "wxr:example.org:12"), for authors without email.
    external_key = models.CharField(max_length=255, blank=True)

    # Standing. A ban lasts until undone; a suspension lifts itself at `suspended_until`.
    banned_at = models.DateTimeField(null=True, blank=True)
    ban_reason = models.TextField(blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    # Their comments always wait for a moderator, even on post-moderated articles.
    premoderated = models.BooleanField(default=False)
    # Their comments publish on pre-moderated articles when triage raises nothing.
    trust = models.CharField(max_length=10, choices=Trust.choices, blank=True, default="")

    # The record, kept by the services (see the module docstring).
    approved_count = models.PositiveIntegerField(default=0)
    pending_count = models.PositiveIntegerField(default=0)
    hidden_count = models.PositiveIntegerField(default=0)
    # Readers' reports on their comments, ever filed.
    reported_count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    # When one of their comments was last hidden or reported: the Commenters list's order.
    trouble_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommenterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email_key"], condition=~Q(email_key=""),
                                    name="commenter_email_unique"),
            models.UniqueConstraint(fields=["external_key"], condition=~Q(external_key=""),
                                    name="commenter_external_unique"),
        ]
        # commenter_trouble_idx (trouble_at DESC NULLS LAST, last_seen DESC) serves
        # troublesome_first() on PostgreSQL; SQLite cannot index NULLS LAST, so it is made
        # in migration 0007, PostgreSQL only.
        indexes = [
            # The few with a standing, for the admin's filters by it: without them each
            # filter read every commenter (94-152 ms for the trusted at 250,000 people).
            models.Index(fields=["trust", "id"], condition=~Q(trust=""),
                         name="commenter_trust_idx"),
            models.Index(fields=["id"], condition=Q(premoderated=True),
                         name="commenter_premoderated_idx"),
            models.Index(fields=["id"], condition=Q(banned_at__isnull=False),
                         name="commenter_banned_idx"),
        ]

    def __str__(self):
        return self.display_name or f"Commenter #{self.pk}"

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None

    def is_suspended(self, at=None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (at or timezone.now())

    @property
    def suspended_now(self) -> bool:
        return self.is_suspended()

    @property
    def is_trusted(self) -> bool:
        return bool(self.trust)

    @property
    def total_count(self) -> int:
        return self.approved_count + self.pending_count + self.hidden_count

    @property
    def standing_key(self) -> str:
        """The person's standing as a moderator's form carries it: an action taken from a
        page older than someone else's change to it is refused (services.people)."""
        until = self.suspended_until.isoformat() if self.suspended_until else ""
        return f"{int(self.is_banned)}|{until}|{int(self.premoderated)}|{self.trust}"

    @property
    def hideable_count(self) -> int:
        """What a ban's "hide all" would hide, by the record's counters: the published and
        pending comments (services.people.comments_to_hide() lists them)."""
        return self.approved_count + self.pending_count


class CommenterEvent(ActedBy, models.Model):
    """One audit row per action on a person, written in the action's transaction.

    Kept apart from ModerationEvent, whose rows each belong to one comment and record its
    status before and after: an action on a person changes their standing instead, stored
    here as the fields it changed (`before` and `after`), which is what undo restores.
    """

    class Action(models.TextChoices):
        BANNED = "banned", "Banned"
        SUSPENDED = "suspended", "Suspended"
        PREMODERATED = "premoderated", "Pre-moderated"
        TRUSTED = "trusted", "Trusted"
        NOTED = "noted", "Note"
        UNDONE = "undone", "Undone"

    commenter = models.ForeignKey(Commenter, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="commenter_events",
    )
    # Who acted when there is no user: "automatic".
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=12, choices=Action.choices)
    reason = models.TextField(blank=True)
    # The standing fields the action changed, as they were and as it left them; a ban with
    # "hide all" also records in `after` what it hides (services/people.py HIDE_ALL).
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    undoes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )
    # A ban with "hide all": the hides it made, undone with it.
    hides = models.ManyToManyField(ModerationEvent, blank=True, related_name="+")

    # The actions undo can take back.
    UNDOABLE = (Action.BANNED, Action.SUSPENDED, Action.PREMODERATED, Action.TRUSTED,
                Action.NOTED)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["commenter", "-created_at"],
                                name="commenter_event_idx")]

    def __str__(self):
        return f"{self.get_action_display()} {self.commenter_id} by {self.actor_name}"

    @property
    def suspension_end(self):
        """When the suspension this action set ends (None if it set none)."""
        value = self.after.get("suspended_until")
        return parse_datetime(value) if value else None
