"""POST-only actions on comments. Each validates its form, calls one service, and answers
either with the updated card (htmx) or with a redirect back to the page it came from.

Every failure (stale form, bad input, unknown comment) leaves the comment as it was and
tells the moderator why; none of them is a server error.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import reswap

from .. import services
from ..forms import (
    ApproveForm,
    BulkApproveForm,
    BulkHideForm,
    BulkUndoForm,
    FeatureForm,
    FlagForm,
    HideForm,
    UndoForm,
)
from ..models import Comment, ModerationEvent, Reason
from ..wording import UNDONE_NOUNS
from ._common import (
    card_renderer,
    first_error,
    load_cards,
    moderator_required,
    queue_of,
    render_status,
    render_tabs,
    safe_next,
)

UNDO_SESSION_KEY = "moderation_undo"


@dataclass
class Outcome:
    message: str
    level: str = "success"
    undo: dict | None = None


def _who(comment: Comment) -> str:
    return f"{comment.author_name}’s comment (#{comment.pk})"


def _reason_label(value: str) -> str:
    return Reason(value).label.lower() if value in Reason.values else ""


def _undo_one(comment: Comment, event: ModerationEvent) -> dict:
    return {
        "url": reverse("moderation:undo", args=[comment.pk]),
        "fields": [("expected_event_id", event.pk)],
        "target": f"#comment-{comment.pk}",
    }


def _undo_many(events: list[ModerationEvent]) -> dict | None:
    if not events:
        return None
    return {
        "url": reverse("moderation:bulk_undo"),
        "fields": [("events", event.pk) for event in events],
        "target": None,
    }


def _remember_undo(request, outcome: Outcome) -> None:
    # Without JavaScript the Undo button must survive the redirect: the next page shows it.
    # The Django message already says what was done; the status line only offers the undo.
    if outcome.undo:
        request.session[UNDO_SESSION_KEY] = {
            "message": "Changed your mind?", "level": "light", "undo": outcome.undo,
        }
    else:
        request.session.pop(UNDO_SESSION_KEY, None)


def _answer(request, ids, outcome: Outcome, *, status: int = 200, swap_one: int | None = None,
            **card_extra) -> HttpResponse:
    """Answer an action: htmx gets the fresh cards and the status line, others a redirect."""
    next_url = safe_next(request)
    if not request.htmx:
        level = {"success": messages.SUCCESS, "info": messages.INFO,
                 "warning": messages.WARNING}.get(outcome.level, messages.ERROR)
        messages.add_message(request, level, outcome.message)
        _remember_undo(request, outcome)
        return redirect(next_url)
    queue = queue_of(next_url)
    found = load_cards(ids, queue=queue)
    renderer = card_renderer(request, next_url=next_url, queue=queue)
    html = [renderer.render(comment, oob=pk != swap_one, **(card_extra if pk == swap_one else {}))
            for pk, comment in found.items()]
    html.append(render_status(request, message=outcome.message, level=outcome.level,
                              undo=outcome.undo, next_url=next_url))
    if queue is not None:
        html.append(render_tabs(request, next_url))
    response = HttpResponse("".join(html), status=status)
    if swap_one is None or swap_one not in found:
        reswap(response, "none")  # only the out-of-band parts apply
    return response


def _not_found(request, pk) -> HttpResponse:
    message = f"Comment #{pk} does not exist; nothing was changed."
    if request.htmx:
        status_html = render_status(request, message=message, level="danger",
                                    next_url=safe_next(request))
        response = HttpResponse(status_html, status=404)
        return reswap(response, "none")
    return render(request, "moderation/error.html",
                  {"message": message, "back": safe_next(request)}, status=404)


def _act(request, pk, form_class, perform, *, panel: str = "") -> HttpResponse:
    comment = Comment.objects.filter(pk=pk).first()
    if comment is None:
        return _not_found(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        message = first_error(form)
        return _answer(request, [pk], Outcome(message, "danger"), status=422, swap_one=pk,
                       error=message, open_panel=panel, posted=request.POST)
    try:
        outcome = perform(comment, request.user, form.cleaned_data)
    except services.Conflict as error:
        return _answer(request, [pk], Outcome(str(error), "danger"), status=409, swap_one=pk,
                       error=str(error))
    except services.ModerationError as error:
        return _answer(request, [pk], Outcome(str(error), "danger"), status=422, swap_one=pk,
                       error=str(error), open_panel=panel, posted=request.POST)
    return _answer(request, [pk], outcome, swap_one=pk)


def _dismissed(comment: Comment) -> str:
    """What a decision on `comment` (as it was before) dismisses: "report", "flag", both."""
    kinds = [kind for kind, present in (("report", comment.reported), ("flag", comment.flagged))
             if present]
    return " and ".join(kinds)


def _perform_approve(comment, actor, data) -> Outcome:
    before, dismissed = comment.status, _dismissed(comment)
    event = services.approve(comment=comment, actor=actor, note=data["note"],
                             expected_status=data["expected_status"])
    if event is None:
        return Outcome(f"{_who(comment)} was already approved; nothing changed.", "info")
    undo = _undo_one(comment, event)
    if before == Comment.Status.APPROVED:
        return Outcome(f"Kept {_who(comment)} ({dismissed} dismissed).", undo=undo)
    tail = f" ({dismissed} dismissed)" if dismissed else ""
    return Outcome(f"Approved {_who(comment)}{tail}.", undo=undo)


def _perform_hide(comment, actor, data) -> Outcome:
    before, dismissed = comment.status, _dismissed(comment)
    event = services.hide(comment=comment, actor=actor, reason=data["reason"],
                          note=data["note"], expected_status=data["expected_status"])
    if event is None:
        return Outcome(f"{_who(comment)} was already hidden; nothing changed.", "info")
    undo = _undo_one(comment, event)
    if before == Comment.Status.HIDDEN:
        return Outcome(f"Kept {_who(comment)} hidden ({dismissed} dismissed).", undo=undo)
    return Outcome(f"Hid {_who(comment)} as {_reason_label(data['reason'])}.", undo=undo)


def _perform_flag(comment, actor, data) -> Outcome:
    flag_ = services.flag(comment=comment, actor=actor, reason=data["reason"],
                          note=data["note"], expected_status=data["expected_status"])
    return Outcome(f"Flagged {_who(comment)} as {_reason_label(data['reason'])}.",
                   undo=_undo_one(comment, flag_.event))


def _perform_feature(comment, actor, data) -> Outcome:
    event = services.feature(comment=comment, actor=actor, note=data["note"])
    if event is None:
        return Outcome(f"{_who(comment)} was already featured; nothing changed.", "info")
    return Outcome(f"Featured {_who(comment)}: readers see it at the top of the thread.",
                   undo=_undo_one(comment, event))


def _perform_unfeature(comment, actor, data) -> Outcome:
    event = services.unfeature(comment=comment, actor=actor, note=data["note"])
    if event is None:
        return Outcome(f"{_who(comment)} was not featured; nothing changed.", "info")
    return Outcome(f"Took {_who(comment)} out of Featured.", undo=_undo_one(comment, event))


def _perform_undo(comment, actor, data) -> Outcome:
    event = services.undo(comment=comment, actor=actor,
                          expected_event_id=data["expected_event_id"])
    noun = UNDONE_NOUNS.get(event.undoes.action, "Decision")
    if event.status_before == event.status_after:
        return Outcome(f"{noun} undone on {_who(comment)}.", "info")
    status = comment.get_status_display().lower()
    return Outcome(f"{noun} undone: {_who(comment)} is back to {status}.", "info")


@moderator_required
@require_POST
def approve(request, pk):
    return _act(request, pk, ApproveForm, _perform_approve)


@moderator_required
@require_POST
def hide(request, pk):
    return _act(request, pk, HideForm, _perform_hide, panel="hide")


@moderator_required
@require_POST
def flag(request, pk):
    return _act(request, pk, FlagForm, _perform_flag, panel="flag")


@moderator_required
@require_POST
def feature(request, pk):
    return _act(request, pk, FeatureForm, _perform_feature)


@moderator_required
@require_POST
def unfeature(request, pk):
    return _act(request, pk, FeatureForm, _perform_unfeature)


@moderator_required
@require_POST
def undo(request, pk):
    return _act(request, pk, UndoForm, _perform_undo)


def _plural(count: int, word: str = "comment") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _bulk_outcome(verb: str, result: services.BulkResult, missing: int) -> Outcome:
    parts = []
    if result.changed:
        parts.append(f"{verb.capitalize()} {_plural(len(result.changed))}.")
    if result.unchanged:
        count = len(result.unchanged)
        left = "it was" if count == 1 else "they were"
        parts.append(f"{_plural(count)} already {verb}; left as {left}.")
    if missing:
        parts.append(f"{_plural(missing)} no longer exist{'s' if missing == 1 else ''}.")
    parts += [error for _comment, error in result.refused]
    if not result.changed and not result.refused and not missing:
        level = "info"
    elif result.refused or missing:
        level = "warning" if result.changed else "danger"
    else:
        level = "success"
    return Outcome(" ".join(parts), level, _undo_many(result.events))


def _bulk(request, form_class, perform, verb: str) -> HttpResponse:
    form = form_class(request.POST)
    if not form.is_valid():
        return _answer(request, [], Outcome(first_error(form), "danger"), status=422)
    selection: dict[int, str] = form.cleaned_data["selected"]
    comments = list(Comment.objects.filter(pk__in=selection).order_by("pk"))
    try:
        result = perform(comments, request.user, form.cleaned_data, selection)
    except services.ModerationError as error:
        return _answer(request, [], Outcome(str(error), "danger"), status=422)
    outcome = _bulk_outcome(verb, result, len(selection) - len(comments))
    return _answer(request, [c.pk for c in comments], outcome)


@moderator_required
@require_POST
def bulk_approve(request):
    def perform(comments, actor, data, selection):
        return services.bulk_approve(comments=comments, actor=actor, note=data["note"],
                                     expected_statuses=selection)

    return _bulk(request, BulkApproveForm, perform, "approved")


@moderator_required
@require_POST
def bulk_hide(request):
    def perform(comments, actor, data, selection):
        return services.bulk_hide(comments=comments, actor=actor, reason=data["reason"],
                                  note=data["note"], expected_statuses=selection)

    return _bulk(request, BulkHideForm, perform, "hidden")


@moderator_required
@require_POST
def bulk_undo(request):
    """Undo the decisions of one earlier (bulk) action (services.bulk_undo())."""
    form = BulkUndoForm(request.POST)
    if not form.is_valid():
        return _answer(request, [], Outcome(first_error(form), "danger"), status=422)
    wanted = form.cleaned_data["events"]
    events = list(ModerationEvent.objects.filter(pk__in=wanted).select_related("comment"))
    result = services.bulk_undo(events=events, actor=request.user)
    parts = [f"Undid {_plural(len(result.changed), 'decision')}."] if result.changed else []
    if len(events) < len(set(wanted)):
        parts.append(f"{_plural(len(set(wanted)) - len(events), 'decision')} not found.")
    parts += [error for _comment, error in result.refused]
    level = ("info" if result.changed and not result.refused
             else "warning" if result.changed else "danger")
    return _answer(request, [e.comment_id for e in events],
                   Outcome(" ".join(parts) or "There was nothing to undo.", level))
