from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil

register = template.Library()


@register.filter
def in_words(delta: timedelta) -> str:
    """A length of time as a reader says it ("15 minutes", "1 hour, 30 minutes"): axes
    gives the lockout's as ISO 8601 ("PT15M") or as a timedelta."""
    now = timezone.now()
    return timeuntil(now + delta, now)
