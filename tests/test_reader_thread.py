"""The reader's thread: a bounded first view whatever the tree's shape, "show N more
replies" with and without htmx, permalinks deep in a big subtree, sorting, and fixed
query counts."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import threads
from moderation.models import Comment
from tests.factories import make_article, make_bushy, make_comment, make_thread

pytestmark = pytest.mark.django_db

Status = Comment.Status
COMMENT_ID = re.compile(r'<li id="c(\d+)"')
MORE = re.compile(r'class="show-more-link[^"]*" href="([^"]+)"[^>]*>Show (\d+) more repl')


def get(client, article, **params):
    response = client.get(reverse("article_detail", args=[article.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def shown_ids(html: str) -> list[int]:
    return [int(pk) for pk in COMMENT_ID.findall(html)]


@pytest.fixture
def bushy(db):
    article = make_article(slug="bushy")
    return article, make_bushy(article)


def test_the_first_view_is_bounded_whatever_the_trees_shape(client, bushy):
    article, tree = bushy
    html = get(client, article)
    ids = shown_ids(html)
    assert tree["total"] > 900
    # 20 top-level comments with their first 4 replies each.
    assert len(ids) <= 20 * 5
    assert len(html.encode()) < 200_000
    assert [t.pk for t in tree["tops"][:20]] == [
        pk for pk in ids if pk in {t.pk for t in tree["tops"]}
    ]


def test_the_rest_of_a_wide_or_deep_subtree_waits_behind_show_n_more_replies(client, bushy):
    article, tree = bushy
    html = get(client, article)
    mores = MORE.findall(html)
    # The wide one (900 replies below it) and the deep chain (12) show 4 each.
    counts = sorted(int(n) for _url, n in mores)
    assert counts == [12 - 4, 900 - 4]


def test_show_more_with_htmx_answers_the_next_rows_in_place_of_the_link(client, bushy):
    article, tree = bushy
    url, count = next((u, int(n)) for u, n in MORE.findall(get(client, article))
                      if int(n) > 100)
    url = url.replace("&amp;", "&")
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    rows = response.content.decode()
    assert "<html" not in rows
    assert len(shown_ids(rows)) == 50
    # The rows continue the subtree in thread order, and end with the next link.
    assert rows.strip().startswith("<li")
    (next_url, next_count), = MORE.findall(rows)
    assert int(next_count) == count - 50
    wide_ids = list(Comment.objects.filter(path__startswith=tree["tops"][0].path)
                    .exclude(pk=tree["tops"][0].pk).order_by("path").values_list("pk", flat=True))
    assert shown_ids(rows) == wide_ids[4:54]


def test_show_more_without_javascript_is_a_page_with_the_rows_and_the_next_link(client, bushy):
    article, _tree = bushy
    url, _count = next((u, n) for u, n in MORE.findall(get(client, article)) if int(n) > 100)
    response = client.get(url.replace("&amp;", "&"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert len(shown_ids(html)) == 50
    assert len(MORE.findall(html)) == 1


def test_show_more_refuses_an_after_outside_the_subtree(client, bushy):
    article, tree = bushy
    root, other = tree["tops"][0], tree["tops"][2]
    url = reverse("comment_replies", args=[article.slug, root.pk])
    assert client.get(url, {"after": other.pk}).status_code == 404
    assert client.get(url, {"after": "x"}).status_code == 200  # from the root itself
    other_article = make_article()
    assert client.get(reverse("comment_replies", args=[other_article.slug, root.pk])
                      ).status_code == 404


def test_a_permalink_deep_in_a_big_subtree_lands_on_it_with_its_ancestors_highlighted(
    client, bushy
):
    article, tree = bushy
    deep = tree["chain"][-1]
    wide_leaf = Comment.objects.filter(article=article, depth=2).order_by("-path").first()
    for target in (deep, wide_leaf):
        html = get(client, article, comment=target.pk)
        ids = shown_ids(html)
        ancestors = Comment.objects.filter(article=article, path__in=target.ancestor_paths)
        assert set(ancestors.values_list("pk", flat=True)) < set(ids)
        assert target.pk in ids
        assert re.search(rf'<li id="c{target.pk}" class="comment[^"]*comment-target', html)
        assert html.count("comment-target") == 1
        assert len(ids) <= 60


def test_a_permalink_to_a_comment_readers_do_not_see_shows_the_thread_and_says_so(
        client, article):
    shown = make_comment(article, body="Published.")
    hidden = make_comment(article, body="Removed.", status=Status.HIDDEN)
    html = get(client, article, comment=hidden.pk)
    assert "Removed." not in html
    assert f'id="c{shown.pk}"' in html
    assert "comment-target" not in html
    assert "The comment this link points to is not published" in html
    assert "is not published" not in get(client, article)


def test_a_hidden_ancestor_on_a_permalink_is_a_placeholder(client, article):
    top = make_comment(article, status=Status.HIDDEN, body="Gone.")
    reply = make_comment(article, parent=top, body="Still here.")
    html = get(client, article, comment=reply.pk)
    assert "Gone." not in html
    assert "This comment was removed by a moderator." in html
    assert "Still here." in html


def test_a_comment_hidden_between_the_pages_reads_is_a_placeholder_not_an_error(
    client, article, monkeypatch
):
    """A moderator's decision can commit between the page's query of its top-level
    comments and the query of their rows (seen under load as a 500)."""
    make_comment(article, body="Stays.")
    decided = make_comment(article, body="Decided meanwhile.")
    rows_of, calls = threads.rows_of, []

    def decision_commits_first(queryset):
        calls.append(queryset)
        if len(calls) == 2:  # after the featured comments: the top-level comments' rows
            Comment.objects.filter(pk=decided.pk).update(status=Status.HIDDEN)
        return rows_of(queryset)

    monkeypatch.setattr(threads, "rows_of", decision_commits_first)
    html = get(client, article)
    assert "Decided meanwhile." not in html
    assert threads.NO_LONGER_SHOWN in html
    assert "Stays." in html


def test_readers_sort_top_level_comments_oldest_or_newest_first(client, article):
    first = make_comment(article, body="First.")
    second = make_comment(article, body="Second.")
    reply = make_comment(article, parent=first, body="Reply to first.")
    oldest = shown_ids(get(client, article))
    newest = shown_ids(get(client, article, sort="newest"))
    assert oldest == [first.pk, reply.pk, second.pk]
    # Newest first among top-level comments; replies stay under their comment in order.
    assert newest == [second.pk, first.pk, reply.pk]
    assert shown_ids(get(client, article, sort="nonsense")) == oldest


def test_pages_keep_the_sort(client, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = make_article()
    made = [make_comment(article) for _ in range(3)]
    html = get(client, article, sort="newest")
    assert shown_ids(html) == [made[2].pk, made[1].pk]
    assert "?sort=newest&amp;page=2" in html
    assert shown_ids(get(client, article, sort="newest", page=2)) == [made[0].pk]


def test_a_readers_own_pending_reply_in_a_big_subtree_is_shown_to_them(client, bushy, settings):
    settings.COMMENTS_MIN_FORM_SECONDS = 0
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 0
    article, tree = bushy
    parent = tree["chain"][-1]
    page = client.get(reverse("comment_reply", args=[article.slug, parent.pk]))
    token = re.search(r'name="fg_token" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(reverse("comment_reply", args=[article.slug, parent.pk]), {
        "author_name": "Rita", "body": "My own late reply.", "fg_token": token,
    })
    assert response.status_code == 302
    mine = Comment.objects.get(body="My own late reply.")
    assert mine.status == Status.PENDING
    html = client.get(response["Location"]).content.decode()
    assert "My own late reply." in html
    assert "comment-awaiting" in html
    assert "My own late reply." not in get(Client(), article, comment=mine.pk)


# Query counts, at two sizes


@pytest.mark.parametrize("size", ["small", "bushy"])
def test_the_first_page_show_more_and_a_permalink_cost_fixed_queries(
    client, django_assert_max_num_queries, size
):
    article = make_article()
    if size == "small":
        make_thread(article, 5, 2)
    else:
        make_bushy(article)
    hidden = make_comment(article, status=Status.HIDDEN)
    make_comment(article, parent=hidden)  # a placeholder on the page
    # article, the version and the page from the cache (none in tests: locmem), and the
    # thread's: count, top-level comments, their rows, placeholders, "more" counts,
    # featured, comment count.
    with django_assert_max_num_queries(9):
        html = get(client, article)
    deepest = Comment.objects.filter(article=article).order_by("-depth", "path").first()
    with django_assert_max_num_queries(9):
        get(client, article, comment=deepest.pk)
    top = Comment.objects.filter(article=article, depth=0).order_by("path").first()
    url = reverse("comment_replies", args=[article.slug, top.pk])
    with django_assert_max_num_queries(7):
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert html


def test_comment_times_are_shown_in_the_sites_time_zone(client, article, settings):
    settings.TIME_ZONE = "Europe/Paris"
    make_comment(article, created=timezone.datetime(2026, 1, 5, 23, 30,
                                                    tzinfo=timezone.get_fixed_timezone(0)))
    html = get(client, article)
    assert '<time datetime="2026-01-06T00:30:00+01:00">6 Jan 2026, 00:30</time>' in html


@pytest.mark.postgres
def test_every_query_of_the_thread_can_use_an_index_on_postgresql(client):
    article = make_article()
    tree = make_bushy(article, wide=60)
    top = tree["tops"][0]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    with CaptureQueriesContext(connection) as queries:
        for params in ({}, {"sort": "newest"}, {"sort": "featured"},
                       {"comment": tree["chain"][-1].pk}):
            get(client, article, **params)
        client.get(reverse("comment_replies", args=[article.slug, top.pk]),
                   headers={"HX-Request": "true"})
    thread_queries = [q["sql"] for q in queries.captured_queries
                      if "moderation_comment" in q["sql"]]
    assert len(thread_queries) > 20
    with connection.cursor() as cursor:
        for sql in thread_queries:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on moderation_comment" not in plan, (sql, plan)
