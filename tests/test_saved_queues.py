"""Saved queues: a moderator saves the queue page's filters and sort under a name, for
themselves or shared with the team; they appear beside the tabs, open with one click and
show the queue's own count; their owner (or, for a shared one, an admin) renames or
deletes them."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation import services
from moderation.models import Comment, Reason, SavedQueue
from moderation.queues import tab_counts
from moderation.saved import count_saved
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
QUEUE_URL = reverse("moderation:queue")
SAVE_URL = reverse("moderation:save_queue")
COUNTS_URL = reverse("moderation:saved_counts")
LIST_URL = reverse("moderation:saved_queues")


@pytest.fixture
def colleague(django_user_model, moderator):
    """A second moderator, in the same group as mona."""
    user = django_user_model.objects.create_user("mike", password="moderator-pass-2")
    user.groups.set(moderator.groups.all())
    user.user_permissions.set(moderator.user_permissions.all())
    return user


def filters(**values):
    return {"tab": "needs_review", "sort": "oldest", "article": None, "reason": "",
            "author": "", "text": "", "commenter": None, **values}


def save(owner, name="Mine", shared=False, **values):
    return services.save_queue(owner=owner, name=name, filters=filters(**values),
                               shared=shared)


def form(name="Politics desk, priority", **values):
    return {"name": name, "tab": "needs_review", "sort": "priority", **values}


# Services


def test_it_saves_the_filters_and_sort_under_a_name(moderator, article):
    saved = save(moderator, "Politics desk, priority", tab="flagged", sort="priority",
                 article=article, reason=Reason.ABUSIVE, author="rita", text="council")
    saved.refresh_from_db()
    assert (saved.owner, saved.name, saved.shared) == (moderator, "Politics desk, priority",
                                                       False)
    assert saved.params() == {"tab": "flagged", "sort": "priority", "article": str(article.pk),
                              "reason": "abusive", "author": "rita", "q": "council"}


def test_a_name_is_tidied_and_must_be_new_to_its_owner_ignoring_case(moderator, colleague):
    assert save(moderator, "  Politics   desk ").name == "Politics desk"
    with pytest.raises(services.ModerationError, match="already have a queue named"):
        save(moderator, "POLITICS DESK")
    assert save(colleague, "Politics desk").owner == colleague
    with pytest.raises(services.ModerationError, match="name"):
        save(moderator, "   ")
    assert SavedQueue.objects.count() == 2


def test_a_moderator_keeps_at_most_twenty(moderator):
    for n in range(services.saved.MAX_PER_OWNER):
        save(moderator, f"Queue {n}")
    with pytest.raises(services.ModerationError, match="delete one first"):
        save(moderator, "One more")
    assert SavedQueue.objects.count() == services.saved.MAX_PER_OWNER


def test_own_queues_are_private_and_shared_ones_are_seen_by_everyone(moderator, colleague):
    mine = save(moderator, "Mine")
    ours = save(moderator, "Ours", shared=True)
    theirs = save(colleague, "Theirs")
    team = save(colleague, "Team", shared=True)
    assert list(SavedQueue.objects.visible_to(moderator)) == [mine, ours, team]
    assert list(SavedQueue.objects.visible_to(colleague)) == [team, theirs, ours]
    assert theirs not in SavedQueue.objects.visible_to(moderator)


def test_only_the_owner_renames_or_deletes_unless_an_admin_acts_on_a_shared_one(
    moderator, colleague, admin_user
):
    private = save(moderator, "Private")
    shared = save(moderator, "Shared", shared=True)
    for saved in (private, shared):
        with pytest.raises(PermissionDenied):
            services.rename_saved_queue(saved=saved, actor=colleague, name="Taken over")
        with pytest.raises(PermissionDenied):
            services.delete_saved_queue(saved=saved, actor=colleague)
    with pytest.raises(PermissionDenied):
        services.delete_saved_queue(saved=private, actor=admin_user)
    assert services.rename_saved_queue(saved=shared, actor=admin_user, name="Desk").name == "Desk"
    assert services.delete_saved_queue(saved=shared, actor=admin_user) is not None
    assert list(SavedQueue.objects.values_list("name", flat=True)) == ["Private"]


def test_a_user_with_the_delete_permission_may_delete_a_shared_queue(moderator, colleague):
    shared = save(moderator, "Shared", shared=True)
    colleague.user_permissions.add(Permission.objects.get(codename="delete_savedqueue"))
    colleague = type(colleague).objects.get(pk=colleague.pk)  # fresh permission cache
    assert services.delete_saved_queue(saved=shared, actor=colleague) is not None
    assert not SavedQueue.objects.exists()


def test_renaming_to_the_same_name_or_deleting_twice_changes_nothing(moderator):
    saved = save(moderator, "Desk")
    assert services.rename_saved_queue(saved=saved, actor=moderator, name=" Desk ") is None
    assert services.delete_saved_queue(saved=saved, actor=moderator) is not None
    assert services.delete_saved_queue(saved=saved, actor=moderator) is None


def test_counts_are_the_tabs_own_counts(moderator, article):
    other = make_article()
    for _ in range(3):
        make_comment(article, status=Status.PENDING, author_name="Rita")
    make_comment(other, status=Status.PENDING, author_name="Sam")
    make_comment(article, status=Status.APPROVED, author_name="Rita")
    everything = save(moderator, "Everything")
    on_article = save(moderator, "Article", article=article)
    by_rita = save(moderator, "Rita", tab="pending", author="rita")
    approved = save(moderator, "Approved", tab="approved", article=other)
    counts = count_saved([everything, on_article, by_rita, approved])
    assert {pk: (c.value, c.filtered) for pk, c in counts.items()} == {
        everything.pk: (4, False), on_article.pk: (3, False), by_rita.pk: (3, True),
        approved.pk: (0, False),
    }
    assert counts[by_rita.pk] == tab_counts(author="rita", tab="pending")["pending"]


def test_a_filtered_count_stops_at_the_limit(moderator, article, monkeypatch):
    monkeypatch.setattr("moderation.queues.FILTERED_COUNT_LIMIT", 2)
    for _ in range(3):
        make_comment(article, status=Status.PENDING, author_name="Rita")
    saved = save(moderator, "Rita", author="rita")
    count = count_saved([saved])[saved.pk]
    assert (count.value, count.at_least, str(count)) == (2, True, "2+")


# Views


def test_a_moderator_saves_the_current_view_and_lands_on_it(moderator_client, moderator,
                                                             article):
    response = moderator_client.post(SAVE_URL, form(article=article.pk, reason="spam",
                                                    shared="on"))
    saved = SavedQueue.objects.get()
    assert (saved.owner, saved.shared, saved.sort, saved.article, saved.reason) == (
        moderator, True, "priority", article, "spam")
    assert response.status_code == 302
    assert response["Location"] == saved.get_absolute_url()
    page = moderator_client.get(response["Location"]).content.decode()
    assert "Saved the queue “Politics desk, priority” and shared it with the team." in page


@pytest.mark.parametrize("bad", [
    {"name": ""}, {"name": "x" * 81}, {"tab": "nonsense"}, {"tab": ""}, {"sort": "random"},
    {"article": "999999"}, {"article": "abc"}, {"reason": "rude"}, {"author": "a" * 101},
    {"commenter": "999999"},
])
def test_bad_input_is_refused_with_a_400_and_saves_nothing(moderator_client, bad):
    response = moderator_client.post(SAVE_URL, form(**bad))
    assert response.status_code == 400
    assert not SavedQueue.objects.exists()


def test_a_duplicate_name_is_refused_with_a_400(moderator_client, moderator):
    save(moderator, "Politics desk, priority")
    response = moderator_client.post(SAVE_URL, form())
    assert response.status_code == 400
    assert "already have a queue named" in response.content.decode()
    assert SavedQueue.objects.count() == 1


def test_saving_needs_a_post_with_csrf_and_the_permission(client, moderator, reader):
    assert client.post(SAVE_URL, form()).status_code == 302  # to the login page
    client.force_login(reader)
    assert client.post(SAVE_URL, form()).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    assert strict.post(SAVE_URL, form()).status_code == 403
    client.force_login(moderator)
    assert client.get(SAVE_URL, form()).status_code == 405
    assert not SavedQueue.objects.exists()


def test_renaming_and_deleting_need_csrf(moderator):
    saved = save(moderator, "Desk")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(moderator)
    assert strict.post(reverse("moderation:rename_queue", args=[saved.pk]),
                       {"name": "Other"}).status_code == 403
    assert strict.post(reverse("moderation:delete_queue", args=[saved.pk])).status_code == 403
    saved.refresh_from_db()
    assert saved.name == "Desk"


def test_saved_queues_are_in_the_django_admin(client, admin_user, moderator):
    save(moderator, "Desk", shared=True)
    client.force_login(admin_user)
    response = client.get(reverse("admin:moderation_savedqueue_changelist"))
    assert response.status_code == 200
    assert "Desk" in response.content.decode()


def test_rename_and_delete_by_the_owner(moderator_client, moderator):
    saved = save(moderator, "Desk")
    url = reverse("moderation:rename_queue", args=[saved.pk])
    assert moderator_client.post(url, {"name": "Politics desk"}).status_code == 302
    saved.refresh_from_db()
    assert saved.name == "Politics desk"
    same = moderator_client.post(url, {"name": "Politics desk"}, follow=True)
    assert "“Politics desk” already has that name; nothing changed." in same.content.decode()
    assert moderator_client.post(url, {"name": ""}).status_code == 400
    assert moderator_client.get(url).status_code == 405
    delete = reverse("moderation:delete_queue", args=[saved.pk])
    assert moderator_client.post(delete).status_code == 302
    assert not SavedQueue.objects.exists()


def test_someone_elses_queue_is_404_if_private_and_403_if_shared(client, moderator,
                                                                 colleague):
    private = save(moderator, "Private")
    shared = save(moderator, "Shared", shared=True)
    client.force_login(colleague)
    for saved, status in ((private, 404), (shared, 403)):
        assert client.post(reverse("moderation:rename_queue", args=[saved.pk]),
                           {"name": "Mine now"}).status_code == status
        assert client.post(reverse("moderation:delete_queue", args=[saved.pk])).status_code \
            == status
    assert set(SavedQueue.objects.values_list("name", flat=True)) == {"Private", "Shared"}


def test_an_admin_renames_a_shared_queue_from_the_list_page(client, admin_user, moderator):
    shared = save(moderator, "Shared", shared=True)
    client.force_login(admin_user)
    page = client.get(LIST_URL).content.decode()
    assert f'action="{reverse("moderation:rename_queue", args=[shared.pk])}"' in page
    client.post(reverse("moderation:rename_queue", args=[shared.pk]), {"name": "Desk"})
    shared.refresh_from_db()
    assert shared.name == "Desk"


def test_the_queue_page_shows_saved_queues_beside_the_tabs_and_marks_the_open_one(
    moderator_client, moderator, colleague, article
):
    mine = save(moderator, "Politics desk, priority", sort="priority", article=article)
    save(colleague, "Team spam", shared=True, reason=Reason.SPAM)
    save(colleague, "Private to mike")
    html = moderator_client.get(QUEUE_URL).content.decode()
    assert 'aria-label="Saved queues"' in html
    assert "Politics desk, priority" in html and "Team spam" in html
    assert "Private to mike" not in html
    assert 'aria-current="page" title="Needs review' not in html
    opened = moderator_client.get(mine.get_absolute_url()).content.decode()
    assert f'aria-current="page" title="Needs review, priority (worst first); article ' \
           f'“{article.title}”" data-saved-queue="{mine.pk}"' in opened
    # The save form carries the page's filters.
    assert f'name="article" value="{article.pk}"' in opened
    assert 'name="sort" value="priority"' in opened


def test_the_counts_fragment_gives_each_saved_queue_its_count_out_of_band(
    moderator_client, moderator, article
):
    for _ in range(2):
        make_comment(article, status=Status.PENDING, author_name="Rita")
    saved = save(moderator, "Rita", author="rita")
    html = moderator_client.get(COUNTS_URL, HTTP_HX_REQUEST="true").content.decode()
    assert f'id="saved-count-{saved.pk}"' in html
    assert 'hx-swap-oob="true"' in html
    assert ">2</span>" in html


def test_the_counts_need_the_permission(client, reader):
    client.force_login(reader)
    assert client.get(COUNTS_URL).status_code == 403


@pytest.mark.parametrize("how_many", [1, 15])
def test_the_queue_page_costs_the_same_queries_with_any_number_of_saved_queues(
    moderator_client, moderator, colleague, article, django_assert_max_num_queries, how_many
):
    for n in range(how_many):
        save(moderator, f"Mine {n}", reason=Reason.SPAM, author=f"a{n}")
        save(colleague, f"Shared {n}", shared=True, article=article, text=f"word{n}")
    make_comment(article, status=Status.PENDING)
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as queries:
        response = moderator_client.get(QUEUE_URL)
    assert response.content.decode().count("data-saved-queue=") == 2 * how_many
    saved_reads = [q for q in queries if "moderation_savedqueue" in q["sql"]]
    assert len(saved_reads) == 1


@pytest.mark.parametrize("how_many", [2, 9])
def test_the_counts_cost_one_bounded_query_per_filtered_queue_and_one_for_the_rest(
    moderator_client, moderator, article, django_assert_max_num_queries, how_many
):
    make_comment(article, status=Status.PENDING, author_name="Rita")
    for n in range(how_many):
        save(moderator, f"By author {n}", author=f"rita{n}")
        save(moderator, f"Tab {n}", tab=["pending", "approved", "all"][n % 3])
    # Session, user, permissions (2), the saved queues, the site-wide counters once for
    # every unfiltered one, and one bounded count per author filter.
    with django_assert_max_num_queries(6 + how_many):
        moderator_client.get(COUNTS_URL)
