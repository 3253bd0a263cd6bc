"""Lists that grow to millions of rows offer a bounded number of pages, count no whole
table, and take no filter that would have every row read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from moderation import services
from moderation.models import Comment, Commenter, ModerationEvent, Reason
from moderation.paging import LargeTablePaginator
from moderation.queues import PER_PAGE

from .factories import make_article, make_comment

QUEUE_URL = reverse("moderation:queue")
LOG_URL = reverse("moderation:log")
Status = Comment.Status


def card_ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<article id="comment-(\d+)"', response.content.decode())]


@pytest.fixture
def two_pages_at_most(monkeypatch):
    monkeypatch.setattr("moderation.paging.MAX_PAGES", 2)


def test_the_queue_offers_its_first_pages_only_and_says_how_to_reach_the_rest(
        moderator_client, article, two_pages_at_most):
    for _ in range(3 * PER_PAGE):
        make_comment(article, status=Status.PENDING)
    oldest_first = list(Comment.objects.order_by("created", "id").values_list("pk", flat=True))

    response = moderator_client.get(QUEUE_URL, {"tab": "pending", "page": 99})

    html = response.content.decode()
    assert card_ids(response) == oldest_first[PER_PAGE:2 * PER_PAGE]
    assert "Page 2 of 2 · 75 in all; the pages stop at 2" in html
    assert 'rel="next"' not in html
    assert f"comments {PER_PAGE + 1} to {2 * PER_PAGE} of 75" in html


def test_a_queue_within_the_pages_says_nothing_of_them(moderator_client, article,
                                                       two_pages_at_most):
    for _ in range(PER_PAGE + 1):
        make_comment(article, status=Status.PENDING)

    html = moderator_client.get(QUEUE_URL, {"tab": "pending", "page": 2}).content.decode()

    assert "Page 2 of 2 · 26 in all</span>" in html
    assert "comments 26 to 26 of 26" in html


def test_the_log_counts_no_further_than_the_large_tables_limit(
        moderator_client, article, moderator, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "COUNT_LIMIT", 4)
    for _ in range(6):
        services.approve(comment=make_comment(article, status=Status.PENDING), actor=moderator)

    with CaptureQueriesContext(connection) as queries:
        response = moderator_client.get(LOG_URL)

    html = response.content.decode()
    assert "More than 4 events, newest first" in html
    assert not any("COUNT(" in query["sql"].upper() for query in queries)


def test_the_log_offers_its_first_pages_only(moderator_client, moderator, two_pages_at_most,
                                             monkeypatch):
    monkeypatch.setattr("moderation.views.pages.LOG_PER_PAGE", 2)
    for _ in range(6):
        services.hide(comment=make_comment(make_article(), status=Status.PENDING),
                      actor=moderator, reason=Reason.SPAM)

    html = moderator_client.get(LOG_URL, {"page": 3}).content.decode()

    assert "Page 2 of 2 · 6 in all; the pages stop at 2" in html


def test_an_author_filter_of_two_characters_is_a_whole_name_or_email(moderator_client, article):
    jo = make_comment(article, status=Status.PENDING, author_name="Jo")
    make_comment(article, status=Status.PENDING, author_name="Joan")
    by_email = make_comment(article, status=Status.PENDING, author_name="J.",
                            author_email="jo")

    response = moderator_client.get(QUEUE_URL, {"tab": "pending", "author": "jo"})

    assert "The filter was ignored" not in response.content.decode()
    assert sorted(card_ids(response)) == [jo.pk, by_email.pk]


def test_an_author_filter_of_three_characters_is_part_of_a_name(moderator_client, article):
    make_comment(article, status=Status.PENDING, author_name="Jo")
    joan = make_comment(article, status=Status.PENDING, author_name="Joan")

    response = moderator_client.get(QUEUE_URL, {"tab": "pending", "author": "joa"})

    assert card_ids(response) == [joan.pk]


def test_a_short_admin_search_finds_bodies_and_whole_names(admin_client, article):
    by_name = make_comment(article, author_name="Zq", body="Nothing to see.")
    in_body = make_comment(article, author_name="Ann", body="What is zq anyway?")
    make_comment(article, author_name="Zqa", body="Nothing here either.")

    response = admin_client.get(reverse("admin:moderation_comment_changelist"), {"q": "zq"})

    assert {comment.pk for comment in response.context["cl"].result_list} == {
        by_name.pk, in_body.pk}


def test_a_short_people_search_is_a_whole_name_or_email(moderator):
    jo = Commenter.objects.create(display_name="Jo")
    Commenter.objects.create(display_name="Joan")
    by_email = Commenter.objects.create(display_name="J.", email_key="jo")

    assert set(Commenter.objects.search("JO")) == {jo, by_email}


def test_the_logs_filters_offer_the_people_who_acted_not_every_account(
        moderator_client, admin_client, article, moderator, django_user_model):
    services.approve(comment=make_comment(article, status=Status.PENDING), actor=moderator)
    django_user_model.objects.bulk_create(
        django_user_model(username=f"reader{n}") for n in range(50))

    log = moderator_client.get(LOG_URL).content.decode()
    changelist = admin_client.get(reverse("admin:moderation_moderationevent_changelist"))

    assert f'<option value="{moderator.pk}">mona</option>' in log
    assert "reader1" not in log
    [actor_filter] = [f for f in changelist.context["cl"].filter_specs if f.title == "actor"]
    assert [name for _pk, name in actor_filter.lookup_choices] == ["mona"]


def test_the_admins_actor_filter_keeps_the_chosen_moderators_rows(admin_client, article,
                                                                 moderator, admin_user):
    services.approve(comment=make_comment(article, status=Status.PENDING), actor=moderator)
    services.approve(comment=make_comment(article, status=Status.PENDING), actor=admin_user)

    shown = admin_client.get(reverse("admin:moderation_moderationevent_changelist"),
                             {"actor__id__exact": moderator.pk}).context["cl"].result_list

    assert {event.actor_id for event in shown} == {moderator.pk}


def test_a_reader_who_posted_is_not_offered_as_a_moderator(moderator_client, article, reader,
                                                          moderator):
    services.post_comment(article=article, author_name="Rita", body="First post.", user=reader)
    services.approve(comment=make_comment(article, status=Status.PENDING), actor=moderator)

    assert list(ModerationEvent.objects.actors()) == [moderator]
