"""Who may open and use /moderation/: every URL, GET and POST, for each kind of visitor."""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from moderation.models import Comment, Commenter, CommenterEvent, ModerationEvent, SavedQueue
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status

PAGES = ["moderation:queue", "moderation:log", "moderation:comment", "moderation:commenters",
         "moderation:commenter", "moderation:commenter_hiding", "moderation:saved_queues",
         "moderation:saved_counts", "moderation:live", "moderation:cards"]
ACTIONS = [
    "moderation:approve", "moderation:hide", "moderation:flag", "moderation:undo",
    "moderation:bulk_approve", "moderation:bulk_hide", "moderation:bulk_undo",
    "moderation:commenter_ban", "moderation:commenter_suspend",
    "moderation:commenter_premoderate", "moderation:commenter_trust",
    "moderation:commenter_note", "moderation:commenter_undo",
    "moderation:save_queue", "moderation:rename_queue", "moderation:delete_queue",
    "moderation:feature", "moderation:unfeature",
]
PER_COMMENT = {"moderation:comment", "moderation:approve", "moderation:hide",
               "moderation:flag", "moderation:undo", "moderation:feature",
               "moderation:unfeature"}
PER_COMMENTER = {"moderation:commenter", "moderation:commenter_hiding", "moderation:commenter_ban",
                 "moderation:commenter_suspend", "moderation:commenter_premoderate",
                 "moderation:commenter_trust", "moderation:commenter_note"}
PER_SAVED_QUEUE = {"moderation:rename_queue", "moderation:delete_queue"}


def url_for(name: str, comment: Comment) -> str:
    if name in PER_COMMENTER:
        return reverse(name, args=[comment.commenter_id])
    if name in PER_SAVED_QUEUE:
        return reverse(name, args=[SavedQueue.objects.get().pk])
    if name == "moderation:commenter_undo":
        return reverse(name, args=[comment.commenter.events.get().pk])
    return reverse(name, args=[comment.pk] if name in PER_COMMENT else [])


def unchanged(comment: Comment) -> bool:
    """Nothing was done: the comment, its writer and the audit trails are as they were."""
    comment.refresh_from_db()
    person = Commenter.objects.get(pk=comment.commenter_id)
    return (
        comment.status == Status.PENDING and not ModerationEvent.objects.exists()
        and not person.is_banned and not person.suspended_until and not person.trust
        and not person.premoderated
        and list(CommenterEvent.objects.values_list("action", flat=True)) == ["noted"]
        and list(SavedQueue.objects.values_list("name", flat=True)) == ["Desk"]
    )


def valid_post(name: str, comment: Comment) -> dict:
    """A body the action would accept, so a refusal can only come from the gate."""
    selected = f"{comment.pk}:{comment.status}"
    return {
        "moderation:approve": {"expected_status": comment.status},
        "moderation:hide": {"expected_status": comment.status, "reason": "spam"},
        "moderation:flag": {"expected_status": comment.status, "reason": "abusive"},
        "moderation:undo": {"expected_event_id": "1"},
        "moderation:bulk_approve": {"selected": selected},
        "moderation:bulk_hide": {"selected": selected, "reason": "spam"},
        "moderation:bulk_undo": {"events": "1"},
        "moderation:commenter_ban": {"reason": "spam", "hide_all": "on"},
        "moderation:commenter_suspend": {"reason": "heated", "days": "1"},
        "moderation:commenter_premoderate": {},
        "moderation:commenter_trust": {},
        "moderation:commenter_note": {"note": "Known troll."},
        "moderation:commenter_undo": {},
        "moderation:save_queue": {"name": "Another", "tab": "all", "sort": "oldest"},
        "moderation:rename_queue": {"name": "Renamed"},
    }.get(name, {})


@pytest.fixture
def comment(article, django_user_model):
    # A saved queue shared by a moderator, which renaming or deleting would change.
    owner = django_user_model.objects.create_user("sam")
    SavedQueue.objects.create(owner=owner, name="Desk", shared=True, tab="all", sort="oldest")
    person = Commenter.objects.create(display_name="Tess", email_key="tess@example.org")
    # One standing note, so undo has something it would take back.
    CommenterEvent.objects.create(commenter=person, action="noted", reason="Regular.")
    return make_comment(article, status=Status.PENDING, commenter=person)


def test_the_tables_below_cover_every_moderation_url():
    names = set()
    for entry in get_resolver().url_patterns:
        if getattr(entry, "namespace", None) == "moderation":
            names |= {f"moderation:{pattern.name}" for pattern in entry.url_patterns}
    assert names == set(PAGES) | set(ACTIONS)


@pytest.mark.parametrize("name", PAGES + ACTIONS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_log_in(client, comment, name, method):
    url = url_for(name, comment)
    response = getattr(client, method)(url, valid_post(name, comment))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert unchanged(comment)


@pytest.mark.parametrize("name", PAGES + ACTIONS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_without_the_permission_get_403(client, outsider, comment, name, method):
    client.force_login(outsider)
    response = getattr(client, method)(url_for(name, comment), valid_post(name, comment))
    assert response.status_code == 403
    assert unchanged(comment)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("user", ["moderator", "admin_user"])
def test_moderators_and_superusers_open_every_page(client, comment, name, user, request):
    client.force_login(request.getfixturevalue(user))
    assert client.get(url_for(name, comment)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_pages_refuse_post(moderator_client, comment, name):
    assert moderator_client.post(url_for(name, comment)).status_code == 405


@pytest.mark.parametrize("name", ACTIONS)
def test_state_changes_refuse_get_with_405(moderator_client, comment, name):
    response = moderator_client.get(url_for(name, comment), valid_post(name, comment))
    assert response.status_code == 405
    assert unchanged(comment)


@pytest.mark.parametrize("name", ACTIONS)
def test_a_post_without_a_csrf_token_is_refused(moderator, comment, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    response = client.post(url_for(name, comment), valid_post(name, comment))
    assert response.status_code == 403
    assert unchanged(comment)


def test_a_superuser_may_moderate(client, admin_user, comment):
    client.force_login(admin_user)
    response = client.post(reverse("moderation:approve", args=[comment.pk]),
                           {"expected_status": "pending"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert ModerationEvent.objects.get().actor == admin_user


def test_a_post_with_the_csrf_token_from_the_queue_page_works(moderator, comment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    page = client.get(reverse("moderation:queue"))
    token = page.cookies["csrftoken"].value
    response = client.post(reverse("moderation:approve", args=[comment.pk]),
                           {"expected_status": "pending", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
