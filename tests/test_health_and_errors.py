"""/healthz for the load balancer, and the pages a reader sees when something fails."""

import pytest
import redis
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from moderation import services

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_part_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "tasks"}
    assert "workers 0" in body["checks"]["tasks"]["detail"]
    assert all(part["ok"] for part in body["checks"].values())
    assert body["checks"]["database"]["detail"] == connection.vendor


def test_healthz_answers_a_probe_by_ip_address_that_other_pages_refuse(settings):
    settings.ALLOWED_HOSTS = ["comments.example.org"]
    probe = Client(HTTP_HOST="10.1.2.3:8000")
    assert probe.get("/healthz").status_code == 200
    assert probe.get(reverse("article_list")).status_code == 400


def test_healthz_answers_over_plain_http_behind_the_https_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    plain = Client()
    assert plain.get("/healthz").status_code == 200
    assert plain.get(reverse("article_list")).status_code == 301


def test_healthz_is_503_naming_the_database_when_it_fails(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    # The task queue lives in the database too, so its backlog cannot be read either.
    assert body["status"] == "fail" and body["failing"] == ["database", "tasks"]
    assert "connection refused" in body["checks"]["database"]["detail"]
    assert body["checks"]["cache"]["ok"] is True


class CacheDown:
    def set(self, *args, **kwargs):
        raise ConnectionError("Redis is down")

    get = delete = set


def test_healthz_is_503_naming_the_cache_when_it_fails(client, monkeypatch):
    monkeypatch.setattr("config.health.cache", CacheDown())
    body = client.get("/healthz").json()
    assert body["failing"] == ["cache"] and "Redis is down" in body["checks"]["cache"]["detail"]


def search_index():
    return "up to date"


def test_a_new_part_joins_healthz_by_settings(client, settings):
    settings.HEALTH_CHECKS = {**settings.HEALTH_CHECKS,
                              "search": "tests.test_health_and_errors.search_index"}
    body = client.get("/healthz").json()
    assert body["checks"]["search"]["detail"] == "up to date"


def test_healthz_reports_the_task_queues_backlog(client, article):
    # Posted in the test's transaction, which never commits: its scoring is never queued.
    services.post_comment(article=article, author_name="Rita", body="A first comment")
    detail = client.get("/healthz").json()["checks"]["tasks"]["detail"]
    assert "unscored 1" in detail and "workers 0" in detail


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


# Error pages, in the site's layout


def assert_site_page(response, status, text):
    html = response.content.decode()
    assert response.status_code == status
    assert "Newsroom Comments" in html and "/static/css/site.css" in html
    assert text in html


def test_a_missing_page_is_the_sites_404(client):
    assert_site_page(client.get("/nothing-here/"), 404, "There is no page here")


def test_a_forbidden_page_is_the_sites_403(client, reader):
    client.force_login(reader)
    assert_site_page(client.get(reverse("moderation:queue")), 403, "You may not open this page")


def test_a_bad_request_is_the_sites_400(client):
    assert_site_page(client.get("/", {"q": "\x00"}), 400, "That request could not be understood")


def test_a_form_without_its_csrf_token_is_the_sites_page_too(article):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("comment_post", args=[article.slug]), {"body": "x"})
    assert_site_page(response, 403, "That form could not be checked")


def test_a_server_error_is_the_sites_500(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("articles.views.visible_per_article", broken)
    client = Client(raise_request_exception=False)
    assert_site_page(client.get(reverse("article_list")), 500, "Something went wrong on our side")


def test_while_the_database_is_down_pages_say_so_without_touching_it(moderator):
    client = Client(raise_request_exception=False)
    client.force_login(moderator)  # a session in the database, which cannot be read now
    tried = []

    def refuse(execute, sql, params, many, context):
        tried.append(sql)
        raise OperationalError("the database system is shutting down")

    with connection.execute_wrapper(refuse):
        for url in (reverse("article_list"), reverse("moderation:queue")):
            before = len(tried)
            response = client.get(url)
            assert_site_page(response, 503, "We cannot reach our database or cache just now")
            assert response["Retry-After"] == "30"
            # The page itself asked nothing more of the database than the failed query.
            assert len(tried) == before + 1


def test_while_the_shared_cache_is_down_pages_say_so_as_for_the_database(article, monkeypatch):
    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390.")

    cache_class = type(caches["default"])
    for method in ("get", "get_many", "set", "add", "incr"):
        monkeypatch.setattr(cache_class, method, unreachable)
    client = Client(raise_request_exception=False)

    response = client.get(reverse("article_detail", args=[article.slug]))

    assert_site_page(response, 503, "We cannot reach our database or cache just now")
    assert response["Retry-After"] == "30"
