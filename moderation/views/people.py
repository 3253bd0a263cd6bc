"""The people side of the workspace: the Commenters list, one commenter's page, and the
POST-only actions on a person (ban, suspend, pre-moderate, trust, note, undo).

Each action validates its form, calls one service in services/people.py and goes back
to the page it came from with what was done and an Undo; a refusal changes nothing and
says why. Pages cost a fixed number of queries whatever the person's number of comments.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from .. import services
from ..models import Comment, Commenter, CommenterEvent, ModerationEvent, Reason
from ..paging import LargeTablePaginator
from ..people_forms import BanForm, CommenterSearchForm, NoteForm, StandingForm, SuspendForm
from ..queues import CountedPaginator, TabCount
from ..services.people import HIDE_ALL, ban_progress, notes
from ..wording import STANDING_NOUNS, trust_effect, when
from ._common import first_error, moderator_required, safe_next
from .actions import UNDO_SESSION_KEY

COMMENTERS_PER_PAGE = 50
COMMENTS_PER_PAGE = 25
HISTORY_SHOWN = 50
DECISIONS_SHOWN = 20
# How often the person page asks how far a ban's "hide all" (or its undo) has got.
HIDING_POLL_SECONDS = 2


@moderator_required
@require_safe
def commenters(request):
    form = CommenterSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    people = Commenter.objects.select_related("user").search(query).troublesome_first()
    # Newsrooms have hundreds of thousands of commenters: count at most a thousand.
    page = LargeTablePaginator(people, COMMENTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "moderation/commenters.html",
                  {"page": page, "q": query, "form": form})


@moderator_required
@require_safe
def commenter(request, pk):
    person = get_object_or_404(Commenter.objects.select_related("user"), pk=pk)
    comments = (
        Comment.objects.filter(commenter=person).select_related("article")
        .order_by("-created", "-pk")
    )
    # Counted by the person's record (kept with every status change), not by reading all
    # of a prolific writer's comments on each view.
    page = CountedPaginator(comments, COMMENTS_PER_PAGE,
                            count=TabCount(person.total_count)).get_page(request.GET.get("page"))
    history = list(
        person.events.select_related("actor", "undone_by", "undoes")
        .order_by("-created_at", "-id")[:HISTORY_SHOWN]
    )
    decisions = list(
        ModerationEvent.objects.filter(comment__commenter=person)
        .exclude(action__in=[ModerationEvent.Action.POSTED, ModerationEvent.Action.IMPORTED])
        .select_related("actor", "comment").order_by("-created_at", "-id")[:DECISIONS_SHOWN]
    )
    context = {
        "person": person,
        "page": page,
        "history": history,
        "decisions": decisions,
        "notes": notes(person),
        "reasons": Reason.choices,
        "undoable": CommenterEvent.UNDOABLE,
        "next": request.get_full_path(),
        "status": request.session.pop(UNDO_SESSION_KEY, None),
        "progress": ban_progress(person),
        "poll_seconds": HIDING_POLL_SECONDS,
    }
    return render(request, "moderation/commenter.html", context)


@moderator_required
@require_safe
def commenter_hiding(request, pk):
    """How far a ban's "hide all", or its undo, has got: the person page's line, polled by
    htmx while a task hides or restores their comments (it stops polling once done)."""
    person = get_object_or_404(Commenter, pk=pk)
    return render(request, "moderation/commenter.html#hiding",
                  {"person": person, "progress": ban_progress(person),
                   "poll_seconds": HIDING_POLL_SECONDS})


def _back(request, person: Commenter) -> str:
    return safe_next(request, reverse("moderation:commenter", args=[person.pk]))


def _done(request, person: Commenter, message: str, event: CommenterEvent | None,
          level=messages.SUCCESS):
    messages.add_message(request, level, message)
    if event is not None and event.action in CommenterEvent.UNDOABLE:
        request.session[UNDO_SESSION_KEY] = {
            "message": "Changed your mind?", "level": "light",
            "undo": {"url": reverse("moderation:commenter_undo", args=[event.pk]),
                     "fields": [], "target": None},
        }
    else:
        request.session.pop(UNDO_SESSION_KEY, None)
    return redirect(_back(request, person))


def _refused(request, person: Commenter, message: str, status: int = 422):
    """Say why nothing was done (422 for bad input, 409 when someone acted since)."""
    back = _back(request, person)
    on_their_page = back == reverse("moderation:commenter", args=[person.pk])
    label = f"Back to {person}" if on_their_page else "Back to the queue"
    return render(request, "moderation/error.html",
                  {"message": message, "back": back, "back_label": label}, status=status)


def _person_action(request, pk, form_class, perform):
    person = get_object_or_404(Commenter, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _refused(request, person, first_error(form))
    try:
        message, event = perform(person, request.user, form.cleaned_data)
    except services.Conflict as error:
        return _refused(request, person, str(error), status=409)
    except services.ModerationError as error:
        return _refused(request, person, str(error))
    if event is None:
        return _done(request, person, message, None, level=messages.INFO)
    return _done(request, person, message, event)


@moderator_required
@require_POST
def ban(request, pk):
    def perform(person, actor, data):
        event = services.ban_commenter(commenter=person, actor=actor, reason=data["reason"],
                                       hide_all=data["hide_all"],
                                       hide_reason=data["hide_reason"],
                                       expected_standing=data["expected_standing"])
        if event is None:
            return f"{person} was already banned; nothing changed.", None
        # Their record as the request found it: what the task is about to hide.
        shown = person.hideable_count if data["hide_all"] else 0
        tail = (f"; hiding their {shown} published and pending "
                f"comment{'s' if shown != 1 else ''} (their page shows how far it got)"
                if shown else "")
        return f"Banned {person}{tail}.", event

    return _person_action(request, pk, BanForm, perform)


@moderator_required
@require_POST
def suspend(request, pk):
    def perform(person, actor, data):
        event = services.suspend_commenter(commenter=person, actor=actor, days=data["days"],
                                           reason=data["reason"],
                                           expected_standing=data["expected_standing"])
        return f"Suspended {person} until {when(person.suspended_until)}.", event

    return _person_action(request, pk, SuspendForm, perform)


def _simple_action(service, form_class, *, already: str, done: Callable[[Commenter], str]):
    """A view for an action whose form's fields are the service's own arguments."""

    @moderator_required
    @require_POST
    def view(request, pk):
        def perform(person, actor, data):
            event = service(commenter=person, actor=actor, **data)
            if event is None:
                return already.format(person=person), None
            return done(person), event

        return _person_action(request, pk, form_class, perform)

    return view


premoderate = _simple_action(
    services.premoderate_commenter, StandingForm,
    already="{person} is already pre-moderated; nothing changed.",
    done=lambda person: f"Every new comment of {person} now waits for a moderator.",
)
trust = _simple_action(
    services.trust_commenter, StandingForm,
    already="{person} is already trusted; nothing changed.",
    done=lambda person: f"Trusted {person}: {trust_effect(person)}.",
)
note = _simple_action(services.note_commenter, NoteForm, already="",
                      done=lambda person: f"Noted on {person}.")


@moderator_required
@require_POST
def undo(request, event_pk):
    event = get_object_or_404(CommenterEvent.objects.select_related("commenter"), pk=event_pk)
    person = event.commenter
    try:
        services.undo_commenter_event(event=event, actor=request.user)
    except services.ModerationError as error:
        status = 409 if isinstance(error, services.Conflict) else 422
        if request.htmx:
            messages.error(request, str(error))
            return HttpResponseClientRedirect(_back(request, person))
        return _refused(request, person, str(error), status=status)
    else:
        # What the ban hid is restored by a task once the undo has committed.
        tail = ("; restoring the comments it hid (their page shows how far it got)"
                if HIDE_ALL in event.after else "")
        message = f"Undid the {STANDING_NOUNS[event.action]} of {person}{tail}."
        response = _done(request, person, message, None, level=messages.INFO)
    # The status line's Undo posts with htmx: have the browser load the page again.
    if request.htmx:
        return HttpResponseClientRedirect(response["Location"])
    return response
