"""The parts of a queue card that other pages show too, from moderation/card_html.py:
{% standing p %} (the people pages) and {% reason_choices kind legend %} (the bulk bar)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from .. import card_html

register = template.Library()


@register.simple_tag
def standing(commenter) -> SafeString:
    """A commenter's standing as badges, as the queue's cards show it."""
    return mark_safe(card_html.standing(commenter))  # noqa: S308 - escaped there


@register.simple_tag
def reason_choices(kind: str, legend: str) -> SafeString:
    """The bulk bar's reason radios, as each card's hide and flag panels have them."""
    return mark_safe(card_html.reason_choices(kind, "selected", legend))  # noqa: S308
