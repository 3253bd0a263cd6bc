"""Template helpers for the moderator's workspace."""

import unicodedata
from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from ..models import Comment, ModerationEvent, Reason
from ..rendering import plain_text, render_body
from ..wording import event_words as _event_words
from ..wording import is_keep as _is_keep
from ..wording import trust_effect as _trust_effect

register = template.Library()

STATUS_STYLES = {
    Comment.Status.PENDING: "text-bg-warning",
    Comment.Status.APPROVED: "text-bg-success",
    Comment.Status.HIDDEN: "text-bg-secondary",
}

ACTION_STYLES = {
    ModerationEvent.Action.APPROVED: "text-bg-success",
    ModerationEvent.Action.HIDDEN: "text-bg-secondary",
    ModerationEvent.Action.FLAGGED: "text-bg-danger",
    ModerationEvent.Action.REPORTED: "text-bg-danger",
    ModerationEvent.Action.UNDONE: "text-bg-info",
    ModerationEvent.Action.HELD: "text-bg-warning",
}


@register.filter
def trust_effect(commenter) -> str:
    return _trust_effect(commenter)


@register.simple_tag
def last_reason_digit() -> int:
    """The digit of the last reason in a hide or flag panel (card_html.reason_choices()
    numbers them from 1), for the keys' help."""
    return len(Reason.choices)


@register.filter
def body_html(comment) -> SafeString:
    """A comment's body as safe HTML: escaped text or sanitised HTML."""
    return render_body(comment.body, comment.body_format)


@register.filter
def excerpt(comment, length: int = 140) -> str:
    """The start of a comment's body as plain text (the template escapes it)."""
    text = plain_text(comment.body, comment.body_format)
    return Truncator(" ".join(text.split())).chars(int(length))


@register.simple_tag
def status_badge(status: str) -> SafeString:
    label = Comment.Status(status).label if status in Comment.Status.values else status
    return format_html(
        '<span class="badge mod-status-badge {}">{}</span>',
        STATUS_STYLES.get(status, "text-bg-light"), label,
    )


@register.simple_tag
def action_badge(action: str) -> SafeString:
    labels = dict(ModerationEvent.Action.choices)
    return format_html(
        '<span class="badge {}">{}</span>',
        ACTION_STYLES.get(action, "text-bg-light border"), labels.get(action, action),
    )


UNDO_LABELS = {
    ModerationEvent.Action.APPROVED: "Undo approval",
    ModerationEvent.Action.HIDDEN: "Undo hide",
    ModerationEvent.Action.FLAGGED: "Undo flag",
    ModerationEvent.Action.FEATURED: "Undo feature",
    ModerationEvent.Action.UNFEATURED: "Undo unfeature",
}


@register.filter
def undo_label(event) -> str:
    return UNDO_LABELS.get(event.action, "Undo")


@register.filter
def event_words(event, style: str = "") -> str:
    """The audit row in plain words (moderation/wording.py), exact about what a keep
    dismissed when the flags it resolved were attached (attach_resolved_sources());
    "brief" leaves out the reason (when the card's open flags already say it), "what"
    leaves out who (the log's own column says it)."""
    return _event_words(event, resolved=getattr(event, "resolved_sources", None),
                        brief=style == "brief", actor=style != "what")


@register.filter
def is_keep(event) -> bool:
    """A decision that only dismissed the open flags (the status stayed)."""
    return _is_keep(event)


@register.filter
def undoable(event) -> bool:
    """Can this event be taken back with undo (a moderator's decision nobody has undone
    yet)? An automatic flag is not: a moderator dismisses it by keeping or approving."""
    if event is None or not event.is_moderators_decision:
        return False
    try:
        event.undone_by  # noqa: B018 - the reverse one-to-one raises when absent
    except ModerationEvent.DoesNotExist:
        return True
    return False


def _short(text: str, length: int) -> str:
    """`text|truncatechars:length`, without walking the characters of a text that fits."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= length else Truncator(text).chars(length)


@register.simple_tag
def article_options(articles, selected) -> SafeString:
    """The filter menus' article options ((id, title) pairs, a hundred of them), `selected`
    chosen: made here, since a template loop with `truncatechars` for each was a tenth of
    the queue page's rendering."""
    chosen = getattr(selected, "pk", None)
    return mark_safe("".join(  # noqa: S308 - the titles are escaped
        f'<option value="{pk}"{" selected" if pk == chosen else ""}>'
        f"{escape(_short(title, 70))}</option>" for pk, title in articles))
