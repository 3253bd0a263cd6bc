"""A moderator triages the seed thread from the keyboard in Chromium, then the reader page
shows exactly what was approved. Also takes the README's screenshots (SCREENSHOTS=1)."""

import os
import re
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from moderation import services, tasks
from moderation.models import Comment, Flag, ModerationEvent, Reason, Word
from moderation.screening import score_comments
from tests.factories import make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SLUG = "trump-kazakhstan-joins-abraham-accords"
Status = Comment.Status


@pytest.fixture
def seed(db):
    call_command("loaddata", "seed", verbosity=0)
    # The seed thread in the order it was written (the queue's oldest-first order).
    return list(Comment.objects.filter(article__slug=SLUG).order_by("created", "pk"))


@pytest.fixture
def errors(page):
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and found.append(msg.text))
    return found


def log_in(page, live_server, next_url: str, javascript: bool = True) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    expect(page.locator("[data-mod-card]").first).to_be_visible()
    if javascript:
        # The keyboard handler is ready once it has marked the first card active.
        expect(page.locator("[data-mod-card].is-active")).to_have_count(1)


def card(page, comment):
    return page.locator(f"#comment-{comment.pk}")


def press(page, *keys):
    for key in keys:
        page.keyboard.press(key)


def test_a_moderator_triages_the_seed_thread_from_the_keyboard(
    live_server, page, moderator, seed, errors
):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "/moderation/%3Fsort%3Doldest")
    c = seed  # c[0] is Adam's comment, c[1] Reader A's reply to it, and so on
    assert page.locator("[data-mod-card]").count() == 13
    expect(card(page, c[0])).to_have_class(lambda_has("is-active"))

    # a, a, a, a: approve the first four; after each, the next card takes the focus.
    for i in range(4):
        press(page, "a")
        expect(card(page, c[i])).to_have_attribute("data-status", "approved")
        expect(card(page, c[i + 1])).to_be_focused()
    # u: undo the last approval; the card comes back as pending and has the focus.
    expect(page.locator("#mod-status")).to_contain_text("Approved Reader C")
    press(page, "u")
    expect(card(page, c[3])).to_have_attribute("data-status", "pending")
    expect(card(page, c[3])).to_be_focused()
    expect(page.locator("#mod-status")).to_contain_text("Approval undone: Reader C’s comment")

    # j, then h 1 Enter: hide Reader D's comment as off-topic.
    press(page, "j", "h")
    expect(card(page, c[4]).locator('[data-mod-panel="hide"] input[type=radio]').first
           ).to_be_focused()
    press(page, "1", "Enter")
    expect(card(page, c[4])).to_have_attribute("data-status", "hidden")
    expect(card(page, c[4])).to_contain_text("Off-topic")

    # a: approve its reply (so the hidden comment becomes a placeholder for readers).
    expect(card(page, c[5])).to_be_focused()
    press(page, "a")
    expect(card(page, c[5])).to_have_attribute("data-status", "approved")

    # f 2, Tab, a note, Enter: flag Reader F's comment as abusive; it stays pending.
    expect(card(page, c[6])).to_be_focused()
    press(page, "f", "2", "Tab")
    page.keyboard.type("Sneers at the other reader")
    press(page, "Enter")
    expect(card(page, c[6])).to_contain_text("Abusive")
    expect(card(page, c[6])).to_have_attribute("data-status", "pending")
    expect(card(page, c[7])).to_be_focused()

    # Keys typed into a field never trigger shortcuts.
    page.fill("#filter-author", "")
    page.focus("#filter-author")
    press(page, "a")
    expect(card(page, c[7])).to_have_attribute("data-status", "pending")
    page.locator("#filter-author").fill("")

    # x, j, x, Shift+A: select two and approve them together.
    card(page, c[7]).focus()
    press(page, "x", "j", "x")
    expect(page.locator("[data-mod-selected-count]")).to_have_text("2 selected")
    press(page, "Shift+A")
    expect(card(page, c[7])).to_have_attribute("data-status", "approved")
    expect(card(page, c[8])).to_have_attribute("data-status", "approved")
    expect(page.locator("#mod-status")).to_contain_text("Approved 2 comments.")
    assert errors == []

    # The database and its audit log hold exactly those decisions.
    status = {comment.pk: comment.status for comment in Comment.objects.all()}
    approved = [c[i].pk for i in (0, 1, 2, 5, 7, 8)]
    assert sorted(pk for pk, s in status.items() if s == Status.APPROVED) == sorted(approved)
    assert [pk for pk, s in status.items() if s == Status.HIDDEN] == [c[4].pk]
    assert list(ModerationEvent.objects.order_by("id").values_list("comment_id", "action")) == [
        (c[0].pk, "approved"), (c[1].pk, "approved"), (c[2].pk, "approved"),
        (c[3].pk, "approved"), (c[3].pk, "undone"), (c[4].pk, "hidden"),
        (c[5].pk, "approved"), (c[6].pk, "flagged"), (c[7].pk, "approved"),
        (c[8].pk, "approved"),
    ]
    assert ModerationEvent.objects.get(action="hidden").reason == Reason.OFF_TOPIC
    flag = Flag.objects.get()
    assert (flag.comment_id, flag.reason, flag.note) == (
        c[6].pk, Reason.ABUSIVE, "Sneers at the other reader")

    # The reader sees the approved comments, and a placeholder where the hidden one was.
    page.goto(live_server.url + Article.objects.get(slug=SLUG).get_absolute_url())
    expect(page.locator("#comments-heading")).to_have_text("6 comments")
    items = page.locator(".thread > li.comment")
    assert items.count() == 7
    ids = [int(i.removeprefix("c")) for i in items.evaluate_all("els => els.map(e => e.id)")]
    assert ids == [c[i].pk for i in (0, 1, 2, 4, 5, 7, 8)]
    placeholder = page.locator(f"#c{c[4].pk}")
    expect(placeholder).to_have_class(lambda_has("comment-placeholder"))
    expect(placeholder).to_have_text("This comment was removed by a moderator.")
    for i in (0, 1, 2, 5, 7, 8):
        first_line = c[i].body.splitlines()[0][:40]
        expect(page.locator(f"#c{c[i].pk} .comment-body")).to_contain_text(first_line)
    for i in (3, 6, 9, 10, 11, 12):
        assert page.locator(f"#c{c[i].pk}").count() == 0
    assert errors == []


def test_bulk_hide_from_the_keyboard_asks_the_reason(live_server, page, moderator, seed, errors):
    log_in(page, live_server, "/moderation/%3Fsort%3Doldest")
    c = seed
    press(page, "x", "j", "x", "j")
    press(page, "Shift+H")
    panel = page.locator('[data-mod-panel="bulk-hide"]')
    expect(panel.locator("input[type=radio]").first).to_be_focused()
    press(page, "3", "Enter")  # 3 is spam
    expect(card(page, c[0])).to_have_attribute("data-status", "hidden")
    expect(card(page, c[1])).to_have_attribute("data-status", "hidden")
    expect(page.locator("#mod-status")).to_contain_text("Hidden 2 comments.")
    expect(page.locator("[data-mod-selected-count]")).not_to_contain_text("selected")
    assert set(ModerationEvent.objects.values_list("comment_id", "action", "reason")) == {
        (c[0].pk, "hidden", "spam"), (c[1].pk, "hidden", "spam")}
    assert Comment.objects.get(pk=c[2].pk).status == Status.PENDING
    # u takes the whole bulk action back.
    press(page, "u")
    expect(card(page, c[0])).to_have_attribute("data-status", "pending")
    expect(card(page, c[1])).to_have_attribute("data-status", "pending")
    expect(page.locator("#mod-status")).to_contain_text("Undid 2 decisions.")
    assert errors == []


def test_the_queue_works_without_javascript(live_server, browser, moderator, seed):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "/moderation/%3Fsort%3Doldest", javascript=False)
    first = card(page, seed[0])
    hide = first.locator('[data-mod-panel="hide"]')
    hide.locator("summary").click()
    hide.locator("label", has_text="Spam").click()
    hide.locator("button", has_text="Hide comment").click()
    expect(page.locator(".alert-success")).to_contain_text("Hid Adam’s comment")
    # The redirect came back to the same queue; the hidden comment left Needs review.
    assert "sort=oldest" in page.url
    assert page.locator(f"#comment-{seed[0].pk}").count() == 0
    page.locator("button[data-mod-undo]").click()
    expect(page.locator(".alert-info")).to_contain_text("Hide undone: Adam’s comment")
    assert Comment.objects.get(pk=seed[0].pk).status == Status.PENDING
    context.close()


def test_the_help_dialog_lists_the_keys_and_screenshots(
    live_server, page, moderator, admin_user, seed, errors
):
    c = seed
    services.approve(comment=c[0], actor=admin_user)
    services.approve(comment=c[1], actor=admin_user)
    services.flag(comment=c[1], actor=None, reason=Reason.PERSONAL_ATTACK,
                  source=Flag.Source.READER, reporter_key="demo", actor_label="reader",
                  note="Insults the other commenter")
    services.flag(comment=c[4], actor=admin_user, reason=Reason.OFF_TOPIC,
                  note="AI-generated filler?")
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, live_server, "/moderation/%3Fsort%3Doldest")
    press(page, "a")  # keep the reported comment: resolves the reader's report
    expect(card(page, c[1])).to_have_class(lambda_has("mod-card-done"))
    expect(card(page, c[2])).to_be_focused()
    press(page, "x", "j", "x")
    expect(page.locator("[data-mod-selected-count]")).to_have_text("2 selected")
    page.mouse.move(0, 0)
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=SCREENSHOTS / "queue.png")

    help_button = page.get_by_role("button", name="Keyboard shortcuts")
    expect(help_button).to_be_visible()
    press(page, "?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for text in ("Next / previous comment", "Approve", "Hide", "Flag for review",
                 "Undo the last action", "Select or unselect"):
        expect(dialog).to_contain_text(text)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=SCREENSHOTS / "queue-keys.png")
    # Keys do nothing while the dialog is open; Esc closes it.
    press(page, "a")
    press(page, "Escape")
    expect(dialog).to_be_hidden()
    assert Comment.objects.get(pk=c[3].pk).status == Status.PENDING
    assert errors == []


def lambda_has(css_class: str):
    """A regular expression matching a class attribute that contains `css_class`."""
    import re

    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")


# Records, the moment the first card is made active (which is when moderation.js starts
# listening for keys), whether htmx has already wired that card's forms.
WATCH_FIRST_ACTIVE = """
new MutationObserver((changes, observer) => {
  for (const change of changes) {
    const card = change.target;
    if (card.matches && card.matches("[data-mod-card].is-active")) {
      const form = card.querySelector("form[hx-post]");
      window.formsWiredWhenActive = Boolean(form && form["htmx-internal-data"] &&
                                            form["htmx-internal-data"].initHash);
      observer.disconnect();
      return;
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["class"]});
"""


def test_the_keys_start_only_after_htmx_has_wired_the_cards(
    live_server, page, moderator, seed, errors
):
    """A key pressed before htmx has processed the page would post its form as a plain
    page load: the first card is made active, and the keys start, only after htmx."""
    page.add_init_script(WATCH_FIRST_ACTIVE)
    log_in(page, live_server, "/moderation/")
    assert page.evaluate("window.formsWiredWhenActive") is True
    assert errors == []


def test_the_worst_sentence_of_a_long_abusive_comment_is_marked_and_quoted(
    live_server, page, moderator, seed, errors, triage_on
):
    Word.objects.all().delete()  # the models alone
    worst = "Those people are vermin and should be driven out of every country that lets them in."
    comment = make_comment(seed[0].article, author_name="Reader", status=Status.PENDING,
                           body="Kazakhstan has traded with Israel for decades and this changes "
                                "little for the grain farmers or the oil companies. The "
                                f"ministers will shake hands in Washington and fly home. {worst}")
    score_comments([comment])
    log_in(page, live_server, "/moderation/")
    abuse = card(page, comment).locator(".mod-signals .badge").first
    expect(abuse).to_contain_text("abuse")
    expect(abuse).to_have_attribute(
        "title", re.compile(r"worst sentence [0-9.]+: " + re.escape(f"“{worst}”")))
    # In the body, the moderator's eye goes to it.
    expect(card(page, comment).locator(".mod-body mark.mod-worst-sentence")).to_have_text(worst)
    assert errors == []


def test_a_link_a_new_reader_pastes_at_once_reaches_the_moderator_as_spam(
    live_server, browser, page, moderator, seed, errors, triage_on
):
    triage_on.FORMGUARD_TOKEN_MIN_SECONDS = 0  # Playwright fills the form at once
    article = seed[0].article
    text = ("I lived in Astana for six years and the trade with Israel was visible "
            "everywhere, from farm equipment to water systems. More on that here: "
            "https://example.org/kazakhstan-israel-trade")
    reader = browser.new_page()
    reader.goto(live_server.url + article.get_absolute_url())
    form = reader.locator("#comment-form")
    form.get_by_label("Name").fill("Pasha")
    form.get_by_label("Comment").fill(text)
    form.get_by_role("button", name="Post comment").click()
    expect(reader.locator("#comment-form-area .posted")).to_be_visible()
    reader.close()

    comment = Comment.objects.get(author_name="Pasha")
    assert comment.seconds_to_post is not None and comment.seconds_to_post <= 2
    log_in(page, live_server, "/moderation/")
    signals = card(page, comment).locator(".mod-signals")
    expect(signals).to_contain_text("spam")
    expect(signals).to_contain_text(
        f"pasted: sent {comment.seconds_to_post} s after its form showed")
    assert Flag.objects.get(comment=comment, source=Flag.Source.AUTOMATIC).reason == "spam"
    assert errors == []


def test_a_new_comment_from_a_reader_whose_comments_were_hidden_heads_the_unflagged(
    live_server, browser, page, moderator, seed, errors, triage_on
):
    triage_on.FORMGUARD_TOKEN_MIN_SECONDS = 0  # Playwright fills the form at once
    article = seed[0].article
    score_comments(seed)
    for i in range(2):
        earlier = services.post_comment(article=article, author_name="Vic",
                                        author_email="vic@example.org",
                                        body=f"An earlier comment of mine, number {i}.")
        services.hide(comment=earlier, actor=moderator, reason="abusive", tell_author=False)
    reader = browser.new_page()
    reader.goto(live_server.url + article.get_absolute_url())
    form = reader.locator("#comment-form")
    form.get_by_label("Name").fill("Vic")
    form.get_by_label("Email").fill("vic@example.org")
    form.get_by_label("Comment").fill("Kazakhstan joining the Accords will matter for trade "
                                      "across Central Asia, and for its neighbours too.")
    form.get_by_role("button", name="Post comment").click()
    expect(reader.locator("#comment-form-area .posted")).to_be_visible()
    reader.close()

    comment = Comment.objects.get(author_name="Vic", status=Status.PENDING)
    assert not comment.triage["findings"]
    flagged = sum(bool(c.triage["findings"]) for c in Comment.objects.filter(
        status=Status.PENDING).exclude(pk=comment.pk))
    log_in(page, live_server, "/moderation/%3Fsort%3Dpriority")
    # Below every comment the triage flagged, above every other.
    expect(page.locator("[data-mod-card]").nth(flagged)).to_have_id(f"comment-{comment.pk}")
    expect(card(page, comment).locator(".mod-signals")).to_contain_text(
        "a writer with 2 of 2 decided comments hidden")
    assert errors == []


def test_the_seed_sorted_by_priority_shows_its_off_topic_and_abusive_comments_first(
    live_server, page, moderator, seed, errors, triage_on
):
    # The starter word lists come from a migration, and the flush after an earlier
    # transactional test empties them: #9 is caught by the Coded-hate list's "taqiyya".
    import_module("moderation.migrations.0004_triage").create_starter_lists(apps, None)
    score_comments(seed)
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, live_server, "/moderation/%3Fsort%3Dpriority")
    # The seed's labels (fixtures/seed_labels.json): #9 abusive, #5-#7 off-topic.
    first = page.locator("[data-mod-card]")
    for i, pk in enumerate((9, 7, 6, 5)):
        expect(first.nth(i)).to_have_id(f"comment-{pk}")
        expect(first.nth(i).locator(".mod-flag").first).to_contain_text(
            "Abusive" if pk == 9 else "Off-topic")
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=SCREENSHOTS / "queue-priority.png")
    assert errors == []


def test_once_a_moderator_hides_two_of_a_readers_comments_their_waiting_one_moves_up(
    live_server, page, moderator, seed, errors, triage_on
):
    article = seed[0].article
    vic = [services.post_comment(article=article, author_name="Vic",
                                 author_email="vic@example.org", body=body) for body in (
        "Kazakhstan has traded with Israel for years; the Accords only make it official.",
        "Joining the Abraham Accords costs Kazakhstan nothing with its neighbours.",
        "Kazakhstan joining the Accords will matter for trade across Central Asia.")]
    score_comments(seed + vic)  # all scored before any hide: Vic had no record then
    waiting = vic[2]
    before = Comment.objects.get(pk=waiting.pk).priority
    log_in(page, live_server, "/moderation/%3Fsort%3Doldest")
    for comment in vic[:2]:
        card(page, comment).focus()
        press(page, "h")
        expect(card(page, comment).locator('[data-mod-panel="hide"] input[type=radio]').first
               ).to_be_focused()
        press(page, "1", "Enter")
        expect(card(page, comment)).to_have_attribute("data-status", "hidden")

    tasks.sweep()  # a worker's next beat
    page.goto(f"{live_server.url}/moderation/?sort=priority")
    waiting.refresh_from_db()
    assert waiting.priority > before and not waiting.triage["findings"]
    flagged = sum(bool(c.triage["findings"]) for c in Comment.objects.filter(
        status=Status.PENDING).exclude(pk=waiting.pk))
    expect(page.locator("[data-mod-card]").nth(flagged)).to_have_id(f"comment-{waiting.pk}")
    expect(card(page, waiting).locator(".mod-signals")).to_contain_text(
        "a writer with 2 of 2 decided comments hidden")
    assert errors == []
