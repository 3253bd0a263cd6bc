"""Bots and floods are kept out: honeypot, minimum time on the form, per-client rate
limits answering 429, and duplicate text refused."""

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from moderation import services
from moderation.models import Comment, Flag, ModerationEvent
from tests.factories import make_comment
from tests.test_posting import HTMX, comment_data, post, post_reply

pytestmark = pytest.mark.django_db

GENERIC = "Something went wrong. Please try again."


def fresh_form_token(client, article) -> str:
    """The signed timestamp of the form as the article page serves it now."""
    html = client.get(reverse("article_detail", args=[article.slug])).content.decode()
    return re.search(r'name="fg_token" value="([^"]+)"', html).group(1)


def assert_nothing_written():
    assert Comment.objects.count() == 0
    assert ModerationEvent.objects.count() == 0


# Honeypot


def test_a_filled_honeypot_field_is_refused_with_a_generic_error(client, article):
    response = post(client, article, website="https://cheap-pills.example")
    assert response.status_code == 422
    html = response.content.decode()
    assert GENERIC in html
    # Nothing tells the bot which check caught it.
    assert "honeypot" not in html.lower().replace("formguard", "")
    assert_nothing_written()


def test_the_honeypot_field_is_hidden_from_people(client, article):
    html = client.get(reverse("article_detail", args=[article.slug])).content.decode()
    field = re.search(r'<div class="fg-field" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'name="website"' in field and 'tabindex="-1"' in field
    assert "/static/formguard/formguard.css" in html.split("</head>")[0]


def test_a_filled_honeypot_on_a_reply_is_refused_too(client, article):
    parent = make_comment(article)
    response = post_reply(client, parent, website="x")
    assert response.status_code == 422
    assert GENERIC in response.content.decode()
    assert Comment.objects.count() == 1


# Minimum time on the form


def test_a_form_sent_sooner_than_the_minimum_time_is_refused(client, article, settings):
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 3
    token = fresh_form_token(client, article)
    response = post(client, article, fg_token=token)
    assert response.status_code == 422
    assert GENERIC in response.content.decode()
    assert_nothing_written()


def test_the_same_form_is_accepted_once_the_minimum_time_has_passed(client, article, settings):
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 3
    with time_machine.travel("2026-03-01 12:00:00", tick=False) as traveller:
        token = fresh_form_token(client, article)
        traveller.shift(4)
        response = post(client, article, fg_token=token)
    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_a_minimum_time_of_zero_accepts_a_form_sent_at_once(client, article, settings):
    settings.FORMGUARD_TOKEN_MIN_SECONDS = 0
    token = fresh_form_token(client, article)
    assert post(client, article, fg_token=token).status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("token", ["", "not-a-token", "MTc5NTQyOTIyNy41:1xVR9v:forged"])
def test_a_missing_or_forged_timestamp_is_refused(client, article, token):
    response = post(client, article, fg_token=token)
    assert response.status_code == 422
    assert GENERIC in response.content.decode()
    assert_nothing_written()


def test_a_form_left_open_too_long_is_refused_and_shown_again_with_a_fresh_timestamp(
    client, article, settings
):
    settings.FORMGUARD_TOKEN_MAX_SECONDS = 3600
    with time_machine.travel("2026-03-01 12:00:00", tick=False) as traveller:
        old = fresh_form_token(client, article)
        traveller.shift(2 * 3600)
        response = post(client, article, fg_token=old, body="Written slowly.")
        assert response.status_code == 422
        html = response.content.decode()
        new = re.search(r'name="fg_token" value="([^"]+)"', html).group(1)
        assert new != old
        assert "Written slowly.</textarea>" in html
        traveller.shift(10)
        assert post(client, article, fg_token=new, body="Written slowly.").status_code == 302
    assert Comment.objects.get().body == "Written slowly."


# How long the form was open: kept with the comment for the triage


def test_a_comment_keeps_how_many_seconds_after_its_form_showed_it_was_sent(client, article):
    with time_machine.travel("2026-03-01 12:00:00", tick=False) as traveller:
        token = fresh_form_token(client, article)
        traveller.shift(42)
        assert post(client, article, fg_token=token).status_code == 302
    assert Comment.objects.get().seconds_to_post == 42


def test_a_reply_is_timed_from_its_own_form(client, article):
    parent = make_comment(article)
    url = reverse("comment_reply", args=[article.slug, parent.pk])
    with time_machine.travel("2026-03-01 12:00:00", tick=False) as traveller:
        fresh_form_token(client, article)
        traveller.shift(600)
        html = client.get(url, headers={"HX-Request": "true"}).content.decode()
        token = re.search(r'name="fg_token" value="([^"]+)"', html).group(1)
        traveller.shift(30)
        assert post_reply(client, parent, fg_token=token).status_code == 302
    assert Comment.objects.get(parent=parent).seconds_to_post == 30


def test_a_form_sent_back_for_a_mistake_keeps_the_time_it_first_showed(client, article):
    # The reader typed for two minutes and forgot their name: sending it again at once
    # is not pasting.
    with time_machine.travel("2026-03-01 12:00:00", tick=False) as traveller:
        token = fresh_form_token(client, article)
        traveller.shift(120)
        response = post(client, article, fg_token=token, author_name="")
        assert response.status_code == 422
        again = re.search(r'name="fg_token" value="([^"]+)"',
                          response.content.decode()).group(1)
        assert again != token
        traveller.shift(5)
        assert post(client, article, fg_token=again).status_code == 302
    assert Comment.objects.get().seconds_to_post == 125


def test_a_comment_posted_without_a_form_has_no_time(article):
    comment = services.post_comment(article=article, author_name="Script", body="Hello.")
    assert comment.seconds_to_post is None


# Rate limits


def test_the_sixth_post_in_a_minute_from_one_client_gets_429(client, article):
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        for i in range(5):
            assert post(client, article, body=f"Comment {i}").status_code == 302
        response = post(client, article, body="Comment 5")
    assert response.status_code == 429
    html = response.content.decode()
    assert "<html" in html and "Slow down" in html and "too much in a short time" in html
    assert 1 <= int(response["Retry-After"]) <= 60
    assert Comment.objects.count() == 5
    assert ModerationEvent.objects.count() == 5


def test_another_client_can_still_post_and_the_limit_lifts_after_a_minute(client, article):
    with time_machine.travel("2026-03-01 12:00:00", tick=False) as traveller:
        for i in range(6):
            post(client, article, body=f"Comment {i}")
        other = Client(REMOTE_ADDR="203.0.113.9")
        assert post(other, article, body="From elsewhere").status_code == 302
        traveller.shift(61)
        assert post(client, article, body="A minute later").status_code == 302
    assert Comment.objects.count() == 7


def test_a_new_session_does_not_lift_the_limit_of_an_address(client, article):
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        for i in range(5):
            post(Client(), article, body=f"Comment {i}")
        assert post(Client(), article, body="Comment 5").status_code == 429
    assert Comment.objects.count() == 5


def test_replies_count_towards_the_same_limit(client, article):
    parent = make_comment(article)
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        for i in range(3):
            post(client, article, body=f"Comment {i}")
        for i in range(2):
            assert post_reply(client, parent, body=f"Reply {i}").status_code == 302
        assert post_reply(client, parent, body="Reply 2").status_code == 429
    assert Comment.objects.count() == 6


def test_refused_posts_count_too(client, article):
    """A bot that fails validation over and over is still slowed down."""
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        for _ in range(5):
            assert post(client, article, body="").status_code == 422
        assert post(client, article, body="Finally right").status_code == 429
    assert Comment.objects.count() == 0


def test_the_post_limit_comes_from_settings(client, article, settings):
    settings.COMMENTS_POST_RATE = "2/m"
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        assert post(client, article, body="one").status_code == 302
        assert post(client, article, body="two").status_code == 302
        assert post(client, article, body="three").status_code == 429


def test_an_htmx_post_over_the_limit_gets_a_429_fragment(client, article, settings):
    settings.COMMENTS_POST_RATE = "1/m"
    url = reverse("comment_post", args=[article.slug])
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        client.post(url, comment_data(body="one"), **HTMX)
        response = client.post(url, comment_data(body="two"), **HTMX)
    assert response.status_code == 429
    html = response.content.decode()
    assert "<html" not in html and "too much in a short time" in html


def test_the_eleventh_report_in_a_minute_gets_429(client, article):
    comments = [make_comment(article) for _ in range(11)]
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        for comment in comments[:10]:
            url = reverse("comment_report", args=[article.slug, comment.pk])
            assert client.post(url, {"reason": "spam", "website": ""}).status_code == 302
        url = reverse("comment_report", args=[article.slug, comments[10].pk])
        response = client.post(url, {"reason": "spam", "website": ""})
    assert response.status_code == 429
    assert "Slow down" in response.content.decode()
    assert Flag.objects.count() == 10
    assert ModerationEvent.objects.count() == 10


def test_reading_is_never_rate_limited(client, article, settings):
    settings.COMMENTS_POST_RATE = "1/m"
    parent = make_comment(article)
    url = reverse("comment_reply", args=[article.slug, parent.pk])
    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        for _ in range(5):
            assert client.get(url).status_code == 200
        assert post(client, article).status_code == 302


# Duplicate text


def test_the_same_text_again_from_the_same_client_is_refused_with_a_message(client, article):
    assert post(client, article, body="Buy my book!").status_code == 302
    response = post(client, article, body="Buy my book!")
    assert response.status_code == 422
    assert "You posted this same text a moment ago" in response.content.decode()
    assert Comment.objects.count() == 1
    assert ModerationEvent.objects.count() == 1


def test_duplicates_are_recognised_across_articles_and_despite_spacing_and_case(client, article):
    from tests.factories import make_article

    post(client, article, body="Buy my book!")
    other = make_article()
    assert_refused_as_a_duplicate(post(client, other, body="  buy   MY book!\r\n"))


def assert_refused_as_a_duplicate(response):
    assert response.status_code == 422
    assert "You posted this same text a moment ago" in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_duplicate_from_the_same_address_in_a_new_session_is_refused(client, article):
    post(client, article, body="Same words")
    assert_refused_as_a_duplicate(post(Client(), article, body="Same words"))


def test_a_duplicate_from_the_same_session_on_a_new_address_is_refused(client, article):
    post(client, article, body="Same words")
    client.defaults["REMOTE_ADDR"] = "198.51.100.7"
    assert_refused_as_a_duplicate(post(client, article, body="Same words"))


def test_another_reader_may_say_the_same_thing(client, article):
    post(client, article, body="Agreed.")
    assert post(Client(REMOTE_ADDR="198.51.100.7"), article, body="Agreed.").status_code == 302
    assert Comment.objects.count() == 2


def test_the_same_text_is_accepted_again_after_the_window(client, article, settings):
    settings.COMMENTS_DUPLICATE_SECONDS = 300
    with time_machine.travel("2026-03-01 12:00:00", tick=False) as traveller:
        post(client, article, body="Again later")
        traveller.shift(301)
        assert post(client, article, body="Again later").status_code == 302
    assert Comment.objects.count() == 2


def test_a_refused_post_does_not_count_as_a_duplicate(client, article):
    assert post(client, article, body="Retry me", author_name="").status_code == 422
    assert post(client, article, body="Retry me").status_code == 302
