"""Readers report bad comments; each report is a reader flag in the Reported queue."""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from articles.models import Article
from moderation import services
from moderation.models import Comment, Flag, ModerationEvent
from tests.factories import make_article, make_comment
from tests.test_posting import HTMX

pytestmark = pytest.mark.django_db


def report_url(comment) -> str:
    return reverse("comment_report", args=[comment.article.slug, comment.pk])


ALREADY = "You have already reported this comment."


def report(client, comment, follow=False, **fields):
    data = {"reason": "abusive", "note": "", "website": ""}
    data.update(fields)
    return client.post(report_url(comment), data, follow=follow)


def reported_queue():
    return Comment.objects.with_open_flags(Flag.Source.READER)


def test_a_reader_reports_a_comment_into_the_reported_queue(client, article):
    comment = make_comment(article, body="You are all idiots.")
    response = report(client, comment, reason="personal_attack", note="Insults readers")

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?page=1#c{comment.pk}"
    flag = Flag.objects.get()
    assert (flag.comment, flag.source, flag.reason, flag.note) == (
        comment, Flag.Source.READER, "personal_attack", "Insults readers"
    )
    assert flag.created_by is None and flag.is_open
    event = ModerationEvent.objects.get()
    assert (event.action, event.actor, event.actor_label, event.reason) == (
        ModerationEvent.Action.REPORTED, None, "reader", "personal_attack"
    )
    assert flag.event == event
    assert list(reported_queue()) == [comment]


def test_the_reported_comment_stays_published_until_a_moderator_decides(client, article):
    comment = make_comment(article, body="Still here.")
    report(client, comment)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Still here." in html


def test_the_reader_is_thanked_after_the_redirect(client, article):
    comment = make_comment(article)
    response = report(client, comment)
    html = client.get(response["Location"]).content.decode()
    assert "A moderator will look at this comment" in html


def test_an_anonymous_reader_is_told_apart_by_a_hash_of_their_session(client, article):
    comment = make_comment(article)
    report(client, comment)
    key = Flag.objects.get().reporter_key
    session_key = client.session.session_key
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert session_key and session_key not in key


def test_a_second_report_from_the_same_reader_is_refused_clearly(client, article):
    comment = make_comment(article)
    report(client, comment)
    response = report(client, comment, reason="spam")
    html = client.get(response["Location"]).content.decode()
    assert "You have already reported this comment." in html
    assert Flag.objects.count() == 1
    assert ModerationEvent.objects.count() == 1


def test_a_second_report_under_htmx_gets_the_message_in_place(client, article):
    comment = make_comment(article)
    report(client, comment)
    response = client.post(report_url(comment), {"reason": "spam", "website": ""}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "You have already reported this comment." in html and "<html" not in html
    assert Flag.objects.count() == 1


def test_another_reader_may_report_the_same_comment(client, article):
    comment = make_comment(article)
    report(client, comment)
    report(Client(REMOTE_ADDR="198.51.100.7"), comment, reason="spam")
    assert Flag.objects.filter(comment=comment, source=Flag.Source.READER).count() == 2
    assert ModerationEvent.objects.filter(comment=comment).count() == 2
    assert list(reported_queue()) == [comment]


def test_fresh_sessions_from_one_address_file_one_report_per_comment(article):
    comment = make_comment(article)
    # The clock stands still, so that the twenty fall in one rate-limit window.
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        responses = [report(Client(REMOTE_ADDR="203.0.113.9"), comment, follow=True)
                     for _ in range(20)]
    # One report; nine more told "already reported"; then the address's rate (10/m).
    assert "A moderator will look at this comment" in responses[0].content.decode()
    assert all(ALREADY in r.content.decode() for r in responses[1:10])
    assert [r.status_code for r in responses[10:]] == [429] * 10
    assert Flag.objects.filter(comment=comment).count() == 1
    assert ModerationEvent.objects.filter(comment=comment).count() == 1


def test_behind_a_proxy_readers_are_told_apart_by_the_header_it_sets(settings, article):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    comment = make_comment(article)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    report(Client(**proxy, HTTP_X_REAL_IP="203.0.113.1"), comment)
    report(Client(**proxy, HTTP_X_REAL_IP="203.0.113.1"), comment)
    report(Client(**proxy, HTTP_X_REAL_IP="203.0.113.2"), comment)
    assert Flag.objects.filter(comment=comment).count() == 2


def test_a_logged_in_reader_reports_once_whichever_browser_they_use(client, article, reader):
    comment = make_comment(article)
    client.force_login(reader)
    report(client, comment)
    flag = Flag.objects.get()
    assert (flag.reporter_key, flag.created_by) == (f"user:{reader.pk}", reader)
    assert ModerationEvent.objects.get().actor == reader

    other = Client()
    other.force_login(reader)
    report(other, comment)
    assert Flag.objects.count() == 1


def test_other_needs_a_note(client, article):
    comment = make_comment(article)
    response = report(client, comment, reason="other", note="  ")
    assert response.status_code == 422
    assert "Say what is wrong when you choose “Other”." in response.content.decode()
    assert Flag.objects.count() == 0 and ModerationEvent.objects.count() == 0

    report(client, comment, reason="other", note="Copied from another site")
    assert Flag.objects.get().reason == "other"


@pytest.mark.parametrize("reason", ["", "rude", "approved"])
def test_an_unknown_reason_is_refused(client, article, reason):
    comment = make_comment(article)
    response = report(client, comment, reason=reason)
    assert response.status_code == 422
    assert Flag.objects.count() == 0 and ModerationEvent.objects.count() == 0


def test_a_filled_honeypot_on_a_report_is_refused(client, article):
    comment = make_comment(article)
    response = report(client, comment, website="http://spam.example")
    assert response.status_code == 422
    assert "Something went wrong. Please try again." in response.content.decode()
    assert Flag.objects.count() == 0


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.HIDDEN])
def test_unpublished_comments_cannot_be_reported(client, article, status):
    comment = make_comment(article, status=status)
    assert report(client, comment).status_code == 404
    assert client.get(report_url(comment)).status_code == 404
    assert Flag.objects.count() == 0 and ModerationEvent.objects.count() == 0


def test_a_comment_hidden_while_the_form_was_open_is_refused_in_place(
    client, article, moderator
):
    comment = make_comment(article)
    client.get(report_url(comment), **HTMX)
    services.hide(comment=comment, actor=moderator, reason="spam")
    response = client.post(report_url(comment), {"reason": "spam", "website": ""}, **HTMX)
    assert response.status_code == 404
    assert "This comment is no longer published." in response.content.decode()
    assert Flag.objects.filter(source=Flag.Source.READER).count() == 0


def test_a_comment_of_another_article_cannot_be_reported_through_this_one(client, article):
    other = make_comment(make_article())
    url = reverse("comment_report", args=[article.slug, other.pk])
    assert client.post(url, {"reason": "spam", "website": ""}).status_code == 404
    assert Flag.objects.count() == 0


def test_comments_on_closed_articles_can_still_be_reported(client, db):
    article = make_article(comment_policy=Article.Policy.CLOSED)
    comment = make_comment(article)
    assert report(client, comment).status_code == 302
    assert list(reported_queue()) == [comment]


def test_the_report_form_is_fetched_under_the_comment_with_htmx(client, article):
    comment = make_comment(article)
    response = client.get(report_url(comment), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    for value, label in [("off_topic", "Off-topic"), ("abusive", "Abusive"), ("spam", "Spam"),
                         ("personal_attack", "Personal attack"), ("other", "Other")]:
        assert f'value="{value}"' in html and label in html
    assert f'id="id_report{comment.pk}_note"' in html


def test_an_htmx_report_swaps_in_the_thanks(client, article):
    comment = make_comment(article)
    response = client.post(report_url(comment), {"reason": "off_topic", "website": ""}, **HTMX)
    assert response.status_code == 200
    assert "A moderator will look at this comment" in response.content.decode()
    assert Flag.objects.get().reason == "off_topic"


def test_without_javascript_the_report_link_opens_a_page_with_the_form(client, article):
    comment = make_comment(article, body="<i>Quote</i>")
    html = client.get(report_url(comment)).content.decode()
    assert "<html" in html and "Report a comment" in html and "&lt;i&gt;Quote" in html
    assert 'name="reason"' in html


def test_every_published_comment_has_a_report_link_and_awaiting_ones_do_not(client, article):
    published = [make_comment(article) for _ in range(3)]
    pending = make_comment(article, status=Comment.Status.PENDING)
    html = client.get(article.get_absolute_url()).content.decode()
    for comment in published:
        assert report_url(comment) in html
    assert report_url(pending) not in html


def test_reporting_is_behind_csrf(article):
    comment = make_comment(article)
    response = Client(enforce_csrf_checks=True).post(
        report_url(comment), {"reason": "spam", "website": ""}
    )
    assert response.status_code == 403
    assert Flag.objects.count() == 0


def test_approving_the_comment_resolves_the_reports(client, article, moderator):
    comment = make_comment(article)
    report(client, comment)
    services.approve(comment=comment, actor=moderator)
    assert list(reported_queue()) == []
    # The reader's earlier report still stops them reporting it again.
    report(client, comment)
    assert Flag.objects.count() == 1
