import pytest
from django.test import override_settings
from django.urls import reverse

from moderation.models import Comment
from tests.factories import make_article, make_comment, make_thread

pytestmark = pytest.mark.django_db


def page(client, article, **params):
    response = client.get(reverse("article_detail", args=[article.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_front_page_lists_articles_with_outlet_date_and_approved_count(client, article):
    make_comment(article, status=Comment.Status.APPROVED)
    make_comment(article, status=Comment.Status.PENDING)
    html = client.get(reverse("article_list")).content.decode()
    assert article.title in html
    assert "The Test Gazette" in html
    assert "1 comment<" in html


def test_the_article_page_shows_the_approved_thread_nested(client, article):
    parent = make_comment(article, body="Parent words")
    reply = make_comment(article, parent=parent, body="Reply words")
    html = page(client, article)
    assert html.index("Parent words") < html.index("Reply words")
    assert f'id="c{reply.pk}"' in html
    assert 'data-depth="1"' in html
    assert f'href="#c{parent.pk}"' in html
    assert "2 comments" in html


def test_pending_and_hidden_comments_without_approved_replies_are_absent(client, article):
    make_comment(article, body="waiting words", status=Comment.Status.PENDING)
    make_comment(article, body="hidden words", status=Comment.Status.HIDDEN)
    html = page(client, article)
    assert "waiting words" not in html and "hidden words" not in html
    assert "awaiting moderation" not in html and "removed by a moderator" not in html


def test_a_hidden_comment_with_approved_replies_becomes_a_placeholder(client, article):
    hidden = make_comment(article, body="rude words", status=Comment.Status.HIDDEN)
    make_comment(article, parent=hidden, body="a fair answer")
    html = page(client, article)
    assert "rude words" not in html
    assert "removed by a moderator" in html
    assert html.index("removed by a moderator") < html.index("a fair answer")


def test_a_pending_ancestor_of_an_approved_reply_becomes_a_placeholder(client, article):
    pending = make_comment(article, body="unseen", status=Comment.Status.PENDING)
    middle = make_comment(article, parent=pending, body="also unseen", status=Comment.Status.HIDDEN)
    make_comment(article, parent=middle, body="deep answer")
    html = page(client, article)
    assert "unseen" not in html
    assert "awaiting moderation" in html and "removed by a moderator" in html
    assert "deep answer" in html


def test_comment_bodies_are_escaped(client, article):
    make_comment(article, body="<blockquoteThe War Strengthened Israel <script>alert(1)</script>")
    html = page(client, article)
    assert "&lt;blockquoteThe War" in html
    assert "<blockquote" not in html.split('id="comments"')[1]
    assert "<script>alert(1)" not in html


def test_author_emails_are_never_shown(client, article):
    make_comment(article, author_email="secret@example.org")
    assert "secret@example.org" not in page(client, article)


@override_settings(COMMENTS_PER_PAGE=2)
def test_long_threads_are_paged_by_top_level_comment_with_their_replies(client, article):
    first = make_comment(article, body="top one")
    make_comment(article, parent=first, body="reply one")
    make_comment(article, body="top two")
    make_comment(article, body="top three")

    first_page = page(client, article)
    assert "top one" in first_page and "reply one" in first_page and "top two" in first_page
    assert "top three" not in first_page
    assert "?page=2" in first_page

    second_page = page(client, article, page=2)
    assert "top three" in second_page and "top one" not in second_page


def test_a_page_number_out_of_range_shows_the_last_page(client, article):
    make_comment(article, body="only one")
    assert "only one" in page(client, article, page=99)
    assert "only one" in page(client, article, page="abc")


@pytest.mark.parametrize("top_level,replies", [(5, 1), (500, 3)])
def test_the_article_page_costs_the_same_queries_whatever_the_thread_size(
    client, django_assert_max_num_queries, top_level, replies
):
    article = make_article()
    make_thread(article, top_level, replies)
    hidden_root = make_comment(article, status=Comment.Status.HIDDEN)
    make_comment(article, parent=hidden_root)
    with django_assert_max_num_queries(6):
        page(client, article)


@pytest.mark.parametrize("count", [10, 2000])
def test_the_article_page_query_count_is_fixed_for_comments_made_with_create(
    client, django_assert_max_num_queries, count
):
    article = make_article()
    parent = None
    for i in range(count):
        # every fifth comment starts a new top-level comment, the rest reply in a chain
        parent = make_comment(article, parent=None if i % 5 == 0 else parent)
    with django_assert_max_num_queries(6):
        page(client, article)


@pytest.mark.parametrize("articles", [2, 40])
def test_the_front_page_query_count_is_fixed(client, django_assert_max_num_queries, articles):
    for _ in range(articles):
        make_thread(make_article(), 3, 1)
    with django_assert_max_num_queries(2):
        client.get(reverse("article_list"))


def test_an_unknown_article_is_404(client, db):
    assert client.get(reverse("article_detail", args=["nope"])).status_code == 404


def test_reader_pages_refuse_post(client, article):
    assert client.post(reverse("article_list")).status_code == 405


def test_healthz_answers_when_the_database_answers(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["ok"] is True
