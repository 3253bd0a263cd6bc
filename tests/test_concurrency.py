"""Two moderators act on the same comments at the same moment (PostgreSQL, real row locks).

Each moderator runs in its own thread with its own database connection; a barrier starts
both on each comment together. Exactly one decision per comment may win, the other
moderator must be told who won, and the audit log must hold the winning events only.
"""

import threading
import time
from collections import defaultdict

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from moderation import services
from moderation.models import Comment, ModerationEvent, Reason
from tests.factories import make_comment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Status = Comment.Status
Action = ModerationEvent.Action
ROUNDS = 20


@pytest.fixture
def second_moderator(django_user_model):
    user = django_user_model.objects.create_user("max", password="moderator-pass-2")
    # A transactional test's flush drops the Moderators group its data migration made.
    user.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    return user


@pytest.fixture
def comments(article):
    return [make_comment(article, status=Status.PENDING) for _ in range(ROUNDS)]


def run_together(*workers):
    """Run each worker(barrier) in its own thread; return the exceptions they raised."""
    barrier = threading.Barrier(len(workers), timeout=30)
    errors = []

    def run(worker):
        try:
            worker(barrier)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a moderator thread hung"
    return errors


def test_one_approves_one_hides_each_comment_exactly_one_wins(
    comments, moderator, second_moderator
):
    outcomes = defaultdict(dict)  # comment id -> {username: "won" | refusal message}
    ids = [c.pk for c in comments]

    def moderator_at_work(user, decide):
        def work(barrier):
            for pk in ids:
                comment = Comment.objects.get(pk=pk)  # what this moderator's page showed
                barrier.wait()
                try:
                    decide(comment=comment, actor=user, expected_status=Status.PENDING)
                except services.Conflict as refusal:
                    outcomes[pk][user.username] = str(refusal)
                else:
                    outcomes[pk][user.username] = "won"
        return work

    def hide_as_spam(**kwargs):
        return services.hide(reason=Reason.SPAM, **kwargs)

    errors = run_together(moderator_at_work(moderator, services.approve),
                          moderator_at_work(second_moderator, hide_as_spam))
    assert errors == []

    wins = defaultdict(int)
    for pk in ids:
        results = outcomes[pk]
        assert sorted(results) == ["max", "mona"]
        [winner] = [name for name, result in results.items() if result == "won"]
        [loser] = [name for name in results if name != winner]
        wins[winner] += 1
        comment = Comment.objects.get(pk=pk)
        verb, status = ("approved", Status.APPROVED) if winner == "mona" else (
            "hidden", Status.HIDDEN)
        assert comment.status == status
        assert results[loser] == f"Comment #{pk} was already {verb} by {winner}."
        # The audit log holds the winning decision and nothing else.
        assert list(comment.events.values_list("action", "actor__username", "status_before",
                                               "status_after")) == [
            (verb, winner, Status.PENDING, status)]
    assert sum(wins.values()) == ROUNDS
    assert ModerationEvent.objects.count() == ROUNDS


def test_two_moderators_posting_from_their_browsers_get_one_success_and_one_409(
    comments, moderator, second_moderator
):
    statuses = defaultdict(dict)  # comment id -> {username: HTTP status}
    ids = [c.pk for c in comments[:10]]

    def browser(user, name, data):
        def work(barrier):
            client = Client()
            client.force_login(user)
            for pk in ids:
                barrier.wait()
                response = client.post(
                    reverse(f"moderation:{name}", args=[pk]),
                    {"expected_status": "pending", "next": "/moderation/", **data},
                    HTTP_HX_REQUEST="true",
                )
                statuses[pk][user.username] = (response.status_code, response.content.decode())
        return work

    errors = run_together(browser(moderator, "approve", {}),
                          browser(second_moderator, "hide", {"reason": "abusive"}))
    assert errors == []
    for pk in ids:
        codes = sorted(code for code, _ in statuses[pk].values())
        assert codes == [200, 409]
        [(loser, (_, html))] = [(n, r) for n, r in statuses[pk].items() if r[0] == 409]
        assert "already" in html and ("by mona" in html or "by max" in html)
        assert Comment.objects.get(pk=pk).events.count() == 1
    assert ModerationEvent.objects.filter(comment_id__in=ids).count() == len(ids)


def test_a_post_in_flight_while_a_ban_commits_is_refused(article, moderator):
    first = services.post_comment(article=article, author_name="Troll",
                                  author_email="troll@example.org", body="First words here.")
    banned = threading.Event()

    def ban_and_hold(barrier):
        # The ban is made and its transaction held open a moment, as a slow request would.
        with transaction.atomic():
            services.ban_commenter(commenter=first.commenter, actor=moderator, reason="Spam")
            banned.set()
            time.sleep(0.5)

    refused = []

    def post_meanwhile(barrier):
        assert banned.wait(10)
        try:
            services.post_comment(article=article, author_name="Troll",
                                  author_email="troll@example.org", body="Second words here.")
        except services.ModerationError as error:
            refused.append(str(error))

    assert run_together(ban_and_hold, post_meanwhile) == []
    assert len(refused) == 1 and "banned you (Spam)" in refused[0]
    assert list(Comment.objects.values_list("pk", flat=True)) == [first.pk]
