"""Saved queues: save the queue page's filters and sort under a name, rename, delete.

Keyword-only functions, each in one transaction, returning None when there is nothing to
change, like the decisions on comments. They change no comment, so they write no
ModerationEvent (whose rows each belong to a comment); who may rename or delete which
queue is SavedQueue.may_rename() / may_delete(), asked here, so a view cannot skip it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from moderation.models import SavedQueue

from .decisions import ModerationError

# How many queues one moderator may keep (the tab strip lists them all).
MAX_PER_OWNER = 20

FILTER_FIELDS = ("tab", "sort", "article", "reason", "author", "text", "commenter")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ModerationError("Give the queue a name.")
    if len(name) > SavedQueue._meta.get_field("name").max_length:
        raise ModerationError("Keep the name under 80 characters.")
    return name


def _taken(owner_id: int, name: str, *, besides: int | None = None) -> bool:
    same = SavedQueue.objects.filter(owner_id=owner_id).annotate(lower=Lower("name")).filter(
        lower=name.lower())
    if besides is not None:
        same = same.exclude(pk=besides)
    return same.exists()


def save_queue(*, owner, name: str, filters: dict, shared: bool = False) -> SavedQueue:
    """Save `filters` (tab, sort, article, reason, author, text, commenter, as the queue
    page's form cleaned them) under `name`, for `owner` alone or shared with the team."""
    name = _clean_name(name)
    unknown = set(filters) - set(FILTER_FIELDS)
    if unknown or not filters.get("tab") or not filters.get("sort"):
        raise ModerationError("The queue's filters are not understood; reload the page.")
    with transaction.atomic():
        # The owner's row serialises their saves, so the limit holds under races.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        if SavedQueue.objects.filter(owner=owner).count() >= MAX_PER_OWNER:
            raise ModerationError(f"You have {MAX_PER_OWNER} saved queues already; "
                                  "delete one first.")
        if _taken(owner.pk, name):
            raise ModerationError(f"You already have a queue named “{name}”.")
        objects = ("article", "commenter")
        values = {key: filters.get(key) or (None if key in objects else "")
                  for key in FILTER_FIELDS}
        try:
            with transaction.atomic():
                return SavedQueue.objects.create(owner=owner, name=name, shared=bool(shared),
                                                 **values)
        except IntegrityError as error:  # the same name, saved at the same moment
            raise ModerationError(f"You already have a queue named “{name}”.") from error


def rename_saved_queue(*, saved: SavedQueue, actor, name: str) -> SavedQueue | None:
    """Rename `saved`; None if it already has that name."""
    name = _clean_name(name)
    with transaction.atomic():
        current = SavedQueue.objects.select_for_update().get(pk=saved.pk)
        if not current.may_rename(actor):
            raise PermissionDenied("Only its owner may rename this queue.")
        if current.name == name:
            return None
        if _taken(current.owner_id, name, besides=current.pk):
            raise ModerationError(f"There is already a queue named “{name}”.")
        current.name = name
        current.updated_at = timezone.now()
        current.save(update_fields=["name", "updated_at"])
        return current


def delete_saved_queue(*, saved: SavedQueue, actor) -> SavedQueue | None:
    """Delete `saved`; None if it is gone already."""
    with transaction.atomic():
        current = SavedQueue.objects.select_for_update().filter(pk=saved.pk).first()
        if current is None:
            return None
        if not current.may_delete(actor):
            raise PermissionDenied("Only its owner may delete this queue.")
        current.delete()
        return current
