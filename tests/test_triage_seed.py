"""The seed thread after triage: its labelled off-topic and abusive comments come first in
the Needs-review queue sorted by priority, each with its reason."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from moderation.models import Comment, Flag, ModerationEvent
from moderation.queues import QUEUES, SORTS
from moderation.screening import score_comments
from moderation.triage import scoring

LABELS = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "seed_labels.json").read_text()
)
LABEL = {row["pk"]: row["label"] for row in LABELS["comments"]}
FLAGGED = {pk for pk, label in LABEL.items() if label != "on-topic"}
REASON = {"off-topic": "off_topic", "abusive": "abusive"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed(triage_on):
    call_command("loaddata", "seed", verbosity=0)
    score_comments(Comment.objects.all())


def test_the_labels_cover_every_seed_comment(seed):
    assert set(LABEL) == set(Comment.objects.values_list("pk", flat=True))
    assert {"off-topic", "abusive"} <= set(LABEL.values())


def test_off_topic_and_abusive_comments_rank_above_the_on_topic_ones(seed):
    ranked = list(
        Comment.objects.filter(QUEUES["needs_review"].condition())
        .order_by(*SORTS["priority"].order_by)
        .values_list("pk", flat=True)
    )
    assert len(ranked) == 13
    assert set(ranked[: len(FLAGGED)]) == FLAGGED, ranked


def test_each_of_them_has_an_open_automatic_flag_for_its_label(seed):
    for pk in FLAGGED:
        flags = Flag.objects.open().filter(comment_id=pk, source=Flag.Source.AUTOMATIC)
        assert REASON[LABEL[pk]] in {f.reason for f in flags}, pk
        assert all(f.note for f in flags)
    on_topic = [pk for pk in LABEL if pk not in FLAGGED]
    assert not Flag.objects.filter(comment_id__in=on_topic).exists()


def test_the_flags_say_why(seed):
    notes = dict(Flag.objects.values_list("comment_id", "note"))
    assert notes[9] == "suspect word: taqiyya"
    # The off-topic score the card shows, not the similarity it came from.
    assert re.fullmatch(r"little in common with the article \(off-topic \d\.\d\d\)", notes[5])
    assert re.fullmatch(r"little in common with the article or the comment it answers "
                        r"\(off-topic \d\.\d\d\)", notes[7])
    assert notes[6].startswith("short reply in an off-topic exchange")


def test_the_log_lists_the_automatic_flags_as_events(seed, moderator_client):
    events = ModerationEvent.objects.filter(action=ModerationEvent.Action.FLAGGED)
    assert sorted(events.values_list("comment_id", flat=True)) == sorted(FLAGGED)
    assert set(events.values_list("actor_label", flat=True)) == {"automatic"}
    html = moderator_client.get(reverse("moderation:log")).content.decode()
    assert html.count("suspect word: taqiyya") == 1


def test_the_queue_page_sorted_by_priority_shows_them_first_with_reasons_and_signals(
    seed, moderator_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = moderator_client.get(reverse("moderation:queue"),
                                        {"tab": "needs_review", "sort": "priority"})
    assert response.status_code == 200
    html = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'<article id="comment-(\d+)"', html)]
    assert set(ids[: len(FLAGGED)]) == FLAGGED, ids
    cards = dict(zip(ids, re.split(r'<article id="comment-\d+"', html)[1:], strict=True))
    assert "suspect word: taqiyya" in cards[9]
    for pk in FLAGGED:
        assert 'aria-label="Triage signals"' in cards[pk]
        assert "abuse 0." in cards[pk] and "off-topic " in cards[pk]
    assert "little in common with the article" in cards[7]
    assert "Priority (worst first)" in html


def test_the_ordinary_seed_comments_rank_under_the_least_priority_of_any_flag(seed, settings):
    # Every flag outranks every score that raised none (scoring._priority), so the order
    # above does not hang on how close this thread's scores happen to fall.
    least_flag = scoring.WEIGHTS["off_topic"] * settings.TRIAGE_OFFTOPIC_THRESHOLD
    flagged = Comment.objects.filter(pk__in=FLAGGED).order_by("priority").first()
    ordinary = Comment.objects.exclude(pk__in=FLAGGED).order_by("-priority").first()
    assert ordinary.priority < least_flag <= flagged.priority


def test_the_abuse_threshold_keeps_ordinary_seed_comments_below_any_off_topic_flag(settings):
    # bench/train_triage.py chooses the abuse threshold so that no ordinary comment of the
    # seed scores at or above the least priority an off-topic flag carries.
    from bench import train_triage

    least_off_topic_flag = scoring.WEIGHTS["off_topic"] * settings.TRIAGE_OFFTOPIC_THRESHOLD
    assert abs(train_triage.SEED_RANK_FLOOR - least_off_topic_flag) < 1e-9
