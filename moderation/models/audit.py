"""The audit trail (one ModerationEvent per change) and the flags that ask for a look."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone

from .comments import MODERATE, Comment, Reason


class ActedBy:
    """An audit row's `actor` (a user) or, when there is none, its `actor_label`."""

    @property
    def actor_name(self) -> str:
        if self.actor_id:
            return self.actor.get_username()
        return self.actor_label or "system"


class ModerationEventManager(models.Manager):
    def actors(self):
        """The moderators who wrote an audit row, by user name, for the filters that offer
        "who acted" (a reader's own "posted" row names them too; they are not offered).
        The ids are read by skipping along event_actor_idx, one probe per person, so that
        neither the audit rows nor the users (every reader with an account) are read
        through: with 100,000 accounts the admin's stock filter, which lists every user,
        took 1.8 s."""
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE actor(id) AS ("  # noqa: S608 - the table's own name
                f"SELECT MIN(actor_id) FROM {table} WHERE actor_id IS NOT NULL "
                f"UNION ALL SELECT (SELECT MIN(actor_id) FROM {table} "
                f"WHERE actor_id > actor.id) FROM actor WHERE actor.id IS NOT NULL) "
                f"SELECT id FROM actor WHERE id IS NOT NULL")
            ids = [pk for (pk,) in cursor.fetchall()]
        # Permissions are the model backend's (axes and allauth only log people in).
        moderators = get_user_model().objects.with_perm(
            MODERATE, is_active=None, backend="django.contrib.auth.backends.ModelBackend")
        return moderators.filter(pk__in=ids).order_by("username")


class ModerationEvent(ActedBy, models.Model):
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
        # A reader's comment that waited for its triage scores was published by them.
        PUBLISHED = "published", "Published after scoring"
        # A moderator picked an approved comment for the reader page's Featured section,
        # or took it out again.
        FEATURED = "featured", "Featured"
        UNFEATURED = "unfeatured", "Unfeatured"
        # Rescored, the triage no longer found what one of its own flags said.
        WITHDRAWN = "withdrawn", "Flag withdrawn"

    # The actions a moderator can take back with undo.
    DECISIONS = (Action.APPROVED, Action.HIDDEN, Action.FLAGGED, Action.FEATURED,
                 Action.UNFEATURED)

    # event_comment_idx starts with the comment; the actor's index is partial, since
    # imports and the triage write most rows and have none.
    comment = models.ForeignKey(Comment, on_delete=models.PROTECT, related_name="events",
                                db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_events",
        db_index=False,
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
    # When the comment had been featured, if this change took that away (an unfeature, or
    # a hide or hold that unfeatured it): undoing the change features it again as before.
    featured_before = models.DateTimeField(null=True, blank=True)

    objects = ModerationEventManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["comment", "-created_at"], name="event_comment_idx"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False),
                         name="event_actor_idx"),
            # The log filtered by action, newest first: without it a rare action was
            # looked for through every audit row.
            models.Index(fields=["action", "-created_at", "-id"], name="event_action_idx"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} #{self.comment_id} by {self.actor_name}"

    @property
    def is_moderators_decision(self) -> bool:
        """Can undo take this back? Only a moderator's decision: an automatic flag or hold
        is dismissed by keeping or approving the comment, not undone."""
        return self.action in self.DECISIONS and self.actor_id is not None


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
    # For reader reports: who reported, as the account's id or a keyed hash of the
    # address (articles.views.reporter_key), so one reader reports a comment once.
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

    @property
    def withdrawn(self) -> bool:
        """Resolved by the triage itself, rescored (needs `resolved_event` loaded)."""
        return (self.resolved_event is not None
                and self.resolved_event.action == ModerationEvent.Action.WITHDRAWN)
