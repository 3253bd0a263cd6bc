"""In Chromium: a reader expands "show more replies" and follows a permalink to a
highlighted comment; a moderator features a comment from the queue card (Shift+F) and the
reader page shows it in Featured; a hide takes it out and undo brings it back."""

import re

import pytest
from playwright.sync_api import expect

from moderation.models import Comment, ModerationEvent
from tests.factories import make_article, make_bushy, make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def errors(page):
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and found.append(msg.text))
    page.on("response", lambda r: r.status >= 500 and found.append(f"{r.status}: {r.url}"))
    return found


def test_a_reader_shows_more_replies_and_a_permalinked_comment_is_highlighted(
    live_server, page, errors
):
    article = make_article(slug="bushy")
    tree = make_bushy(article, wide=120, deep=10)
    page.goto(live_server.url + article.get_absolute_url())
    thread = page.locator("ol.thread")
    before = thread.locator(":scope > li.comment").count()
    assert before <= 100
    more = thread.locator(".show-more-link").filter(has_text=re.compile(r"Show 356 more"))
    expect(more).to_have_count(1)
    more.click()
    # The link gives way to the next 50 replies, in place, and a link for the rest.
    expect(thread.locator(".show-more-link").filter(has_text="Show 306 more")).to_have_count(1)
    expect(thread.locator(":scope > li.comment")).to_have_count(before + 50)
    assert page.url == live_server.url + article.get_absolute_url()

    # A permalink deep in a chain lands on the comment, with its ancestors, highlighted.
    deep = tree["chain"][-1]
    page.goto(f"{live_server.url}{article.get_absolute_url()}?comment={deep.pk}#c{deep.pk}")
    target = page.locator(f"#c{deep.pk}")
    expect(target).to_have_class(re.compile(r"\bcomment-target\b"))
    expect(target).to_be_in_viewport()
    for ancestor in tree["chain"][:-1]:
        expect(page.locator(f"#c{ancestor.pk}")).to_be_visible()
    highlight = target.evaluate("e => getComputedStyle(e).backgroundColor")
    plain = page.locator(f"#c{tree['chain'][0].pk}").evaluate(
        "e => getComputedStyle(e).backgroundColor")
    assert highlight != plain
    assert errors == []


def test_a_moderator_features_from_the_queue_card_and_the_reader_sees_it_in_featured(
    live_server, browser, page, moderator, errors
):
    article = make_article(slug="featured-story")
    make_comment(article, body="An ordinary comment.")
    best = make_comment(article, body="The best comment on this story.")
    reader = browser.new_page()
    story = live_server.url + article.get_absolute_url()
    featured = reader.locator(".featured-comments")

    reader.goto(story)
    expect(featured).to_have_count(0)

    # The moderator picks the card and presses Shift+F.
    page.goto(f"{live_server.url}/accounts/login/?next=/moderation/%3Ftab%3Dapproved")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    card = page.locator(f"#comment-{best.pk}")
    expect(card).to_be_visible()
    expect(page.locator("[data-mod-card].is-active")).to_have_count(1)
    card.locator(".mod-body").click()
    expect(card).to_have_class(re.compile(r"\bis-active\b"))
    page.keyboard.press("Shift+F")
    expect(page.locator("#mod-status")).to_contain_text("Featured")
    expect(page.locator(f"#comment-{best.pk} [data-mod-feature]")).to_contain_text("Unfeature")

    reader.reload()
    expect(featured).to_contain_text("The best comment on this story.")
    expect(featured).not_to_contain_text("An ordinary comment.")
    expect(reader.locator(f"#c{best.pk} .featured-badge")).to_be_visible()

    # Hide it from the card: gone from Featured (and from the thread).
    card.locator(".mod-body").click()
    expect(card).to_have_class(re.compile(r"\bis-active\b"))
    page.keyboard.press("h")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    expect(page.locator(f"#comment-{best.pk}")).to_have_attribute("data-status", "hidden")
    reader.reload()
    expect(reader.locator(".thread")).to_be_visible()
    expect(featured).to_have_count(0)
    expect(reader.locator(f"#c{best.pk}")).to_have_count(0)

    # Undo the hide: back in place and in Featured.
    page.keyboard.press("u")
    expect(page.locator(f"#comment-{best.pk}")).to_have_attribute("data-status", "approved")
    reader.reload()
    expect(featured).to_contain_text("The best comment on this story.")
    best.refresh_from_db()
    assert best.featured_at is not None
    assert list(ModerationEvent.objects.filter(comment=best).order_by("id")
                .values_list("action", flat=True)) == ["featured", "hidden", "undone"]
    assert Comment.objects.get(pk=best.pk).status == "approved"
    assert errors == []
