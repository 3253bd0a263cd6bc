"""A ban with "hide all": the ban commits in the moderator's request, and a task hides the
person's comments afterwards, a batch per transaction, through hide() (services/people.py
hide_batch(), moderation/tasks.py hide_comments_of_ban). Its undo is the same the other
way: the standing comes back in the request, and a task takes the hides back, a batch per
transaction, through undo() (restore_batch(), restore_comments_of_ban)."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import freshness
from moderation import services, tasks
from moderation.models import Comment, Commenter, CommenterEvent, ModerationEvent
from moderation.services import people
from tests.test_queue_counts import counted, real

pytestmark = pytest.mark.django_db

Status = Comment.Status
Hidden = ModerationEvent.Action.HIDDEN


@pytest.fixture
def troll(article, moderator):
    """Tess: three published comments, one pending, one hidden before any ban."""
    from tests.factories import make_article

    published = make_article(comment_policy="post")
    for n in range(3):
        post(published, f"Published {n}.")
    post(article, "Pending one.")
    services.hide(comment=post(published, "Hidden already."), actor=moderator, reason="spam")
    return Commenter.objects.get()


def post(article, body):
    return services.post_comment(article=article, author_name="Tess",
                                 author_email="tess@example.org", body=body)


def ban(troll, moderator, capture, *, run: bool):
    """Ban Tess with "hide all"; run the task that the commit queues, or leave it unrun."""
    with capture(execute=run) as callbacks:
        event = services.ban_commenter(commenter=troll, actor=moderator, reason="Troll",
                                       hide_all=True, hide_reason="abusive")
    queued = [c for c in callbacks if c.__qualname__ == "ban_commenter.<locals>.<lambda>"]
    assert len(queued) == 1  # the task's enqueue, once the ban commits
    return event


def unban(event, moderator, capture, *, run: bool):
    """Undo the ban; run the task that the commit queues, or leave it unrun."""
    with capture(execute=run) as callbacks:
        undone = services.undo_commenter_event(event=event, actor=moderator)
    queued = [c for c in callbacks
              if c.__qualname__ == "undo_commenter_event.<locals>.<lambda>"]
    assert len(queued) == 1  # the restoring's enqueue, once the undo commits
    return undone


def hide_first_two(event):
    """Run one batch of the ban's task: its first two comments."""
    first_two = sorted(people.comments_to_hide(event).values_list("pk", flat=True))[:2]
    assert people.hide_batch(ban_id=event.pk, comment_ids=first_two)


def dies_on_the_third_call(real):
    """`real` (hide or undo, as the services call it), killing the worker on its third
    comment, as a `kill -9` would in the middle of a batch."""
    calls = []

    def wrapper(**kwargs):
        calls.append(kwargs["comment"].pk)
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real(**kwargs)

    return wrapper


def statuses():
    return dict(Comment.objects.values_list("body", "status"))


def assert_all_four_hidden_once(event, troll):
    """Every comment of Tess's is hidden, the four the ban hid by one audit row each, and
    her record and the queue counters say so."""
    assert set(statuses().values()) == {Status.HIDDEN}
    hidden = list(ModerationEvent.objects.filter(action=Hidden, reason="abusive")
                  .values_list("comment_id", flat=True))
    assert len(hidden) == len(set(hidden)) == event.hides.count() == 4
    troll.refresh_from_db()
    assert (troll.approved_count, troll.pending_count, troll.hidden_count) == (0, 0, 5)
    assert counted() == real()


def test_the_ban_commits_at_once_and_hides_nothing_in_the_request(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)

    troll.refresh_from_db()
    assert troll.is_banned
    assert (event.action, event.reason) == (CommenterEvent.Action.BANNED, "Troll")
    assert event.after[people.HIDE_ALL] == {"reason": "abusive",
                                            "upto": Comment.objects.latest("pk").pk}
    assert list(statuses().values()).count(Status.HIDDEN) == 1
    assert not event.hides.exists()
    with pytest.raises(services.ModerationError, match="banned you"):
        post(troll.comments.first().article, "Let me back in.")


def test_the_task_hides_every_published_and_pending_comment_through_hide(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)

    assert_all_four_hidden_once(event, troll)
    assert {(h.action, h.actor, h.reason, h.note) for h in event.hides.all()} == {
        (Hidden, moderator, "abusive", "Commenter banned: Troll")}


def test_each_batch_is_its_own_transaction(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    first_two = sorted(people.comments_to_hide(event).values_list("pk", flat=True))[:2]

    assert people.hide_batch(ban_id=event.pk, comment_ids=first_two) is True

    assert sorted(event.hides.values_list("comment_id", flat=True)) == first_two
    assert people.comments_to_hide(event).count() == 2
    assert counted() == real()


def test_a_batch_writes_the_persons_record_once_and_bumps_each_article_once(
    troll, moderator, django_capture_on_commit_callbacks, monkeypatch
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    bumped = []
    monkeypatch.setattr(freshness, "bump", lambda ids, **kw: bumped.append(sorted(ids)))
    every = sorted(people.comments_to_hide(event).values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries, \
            django_capture_on_commit_callbacks(execute=True):
        people.hide_batch(ban_id=event.pk, comment_ids=every)

    record_updates = [q for q in queries.captured_queries
                      if q["sql"].startswith('UPDATE "moderation_commenter"')]
    assert len(record_updates) == 1
    articles = sorted(set(Comment.objects.filter(pk__in=every)
                          .values_list("article_id", flat=True)))
    assert bumped == [articles, articles]  # now, and again once committed
    assert_all_four_hidden_once(event, troll)


def test_a_task_that_died_half_way_finishes_the_job_when_run_again_and_doubles_nothing(
    troll, moderator, django_capture_on_commit_callbacks, monkeypatch
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    monkeypatch.setattr(people, "HIDE_BATCH", 1)
    real_hide = people.hide
    monkeypatch.setattr(people, "hide", dies_on_the_third_call(real_hide))
    with pytest.raises(SystemExit):
        tasks.hide_comments_of_ban.call(event.pk)
    # Two batches committed; the third one's transaction was rolled back with its hide.
    assert event.hides.count() == 2
    assert counted() == real()

    monkeypatch.setattr(people, "hide", real_hide)
    tasks.hide_comments_of_ban.call(event.pk)
    tasks.hide_comments_of_ban.call(event.pk)  # and once more, for good measure

    assert_all_four_hidden_once(event, troll)


def test_a_comment_hidden_before_the_ban_is_left_alone_and_stays_hidden_when_it_is_undone(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)

    unban(event, moderator, django_capture_on_commit_callbacks, run=True)

    assert statuses() == {"Published 0.": Status.APPROVED, "Published 1.": Status.APPROVED,
                          "Published 2.": Status.APPROVED, "Pending one.": Status.PENDING,
                          "Hidden already.": Status.HIDDEN}
    assert ModerationEvent.objects.filter(action="undone").count() == 4
    assert counted() == real()


def test_a_comment_a_moderator_approved_after_the_ban_is_left_alone(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    pending = Comment.objects.get(body="Pending one.")
    services.approve(comment=pending, actor=moderator)

    tasks.hide_comments_of_ban.call(event.pk)

    assert statuses()["Pending one."] == Status.APPROVED
    assert event.hides.count() == 3
    assert people.ban_progress(Commenter.objects.get()) == people.Hiding(hidden=3, left=0)


def test_a_comment_added_after_the_ban_is_not_the_bans_to_hide(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    # An import may bring them in; a reader's post is refused.
    later = Comment.objects.create(article=troll.comments.first().article, author_name="Tess",
                                   body="Imported later.", commenter=troll,
                                   status=Status.APPROVED)

    tasks.hide_comments_of_ban.call(event.pk)

    later.refresh_from_db()
    assert later.status == Status.APPROVED
    assert event.hides.count() == 4


def test_undoing_the_ban_half_way_restores_the_hides_so_far_and_stops_the_hiding(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    hide_first_two(event)

    unban(event, moderator, django_capture_on_commit_callbacks, run=True)
    tasks.hide_comments_of_ban.call(event.pk)

    assert list(statuses().values()).count(Status.HIDDEN) == 1
    assert event.hides.count() == 2
    assert ModerationEvent.objects.filter(action="undone").count() == 2
    assert people.ban_progress(Commenter.objects.get()) == people.Restoring(
        restored=2, left=0, kept=0)
    assert counted() == real()


def test_a_ban_without_hide_all_and_its_undo_queue_nothing_and_change_no_comment(
    troll, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = services.ban_commenter(commenter=troll, actor=moderator, reason="Troll")
    assert callbacks == []
    assert people.HIDE_ALL not in event.after
    assert people.hide_batch(ban_id=event.pk, comment_ids=[troll.comments.first().pk]) is False
    assert people.ban_progress(Commenter.objects.get()) is None
    assert list(statuses().values()).count(Status.HIDDEN) == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.undo_commenter_event(event=event, actor=moderator)
    assert callbacks == []  # nor does its undo
    assert people.ban_progress(Commenter.objects.get()) is None


def test_the_sweep_queues_again_a_ban_whose_task_was_never_queued(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    assert tasks.sweep_bans() == 0  # too recent: its task may be on its way

    later = timezone.now() + tasks.HIDE_SWEEP_AFTER + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert tasks.sweep_bans() == 1
        assert tasks.sweep_bans() == 0  # nothing left to hide

    assert_all_four_hidden_once(event, troll)


def test_the_person_page_shows_the_hiding_under_way_and_then_done(
    troll, moderator, moderator_client, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    page_url = reverse("moderation:commenter", args=[troll.pk])
    poll_url = reverse("moderation:commenter_hiding", args=[troll.pk])

    page = moderator_client.get(page_url).content.decode()
    assert "Hiding their comments with the ban: 0 of 4 hidden so far…" in page
    assert f'hx-get="{poll_url}"' in page

    hide_first_two(event)
    line = moderator_client.get(poll_url, HTTP_HX_REQUEST="true").content.decode()
    assert "2 of 4 hidden so far…" in line and "<html" not in line

    tasks.hide_comments_of_ban.call(event.pk)
    line = moderator_client.get(poll_url, HTTP_HX_REQUEST="true").content.decode()
    assert "The ban hid 4 of their comments; none is left to hide." in line
    assert "hx-get" not in line  # done: the page stops asking

    unban(event, moderator, django_capture_on_commit_callbacks, run=True)
    line = moderator_client.get(poll_url, HTTP_HX_REQUEST="true").content.decode()
    assert "The undo of the ban restored 4 of their comments." in line


def test_the_person_page_asks_a_fixed_number_of_queries_while_hiding(
    troll, moderator, moderator_client, django_capture_on_commit_callbacks,
    django_assert_max_num_queries
):
    ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    # The session, the user and their permissions (4), then the person, their ban, its
    # hides and the comments left (one COUNT through comment_commenter_idx).
    with django_assert_max_num_queries(8):
        moderator_client.get(reverse("moderation:commenter_hiding", args=[troll.pk]))


def in_thread(work, errors: list):
    """Run `work` in a thread of its own, with its own database connection, keeping what
    it raises in `errors`."""
    def run():
        try:
            work()
        except Exception as error:  # noqa: BLE001 - the test asserts errors == []
            errors.append(error)
        finally:
            connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture
def no_task_on_commit():
    """Leave the ban's task unqueued when the ban commits (a transactional test commits
    for real), so the test runs it when it chooses."""
    from moderation import signals

    signals.ban_committed.disconnect(dispatch_uid="moderation.tasks.ban")
    yield
    signals.ban_committed.connect(tasks.on_ban_committed, dispatch_uid="moderation.tasks.ban")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_undo_during_a_hiding_batch_waits_for_it_and_its_task_restores_that_batch_too(
    troll, moderator, no_task_on_commit, monkeypatch
):
    event = services.ban_commenter(commenter=troll, actor=moderator, reason="Troll",
                                   hide_all=True, hide_reason="abusive")
    monkeypatch.setattr(people, "HIDE_BATCH", 2)
    in_batch, go_on = threading.Event(), threading.Event()
    real_hide = people.hide

    def slow_hide(**kwargs):
        in_batch.set()
        go_on.wait(10)
        return real_hide(**kwargs)

    monkeypatch.setattr(people, "hide", slow_hide)
    # Once the first batch commits, PostgreSQL gives the ban's row to whichever
    # transaction asks first, not to the undo that waited longest: the next batch waits
    # for the undo here so that the test knows which came first.
    undo_committed, batches = threading.Event(), []
    real_batch = people.hide_batch

    def batch_after_the_undo(**kwargs):
        if batches:
            assert undo_committed.wait(10)
        batches.append(kwargs)
        return real_batch(**kwargs)

    monkeypatch.setattr(people, "hide_batch", batch_after_the_undo)
    errors, undone = [], []
    task = in_thread(lambda: tasks.hide_comments_of_ban.call(event.pk), errors)
    assert in_batch.wait(10)
    # The undo's restoring runs in its thread once the undo commits (the tests' tasks
    # run at once), while the hiding task may still be between two batches.
    def undo_the_ban():
        undone.append(services.undo_commenter_event(event=event, actor=moderator))
        undo_committed.set()

    undo = in_thread(undo_the_ban, errors)
    undo.join(1)
    assert undo.is_alive()  # waiting for the batch's lock on the ban's row
    go_on.set()
    task.join(30)
    undo.join(30)

    assert errors == [] and not task.is_alive() and not undo.is_alive()
    assert undone[0].undoes == event
    assert event.hides.count() == 2  # the first batch; the task stopped at the undo
    assert len(batches) == 2  # the second found the ban undone
    assert ModerationEvent.objects.filter(action="undone").count() == 2
    assert list(statuses().values()).count(Status.HIDDEN) == 1
    assert people.ban_progress(Commenter.objects.get()) == people.Restoring(
        restored=2, left=0, kept=0)
    assert counted() == real()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_another_moderators_decision_does_not_wait_for_a_hiding_batch(
    troll, moderator, article, no_task_on_commit, monkeypatch
):
    """The batch counts its hides into the queue counters at its end, so the site-wide
    totals are not held locked from its first hide to its commit."""
    event = services.ban_commenter(commenter=troll, actor=moderator, reason="Troll",
                                   hide_all=True, hide_reason="abusive")
    other = services.post_comment(article=article, author_name="Olga", body="Fine words.")
    one_hidden, go_on = threading.Event(), threading.Event()
    real_hide = people.hide

    def hide_then_pause(**kwargs):
        hid = real_hide(**kwargs)
        one_hidden.set()
        go_on.wait(10)
        return hid

    monkeypatch.setattr(people, "hide", hide_then_pause)
    decided, errors = [], []
    batch = in_thread(lambda: tasks.hide_comments_of_ban.call(event.pk), errors)
    assert one_hidden.wait(10)  # the batch's transaction is open, one hide made
    moderator_thread = in_thread(lambda: decided.append(
        services.hide(comment=other, actor=moderator, reason="spam")), errors)
    moderator_thread.join(5)
    finished_first = not moderator_thread.is_alive()
    go_on.set()
    batch.join(30)
    moderator_thread.join(30)

    assert errors == [] and finished_first and decided  # it did not wait for the batch
    assert counted() == real()


# ---- the undo of a ban with "hide all" ----------------------------------------------------


def assert_all_four_restored_once(event, troll, moderator):
    """Tess's comments are back as the ban found them, each of the ban's four hides taken
    back by one audit row of the moderator who undid the ban, and her record and the queue
    counters say so."""
    assert statuses() == {"Published 0.": Status.APPROVED, "Published 1.": Status.APPROVED,
                          "Published 2.": Status.APPROVED, "Pending one.": Status.PENDING,
                          "Hidden already.": Status.HIDDEN}
    undos = list(ModerationEvent.objects.filter(action="undone")
                 .values_list("undoes_id", "actor_id"))
    assert sorted(undos) == sorted((h.pk, moderator.pk) for h in event.hides.all())
    assert len(undos) == 4
    troll.refresh_from_db()
    assert (troll.approved_count, troll.pending_count, troll.hidden_count) == (3, 1, 1)
    assert counted() == real()


def test_the_undo_commits_the_standing_at_once_and_restores_nothing_in_the_request(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)

    undone = unban(event, moderator, django_capture_on_commit_callbacks, run=False)

    troll.refresh_from_db()
    assert not troll.is_banned
    assert (undone.action, undone.undoes, undone.actor, undone.reason) == (
        CommenterEvent.Action.UNDONE, event, moderator, "Undid the ban")
    assert set(statuses().values()) == {Status.HIDDEN}
    assert not ModerationEvent.objects.filter(action="undone").exists()
    assert people.ban_progress(troll) == people.Restoring(restored=0, left=4, kept=0)
    with pytest.raises(services.Conflict, match="already undone"):
        services.undo_commenter_event(event=event, actor=moderator)


def test_the_undos_task_restores_every_comment_the_ban_hid_through_undo(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)

    unban(event, moderator, django_capture_on_commit_callbacks, run=True)

    assert_all_four_restored_once(event, troll, moderator)
    assert people.ban_progress(troll) == people.Restoring(restored=4, left=0, kept=0)


def test_each_restoring_batch_is_its_own_transaction(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)
    unban(event, moderator, django_capture_on_commit_callbacks, run=False)
    first_two = sorted(people.hides_to_restore(event).values_list("pk", flat=True))[:2]

    assert people.restore_batch(ban_id=event.pk, hide_ids=first_two) is True

    assert sorted(ModerationEvent.objects.filter(action="undone")
                  .values_list("undoes_id", flat=True)) == first_two
    assert people.hides_to_restore(event).count() == 2
    assert counted() == real()


def test_a_restoring_task_that_died_half_way_finishes_when_run_again_and_doubles_nothing(
    troll, moderator, django_capture_on_commit_callbacks, monkeypatch
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)
    unban(event, moderator, django_capture_on_commit_callbacks, run=False)
    monkeypatch.setattr(people, "HIDE_BATCH", 1)
    real_undo = people.undo
    monkeypatch.setattr(people, "undo", dies_on_the_third_call(real_undo))
    with pytest.raises(SystemExit):
        tasks.restore_comments_of_ban.call(event.pk)
    # Two batches committed; the third one's transaction was rolled back with its undo.
    assert ModerationEvent.objects.filter(action="undone").count() == 2
    assert people.ban_progress(troll) == people.Restoring(restored=2, left=2, kept=0)
    assert counted() == real()

    monkeypatch.setattr(people, "undo", real_undo)
    tasks.restore_comments_of_ban.call(event.pk)
    tasks.restore_comments_of_ban.call(event.pk)  # and once more, for good measure

    assert_all_four_restored_once(event, troll, moderator)


def test_a_comment_a_moderator_decided_after_the_ban_stays_as_they_decided(
    troll, moderator, admin_user, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)
    services.approve(comment=Comment.objects.get(body="Published 0."), actor=admin_user)
    # Published again, then hidden for another reason.
    services.approve(comment=Comment.objects.get(body="Published 1."), actor=admin_user)
    services.hide(comment=Comment.objects.get(body="Published 1."), actor=admin_user,
                  reason="spam")
    undone_before = ModerationEvent.objects.filter(action="undone").count()

    unban(event, moderator, django_capture_on_commit_callbacks, run=True)

    assert statuses() == {"Published 0.": Status.APPROVED, "Published 1.": Status.HIDDEN,
                          "Published 2.": Status.APPROVED, "Pending one.": Status.PENDING,
                          "Hidden already.": Status.HIDDEN}
    assert Comment.objects.get(body="Published 1.").hidden_reason == "spam"
    assert ModerationEvent.objects.filter(action="undone").count() == undone_before + 2
    assert people.ban_progress(troll) == people.Restoring(restored=2, left=0, kept=2)
    assert counted() == real()


def test_a_hide_taken_back_by_a_moderator_meanwhile_is_not_taken_back_twice(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)
    services.undo(comment=Comment.objects.get(body="Published 0."), actor=moderator)

    unban(event, moderator, django_capture_on_commit_callbacks, run=True)

    assert_all_four_restored_once(event, troll, moderator)


def test_an_undo_while_the_hiding_runs_ends_with_every_comment_the_ban_hid_restored(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=False)
    # The hiding task lists its comments, hides two, and is undone before its next batch.
    hide_first_two(event)
    unban(event, moderator, django_capture_on_commit_callbacks, run=False)
    remaining = sorted(people.comments_to_hide(event).values_list("pk", flat=True))
    assert people.hide_batch(ban_id=event.pk, comment_ids=remaining) is False

    tasks.restore_comments_of_ban.call(event.pk)

    assert list(statuses().values()).count(Status.HIDDEN) == 1
    assert ModerationEvent.objects.filter(action="undone").count() == event.hides.count() == 2
    assert counted() == real()


def test_the_sweep_queues_again_a_restoring_whose_task_was_never_queued(
    troll, moderator, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)
    unban(event, moderator, django_capture_on_commit_callbacks, run=False)
    assert tasks.sweep_bans() == 0  # too recent: its task may be on its way

    later = timezone.now() + tasks.HIDE_SWEEP_AFTER + datetime.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert tasks.sweep_bans() == 1
        assert tasks.sweep_bans() == 0  # nothing left to restore

    assert_all_four_restored_once(event, troll, moderator)


def test_the_person_page_shows_the_restoring_under_way_and_then_its_outcome(
    troll, moderator, admin_user, moderator_client, django_capture_on_commit_callbacks
):
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)
    services.approve(comment=Comment.objects.get(body="Published 0."), actor=admin_user)
    page_url = reverse("moderation:commenter", args=[troll.pk])
    poll_url = reverse("moderation:commenter_hiding", args=[troll.pk])
    undo_url = reverse("moderation:commenter_undo", args=[event.pk])

    with django_capture_on_commit_callbacks(execute=False):
        response = moderator_client.post(undo_url, {"next": page_url}, follow=True)
    page = response.content.decode()
    assert ("Undid the ban of Tess; restoring the comments it hid (their page shows how far "
            "it got).") in page
    assert "Restoring their comments with the undo of the ban: 0 of 3 restored so far…" in page
    assert f'hx-get="{poll_url}"' in page

    first_two = sorted(people.hides_to_restore(event).values_list("pk", flat=True))[:2]
    people.restore_batch(ban_id=event.pk, hide_ids=first_two)
    line = moderator_client.get(poll_url, HTTP_HX_REQUEST="true").content.decode()
    assert "2 of 3 restored so far…" in line and "<html" not in line

    tasks.restore_comments_of_ban.call(event.pk)
    line = moderator_client.get(poll_url, HTTP_HX_REQUEST="true").content.decode()
    assert ("The undo of the ban restored 3 of their comments; 1 stays as a moderator "
            "decided it since.") in line
    assert "hx-get" not in line  # done: the page stops asking


@pytest.fixture
def hidden_by_a_ban(article, moderator, django_capture_on_commit_callbacks):
    """Make a person with `size` comments, banned with "hide all" and all hidden."""
    from tests.factories import make_article

    def make(size):
        published = make_article(comment_policy="post")
        for n in range(size):
            services.post_comment(article=published, author_name=f"Prolific {size}",
                                  author_email=f"prolific{size}@example.org",
                                  body=f"Comment {n}.")
        person = Commenter.objects.get(email_key=f"prolific{size}@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            event = services.ban_commenter(commenter=person, actor=moderator,
                                           reason="Troll", hide_all=True)
        assert event.hides.count() == size
        return event

    return make


@pytest.mark.parametrize("size", [5, 50])
def test_the_undo_request_asks_a_fixed_number_of_queries_whatever_the_comments_hidden(
    size, hidden_by_a_ban, moderator_client, django_assert_max_num_queries,
    django_capture_on_commit_callbacks
):
    event = hidden_by_a_ban(size)
    undo_url = reverse("moderation:commenter_undo", args=[event.pk])

    # The session, the user and their permissions (4), the ban with its person; then the
    # undo's transaction (its savepoint here, and its release): the ban and the person
    # locked, whether the ban was undone, the person saved, the undo's row. No comment.
    with django_assert_max_num_queries(12), \
            django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = moderator_client.post(undo_url)

    assert response.status_code == 302
    assert len(callbacks) == 1  # the restoring, queued once the undo commits
    assert event.commenter.comments.filter(status=Status.HIDDEN).count() == size


def test_a_bans_hides_are_not_learned_as_the_moderators_labels(troll, moderator,
                                                               django_capture_on_commit_callbacks):
    from moderation.triage import learning

    before = [pk for pk, *_ in learning.decisions(0)]
    event = ban(troll, moderator, django_capture_on_commit_callbacks, run=True)

    hidden_by_ban = set(event.hides.values_list("pk", flat=True))
    assert len(hidden_by_ban) == 4
    assert [pk for pk, *_ in learning.decisions(0)] == before
    assert learning.pending_decisions(limit=100) == len(before)
