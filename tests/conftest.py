import os
import shutil

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
    there, and would otherwise carry over from one test to the next."""
    from django.core.cache import cache

    cache.clear()


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
    on with the `triage_on` fixture; it then scores in the test's own thread."""
    settings.TRIAGE_ENABLED = False
    settings.TRIAGE_BACKGROUND = False


@pytest.fixture
def triage_on(settings):
    settings.TRIAGE_ENABLED = True
    settings.TRIAGE_BACKGROUND = False
    return settings
