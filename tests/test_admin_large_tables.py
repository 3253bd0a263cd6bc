"""The admin never does what only a whole table answers: an action acts on at most the
workspace's bulk limit, a list sorts only by an index, a delete page counts related rows
instead of loading them, and the commenters are listed and searched as the workspace
lists and searches them."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as AuthUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from moderation import services
from moderation.admin import CommentAdmin
from moderation.forms import MAX_BULK
from moderation.models import Comment, Commenter, CommenterQuerySet, ModerationEvent, Reason
from moderation.paging import FastChangeList, LargeTablePaginator
from tests.factories import make_article, make_comment, make_thread

pytestmark = pytest.mark.django_db

COMMENTS = reverse("admin:moderation_comment_changelist")
EVENTS = reverse("admin:moderation_moderationevent_changelist")
FLAGS = reverse("admin:moderation_flag_changelist")
COMMENTERS = reverse("admin:moderation_commenter_changelist")


def pending_comments(article, n: int) -> list[int]:
    make_thread(article, n, status=Comment.Status.PENDING)
    return list(Comment.objects.filter(article=article).values_list("pk", flat=True))


def act(admin_client, action: str, pks: list[int], *, select_all: bool, follow=False):
    """Post a comment action as the changelist's form sends it, filtered to the pending
    comments: "Select all" sends the page's ticked rows and select_across."""
    return admin_client.post(
        f"{COMMENTS}?status__exact=pending",
        {"action": action, "index": "0", "select_across": "1" if select_all else "0",
         "_selected_action": pks[:1] if select_all else pks},
        follow=follow)


def rows(response) -> list[int]:
    """The ids of the rows a changelist shows (read-only lists have no checkboxes)."""
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


@contextmanager
def rows_loaded(model):
    """The instances of `model` made while inside: a row read from the database is one."""
    made = []

    def count(sender, **kwargs):
        made.append(sender)

    post_init.connect(count, sender=model, weak=False)
    try:
        yield made
    finally:
        post_init.disconnect(count, sender=model)


# Actions -----------------------------------------------------------------------------

@pytest.mark.parametrize("select_all", [True, False], ids=["select all", "ticked"])
@pytest.mark.parametrize("action", CommentAdmin.actions)
def test_an_action_on_more_comments_than_the_bulk_limit_is_refused_and_changes_nothing(
        admin_client, article, action, select_all):
    pks = pending_comments(article, MAX_BULK + 1)
    response = act(admin_client, action, pks, select_all=select_all, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"an action applies to at most {MAX_BULK} comments at a time" in page
    assert re.search(r'class="error"[^>]*>\s*Nothing was changed', page)
    assert set(Comment.objects.values_list("status", flat=True)) == {"pending"}
    assert not ModerationEvent.objects.filter(
        action__in=[ModerationEvent.Action.APPROVED, ModerationEvent.Action.HIDDEN]).exists()


@pytest.mark.parametrize("size", [MAX_BULK + 1, 3 * MAX_BULK])
def test_a_refused_action_costs_the_same_queries_however_many_are_selected(
        admin_client, article, django_assert_max_num_queries, size):
    pks = pending_comments(article, size)
    # Session, user, the changelist's count and its article filter's choices (twice:
    # once more for the action's queryset), and the first MAX_BULK + 1 of the ids.
    with django_assert_max_num_queries(6):
        response = act(admin_client, "approve_comments", pks, select_all=True)
    assert response.status_code == 302
    assert Comment.objects.filter(status="pending").count() == size


def test_select_all_within_the_bulk_limit_acts_on_the_filtered_comments(
        admin_client, article, admin_user):
    pks = pending_comments(article, 3)
    make_comment(article, status=Comment.Status.APPROVED)
    response = act(admin_client, "hide_as_spam", pks, select_all=True, follow=True)
    assert "3 comment(s) hidden." in response.content.decode()
    assert set(Comment.objects.filter(pk__in=pks).values_list("status", flat=True)) == {"hidden"}
    assert ModerationEvent.objects.filter(action="hidden", actor=admin_user,
                                          reason="spam").count() == 3


# Sorting -----------------------------------------------------------------------------

@pytest.mark.parametrize("url, sortable", [
    (COMMENTS, {"created_at"}),
    (EVENTS, {"created_at"}),
    (FLAGS, set()),
    (COMMENTERS, set()),
])
def test_only_columns_with_an_index_offer_a_sort(admin_client, url, sortable):
    changelist = admin_client.get(url).context["cl"]
    headers = zip(changelist.list_display, result_headers(changelist), strict=True)
    assert {name for name, header in headers if header["sortable"]} == sortable


@pytest.mark.parametrize("url, query, indexed", [
    (COMMENTS, {"o": "3"}, {"created", "id"}),                # the author
    (COMMENTS, {"o": "4"}, {"created", "id"}),                # the status
    (COMMENTS, {"q": "council", "o": "4"}, {"created", "id"}),
    (COMMENTS, {"o": "2.4"}, {"created", "id"}),               # the article, then status
    (EVENTS, {"o": "2"}, {"created_at", "id"}),                # the comment's thread path
    (EVENTS, {"o": "5"}, {"created_at", "id"}),                # the status after
    (FLAGS, {}, {"pk"}),                                       # created_at has no index
    (FLAGS, {"o": "-1"}, {"pk"}),                              # the reason
    (COMMENTERS, {"o": "4"}, {"pk"}),                          # hidden comments' count
])
def test_a_sort_asked_of_a_column_without_an_index_keeps_the_indexed_order(
        admin_client, article, moderator, url, query, indexed):
    comment = make_comment(article, body="The council met", status=Comment.Status.PENDING)
    services.flag(comment=comment, actor=moderator, reason=Reason.SPAM)
    Commenter.objects.create(display_name="Rita")
    changelist = admin_client.get(url, query).context["cl"]
    assert changelist.result_list
    assert {str(key).lstrip("-") for key in changelist.queryset.query.order_by} == indexed


@pytest.mark.parametrize("url, query, oldest_first", [
    (COMMENTS, {}, False), (COMMENTS, {"o": "6"}, True), (COMMENTS, {"o": "-6"}, False),
    (EVENTS, {"o": "0"}, True), (EVENTS, {"o": "-0"}, False),
])
def test_the_indexed_time_column_sorts_both_ways(admin_client, article, moderator, url, query,
                                                 oldest_first):
    start = timezone.now() - timedelta(days=1)
    comments = [make_comment(article, created=start + timedelta(minutes=n)) for n in range(3)]
    for n, comment in enumerate(comments):
        services.hide(comment=comment, actor=moderator, reason=Reason.SPAM)
        ModerationEvent.objects.filter(comment=comment).update(
            created_at=start + timedelta(minutes=n))
    newest_first = [c.pk for c in reversed(comments)]
    if url == EVENTS:
        newest_first = list(ModerationEvent.objects.order_by("-created_at", "-id")
                            .values_list("pk", flat=True))
    shown = rows(admin_client.get(url, query))
    assert shown == (newest_first[::-1] if oldest_first else newest_first)


def test_flags_are_listed_newest_first_by_their_primary_key(admin_client, article, moderator):
    flags = [services.flag(comment=make_comment(article), actor=moderator, reason=Reason.SPAM)
             for _ in range(3)]
    shown = rows(admin_client.get(FLAGS))
    assert shown == [flag.pk for flag in reversed(flags)]


# Delete pages ------------------------------------------------------------------------

@pytest.mark.parametrize("size", [3, 300])
def test_an_articles_delete_page_counts_its_comments_without_loading_them(
        admin_client, article, django_assert_max_num_queries, size):
    make_thread(article, size)
    url = reverse("admin:articles_article_delete", args=[article.pk])
    # Session, user, the article, one count per relation to it (queue counts, comments,
    # saved queues).
    with rows_loaded(Comment) as comments, django_assert_max_num_queries(6):
        response = admin_client.get(url)
    assert not comments
    page = response.content.decode()
    assert "Cannot delete article" in page
    assert f"<li>Comments (article): {size}</li>" in page
    assert reverse("admin:moderation_comment_change", args=[Comment.objects.first().pk]) \
        not in page


def test_an_article_with_comments_is_never_deleted(admin_client, article):
    make_thread(article, 3)
    response = admin_client.post(reverse("admin:articles_article_delete", args=[article.pk]),
                                 {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete article" in response.content.decode()
    assert Article.objects.filter(pk=article.pk).exists()
    assert Comment.objects.filter(article=article).count() == 3


def audit_rows(actor, n: int) -> None:
    comment = make_comment(make_article())
    ModerationEvent.objects.bulk_create(
        ModerationEvent(comment=comment, actor=actor, action=ModerationEvent.Action.APPROVED,
                        status_before="pending", status_after="approved") for _ in range(n))


@pytest.mark.parametrize("size", [3, 300])
def test_a_moderators_delete_page_counts_their_audit_rows_and_refuses(
        admin_client, moderator, django_assert_max_num_queries, size):
    audit_rows(moderator, size)
    url = reverse("admin:auth_user_delete", args=[moderator.pk])
    # Session, user, the moderator, one count per relation to users that a delete
    # removes or is refused by (nine).
    with rows_loaded(ModerationEvent) as events, django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert not events
    page = response.content.decode()
    assert "Cannot delete user" in page
    assert f"<li>Moderation events (actor): {size}</li>" in page
    response = admin_client.post(url, {"post": "yes"})
    assert "Cannot delete user" in response.content.decode()
    assert get_user_model().objects.filter(pk=moderator.pk).exists()
    assert ModerationEvent.objects.filter(actor=moderator).count() == size


def test_deleting_selected_users_counts_their_audit_rows_and_refuses(admin_client, moderator):
    audit_rows(moderator, 3)
    with rows_loaded(ModerationEvent) as events:
        response = admin_client.post(
            reverse("admin:auth_user_changelist"),
            {"action": "delete_selected", "_selected_action": [moderator.pk], "post": "yes"})
    assert not events
    page = response.content.decode()
    assert "Cannot delete user" in page
    assert "<li>Moderation events (actor): 3</li>" in page
    assert get_user_model().objects.filter(pk=moderator.pk).exists()


def test_a_user_without_protected_rows_is_deleted_after_a_counted_summary(
        admin_client, reader):
    LogEntry.objects.bulk_create(
        LogEntry(user=reader, content_type=ContentType.objects.get_for_model(Article),
                 object_id="1", object_repr="An article", action_flag=ADDITION)
        for _ in range(3))
    url = reverse("admin:auth_user_delete", args=[reader.pk])
    with rows_loaded(LogEntry) as entries:
        page = admin_client.get(url).content.decode()
    assert not entries
    assert "Are you sure" in page
    assert "<li>Log entries (user): 3</li>" in page
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()


def test_the_user_admin_is_still_djangos(admin_client, moderator):
    assert isinstance(admin.site.get_model_admin(get_user_model()), AuthUserAdmin)
    assert 'name="password1"' in admin_client.get(
        reverse("admin:auth_user_add")).content.decode()
    change = admin_client.get(reverse("admin:auth_user_change", args=[moderator.pk]))
    assert change.status_code == 200 and "mona" in change.content.decode()


# Commenters --------------------------------------------------------------------------

def commenters(n: int, **fields) -> list[Commenter]:
    return Commenter.objects.bulk_create(
        Commenter(display_name=f"Person {i}", email_key=f"person{i}@example.org", **fields)
        for i in range(n))


@pytest.mark.parametrize("size", [3, 150])
def test_the_commenter_list_costs_the_same_queries_at_any_size(
        admin_client, django_assert_max_num_queries, size):
    commenters(size)
    # Session, user, the count (PostgreSQL: the table's estimate first), the rows with
    # their accounts.
    with django_assert_max_num_queries(5):
        response = admin_client.get(COMMENTERS)
    assert isinstance(response.context["cl"], FastChangeList)
    newest = Commenter.objects.order_by("-pk").values_list("pk", flat=True)[:100]
    assert rows(response) == list(newest)


def test_a_filtered_commenter_list_counts_at_most_the_paginators_limit(
        admin_client, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "COUNT_LIMIT", 2)
    commenters(3, trust=Commenter.Trust.MANUAL)
    response = admin_client.get(COMMENTERS, {"trust__exact": "manual"})
    assert len(rows(response)) == 3
    assert re.search(r"more than 2\s+commenters", response.content.decode())


def test_the_commenter_search_is_the_people_pages_search(admin_client, django_user_model,
                                                         monkeypatch):
    found = Commenter.objects.bulk_create([
        Commenter(display_name="Puma Jones"),
        Commenter(display_name="Bob", email_key="uma@example.org"),
    ])
    Commenter.objects.bulk_create([
        Commenter(display_name="Carl", external_key="disqus:uma"),
        Commenter(display_name="Dee", user=django_user_model.objects.create_user("umar")),
    ])
    asked = []
    search = CommenterQuerySet.search

    def spy(queryset, text):
        asked.append(text)
        return search(queryset, text)

    monkeypatch.setattr(CommenterQuerySet, "search", spy)
    shown = rows(admin_client.get(COMMENTERS, {"q": "uma"}))
    assert asked == ["uma"]
    assert sorted(shown) == sorted(c.pk for c in found)
    assert set(shown) == set(Commenter.objects.search("uma").values_list("pk", flat=True))


def test_deleting_many_selected_users_names_the_first_and_counts_the_rest(
        admin_client, django_user_model, monkeypatch):
    monkeypatch.setattr("moderation.admin.UserAdmin.NAMED", 2)
    readers = django_user_model.objects.bulk_create(
        django_user_model(username=f"reader{n}") for n in range(5))

    page = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in readers]},
    ).content.decode()

    assert page.count('href="/admin/auth/user/') >= 2
    assert "and 3 more" in page
    assert "<li>Users: 5</li>" in page


@pytest.mark.postgres
@pytest.mark.parametrize("query, index", [
    ({"trust__exact": "manual"}, "commenter_trust_idx"),
    ({"premoderated__exact": "1"}, "commenter_premoderated_idx"),
    ({"banned_at__isnull": "False"}, "commenter_banned_idx"),
])
def test_the_commenter_lists_standing_filters_read_their_own_index(admin_client, query, index):
    commenters(30)
    Commenter.objects.filter(pk__in=Commenter.objects.order_by("pk")[:3].values("pk")).update(
        trust=Commenter.Trust.MANUAL, premoderated=True, banned_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert len(rows(admin_client.get(COMMENTERS, query))) == 3
    plans = []
    with connection.cursor() as cursor:
        # A table of 30 rows is read whole whatever its indexes; the question is whether
        # one would serve a large one.
        cursor.execute("SET enable_seqscan = off")
        for sql in [q["sql"] for q in queries if "moderation_commenter" in q["sql"]]:
            cursor.execute(f"EXPLAIN {sql}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert any(index in plan for plan in plans), plans
