"""Saved queues: a moderator's named filters and sort of the queue page.

A saved queue is one tab of /moderation/ under the queue's filters (article, reason,
author, text, commenter) in one sort order, kept under a name by its owner, for them
alone or shared with every moderator ("Politics desk, priority"). It stores the filters,
never the comments: its count is the queue's own count of those filters
(moderation.queues.tab_counts()), worked out when it is shown.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .commenters import Commenter
from .comments import Reason
from .counts import QUEUE_KEYS

# The Django permissions that let a user rename or delete a shared queue they do not own
# (superusers hold every permission).
RENAME_ANY = "moderation.change_savedqueue"
DELETE_ANY = "moderation.delete_savedqueue"


class SavedQueueQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the saved queues `user` sees: their own and every shared one, their own
        first, then by name (savedqueue_owner_name_unique and savedqueue_shared_idx)."""
        if not user.is_authenticated:
            return self.none()
        mine = Q(owner=user)
        return self.filter(mine | Q(shared=True)).order_by(
            models.Case(models.When(mine, then=0), default=1), Lower("name"), "pk"
        )


class SavedQueue(models.Model):
    name = models.CharField(max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="saved_queues", db_index=False)
    shared = models.BooleanField(default=False, help_text="Every moderator sees it.")
    # The queue page's parameters (moderation.forms.QueueFilterForm). An article or
    # commenter that is deleted takes the queue with it rather than widening it silently.
    tab = models.CharField(max_length=20, choices=[(key, key) for key in QUEUE_KEYS])
    sort = models.CharField(max_length=20)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    reason = models.CharField(max_length=20, blank=True, choices=Reason.choices)
    author = models.CharField(max_length=100, blank=True)
    text = models.CharField(max_length=200, blank=True)
    commenter = models.ForeignKey(Commenter, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SavedQueueQuerySet.as_manager()

    class Meta:
        constraints = [
            # One owner's names differ ignoring case; the index also finds their queues.
            models.UniqueConstraint("owner", Lower("name"), name="savedqueue_owner_name_unique"),
        ]
        indexes = [
            models.Index(fields=["owner"], name="savedqueue_shared_idx",
                         condition=Q(shared=True)),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('moderation:queue')}?{urlencode(self.params())}"

    def filters(self) -> dict:
        """The filter_comments() / tab_counts() arguments of this queue (ids for objects)."""
        return {"article": self.article_id, "reason": self.reason, "author": self.author,
                "text": self.text, "commenter": self.commenter_id}

    def params(self) -> dict[str, str]:
        """The queue page's query parameters that show this queue."""
        values = {"tab": self.tab, "article": self.article_id or "", "reason": self.reason,
                  "author": self.author, "q": self.text, "commenter": self.commenter_id or "",
                  "sort": self.sort}
        return {key: str(value) for key, value in values.items() if value}

    def may_rename(self, user) -> bool:
        """Its owner may rename it; a shared one, also whoever may change any."""
        return user.pk == self.owner_id or (self.shared and user.has_perm(RENAME_ANY))

    def may_delete(self, user) -> bool:
        """Its owner may delete it; a shared one, also whoever may delete any."""
        return user.pk == self.owner_id or (self.shared and user.has_perm(DELETE_ANY))
