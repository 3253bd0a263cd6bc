"""The reader's article page, rendered by a real Chromium against a live server."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import Article
from moderation import services
from moderation.models import Comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def seeded_thread(admin_user):
    call_command("loaddata", "seed", verbosity=0)
    services.bulk_approve(comments=Comment.objects.all(), actor=admin_user)
    return Article.objects.get(slug="trump-kazakhstan-joins-abraham-accords")


def test_the_article_page_renders_the_approved_seed_thread_in_chromium(
    live_server, page, seeded_thread
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.set_viewport_size({"width": 1200, "height": 900})

    page.goto(live_server.url + seeded_thread.get_absolute_url())

    assert page.locator("h1").inner_text() == seeded_thread.title
    assert page.locator("#comments-heading").inner_text() == "13 comments"
    assert page.locator(".thread > li.comment").count() == 13
    # The seed's broken "<blockquoteThe War" is text, not markup.
    assert page.locator(".comment-body blockquote").count() == 0
    assert page.get_by_text("<blockquoteThe War Strengthened Israel").count() == 1
    # Replies are indented under their parents; the indentation is capped on narrow screens.
    adam = page.locator(".comment", has_text="I knew a couple")
    reply = page.locator(".comment", has_text="@Adam So I")
    assert reply.bounding_box()["x"] > adam.bounding_box()["x"]
    # Bootstrap came from our own static files.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font or "apple-system" in font
    assert errors == []

    if os.environ.get("SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "article.png")
        top = page.locator("#comments-heading").bounding_box()["y"] - 24
        page.screenshot(path=SCREENSHOTS / "thread.png", full_page=True,
                        clip={"x": 0, "y": top, "width": 1200, "height": 1000})


def test_deep_replies_stay_readable_on_a_phone(live_server, page, seeded_thread):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + seeded_thread.get_absolute_url())
    widths = page.eval_on_selector_all(".comment-body", "els => els.map(e => e.clientWidth)")
    assert min(widths) > 250
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_header_fits_a_phone_for_a_logged_in_moderator(live_server, page, moderator):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    page.goto(live_server.url + "/")
    assert page.get_by_role("button", name="Log out mona").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
