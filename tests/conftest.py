import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from tests.factories import make_article

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]


def _chromium_path() -> str | None:
    env = os.environ.get("CHROMIUM_PATH")
    if env:
        return env
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium; Playwright cannot download its own browser here."""
    path = _chromium_path()
    if not path:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Pages as a reader who asked for reduced motion sees them: Bootstrap then neither
    scrolls smoothly nor fades a button's colours, so a test reads where a scroll or a
    colour ends, not a frame on its way (with Chromium 156.0.8078.114 here, the tests' short
    waits were not always long enough for either)."""
    return {**browser_context_args, "reduced_motion": "reduce"}


@pytest.fixture
def article(db):
    return make_article(title="Kazakhstan joins the Abraham Accords", slug="kazakhstan")


@pytest.fixture
def reader(django_user_model):
    return django_user_model.objects.create_user("rita", "rita@example.org", "reader-pass-1")


@pytest.fixture
def outsider(django_user_model):
    """Staff, but without the moderation permission."""
    return django_user_model.objects.create_user("oscar", password="outsider-pass-1", is_staff=True)


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user(
        "mona", password="moderator-pass-1", is_staff=True
    )
    group = Group.objects.filter(name="Moderators").first()
    if group:
        user.groups.add(group)
    else:
        permission = Permission.objects.filter(codename="moderate_comment").first()
        if permission:
            user.user_permissions.add(permission)
    return user


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("ada", "ada@example.org", "admin-pass-1")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start each test with an empty cache: rate-limit counts and duplicate-text marks live
    there, and would otherwise carry over from one test to the next. So would a worker's
    copy of a reader page's entries (articles/freshness.py)."""
    from django.core.cache import cache

    from articles import freshness

    cache.clear()
    freshness.forget_all()


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """Skip tests marked `postgres` unless the database is PostgreSQL; CI runs the suite
    on PostgreSQL as well, so there they run."""
    if request.node.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture(autouse=True)
def _triage_off(settings):
    """Keep automated triage out of tests that are not about it: a posted comment would
    otherwise be scored after commit and could gain automatic flags. Triage tests turn it
    on with the `triage_on` fixture; its task then runs in the test's own thread (the
    tests' immediate task backend)."""
    settings.TRIAGE_ENABLED = False


@pytest.fixture
def triage_on(settings):
    settings.TRIAGE_ENABLED = True
    return settings


# Importing articles (articles/importers)

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared test corpus, ../shared/corpus beside the checkout."""
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.fail(f"The test corpus is missing: expected {CORPUS} (clone the repository "
                    "with shared/ beside it).")
    return CORPUS


@pytest.fixture(autouse=True)
def _progress_cache(settings, tmp_path):
    """Keep imports' progress (a file cache outside tests) in this test's own directory."""
    settings.CACHES = {**settings.CACHES, "progress": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "progress")}}


WXR_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{namespace}">
<channel>
<title>{site_title}</title>
<link>{site}</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>{site}</wp:base_blog_url>
<wp:author><wp:author_login>editor</wp:author_login>
<wp:author_display_name><![CDATA[Erin Editor]]></wp:author_display_name></wp:author>
"""


def _wxr_comment(c: dict) -> str:
    approved = "" if c.get("approved") is None else (
        f"<wp:comment_approved>{c['approved']}</wp:comment_approved>")
    return (
        "<wp:comment>"
        f"<wp:comment_id>{c['id']}</wp:comment_id>"
        f"<wp:comment_author><![CDATA[{c.get('author', 'Reader ' + str(c['id']))}]]>"
        "</wp:comment_author>"
        f"<wp:comment_author_email>{c.get('email', 'reader@example.org')}"
        "</wp:comment_author_email>"
        f"<wp:comment_date_gmt>{c.get('date', '2024-05-01 10:00:00')}</wp:comment_date_gmt>"
        f"<wp:comment_content><![CDATA[{c.get('content', 'Comment ' + str(c['id']))}]]>"
        "</wp:comment_content>"
        f"{approved}"
        f"<wp:comment_type>{c.get('type', '')}</wp:comment_type>"
        f"<wp:comment_parent>{c.get('parent', 0)}</wp:comment_parent>"
        "</wp:comment>\n"
    )


def build_wxr(items, *, namespace="https://wordpress.org/export/1.2/",
              site="https://blog.example.org", site_title="Example Blog") -> str:
    """A small WordPress export: each item a dict (post_id, title, comments, …)."""
    out = [WXR_HEAD.format(namespace=namespace, site=site, site_title=site_title)]
    for item in items:
        post_id = item["post_id"]
        out.append(
            "<item>"
            f"<title>{item.get('title', f'Post {post_id}')}</title>"
            f"<link>{site}/?p={post_id}</link>"
            "<dc:creator>editor</dc:creator>"
            f"<content:encoded><![CDATA[{item.get('content', '<p>Body.</p>')}]]>"
            "</content:encoded>"
            f"<wp:post_id>{post_id}</wp:post_id>"
            f"<wp:post_date_gmt>{item.get('date', '2024-04-01 09:00:00')}</wp:post_date_gmt>"
            f"<wp:post_name>{item.get('name', f'post-{post_id}')}</wp:post_name>"
            f"<wp:status>{item.get('status', 'publish')}</wp:status>"
            f"<wp:post_type>{item.get('type', 'post')}</wp:post_type>"
            f"<wp:post_password>{item.get('password', '')}</wp:post_password>"
            f"<wp:comment_status>{item.get('comment_status', 'open')}</wp:comment_status>\n"
            + "".join(_wxr_comment(c) for c in item.get("comments", []))
            + "</item>\n"
        )
    out.append("</channel>\n</rss>\n")
    return "".join(out)


@pytest.fixture
def wxr_file(tmp_path):
    """Write build_wxr(items, **options) to a file and return its path."""
    counter = iter(range(1, 1000))

    def write(items, name=None, **options) -> Path:
        path = tmp_path / (name or f"export-{next(counter)}.xml")
        path.write_text(build_wxr(items, **options), encoding="utf-8")
        return path

    return write


@pytest.fixture
def quick_forms(settings):
    """Reader forms sent at once: Playwright fills a form in milliseconds, and the minimum
    time on a form has its own tests (test_bot_defences.py)."""
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 0
