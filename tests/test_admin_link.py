"""Moderators work in /moderation/: the page header links to the admin only for users the
admin has a page for, so a moderator never lands on "nothing you may view or edit"."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db

ADMIN_LINK = f'href="{reverse("admin:index")}">Admin</a>'
MODERATION_LINK = '>Moderation</a>'


def header(client) -> str:
    html = client.get(reverse("article_list")).content.decode()
    return html.split("</header>")[0]


def test_a_moderator_sees_the_moderation_link_and_no_admin_link(client, moderator):
    client.force_login(moderator)
    html = header(client)
    assert MODERATION_LINK in html
    assert ADMIN_LINK not in html


def test_the_admin_has_nothing_for_a_moderator_to_open(client, moderator):
    """Which is why the link is not shown: the admin index would list no app."""
    client.force_login(moderator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []


def test_an_admin_sees_both_links(client, admin_user):
    client.force_login(admin_user)
    html = header(client)
    assert ADMIN_LINK in html and MODERATION_LINK in html


def test_staff_who_may_edit_articles_see_the_admin_link(client, django_user_model):
    editor = django_user_model.objects.create_user("eddie", password="x", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_article"))
    client.force_login(editor)
    assert ADMIN_LINK in header(client)


def test_readers_and_visitors_see_neither(client, reader):
    assert ADMIN_LINK not in header(client) and MODERATION_LINK not in header(client)
    client.force_login(reader)
    assert ADMIN_LINK not in header(client) and MODERATION_LINK not in header(client)

