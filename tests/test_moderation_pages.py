"""The context page of one comment and the moderation log."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, Reason
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action
LOG_URL = reverse("moderation:log")


def context_url(comment):
    return reverse("moderation:comment", args=[comment.pk])


@pytest.fixture
def thread(article):
    root = make_comment(article, author_name="Adam", body="Root words", status=Status.APPROVED)
    middle = make_comment(article, parent=root, author_name="Reader A", body="Middle words",
                          status=Status.HIDDEN)
    focus = make_comment(article, parent=middle, author_name="Reader B", body="Focus words",
                         status=Status.PENDING)
    reply = make_comment(article, parent=focus, author_name="Reader C", body="Reply words",
                         status=Status.PENDING)
    deeper = make_comment(article, parent=reply, author_name="Reader D", body="Deeper words")
    sibling = make_comment(article, parent=middle, author_name="Reader E", body="Sibling words")
    return {"root": root, "middle": middle, "focus": focus, "reply": reply, "deeper": deeper,
            "sibling": sibling}


def test_the_context_page_shows_ancestors_the_comment_and_its_replies_with_statuses(
    moderator_client, thread
):
    html = moderator_client.get(context_url(thread["focus"])).content.decode()
    order = [html.index(words) for words in
             ("Root words", "Middle words", "Focus words", "Reply words", "Deeper words")]
    assert order == sorted(order)
    assert "Sibling words" not in html  # not an ancestor nor a reply
    ancestors = html[: html.index(f'<article id="comment-{thread["focus"].pk}"')]
    assert ">Approved<" in ancestors and ">Hidden<" in ancestors
    # The comment itself is a full card with its actions, without the bulk checkbox.
    assert f'action="{reverse("moderation:hide", args=[thread["focus"].pk])}"' in html
    assert "data-mod-select" not in html


def test_the_context_page_lists_flags_open_and_resolved_and_the_full_history(
    moderator_client, thread, moderator, admin_user
):
    focus = thread["focus"]
    services.flag(comment=focus, actor=None, reason=Reason.SPAM, source=Flag.Source.READER,
                  reporter_key="r", actor_label="reader", note="buy now link")
    services.approve(comment=focus, actor=moderator)
    services.flag(comment=focus, actor=admin_user, reason=Reason.PERSONAL_ATTACK)
    html = moderator_client.get(context_url(focus)).content.decode()
    flags = html[html.index('id="flags-heading"'): html.index('id="history-heading"')]
    assert "Spam" in flags and "Reader" in flags and "buy now link" in flags
    assert "resolved by mona" in flags
    assert "Personal attack" in flags and ">open<" in flags
    history = html[html.index('id="history-heading"'):]
    assert [m for m in re.findall(r'class="badge [^"]*">(\w+)<', history)] == [
        "Reported", "Approved", "Flagged"]
    assert "pending → approved" in history


def test_the_context_page_costs_a_fixed_number_of_queries(
    moderator_client, article, moderator, django_assert_max_num_queries
):
    def measure(comment):
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            assert moderator_client.get(context_url(comment)).status_code == 200
        return len(queries)

    small = make_comment(article, status=Status.PENDING)
    make_comment(article, parent=small)
    services.flag(comment=small, actor=moderator, reason=Reason.SPAM)
    big = make_comment(article, status=Status.PENDING)
    parent = big
    for i in range(150):
        parent = make_comment(article, parent=parent if parent.depth < 10 else big)
        if i % 10 == 0:
            services.flag(comment=big, actor=None, reason=Reason.SPAM,
                          source=Flag.Source.READER, reporter_key=f"r{i}")
    assert measure(small) == measure(big)


def test_an_unknown_comment_page_is_404(moderator_client):
    assert moderator_client.get(reverse("moderation:comment", args=[424242])).status_code == 404


# ---- the log -------------------------------------------------------------------------------

def log_rows(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'href="/moderation/comments/(\d+)/">#', response.content.decode())


@pytest.fixture
def history(article, moderator, admin_user):
    other = make_article(title="Other story")
    a = make_comment(article, status=Status.PENDING, author_name="First")
    b = make_comment(other, status=Status.PENDING, author_name="Second")
    services.approve(comment=a, actor=moderator)
    services.hide(comment=b, actor=admin_user, reason=Reason.SPAM, note="casino")
    services.flag(comment=a, actor=admin_user, reason=Reason.ABUSIVE)
    return {"a": a, "b": b, "other": other}


def test_the_log_lists_every_event_newest_first(moderator_client, history):
    response = moderator_client.get(LOG_URL)
    assert log_rows(response) == [str(history["a"].pk), str(history["b"].pk),
                                  str(history["a"].pk)]
    html = response.content.decode()
    assert "casino" in html and "Pending → Hidden" in html
    assert "3 events, newest first" in html


def test_the_log_filters_by_moderator_action_and_article(moderator_client, history, moderator):
    assert log_rows(moderator_client.get(LOG_URL, {"moderator": moderator.pk})) == [
        str(history["a"].pk)]
    assert log_rows(moderator_client.get(LOG_URL, {"action": "hidden"})) == [str(history["b"].pk)]
    assert log_rows(moderator_client.get(LOG_URL, {"article": history["other"].pk})) == [
        str(history["b"].pk)]


def test_the_log_filters_by_date_range_in_whole_days(moderator_client, history):
    old = ModerationEvent.objects.get(action=Action.HIDDEN)
    old.created_at = timezone.now() - timedelta(days=10)
    old.save(update_fields=["created_at"])
    today = timezone.localdate()
    recent = log_rows(moderator_client.get(LOG_URL, {"date_from": today.isoformat()}))
    assert str(history["b"].pk) not in recent and len(recent) == 2
    day = timezone.localtime(old.created_at).date().isoformat()
    assert log_rows(moderator_client.get(LOG_URL, {"date_from": day, "date_to": day})) == [
        str(history["b"].pk)]


@pytest.mark.parametrize("params", [
    {"moderator": "nobody"}, {"action": "deleted"}, {"article": "x"},
    {"date_from": "yesterday"}, {"date_from": "2030-01-02", "date_to": "2030-01-01"},
    {"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"page": "zzz"},
])
def test_bad_log_filters_are_ignored_with_a_notice(moderator_client, history, params):
    response = moderator_client.get(LOG_URL, params)
    assert response.status_code == 200
    if "page" not in params:
        assert "The filter was ignored." in response.content.decode()


def test_the_log_is_paged_and_costs_the_same_queries_at_any_size(
    moderator_client, article, moderator, django_assert_max_num_queries
):
    comments = [make_comment(article, status=Status.PENDING) for _ in range(3)]
    for comment in comments:
        services.approve(comment=comment, actor=moderator)
    cache.clear()  # the article menu read each time, as a cold cache does
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as small:
        moderator_client.get(LOG_URL)
    comments = [make_comment(make_article(), status=Status.PENDING) for _ in range(120)]
    for comment in comments:
        services.hide(comment=comment, actor=moderator, reason=Reason.SPAM)
    cache.clear()
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as large:
        response = moderator_client.get(LOG_URL, {"page": 2})
    assert len(small) == len(large)
    assert len(log_rows(response)) == 50
    assert "Page 2 of 3" in response.content.decode()
