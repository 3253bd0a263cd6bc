"""Security headers: a Content-Security-Policy no page needs to loosen (no inline script or
style anywhere), Permissions-Policy, and what `check --deploy` asks for, with 0 warnings in
the documented production environment."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import make_comment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"

# The environment README.md's deployment section sets (with example values).
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3Q9vX2mL7pR4tW8yB1nC6fH0jD5sA9eG2uZ7iO3qM8wE4rT6yU1oP5aS0dF7gH2",
    "DJANGO_ALLOWED_HOSTS": "comments.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://comments.example.org",
    "DJANGO_SECURE": "true",
    "DATABASE_URL": "postgres://moderation@db.example.org/moderation",
    "REDIS_URL": "redis://cache.example.org:6379/0",
    "EMAIL_URL": "submission://comments%40example.org:secret@smtp.example.org:587",
    "DEFAULT_FROM_EMAIL": "comments@example.org",
    "RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP",
}


class InlineFinder(HTMLParser):
    """Collect what a strict CSP refuses: inline scripts and styles, style="", on*=""."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=>")
            if name == "href" and (attrs[name] or "").lower().startswith("javascript:"):
                self.found.append(f"<{tag} href=javascript:>")


def inline_parts(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_script_or_style(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text), path
    assert "<style" not in text, path
    assert not re.search(r"\sstyle=", text), path
    assert not re.search(r"\son[a-z]+=", text), path


def pages(article, comment):
    yield reverse("article_list")
    yield article.get_absolute_url()
    yield reverse("comment_reply", args=[article.slug, comment.pk])
    yield reverse("comment_report", args=[article.slug, comment.pk])
    yield reverse("moderation:queue")
    yield reverse("moderation:comment", args=[comment.pk])
    yield reverse("moderation:log")
    yield reverse("password_reset")
    yield reverse("admin:index")
    yield reverse("admin:articles_article_import")
    yield reverse("admin:moderation_comment_change", args=[comment.pk])
    yield reverse("admin:articles_article_change", args=[article.pk])
    yield reverse("admin:articles_article_add")
    yield reverse("admin:auth_user_add")
    for model in admin.site._registry:
        yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    yield "/no-such-page/"


@pytest.mark.django_db
def test_every_page_has_a_strict_csp_and_nothing_inline(client, admin_user, article):
    comment = make_comment(article)
    client.force_login(admin_user)
    checked = 0
    for url in pages(article, comment):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert inline_parts(response.content.decode()) == [], url
        assert "camera=()" in response["Permissions-Policy"]
        checked += 1
    assert checked > 15


@pytest.mark.django_db
def test_the_login_page_and_error_pages_have_the_headers_too(client):
    for response in (client.get(reverse("login")), client.get("/missing/")):
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "geolocation=()" in response["Permissions-Policy"]


def run(args, **env):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DJANGO_", "EMAIL_", "REDIS_", "DATABASE_"))}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


def test_check_deploy_gives_no_warning_in_the_documented_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_production_has_no_email():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = run(["manage.py", "check", "--deploy"], **env)
    assert "site.W001" in result.stderr + result.stdout


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload():
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE)")
    result = run(["-c", code], **PRODUCTION_ENV)
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True"], result.stderr


def test_without_redis_production_counts_in_the_shared_database_cache():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.CACHES['default']['BACKEND'])")
    assert run(["-c", code], **env).stdout.strip() == "config.cache.AtomicDatabaseCache"


def test_django_ratelimit_refuses_a_cache_that_is_not_shared(settings):
    """Its checks run (the app is installed): the per-process cache is an error."""
    from django.core import checks

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ids = [m.id for m in checks.run_checks(tags=[checks.Tags.caches])]
    assert "django_ratelimit.E003" in ids


@pytest.mark.django_db
def test_the_moderators_pages_are_stored_by_no_cache(client, moderator, article):
    comment = make_comment(article, author_email="guest@example.org")
    client.force_login(moderator)
    for url in (reverse("moderation:queue"), reverse("moderation:log"),
                reverse("moderation:comment", args=[comment.pk]),
                reverse("moderation:commenters"),
                reverse("moderation:cards"), reverse("moderation:saved_queues")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
