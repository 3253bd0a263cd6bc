"""Under the Content-Security-Policy the pages still work in Chromium: nothing is refused
(a refusal is a console error), htmx still swaps, the admin's own scripts still run."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page):
    """Refusals and script errors, and any resource that failed to load (by its URL; the
    admin has no favicon, which Chromium asks for anyway)."""
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda msg: msg.type == "error"
            and not msg.text.startswith("Failed to load resource") and found.append(msg.text))
    page.on("response", lambda response: response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and found.append(f"{response.status} {response.url}"))
    return found


def test_reader_pages_and_htmx_run_with_nothing_refused(live_server, page, article,
                                                        console_errors):
    comment = make_comment(article, body="A first comment.")
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    # The reply form arrives by htmx and is swapped in under the comment.
    page.locator(f"#c{comment.pk} a", has_text="Reply").first.click()
    expect(page.locator(f"#id_reply{comment.pk}_body")).to_be_visible()
    assert console_errors == []


def test_the_admin_runs_with_nothing_refused(live_server, page, admin_user, article,
                                             console_errors):
    make_comment(article)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "admin-pass-1")
    page.click("input[type=submit]")
    for path in ("/admin/", "/admin/moderation/comment/", "/admin/articles/article/add/",
                 f"/admin/articles/article/{article.pk}/change/",
                 "/admin/articles/article/import/", "/admin/auth/user/add/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
    # The admin's JavaScript works: the slug is filled in from the title as it is typed.
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator("#id_title").press_sequentially("Bridge vote tonight")
    expect(page.locator("#id_slug")).to_have_value("bridge-vote-tonight")
    assert console_errors == []
