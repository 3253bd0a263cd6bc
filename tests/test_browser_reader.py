"""A reader posts, replies and reports in Chromium; a moderator approves in the queue."""

import pytest
from playwright.sync_api import expect

from articles.models import Article
from moderation.models import Comment, Flag, ModerationEvent, Reason
from tests.factories import make_article, make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("quick_forms")]


@pytest.fixture
def watched(page):
    """The page, with every script error and server error it meets recorded."""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status}: {r.url}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.problems = problems
    return page


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.get_by_role("button", name=f"Log out {username}")).to_be_visible()


def test_a_reader_posts_and_replies_a_moderator_approves_and_a_report_reaches_the_queue(
    live_server, browser, watched, moderator
):
    page = watched
    article = make_article(title="Kazakhstan joins the Abraham Accords", slug="kazakhstan")
    adam = make_comment(article, author_name="Adam", body="I knew a couple from Almaty.")
    url = live_server.url + article.get_absolute_url()

    # The reader writes a comment.
    page.goto(url)
    form = page.locator("#comment-form")
    form.get_by_label("Name").fill("Rita")
    form.get_by_label("Comment").fill("Relations go back to 1992 <really>.")
    form.get_by_role("button", name="Post comment").click()
    posted = page.locator("#comment-form-area .posted")
    expect(posted).to_contain_text("Your comment is awaiting moderation")
    expect(posted.locator(".comment-body")).to_have_text("Relations go back to 1992 <really>.")
    # The form is ready for another comment, the name remembered.
    expect(page.locator("#comment-form").get_by_label("Comment")).to_have_value("")
    expect(page.locator("#comment-form").get_by_label("Name")).to_have_value("Rita")

    # ... and replies to Adam, inline.
    adam_item = page.locator(f"#c{adam.pk}")
    adam_item.get_by_role("link", name="Reply").click()
    reply_form = adam_item.locator("form.reply-form")
    expect(reply_form.get_by_label("Comment")).to_be_focused()
    reply_form.get_by_label("Comment").fill("@Adam Which year was that?")
    reply_form.get_by_role("button", name="Post reply").click()
    expect(adam_item.locator(".posted-reply")).to_contain_text(
        "Your comment is awaiting moderation"
    )
    expect(adam_item.locator(".posted-reply .comment-body")).to_have_text(
        "@Adam Which year was that?"
    )

    comment = Comment.objects.get(body="Relations go back to 1992 <really>.")
    reply = Comment.objects.get(body="@Adam Which year was that?")
    assert (comment.status, reply.status) == ("pending", "pending")
    assert reply.parent_id == adam.pk

    # After a reload both are in the thread, in place and marked, for the writer only.
    page.reload()
    expect(page.locator("li.comment-awaiting")).to_have_count(2)
    expect(page.locator(f"#c{reply.pk}")).to_have_attribute("data-depth", "1")
    expect(page.locator("#comments-heading")).to_have_text("1 comment")
    stranger = browser.new_page()
    stranger.goto(url)
    expect(stranger.locator(".thread > li.comment")).to_have_count(1)
    stranger.close()

    # A moderator approves both in the Pending queue.
    mod_context = browser.new_context()
    mod = mod_context.new_page()
    log_in(mod, live_server.url, "mona", "moderator-pass-1")
    mod.goto(f"{live_server.url}/moderation/?tab=pending")
    for pending in (comment, reply):
        card = mod.locator(f"#comment-{pending.pk}")
        card.get_by_role("button", name="Approve").click()
        expect(card).to_have_attribute("data-status", "approved")
    comment.refresh_from_db()
    reply.refresh_from_db()
    assert (comment.status, reply.status) == ("approved", "approved")
    assert ModerationEvent.objects.filter(action="approved", actor=moderator).count() == 2

    # The reader sees them published, unmarked, and so does everyone else.
    page.reload()
    expect(page.locator("li.comment-awaiting")).to_have_count(0)
    expect(page.locator(f"#c{comment.pk} .comment-body")).to_have_text(
        "Relations go back to 1992 <really>."
    )
    expect(page.locator(f"#c{reply.pk} .in-reply-to")).to_have_text("in reply to Adam")
    expect(page.locator("#comments-heading")).to_have_text("3 comments")

    # The reader reports Adam's comment: "Other" needs a note.
    adam_item.get_by_role("link", name="Report").click()
    report_form = adam_item.locator("form.report-form")
    report_form.get_by_label("Other").check()
    report_form.get_by_role("button", name="Send report").click()
    expect(adam_item.locator("form.report-form")).to_contain_text(
        "Say what is wrong when you choose “Other”."
    )
    assert not Flag.objects.exists()
    adam_item.locator("form.report-form").get_by_label("Personal attack").check()
    adam_item.locator("form.report-form").get_by_role("button", name="Send report").click()
    expect(adam_item.locator(".report-result")).to_contain_text(
        "A moderator will look at this comment"
    )
    # The comment stays up, and a second report is turned away.
    expect(adam_item.locator(".comment-body")).to_have_text("I knew a couple from Almaty.")
    adam_item.get_by_role("link", name="Report").click()
    adam_item.locator("form.report-form").get_by_label("Spam").check()
    adam_item.locator("form.report-form").get_by_role("button", name="Send report").click()
    expect(adam_item.locator(".report-result")).to_have_text(
        "You have already reported this comment."
    )

    flag = Flag.objects.get()
    assert (flag.comment_id, flag.source, flag.reason) == (
        adam.pk, Flag.Source.READER, Reason.PERSONAL_ATTACK
    )
    assert list(Comment.objects.with_open_flags(Flag.Source.READER)) == [adam]
    assert Comment.objects.get(pk=adam.pk).status == "approved"

    # The moderator finds it in the Reported queue with the reason.
    mod.goto(f"{live_server.url}/moderation/?tab=reported")
    card = mod.locator(f"#comment-{adam.pk}")
    expect(card).to_contain_text("I knew a couple from Almaty.")
    expect(card.locator(".mod-flag-reader")).to_contain_text("Personal attack")
    expect(mod.locator("[data-mod-card]")).to_have_count(1)
    mod_context.close()

    assert page.problems == []


def test_without_javascript_a_reader_posts_replies_and_reports_with_plain_forms(
    live_server, browser, moderator
):
    article = make_article(comment_policy=Article.Policy.POST_MODERATED)
    first = make_comment(article, author_name="Adam", body="First!")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())

    page.locator("#comment-form").get_by_label("Name").fill("Nojs")
    page.locator("#comment-form").get_by_label("Comment").fill("Posted without scripts.")
    page.locator("#comment-form").get_by_role("button", name="Post comment").click()
    expect(page.locator(".messages")).to_contain_text("Your comment is published.")
    mine = Comment.objects.get(body="Posted without scripts.")
    assert page.url.endswith(f"#c{mine.pk}")
    expect(page.locator(f"#c{mine.pk} .comment-body")).to_have_text("Posted without scripts.")

    page.locator(f"#c{first.pk}").get_by_role("link", name="Reply").click()
    expect(page.locator("h1")).to_have_text("Reply to Adam")
    page.get_by_label("Comment").fill("A reply from a plain page.")
    page.get_by_role("button", name="Post reply").click()
    reply = Comment.objects.get(body="A reply from a plain page.")
    assert page.url.endswith(f"#c{reply.pk}") and reply.parent_id == first.pk
    expect(page.locator(f"#c{reply.pk}")).to_have_attribute("data-depth", "1")

    page.locator(f"#c{first.pk}").get_by_role("link", name="Report").click()
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".messages")).to_contain_text("A moderator will look at this comment")
    assert page.url.endswith(f"#c{first.pk}")
    assert Flag.objects.get().reason == Reason.SPAM
    context.close()


def test_a_closed_article_shows_readers_a_notice_and_no_forms(live_server, page):
    article = make_article(comment_policy=Article.Policy.CLOSED)
    make_comment(article, body="Said before closing.")
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.locator(".comments-closed")).to_have_text("Comments are closed on this article.")
    expect(page.locator("#comment-form")).to_have_count(0)
    expect(page.get_by_role("link", name="Reply")).to_have_count(0)
    expect(page.get_by_role("link", name="Report")).to_have_count(1)
