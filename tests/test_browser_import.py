"""An admin imports WordPress's theme unit test export through the admin in Chromium, then
finds its threads in the moderation queue and on the reader's page."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from articles.models import Article, ImportChunk
from moderation.models import Comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_an_admin_imports_a_wordpress_export_and_finds_its_threads_in_the_queue(
    live_server, page, admin_user, corpus
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 1280, "height": 900})
    export = corpus / "wxr" / "themeunittestdata.wordpress.xml"

    page.goto(f"{live_server.url}/admin/login/?next=/admin/articles/article/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "admin-pass-1")
    page.click("input[type=submit]")
    page.get_by_role("link", name="Import articles").click()

    expect(page.locator("h1")).to_have_text("Import articles")
    page.set_input_files("#id_file", str(export))
    page.get_by_label("WordPress export (WXR)").check()
    page.get_by_role("button", name="Upload and preview").click()

    # The preview: nothing written yet.
    expect(page.locator(".import-summary")).to_contain_text(
        "77 to create, 0 to update")
    expect(page.locator(".import-summary")).to_contain_text(
        "29 to create (3 pending, 26 approved)")
    expect(page.locator("#import-articles")).to_contain_text("Template: Comments")
    assert not Comment.objects.exists()
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "import-preview.png")

    page.get_by_role("button", name="Confirm import").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "Imported themeunittestdata.wordpress.xml: 77 articles created")
    assert Comment.objects.count() == 29
    assert not ImportChunk.objects.exists()

    # The three pending comments wait in the moderation queue, the reply with its parent.
    page.goto(f"{live_server.url}/moderation/")
    cards = page.locator("[data-mod-card]")
    expect(cards).to_have_count(3)
    reply = cards.filter(has_text="nothing useful to say")
    expect(reply).to_contain_text("In reply to tellyworthtest2")
    # Where it came from is in its history, one click away (the card shows only decisions).
    reply.get_by_role("link", name=re.compile("Context")).click()
    expect(page.locator(".mod-history")).to_contain_text(re.compile(r"Imported\s+import: wxr"))
    page.go_back()
    expect(cards.filter(has_text="I want to learn how to make chinese eggrolls")).to_contain_text(
        "a Blog page")

    # The approved ten-deep thread reads as WordPress showed it, once the reader opens the
    # replies past the first few ("Show N more replies").
    thread = Article.objects.get(slug="template-comments")
    page.goto(live_server.url + thread.get_absolute_url())
    deepest = page.locator("li.comment", has_text="Comment Depth 10")
    more = page.locator(".show-more-link")
    while not deepest.count() and more.count():
        link = more.first.element_handle()
        link.click()
        link.wait_for_element_state("hidden")  # swapped out for the replies it stood for
    expect(deepest).to_have_attribute("data-depth", "9")
    expect(deepest).to_contain_text("in reply to Joe Bloggs")
    assert errors == []
