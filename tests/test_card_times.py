"""The card's relative times are naturaltime's words, worked out without its catalogue."""

import datetime
import random

import pytest
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone

from moderation.card_html import ago

SECOND = datetime.timedelta(seconds=1)
AGES = [
    0, 1, 2, 59, 60, 61, 119, 120, 3599, 3600, 3601, 7199, 7200, 86399,
    86400, 86400 + 3600, 86400 + 7260, 2 * 86400 + 59, 6 * 86400 + 23 * 3600,
    7 * 86400, 7 * 86400 + 3600, 8 * 86400, 13 * 86400 + 5 * 3600, 14 * 86400,
    27 * 86400 + 86399, 28 * 86400, 40 * 86400, 400 * 86400, -90, -7200,
]


@pytest.mark.parametrize("seconds", AGES)
def test_a_cards_time_says_what_naturaltime_says(seconds):
    now = timezone.now()
    # A third of a second into the second, so that naturaltime's own `now`, a moment
    # later, is still in the same one.
    value = now - seconds * SECOND - datetime.timedelta(milliseconds=300)
    if seconds < 0:
        value = now - seconds * SECOND
    assert ago(value, now) == naturaltime(value)


def test_a_cards_time_months_and_years_back_says_what_naturaltime_says():
    rng = random.Random(7)
    now = timezone.now()
    for _ in range(2000):
        value = now - datetime.timedelta(seconds=rng.randrange(20 * 86400, 6 * 366 * 86400),
                                         milliseconds=300)
        assert ago(value, now) == naturaltime(value), value
