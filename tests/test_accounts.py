"""Readers' accounts (django-allauth): sign up with a verified email, log in by username or
email, change the display name; and the newsroom's choice to allow guests or not."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from moderation import services
from moderation.models import Comment, Commenter
from tests.test_posting import post

pytestmark = pytest.mark.django_db

SIGNUP = {"email": "nina@example.org", "username": "nina", "display_name": "Nina N.",
          "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"}


def confirmation_link() -> str:
    [message] = mail.outbox
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)


def sign_up_and_verify(client) -> None:
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    link = confirmation_link()
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302


def test_a_reader_signs_up_verifies_the_email_and_is_logged_in_with_a_commenter(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert "bootstrap" in page and 'name="display_name"' in page
    assert "<script>" not in page and "style=" not in page
    client.post(reverse("account_signup"), SIGNUP)
    # Not logged in until the email is verified.
    assert "_auth_user_id" not in client.session
    sign_up_and_verify_link = confirmation_link()
    assert sign_up_and_verify_link
    path = "/" + sign_up_and_verify_link.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path).status_code == 302
    assert "_auth_user_id" in client.session
    person = Commenter.objects.get()
    assert (person.user.username, person.display_name, person.email_key) == (
        "nina", "Nina N.", "nina@example.org")


def test_an_unverified_reader_cannot_log_in(client):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    response = client.post(reverse("login"), {"login": "nina", "password": SIGNUP["password1"]})
    assert response.status_code == 302 and "confirm-email" in response.url
    assert "_auth_user_id" not in client.session


def test_a_reader_logs_in_by_username_or_email_and_posts_under_the_display_name(
    client, article
):
    sign_up_and_verify(client)
    client.post(reverse("logout"))
    for login in ("nina", "NINA@example.org"):
        response = client.post(reverse("login"),
                               {"login": login, "password": SIGNUP["password1"]})
        assert response.status_code == 302, login
        client.post(reverse("logout"))
    client.post(reverse("login"), {"login": "nina", "password": SIGNUP["password1"]})
    post(client, article, body="As Nina.")
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_email) == ("Nina N.", "nina@example.org")
    assert comment.commenter.user.username == "nina"


def test_a_reader_changes_their_display_name_for_their_next_comments(client, article):
    sign_up_and_verify(client)
    post(client, article, body="Before.")
    assert client.get(reverse("account_display_name")).status_code == 200
    response = client.post(reverse("account_display_name"), {"display_name": "Nina Nova"})
    assert response.status_code == 302
    post(client, article, body="After.")
    names = dict(Comment.objects.values_list("body", "author_name"))
    assert names == {"Before.": "Nina N.", "After.": "Nina Nova"}
    assert Commenter.objects.get().display_name == "Nina Nova"
    assert client.post(reverse("account_display_name"),
                       {"display_name": ""}).status_code == 200


def test_a_banned_guest_who_signs_up_with_the_same_email_is_still_banned(
    client, article, moderator
):
    services.post_comment(article=article, author_name="Nina", author_email="nina@example.org",
                          body="As a guest.")
    services.ban_commenter(commenter=Commenter.objects.get(), actor=moderator, reason="Abuse")
    sign_up_and_verify(client)
    response = post(client, article, body="With an account now.")
    assert response.status_code == 422
    assert "banned you (Abuse)" in response.content.decode()
    assert Comment.objects.count() == 1
    assert Commenter.objects.get().user.username == "nina"


def test_with_guests_off_only_readers_with_an_account_may_comment(client, article, settings,
                                                                    reader):
    settings.COMMENTS_ALLOW_GUESTS = False
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'id="comment-form"' not in page and "to join the discussion" in page
    assert post(client, article, author_name="Guest", body="Let me in.").status_code == 403
    assert not Comment.objects.exists()
    client.force_login(reader)
    post(client, article, body="With my account.")
    assert Comment.objects.get().user == reader


def test_the_login_form_keeps_the_username_field_id_and_gives_axes_the_login(rf):
    from articles.accounts import LoginForm, axes_username

    form = LoginForm(data={"login": "mona", "password": "x"}, request=rf.get("/accounts/login/"))
    assert 'id="id_username"' in str(form["login"])
    request = rf.post("/accounts/login/", {"login": "mona"})
    assert axes_username(request, {"login": "mona", "password": "x"}) == "mona"
    assert axes_username(rf.post("/admin/login/", {"username": "ada"})) == "ada"
