"""Template helpers for the moderator's workspace."""

import unicodedata
from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from ..card_html import status_badge
from ..models import ModerationEvent, Reason
from ..rendering import excerpt, render_body
from ..wording import event_words_as, is_keep, trust_effect, undo_label, undoable

register = template.Library()

# What the queue's cards (card_html) and the wording say, for the other pages' templates.
register.filter("excerpt", excerpt)
register.filter("event_words", event_words_as)
register.filter("is_keep", is_keep)
register.filter("trust_effect", trust_effect)
register.filter("undo_label", undo_label)
register.filter("undoable", undoable)
register.simple_tag(status_badge, name="status_badge")

ACTION_STYLES = {
    ModerationEvent.Action.APPROVED: "text-bg-success",
    ModerationEvent.Action.HIDDEN: "text-bg-secondary",
    ModerationEvent.Action.FLAGGED: "text-bg-danger",
    ModerationEvent.Action.REPORTED: "text-bg-danger",
    ModerationEvent.Action.UNDONE: "text-bg-info",
    ModerationEvent.Action.HELD: "text-bg-warning",
}


@register.simple_tag
def last_reason_digit() -> int:
    """The digit of the last reason in a hide or flag panel (card_html.reason_choices()
    numbers them from 1), for the keys' help."""
    return len(Reason.choices)


@register.filter
def body_html(comment) -> SafeString:
    """A comment's body as safe HTML: escaped text or sanitised HTML."""
    return render_body(comment.body, comment.body_format)


@register.simple_tag
def action_badge(action: str) -> SafeString:
    labels = dict(ModerationEvent.Action.choices)
    return format_html(
        '<span class="badge {}">{}</span>',
        ACTION_STYLES.get(action, "text-bg-light border"), labels.get(action, action),
    )


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
