"""Why a comment is hidden is stored on it and kept with its status by the services; the
card, the Hidden + reason queue, the context page, the export and the import all read it."""

import json
import re
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article
from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, Reason
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action


def actions(comment) -> list[tuple[str, str, str]]:
    return list(comment.events.order_by("id").values_list("action", "status_after", "reason"))


def hidden_spam_card_ids(client) -> list[int]:
    response = client.get(reverse("moderation:queue"), {"tab": "hidden", "reason": "spam"})
    assert response.status_code == 200
    html = response.content.decode()
    return [int(pk) for pk in re.findall(r"· #(\d+)</a>", html)]


@pytest.fixture
def respam(article, moderator):
    """A comment hidden as spam, approved, and the approval undone."""
    comment = make_comment(article, status=Status.PENDING, body="Cheap pills, best prices")
    services.hide(comment=comment, actor=moderator, reason=Reason.SPAM)
    services.approve(comment=comment, actor=moderator)
    services.undo(comment=comment, actor=moderator)
    return comment


def test_hiding_stores_the_reason_and_approving_clears_it(article, moderator):
    comment = make_comment(article, status=Status.PENDING)
    services.hide(comment=comment, actor=moderator, reason=Reason.ABUSIVE)
    comment.refresh_from_db()
    assert (comment.status, comment.hidden_reason) == (Status.HIDDEN, Reason.ABUSIVE)
    services.approve(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert (comment.status, comment.hidden_reason) == (Status.APPROVED, "")
    assert actions(comment) == [(Action.HIDDEN, Status.HIDDEN, Reason.ABUSIVE),
                                (Action.APPROVED, Status.APPROVED, "")]


def test_undoing_an_approval_brings_back_the_reason_it_was_hidden_for(respam):
    respam.refresh_from_db()
    assert (respam.status, respam.hidden_reason) == (Status.HIDDEN, Reason.SPAM)
    assert [a for a, _status, _reason in actions(respam)] == [
        Action.HIDDEN, Action.APPROVED, Action.UNDONE]


def test_undoing_a_hide_clears_the_reason(article, moderator):
    comment = make_comment(article, status=Status.PENDING)
    services.hide(comment=comment, actor=moderator, reason=Reason.SPAM)
    services.undo(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert (comment.status, comment.hidden_reason) == (Status.PENDING, "")
    assert actions(comment)[-1] == (Action.UNDONE, Status.PENDING, Reason.SPAM)


def test_a_second_approval_undone_still_brings_back_the_first_hide_reason(respam, moderator):
    services.approve(comment=respam, actor=moderator)
    services.undo(comment=respam, actor=moderator)
    respam.refresh_from_db()
    assert (respam.status, respam.hidden_reason) == (Status.HIDDEN, Reason.SPAM)


def test_undoing_a_flag_on_a_hidden_comment_keeps_its_reason(article, moderator):
    comment = make_comment(article, status=Status.PENDING)
    services.hide(comment=comment, actor=moderator, reason=Reason.SPAM)
    services.flag(comment=comment, actor=moderator, reason=Reason.ABUSIVE)
    services.undo(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert (comment.status, comment.hidden_reason) == (Status.HIDDEN, Reason.SPAM)


def test_the_service_updates_the_callers_object_too(article, moderator):
    comment = make_comment(article, status=Status.PENDING)
    services.hide(comment=comment, actor=moderator, reason=Reason.OFF_TOPIC)
    assert comment.hidden_reason == Reason.OFF_TOPIC
    services.approve(comment=comment, actor=moderator)
    assert comment.hidden_reason == ""


def test_the_queue_lists_the_undone_approval_under_hidden_and_spam(moderator_client, respam,
                                                                  article, moderator):
    other = make_comment(article, status=Status.PENDING)
    services.hide(comment=other, actor=moderator, reason=Reason.ABUSIVE)
    assert hidden_spam_card_ids(moderator_client) == [respam.pk]
    response = moderator_client.get(reverse("moderation:queue"), {"tab": "hidden"})
    card = re.search(rf'<article id="comment-{respam.pk}".*?</article>',
                     response.content.decode(), re.S).group(0)
    assert "Spam" in card


def test_the_context_page_shows_the_reason(moderator_client, respam):
    response = moderator_client.get(reverse("moderation:comment", args=[respam.pk]))
    assert response.status_code == 200
    card = re.search(rf'<article id="comment-{respam.pk}".*?</article>',
                     response.content.decode(), re.S).group(0)
    assert "Spam" in card


def test_export_and_import_into_an_empty_database_keep_the_reason(respam, article, tmp_path,
                                                                  moderator_client):
    path = tmp_path / "export.json"
    call_command("export_articles", "--output", str(path), "--article", article.slug,
                 stderr=StringIO())
    exported = json.loads(path.read_text())["articles"][0]["comments"]
    assert [(c["status"], c["hidden_reason"]) for c in exported] == [("hidden", "spam")]

    # A fresh database: nothing of the old one is left to read the reason from.
    Flag.objects.all().delete()
    ModerationEvent.objects.filter(undoes__isnull=False).delete()
    ModerationEvent.objects.all().delete()
    Comment.objects.all().delete()
    Article.objects.all().delete()
    call_command("import_articles", str(path), stdout=StringIO())

    imported = Comment.objects.get()
    assert (imported.status, imported.hidden_reason) == (Status.HIDDEN, Reason.SPAM)
    assert actions(imported) == [(Action.IMPORTED, Status.HIDDEN, Reason.SPAM)]
    assert hidden_spam_card_ids(moderator_client) == [imported.pk]


def test_a_wordpress_spam_comment_is_listed_under_hidden_and_spam(moderator_client, wxr_file):
    call_command("import_articles", str(wxr_file([{"post_id": 4, "title": "Post", "comments": [
        {"id": 1, "approved": "1"}, {"id": 2, "approved": "spam"},
        {"id": 3, "approved": "trash"}]}])), stdout=StringIO())
    spam = Comment.objects.get(import_key__endswith="2")
    trash = Comment.objects.get(import_key__endswith="3")
    assert (spam.status, spam.hidden_reason) == (Status.HIDDEN, Reason.SPAM)
    assert (trash.status, trash.hidden_reason) == (Status.HIDDEN, "")
    assert hidden_spam_card_ids(moderator_client) == [spam.pk]


def test_a_reimport_that_hides_a_comment_as_spam_stores_the_reason(article):
    comment = make_comment(article, status=Status.APPROVED, import_key="wxr:7")
    services.import_status_change(comment=comment, status=Status.HIDDEN, source_label="wxr",
                                  reason=Reason.SPAM)
    comment.refresh_from_db()
    assert (comment.status, comment.hidden_reason) == (Status.HIDDEN, Reason.SPAM)
    assert actions(comment)[-1] == (Action.IMPORTED, Status.HIDDEN, Reason.SPAM)


def test_the_migration_fills_in_the_reasons_from_the_audit_rows(article, moderator):
    respam = make_comment(article, status=Status.PENDING)
    services.hide(comment=respam, actor=moderator, reason=Reason.SPAM)
    services.approve(comment=respam, actor=moderator)
    services.undo(comment=respam, actor=moderator)
    rehidden = make_comment(article, status=Status.PENDING)
    services.hide(comment=rehidden, actor=moderator, reason=Reason.SPAM)
    services.undo(comment=rehidden, actor=moderator)
    services.hide(comment=rehidden, actor=moderator, reason=Reason.ABUSIVE)
    imported = make_comment(make_article(), status=Status.HIDDEN)
    services.record_import(comments=[imported], source_label="json",
                           reasons={imported.pk: Reason.OFF_TOPIC})
    approved = make_comment(article, status=Status.APPROVED)
    Comment.objects.update(hidden_reason="")  # as before the field existed

    import_module("moderation.migrations.0005_comment_hidden_reason").backfill(apps, None)

    reasons = dict(Comment.objects.values_list("pk", "hidden_reason"))
    assert reasons == {respam.pk: Reason.SPAM, rehidden.pk: Reason.ABUSIVE,
                       imported.pk: Reason.OFF_TOPIC, approved.pk: ""}
