"""Scoring as tasks: queued on commit, held from readers until scored, run twice without
doubling anything, the sweep, dead workers' tasks, and the commands' reports."""

import os
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from moderation import screening, services, tasks, workers
from moderation.models import Comment, Commenter, Flag, ModerationEvent, TaskWorker
from tests.factories import make_article, make_comment
from tests.test_triage_scoring import ABUSIVE, ARTICLE, ON_TOPIC

Status = Comment.Status
Action = ModerationEvent.Action
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def open_news(db):
    return make_article(title="Kazakhstan joins the Abraham Accords", slug="accords-open",
                        body=ARTICLE, comment_policy="post")


def history(comment):
    return list(comment.events.order_by("id").values_list("action", "actor_label",
                                                          "status_after"))


def test_posting_queues_the_scoring_once_the_comment_is_committed(
        open_news, triage_on, django_capture_on_commit_callbacks):
    with override_settings(TASKS=DB_TASKS):
        with django_capture_on_commit_callbacks() as callbacks:
            comment = services.post_comment(article=open_news, author_name="Rita",
                                            body=ON_TOPIC)
        assert not DBTaskResult.objects.exists()  # nothing queued before the commit
        for callback in callbacks:
            callback()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == tasks.SCORE_TASK_PATH and queued.status == "READY"
    assert queued.args_kwargs["args"] == [[comment.pk]]
    assert queued.priority == tasks.READER_PRIORITY


def test_a_post_moderated_comment_waits_unseen_by_readers_until_it_is_scored(
        open_news, triage_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = services.post_comment(article=open_news, author_name="Rita", body=ON_TOPIC)

    comment.refresh_from_db()
    assert comment.status == Status.PENDING and comment.triaged_at is None
    assert not Comment.objects.visible().filter(pk=comment.pk).exists()
    # Its writer still sees it, as awaiting.
    assert Comment.objects.visible_to(own_ids=[comment.pk]).filter(pk=comment.pk).exists()
    assert history(comment) == [(Action.POSTED, "reader", Status.PENDING)]

    for callback in callbacks:  # the commit: the task runs (immediate backend)
        callback()
    comment.refresh_from_db()
    assert comment.triaged_at is not None and comment.status == Status.APPROVED
    assert history(comment) == [(Action.POSTED, "reader", Status.PENDING),
                                (Action.PUBLISHED, "automatic", Status.APPROVED)]
    assert not comment.flags.exists()


def test_a_post_moderated_comment_whose_scores_raise_a_flag_stays_back(
        open_news, triage_on, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.post_comment(article=open_news, author_name="Rita", body=ABUSIVE)
    comment.refresh_from_db()
    assert comment.status == Status.PENDING and comment.triaged_at is not None
    assert [f.reason for f in comment.flags.filter(source=Flag.Source.AUTOMATIC)] == ["abusive"]
    assert history(comment) == [(Action.POSTED, "reader", Status.PENDING),
                                (Action.FLAGGED, "automatic", Status.PENDING),
                                (Action.HELD, "automatic", Status.PENDING)]


def test_the_hold_until_scored_setting_can_publish_at_once(
        open_news, triage_on, django_capture_on_commit_callbacks):
    triage_on.TRIAGE_HOLD_UNTIL_SCORED = False
    with django_capture_on_commit_callbacks(execute=False):
        comment = services.post_comment(article=open_news, author_name="Rita", body=ON_TOPIC)
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert history(comment) == [(Action.POSTED, "reader", Status.APPROVED)]


def test_a_moderator_who_decides_first_is_not_overruled_by_the_scores(
        open_news, triage_on, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        comment = services.post_comment(article=open_news, author_name="Rita", body=ON_TOPIC)
    services.hide(comment=comment, actor=moderator, reason="other")
    screening.score_comments([comment.pk])
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN and comment.triaged_at is not None
    assert [a for a, _label, _s in history(comment)] == [Action.POSTED, Action.HIDDEN]


def test_scoring_the_same_comments_twice_scores_and_flags_them_once(open_news, triage_on):
    comment = make_comment(open_news, body=ABUSIVE, status=Status.APPROVED)
    first = tasks.score_comments.call([comment.pk])
    comment.refresh_from_db()
    scored_at = comment.triaged_at
    second = tasks.score_comments.call([comment.pk])
    comment.refresh_from_db()
    assert first["scored"] == 1 and second["scored"] == 0
    assert comment.triaged_at == scored_at
    assert comment.flags.count() == 1
    assert comment.events.filter(action=Action.FLAGGED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_scoring_the_same_batch_at_once_score_and_flag_it_once(triage_on,
                                                                          monkeypatch):
    article = make_article(body=ARTICLE, comment_policy="pre", slug="race")
    ids = [make_comment(article, body=f"{ABUSIVE} ({n})", status=Status.PENDING).pk
           for n in range(5)]
    # Both workers have read the batch as unscored and scored it before either writes.
    barrier = threading.Barrier(2, timeout=60)
    compute = screening.compute

    def compute_together(*args, **kwargs):
        signals = compute(*args, **kwargs)
        barrier.wait()
        return signals

    monkeypatch.setattr(screening, "compute", compute_together)
    outcomes, errors = [], []

    def work():
        try:
            outcomes.append(screening.score_comments(ids))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(o.scored for o in outcomes) == [0, 5]  # the second found them scored
    flags = list(Flag.objects.filter(comment_id__in=ids).values_list("comment_id", "reason"))
    assert len(flags) == len(set(flags))  # no reason raised twice on a comment
    assert {pk for pk, reason in flags if reason == "abusive"} == set(ids)
    assert ModerationEvent.objects.filter(comment_id__in=ids, action=Action.FLAGGED
                                          ).count() == len(flags)


@override_settings(TASKS=DB_TASKS, TRIAGE_SWEEP_AFTER=120)
def test_the_sweep_queues_comments_left_unscored_once_no_scoring_is_waiting(open_news,
                                                                           triage_on):
    old = make_comment(open_news, body=ON_TOPIC, status=Status.PENDING,
                       created=timezone.now() - timedelta(minutes=5))
    make_comment(open_news, body=ON_TOPIC, status=Status.PENDING)  # just written
    approved_import = make_comment(open_news, body=ON_TOPIC, status=Status.APPROVED,
                                   created=timezone.now() - timedelta(days=5))

    assert tasks.sweep() == 1
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [[old.pk]]
    # While scoring is queued, the workers are on their way: nothing more is queued.
    assert tasks.sweep() == 0
    assert DBTaskResult.objects.count() == 1
    assert approved_import.pk not in queued.args_kwargs["args"][0]


def test_the_sweep_does_nothing_when_triage_is_off(open_news, settings):
    make_comment(open_news, body=ON_TOPIC, status=Status.PENDING,
                 created=timezone.now() - timedelta(hours=1))
    assert tasks.sweep() == 0


def _running_task(worker_id, *, attempts=1, started=None):
    result = DBTaskResult.objects.create(
        args_kwargs={"args": [[1]], "kwargs": {}}, task_path=tasks.SCORE_TASK_PATH,
        backend_name="default", run_after=timezone.now(), status="RUNNING",
        started_at=started or timezone.now(), worker_ids=[f"w{n}" for n in
                                                            range(attempts - 1)] + [worker_id])
    return result


def _worker(worker_id, *, seen, pid=None, host=workers.HOST):
    return TaskWorker.objects.create(worker_id=worker_id, host=host, pid=pid or os.getpid(),
                                     started_at=seen, seen_at=seen)


def test_a_task_left_running_by_a_dead_worker_is_queued_again(db, settings):
    now = timezone.now()
    _worker("dead", seen=now - timedelta(seconds=settings.TASKS_WORKER_DEAD_AFTER + 5),
            host="elsewhere")
    _worker("alive", seen=now, host="elsewhere")
    orphan = _running_task("dead")
    busy = _running_task("alive")

    assert workers.requeue_orphans() == 1
    orphan.refresh_from_db()
    busy.refresh_from_db()
    assert orphan.status == "READY" and busy.status == "RUNNING"
    assert not TaskWorker.objects.filter(worker_id="dead").exists()


def test_a_worker_of_this_machine_whose_process_is_gone_is_dead_at_once(db):
    gone = 2**22 + 12345  # above any pid this machine hands out
    _worker("killed", seen=timezone.now(), pid=gone)
    orphan = _running_task("killed")
    assert workers.requeue_orphans() == 1
    orphan.refresh_from_db()
    assert orphan.status == "READY"


def test_a_task_that_killed_its_workers_three_times_is_failed(db, settings):
    _worker("third", seen=timezone.now() - timedelta(hours=1), host="elsewhere")
    orphan = _running_task("third", attempts=workers.MAX_ATTEMPTS)
    assert workers.requeue_orphans() == 0
    orphan.refresh_from_db()
    assert orphan.status == "FAILED" and "3 workers died" in orphan.traceback


def test_a_worker_beats_and_signs_off(db):
    workers.beat("w-1")
    first = TaskWorker.objects.get(worker_id="w-1")
    assert first.pid == os.getpid() and first.host == workers.HOST
    workers.beat("w-1")
    assert TaskWorker.objects.get(worker_id="w-1").seen_at >= first.seen_at
    lifeline = workers.Lifeline("w-1")
    lifeline.stop()
    assert not TaskWorker.objects.exists()


def test_db_worker_is_this_projects_worker_with_recovery():
    assert get_commands()["db_worker"] == "moderation"


def test_the_backlog_counts_waiting_running_and_failed_tasks_and_live_workers(db):
    _worker("alive", seen=timezone.now())
    _running_task("alive")
    DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}},
                                task_path=tasks.SCORE_TASK_PATH, backend_name="default",
                                run_after=timezone.now() - timedelta(seconds=30))
    backlog = tasks.task_backlog()
    assert backlog["ready"] == 1 and backlog["running"] == 1 and backlog["workers"] == 1
    assert backlog["failed_last_hour"] == 0 and backlog["oldest_ready_seconds"] >= 0


def test_an_unscored_card_says_not_scored_yet(moderator_client, open_news):
    make_comment(open_news, body="Waiting for its scores", status=Status.PENDING)
    page = moderator_client.get(reverse("moderation:queue")).content.decode()
    assert "not scored yet" in page


def test_triage_comments_fails_and_says_what_it_left_unscored(open_news, triage_on,
                                                              monkeypatch):
    make_comment(open_news, body=ON_TOPIC, status=Status.PENDING)

    def broken(*args, **kwargs):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr("moderation.management.commands.triage_comments.score_comments",
                        broken)
    with pytest.raises(CommandError, match=r"1 comment\(s\) left unscored: scoring failed"):
        call_command("triage_comments", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db(transaction=True)
def test_import_articles_reports_the_scoring_of_what_it_imported(wxr_file, triage_on):
    export = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "0", "content": ON_TOPIC},
        {"id": 2, "approved": "1", "content": "An old approved comment"}]}])
    out = StringIO()
    call_command("import_articles", str(export), stdout=out, stderr=StringIO())
    assert "Scored all 1 imported pending comment(s)." in out.getvalue()
    assert Comment.objects.get(import_key__endswith="1").triaged_at is not None


@pytest.mark.django_db(transaction=True)
def test_import_articles_exits_non_zero_when_scoring_failed(wxr_file, triage_on, monkeypatch):
    export = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "0", "content": ON_TOPIC}]}])

    def broken(*args, **kwargs):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr(screening, "compute", broken)
    with pytest.raises(CommandError, match=r"1 of 1 imported pending comment\(s\) left "
                                           r"unscored: scoring failed"):
        call_command("import_articles", str(export), stdout=StringIO(), stderr=StringIO())
    # The import itself stands: all of it was written.
    assert Comment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_import_articles_with_no_worker_running_says_so_and_leaves_the_scoring_queued(
        wxr_file, triage_on, monkeypatch):
    from articles.management.commands import import_articles

    clock = _Clock()
    monkeypatch.setattr(import_articles, "time", clock)
    export = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "0", "content": ON_TOPIC}]}])
    out = StringIO()
    call_command("import_articles", str(export), stdout=out, stderr=StringIO())
    # A worker starting with the import had that long to say it was alive.
    assert clock.now == import_articles.WORKER_GRACE
    assert ("1 of 1 imported pending comment(s) queued for scoring, but no task worker is "
            "running: start one (manage.py db_worker)") in out.getvalue()
    assert tasks.scoring_queued() == 1


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DB_TASKS)
def test_import_articles_stops_waiting_in_time_and_leaves_the_rest_to_the_workers(
        wxr_file, triage_on):
    _worker("busy elsewhere", seen=timezone.now() + timedelta(minutes=5), host="elsewhere")
    export = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "0", "content": ON_TOPIC}]}])
    out = StringIO()
    call_command("import_articles", str(export), "--wait", "1", stdout=out,
                 stderr=StringIO())
    assert ("1 of 1 imported pending comment(s) still unscored after 1 s; they stay queued "
            "and the task workers go on scoring them.") in out.getvalue()
    assert tasks.scoring_queued() == 1 and Comment.objects.get().triaged_at is None


class _Clock:
    """time.monotonic() and time.sleep() for a command that waits: sleeping moves it on."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _await_import_scores(monkeypatch, count: int, unscored) -> tuple[float, str]:
    """Run import_articles' wait for `count` pending comments, a worker alive, on a clock
    that sleeping moves on; `unscored(seconds)` says how many are left then. Return the
    seconds waited and what the command said."""
    from articles.management.commands import import_articles

    _worker("scoring", seen=timezone.now())
    clock = _Clock()
    monkeypatch.setattr(import_articles, "time", clock)
    monkeypatch.setattr(tasks, "scoring_queued", lambda: 1)
    monkeypatch.setattr(import_articles, "_unscored", lambda ids: unscored(int(clock.now)))
    out = StringIO()
    import_articles.Command(stdout=out)._await_scoring(list(range(count)), wait=600)
    return clock.now, out.getvalue()


def test_import_articles_stops_waiting_once_the_workers_pace_says_the_wait_will_not_do(
        db, monkeypatch):
    from articles.management.commands.import_articles import PACE_AFTER

    # 60,000 left; the worker starts scoring after 10 s (loading its models), then
    # scores 50 a second: 20 minutes, where --wait leaves 10.
    waited, said = _await_import_scores(monkeypatch, 60_000,
                                        lambda now: 60_000 - 50 * max(0, now - 10))
    assert waited == 11 + PACE_AFTER
    assert ("59200 of 60000 imported pending comment(s) still unscored; at the workers' pace "
            "(50 a second) the rest takes about 20 minute(s), longer than --wait leaves"
            ) in said


def test_import_articles_waits_on_while_the_workers_pace_will_finish_in_time(
        db, monkeypatch):
    # Nothing scored for the first 30 s (the worker busy with another task), then 50 a
    # second: a minute more.
    waited, said = _await_import_scores(
        monkeypatch, 3_000, lambda now: min(3_000, max(0, 3_000 - 50 * (now - 30))))
    assert waited == 90
    assert "Scored all 3000 imported pending comment(s)." in said


@override_settings(TASKS=DB_TASKS)
def test_a_batch_the_database_was_too_busy_for_is_queued_again(open_news, triage_on,
                                                              monkeypatch):
    from django.db import OperationalError

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(screening, "score_comments", busy)
    assert tasks.score_comments.call([7, 8]) == {"requeued": 2}
    again = DBTaskResult.objects.get()
    assert again.args_kwargs["args"] == [[7, 8], False] and again.run_after > timezone.now()
    assert tasks.scoring_queued() == 1


# A writer's record moves after their comments were scored.

@pytest.fixture
def pre_news(db):
    return make_article(title="Kazakhstan joins the Abraham Accords", slug="accords-pre",
                        body=ARTICLE, comment_policy="pre")


def _by_vic(article, body=ON_TOPIC):
    return services.post_comment(article=article, author_name="Vic",
                                 author_email="vic@example.org", body=body)


def test_a_waiting_comment_is_scored_again_once_moderators_hid_most_of_its_writers(
        pre_news, triage_on, moderator):
    waiting = _by_vic(pre_news)
    screening.score_comments([waiting])  # with no record yet
    waiting.refresh_from_db()
    before = waiting.priority
    assert waiting.triage["hidden_record"] is False
    assert tasks.sweep_records() == 0  # no one's record has moved
    for i in range(2):
        earlier = _by_vic(pre_news, f"An earlier comment of mine, number {i}.")
        services.hide(comment=earlier, actor=moderator, reason="abusive", tell_author=False)

    assert tasks.sweep_records() == 1
    waiting.refresh_from_db()
    assert waiting.triage["hidden_record"] is True
    assert waiting.priority > before
    assert tasks.sweep_records() == 0  # nothing left that its record contradicts


@override_settings(TASKS=DB_TASKS)
def test_the_record_sweep_queues_the_stale_comments_and_leaves_trouble_long_ago(
        pre_news, triage_on):
    waiting = [_by_vic(pre_news, f"{ON_TOPIC} ({i})") for i in range(3)]
    screening.score_comments(waiting)
    Commenter.objects.filter(email_key="vic@example.org").update(hidden_count=2,
                                                                   trouble_at=timezone.now())
    assert tasks.sweep_records() == 3
    queued = DBTaskResult.objects.get(task_path=tasks.SCORE_TASK_PATH)
    assert sorted(queued.args_kwargs["args"][0]) == sorted(c.pk for c in waiting)
    assert queued.args_kwargs["args"][1] is True  # scored again, not skipped as scored
    # While that scoring waits, the sweep queues nothing more.
    assert tasks.sweep() == 0
    assert DBTaskResult.objects.filter(task_path=tasks.SCORE_TASK_PATH).count() == 1
    later = timezone.now() + tasks.RECORD_SWEEP_WITHIN + timedelta(seconds=1)
    assert tasks.sweep_records(later) == 0


@override_settings(TASKS=DB_TASKS)
def test_the_record_sweep_makes_a_bounded_few_reads_whatever_the_people_in_trouble(
        pre_news, triage_on, django_assert_max_num_queries):
    # People by commenter_trouble_idx, their comments 20 people at a time (at most 100
    # people), and one task queued.
    most = 1 + tasks.RECORD_SWEEP_PEOPLE // tasks.RECORD_SWEEP_CHUNK + 1
    for size in (3, 130):
        people = [services.post_comment(article=pre_news, author_name=f"P{i}",
                                        author_email=f"p{size}-{i}@example.org", body=ON_TOPIC)
                  for i in range(size)]
        screening.score_comments(people)
        Commenter.objects.filter(email_key__startswith=f"p{size}-").update(
            hidden_count=2, trouble_at=timezone.now())
        with django_assert_max_num_queries(most):
            queued = tasks.sweep_records()
        assert queued == min(size, tasks.RECORD_SWEEP_PEOPLE)
        DBTaskResult.objects.all().delete()


def card_of(page: str, pk: int) -> str:
    return page.split(f'<article id="comment-{pk}"', 1)[1].split("</article>", 1)[0]


def test_an_unscored_card_says_readers_will_see_it_only_when_it_waits_for_its_scores(
        moderator_client, open_news, triage_on, moderator):
    waiting = services.post_comment(article=open_news, author_name="Wren",
                                    author_email="wren@example.org", body="First thoughts")
    held = services.post_comment(article=open_news, author_name="Hal",
                                 author_email="hal@example.org", body="Second thoughts")
    services.premoderate_commenter(commenter=held.commenter, actor=moderator)
    held = services.post_comment(article=open_news, author_name="Hal",
                                 author_email="hal@example.org", body="Third thoughts")
    page = moderator_client.get(reverse("moderation:queue")).content.decode()
    promise = "readers will see it once it is scored"
    assert promise in card_of(page, waiting.pk) and promise not in card_of(page, held.pk)
