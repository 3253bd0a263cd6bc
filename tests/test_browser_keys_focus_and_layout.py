"""In Chromium: the saved queues' counts follow a bulk approval and its undo; the author's
keys (p, Shift+B, Shift+T) work from a card's selection checkbox; on a phone a long triage
"why" wraps instead of widening the queue; the reader's focus lands on what a form's
answer put in place (its first error, the new replies, the posted reply, a report's
answer), and a comment refused for being sent too often keeps its form and its text; and
the keys' help names every reason's digit."""

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from moderation import services
from moderation.models import Comment, Reason
from tests.factories import make_article, make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("quick_forms")]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def problems(page):
    """Script errors, anything the Content-Security-Policy refused, and server errors."""
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and not refusal(msg.text)
            and found.append(msg.text))
    page.on("response", lambda r: r.status >= 500 and found.append(f"{r.status}: {r.url}"))
    return found


def refusal(text: str) -> bool:
    """Chromium's console line for a 4xx answer: a refused form (422) is one the page shows."""
    return text.startswith("Failed to load resource: the server responded with a status of 4")


def log_in(page, live_server, next_url="/moderation/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    # The keyboard handler is ready once it has marked the first card active.
    expect(page.locator("[data-mod-card].is-active")).to_have_count(1)


def focused(page) -> str:
    """What has the focus, as "tag#id.class …" (the body when the focus was dropped)."""
    return page.evaluate("""() => {
        const e = document.activeElement;
        return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
            + Array.from(e.classList, c => "." + c).join("");
    }""")


# 1. Saved queues' counts


def test_a_bulk_approval_and_its_undo_bring_the_saved_queue_count_up_to_date(
    live_server, page, moderator, problems
):
    call_command("loaddata", "seed", verbosity=0)
    saved = services.save_queue(owner=moderator, name="Everything pending", filters={
        "tab": "pending", "sort": "oldest", "article": None, "reason": "", "author": "",
        "text": "", "commenter": None})
    pending = Comment.objects.filter(status=Comment.Status.PENDING).count()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "/moderation/%3Ftab%3Dpending%26sort%3Doldest")
    count = page.locator(f"#saved-count-{saved.pk}")
    expect(count).to_have_text(str(pending))

    # x, j, x, Shift+A: two approved from the bulk bar, not from their cards' own buttons.
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("[data-mod-selected-count]")).to_have_text("2 selected")
    page.keyboard.press("Shift+A")
    expect(page.locator("#mod-status")).to_contain_text("Approved 2 comments.")
    expect(count).to_have_text(str(pending - 2))

    # Undo, clicked in the status line, puts both back, and the count with them.
    page.locator("#mod-status [data-mod-undo]").click()
    expect(page.locator("[data-mod-card][data-status=approved]")).to_have_count(0)
    expect(count).to_have_text(str(pending))
    assert problems == []


# 2. The author's keys from a selection checkbox


def test_the_authors_keys_work_while_a_cards_selection_checkbox_has_the_focus(
    live_server, page, moderator, problems
):
    article = make_article(slug="keys-story")
    comment = services.post_comment(article=article, author_name="Troll",
                                    author_email="troll@example.org", body="Rude thing.")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server)
    card = page.locator(f"#comment-{comment.pk}")
    box = card.locator("[data-mod-select]")

    # The checkbox itself has the focus, not its card: the keys must work there, as j does.
    box.focus()
    page.keyboard.press("Shift+B")
    expect(card.locator("[data-mod-panel=ban]")).to_have_attribute("open", "")
    page.keyboard.press("Escape")

    box.focus()
    page.keyboard.press("Shift+T")
    expect(card.locator("[data-mod-panel=trust]")).to_have_attribute("open", "")
    page.keyboard.press("Escape")

    box.focus()
    page.keyboard.press("p")
    expect(page).to_have_url(re.compile(r"/moderation/people/[^/]+/$"))
    assert problems == []


# 3. The queue on a phone


def test_on_a_phone_a_long_why_badge_wraps_and_the_queue_does_not_scroll_sideways(
    live_server, page, moderator, problems
):
    article = make_article(slug="spam-story")
    comment = make_comment(article, status=Comment.Status.PENDING, author_name="Seller",
                           body="Cheap watches at example.org")
    # A spam score high enough for its reasons to show, with many of them: the why badge
    # is then far wider than a phone.
    Comment.objects.filter(pk=comment.pk).update(triaged_at=timezone.now(), triage={
        "spam": 0.97, "spam_content": 0.97, "abuse": 0.01,
        "spam_why": ["a link to a shop", "a price in the first line",
                     "the same words as eleven comments posted this hour elsewhere",
                     "an email address and a telephone number", "shouting in capitals"]})
    page.set_viewport_size(PHONE)
    log_in(page, live_server)
    why = page.locator(f"#comment-{comment.pk} .mod-signals .badge", has_text="why:")
    expect(why).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
    # It wraps within the card rather than being clipped by it.
    box, card = why.bounding_box(), page.locator(f"#comment-{comment.pk}").bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"]
    assert problems == []


# 4. The reader's focus after htmx answers


def send_comment(page, body: str, name: str = "Rita"):
    """Fill the article's comment form and send it; return the form."""
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Comment").fill(body)
    form.get_by_role("button", name="Post comment").click()
    return form


def test_a_comment_form_error_takes_the_focus_to_its_field_and_is_announced(
    live_server, page, problems
):
    article = make_article(slug="error-story")
    page.goto(live_server.url + article.get_absolute_url())
    # Only spaces: the browser lets it through (the field is not empty), the server refuses.
    send_comment(page, "   ")

    area = page.locator("#comment-form-area")
    expect(area.locator(".invalid-feedback")).to_contain_text("Write your comment")
    expect(page.locator("#comment-form").get_by_label("Comment")).to_be_focused()
    assert focused(page).startswith("textarea#id_body")
    # A screen reader hears the error as it arrives: it is in an alert.
    expect(area.get_by_role("alert")).to_contain_text("Write your comment before sending it")
    assert problems == []


def test_show_more_replies_takes_the_focus_to_the_first_reply_it_shows(
    live_server, page, problems
):
    article = make_article(slug="replies-story")
    top = make_comment(article, author_name="Adam", body="Top.")
    # Four replies are shown at first; the fifth and sixth wait behind "Show 2 more".
    replies = [make_comment(article, parent=top, author_name=f"Replier {n}",
                            body=f"Reply {n}.") for n in range(6)]
    page.goto(live_server.url + article.get_absolute_url())
    more = page.get_by_role("link", name="Show 2 more replies")
    more.focus()
    page.keyboard.press("Enter")

    first_new = page.locator(f"#c{replies[4].pk}")
    expect(first_new).to_be_visible()
    expect(first_new).to_be_focused()
    assert focused(page).startswith(f"li#c{replies[4].pk}")
    assert problems == []


def test_posting_a_reply_takes_the_focus_to_the_posted_confirmation(
    live_server, page, problems
):
    article = make_article(slug="reply-story")
    adam = make_comment(article, author_name="Adam", body="I knew a couple from Almaty.")
    page.goto(live_server.url + article.get_absolute_url())
    item = page.locator(f"#c{adam.pk}")
    item.get_by_role("link", name="Reply").click()
    form = item.locator("form.reply-form")
    form.get_by_label("Name").fill("Rita")
    form.get_by_label("Comment").fill("@Adam Which year was that?")
    form.get_by_role("button", name="Post reply").click()

    posted = item.locator(".posted-reply")
    expect(posted).to_contain_text("Your comment is awaiting moderation")
    expect(posted).to_be_focused()
    assert focused(page).startswith("div.posted-reply")
    assert problems == []


def test_sending_a_report_takes_the_focus_to_its_answer(live_server, page, problems):
    article = make_article(slug="report-story")
    adam = make_comment(article, author_name="Adam", body="I knew a couple from Almaty.")
    page.goto(live_server.url + article.get_absolute_url())
    item = page.locator(f"#c{adam.pk}")
    item.get_by_role("link", name="Report").click()
    form = item.locator("form.report-form")
    form.get_by_label("Spam").check()
    form.get_by_role("button", name="Send report").click()

    result = item.locator(".report-result")
    expect(result).to_contain_text("A moderator will look at this comment")
    expect(result).to_be_focused()
    assert problems == []


def test_a_comment_over_the_posting_limit_is_refused_above_its_form_which_keeps_the_text(
    live_server, page, problems, settings
):
    settings.COMMENTS_POST_RATE = "1/m"
    article = make_article(slug="limit-story")
    page.goto(live_server.url + article.get_absolute_url())
    send_comment(page, "First thoughts on the accords.")
    expect(page.locator(".posted")).to_be_visible()

    form = send_comment(page, "Second thoughts, typed with care.")
    refusal = form.locator(".refusal")
    expect(refusal).to_contain_text("too much in a short time")
    expect(refusal).to_be_focused()
    expect(form.get_by_label("Comment")).to_have_value("Second thoughts, typed with care.")
    expect(form.get_by_role("button", name="Post comment")).to_be_enabled()
    assert Comment.objects.count() == 1
    assert problems == []


# 5. The keys' help


def test_the_keys_help_names_a_digit_for_every_hide_reason(
    live_server, page, moderator, problems
):
    article = make_article(slug="help-story")
    make_comment(article, status=Comment.Status.PENDING)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server)
    page.keyboard.press("?")
    help_ = page.locator("#mod-keys")
    expect(help_).to_be_visible()
    # As many digits as the hide panel has reasons (six: Noise is the sixth).
    reasons = page.locator("[data-mod-card].is-active [data-mod-panel=hide] input[type=radio]")
    expect(reasons).to_have_count(len(Reason.choices))
    expect(help_).to_contain_text(f"pick a reason with 1–{len(Reason.choices)}")
    assert problems == []
