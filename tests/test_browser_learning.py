"""An admin sees in Chromium what the newsroom's learned model has learned, and makes it
start over."""

import pytest
from playwright.sync_api import expect

from moderation.models import LearnedModel
from moderation.triage import learning
from tests.factories import make_article
from tests.test_triage_learning import decide

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_makes_the_learned_model_start_over(live_server, page, admin_user,
                                                     moderator):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    decide(make_article(), moderator, rounds=50)
    learning.train()

    page.goto(f"{live_server.url}/admin/login/?next=/admin/moderation/learnedmodel/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "admin-pass-1")
    page.click("input[type=submit]")
    row = page.locator("#result_list tbody tr")
    expect(row).to_contain_text("300")
    expect(row).to_contain_text("ok 150, spam 150")
    expect(row).to_contain_text("spam 0.50")

    row.locator("input.action-select").check()
    page.select_option("select[name=action]",
                       label="Start over: learn only from decisions made from now on")
    page.get_by_role("button", name="Go").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "The learned model forgot what it learned")
    expect(page.locator("#result_list tbody tr")).to_contain_text("not yet (from 200 decisions)")
    assert LearnedModel.objects.get().labels == 0
    assert learning.current() is None
    assert errors == []
