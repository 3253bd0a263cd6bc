"""The live queue: the poll (moderation:live) that tells an open queue what others decided,
which comments arrived, the tab counts and who is looking at which card; and the cards
endpoint (moderation:cards) the page refills from. Two moderators: mona (the `moderator`
fixture) and omar."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.live import MAX_EVENTS
from moderation.models import Comment, Flag, ModerationEvent, Reason
from moderation.queues import PER_PAGE, tab_counts
from tests.factories import make_article, make_comment, make_thread

pytestmark = pytest.mark.django_db

Status = Comment.Status
LIVE = reverse("moderation:live")
CARDS = reverse("moderation:cards")
QUEUE = reverse("moderation:queue")


@pytest.fixture
def omar(django_user_model):
    user = django_user_model.objects.create_user("omar", password="moderator-pass-2")
    user.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    return user


@pytest.fixture
def omar_client(omar):
    client = Client()
    client.force_login(omar)
    return client


def pending_comments(article, n, *, start=None):
    start = start or timezone.now() - timedelta(hours=1)
    return [make_comment(article, status=Status.PENDING, author_name=f"Reader {i}",
                         created=start + timedelta(seconds=i)) for i in range(n)]


def poll(client, **params):
    params.setdefault("view", "queue")
    if "after" not in params:
        params.setdefault("since", f"{time.time() - 5:.3f}")
    if isinstance(params.get("shown"), list):
        params["shown"] = ",".join(str(pk) for pk in params["shown"])
    response = client.get(LIVE, params)
    assert response.status_code == 200, response.content
    return response.json()


def cursor() -> int:
    last = ModerationEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def card_ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<article id="comment-(\d+)"', response.content.decode())]


def test_it_tells_a_queue_what_someone_else_decided(moderator_client, article, omar):
    shown = pending_comments(article, 3)
    after = cursor()
    services.hide(comment=shown[0], actor=omar, reason=Reason.SPAM)
    services.flag(comment=shown[1], actor=omar, reason=Reason.ABUSIVE, note="slur")
    data = poll(moderator_client, after=after, shown=[c.pk for c in shown])
    decided = {item["id"]: item for item in data["decided"]}
    assert set(decided) == {shown[0].pk, shown[1].pk}
    assert decided[shown[0].pk]["text"] == "Hidden by omar as spam"
    assert decided[shown[0].pk]["leaves"] is True  # no longer in Needs review
    assert decided[shown[1].pk]["text"] == "Flagged by omar as abusive"
    assert decided[shown[1].pk]["leaves"] is False  # still needs review
    assert data["after"] == cursor()
    # Seen from the Hidden tab the hidden one stays.
    data = poll(moderator_client, after=after, shown=[shown[0].pk], tab="hidden")
    assert data["decided"][0]["leaves"] is False


def test_it_leaves_out_my_own_decisions(moderator_client, article, moderator):
    shown = pending_comments(article, 2)
    after = cursor()
    services.approve(comment=shown[0], actor=moderator)
    data = poll(moderator_client, after=after, shown=[c.pk for c in shown])
    assert data["decided"] == []
    assert data["after"] == cursor()


def test_a_page_first_poll_reads_what_was_written_since_the_page_was_made(
    moderator_client, article, omar
):
    shown = pending_comments(article, 2)
    page_made = time.time()
    services.approve(comment=shown[0], actor=omar)
    data = poll(moderator_client, since=f"{page_made:.3f}", shown=[c.pk for c in shown])
    assert [item["text"] for item in data["decided"]] == ["Approved by omar"]
    assert data["after"] == cursor()


def test_it_announces_comments_that_arrive_in_the_queue(moderator_client, article, omar):
    shown = pending_comments(article, 2)
    elsewhere = make_article()
    approved = make_comment(article, status=Status.APPROVED)
    after = cursor()
    posted = services.post_comment(article=article, author_name="Nadia", body="Breaking!")
    other = services.post_comment(article=elsewhere, author_name="Pia", body="Elsewhere.")
    services.report(comment=approved, reason=Reason.SPAM, reporter_key="r1")
    data = poll(moderator_client, after=after, shown=[c.pk for c in shown])
    assert posted.status == Status.PENDING
    assert sorted(data["arrived"]) == sorted([posted.pk, other.pk, approved.pk])
    # Filtered by article, only that article's; the Approved tab, none of these.
    data = poll(moderator_client, after=after, shown=[], article=article.pk)
    assert sorted(data["arrived"]) == sorted([posted.pk, approved.pk])
    assert poll(moderator_client, after=after, shown=[], tab="approved")["arrived"] == []


def test_under_a_filter_it_announces_only_the_arrivals_that_match(moderator_client, article,
                                                                  omar):
    after = cursor()
    breaking = services.post_comment(article=article, author_name="Nadia", body="Breaking!")
    services.post_comment(article=article, author_name="Pia", body="Old news.")
    spam = services.post_comment(article=article, author_name="Sam", body="Cheap pills here")
    services.flag(comment=spam, actor=omar, reason=Reason.SPAM)
    assert poll(moderator_client, after=after, shown=[], q="breaking")["arrived"] == [
        breaking.pk]
    assert poll(moderator_client, after=after, shown=[], author="nadi")["arrived"] == [
        breaking.pk]
    assert poll(moderator_client, after=after, shown=[], reason="spam")["arrived"] == [spam.pk]
    # The tab counts are the site's, which a filtered page does not show: none are sent.
    assert poll(moderator_client, after=after, shown=[], q="breaking")["counts"] is None
    # And "show" brings only those: the cards endpoint applies the page's filters too.
    response = moderator_client.get(CARDS, {"ids": f"{breaking.pk},{spam.pk}", "q": "breaking"})
    assert card_ids(response) == [breaking.pk]


def test_the_tab_counts_come_from_the_counters(moderator_client, article, omar):
    shown = pending_comments(article, 4)
    services.hide(comment=shown[0], actor=omar, reason=Reason.SPAM)
    data = poll(moderator_client, after=cursor(), shown=[])
    counts = tab_counts()
    assert {key: count["value"] for key, count in data["counts"].items()} == {
        key: count.value for key, count in counts.items()}
    assert data["counts"]["needs_review"] == {"value": 3, "label": "3"}
    # Narrowed by text, the counters do not know: no counts.
    assert poll(moderator_client, after=cursor(), shown=[], q="x")["counts"] is None
    # The context page's poll asks for none either.
    assert poll(moderator_client, after=cursor(), shown=[], view="context")["counts"] is None


def test_a_moderator_sees_who_else_is_looking_at_a_card(
    moderator_client, omar_client, article
):
    a, b = pending_comments(article, 2)
    poll(omar_client, after=cursor(), shown=[a.pk, b.pk], looking=a.pk)
    data = poll(moderator_client, after=cursor(), shown=[a.pk, b.pk], looking=b.pk)
    assert data["presence"] == {str(a.pk): [{"name": "omar", "acting": False}]}
    # Omar opens the hide panel on b: mona reads that he is deciding; a is free again.
    data = poll(omar_client, after=cursor(), shown=[a.pk, b.pk], looking=b.pk, acting="1")
    assert data["presence"] == {str(b.pk): [{"name": "mona", "acting": False}]}
    data = poll(moderator_client, after=cursor(), shown=[a.pk, b.pk], looking=b.pk)
    assert data["presence"] == {str(b.pk): [{"name": "omar", "acting": True}]}
    # Nothing is locked: mona still decides it.
    services.approve(comment=b, actor=None, expected_status=Status.PENDING)
    assert Comment.objects.get(pk=b.pk).status == Status.APPROVED


def test_presence_expires(moderator_client, omar_client, article, settings):
    settings.MODERATION_PRESENCE_TTL = 1
    (a,) = pending_comments(article, 1)
    poll(omar_client, after=cursor(), shown=[a.pk], looking=a.pk)
    assert poll(moderator_client, after=cursor(), shown=[a.pk])["presence"] != {}
    time.sleep(1.2)
    assert poll(moderator_client, after=cursor(), shown=[a.pk])["presence"] == {}


def test_a_busy_moment_is_read_over_several_polls(moderator_client, article, omar):
    comments = pending_comments(article, 3)
    after = cursor()
    make_thread(article, MAX_EVENTS + 5, status=Status.PENDING)  # no audit rows: imports
    for _ in range(MAX_EVENTS // 3 + 2):
        for comment in comments:
            services.flag(comment=comment, actor=omar, reason=Reason.SPAM)
    data = poll(moderator_client, after=after, shown=[c.pk for c in comments])
    assert data["more"] is True
    assert data["after"] < cursor()
    data = poll(moderator_client, after=data["after"], shown=[c.pk for c in comments])
    assert data["more"] is False
    assert data["after"] == cursor()


@pytest.mark.parametrize("params", [
    {"after": "x"}, {"after": "-3"}, {"since": "nan"}, {"since": "1e300"},
    {"shown": "1,2,x"}, {"shown": ",".join(["1"] * 201)}, {"looking": "99999999999999999999"},
])
def test_bad_input_is_a_400_that_changes_nothing(moderator_client, params):
    before = cursor()
    response = moderator_client.get(LIVE, {"view": "queue", **params})
    assert response.status_code == 400
    assert cursor() == before


@pytest.mark.parametrize("ignored", [{"article": "abc"}, {"article": "999999"},
                                     {"commenter": "abc"}])
def test_a_filter_the_queue_page_ignores_the_poll_ignores_too(moderator_client, article,
                                                              ignored):
    make_comment(article, status=Status.PENDING)
    data = poll(moderator_client, tab="all", **ignored)
    assert data["counts"]["all"]["value"] == 1 and data["counts"]["pending"]["value"] == 1


def test_the_poll_is_for_moderators_only(client, outsider):
    response = client.get(LIVE)
    assert response.status_code == 302
    client.force_login(outsider)
    assert client.get(LIVE).status_code == 403
    assert client.get(CARDS).status_code == 403


@pytest.mark.parametrize("size", [20, 2000])
def test_a_poll_costs_the_same_queries_whatever_the_queue_size(
    moderator_client, moderator, omar, django_assert_max_num_queries, size
):
    """Session and user, the moderator's permissions, the audit rows since the cursor,
    the counters; presence in the cache (a database table here without Redis: a read and,
    when it changed, a write)."""
    article = make_article()
    make_thread(article, size, status=Status.PENDING)
    shown = list(Comment.objects.order_by("created", "pk").values_list("pk", flat=True)[:25])
    after = cursor()
    for pk in shown[:3]:
        services.hide(comment=Comment.objects.get(pk=pk), actor=omar, reason=Reason.SPAM)
    services.post_comment(article=article, author_name="Nadia", body="New.")
    poll(moderator_client, after=after, shown=shown, looking=shown[5])  # presence written
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
        data = poll(moderator_client, after=after, shown=shown, looking=shown[5])
    assert len(data["decided"]) == 3 and len(data["arrived"]) == 1
    assert data["counts"]["needs_review"]["value"] == size - 3 + 1
    event_queries = [q["sql"] for q in queries.captured_queries
                     if "moderation_moderationevent" in q["sql"]]
    assert len(event_queries) == 1
    assert "moderation_comment" in event_queries[0]  # the comments' state, joined


# The cards endpoint: the page refills after its last card, in the queue's sort.

@pytest.mark.parametrize("sort", ["oldest", "newest", "priority"])
def test_the_next_cards_continue_the_queue_after_the_last_one_shown(
    moderator_client, article, sort
):
    comments = pending_comments(article, PER_PAGE + 10)
    for i, comment in enumerate(comments):  # ties on purpose: equal priorities
        Comment.objects.filter(pk=comment.pk).update(priority=(i % 3) / 2)
    first_page = card_ids(moderator_client.get(QUEUE, {"sort": sort}))
    second_page = card_ids(moderator_client.get(QUEUE, {"sort": sort, "page": 2}))
    last = Comment.objects.get(pk=first_page[-1])
    response = moderator_client.get(CARDS, {
        "sort": sort, "after_pk": last.pk, "after_created": last.created.isoformat(),
        "after_priority": repr(last.priority), "limit": 4, "next": "/moderation/?sort=" + sort,
    })
    assert card_ids(response) == second_page[:4]
    html = response.content.decode()
    assert 'name="selected"' in html
    assert 'name="next" value="/moderation/?sort=' in html


def test_cards_by_id_are_those_still_in_the_queue(moderator_client, article, omar):
    a, b, c = pending_comments(article, 3)
    services.approve(comment=b, actor=omar)
    response = moderator_client.get(CARDS, {"ids": f"{c.pk},{b.pk},{a.pk}"})
    assert card_ids(response) == [c.pk, a.pk]
    response = moderator_client.get(CARDS, {"ids": f"{b.pk}", "tab": "approved"})
    assert card_ids(response) == [b.pk]


@pytest.mark.parametrize("params", [
    {"after_pk": "1", "after_created": "yesterday"}, {"after_pk": "1"}, {"ids": "a,b"},
    {"limit": "x"},
])
def test_cards_refuse_bad_input(moderator_client, params):
    assert moderator_client.get(CARDS, params).status_code == 400


@pytest.mark.parametrize("size", [40, 2000])
def test_a_refill_costs_the_same_queries_at_two_sizes(
    moderator_client, django_assert_max_num_queries, size
):
    article = make_article()
    make_thread(article, size, status=Status.PENDING)
    last = Comment.objects.order_by("created", "pk")[PER_PAGE - 1]
    with django_assert_max_num_queries(9):
        response = moderator_client.get(CARDS, {
            "after_pk": last.pk, "after_created": last.created.isoformat(),
            "after_priority": "0.0", "limit": 5})
    assert len(card_ids(response)) == 5


# Clean cards: each reason once, automatic flags dismissed (not undone), plain words.

def test_an_automatic_flag_says_its_reason_once_and_is_not_offered_for_undo(
    moderator_client, article
):
    comment = make_comment(article, status=Status.PENDING, body="Buy now buy now")
    services.flag(comment=comment, actor=None, reason=Reason.SPAM, note="3 links",
                  source=Flag.Source.AUTOMATIC, actor_label="automatic")
    html = moderator_client.get(QUEUE).content.decode()
    card = html[html.index(f'id="comment-{comment.pk}"'):]
    card = card[: card.index("</article>")]
    assert card.count("3 links") == 1
    assert card.count("mod-flag-reason") == 1
    assert "mod-last" not in card  # the flag's own line says who raised it and why
    assert "Undo flag" not in card
    assert "Approve" in card


def test_keeping_a_reported_comment_says_the_report_was_dismissed(moderator_client, article):
    comment = make_comment(article, status=Status.APPROVED)
    services.report(comment=comment, reason=Reason.SPAM, reporter_key="r1")
    response = moderator_client.post(
        reverse("moderation:approve", args=[comment.pk]),
        {"expected_status": "approved", "next": QUEUE}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Kept Reader" in html and "(report dismissed)" in html
    assert "Approved Reader" not in html
    event = ModerationEvent.objects.get(action="approved")
    assert (event.status_before, event.status_after) == ("approved", "approved")
    assert not Flag.objects.open().exists()
    # The card (Approved tab) and the log say the same.
    html = moderator_client.get(QUEUE, {"tab": "approved"}).content.decode()
    assert "Kept by mona (report dismissed)" in html
    log = moderator_client.get(reverse("moderation:log")).content.decode()
    assert "Kept (report dismissed)" in log


def test_an_undone_hide_reads_as_such_on_the_card_and_in_the_log(
    moderator_client, moderator, article
):
    comment = make_comment(article, status=Status.APPROVED)
    event = services.hide(comment=comment, actor=moderator, reason=Reason.SPAM)
    response = moderator_client.post(
        reverse("moderation:undo", args=[comment.pk]),
        {"expected_event_id": event.pk, "next": QUEUE}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Hide undone:" in html and "is back to approved" in html
    assert "Undid" not in html
    html = moderator_client.get(QUEUE, {"tab": "approved"}).content.decode()
    assert "Hide undone by mona: back to approved" in html
    assert "Undid: hidden" not in html
    log = moderator_client.get(reverse("moderation:log")).content.decode()
    assert "Hide undone" in log
    assert "Undid: hidden" not in log


def test_enter_in_the_bulk_bar_has_no_approve_to_fall_back_on(moderator_client, article):
    """The bulk form's first submit button (the one implicit submission clicks) is a
    hidden Hide that needs a reason; Approve selected is never the default."""
    pending_comments(article, 1)
    html = moderator_client.get(QUEUE).content.decode()
    form = html[html.index('<form id="bulk-form"'):]
    form = form[: form.index("</form>")]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert "hidden" in first_button and "formaction" not in first_button
    assert 'action="/moderation/bulk/hide/"' in form
    assert "hx-post" not in form[: form.index("<button")]


def test_a_card_open_on_its_context_page_shows_as_looked_at(
    moderator_client, omar_client, article
):
    (a,) = pending_comments(article, 1)
    html = omar_client.get(reverse("moderation:comment", args=[a.pk])).content.decode()
    assert f'data-mod-looking="{a.pk}"' in html and 'data-mod-view="context"' in html
    poll(omar_client, view="context", after=cursor(), shown=[a.pk], looking=a.pk)
    data = poll(moderator_client, after=cursor(), shown=[a.pk])
    assert data["presence"] == {str(a.pk): [{"name": "omar", "acting": False}]}
