"""The admin's changelists stay on indexes: no full count, no per-row flag count, search
through the same text search as the queue, filters the indexes answer."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import Comment, Commenter, Reason
from moderation.paging import LargeTablePaginator, first_pks
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:moderation_comment_changelist")


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"',
                                         response.content.decode())]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_changelist_lists_newest_first_with_the_open_flag_facts(admin_client, article,
                                                                   reader):
    old = make_comment(article, created=timezone.now() - timedelta(days=3))
    new = make_comment(article, body="Newest words")
    services.report(comment=old, reason=Reason.SPAM, reporter_key="k1", user=reader)
    response = admin_client.get(CHANGELIST)
    assert listed(response) == [new.pk, old.pk]
    assert "reported: Spam" in response.content.decode()


def test_search_matches_words_of_the_text_or_part_of_the_author(admin_client, article):
    words = make_comment(article, body="The council voted on the budget")
    author = make_comment(article, author_name="Greta Gadfly", body="Nothing here")
    make_comment(article, body="Unrelated")
    assert listed(admin_client.get(CHANGELIST, {"q": "council"})) == [words.pk]
    assert listed(admin_client.get(CHANGELIST, {"q": "gadf"})) == [author.pk]


def test_the_posted_and_article_filters_narrow_the_list(admin_client, article):
    other = make_article(title="Elsewhere")
    recent = make_comment(other)
    make_comment(article, created=timezone.now() - timedelta(days=40))
    assert listed(admin_client.get(CHANGELIST, {"posted": "month"})) == [recent.pk]
    response = admin_client.get(CHANGELIST, {"article": other.pk})
    assert listed(response) == [recent.pk]
    assert "Elsewhere" in response.content.decode()


def test_past_the_count_limit_the_changelist_says_more_than(admin_client, article,
                                                            monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "COUNT_LIMIT", 2)
    for _ in range(3):
        make_comment(article, status=Comment.Status.PENDING)
    response = admin_client.get(CHANGELIST, {"status__exact": "pending"})
    assert len(listed(response)) == 3
    assert re.search(r"more than 2\s+comments", response.content.decode())


def test_events_and_flags_are_searched_by_comment_number(admin_client, article, moderator):
    comment = make_comment(article, status=Comment.Status.PENDING)
    other = make_comment(article, status=Comment.Status.PENDING)
    services.flag(comment=comment, actor=moderator, reason=Reason.SPAM)
    services.approve(comment=other, actor=moderator)
    events = admin_client.get(reverse("admin:moderation_moderationevent_changelist"),
                              {"q": f"#{comment.pk}"})
    assert events.status_code == 200
    assert re.search(r"\b1 moderation event\b", events.content.decode())
    flags = admin_client.get(reverse("admin:moderation_flag_changelist"), {"q": "mona"})
    assert flags.status_code == 200 and re.search(r"\b1 flag\b", flags.content.decode())


def test_a_year_and_month_url_filters_without_the_date_links(admin_client, article):
    then = timezone.now().replace(year=2024, month=6, day=15)
    old = make_comment(article, created=then)
    make_comment(article)
    response = admin_client.get(CHANGELIST, {"created__year": 2024, "created__month": 6})
    assert listed(response) == [old.pk]
    assert 'class="toplinks"' not in response.content.decode()  # no date hierarchy links


@pytest.mark.parametrize("size", [3, 150])
def test_the_changelist_costs_the_same_queries_and_no_query_per_row(
    admin_client, article, django_assert_max_num_queries, size
):
    for n in range(size):
        make_comment(article, body=f"Comment {n}", created=timezone.now() - timedelta(minutes=n))
    # Session, user, the count (PostgreSQL: the table's estimate first), the rows with
    # their articles, the article filter's choices.
    with django_assert_max_num_queries(6):
        response = admin_client.get(CHANGELIST)
    # The page's 100 rows, each with its checkbox, link and local time as digits.
    assert len(listed(response)) == min(size, 100)
    newest = Comment.objects.order_by("-created").first()
    page = response.content.decode()
    assert f'href="{reverse("admin:moderation_comment_change", args=[newest.pk])}"' in page
    assert timezone.localtime(newest.created).strftime("%Y-%m-%d %H:%M") in page
    # The articles' too: with their outlet filter's and date hierarchy's queries.
    with django_assert_max_num_queries(8):
        assert admin_client.get(reverse("admin:articles_article_changelist")).status_code == 200


@pytest.mark.parametrize("url, query", [
    (CHANGELIST, {}),
    (CHANGELIST, {"status__exact": "pending", "o": "3"}),
    (reverse("admin:moderation_moderationevent_changelist"), {"action__exact": "flagged"}),
    (reverse("admin:moderation_flag_changelist"), {}),
])
def test_the_fast_rows_are_the_admins_own_cells(admin_client, article, moderator, url, query):
    """FastChangeList.rows() makes what the admin's items_for_result() would, filters
    kept in the change links included."""
    for n in range(3):
        comment = make_comment(article, author_name=f"R<b>{n}", status=Comment.Status.PENDING)
        services.flag(comment=comment, actor=moderator, reason=Reason.SPAM, note="a & b")
    response = admin_client.get(url, query)
    changelist = response.context["cl"]
    assert changelist.result_list
    assert [list(row) for row in changelist.rows()] == [list(row) for row in results(changelist)]


def test_every_large_table_changelist_makes_its_rows_without_the_admins_per_cell_path(
        admin_client, article, reader, monkeypatch):
    from django.contrib import admin
    from django.contrib.admin.templatetags import admin_list

    from moderation.paging import LargeTableAdminMixin

    # A row in each: the comment, the report's flag and its audit row, the commenter.
    writer = Commenter.objects.create(display_name="Wanda", email_key="wanda@example.org")
    services.report(comment=make_comment(article, commenter=writer), reason=Reason.SPAM,
                    reporter_key="k1", user=reader)

    def per_cell(*args, **kwargs):
        raise AssertionError("a row went through items_for_result()")

    monkeypatch.setattr(admin_list, "items_for_result", per_cell)
    large = [model for model, model_admin in admin.site._registry.items()
             if isinstance(model_admin, LargeTableAdminMixin)]
    assert len(large) >= 5
    for model in large:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200, meta.label
        assert "0 results" not in response.content.decode(), meta.label


def test_filtered_counts_take_the_first_matches_through_a_plan_for_all_of_them(article):
    for n in range(7):
        make_comment(article, body=f"Council vote {n}" if n % 2 else f"Weather {n}",
                     status=Comment.Status.PENDING)
    council = Comment.objects.search("council")
    with CaptureQueriesContext(connection) as captured:
        found = first_pks(council, 2)
    assert len(found) == 2 and set(found) <= set(council.values_list("pk", flat=True))
    assert sorted(first_pks(council, 100)) == sorted(council.values_list("pk", flat=True))
    if connection.vendor == "postgresql":
        # Behind the fence the planner plans for every match (the GIN index at scale),
        # not for a sequential scan it hopes meets two early.
        assert "AS MATERIALIZED" in captured[0]["sql"]


@pytest.mark.postgres
@pytest.mark.parametrize("where", ["oldest only", "spread", "newest only"])
@pytest.mark.parametrize("ordering", ["", "-6", "6"])
def test_a_long_search_lists_as_the_plain_order_does_wherever_its_matches_are(
        admin_client, article, monkeypatch, where, ordering):
    """Over the count's limit, the rows of a page are looked for in a window of the
    unfiltered list's first rows and, when it does not hold them, gathered and sorted
    (moderation/paging.py first_rows()): an old story's word, found only in the oldest
    comments, must not be missed newest first, nor a breaking story's oldest first."""
    monkeypatch.setattr(LargeTablePaginator, "COUNT_LIMIT", 30)
    monkeypatch.setattr(admin.site.get_model_admin(Comment), "list_per_page", 10)
    monkeypatch.setattr("moderation.paging.WINDOW", 20)
    start = timezone.now() - timedelta(days=2)
    total = 120
    for n in range(total):
        rank = n * 37 % total  # the time order is not the id order
        matches = {"spread": rank % 3 == 0, "newest only": rank >= total - 40,
                   "oldest only": rank < 40}[where]
        make_comment(article, body="the ferry timetable" if matches else "the bridge vote",
                     created=start + timedelta(minutes=rank))
    params = {"q": "ferry", **({"o": ordering} if ordering else {})}
    shown = []
    for page in (1, 2, 3):
        shown += listed(admin_client.get(CHANGELIST, {**params, "p": page}))
    plain = Comment.objects.search("ferry").order_by(
        *{"": ["-created", "-id"], "-6": ["-created", "-id"], "6": ["created", "id"]}[ordering])
    assert shown == list(plain.values_list("pk", flat=True))[:30]
