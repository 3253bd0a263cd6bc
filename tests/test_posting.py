"""Readers post comments and replies on the article page, under the article's policy."""

import itertools
import re

import pytest
from django.urls import reverse
from formguard.checks import TokenCheck
from formguard.test import GuardedFormTestMixin

from articles.forms import CommentForm
from articles.models import Article
from moderation import services
from moderation.models import Comment, ModerationEvent
from tests.factories import make_article, make_comment, make_thread

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


_form_ages = itertools.count()


def guard_data() -> dict:
    """The honeypot left empty and a form timestamp a minute old, as a person sends them.

    Each call is a form of its own: a timestamp is good for one post, and with the clock
    frozen two forms would otherwise carry the same one.
    """
    data = GuardedFormTestMixin().guard_data(CommentForm)
    data["fg_token"] = TokenCheck._make_token(age=60 + next(_form_ages) / 1000)
    return data


def comment_data(**fields) -> dict:
    data = {"author_name": "Dana", "author_email": "", "body": "A thoughtful point."}
    data.update(fields)
    return {**guard_data(), **data}


def post(client, article, **fields):
    return client.post(reverse("comment_post", args=[article.slug]), comment_data(**fields))


def post_reply(client, parent, **fields):
    url = reverse("comment_reply", args=[parent.article.slug, parent.pk])
    return client.post(url, comment_data(**fields))


def article_html(client, article, **params) -> str:
    response = client.get(reverse("article_detail", args=[article.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def thread_html(html: str) -> str:
    return html.split('id="comments"', 1)[1]


def assert_nothing_written():
    assert Comment.objects.count() == 0
    assert ModerationEvent.objects.count() == 0


# Posting under each policy


def test_a_reader_posts_a_comment_that_waits_for_moderation(client, article):
    response = post(client, article, author_name="Dana", author_email="dana@example.org",
                    body="Kazakhstan already had relations with Israel.")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?page=1#c{comment.pk}"
    assert comment.status == Comment.Status.PENDING
    assert (comment.author_name, comment.author_email) == ("Dana", "dana@example.org")
    assert comment.body == "Kazakhstan already had relations with Israel."
    assert comment.body_format == Comment.Format.TEXT
    assert comment.user is None
    event = ModerationEvent.objects.get()
    assert (event.comment, event.action, event.actor, event.actor_label) == (
        comment, ModerationEvent.Action.POSTED, None, "reader"
    )
    assert event.status_after == Comment.Status.PENDING


def test_the_writer_sees_their_pending_comment_in_place_and_nobody_else_does(
    client, article
):
    make_comment(article, body="An earlier approved comment.")
    post(client, article, body="My words, still waiting.")
    comment = Comment.objects.get(body="My words, still waiting.")

    response = client.get(reverse("article_detail", args=[article.slug]), follow=True)
    html = response.content.decode()
    assert "Your comment is awaiting moderation" in html  # the message after the redirect
    thread = thread_html(html)
    assert f'id="c{comment.pk}"' in thread
    assert "comment-awaiting" in thread and "My words, still waiting." in thread
    assert thread.index("An earlier approved comment.") < thread.index("My words, still waiting.")
    # It is not counted, and it cannot be replied to or reported yet.
    assert "1 comment<" in html
    assert reverse("comment_reply", args=[article.slug, comment.pk]) not in html

    from django.test import Client

    stranger = article_html(Client(), article)
    assert "My words, still waiting." not in stranger
    assert "awaiting moderation" not in stranger


def test_once_approved_the_comment_shows_to_everyone_without_the_mark(client, article, moderator):
    post(client, article, body="Approve me.")
    comment = Comment.objects.get()
    services.approve(comment=comment, actor=moderator)

    from django.test import Client

    for reader in (client, Client()):
        html = thread_html(article_html(reader, article))
        assert "Approve me." in html and "comment-awaiting" not in html


def test_a_hidden_comment_disappears_for_its_writer_too(client, article, moderator):
    post(client, article, body="Rude words.")
    services.hide(comment=Comment.objects.get(), actor=moderator, reason="abusive")
    assert "Rude words." not in article_html(client, article)


def test_a_comment_waiting_for_its_scores_tells_its_writer_it_is_being_checked(
        client, db, triage_on):
    article = make_article(comment_policy=Article.Policy.POST_MODERATED)
    response = post(client, article, body="Checked first.")
    assert Comment.objects.get().status == Comment.Status.PENDING
    html = client.get(response["Location"]).content.decode()
    assert "Your comment is being checked: it appears in a moment" in html
    assert "until a moderator approves it" not in html


def test_a_post_moderated_article_publishes_the_comment_at_once(client, db):
    article = make_article(comment_policy=Article.Policy.POST_MODERATED)
    response = post(client, article, body="Straight in.")

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    event = ModerationEvent.objects.get()
    assert (event.action, event.status_after) == (ModerationEvent.Action.POSTED, "approved")
    html = client.get(response["Location"]).content.decode()
    assert "Your comment is published." in html
    from django.test import Client

    assert "Straight in." in article_html(Client(), article)
    assert "1 comment<" in html


def test_the_body_is_stored_exactly_as_typed_and_shown_escaped(client, article):
    body = "  <b>Bold?</b> & 'quotes'\r\n\r\n\tIndented line <script>alert(1)</script>  "
    post(client, article, body=body)
    comment = Comment.objects.get()
    assert comment.body == body
    services.approve(comment=comment, actor=None)
    html = thread_html(article_html(client, article))
    assert "&lt;b&gt;Bold?&lt;/b&gt; &amp; &#x27;quotes&#x27;" in html
    assert "<script>alert(1)" not in html and "<b>Bold" not in html


def test_a_logged_in_reader_posts_under_their_accounts_name_and_email(
    client, article, reader
):
    reader.first_name, reader.last_name = "Rita", "Reader"
    reader.save()
    client.force_login(reader)
    html = article_html(client, article)
    assert "Posting as <strong>Rita Reader</strong>" in html
    assert 'name="author_name"' not in html and "rita@example.org" not in html

    # A name or email sent anyway is not the account's and is ignored.
    post(client, article, author_name="Someone Else", author_email="x@example.org",
         body="Signed in.")
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_email) == ("Rita Reader", "rita@example.org")
    assert comment.user == reader
    assert comment.commenter.user == reader
    event = ModerationEvent.objects.get()
    assert (event.actor, event.actor_label) == (reader, "")


def test_an_anonymous_reader_finds_the_name_they_gave_last_time(client, article):
    post(client, article, author_name="Zoë", author_email="zoe@example.org")
    html = article_html(client, article)
    assert re.search(r'name="author_name"[^>]*value="Zoë"', html)


def test_a_logged_in_reader_sees_their_pending_comments_in_another_browser(
    client, article, reader
):
    client.force_login(reader)
    post(client, article, body="From my phone.")
    from django.test import Client

    laptop = Client()
    laptop.force_login(reader)
    assert "From my phone." in thread_html(article_html(laptop, article))


def test_the_email_is_never_shown(client, article):
    post(client, article, author_email="hidden@example.org", body="Email me.")
    services.approve(comment=Comment.objects.get(), actor=None)
    from django.test import Client

    assert "hidden@example.org" not in article_html(Client(), article)


# Closed articles


def test_a_closed_article_shows_a_notice_instead_of_forms(client, db):
    article = make_article(comment_policy=Article.Policy.CLOSED)
    comment = make_comment(article, body="From before closing.")
    html = article_html(client, article)
    assert "Comments are closed on this article." in html
    assert 'id="comment-form"' not in html and 'name="body"' not in html
    assert reverse("comment_reply", args=[article.slug, comment.pk]) not in html
    # Readers can still report what was posted before.
    assert reverse("comment_report", args=[article.slug, comment.pk]) in html


def test_a_closed_article_refuses_posts_and_replies_and_writes_nothing(client, db):
    article = make_article(comment_policy=Article.Policy.CLOSED)
    parent = make_comment(article)
    before = Comment.objects.count()

    response = post(client, article)
    assert response.status_code == 403
    assert "Comments are closed on this article." in response.content.decode()
    response = post_reply(client, parent)
    assert response.status_code == 403
    response = client.get(reverse("comment_reply", args=[article.slug, parent.pk]))
    assert response.status_code == 403
    assert Comment.objects.count() == before
    assert ModerationEvent.objects.count() == 0


def test_a_closed_article_refuses_an_htmx_post_with_a_fragment(client, db):
    article = make_article(comment_policy=Article.Policy.CLOSED)
    response = client.post(reverse("comment_post", args=[article.slug]), comment_data(), **HTMX)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Comments are closed" in html and "<html" not in html
    assert Comment.objects.count() == 0


# Validation


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"body": ""}, "body", "Write your comment before sending it."),
        ({"body": " \r\n\t  "}, "body", "it is only spaces"),
        ({"body": "x" * 5001}, "body", "Keep your comment to 5,000 characters; it has 5,001."),
        ({"body": "nul\x00byte"}, "body", "Null characters are not allowed."),
        ({"author_name": ""}, "author_name", "Give the name to show with your comment."),
        ({"author_name": "   "}, "author_name", "Give the name to show with your comment."),
        ({"author_name": "n" * 101}, "author_name", "Keep the name to 100 characters"),
        ({"author_email": "not-an-email"}, "author_email", "Enter a whole email address"),
    ],
)
def test_bad_input_is_refused_with_a_message_next_to_the_field_and_nothing_is_written(
    client, article, fields, field, message
):
    response = post(client, article, **fields)
    assert response.status_code == 422
    html = response.content.decode()
    errors = re.findall(rf'id="error_\d+_id_{field}"[^>]*>(.*?)</', html, re.S)
    assert errors and message in " ".join(errors), errors
    assert_nothing_written()


def test_a_refused_form_keeps_what_the_reader_typed(client, article):
    html = post(client, article, author_name="", body="Keep my words").content.decode()
    assert "Keep my words</textarea>" in html


def test_a_body_of_exactly_5000_characters_is_accepted_counting_line_breaks_once(
    client, article
):
    body = ("y" * 98 + "\r\n") * 50  # 5,000 characters as typed, 5,050 as sent
    assert post(client, article, body=body).status_code == 302
    assert Comment.objects.get().body == body


def test_htmx_validation_errors_come_back_as_the_form_fragment(client, article):
    response = client.post(
        reverse("comment_post", args=[article.slug]), comment_data(body="  "), **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="comment-form-area"' in html and "<html" not in html
    assert "it is only spaces" in html
    assert_nothing_written()


def test_an_htmx_post_swaps_in_the_notice_the_text_and_a_fresh_form(client, article):
    response = client.post(
        reverse("comment_post", args=[article.slug]), comment_data(body="Via <htmx>"), **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    comment = Comment.objects.get()
    assert "Your comment is awaiting moderation" in html
    assert "Via &lt;htmx&gt;" in html
    assert f"#c{comment.pk}" in html
    assert re.search(r"<textarea[^>]*name=\"body\"[^>]*>\s*</textarea>", html)  # empty again


def test_posting_needs_post(client, article):
    assert client.get(reverse("comment_post", args=[article.slug])).status_code == 405


def test_posting_is_behind_csrf(article):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("comment_post", args=[article.slug]), comment_data()
    )
    assert response.status_code == 403
    assert_nothing_written()


def test_posting_to_an_unknown_article_is_404(client, db):
    response = client.post(reverse("comment_post", args=["nope"]), comment_data())
    assert response.status_code == 404


# Replies


def test_a_reader_replies_to_a_published_comment(client, article):
    parent = make_comment(article, body="Parent.")
    response = post_reply(client, parent, body="My reply.")

    reply = Comment.objects.get(body="My reply.")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#c{reply.pk}")
    assert (reply.parent, reply.depth, reply.status) == (parent, 1, Comment.Status.PENDING)
    assert ModerationEvent.objects.get().comment == reply
    thread = thread_html(article_html(client, article))
    assert thread.index("Parent.") < thread.index("My reply.")
    assert re.search(rf'id="c{reply.pk}" class="comment comment-awaiting"[^>]*data-depth="1"',
                     thread)


def test_the_writer_is_sent_to_the_permalink_of_their_reply(client, article, settings):
    # The first view of a thread is bounded, so a reply may sit behind "show more": the
    # writer lands on its permalink, which shows it with its ancestors wherever it is.
    settings.COMMENTS_PER_PAGE = 2
    make_comment(article, body="first")
    make_comment(article, body="second")
    third = make_comment(article, body="third")
    location = post_reply(client, third, body="a late reply")["Location"]
    reply = Comment.objects.get(body="a late reply")
    assert client.session  # the post made a session
    assert location == f"{article.get_absolute_url()}?comment={reply.pk}#c{reply.pk}"
    html = client.get(location).content.decode()
    assert f'id="c{reply.pk}"' in html
    assert f'id="c{third.pk}"' in html
    assert "Your comment is awaiting moderation" in html


def test_the_reply_form_is_fetched_under_the_comment_with_htmx(client, article):
    parent = make_comment(article)
    response = client.get(reverse("comment_reply", args=[article.slug, parent.pk]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'class="reply-form' in html
    assert f'hx-post="{reverse("comment_reply", args=[article.slug, parent.pk])}"' in html
    assert f'id="id_reply{parent.pk}_body"' in html  # ids unique on a page of many forms
    assert 'name="website"' in html and 'name="fg_token"' in html
    assert response["Vary"].count("HX-Request") == 1


def test_without_javascript_the_reply_link_opens_a_page_with_the_form(client, article):
    parent = make_comment(article, body="Quote <me>")
    html = client.get(reverse("comment_reply", args=[article.slug, parent.pk])).content.decode()
    assert "<html" in html and "Reply to" in html and "Quote &lt;me&gt;" in html
    assert 'name="body"' in html


def test_an_htmx_reply_swaps_in_the_posted_reply(client, article):
    parent = make_comment(article)
    url = reverse("comment_reply", args=[article.slug, parent.pk])
    response = client.post(url, comment_data(body="Quick <reply>"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your comment is awaiting moderation" in html and "Quick &lt;reply&gt;" in html
    assert Comment.objects.get(body="Quick <reply>").parent == parent


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.HIDDEN])
@pytest.mark.parametrize("htmx", [False, True])
def test_replies_to_unpublished_comments_are_refused_without_showing_them(
        client, article, status, htmx):
    parent = make_comment(article, status=status, author_name="Secret Sam",
                          body="Only moderators may read this.")
    url = reverse("comment_reply", args=[article.slug, parent.pk])
    for data in (comment_data(), comment_data(body="")):  # accepted, or sent back
        response = client.post(url, data, **(HTMX if htmx else {}))
        html = response.content.decode()
        assert response.status_code == 404
        assert "This comment is no longer published." in html
        assert "Secret Sam" not in html and "Only moderators may read this." not in html
    assert Comment.objects.count() == 1
    assert ModerationEvent.objects.count() == 0


def test_a_reply_to_a_comment_of_another_article_is_404(client, article):
    other = make_comment(make_article())
    url = reverse("comment_reply", args=[article.slug, other.pk])
    assert client.post(url, comment_data()).status_code == 404
    assert client.get(url).status_code == 404
    assert Comment.objects.count() == 1


def test_replies_stop_at_the_depth_limit(client, article, settings):
    settings.COMMENTS_MAX_DEPTH = 3
    top = make_comment(article)
    middle = make_comment(article, parent=top)
    deepest = make_comment(article, parent=middle)
    html = article_html(client, article)
    assert reverse("comment_reply", args=[article.slug, middle.pk]) in html
    assert reverse("comment_reply", args=[article.slug, deepest.pk]) not in html

    response = post_reply(client, deepest)
    assert response.status_code == 422
    assert "Replies may nest at most 3 levels deep." in response.content.decode()
    assert Comment.objects.count() == 3
    assert ModerationEvent.objects.count() == 0


def test_reply_validation_errors_stay_in_the_reply_form(client, article):
    parent = make_comment(article)
    url = reverse("comment_reply", args=[article.slug, parent.pk])
    response = client.post(url, comment_data(body=""), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="reply-form' in html and "Write your comment before sending it." in html
    assert Comment.objects.count() == 1


# Query counts


@pytest.mark.parametrize("top_level,replies", [(5, 1), (400, 3)])
def test_the_article_page_with_its_forms_costs_a_fixed_number_of_queries(
    client, reader, settings, django_assert_max_num_queries, top_level, replies
):
    settings.COMMENTS_POST_RATE = None
    # Enough replies shown under a comment for the reader's own three to be in its first view.
    settings.COMMENTS_REPLIES_SHOWN = 10
    article = make_article()
    make_thread(article, top_level, replies)
    hidden_root = make_comment(article, status=Comment.Status.HIDDEN)
    make_comment(article, parent=hidden_root)  # so the placeholder query runs too
    client.force_login(reader)
    # The reader has comments awaiting moderation, remembered in their session.
    for i in range(3):
        post(client, article, body=f"Mine {i}")
    for comment in Comment.objects.filter(article=article, status="pending"):
        post_reply(client, Comment.objects.filter(article=article, depth=0).first(),
                   body=f"reply to {comment.pk}")
    # article, session, user, the user's permissions (2, for the header), and the five
    # of thread_page; the same at both sizes.
    with django_assert_max_num_queries(10):
        html = article_html(client, article)
    # The three replies sit under the first comment; the three new top-level comments come
    # last in the thread, on page 1 only while the thread fits on it.
    assert html.count("comment-awaiting") == (6 if top_level < 50 else 3)
    assert 'id="comment-form"' in html
