"""The queue in Chromium: Enter and the bulk bar never approve what the moderator did not
ask for; shortcuts work with a checkbox focused; two moderators (mona and omar) on one
server see each other's decisions, new comments and counts within seconds, and who is
looking at which card; a decided card leaves and the page refills.

tests/test_browser_live_gunicorn.py runs the two-moderator story against gunicorn with
two worker processes and PostgreSQL."""

import re
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from moderation import services
from moderation.models import Comment, ModerationEvent, Reason
from moderation.queues import PER_PAGE, tab_counts
from tests.factories import make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "trump-kazakhstan-joins-abraham-accords"
Status = Comment.Status
QUEUE = "/moderation/%3Fsort%3Doldest"


@pytest.fixture
def seed(db):
    call_command("loaddata", "seed", verbosity=0)
    return list(Comment.objects.filter(article__slug=SLUG).order_by("created", "pk"))


@pytest.fixture
def omar(django_user_model):
    user = django_user_model.objects.create_user("omar", password="moderator-pass-2", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    return user


@pytest.fixture
def errors(page):
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and found.append(msg.text))
    return found


def log_in(page, base_url: str, username: str, password: str, next_url: str = QUEUE,
           javascript: bool = True) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.locator("[data-mod-card]").first).to_be_visible()
    if javascript:
        expect(page.locator("[data-mod-card].is-active")).to_have_count(1)


def card(page, comment):
    return page.locator(f"#comment-{comment.pk}")


def nothing_decided() -> bool:
    return not ModerationEvent.objects.filter(
        action__in=["approved", "hidden", "flagged"]).exists()


def settle(page, seconds: float = 1.0) -> None:
    """Give a request that should not happen the time to happen."""
    page.wait_for_timeout(seconds * 1000)


# ---- keyboard and bulk safety ------------------------------------------------------------

def test_select_all_then_shift_h_5_enter_hides_them_and_approves_none(
    live_server, page, moderator, seed, errors, settings
):
    settings.MODERATION_UNDO_WINDOW = 1.5
    log_in(page, live_server.url, "mona", "moderator-pass-1")
    page.locator("[data-mod-select-all]").check()  # the focus stays on the checkbox
    expect(page.locator("[data-mod-select-all]")).to_be_focused()
    expect(page.locator("[data-mod-selected-count]")).to_have_text("13 selected")
    page.keyboard.press("Shift+H")
    panel = page.locator('[data-mod-panel="bulk-hide"]')
    expect(panel.locator("input[type=radio]").first).to_be_focused()
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    expect(page.locator("#mod-status")).to_contain_text("Hidden 13 comments.")
    assert not ModerationEvent.objects.filter(action="approved").exists()
    assert set(Comment.objects.values_list("status", "hidden_reason")) == {
        (Status.HIDDEN, Reason.OTHER)}
    # Once the undo window is over the hidden cards leave Needs review; none is left.
    expect(page.locator("[data-mod-card]")).to_have_count(0, timeout=6000)
    expect(page.locator("[data-mod-cards]")).to_contain_text("Nothing more in this queue")
    assert errors == []


def test_enter_on_a_ticked_selection_box_approves_nothing(
    live_server, page, moderator, seed, errors
):
    log_in(page, live_server.url, "mona", "moderator-pass-1")
    box = card(page, seed[2]).locator('input[name="selected"]')
    box.click()
    expect(box).to_be_focused()
    expect(box).to_be_checked()
    page.keyboard.press("Enter")
    settle(page)
    assert nothing_decided()
    expect(page.locator("[data-mod-selected-count]")).to_have_text("1 selected")
    # Nor on the select-all box.
    page.locator("[data-mod-select-all]").focus()
    page.keyboard.press("Enter")
    settle(page)
    assert nothing_decided()
    assert errors == []


def test_enter_on_a_ticked_box_approves_nothing_without_javascript(
    live_server, browser, moderator, seed
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "mona", "moderator-pass-1", javascript=False)
    box = card(page, seed[0]).locator('input[name="selected"]')
    box.click()
    page.keyboard.press("Enter")  # the form's default button is a Hide that needs a reason
    settle(page)
    assert nothing_decided()
    assert "/moderation/" in page.url
    # The button still approves the selection when it is what was asked for.
    page.get_by_role("button", name="Approve selected").click()
    expect(page.locator(".alert-success")).to_contain_text("Approved 1 comment.")
    assert list(ModerationEvent.objects.values_list("comment_id", "action")) == [
        (seed[0].pk, "approved")]
    context.close()


def test_shortcuts_work_while_a_checkbox_has_the_focus(
    live_server, page, moderator, seed, errors
):
    log_in(page, live_server.url, "mona", "moderator-pass-1")
    box = card(page, seed[3]).locator('input[name="selected"]')
    box.click()
    expect(box).to_be_focused()
    expect(card(page, seed[3])).to_have_class(re.compile(r"\bis-active\b"))
    page.keyboard.press("x")  # unselect again, from the keyboard
    expect(box).not_to_be_checked()
    box.focus()
    page.keyboard.press("a")
    expect(card(page, seed[3])).to_have_attribute("data-status", "approved")
    expect(card(page, seed[4])).to_be_focused()
    # Shift+H with a box focused asks the reason (and with nothing selected says so).
    box = card(page, seed[5]).locator('input[name="selected"]')
    box.click()
    page.keyboard.press("Shift+H")
    expect(page.locator('[data-mod-panel="bulk-hide"] input[type=radio]').first).to_be_focused()
    page.keyboard.press("Escape")
    assert list(ModerationEvent.objects.values_list("comment_id", "action")) == [
        (seed[3].pk, "approved")]
    assert errors == []


def test_the_bulk_bar_never_covers_the_active_card(live_server, page, moderator, seed, errors):
    page.set_viewport_size({"width": 390, "height": 640})  # a phone: the bar wraps
    log_in(page, live_server.url, "mona", "moderator-pass-1")
    bar = page.locator("[data-mod-bulk]")
    for _ in range(8):
        page.keyboard.press("j")
    page.keyboard.press("x")
    for _ in range(3):
        page.keyboard.press("k")
        active = page.locator("[data-mod-card].is-active")
        page.wait_for_timeout(300)  # the scroll
        bar_box, card_box = bar.bounding_box(), active.bounding_box()
        assert card_box["y"] >= bar_box["y"] + bar_box["height"] - 1
    assert errors == []


# ---- the live queue ------------------------------------------------------------------------

def test_two_moderators_see_each_others_work_within_seconds(
    live_server, browser, moderator, omar, seed, settings
):
    settings.MODERATION_LIVE_POLL = 1.0
    mona_context, omar_context = browser.new_context(), browser.new_context()
    mona, omar_page = mona_context.new_page(), omar_context.new_page()
    log_in(mona, live_server.url, "mona", "moderator-pass-1")
    log_in(omar_page, live_server.url, "omar", "moderator-pass-2")
    c = seed

    # Omar looks at the fourth card: mona's page says so (softly: nothing is locked).
    for _ in range(3):
        omar_page.keyboard.press("j")
    expect(card(omar_page, c[3])).to_have_class(re.compile(r"\bis-active\b"))
    expect(card(mona, c[3])).to_contain_text("omar is looking", timeout=5000)

    # Omar hides the first card: on mona's page it says so, then leaves.
    first = card(omar_page, c[0])
    first.locator('[data-mod-panel="hide"] summary').click()
    first.locator('[data-mod-panel="hide"] label', has_text="Spam").click()
    first.locator("button", has_text="Hide comment").click()
    expect(first).to_have_attribute("data-status", "hidden")
    expect(card(mona, c[0])).to_contain_text("Hidden by omar as spam", timeout=5000)
    expect(card(mona, c[0])).to_have_count(0, timeout=6000)

    # A reader posts: both queues announce it.
    article = Article.objects.get(slug=SLUG)
    posted = services.post_comment(article=article, author_name="Nadia",
                                   body="Live from the press conference.")
    for page in (mona, omar_page):
        expect(page.locator("[data-mod-arrivals-text]")).to_have_text("1 new:", timeout=5000)
    # Mona's tab counts follow the database.
    expected = tab_counts()
    assert expected["needs_review"].value == Comment.objects.filter(
        status=Status.PENDING).count() == 13
    for key in ("needs_review", "pending", "hidden", "all"):
        expect(mona.locator(f'#mod-tabs [data-tab="{key}"] [data-count]')).to_have_text(
            str(expected[key]), timeout=5000)
    # "show" brings the new card in.
    mona.locator("[data-mod-show-new]").click()
    expect(card(mona, posted)).to_be_visible()
    expect(card(mona, posted)).to_have_class(re.compile(r"\bis-active\b"))
    expect(mona.locator("[data-mod-live]")).to_be_hidden()

    # Mona still acts on Omar's card: the conflict check is the guard, not presence.
    card(mona, c[3]).focus()
    mona.keyboard.press("a")
    expect(card(mona, c[3])).to_have_attribute("data-status", "approved")
    assert Comment.objects.get(pk=c[3].pk).status == Status.APPROVED
    mona_context.close()
    omar_context.close()


def test_a_decided_card_leaves_and_the_page_refills(
    live_server, page, moderator, article, settings, errors
):
    settings.MODERATION_UNDO_WINDOW = 1.5
    comments = [make_comment(article, status=Status.PENDING, author_name=f"Reader {i}")
                for i in range(PER_PAGE + 5)]
    log_in(page, live_server.url, "mona", "moderator-pass-1")
    cards = page.locator("[data-mod-card]")
    expect(cards).to_have_count(PER_PAGE)
    page.keyboard.press("a")
    expect(card(page, comments[0])).to_have_attribute("data-status", "approved")
    expect(card(page, comments[1])).to_be_focused()
    page.keyboard.press("a")
    expect(card(page, comments[1])).to_have_attribute("data-status", "approved")
    expect(card(page, comments[2])).to_be_focused()
    # Within the undo window the card stays; then it leaves and the next ones come in.
    expect(card(page, comments[0])).to_have_count(0, timeout=5000)
    expect(card(page, comments[1])).to_have_count(0, timeout=5000)
    expect(cards).to_have_count(PER_PAGE)
    ids = [int(i.removeprefix("comment-")) for i in cards.evaluate_all("els => els.map(e => e.id)")]
    assert ids == [c.pk for c in comments[2:PER_PAGE + 2]]
    expect(card(page, comments[2])).to_be_focused()
    # Undo inside the window keeps the card.
    page.keyboard.press("a")
    expect(card(page, comments[2])).to_have_attribute("data-status", "approved")
    page.keyboard.press("u")
    expect(card(page, comments[2])).to_have_attribute("data-status", "pending")
    time.sleep(2.5)
    expect(card(page, comments[2])).to_be_visible()
    assert errors == []
