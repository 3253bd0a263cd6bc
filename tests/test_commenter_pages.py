"""The record on every card, the commenter's page, the Commenters list, the person actions
from the workspace, and the queue and log filtered by commenter."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import Comment, Commenter, CommenterEvent, ModerationEvent, Reason
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status


def people_with_comments(article, *, people: int, each: int, status=Status.PENDING):
    """`people` commenters with `each` comments apiece, written in bulk, records counted."""
    commenters = Commenter.objects.bulk_create(
        Commenter(display_name=f"Person {n}", email_key=f"p{n}@{article.slug}.example.org")
        for n in range(people)
    )
    now = timezone.now()
    Comment.objects.bulk_create_threaded(
        Comment(article=article, author_name=c.display_name, author_email=c.email_key,
                commenter=c, body=f"Comment {i} by {c.display_name}.", status=status,
                created=now)
        for c in commenters for i in range(each)
    )
    services.recount_commenters([c.pk for c in commenters])
    return commenters


def queries(client, url) -> tuple[int, str]:
    cache.clear()  # the article menu read each time, as a cold cache does
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


@pytest.mark.parametrize("view", ["queue", "commenter"])
def test_the_queue_and_commenter_pages_cost_the_same_queries_at_20_and_2000_comments(
    moderator_client, view
):
    counts = {}
    for size in (20, 2000):
        article = make_article()
        [person] = people_with_comments(article, people=1, each=size)
        services.note_commenter(commenter=person, actor=None, note="Watch this one.")
        url = (reverse("moderation:queue") if view == "queue"
               else reverse("moderation:commenter", args=[person.pk]))
        counts[size], html = queries(moderator_client, url)
        assert f"{size} pending" in html
    assert counts[20] == counts[2000]
    # queue: session, user, permissions (2), counts, cards, flags, last events, articles;
    # commenter page: session, user, permissions, the person, a page of comments, their
    # history, decisions on their comments, notes, their latest ban.
    assert counts[20] <= (10 if view == "queue" else 10)


def test_the_commenter_page_pages_by_their_records_count_without_counting_their_comments(
    moderator_client, article
):
    [person] = people_with_comments(article, people=1, each=30)
    url = reverse("moderation:commenter", args=[person.pk])
    with CaptureQueriesContext(connection) as captured:
        html = moderator_client.get(url).content.decode()
    assert not [q for q in captured if "COUNT(" in q["sql"].upper()
                and "moderation_comment" in q["sql"]]
    assert "Page 1 of 2 · 30 in all" in html
    second = moderator_client.get(url, {"page": 2}).content.decode()
    assert "Comment 4 by Person 0." in second and "Comment 5 by Person 0." not in second


def test_the_commenters_list_counts_no_further_than_it_pages(moderator_client, article,
                                                             monkeypatch):
    from moderation.paging import LargeTablePaginator

    people_with_comments(article, people=7, each=1)
    monkeypatch.setattr(LargeTablePaginator, "COUNT_LIMIT", 5)
    html = moderator_client.get(reverse("moderation:commenters"), {"q": "person"}).content
    assert "More than 5 commenters" in html.decode()


def test_the_queue_costs_the_same_queries_across_200_authors(moderator_client):
    counts = []
    for people in (2, 200):
        article = make_article()
        people_with_comments(article, people=people, each=13)
        count, html = queries(moderator_client, reverse("moderation:queue") + "?tab=pending")
        assert html.count("data-mod-record") == 25
        counts.append(count)
    assert counts[0] == counts[1]


def test_each_card_shows_its_authors_record_and_links_to_their_page(
    moderator_client, article, moderator
):
    post = article.__class__.objects.create(title="Post", slug="post", comment_policy="post")
    for n in range(3):
        services.post_comment(article=post, author_name="Tess", author_email="t@example.org",
                              body=f"Published {n}.")
    comment = services.post_comment(article=article, author_name="Tess the Second",
                                    author_email="T@example.org", body="Pending.")
    services.report(comment=Comment.objects.filter(status="approved").first(),
                    reason="spam", reporter_key="k")
    person = comment.commenter
    services.premoderate_commenter(commenter=person, actor=moderator)
    html = moderator_client.get(reverse("moderation:queue")).content.decode()
    card = html[html.index(f'id="comment-{comment.pk}"'):]
    card = card[: card.index("</article>")]
    assert reverse("moderation:commenter", args=[person.pk]) in card
    assert "3 approved · 0 hidden · 1 pending · 1 reported" in card
    assert "first seen" in card and "Pre-moderated" in card
    assert "signed “Tess the Second” here" not in card  # the latest name is the person's


def test_the_commenter_page_lists_their_comments_newest_first_with_history_and_notes(
    moderator_client, article, moderator
):
    first = services.post_comment(article=article, author_name="Tess",
                                  author_email="t@example.org", body="The first one.")
    services.post_comment(article=article, author_name="Tess", author_email="t@example.org",
                          body="The second one.")
    services.hide(comment=first, actor=moderator, reason="spam")
    person = first.commenter
    services.note_commenter(commenter=person, actor=moderator, note="Posts from a VPN.")
    services.suspend_commenter(commenter=person, actor=moderator, days=2, reason="Spam")
    html = moderator_client.get(reverse("moderation:commenter", args=[person.pk])).content
    html = html.decode()
    assert html.index("The second one.") < html.index("The first one.")
    assert "Posts from a VPN." in html and "Suspended until" in html
    assert "t@example.org" in html  # moderators see the email
    assert reverse("moderation:commenter_undo",
                   args=[person.events.get(action="suspended").pk]) in html


def test_the_commenters_list_puts_recent_trouble_first_and_searches_names_and_emails(
    moderator_client, article, moderator
):
    calm = services.post_comment(article=article, author_name="Calm Carl",
                                 author_email="carl@example.org", body="Nice.")
    rough = services.post_comment(article=article, author_name="Rough Rob",
                                  author_email="rob@example.org", body="Rude.")
    services.hide(comment=rough, actor=moderator, reason="abusive")
    html = moderator_client.get(reverse("moderation:commenters")).content.decode()
    assert html.index("Rough Rob") < html.index("Calm Carl")
    found = moderator_client.get(reverse("moderation:commenters"), {"q": "carl@"})
    assert "Calm Carl" in found.content.decode() and "Rough Rob" not in found.content.decode()
    found = moderator_client.get(reverse("moderation:commenters"), {"q": "rob"})
    assert "Rough Rob" in found.content.decode() and calm.author_name not in (
        found.content.decode())


def test_the_queue_and_the_log_filter_by_commenter(moderator_client, article, moderator):
    mine = services.post_comment(article=article, author_name="Tess",
                                 author_email="t@example.org", body="Mine.")
    other = services.post_comment(article=article, author_name="Uma",
                                  author_email="u@example.org", body="Theirs.")
    services.approve(comment=mine, actor=moderator)
    services.approve(comment=other, actor=moderator)
    person = mine.commenter
    html = moderator_client.get(reverse("moderation:queue"),
                                {"tab": "all", "commenter": person.pk}).content.decode()
    assert f'id="comment-{mine.pk}"' in html and f'id="comment-{other.pk}"' not in html
    assert "Comments by" in html
    log = moderator_client.get(reverse("moderation:log"),
                               {"commenter": person.pk}).content.decode()
    assert f"#{mine.pk} Tess" in log and f"#{other.pk} Uma" not in log


def test_banning_from_a_card_goes_back_to_the_queue_with_an_undo(
    moderator_client, article, moderator, django_capture_on_commit_callbacks
):
    comment = services.post_comment(article=article, author_name="Tess",
                                    author_email="t@example.org", body="Spam spam.")
    person = comment.commenter
    queue = reverse("moderation:queue") + "?tab=all"
    with django_capture_on_commit_callbacks(execute=True):  # the hiding task
        response = moderator_client.post(
            reverse("moderation:commenter_ban", args=[person.pk]),
            {"reason": "Spammer", "hide_all": "on", "hide_reason": "spam", "next": queue})
    assert response.status_code == 302 and response.url == queue
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN and comment.hidden_reason == "spam"
    ban = CommenterEvent.objects.get(action="banned")
    page = moderator_client.get(queue).content.decode()
    assert ("Banned Tess; hiding their 1 published and pending comment (their page shows "
            "how far it got).") in page
    assert reverse("moderation:commenter_undo", args=[ban.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):  # the restoring task
        undo = moderator_client.post(reverse("moderation:commenter_undo", args=[ban.pk]),
                                     {"next": queue}, HTTP_HX_REQUEST="true")
    assert undo.status_code == 200 and undo["HX-Redirect"] == queue
    comment.refresh_from_db()
    person.refresh_from_db()
    assert comment.status == Status.PENDING and not person.is_banned
    assert ModerationEvent.objects.filter(action="undone").count() == 1


@pytest.mark.parametrize("trust_guests", [False, True])
def test_trusting_a_guest_says_what_it_will_do_as_the_newsroom_has_it(
    moderator_client, article, settings, trust_guests
):
    settings.COMMENTERS_TRUST_GUESTS = trust_guests
    person = services.post_comment(article=article, author_name="Rex",
                                   author_email="rex@example.org", body="Hi.").commenter
    still_waits = "as a guest they still wait for a moderator"
    for url in (reverse("moderation:commenter", args=[person.pk]),
                reverse("moderation:queue") + "?tab=all"):
        page = moderator_client.get(url).content.decode()
        assert (still_waits in page) is not trust_guests, url
    response = moderator_client.post(reverse("moderation:commenter_trust", args=[person.pk]),
                                     {"next": reverse("moderation:queue")}, follow=True)
    assert (still_waits in response.content.decode()) is not trust_guests


def test_each_note_in_the_persons_history_says_which_note_it_is(
    moderator_client, article, moderator
):
    person = services.post_comment(article=article, author_name="Alice",
                                   author_email="alice@example.org", body="Hi.").commenter
    for note in ("Warned by email on Monday.", "Asked to stop the all-caps posts."):
        services.note_commenter(commenter=person, actor=moderator, note=note)
    page = moderator_client.get(reverse("moderation:commenter", args=[person.pk]))
    history = page.content.decode().split('id="history-heading"', 1)[1]
    assert "“Warned by email on Monday.”" in history
    assert "“Asked to stop the all-caps posts.”" in history


def test_a_person_action_from_a_stale_page_is_a_409_that_changes_nothing(
    moderator_client, article, admin_user
):
    person = services.post_comment(article=article, author_name="Alice",
                                   author_email="alice@example.org", body="Hi.").commenter
    page = moderator_client.get(reverse("moderation:commenter", args=[person.pk]))
    seen = re.search(r'name="expected_standing" value="([^"]*)"',
                     page.content.decode()).group(1)
    services.premoderate_commenter(commenter=person, actor=admin_user)
    response = moderator_client.post(reverse("moderation:commenter_trust", args=[person.pk]),
                                     {"expected_standing": seen})
    assert response.status_code == 409
    assert "Reload the page and decide again." in response.content.decode()
    assert "Back to Alice</a>" in response.content.decode()
    person.refresh_from_db()
    assert person.premoderated and not person.is_trusted


def test_bad_input_to_a_person_action_is_a_clear_4xx_and_changes_nothing(
    moderator_client, article, moderator
):
    comment = services.post_comment(article=article, author_name="Tess",
                                    author_email="t@example.org", body="Hi.")
    person = comment.commenter
    url = reverse("moderation:commenter_suspend", args=[person.pk])
    response = moderator_client.post(url, {"days": "0", "reason": "x"})
    assert response.status_code == 422
    assert "at least 1 day" in response.content.decode()
    response = moderator_client.post(url, {"days": "3", "reason": ""})
    assert response.status_code == 422
    trusted = services.trust_commenter(commenter=person, actor=moderator)
    services.premoderate_commenter(commenter=person, actor=moderator)
    response = moderator_client.post(reverse("moderation:commenter_undo", args=[trusted.pk]))
    assert response.status_code == 409
    assert moderator_client.get(reverse("moderation:commenter", args=[999])).status_code == 404
    person.refresh_from_db()
    assert person.suspended_until is None and person.premoderated
    assert CommenterEvent.objects.count() == 2


def test_commenters_are_read_only_in_the_admin(client, admin_user, article):
    services.post_comment(article=article, author_name="Tess", author_email="t@example.org",
                          body="Hi.")
    client.force_login(admin_user)
    page = client.get(reverse("admin:moderation_commenter_changelist"), {"q": "tess"})
    assert page.status_code == 200 and "t@example.org" in page.content.decode()
    assert client.get(reverse("admin:moderation_commenter_add")).status_code == 403
    assert client.get(reverse("admin:moderation_commenterevent_changelist")).status_code == 200


@pytest.mark.postgres
def test_the_commenters_search_and_order_can_use_their_indexes_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    search = Commenter.objects.search("prolific").explain()
    assert "commenter_name_trgm" in search and "commenter_email_trgm" in search
    assert "commenter_trouble_idx" in Commenter.objects.troublesome_first()[:50].explain()
    queue = Comment.objects.filter(commenter_id=1).order_by("-created")[:25].explain()
    assert "comment_commenter_idx" in queue


def test_no_card_reads_a_column_its_query_left_out(moderator_client, moderator):
    """The cards' query defers what no card shows (moderation/queues.py CARD_LEAVES_OUT);
    a card that needed one of those columns after all would cost a query of its own."""
    standings = [
        lambda person: services.ban_commenter(commenter=person, actor=moderator, reason="r"),
        lambda person: services.suspend_commenter(commenter=person, actor=moderator, days=3,
                                                  reason="r"),
        lambda person: services.trust_commenter(commenter=person, actor=moderator),
        lambda person: services.premoderate_commenter(commenter=person, actor=moderator),
    ]
    counts = []
    for people in (1, 8):
        article = make_article()
        commenters = people_with_comments(article, people=people, each=1)
        for n, person in enumerate(commenters):
            first = person.comments.get()
            services.flag(comment=first, actor=moderator, reason=Reason.ABUSIVE)
            make_comment(article, parent=first, commenter=person, author_name="Replier",
                         status=Status.PENDING, body="A reply, quoting its parent.")
            standings[n % 4](person)
        count, html = queries(moderator_client,
                             reverse("moderation:queue") + f"?tab=all&article={article.pk}")
        assert html.count("data-mod-record") == 2 * people
        assert html.count("In reply to") == people
        counts.append(count)
    assert counts[0] == counts[1]
