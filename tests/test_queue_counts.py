"""The queue counters and the flag facts the services keep on each comment: always what
counting the comments would say, whatever sequence of changes made them."""

import json
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation import services
from moderation.models import QUEUE_KEYS, Comment, Flag, Is, ModerationEvent, QueueCount, queues_of
from moderation.queues import QUEUES, tab_counts
from tests.factories import make_article, make_comment, make_thread

pytestmark = pytest.mark.django_db

Status = Comment.Status
Source = Flag.Source


def counted() -> dict[tuple[int, str], int]:
    """The counters, without the zeros."""
    return {(c.article_id, c.queue): c.count for c in QueueCount.objects.exclude(count=0)}


def real() -> dict[tuple[int, str], int]:
    """What COUNT(*) over the comments says, per article and queue."""
    rows = Comment.objects.order_by().values("article_id").annotate(
        **{key: Count("pk", filter=Is.in_queue(key)) for key in QUEUE_KEYS}
    )
    return {(row["article_id"], key): row[key] for row in rows for key in QUEUE_KEYS
            if row[key]}


def facts_match_the_flags() -> bool:
    """Whether every comment's `flagged` and `reported` say what its open flags say."""
    open_flags = Flag.objects.open().filter(comment=OuterRef("pk"))
    comments = Comment.objects.annotate(
        has_flagged=Exists(open_flags.filter(source__in=[Source.MODERATOR, Source.AUTOMATIC])),
        has_reported=Exists(open_flags.filter(source=Source.READER)),
    )
    return all((c.flagged, c.reported) == (c.has_flagged, c.has_reported) for c in comments)


@pytest.mark.parametrize("status", [Status.PENDING, Status.APPROVED, Status.HIDDEN])
@pytest.mark.parametrize("flagged", [False, True])
@pytest.mark.parametrize("reported", [False, True])
def test_queues_of_says_what_the_queue_conditions_say(article, status, flagged, reported):
    comment = make_comment(article, status=status)
    Comment.objects.filter(pk=comment.pk).update(flagged=flagged, reported=reported)
    in_sql = {key for key in QUEUE_KEYS
              if Comment.objects.filter(QUEUES[key].condition(), pk=comment.pk).exists()}
    assert queues_of(status, flagged=flagged, reported=reported) == in_sql


def _json_export(path, comments):
    path.write_text(json.dumps({
        "format": "newsroom-comments", "version": 1, "source": "gazette",
        "articles": [{"id": "1", "title": "Imported", "slug": "imported", "body": "One.",
                      "published_at": "2025-01-02T03:04:05Z", "comments": comments}],
    }))


def test_after_any_sequence_of_changes_the_counters_are_the_real_counts(
    tmp_path, moderator, reader
):
    rng = random.Random(20261201)
    articles = [make_article(comment_policy=policy) for policy in ("pre", "post")]
    make_thread(articles[0], 4, 2, status=Status.PENDING)
    statuses = ["pending", "approved", "hidden"]
    export = [
        {"id": f"c{n}", "parent": None, "author_name": "Imported", "body": f"Old {n}",
         "status": statuses[n % 3], "hidden_reason": "spam" if n % 3 == 2 else "",
         "created": "2025-01-03T00:00:00+00:00"}
        for n in range(12)
    ]
    path = tmp_path / "export.json"
    _json_export(path, export)
    call_command("import_articles", str(path), stdout=StringIO())
    reports = 0

    def some_comment():
        return rng.choice(list(Comment.objects.all()))

    operations = {
        "post": lambda: services.post_comment(article=rng.choice(articles), author_name="R",
                                              body=f"Post {rng.random()}"),
        # With the triage on, a post on the post-moderated article waits for its scores
        # (never queued here: the test's transaction does not commit); "score" applies them.
        "post_waiting": lambda: post_with_triage_on(articles[1], f"Post {rng.random()}"),
        "approve": lambda: services.approve(comment=some_comment(), actor=moderator),
        "hide": lambda: services.hide(comment=some_comment(), actor=moderator,
                                      reason=rng.choice(["spam", "abusive"])),
        "flag": lambda: services.flag(comment=some_comment(), actor=moderator, reason="spam"),
        "auto": lambda: services.flag(comment=some_comment(), actor=None, reason="abusive",
                                      source=Source.AUTOMATIC, actor_label="automatic"),
        "undo": lambda: services.undo(comment=some_comment(), actor=moderator),
        "hold": lambda: services.hold(comment=some_comment(), reason="abusive"),
        "bulk": lambda: services.bulk_hide(
            comments=rng.sample(list(Comment.objects.all()), 3), actor=moderator,
            reason="other"),
        # The triage's results applied: a post waiting for its scores is published, or
        # flagged and kept back.
        "score": lambda: score(some_comment(), rng.choice([[], [{
            "reason": "spam", "note": "3 links", "holds": True}]])),
    }
    done = []
    for _ in range(160):
        name = rng.choice([*operations, "report", "reimport"])
        try:
            if name == "report":
                reports += 1
                services.report(comment=some_comment(), reason="abusive",
                                reporter_key=f"reader-{reports}", user=reader)
            elif name == "reimport":
                for row in export:
                    row["status"] = rng.choice(statuses)
                    row["hidden_reason"] = "spam" if row["status"] == "hidden" else ""
                _json_export(path, export)
                call_command("import_articles", str(path), stdout=StringIO())
            else:
                operations[name]()
        except services.ModerationError:
            pass  # refused moves (nothing to undo, not published, ...) change nothing
        done.append(name)
        assert counted() == real(), f"after {done[-5:]}"
    assert facts_match_the_flags()
    assert {"undo", "report", "reimport", "hold", "bulk", "score"} <= set(done)
    assert Flag.objects.open().exists() and ModerationEvent.objects.filter(
        action=ModerationEvent.Action.UNDONE).exists()


def post_with_triage_on(article, body):
    with override_settings(TRIAGE_ENABLED=True):
        return services.post_comment(article=article, author_name="R", body=body)


def score(comment, findings):
    Comment.objects.filter(pk=comment.pk).update(triage={"findings": findings, "priority": 0.5})
    services.act_on_findings(list(Comment.objects.filter(pk=comment.pk).for_triage()))


def test_a_post_that_waited_for_its_scores_moves_between_the_counters_once_scored():
    article = make_article(comment_policy="post")
    clean = post_with_triage_on(article, "A thoughtful comment on the accords.")
    spam = post_with_triage_on(article, "Buy now, three links.")
    assert counted() == real() == {(article.pk, "needs_review"): 2, (article.pk, "pending"): 2,
                                   (article.pk, "all"): 2}
    score(clean, [])
    score(spam, [{"reason": "spam", "note": "3 links", "holds": True}])
    clean.refresh_from_db()
    spam.refresh_from_db()
    assert (clean.status, spam.status) == (Status.APPROVED, Status.PENDING)
    assert spam.flagged
    assert counted() == real()
    assert counted()[article.pk, "approved"] == 1 and counted()[article.pk, "flagged"] == 1


def test_recount_queues_rebuilds_counters_and_facts_from_the_data(article, moderator, reader):
    flagged = make_comment(article, status=Status.APPROVED)
    services.report(comment=flagged, reason="spam", reporter_key="k", user=reader)
    make_comment(article, status=Status.PENDING)
    # Data loaded around the services (SQL, COPY, a fixture): wrong facts, no counters.
    Comment.objects.filter(pk=flagged.pk).update(reported=False, flagged=True)
    QueueCount.objects.all().delete()
    QueueCount.objects.create(article=article, queue="hidden", count=7)
    out = StringIO()
    call_command("recount_queues", stdout=out)
    flagged.refresh_from_db()
    assert (flagged.flagged, flagged.reported) == (False, True)
    assert counted() == real() == {
        (article.pk, "all"): 2, (article.pk, "approved"): 1, (article.pk, "pending"): 1,
        (article.pk, "reported"): 1, (article.pk, "needs_review"): 2,
    }
    assert out.getvalue().startswith("needs_review 2, pending 1, flagged 0, reported 1")


def test_a_decision_moves_its_comment_between_the_counters_in_its_transaction(
    article, moderator
):
    comment = make_comment(article, status=Status.PENDING)
    services.flag(comment=comment, actor=moderator, reason="spam")
    before = {key: count.value for key, count in tab_counts().items()}
    assert before == {"needs_review": 1, "pending": 1, "flagged": 1, "reported": 0,
                      "approved": 0, "hidden": 0, "all": 1}
    services.hide(comment=comment, actor=moderator, reason="spam")
    after = {key: count.value for key, count in tab_counts().items()}
    assert after == {"needs_review": 0, "pending": 0, "flagged": 0, "reported": 0,
                     "approved": 0, "hidden": 1, "all": 1}
    assert ModerationEvent.objects.filter(comment=comment, action="hidden").exists()
    comment.refresh_from_db()
    assert not comment.flagged and not comment.needs_review


def test_tab_counts_unfiltered_or_by_article_do_not_read_the_comments(article, moderator):
    make_thread(article, 30, 1, status=Status.PENDING)
    for filters in ({}, {"article": article}):
        with CaptureQueriesContext(connection) as queries:
            counts = tab_counts(**filters)
        assert counts["pending"].value == 60
        assert len(queries) == 1
        assert "moderation_comment" not in queries[0]["sql"]


def test_with_a_filter_only_the_shown_tab_is_counted_up_to_a_limit(article, monkeypatch):
    monkeypatch.setattr("moderation.queues.FILTERED_COUNT_LIMIT", 2)
    for n in range(3):
        make_comment(article, status=Status.PENDING, author_name=f"Greta {n}")
    make_comment(article, status=Status.PENDING, author_name="Hans")
    counts = tab_counts(author="greta", tab="pending")
    assert (counts["pending"].value, counts["pending"].at_least, str(counts["pending"])) == (
        2, True, "2+")
    assert counts["all"].value is None
    assert tab_counts(author="hans", tab="all")["all"].value == 1


@pytest.mark.parametrize("size", [5, 300])
def test_the_counted_pages_cost_the_same_queries_at_two_sizes(
    client, moderator, admin_user, django_assert_max_num_queries, size
):
    """Queue page, an htmx approve, tab counts and the admin changelist: the same bound
    whether there are 5 or 300 comments (the test_queue.py pins cover 20 and 2,000)."""
    article = make_article()
    make_thread(article, size, 0, status=Status.PENDING)
    target = Comment.objects.first()
    client.force_login(moderator)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("moderation:queue")).status_code == 200
    with django_assert_max_num_queries(1):
        tab_counts()
    # 15, and one in 20 also counts the cache table (config/cache.py)
    with django_assert_max_num_queries(16):
        response = client.post(
            reverse("moderation:approve", args=[target.pk]),
            {"expected_status": "pending", "next": "/moderation/"}, HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:moderation_comment_changelist")).status_code == 200


def test_a_loaded_fixture_is_counted_too():
    call_command("loaddata", "seed", verbosity=0)
    assert counted() == real()
    assert tab_counts()["needs_review"].value == Comment.objects.count() == 13
    call_command("loaddata", "seed", verbosity=0)  # loaded again: the same rows
    assert counted() == real()


@pytest.mark.parametrize("status", [Status.PENDING, Status.APPROVED])
def test_a_batchs_automatic_flags_are_raised_in_a_few_queries_whatever_its_size(
        status, django_assert_max_num_queries):
    article = make_article()
    findings = [{"reason": "off_topic", "note": "little in common", "holds": False},
                {"reason": "spam", "note": "reads like spam", "holds": False}]
    for size in (3, 30):
        made = [make_comment(article, status=status) for _ in range(size)]
        Comment.objects.filter(pk__in=[c.pk for c in made]).update(
            triage={"findings": findings, "priority": 0.9})
        batch = list(Comment.objects.filter(pk__in=[c.pk for c in made]).for_triage())
        with django_assert_max_num_queries(12):
            acted = services.act_on_findings(batch)
        assert acted.flagged == 2 * size
        assert all(c.flagged for c in batch)
    flags = Flag.objects.filter(source=Source.AUTOMATIC)
    assert flags.count() == 66
    assert all(f.event.action == ModerationEvent.Action.FLAGGED and f.event.reason == f.reason
               for f in flags.select_related("event"))
    assert counted() == real()
    assert facts_match_the_flags()


def test_a_comment_decided_while_its_batch_was_scored_is_not_flagged(moderator):
    article = make_article()
    comments = [make_comment(article, status=Status.PENDING) for _ in range(3)]
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(triage={
        "findings": [{"reason": "spam", "note": "reads like spam", "holds": False}]})
    batch = list(Comment.objects.filter(pk__in=[c.pk for c in comments]).for_triage())
    services.approve(comment=Comment.objects.get(pk=comments[0].pk), actor=moderator)
    acted = services.act_on_findings(batch)
    assert acted.flagged == 2
    assert [pk for pk, _ in acted.skipped] == [comments[0].pk]
    assert not Flag.objects.filter(comment=comments[0]).exists()
    assert counted() == real()
