"""Wrong passwords lock a username and an address out of both login pages for a while;
password reset is throttled; a reset sent by email works end to end."""

import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse

pytestmark = pytest.mark.django_db

LOGIN_PAGES = [reverse("login"), reverse("admin:login")]
LOCKED = "Too many wrong passwords for this username or from this address."


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True


def attempt(client, url, username, password):
    # The reader's login form (allauth) names the field "login", the admin's "username".
    return client.post(url, {"login": username, "username": username, "password": password,
                             "next": "/"})


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_the_right_password_after_five_wrong_ones_is_refused(client, admin_user, url,
                                                             settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = [attempt(client, url, "ada", f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [200] * 4 + [429]  # the fifth failure locks
    response = attempt(client, url, "ada", "admin-pass-1")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "Logging in is refused for 15\xa0minutes, then" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="ada").failures_since_start >= 5


def test_fifty_wrong_passwords_never_let_the_right_one_in(client, admin_user):
    for i in range(50):
        attempt(client, LOGIN_PAGES[i % 2], "ada", f"wrong-{i}")
    for url in LOGIN_PAGES:
        assert attempt(client, url, "ada", "admin-pass-1").status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_username_is_locked_from_any_address(admin_user):
    for i in range(5):
        attempt(Client(REMOTE_ADDR=f"203.0.113.{i}"), LOGIN_PAGES[0], "ada", "wrong")
    assert attempt(Client(REMOTE_ADDR="198.51.100.1"), LOGIN_PAGES[0], "ada",
                   "admin-pass-1").status_code == 429


def test_the_address_is_locked_for_any_username(admin_user, reader):
    bot = Client(REMOTE_ADDR="203.0.113.50")
    for i in range(5):
        attempt(bot, LOGIN_PAGES[0], f"guess{i}", "wrong")
    assert attempt(bot, LOGIN_PAGES[0], "rita", "reader-pass-1").status_code == 429
    # Someone else, elsewhere, logs in as usual.
    other = Client(REMOTE_ADDR="198.51.100.2")
    assert attempt(other, LOGIN_PAGES[0], "rita", "reader-pass-1").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, admin_user, settings):
    minutes = settings.AXES_COOLOFF_TIME.total_seconds() / 60
    assert minutes == 15
    with time_machine.travel("2026-05-01 09:00", tick=False) as clock:
        for _i in range(5):
            attempt(client, LOGIN_PAGES[0], "ada", "wrong")
        clock.shift(14 * 60)
        assert attempt(client, LOGIN_PAGES[0], "ada", "admin-pass-1").status_code == 429
        clock.shift(16 * 60)  # 15 minutes after the last try
        assert attempt(client, LOGIN_PAGES[0], "ada", "admin-pass-1").status_code == 302


def test_an_admin_unlocks_a_username_at_once(client, admin_user):
    for _i in range(5):
        attempt(client, LOGIN_PAGES[0], "ada", "wrong")
    call_command("axes_reset_username", "ada")
    assert attempt(client, LOGIN_PAGES[0], "ada", "admin-pass-1").status_code == 302


def test_an_admin_sees_and_deletes_lockouts_in_the_admin(client, admin_user, reader):
    for _i in range(5):
        attempt(Client(REMOTE_ADDR="203.0.113.77"), LOGIN_PAGES[0], "rita", "wrong")
    client.force_login(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "rita" in client.get(changelist).content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    client.post(changelist, {"action": "delete_selected", "_selected_action": ids,
                             "post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert attempt(Client(REMOTE_ADDR="203.0.113.77"), LOGIN_PAGES[0], "rita",
                   "reader-pass-1").status_code == 302


def test_behind_the_proxy_the_lockout_counts_the_address_it_passes_on(settings, admin_user):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    for i in range(5):
        attempt(Client(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="203.0.113.8"), LOGIN_PAGES[0],
                f"guess{i}", "wrong")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.8").count() == 5
    # Another reader behind the same proxy is not locked out by that address.
    assert attempt(Client(REMOTE_ADDR="10.0.0.2", HTTP_X_REAL_IP="198.51.100.9"),
                   LOGIN_PAGES[0], "ada", "admin-pass-1").status_code == 302


# Password reset


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)


def test_a_password_reset_by_email_works_end_to_end(client, reader):
    response = client.post(reverse("password_reset"), {"email": "rita@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rita@example.org"]
    link = reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a-new-long-password-9", "new_password2": "a-new-long-password-9",
    }, follow=True)
    assert "Your password is changed" in done.content.decode()
    reader.refresh_from_db()
    assert reader.check_password("a-new-long-password-9")
    fresh = Client()
    assert attempt(fresh, reverse("login"), "rita", "a-new-long-password-9").status_code == 302
    # The link works once.
    again = client.get(link, follow=True)
    assert "already used or has expired" in again.content.decode()


def test_password_reset_is_limited_per_address(reader):
    client = Client(REMOTE_ADDR="203.0.113.30")
    statuses = [client.post(reverse("password_reset"),
                            {"email": f"someone{i}@example.org"}).status_code
                for i in range(7)]
    assert statuses == [302] * 5 + [429] * 2


def test_password_reset_is_limited_per_email_address_from_any_address(reader):
    statuses = [Client(REMOTE_ADDR=f"203.0.113.{i}").post(
        reverse("password_reset"), {"email": "Rita@example.org"}).status_code
        for i in range(7)]
    assert statuses == [302] * 5 + [429] * 2
    assert len(mail.outbox) == 5


def test_the_login_page_offers_the_throttled_reset(client):
    link = reverse("account_reset_password")
    assert link in client.get(reverse("login")).content.decode()
    assert resolve(link).func.view_class is resolve(reverse("password_reset")).func.view_class
