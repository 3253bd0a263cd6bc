import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from moderation.models import Comment, Flag, ModerationEvent
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db


def test_create_moderator_prints_a_random_password_that_logs_in(client, capsys):
    call_command("create_moderator", "maya")
    password = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    assert len(password) >= 12
    assert client.login(username="maya", password=password)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="maya")
    assert user.is_staff and user.has_perm("moderation.moderate_comment")


def test_create_moderator_passwords_differ_each_time(capsys):
    call_command("create_moderator", "one")
    call_command("create_moderator", "two")
    out = capsys.readouterr().out.splitlines()
    assert out[0].rsplit(" ", 1)[-1] != out[1].rsplit(" ", 1)[-1]


def test_create_moderator_refuses_an_existing_name(moderator):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_moderator", moderator.username)


def test_the_admin_approve_action_goes_through_the_service(client, admin_user, article):
    comments = [make_comment(article, status=Comment.Status.PENDING) for _ in range(2)]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:moderation_comment_changelist"),
        {"action": "approve_comments", "_selected_action": [c.pk for c in comments]},
        follow=True,
    )
    assert "2 comment(s) approved" in response.content.decode()
    assert set(Comment.objects.values_list("status", flat=True)) == {"approved"}
    assert ModerationEvent.objects.filter(action="approved", actor=admin_user).count() == 2


def test_the_admin_hide_action_records_its_reason(client, admin_user, article):
    comment = make_comment(article)
    client.force_login(admin_user)
    client.post(
        reverse("admin:moderation_comment_changelist"),
        {"action": "hide_as_spam", "_selected_action": [comment.pk]},
    )
    comment.refresh_from_db()
    assert comment.status == "hidden"
    assert ModerationEvent.objects.get().reason == "spam"


def test_comments_cannot_be_deleted_in_the_admin(client, admin_user, article):
    comment = make_comment(article)
    client.force_login(admin_user)
    response = client.post(reverse("admin:moderation_comment_delete", args=[comment.pk]),
                           {"post": "yes"})
    assert response.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_flags_and_events_are_read_only_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:moderation_flag_add")).status_code == 403
    assert client.get(reverse("admin:moderation_moderationevent_add")).status_code == 403
    assert client.get(reverse("admin:moderation_flag_changelist")).status_code == 200
    assert client.get(reverse("admin:moderation_moderationevent_changelist")).status_code == 200
    assert Flag.objects.count() == 0


def test_the_login_page_is_styled_and_logs_in(client, moderator):
    page = client.get(reverse("login")).content.decode()
    assert "bootstrap" in page and "Log in" in page
    response = client.post(reverse("login"), {"login": "mona", "password": "moderator-pass-1"})
    # A moderator's account, made by an admin without an email, needs no verification.
    assert response.status_code == 302 and response.url == "/"
    assert "_auth_user_id" in client.session


def test_demo_setup_loads_the_seed_and_prints_a_new_password(client, capsys, settings):
    settings.DEBUG = True
    call_command("demo_setup", "--keep-database")
    out = capsys.readouterr().out
    password = out.split("password: ")[1].split()[0]
    assert client.login(username="moderator", password=password)
    assert Comment.objects.filter(status="pending").count() == 13


def test_demo_setup_scores_the_seed_so_the_priority_sort_works_at_once(triage_on, capsys,
                                                                       settings):
    settings.DEBUG = True
    call_command("demo_setup", "--keep-database")
    assert not Comment.objects.filter(triaged_at__isnull=True).exists()
    assert Comment.objects.filter(flags__source=Flag.Source.AUTOMATIC).exists()


def test_demo_setup_refuses_to_run_with_debug_off(settings, django_user_model):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="for development only"):
        call_command("demo_setup", "--keep-database")
    assert not django_user_model.objects.exists()


def test_demo_setup_deletes_only_a_sqlite_file_it_made(tmp_path):
    from moderation.management.commands.demo_setup import reset_sqlite

    theirs = tmp_path / "production.sqlite3"
    theirs.write_bytes(b"someone's data")
    assert reset_sqlite(theirs).startswith("Kept")
    assert theirs.read_bytes() == b"someone's data"

    ours = tmp_path / "db.sqlite3"
    assert reset_sqlite(ours).startswith("Fresh")  # none yet: marked, for migrate to make
    ours.write_bytes(b"demo")
    (tmp_path / "db.sqlite3-wal").write_bytes(b"wal")
    assert reset_sqlite(ours).startswith("Fresh")
    assert not ours.exists() and not (tmp_path / "db.sqlite3-wal").exists()
    assert (tmp_path / "db.sqlite3.demo-setup").exists()


def test_demo_setup_never_drops_a_postgresql_database(settings, monkeypatch, capsys):
    """Without --keep-database, a PostgreSQL database is kept and only migrated."""
    settings.DEBUG = True
    settings.TRIAGE_ENABLED = False
    dropped = []
    monkeypatch.setattr("moderation.management.commands.demo_setup.reset_sqlite",
                        dropped.append)
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE",
                        "django.db.backends.postgresql")
    call_command("demo_setup")
    assert dropped == []
    assert "articles in the database" in capsys.readouterr().out


def test_the_admin_corrects_a_comments_words_but_not_its_place_status_or_reason(
        client, admin_user, article):
    other = make_comment(article)
    comment = make_comment(article, status=Comment.Status.HIDDEN, hidden_reason="spam",
                           body="Call me on 555-0100.")
    client.force_login(admin_user)
    url = reverse("admin:moderation_comment_change", args=[comment.pk])
    assert 'name="body"' in client.get(url).content.decode()
    response = client.post(url, {
        "author_name": "A. Reader", "author_email": "", "body": "Call me on [removed].",
        "article": make_comment(make_article()).article_id, "parent": other.pk,
        "status": "approved", "hidden_reason": "", "body_format": "html",
        "flags-TOTAL_FORMS": "0", "flags-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.author_name, comment.body) == ("A. Reader", "Call me on [removed].")
    assert (comment.article_id, comment.parent_id) == (article.pk, None)
    assert (comment.status, comment.hidden_reason, comment.body_format) == (
        "hidden", "spam", "text")


def test_comments_are_not_added_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:moderation_comment_add")).status_code == 403
