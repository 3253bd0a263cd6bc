"""A reader without a session or a message gets the cached article page from
articles.middleware.SharedPageMiddleware, before the session, authentication and messages
middleware: with their own CSRF token, every security header, and every change a reader
sees; anyone else goes the whole way to the view."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles import views
from moderation import services
from moderation.models import Comment
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status


def url_of(article) -> str:
    return reverse("article_detail", args=[article.slug])


def warm(article) -> None:
    """Someone read the page: its frame and thread are cached, the worker knows the slug."""
    assert Client().get(url_of(article)).status_code == 200


def went_the_whole_way(response) -> bool:
    # The session and authentication middleware give every request they see these.
    return hasattr(response.wsgi_request, "session") or hasattr(response.wsgi_request, "user")


def csrf_token_in(response) -> str:
    html = response.content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_cookieless_reader_gets_the_cached_page_before_the_session_middleware(article):
    make_comment(article, body="Shared words.")
    warm(article)
    response = Client().get(url_of(article))
    assert response.status_code == 200
    assert "Shared words." in response.content.decode()
    assert not went_the_whole_way(response)


def test_the_first_reader_in_a_worker_goes_the_whole_way(article):
    views._ARTICLE_IDS.pop(article.slug, None)
    response = Client().get(url_of(article))
    assert response.status_code == 200
    assert went_the_whole_way(response)
    assert not went_the_whole_way(Client().get(url_of(article)))


def test_each_cookieless_reader_gets_a_fresh_csrf_token_that_posts(article, settings):
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 0
    warm(article)
    tokens = set()
    for name in ("Ann", "Bob"):
        client = Client(enforce_csrf_checks=True)
        page = client.get(url_of(article))
        assert not went_the_whole_way(page)
        assert settings.CSRF_COOKIE_NAME in page.cookies
        token = csrf_token_in(page)
        tokens.add(token)
        fg = re.search(r'name="fg_token" value="([^"]+)"', page.content.decode()).group(1)
        posted = client.post(reverse("comment_post", args=[article.slug]), {
            "csrfmiddlewaretoken": token, "fg_token": fg, "author_name": name,
            "body": f"{name} was here.",
        })
        assert posted.status_code == 302, posted.content[:300]
    assert len(tokens) == 2
    assert Comment.objects.filter(body__endswith="was here.").count() == 2


def test_a_reader_with_a_csrf_cookie_keeps_it_on_the_fast_path(article, settings):
    warm(article)
    client = Client()
    client.get(url_of(article))
    cookie = client.cookies[settings.CSRF_COOKIE_NAME].value
    page = client.get(url_of(article))
    assert not went_the_whole_way(page)
    # Sent again, as Django does whenever a page uses the token (to renew its expiry).
    assert page.cookies[settings.CSRF_COOKIE_NAME].value == cookie


def test_the_fast_page_has_the_headers_of_the_whole_way(article, reader):
    warm(article)
    fast = Client().get(url_of(article))
    assert not went_the_whole_way(fast)
    client = Client()
    client.force_login(reader)
    slow = client.get(url_of(article))
    assert went_the_whole_way(slow)
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options",
                   "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
                   "Cache-Control"):
        assert fast[header] == slow[header], header
    assert "Cookie" in fast["Vary"]
    assert int(fast["Content-Length"]) == len(fast.content)


def test_a_reader_with_their_own_pending_comment_still_sees_it(client, article):
    make_comment(article)
    warm(article)
    mine = make_comment(article, body="Mine, waiting.", status=Status.PENDING)
    session = client.session
    session["articles.own_comments"] = [mine.pk]
    session.save()
    response = client.get(url_of(article))
    assert went_the_whole_way(response)
    assert "Mine, waiting." in response.content.decode()
    assert "Mine, waiting." not in Client().get(url_of(article)).content.decode()


def test_a_logged_in_reader_gets_their_own_page(client, article, reader):
    warm(article)
    client.force_login(reader)
    response = client.get(url_of(article))
    assert went_the_whole_way(response)
    assert f"Log out {reader.get_username()}" in response.content.decode()


def test_a_reader_with_a_message_waiting_goes_the_whole_way(article, settings):
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 0
    warm(article)
    client = Client()
    token = csrf_token_in(client.get(url_of(article)))
    fg = re.search(r'name="fg_token" value="([^"]+)"',
                   client.get(url_of(article)).content.decode()).group(1)
    client.post(reverse("comment_post", args=[article.slug]), {
        "csrfmiddlewaretoken": token, "fg_token": fg, "author_name": "Ann",
        "body": "Waiting for a moderator.",
    })
    response = client.get(url_of(article))
    assert went_the_whole_way(response)
    assert "awaiting moderation" in response.content.decode()


def test_a_decision_shows_on_the_fast_page_at_once(article, moderator):
    comment = make_comment(article, body="Soon hidden.")
    warm(article)
    assert "Soon hidden." in Client().get(url_of(article)).content.decode()
    services.hide(comment=comment, actor=moderator, reason="spam")
    response = Client().get(url_of(article))
    assert not went_the_whole_way(response)
    assert "Soon hidden." not in response.content.decode()


def test_a_matching_etag_gets_304_on_the_fast_path(article):
    warm(article)
    client = Client()
    client.get(url_of(article))
    etag = client.get(url_of(article))["ETag"]
    again = client.get(url_of(article), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert not went_the_whole_way(again)


def test_the_page_sorts_and_pages_the_page_reads_are_served_fast(article):
    warm(article)
    Client().get(url_of(article), {"sort": "newest", "page": "1"})  # its thread is cached
    response = Client().get(url_of(article), {"sort": "newest", "page": "1"})
    assert response.status_code == 200
    assert not went_the_whole_way(response)


@pytest.mark.parametrize("query", [{"utm_source": "x"}, {"sort": ""}, {"page": "1" * 30}])
def test_a_query_the_page_does_not_read_goes_the_whole_way(article, query):
    warm(article)
    assert went_the_whole_way(Client().get(url_of(article), query))


def test_a_nul_byte_in_the_query_is_still_refused(article):
    warm(article)
    assert Client().get(url_of(article), {"page": "1\x00"}).status_code == 400


def test_a_host_not_allowed_is_refused_on_the_fast_path(article):
    warm(article)
    assert Client(HTTP_HOST="evil.example.org").get(url_of(article)).status_code == 400


def test_a_head_request_goes_the_whole_way(article):
    warm(article)
    response = Client().head(url_of(article))
    assert response.status_code == 200
    assert went_the_whole_way(response)
