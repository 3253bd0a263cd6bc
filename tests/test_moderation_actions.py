"""Approve, hide, flag and undo from the workspace: with htmx (the card is swapped in place)
and without JavaScript (post, redirect back, Django message). Each asserts the comment's
state and its audit rows."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, QueueCount, Reason
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action
HTMX = {"HTTP_HX_REQUEST": "true"}
NEXT = "/moderation/?tab=pending&article=1&page=2"


@pytest.fixture
def pending(article):
    return make_comment(article, status=Status.PENDING, author_name="Reader B")


def url(name, comment):
    return reverse(f"moderation:{name}", args=[comment.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def events(comment):
    return list(comment.events.order_by("id").values_list("action", "actor__username"))


# ---- without JavaScript -------------------------------------------------------------------

def test_approve_publishes_redirects_back_to_the_same_queue_view_and_says_so(
    moderator_client, pending
):
    response = moderator_client.post(url("approve", pending),
                                     {"expected_status": "pending", "next": NEXT})
    assert response.status_code == 302 and response.url == NEXT
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert events(pending) == [(Action.APPROVED, "mona")]
    assert messages_of(response) == [f"Approved Reader B’s comment (#{pending.pk})."]


def test_the_next_page_offers_undo_for_the_last_action_once(moderator_client, pending):
    moderator_client.post(url("approve", pending), {"expected_status": "pending", "next": NEXT})
    event = ModerationEvent.objects.get()
    html = moderator_client.get("/moderation/").content.decode()
    assert f'action="{url("undo", pending)}"' in html
    assert f'name="expected_event_id" value="{event.pk}"' in html
    assert "data-mod-undo" in html
    assert "data-mod-undo" not in moderator_client.get("/moderation/").content.decode()


def test_hide_records_the_reason_and_note(moderator_client, pending):
    response = moderator_client.post(url("hide", pending), {
        "expected_status": "pending", "reason": "off_topic", "note": "About Hungary",
        "next": NEXT,
    })
    assert response.status_code == 302 and response.url == NEXT
    pending.refresh_from_db()
    assert pending.status == Status.HIDDEN
    event = ModerationEvent.objects.get()
    assert (event.action, event.reason, event.note) == (Action.HIDDEN, "off_topic", "About Hungary")
    assert messages_of(response) == [f"Hid Reader B’s comment (#{pending.pk}) as off-topic."]


def test_flag_opens_a_flag_and_keeps_the_status(moderator_client, pending, moderator):
    response = moderator_client.post(url("flag", pending), {
        "expected_status": "pending", "reason": "abusive", "note": "slur", "next": NEXT,
    })
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    flag = Flag.objects.get()
    assert (flag.reason, flag.source, flag.note, flag.created_by) == (
        "abusive", "moderator", "slur", moderator)
    assert events(pending) == [(Action.FLAGGED, "mona")]


def test_hide_without_a_reason_changes_nothing_and_says_why(moderator_client, pending):
    response = moderator_client.post(url("hide", pending),
                                     {"expected_status": "pending", "next": NEXT})
    assert response.status_code == 302 and response.url == NEXT
    assert messages_of(response) == ["Choose why the comment is hidden."]
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert not ModerationEvent.objects.exists()


@pytest.mark.parametrize("data, message", [
    ({"expected_status": "pending"}, "Choose a reason for the flag."),
    ({"expected_status": "pending", "reason": "rude"}, "Choose one of the listed reasons."),
    ({"expected_status": "pending", "reason": "other"}, "Say what is wrong"),
    ({"reason": "spam"}, "This form is out of date"),
    ({"expected_status": "published", "reason": "spam"}, "This form is out of date"),
])
def test_bad_flag_input_changes_nothing(moderator_client, pending, data, message):
    response = moderator_client.post(url("flag", pending), data)
    assert response.status_code == 302
    assert messages_of(response)[0].startswith(message)
    assert not Flag.objects.exists() and not ModerationEvent.objects.exists()


def test_a_stale_form_is_refused_with_who_acted(moderator_client, pending, admin_user):
    services.approve(comment=pending, actor=admin_user)
    response = moderator_client.post(url("hide", pending), {
        "expected_status": "pending", "reason": "spam", "next": NEXT,
    })
    assert response.status_code == 302
    assert messages_of(response) == [f"Comment #{pending.pk} was already approved by ada."]
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert events(pending) == [(Action.APPROVED, "ada")]


def test_an_unknown_comment_is_a_clear_404(moderator_client):
    response = moderator_client.post(reverse("moderation:approve", args=[987654]),
                                     {"expected_status": "pending"})
    assert response.status_code == 404
    assert "Comment #987654 does not exist; nothing was changed." in response.content.decode()


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example/", "/admin/", "javascript:alert(1)",
])
def test_next_only_ever_leads_back_into_the_workspace(moderator_client, pending, target):
    response = moderator_client.post(url("approve", pending),
                                     {"expected_status": "pending", "next": target})
    assert response.url == "/moderation/"


def test_approving_an_approved_comment_is_a_no_op_without_an_audit_row(
    moderator_client, article
):
    comment = make_comment(article, status=Status.APPROVED)
    response = moderator_client.post(url("approve", comment), {"expected_status": "approved"})
    assert messages_of(response) == [
        f"{comment.author_name}’s comment (#{comment.pk}) was already approved; nothing changed."
    ]
    assert not ModerationEvent.objects.exists()


def test_undo_restores_the_status_and_logs_the_undo(moderator_client, pending, moderator):
    event = services.hide(comment=pending, actor=moderator, reason=Reason.SPAM)
    response = moderator_client.post(url("undo", pending), {"expected_event_id": event.pk})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert events(pending) == [(Action.HIDDEN, "mona"), (Action.UNDONE, "mona")]
    assert ModerationEvent.objects.get(action=Action.UNDONE).undoes == event
    assert messages_of(response) == [
        f"Hide undone: Reader B’s comment (#{pending.pk}) is back to pending."
    ]


def test_undo_refuses_when_someone_decided_since(moderator_client, pending, moderator,
                                                 admin_user):
    first = services.approve(comment=pending, actor=moderator)
    services.hide(comment=pending, actor=admin_user, reason=Reason.SPAM)
    response = moderator_client.post(url("undo", pending), {"expected_event_id": first.pk})
    assert "hidden by ada after that; nothing was undone" in messages_of(response)[0]
    pending.refresh_from_db()
    assert pending.status == Status.HIDDEN
    assert not ModerationEvent.objects.filter(action=Action.UNDONE).exists()


def test_undo_without_the_event_id_is_refused(moderator_client, pending, moderator):
    services.approve(comment=pending, actor=moderator)
    response = moderator_client.post(url("undo", pending), {})
    assert messages_of(response) == ["This form is out of date; reload the page and try again."]
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED


# ---- with htmx ------------------------------------------------------------------------------

def test_with_htmx_approve_returns_the_updated_card_and_a_status_with_undo(
    moderator_client, pending
):
    response = moderator_client.post(url("approve", pending),
                                     {"expected_status": "pending", "next": "/moderation/"},
                                     **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<article id="comment-{pending.pk}"')
    assert 'data-status="approved"' in html
    # The card left the Needs review queue: it stays in place, marked as done.
    assert "mod-card-done" in html
    assert "Approved by mona" in html
    event = ModerationEvent.objects.get()
    assert '<div id="mod-status"' in html and 'hx-swap-oob="true"' in html
    assert f'name="expected_event_id" value="{event.pk}"' in html
    assert f"Approved Reader B’s comment (#{pending.pk})." in html
    # No Django message is left behind for the next full page.
    assert messages_of(response) == []


def test_with_htmx_the_tab_counts_follow_the_action_and_keep_the_filters(
    moderator_client, pending, article
):
    make_comment(article, status=Status.PENDING, body="another")
    response = moderator_client.post(url("approve", pending), {
        "expected_status": "pending", "next": "/moderation/?tab=pending&author=Reader+B",
    }, **HTMX)
    html = response.content.decode()
    tabs = html[html.index('<nav id="mod-tabs"'):]
    assert 'hx-swap-oob="true"' in tabs[:120]
    # An author filter is not in the counters: the shown tab is counted, the others not.
    assert re.search(r'data-tab="pending">\s*Pending <span[^>]*data-count>0<', tabs)
    assert re.search(r'not counted under these filters\)" data-tab="approved">\s*Approved\s*</a>',
                     tabs)
    assert 'href="?tab=all&amp;author=Reader+B"' in tabs


def test_with_htmx_the_tab_counts_by_article_come_from_the_counters(moderator_client, pending,
                                                                     article):
    make_comment(article, status=Status.PENDING, body="another")
    response = moderator_client.post(url("approve", pending), {
        "expected_status": "pending", "next": f"/moderation/?tab=pending&article={article.pk}",
    }, **HTMX)
    tabs = response.content.decode().split('<nav id="mod-tabs"', 1)[1]
    assert re.search(r'data-tab="pending">\s*Pending <span[^>]*data-count>1<', tabs)
    assert re.search(r'data-tab="approved">\s*Approved <span[^>]*data-count>1<', tabs)
    assert QueueCount.objects.get(article=article, queue="approved").count == 1


def test_with_htmx_a_card_still_in_the_queue_is_not_marked_done(moderator_client, pending):
    response = moderator_client.post(url("flag", pending), {
        "expected_status": "pending", "reason": "spam", "next": "/moderation/?tab=flagged",
    }, **HTMX)
    html = response.content.decode()
    assert "mod-card-done" not in html
    assert "⚑ Spam" in html


def test_with_htmx_a_stale_form_answers_409_with_the_current_card(
    moderator_client, pending, admin_user
):
    services.approve(comment=pending, actor=admin_user)
    response = moderator_client.post(url("approve", pending),
                                     {"expected_status": "pending"}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-status="approved"' in html
    assert f"Comment #{pending.pk} was already approved by ada." in html
    assert 'role="alert"' in html
    assert ModerationEvent.objects.count() == 1


def test_with_htmx_a_missing_reason_answers_422_with_the_panel_open(moderator_client, pending):
    response = moderator_client.post(url("hide", pending),
                                     {"expected_status": "pending", "note": "kept text"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-mod-panel="hide" open' in html
    assert 'value="kept text"' in html
    assert "Choose why the comment is hidden." in html
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert not ModerationEvent.objects.exists()


def test_with_htmx_an_unknown_comment_answers_404_with_a_status_only(moderator_client):
    response = moderator_client.post(reverse("moderation:hide", args=[987654]),
                                     {"expected_status": "pending", "reason": "spam"}, **HTMX)
    assert response.status_code == 404
    assert response["HX-Reswap"] == "none"
    assert "Comment #987654 does not exist" in response.content.decode()


def test_with_htmx_undo_swaps_the_card_back(moderator_client, pending, moderator):
    event = services.approve(comment=pending, actor=moderator)
    response = moderator_client.post(url("undo", pending), {"expected_event_id": event.pk},
                                     **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="pending"' in html and "data-mod-undo" not in html
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_a_card_offers_undo_of_its_last_decision_only_until_undone(
    moderator_client, pending, moderator
):
    event = services.hide(comment=pending, actor=moderator, reason=Reason.SPAM)
    html = moderator_client.get("/moderation/", {"tab": "hidden"}).content.decode()
    assert f'name="expected_event_id" value="{event.pk}"' in html
    assert "Undo hide" in html
    services.undo(comment=pending, actor=moderator, expected_event_id=event.pk)
    html = moderator_client.get("/moderation/").content.decode()
    assert "Undo hide" not in html


def test_each_action_leaves_exactly_one_audit_row(moderator_client, pending):
    moderator_client.post(url("flag", pending), {"expected_status": "pending",
                                                 "reason": "abusive"}, **HTMX)
    moderator_client.post(url("hide", pending), {"expected_status": "pending",
                                                 "reason": "abusive"}, **HTMX)
    hidden = ModerationEvent.objects.get(action=Action.HIDDEN)
    moderator_client.post(url("undo", pending), {"expected_event_id": hidden.pk}, **HTMX)
    moderator_client.post(url("approve", pending), {"expected_status": "pending"}, **HTMX)
    assert events(pending) == [
        (Action.FLAGGED, "mona"), (Action.HIDDEN, "mona"), (Action.UNDONE, "mona"),
        (Action.APPROVED, "mona"),
    ]
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert not Flag.objects.open().exists()


@pytest.mark.parametrize("replies", [0, 112])
def test_an_approve_request_costs_the_same_whatever_the_subtree(
    moderator_client, article, django_assert_max_num_queries, replies
):
    comment = make_comment(article, status=Status.PENDING)
    parent = comment
    for _ in range(replies):
        parent = make_comment(article, parent=parent if parent.depth < 10 else comment)
    # 15, and one in 20 also counts the cache table (config/cache.py)
    with django_assert_max_num_queries(16):
        response = moderator_client.post(url("approve", comment),
                                         {"expected_status": "pending"}, **HTMX)
    assert response.status_code == 200


def test_undoing_a_flag_resolves_it_and_says_so(moderator_client, pending, moderator):
    flag = services.flag(comment=pending, actor=moderator, reason=Reason.SPAM)
    response = moderator_client.post(url("undo", pending), {"expected_event_id": flag.event_id})
    assert messages_of(response) == [f"Flag undone on Reader B’s comment (#{pending.pk})."]
    assert not Flag.objects.open().exists()
    assert events(pending) == [(Action.FLAGGED, "mona"), (Action.UNDONE, "mona")]
