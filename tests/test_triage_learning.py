"""The newsroom's learned model: every moderator's approve and hide is a label, a task
learns them, scoring blends the model in once it has enough, and the card says so."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from moderation import services, tasks
from moderation.models import Comment, LearnedModel, ModerationEvent, Reason
from moderation.screening import score_comments
from moderation.triage import display, learning
from tests.factories import make_article, make_comment

Status = Comment.Status
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                        "QUEUES": ["default"]}}

GOOD = ["The treaty will help trade between Kazakhstan and Israel.",
        "I think the Accords are a step towards peace in the region.",
        "Kazakhstan already had relations with Israel; this is symbolic."]
BAD = ["Buy cheap watches at my shop, best prices, visit now.",
       "Cheap watches and bags, best prices, order from my shop today.",
       "My shop sells cheap watches, best prices in town."]


@pytest.fixture
def news(db):
    return make_article(title="Kazakhstan joins the Abraham Accords", slug="accords",
                        body="Kazakhstan has joined the Abraham Accords.\nIsrael welcomed it.")


def decide(news, moderator, rounds: int = 1) -> int:
    made = 0
    for _ in range(rounds):
        for body in GOOD:
            services.approve(comment=make_comment(news, body=body, status=Status.PENDING),
                             actor=moderator)
            made += 1
        for body in BAD:
            services.hide(comment=make_comment(news, body=body), actor=moderator,
                          reason=Reason.SPAM, tell_author=False)
            made += 1
    return made


def test_it_learns_every_moderators_approve_and_hide_as_a_label(news, moderator):
    made = decide(news, moderator)
    outcome = learning.train()
    row = LearnedModel.objects.get(name=learning.NAME)
    assert outcome == {"learned": made, "labels": made}
    assert row.labels == made
    assert row.counts == {"ok": 3, "spam": 3}
    assert row.last_event_id == ModerationEvent.objects.order_by("-pk").values_list(
        "pk", flat=True).first()
    assert len(bytes(row.weights)) < 1_000_000


def test_a_second_run_learns_only_the_new_decisions(news, moderator):
    decide(news, moderator)
    learning.train()
    assert learning.train() == {"learned": 0, "labels": 6}
    decide(news, moderator)
    assert learning.train() == {"learned": 6, "labels": 12}
    assert LearnedModel.objects.get().counts == {"ok": 6, "spam": 6}


def test_the_triages_own_flags_and_undone_decisions_are_not_labels(news, moderator):
    comment = make_comment(news, body=BAD[0], status=Status.PENDING)
    services.flag(comment=comment, actor=None, reason=Reason.SPAM, note="auto",
                  source="automatic", actor_label="automatic")
    services.hide(comment=comment, actor=moderator, reason=Reason.SPAM, tell_author=False)
    services.undo(comment=comment, actor=moderator)
    assert learning.train() == {"learned": 0, "labels": 0}


def test_the_model_leans_towards_what_moderators_hid(news, moderator):
    decide(news, moderator, rounds=5)
    learning.train()
    learned = learning.current()
    spam, good = learned.scores(["Cheap watches at my shop, best prices!",
                                 "The Accords and Kazakhstan: a step towards peace."])
    assert spam["spam"] > spam["ok"]
    assert good["ok"] > good["spam"]
    explained = learned.explain(spam, "Cheap watches at my shop, best prices!")
    assert explained["reason"] == "spam"
    assert set(explained["words"]) <= {"cheap", "watches", "shop", "best", "prices"}
    assert explained["words"]


def test_it_is_blended_in_once_it_has_enough_labels_and_the_card_says_so(
        news, moderator, triage_on, monkeypatch):
    decide(news, moderator, rounds=5)
    learning.train()
    comment = make_comment(news, body="Cheap watches at my shop, best prices!",
                           status=Status.PENDING)
    monkeypatch.setattr(learning, "MIN_LABELS", 10_000)
    score_comments([comment])
    comment.refresh_from_db()
    unblended = comment.triage["spam"]
    assert comment.triage["learned"]["labels"] == 30
    assert comment.triage["learned"]["weight"] == 0.0
    # Not blended in yet, it changed no score: the card says nothing of it.
    assert "learned from" not in display.summary(comment.triage)

    monkeypatch.setattr(learning, "MIN_LABELS", 10)
    score_comments([comment], rescore=True)
    comment.refresh_from_db()
    assert comment.triage["learned"]["weight"] > 0
    assert comment.triage["spam"] > unblended
    learned = next(s for s in display.signals(comment.triage) if s.label == "learned from")
    assert "blended in: spam" in learned.title  # the only reason it has seen


def test_the_card_says_how_much_each_reason_leans_on_it():
    triage = {"abuse": 0.1, "spam": 0.1, "learned": {
        "labels": 400, "weight": 0.5, "reason": "", "words": [],
        "weights": {"abusive": 0.5, "spam": 0.1, "off_topic": 0.0}}}
    learned = next(s for s in display.signals(triage) if s.label == "learned from")
    assert learned.value == "400 decisions"
    assert "blended in: abusive 0.50, spam 0.10" in learned.title


def test_the_card_names_words_towards_a_reason_only_when_the_model_leans_that_way():
    learned = {"labels": 400, "weight": 0.5, "reason": "abusive", "words": ["trump", "region"],
               "weights": {"abusive": 0.5}}
    fine = {**learned, "score": 0.02, "ok": 0.98}
    leaning = {**learned, "score": 0.7, "ok": 0.3}

    def title(learned):
        return next(s for s in display.signals({"learned": learned})
                    if s.label == "learned from").title

    assert "towards" not in title(fine)
    assert "towards abusive: trump, region" in title(leaning)


def test_the_why_badge_names_the_newsrooms_model_when_it_raised_the_abuse_score():
    triage = {"abuse": 0.5, "abuse_parts": {"model": 0.19, "profanity": 0.05},
              "learned": {"labels": 282, "weight": 0.5, "reason": "abusive", "score": 0.9,
                          "words": ["sheeple"], "weights": {"abusive": 0.5}}}
    shown = {s.label: s for s in display.signals(triage)}

    assert shown["why"].value.startswith("the newsroom's model;")
    assert "abuse model" not in shown["why"].value
    assert "raised by the newsroom's model (blended in at 0.50)" in shown["abuse"].title


def test_the_why_badge_names_the_abuse_model_when_it_flagged_the_comment_itself():
    triage = {"abuse": 0.93, "abuse_parts": {"model": 0.9, "profanity": 0.05},
              "learned": {"labels": 282, "weight": 0.5, "reason": "abusive", "score": 0.6,
                          "words": ["vermin"], "weights": {"abusive": 0.5}}}
    shown = {s.label: s for s in display.signals(triage)}

    assert shown["why"].value.startswith("abuse model")
    assert "raised by" not in shown["abuse"].title


def test_its_weight_grows_with_its_decisions_to_the_full_weight():
    assert learning.weight_for(learning.MIN_LABELS - 1) == 0.0
    assert 0 < learning.weight_for(learning.MIN_LABELS) < learning.MAX_WEIGHT
    assert learning.weight_for(learning.FULL_LABELS) == learning.MAX_WEIGHT
    assert learning.weight_for(10 * learning.FULL_LABELS) == learning.MAX_WEIGHT


def test_a_reason_it_has_seen_little_of_is_blended_in_less(news, moderator):
    """The learned model says "not spam" of most spam until it has seen enough: the
    shipped spam model keeps its say meanwhile, while abuse it has seen plenty of is
    blended in at the full weight."""
    learned = learning.Learned(labels=10 * learning.FULL_LABELS, model=None, counts={
        "ok": 2000, Reason.ABUSIVE: 150, Reason.PERSONAL_ATTACK: 30, Reason.SPAM: 20})
    assert learned.weight_of(Reason.ABUSIVE) == learning.MAX_WEIGHT
    assert learned.weight_of(Reason.SPAM) == pytest.approx(
        learning.MAX_WEIGHT * 20 / learning.REASON_FULL)
    assert learned.weight_of(Reason.OFF_TOPIC) == 0.0


def test_personal_attacks_count_towards_abuse(news, moderator):
    learned = learning.Learned(labels=10 * learning.FULL_LABELS, model=None, counts={
        Reason.ABUSIVE: 10, Reason.PERSONAL_ATTACK: 40})
    assert learned.weight_of(Reason.ABUSIVE) == pytest.approx(
        learning.MAX_WEIGHT * 50 / learning.REASON_FULL)


def test_the_decisions_per_reason_come_back_with_the_model(news, moderator):
    decide(news, moderator, rounds=2)
    learning.train()
    assert learning.current().counts == {"ok": 6, Reason.SPAM: 6}


def test_reading_the_model_for_scoring_costs_one_query_once_loaded(
        news, moderator, django_assert_num_queries):
    decide(news, moderator)
    learning.train()
    learning.current()
    with django_assert_num_queries(1):
        assert learning.current().labels == 6


@override_settings(TASKS=DB_TASKS)
def test_the_workers_beat_queues_training_after_enough_new_decisions(news, moderator,
                                                                      triage_on, monkeypatch):
    monkeypatch.setattr(tasks, "LEARN_AFTER_DECISIONS", 6)
    decide(news, moderator)
    assert tasks.queue_learning() is True
    assert DBTaskResult.objects.filter(task_path=tasks.TRAIN_TASK_PATH).count() == 1
    # Queued once: a second beat finds it waiting.
    assert tasks.queue_learning() is False
    assert DBTaskResult.objects.filter(task_path=tasks.TRAIN_TASK_PATH).count() == 1


def test_too_few_new_decisions_queue_nothing(news, moderator, triage_on):
    decide(news, moderator)
    assert tasks.queue_learning() is False


def test_the_training_task_learns(news, moderator, triage_on):
    decide(news, moderator)
    result = tasks.train_learned_model.enqueue()
    assert result.return_value == {"learned": 6, "labels": 6}


# Making it forget: an admin's two actions.

def test_starting_over_forgets_and_learns_only_the_decisions_made_from_then_on(news, moderator):
    decide(news, moderator)
    learning.train()
    learning.start_over()
    assert learning.current() is None
    assert learning.train() == {"learned": 0, "labels": 0}
    decide(news, moderator)
    assert learning.train() == {"learned": 6, "labels": 6}
    assert LearnedModel.objects.get().counts == {"ok": 3, "spam": 3}


def test_relearning_reads_the_audit_log_again_without_the_decisions_undone_since(
        news, moderator):
    decide(news, moderator)
    learning.train()
    services.undo(comment=Comment.objects.filter(status=Status.HIDDEN).first(), actor=moderator)
    learning.start_over(relearn=True)
    assert learning.train() == {"learned": 5, "labels": 5}
    assert LearnedModel.objects.get().counts == {"ok": 3, "spam": 2}


def test_a_run_that_met_a_start_over_does_not_write_over_it(news, moderator, monkeypatch):
    decide(news, moderator)
    learning.train()
    decide(news, moderator)
    dump = learning._dump

    def admin_starts_over_meanwhile(model):
        learning.start_over()
        return dump(model)

    monkeypatch.setattr(learning, "_dump", admin_starts_over_meanwhile)
    assert learning.train() == {"learned": 0, "labels": 6}
    assert LearnedModel.objects.get().labels == 0


def test_the_admin_shows_what_it_learned_and_an_admin_makes_it_start_over(
        client, admin_user, news, moderator):
    decide(news, moderator, rounds=50)
    learning.train()
    client.force_login(admin_user)
    url = reverse("admin:moderation_learnedmodel_changelist")
    html = client.get(url).content.decode()
    assert "ok 150, spam 150" in html
    assert "spam 0.50" in html and "abusive" not in html  # only what it has seen
    row = LearnedModel.objects.get()
    detail = client.get(reverse("admin:moderation_learnedmodel_change", args=[row.pk]))
    assert detail.status_code == 200 and "ok 150, spam 150" in detail.content.decode()
    response = client.post(url, {"action": "start_over", "_selected_action": [row.pk]},
                           follow=True)
    assert "forgot what it learned" in response.content.decode()
    assert LearnedModel.objects.get().labels == 0
    assert LogEntry.objects.get(object_id=str(row.pk)).change_message.startswith("Forgot")
    assert "not yet (from 200 decisions)" in client.get(url).content.decode()


def test_a_moderator_cannot_make_it_forget(client, moderator, news):
    decide(news, moderator)
    learning.train()
    client.force_login(moderator)
    url = reverse("admin:moderation_learnedmodel_changelist")
    client.post(url, {"action": "start_over",
                      "_selected_action": [LearnedModel.objects.get().pk]})
    assert LearnedModel.objects.get().labels == 6


def test_decisions_undone_before_training_are_not_counted_as_waiting(news, moderator):
    hidden = make_comment(news, body="Cheap watches at my shop!")
    event = services.hide(comment=hidden, actor=moderator, reason=Reason.SPAM,
                          tell_author=False)
    services.approve(comment=make_comment(news, status=Status.PENDING), actor=moderator)
    services.undo(comment=hidden, actor=moderator, expected_event_id=event.pk)

    assert learning.pending_decisions(limit=100) == 1
