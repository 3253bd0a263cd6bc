"""In Chromium: a moderator saves a queue and opens it again with one click; the queue tabs
scroll sideways on a phone instead of being cut off; the pages follow the browser's dark
mode."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from moderation.models import Comment, SavedQueue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def seed(db):
    call_command("loaddata", "seed", verbosity=0)
    return Comment.objects.count()


@pytest.fixture
def problems(page):
    """Script errors and anything the Content-Security-Policy refused."""
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and found.append(msg.text))
    return found


def log_in(page, live_server, next_url="/moderation/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    expect(page.locator("#mod-tabs")).to_be_visible()


def test_a_moderator_saves_a_queue_sees_it_beside_the_tabs_with_its_count_and_opens_it(
    live_server, page, moderator, seed, problems
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "/moderation/%3Ftab%3Dpending%26sort%3Dpriority%26author%3DReader")
    page.locator("summary", has_text="Save this view").click()
    page.fill("#save-queue-name", "Readers, priority")
    page.check("#save-queue-shared")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messages")).to_contain_text(
        "Saved the queue “Readers, priority” and shared it with the team.")
    saved = SavedQueue.objects.get()
    assert (saved.owner, saved.shared, saved.tab, saved.sort, saved.author) == (
        moderator, True, "pending", "priority", "Reader")
    strip = page.get_by_role("navigation", name="Saved queues")
    link = strip.get_by_role("link", name=re.compile("Readers, priority"))
    expect(link).to_have_attribute("aria-current", "page")
    # Its count arrives by htmx: the Pending tab's own count under the same filters.
    pending = Comment.objects.filter(status="pending", author_name__icontains="reader").count()
    expect(page.locator(f"#saved-count-{saved.pk}")).to_have_text(str(pending))

    # Elsewhere, one click on it brings back its tab, filters and sort.
    page.goto(f"{live_server.url}/moderation/?tab=all")
    expect(link).not_to_have_attribute("aria-current", "page")
    expect(page.locator(f"#saved-count-{saved.pk}")).to_have_text(str(pending))
    link.click()
    expect(page).to_have_url(re.compile(r"tab=pending"))
    expect(page.locator("#filter-author")).to_have_value("Reader")
    expect(page.locator("#filter-sort")).to_have_value("priority")
    expect(page.locator("#mod-tabs [aria-current=page]")).to_contain_text("Pending")
    expect(link).to_have_attribute("aria-current", "page")

    # A decision on a card brings the count up to date without a reload.
    first = page.locator("[data-mod-card]").first
    first.get_by_role("button", name=re.compile("^Approve")).click()
    expect(first).to_have_attribute("data-status", "approved")
    expect(page.locator(f"#saved-count-{saved.pk}")).to_have_text(str(pending - 1))
    assert problems == []


def test_on_a_phone_the_queue_tabs_scroll_and_the_page_does_not(
    live_server, page, moderator, seed, problems
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server)
    tabs = page.locator(".mod-tabs")
    widths = tabs.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1], "the tabs fit anyway; the test needs them not to"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(tabs).to_have_class(re.compile("more-after"))
    # The last tab is reached by scrolling the strip, and once open it is in view.
    page.locator("#mod-tabs [data-tab=all]").click()
    expect(page).to_have_url(re.compile(r"tab=all"))
    active = page.locator("#mod-tabs [data-tab=all]").bounding_box()
    assert active["x"] >= 0 and active["x"] + active["width"] <= PHONE["width"]
    expect(page.locator(".mod-tabs")).to_have_class(re.compile("more-before"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []


@pytest.mark.parametrize("scheme, theme, background", [
    ("dark", "dark", "rgb(33, 37, 41)"), ("light", "light", "rgb(255, 255, 255)"),
])
def test_the_pages_follow_the_browsers_colour_scheme(live_server, browser, moderator, seed,
                                                     scheme, theme, background):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    problems = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    for path in ("/", "/articles/trump-kazakhstan-joins-abraham-accords/"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.dataset.bsTheme") == theme
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
    log_in(page, live_server)
    assert page.evaluate("document.documentElement.dataset.bsTheme") == theme
    # A change of preference while the page is open is followed too.
    other = "light" if scheme == "dark" else "dark"
    page.emulate_media(color_scheme=other)
    expect(page.locator("html")).to_have_attribute("data-bs-theme", other)
    assert problems == []
    context.close()
