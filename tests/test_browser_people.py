"""A reader signs up, verifies, posts; a moderator sees their record on the card and
suspends them for a day; their next post is refused with the end date, and a day later
(time travel) it is accepted. Then a ban with "hide all", undone from the status line."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from moderation.models import Comment, Commenter, CommenterEvent
from tests.factories import make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("quick_forms")]


def watch(page):
    problems = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status}: {r.url}"))
    return problems


def sign_up(page, base_url):
    page.goto(f"{base_url}/accounts/signup/")
    page.fill("#id_email", "nina@example.org")
    page.fill("#id_username", "nina")
    page.fill("#id_display_name", "Nina N.")
    page.fill("#id_password1", "a-long-pass-phrase-9")
    page.fill("#id_password2", "a-long-pass-phrase-9")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("main")).to_contain_text("Verify Your Email Address")
    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Log out nina")).to_be_visible()


def post(page, url, body):
    page.goto(url)
    form = page.locator("#comment-form")
    expect(form).to_contain_text("Posting as Nina N.")
    form.get_by_label("Comment").fill(body)
    form.get_by_role("button", name="Post comment").click()
    return page.locator("#comment-form-area")


def moderator_logs_in(page, base_url):
    page.goto(f"{base_url}/accounts/login/?next=/moderation/")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    expect(page.locator("[data-mod-card].is-active")).to_have_count(1)


def test_a_reader_is_suspended_for_a_day_and_may_post_again_a_day_later(
    live_server, browser, moderator
):
    article = make_article(title="Kazakhstan joins the Abraham Accords", slug="kazakhstan")
    url = live_server.url + article.get_absolute_url()
    reader = browser.new_context().new_page()
    reader_problems = watch(reader)
    sign_up(reader, live_server.url)
    expect(post(reader, url, "Relations go back to 1992.")).to_contain_text(
        "Your comment is awaiting moderation")

    mod = browser.new_context().new_page()
    mod_problems = watch(mod)
    moderator_logs_in(mod, live_server.url)
    comment = Comment.objects.get()
    record = mod.locator(f"#comment-{comment.pk} [data-mod-record]")
    expect(record).to_contain_text("Nina N.")
    expect(record).to_contain_text("0 approved · 0 hidden · 1 pending · 0 reported")
    expect(record).to_contain_text("first seen")
    mod.keyboard.press("j")  # the only card made active (a no-op if it already is)
    expect(mod.locator(f"#comment-{comment.pk}")).to_have_class(re.compile(r"\bis-active\b"))
    mod.keyboard.press("p")  # the author's page, from the active card
    expect(mod).to_have_url(re.compile(r"/moderation/people/\d+/$"))
    mod.locator("summary", has_text="Suspend…").click()
    mod.fill("#suspend-days", "1")
    mod.fill("#suspend-reason", "Cool off after the insults")
    mod.get_by_role("button", name="Suspend Nina N.").click()
    expect(mod.locator(".messages")).to_contain_text("Suspended Nina N. until")
    expect(mod.locator(".mod-person")).to_contain_text("Suspended until")
    person = Commenter.objects.get()
    assert person.suspended_until > timezone.now() + datetime.timedelta(hours=23)

    area = post(reader, url, "Why was I stopped?")
    end = timezone.localtime(person.suspended_until)
    expect(area).to_contain_text(f"You can comment again from {end.day} {end:%B %Y, %H:%M}")
    expect(area).to_contain_text("Cool off after the insults")
    assert Comment.objects.count() == 1

    with time_machine.travel(person.suspended_until + datetime.timedelta(minutes=1)):
        expect(post(reader, url, "Back, and calmer.")).to_contain_text(
            "Your comment is awaiting moderation")
    assert Comment.objects.count() == 2
    assert reader_problems == [] and mod_problems == []


def test_a_ban_with_hide_all_from_the_card_is_undone_as_a_whole(live_server, page, moderator):
    from moderation import services

    article = make_article(slug="ban-story", comment_policy="post")
    for n in range(3):
        services.post_comment(article=article, author_name="Troll",
                              author_email="troll@example.org", body=f"Rude thing {n}.")
    problems = watch(page)
    page.goto(f"{live_server.url}/accounts/login/?next=/moderation/%3Ftab%3Dall")
    page.fill("#id_username", "mona")
    page.fill("#id_password", "moderator-pass-1")
    page.click("button[type=submit]")
    expect(page.locator("[data-mod-card].is-active")).to_have_count(1)
    page.keyboard.press("Shift+B")
    panel = page.locator("[data-mod-card].is-active [data-mod-panel=ban]")
    expect(panel).to_have_attribute("open", "")
    panel.locator("input[name=reason]").fill("Abusive every time")
    panel.locator("input[name=hide_all]").check()
    panel.locator("input[name=reason]").press("Enter")
    expect(page.locator(".messages")).to_contain_text(
        "Banned Troll; hiding their 3 published and pending comments")
    # The task queued on commit ran (the tests' immediate backend) before the page came back.
    assert set(Comment.objects.values_list("status", flat=True)) == {"hidden"}

    page.keyboard.press("u")
    expect(page.locator(".messages")).to_contain_text(
        "Undid the ban of Troll; restoring the comments it hid (their page shows how far "
        "it got).")
    # Its restoring task ran the same way, once the undo had committed.
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    person = Commenter.objects.get()
    assert not person.is_banned
    assert CommenterEvent.objects.filter(action="undone").count() == 1

    page.goto(f"{live_server.url}{reverse('moderation:commenter', args=[person.pk])}")
    expect(page.locator("#ban-hiding")).to_have_text(
        "The undo of the ban restored 3 of their comments.")
    assert problems == []
