"""Bulk approve, bulk hide and the undo of a bulk action, through the workspace views."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from moderation import services
from moderation.forms import MAX_BULK
from moderation.models import Comment, ModerationEvent, Reason
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action
HTMX = {"HTTP_HX_REQUEST": "true"}
BULK_APPROVE = reverse("moderation:bulk_approve")
BULK_HIDE = reverse("moderation:bulk_hide")
BULK_UNDO = reverse("moderation:bulk_undo")


@pytest.fixture
def three(article):
    return [make_comment(article, status=Status.PENDING) for _ in range(3)]


def selected(*comments, status="pending"):
    return [f"{c.pk}:{status}" for c in comments]


def statuses(comments):
    return [Comment.objects.get(pk=c.pk).status for c in comments]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_bulk_approve_approves_each_selected_comment_with_its_own_audit_row(
    moderator_client, three
):
    response = moderator_client.post(BULK_APPROVE, {"selected": selected(*three[:2]),
                                                    "next": "/moderation/?page=1"})
    assert response.status_code == 302 and response.url == "/moderation/?page=1"
    assert statuses(three) == [Status.APPROVED, Status.APPROVED, Status.PENDING]
    assert sorted(ModerationEvent.objects.values_list("comment_id", "action")) == [
        (three[0].pk, Action.APPROVED), (three[1].pk, Action.APPROVED)]
    assert messages_of(response) == ["Approved 2 comments."]


def test_bulk_hide_needs_a_reason_and_changes_nothing_without_one(moderator_client, three):
    response = moderator_client.post(BULK_HIDE, {"selected": selected(*three)})
    assert messages_of(response) == ["Choose why the comments are hidden."]
    assert statuses(three) == [Status.PENDING] * 3
    assert not ModerationEvent.objects.exists()


def test_bulk_hide_records_the_reason_on_each(moderator_client, three):
    moderator_client.post(BULK_HIDE, {"selected": selected(*three), "reason": "spam",
                                      "note": "same link"})
    assert statuses(three) == [Status.HIDDEN] * 3
    assert set(ModerationEvent.objects.values_list("action", "reason", "note")) == {
        (Action.HIDDEN, "spam", "same link")}


def test_a_stale_selection_refuses_only_the_comments_that_changed(
    moderator_client, three, admin_user
):
    services.hide(comment=three[1], actor=admin_user, reason=Reason.ABUSIVE)
    response = moderator_client.post(BULK_APPROVE, {"selected": selected(*three)})
    assert statuses(three) == [Status.APPROVED, Status.HIDDEN, Status.APPROVED]
    assert messages_of(response) == [
        f"Approved 2 comments. Comment #{three[1].pk} was already hidden by ada."]
    assert ModerationEvent.objects.filter(action=Action.APPROVED).count() == 2


def test_a_selection_that_no_longer_exists_is_reported(moderator_client, three):
    response = moderator_client.post(BULK_APPROVE,
                                     {"selected": [*selected(three[0]), "99999:pending"]})
    assert messages_of(response) == ["Approved 1 comment. 1 comment no longer exists."]


def test_already_approved_comments_are_counted_apart(moderator_client, article, three):
    done = make_comment(article, status=Status.APPROVED)
    response = moderator_client.post(
        BULK_APPROVE, {"selected": [*selected(three[0]), *selected(done, status="approved")]})
    assert messages_of(response) == ["Approved 1 comment. 1 comment already approved; "
                                     "left as it was."]
    assert ModerationEvent.objects.count() == 1


@pytest.mark.parametrize("data, message", [
    ({}, "Select at least one comment."),
    ({"selected": ["12"]}, "The selection is not understood"),
    ({"selected": ["x:pending"]}, "The selection is not understood"),
    ({"selected": ["12:published"]}, "The selection is not understood"),
    ({"selected": ["99999999999999999999:pending"]}, "The selection is not understood"),
    ({"selected": [f"{i}:pending" for i in range(1, MAX_BULK + 2)]},
     f"Select at most {MAX_BULK} comments"),
])
def test_bad_selections_change_nothing(moderator_client, three, data, message):
    response = moderator_client.post(BULK_APPROVE, data)
    assert messages_of(response)[0].startswith(message)
    assert statuses(three) == [Status.PENDING] * 3
    assert not ModerationEvent.objects.exists()


def test_with_htmx_bulk_returns_every_card_out_of_band_and_an_undo_for_all(
    moderator_client, three
):
    response = moderator_client.post(BULK_APPROVE, {"selected": selected(*three[:2]),
                                                    "next": "/moderation/"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    html = response.content.decode()
    for comment in three[:2]:
        assert f'<article id="comment-{comment.pk}"' in html
    # Two cards, the status line and the tabs with their new counts.
    assert html.count('hx-swap-oob="true"') == 4
    for event in ModerationEvent.objects.all():
        assert f'name="events" value="{event.pk}"' in html
    assert f'action="{BULK_UNDO}"' in html


def test_bulk_undo_takes_back_every_decision_of_the_bulk_action(moderator_client, three):
    moderator_client.post(BULK_HIDE, {"selected": selected(*three), "reason": "spam"})
    hidden = list(ModerationEvent.objects.values_list("pk", flat=True))
    response = moderator_client.post(BULK_UNDO, {"events": hidden})
    assert messages_of(response)[-1] == "Undid 3 decisions."
    assert statuses(three) == [Status.PENDING] * 3
    assert ModerationEvent.objects.filter(action=Action.UNDONE).count() == 3


def test_bulk_undo_skips_comments_decided_again_since(moderator_client, three, admin_user):
    moderator_client.post(BULK_APPROVE, {"selected": selected(*three)})
    approved = list(ModerationEvent.objects.values_list("pk", flat=True))
    services.hide(comment=three[0], actor=admin_user, reason=Reason.SPAM)
    response = moderator_client.post(BULK_UNDO, {"events": approved}, **HTMX)
    html = response.content.decode()
    assert "Undid 2 decisions." in html and "hidden by ada after that" in html
    assert statuses(three) == [Status.HIDDEN, Status.PENDING, Status.PENDING]


def test_bulk_undo_with_nothing_to_undo_says_so(moderator_client):
    response = moderator_client.post(BULK_UNDO, {})
    assert messages_of(response) == ["There is nothing to undo."]
    response = moderator_client.post(BULK_UNDO, {"events": ["424242"]})
    assert messages_of(response)[-1] == "1 decision not found."
    response = moderator_client.post(BULK_UNDO, {"events": ["99999999999999999999"]})
    assert messages_of(response)[-1].startswith("Select a valid choice.")
