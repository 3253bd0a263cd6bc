"""Saved queues: save the queue page's filters and sort under a name, list, rename,
delete, and their live counts (see moderation/saved.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from .. import services
from ..models import SavedQueue
from ..saved import count_saved, shown_beside_tabs
from ..saved_forms import RenameQueueForm, SaveQueueForm
from ._common import moderator_required, safe_next


def _refused(request, message: str, status: int = 400):
    return render(request, "moderation/error.html",
                  {"message": message, "back": safe_next(request)}, status=status)


def _first_error(form) -> str:
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        if name in ("name", "__all__") or field is None:
            return errors[0]
        return f"{name}: {errors[0]} Reload the queue and save it again."
    return "The request was not understood."


def _visible(request, pk: int) -> SavedQueue:
    """The saved queue `pk` if this moderator sees it (their own or shared), else 404."""
    return get_object_or_404(SavedQueue.objects.visible_to(request.user), pk=pk)


@moderator_required
@require_safe
def saved_queues(request):
    saved = list(SavedQueue.objects.visible_to(request.user).select_related(
        "article", "commenter", "owner"))
    for queue in saved:
        queue.renamable = queue.may_rename(request.user)
        queue.deletable = queue.may_delete(request.user)
    return render(request, "moderation/saved_queues.html",
                  {"saved": saved, "next": request.get_full_path()})


@moderator_required
@require_safe
def saved_counts(request):
    saved = shown_beside_tabs(request.user)
    counts = count_saved(saved)
    return render(request, "moderation/includes/saved_counts.html",
                  {"counted": [(queue, counts[queue.pk]) for queue in saved]})


@moderator_required
@require_POST
def save_queue(request):
    form = SaveQueueForm(request.POST)
    if not form.is_valid():
        return _refused(request, _first_error(form))
    try:
        saved = services.save_queue(owner=request.user, name=form.cleaned_data["name"],
                                    filters=form.filters(),
                                    shared=form.cleaned_data["shared"])
    except services.ModerationError as error:
        return _refused(request, str(error))
    shared = " and shared it with the team" if saved.shared else ""
    messages.success(request, f"Saved the queue “{saved.name}”{shared}.")
    return redirect(saved.get_absolute_url())


@moderator_required
@require_POST
def rename_queue(request, pk):
    saved = _visible(request, pk)
    form = RenameQueueForm(request.POST)
    if not form.is_valid():
        return _refused(request, _first_error(form))
    try:
        renamed = services.rename_saved_queue(saved=saved, actor=request.user,
                                              name=form.cleaned_data["name"])
    except PermissionDenied:
        return _refused(request, "Only its owner may rename this queue.", status=403)
    except services.ModerationError as error:
        return _refused(request, str(error))
    if renamed is not None:
        messages.success(request, f"Renamed “{saved.name}” to “{renamed.name}”.")
    else:
        messages.info(request, f"“{saved.name}” already has that name; nothing changed.")
    return redirect(safe_next(request, reverse("moderation:saved_queues")))


@moderator_required
@require_POST
def delete_queue(request, pk):
    saved = _visible(request, pk)
    try:
        deleted = services.delete_saved_queue(saved=saved, actor=request.user)
    except PermissionDenied:
        return _refused(request, "Only its owner may delete this queue.", status=403)
    if deleted is not None:
        messages.success(request, f"Deleted the saved queue “{deleted.name}”.")
    return redirect(safe_next(request, reverse("moderation:saved_queues")))
