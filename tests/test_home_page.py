"""The reader's home page: the articles newest first, a page at a time, each with how
many comments readers see on it, read from the queue counters rather than the comments."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.views import ARTICLES_PER_PAGE
from moderation import services
from moderation.models import Comment, Reason, visible_per_article
from tests.factories import make_article, make_comment, make_thread

pytestmark = pytest.mark.django_db

Status = Comment.Status
HOME = reverse("article_list")


def articles_published(count: int) -> list[Article]:
    """`count` articles, one a day back from today, in the order they were made (oldest
    made first, so creation order is not publication order)."""
    now = timezone.now()
    return [make_article(title=f"Story {n}", published_at=now - datetime.timedelta(days=n))
            for n in reversed(range(count))]


def titles(response) -> list[str]:
    return [a.title for a in response.context["articles"]]


def test_it_lists_the_newest_articles_first(client):
    articles_published(3)
    assert titles(client.get(HOME)) == ["Story 0", "Story 1", "Story 2"]


def test_it_pages_twenty_at_a_time(client):
    articles_published(ARTICLES_PER_PAGE * 2 + 5)
    first = client.get(HOME)
    assert titles(first) == [f"Story {n}" for n in range(20)]
    assert 'href="?page=2" rel="next">Older' in first.content.decode()
    last = client.get(HOME, {"page": 3})
    assert titles(last) == [f"Story {n}" for n in range(40, 45)]
    html = last.content.decode()
    assert "Page 3 of 3" in html and 'rel="prev"' in html and 'rel="next"' not in html
    assert titles(client.get(HOME, {"page": "nonsense"})) == titles(first)
    assert titles(client.get(HOME, {"page": 99})) == titles(last)


def test_each_article_shows_the_comments_readers_see(client, moderator):
    busy, quiet = make_article(title="Busy"), make_article(title="Quiet")
    kept = [make_comment(busy, status=Status.APPROVED) for _ in range(3)]
    waiting = make_comment(busy, status=Status.PENDING)
    make_comment(quiet, status=Status.HIDDEN)
    services.hide(comment=kept[0], actor=moderator, reason=Reason.SPAM)
    services.approve(comment=waiting, actor=moderator)
    response = client.get(HOME)
    counts = {a.title: a.approved_count for a in response.context["articles"]}
    assert counts == {"Busy": 3, "Quiet": 0}
    assert "3 comments" in response.content.decode()
    # The counters say what the visibility rule says.
    by_rule = dict(Article.objects.annotate(n=Comment.objects.visible().count_per_article())
                   .values_list("title", "n"))
    by_counter = dict(Article.objects.annotate(n=visible_per_article())
                      .values_list("title", "n"))
    assert by_counter == by_rule == counts


@pytest.mark.parametrize("articles", [3, 45])
def test_the_home_page_reads_a_count_and_one_page_and_never_the_comments(
    client, django_assert_max_num_queries, articles
):
    for article in articles_published(articles):
        make_thread(article, 2, 1)
    with django_assert_max_num_queries(2), CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)
    assert len(response.context["articles"]) == min(articles, ARTICLES_PER_PAGE)
    assert all(a.approved_count == 4 for a in response.context["articles"])
    assert not any("moderation_comment" in q["sql"] for q in queries)
