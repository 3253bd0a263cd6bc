"""The anonymous reader's article page comes from the cache, is made stale by exactly the
changes a reader would see (through the article's version), answers 304 while nothing
changed, and never hands one reader's CSRF token to another."""

import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import freshness
from moderation import services
from moderation.models import Comment
from tests.factories import make_article, make_comment, make_thread

pytestmark = pytest.mark.django_db

Status = Comment.Status


def url_of(article) -> str:
    return reverse("article_detail", args=[article.slug])


def html_of(article, client=None) -> str:
    response = (client or Client()).get(url_of(article))
    assert response.status_code == 200
    return response.content.decode()


def thread_queries(article, client=None) -> int:
    """How many queries the page costs, beyond the article's own."""
    with CaptureQueriesContext(connection) as queries:
        html_of(article, client)
    return sum(1 for q in queries.captured_queries if "moderation_comment" in q["sql"])


@pytest.mark.parametrize("top_level", [5, 400])
def test_a_warm_page_costs_at_most_two_queries(
    article, django_assert_max_num_queries, top_level
):
    make_thread(article, top_level, 3)
    html_of(article)
    # The article, and the cache (one query with the database cache, none with Redis or
    # the tests' locmem): the version and the thread come in one get_many.
    with django_assert_max_num_queries(2):
        html_of(article)
    assert thread_queries(article) == 0


def test_a_reader_with_another_csrf_cookie_gets_the_page_again_not_304(article):
    make_comment(article)
    ann = Client()
    ann.get(url_of(article))
    etag = ann.get(url_of(article))["ETag"]
    bob = Client()
    bob.get(url_of(article))
    assert bob.get(url_of(article), headers={"If-None-Match": etag}).status_code == 200


def test_the_database_cache_serves_a_warm_page_in_two_queries(
    article, settings, django_assert_max_num_queries
):
    settings.CACHES = {"default": {"BACKEND": "config.cache.AtomicDatabaseCache",
                                   "LOCATION": "django_cache"}}
    make_thread(article, 30, 2)
    html_of(article)
    with django_assert_max_num_queries(2):
        html_of(article)


def change_cases():
    """Each change a reader sees, made through its service (or save)."""

    def approve(article, moderator):
        c = make_comment(article, body="Fresh words.", status=Status.PENDING)
        return lambda: services.approve(comment=c, actor=moderator), True

    def hide(article, moderator):
        c = make_comment(article, body="Fresh words.")
        return lambda: services.hide(comment=c, actor=moderator, reason="spam"), False

    def feature(article, moderator):
        c = make_comment(article, body="Fresh words.")
        return lambda: services.feature(comment=c, actor=moderator), "featured-comments"

    def unfeature(article, moderator):
        c = make_comment(article, body="Fresh words.")
        services.feature(comment=c, actor=moderator)
        return lambda: services.unfeature(comment=c, actor=moderator), "no-featured"

    def edit_comment(article, moderator):
        c = make_comment(article, body="Old words.")

        def edit():
            c.body = "Fresh words."
            c.save()
        return edit, True

    def edit_article(article, moderator):
        def edit():
            article.title = "Fresh words."
            article.save()
        return edit, True

    def post_published(article, moderator):
        article.comment_policy = "post"
        article.save()
        return lambda: services.post_comment(article=article, author_name="Ann",
                                             body="Fresh words."), True

    def import_visible(article, moderator):
        def run():
            c = Comment(article=article, author_name="Imported", body="Fresh words.",
                        status=Status.APPROVED)
            Comment.objects.bulk_create_threaded([c])
            services.record_import(comments=[c], source_label="json")
        return run, True

    return [approve, hide, feature, unfeature, edit_comment, edit_article, post_published,
            import_visible]


@pytest.mark.parametrize("case", change_cases(), ids=lambda f: f.__name__)
def test_each_change_a_reader_sees_makes_the_cached_page_stale(
    case, article, moderator, settings
):
    settings.TRIAGE_ENABLED = False
    change, expect = case(article, moderator)
    before = html_of(article)
    assert html_of(article) == before or "csrf" in before  # served from the cache
    change()
    after = html_of(article)
    if expect is True:
        assert "Fresh words." in after and "Fresh words." not in before
    elif expect is False:
        assert "Fresh words." in before and "Fresh words." not in after
    elif expect == "featured-comments":
        assert "featured-comments" in after and "featured-comments" not in before
    else:
        assert "featured-comments" in before and "featured-comments" not in after


def test_a_report_leaves_the_cached_page_as_it_was(article, moderator):
    comment = make_comment(article)
    html_of(article)
    version = cache.get(freshness.version_key(article.pk))
    services.report(comment=comment, reason="spam", reporter_key="someone")
    assert cache.get(freshness.version_key(article.pk)) == version


def test_the_version_is_bumped_again_when_the_decision_commits(
    article, moderator, django_capture_on_commit_callbacks
):
    comment = make_comment(article, status=Status.PENDING)
    html_of(article)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.approve(comment=comment, actor=moderator)
    during = cache.get(freshness.version_key(article.pk))
    # A reader who rendered the page before the commit cached it under `during`.
    for callback in callbacks:
        callback()
    assert cache.get(freshness.version_key(article.pk)) > during


def test_a_forgotten_version_never_brings_back_an_old_page(article, moderator):
    comment = make_comment(article, body="Old words.")
    assert "Old words." in html_of(article)
    comment.refresh_from_db()
    Comment.objects.filter(pk=comment.pk).update(status=Status.HIDDEN)  # no bump
    cache.delete(freshness.version_key(article.pk))  # the cache lost the version
    assert "Old words." not in html_of(article)


def test_a_matching_etag_gets_304_until_something_changes(article, moderator):
    comment = make_comment(article, status=Status.PENDING)
    client = Client()
    client.get(url_of(article))  # the first visit sets the CSRF cookie the tag includes
    first = client.get(url_of(article))
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    again = client.get(url_of(article), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    services.approve(comment=comment, actor=moderator)
    changed = client.get(url_of(article), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_another_page_or_sort_has_its_own_etag(article):
    make_comment(article)
    client = Client()
    client.get(url_of(article))
    etag = client.get(url_of(article))["ETag"]
    assert client.get(url_of(article), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url_of(article), {"sort": "newest"},
                      headers={"If-None-Match": etag}).status_code == 200


def test_each_reader_gets_their_own_csrf_token_from_a_cached_page(article, settings):
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 0
    make_comment(article)
    html_of(article)  # cached by someone else
    for name in ("Ann", "Bob"):
        client = Client(enforce_csrf_checks=True)
        html = client.get(url_of(article)).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        fg = re.search(r'name="fg_token" value="([^"]+)"', html).group(1)
        response = client.post(reverse("comment_post", args=[article.slug]), {
            "csrfmiddlewaretoken": token, "fg_token": fg, "author_name": name,
            "body": f"{name} was here.",
        })
        assert response.status_code == 302, response.content[:300]
    assert Comment.objects.filter(body__endswith="was here.").count() == 2


def test_a_reader_with_their_own_pending_comment_is_not_served_the_shared_page(client, article):
    make_comment(article)
    html_of(article)  # the shared page is cached
    mine = make_comment(article, body="Mine, waiting.", status=Status.PENDING)
    session = client.session
    session["articles.own_comments"] = [mine.pk]
    session.save()
    response = client.get(url_of(article))
    assert "Mine, waiting." in response.content.decode()
    assert "ETag" not in response
    assert "Mine, waiting." not in html_of(article)


def test_a_logged_in_reader_is_not_served_the_shared_page(client, article, reader):
    html_of(article)
    client.force_login(reader)
    html = client.get(url_of(article)).content.decode()
    assert f"Log out {reader.get_username()}" in html


def test_a_new_article_and_an_old_one_do_not_share_pages():
    one, two = make_article(), make_article()
    make_comment(one, body="Only on one.")
    html_of(one)
    assert "Only on one." not in html_of(two)


def test_while_another_request_renders_the_new_thread_a_young_previous_one_is_served(
    article, moderator, settings
):
    settings.COMMENTS_PAGE_STALE_SECONDS = 30
    comment = make_comment(article, body="Soon hidden.")
    assert "Soon hidden." in html_of(article)
    services.hide(comment=comment, actor=moderator, reason="spam")
    lock = f"reader:thread:{article.pk}:oldest:1::rendering"
    assert cache.add(lock, 1)  # another worker is rendering the new version
    assert "Soon hidden." in html_of(article)
    settings.COMMENTS_PAGE_STALE_SECONDS = 0  # older than allowed: rendered here
    assert "Soon hidden." not in html_of(article)
    cache.delete(lock)
    assert "Soon hidden." not in html_of(article)


def test_the_previous_thread_is_served_while_the_change_is_young_however_old_its_rendering(
    article, moderator, settings
):
    """A page unchanged for an hour, then a decision: the burst of readers while one
    worker renders the new thread gets the hour-old rendering, not one rendering each."""
    settings.COMMENTS_PAGE_STALE_SECONDS = 30
    comment = make_comment(article, body="Soon hidden.")
    assert "Soon hidden." in html_of(article)
    key = f"reader:thread:{article.pk}:oldest:1:"
    version, html, count, rendered_at = cache.get(key)
    cache.set(key, (version, html, count, rendered_at - 3600))
    services.hide(comment=comment, actor=moderator, reason="spam")
    assert cache.add(f"{key}:rendering", 1)  # another worker is rendering the new version
    assert "Soon hidden." in html_of(article)


def test_with_no_one_else_rendering_a_change_shows_at_once(article, moderator, settings):
    settings.COMMENTS_PAGE_STALE_SECONDS = 30
    comment = make_comment(article, body="Soon hidden.")
    assert "Soon hidden." in html_of(article)
    services.hide(comment=comment, actor=moderator, reason="spam")
    assert "Soon hidden." not in html_of(article)


def test_a_warm_page_asks_the_database_nothing_with_locmem_or_redis(
    article, django_assert_num_queries
):
    make_comment(article)
    html_of(article)
    with django_assert_num_queries(0):
        html_of(article)


def test_a_renamed_article_is_not_served_under_its_old_address(article):
    make_comment(article, body="Words.")
    old_url = url_of(article)
    assert "Words." in html_of(article)
    article.slug = "a-new-slug"
    article.save()
    assert Client().get(old_url).status_code == 404
    assert "Words." in html_of(article)


def test_a_deleted_article_is_not_served_from_the_cache():
    article = make_article()
    html_of(article)
    url = url_of(article)
    article.delete()
    assert Client().get(url).status_code == 404


def test_an_article_edited_behind_the_frames_back_is_rendered_again(article):
    html_of(article)
    article.title = "A corrected title"
    article.save()
    assert "A corrected title" in html_of(article)


def test_a_worker_serves_its_copy_of_a_page_without_asking_the_cache_again(
    article, settings, monkeypatch
):
    settings.COMMENTS_PAGE_RECHECK_SECONDS = 30
    make_comment(article, body="Words.")
    html_of(article)
    html_of(article)  # read once more: the copy holds the page as cached
    asked = []

    class Watched:
        def get_many(self, keys):
            asked.append(keys)
            return cache.get_many(keys)

    monkeypatch.setattr(freshness, "cache", Watched())
    assert "Words." in html_of(article)
    assert asked == []


def test_a_change_made_in_this_worker_shows_as_soon_as_it_commits_despite_its_copy(
    article, moderator, settings, django_capture_on_commit_callbacks
):
    settings.COMMENTS_PAGE_RECHECK_SECONDS = 30
    comment = make_comment(article, body="Soon hidden.")
    html_of(article)
    assert "Soon hidden." in html_of(article)
    with django_capture_on_commit_callbacks(execute=False) as commit:
        services.hide(comment=comment, actor=moderator, reason="spam")
    # Not yet committed: the worker's readers keep the page they had, and render nothing
    # that the commit would throw away.
    assert "Soon hidden." in html_of(article)
    for callback in commit:
        callback()
    assert "Soon hidden." not in html_of(article)


def test_a_change_made_in_another_worker_shows_once_the_copy_is_older_than_the_recheck(
    article, settings
):
    settings.COMMENTS_PAGE_RECHECK_SECONDS = 0.3
    comment = make_comment(article, body="Soon hidden.")
    html_of(article)
    assert "Soon hidden." in html_of(article)
    # Another worker hides it: the rows and the version change, this worker's copy does not.
    Comment.objects.filter(pk=comment.pk).update(status=Status.HIDDEN)
    cache.set(freshness.version_key(article.pk), freshness.new_version(), timeout=None)
    assert "Soon hidden." in html_of(article)
    time.sleep(0.35)
    assert "Soon hidden." not in html_of(article)
