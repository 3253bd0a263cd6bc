"""axe-core finds no accessibility violation on the pages readers and moderators use
most, in light and in dark mode: the login, the reader's home page (both its pages) and
article page, the queue (with and without saved queues beside its tabs, on a desktop and on
a phone), the saved queues' page, a comment's context page and the log.

axe-core's own axe.min.js comes inside the axe-playwright-python wheel (a dev dependency)
and is injected into each page from there at test time; nothing of it is kept here.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect

from articles.views import ARTICLES_PER_PAGE
from moderation import services
from moderation.models import Comment, Reason
from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "trump-kazakhstan-joins-abraham-accords"
Status = Comment.Status


@pytest.fixture
def seed(db, moderator):
    """The seed thread with a history: an approval and a hide. Returns a reply."""
    call_command("loaddata", "seed", verbosity=0)
    comments = list(Comment.objects.filter(article__slug=SLUG).order_by("created", "pk"))
    services.approve(comment=comments[0], actor=moderator)
    services.hide(comment=comments[2], actor=moderator, reason=Reason.OFF_TOPIC)
    return next(c for c in comments if c.parent_id)


def save_queues(moderator, colleague):
    """Saved queues: one of mona's own, one a colleague shares with the team."""
    base = {"article": None, "reason": "", "author": "", "text": "", "commenter": None}
    services.save_queue(owner=moderator, name="Priority first",
                        filters={**base, "tab": "needs_review", "sort": "priority"})
    services.save_queue(owner=colleague, name="Politics desk, off-topic", shared=True,
                        filters={**base, "tab": "all", "sort": "newest",
                                 "reason": Reason.OFF_TOPIC})


def violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each."""
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in found
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_reader_and_moderator_pages_have_no_accessibility_violation(
    live_server, browser, moderator, django_user_model, seed, scheme
):
    # Reduced motion: axe reads a button's settled colours, not a frame of their fade.
    context = browser.new_context(color_scheme=scheme, reduced_motion="reduce",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found = {}

    def check(name):
        assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme
        found[name] = violations(page)

    for n in range(ARTICLES_PER_PAGE):  # enough for a second page, and its page links
        make_article(title=f"Story {n}")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("navigation", name="Pages of articles")).to_be_visible()
    check("home")
    page.goto(f"{live_server.url}/?page=2")
    check("home, page 2")
    page.goto(f"{live_server.url}/articles/{SLUG}/")
    check("article")
    page.goto(f"{live_server.url}/accounts/login/?next=/moderation/")
    check("login")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    expect(page.locator("#mod-tabs")).to_be_visible()
    check("queue")

    # The queue with its saved queues, their counts loaded, and the save form open.
    save_queues(moderator, django_user_model.objects.create_user("mike"))
    page.reload()
    expect(page.locator("[data-saved-count]").first).not_to_be_empty()
    check("queue with saved queues")
    page.locator("summary", has_text="Save this view").click()
    expect(page.locator("#save-queue-name")).to_be_visible()
    check("queue, saving a view")
    page.get_by_role("link", name="Politics desk, off-topic").click()
    expect(page.locator("#filter-reason")).to_have_value("off_topic")
    check("a shared saved queue")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/moderation/?tab=hidden")
    check("queue on a phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/moderation/saved/")
    check("saved queues")
    page.goto(f"{live_server.url}/moderation/comments/{seed.pk}/")
    check("comment context")
    page.goto(f"{live_server.url}/moderation/log/")
    check("log")
    context.close()

    assert {name: v for name, v in found.items() if v} == {}
