"""The queue page: tabs and their counts, filters, sort, paging, cards, and its query cost."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import Comment, Flag, Reason
from moderation.queues import PER_PAGE, SORTS, tab_counts
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Source = Flag.Source
QUEUE_URL = reverse("moderation:queue")


def card_ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<article id="comment-(\d+)"', response.content.decode())]


def tab_count(response, tab: str) -> int:
    html = response.content.decode()
    match = re.search(rf'data-tab="{tab}">\s*[^<]*<span[^>]*data-count>(\d+)<', html)
    assert match, tab
    return int(match.group(1))


@pytest.fixture
def mixed(article, moderator):
    """One comment of each kind a queue tells apart, a minute apart, oldest first."""
    start = timezone.now() - timedelta(hours=1)
    made = {}
    for i, (name, status) in enumerate([
        ("pending", Status.PENDING),
        ("approved", Status.APPROVED),
        ("hidden", Status.HIDDEN),
        ("reported", Status.APPROVED),
        ("flagged", Status.APPROVED),
        ("auto_flagged", Status.PENDING),
        ("resolved", Status.APPROVED),
    ]):
        made[name] = make_comment(article, status=status, author_name=f"Author {name}",
                                  body=f"Body of {name}", created=start + timedelta(minutes=i))
    services.flag(comment=made["reported"], actor=None, reason=Reason.SPAM,
                  source=Source.READER, reporter_key="r1", actor_label="reader")
    services.flag(comment=made["flagged"], actor=moderator, reason=Reason.ABUSIVE,
                  note="slur in line 2")
    services.flag(comment=made["auto_flagged"], actor=None, reason=Reason.SPAM,
                  source=Source.AUTOMATIC, actor_label="automatic", note="3 links")
    services.flag(comment=made["resolved"], actor=moderator, reason=Reason.OFF_TOPIC)
    services.approve(comment=made["resolved"], actor=moderator)
    return made


def test_tab_counts_come_from_one_query_of_the_counters(mixed, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = tab_counts()
    assert {key: count.value for key, count in counts.items()} == {
        "needs_review": 4, "pending": 2, "flagged": 2, "reported": 1, "approved": 4,
        "hidden": 1, "all": 7}


@pytest.mark.parametrize("tab, names", [
    ("needs_review", ["pending", "reported", "flagged", "auto_flagged"]),
    ("pending", ["pending", "auto_flagged"]),
    ("flagged", ["flagged", "auto_flagged"]),
    ("reported", ["reported"]),
    ("approved", ["approved", "reported", "flagged", "resolved"]),
    ("hidden", ["hidden"]),
    ("all", ["pending", "approved", "hidden", "reported", "flagged", "auto_flagged", "resolved"]),
])
def test_each_tab_lists_its_comments_oldest_first_and_shows_its_count(
    moderator_client, mixed, tab, names
):
    response = moderator_client.get(QUEUE_URL, {"tab": tab})
    assert card_ids(response) == [mixed[name].pk for name in names]
    assert tab_count(response, tab) == len(names)


def test_needs_review_is_the_default_tab(moderator_client, mixed):
    response = moderator_client.get(QUEUE_URL)
    assert 'aria-current="page" data-tab="needs_review"' in response.content.decode()
    assert len(card_ids(response)) == 4


def test_newest_first_reverses_the_order(moderator_client, mixed):
    oldest = card_ids(moderator_client.get(QUEUE_URL, {"tab": "all", "sort": "oldest"}))
    newest = card_ids(moderator_client.get(QUEUE_URL, {"tab": "all", "sort": "newest"}))
    assert newest == oldest[::-1]
    assert set(SORTS) >= {"oldest", "newest"}


def test_filter_by_article_narrows_the_cards_and_the_counts(moderator_client, mixed):
    other = make_article(title="Another story")
    elsewhere = make_comment(other, status=Status.PENDING)
    response = moderator_client.get(QUEUE_URL, {"article": other.pk})
    assert card_ids(response) == [elsewhere.pk]
    assert tab_count(response, "all") == 1
    assert tab_count(moderator_client.get(QUEUE_URL), "all") == 8


def test_filter_by_reason_matches_open_flags_and_hide_reasons(moderator_client, mixed, moderator):
    spam = card_ids(moderator_client.get(QUEUE_URL, {"tab": "all", "reason": "spam"}))
    assert spam == [mixed["reported"].pk, mixed["auto_flagged"].pk]
    # A resolved flag no longer counts; a hide's reason does.
    assert card_ids(moderator_client.get(QUEUE_URL, {"tab": "all", "reason": "off_topic"})) == []
    services.hide(comment=mixed["pending"], actor=moderator, reason=Reason.OFF_TOPIC)
    hidden = card_ids(moderator_client.get(QUEUE_URL, {"tab": "hidden", "reason": "off_topic"}))
    assert hidden == [mixed["pending"].pk]


def test_filter_by_author_matches_name_or_email(moderator_client, article):
    by_name = make_comment(article, author_name="Greta Gadfly", status=Status.PENDING)
    by_email = make_comment(article, author_email="gadfly@example.org", status=Status.PENDING)
    make_comment(article, author_name="Someone else", status=Status.PENDING)
    assert card_ids(moderator_client.get(QUEUE_URL, {"author": "gadfly"})) == [
        by_name.pk, by_email.pk
    ]


def test_filter_by_text_searches_bodies_case_insensitively(moderator_client, article):
    hit = make_comment(article, body="Kazakhstan joins the Accords", status=Status.PENDING)
    make_comment(article, body="Nothing to see", status=Status.PENDING)
    response = moderator_client.get(QUEUE_URL, {"q": "KAZAKHSTAN"})
    assert card_ids(response) == [hit.pk]
    assert tab_count(response, "needs_review") == 1


@pytest.mark.parametrize("params", [
    {"tab": "nonsense"}, {"article": "abc"}, {"article": "999999"}, {"reason": "rude"},
    {"sort": "random"}, {"page": "abc"}, {"page": "99"}, {"page": "-1"},
    {"author": "x" * 500},
])
def test_bad_filter_values_are_ignored_with_a_notice_never_a_500(moderator_client, mixed, params):
    response = moderator_client.get(QUEUE_URL, params)
    assert response.status_code == 200
    assert card_ids(response)  # falls back to a working queue
    if set(params) - {"page"}:
        assert "The filter was ignored." in response.content.decode()


def test_pages_hold_25_cards_and_links_keep_the_filters(moderator_client, article):
    start = timezone.now() - timedelta(days=1)
    for i in range(PER_PAGE + 5):
        make_comment(article, status=Status.PENDING, body=f"needle {i}",
                     created=start + timedelta(minutes=i))
    first = moderator_client.get(QUEUE_URL, {"q": "needle", "sort": "newest"})
    assert len(card_ids(first)) == PER_PAGE
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?q=needle&amp;sort=newest&amp;page=2"' in html
    second = moderator_client.get(QUEUE_URL, {"q": "needle", "sort": "newest", "page": 2})
    assert len(card_ids(second)) == 5
    assert not set(card_ids(first)) & set(card_ids(second))
    # Tabs switch queue but keep the filters and go back to page 1.
    assert 'href="?q=needle&amp;sort=newest&amp;tab=pending"' in second.content.decode()


def test_a_card_shows_article_author_time_parent_body_status_flags_and_buttons(
    moderator_client, article, moderator
):
    parent = make_comment(article, author_name="Adam", body="I knew a couple, elderly <b>then</b>",
                          status=Status.APPROVED)
    reply = make_comment(article, parent=parent, author_name="Reader A",
                         body="@Adam <script>alert(1)</script>\nsee https://example.org/x",
                         status=Status.PENDING)
    services.flag(comment=reply, actor=moderator, reason=Reason.PERSONAL_ATTACK,
                  note="calls Adam names")
    response = moderator_client.get(QUEUE_URL)
    html = response.content.decode()
    card = html[html.index(f'<article id="comment-{reply.pk}"'):]
    card = card[: card.index("</article>")]
    assert f'href="{article.get_absolute_url()}"' in card and article.title in card
    assert "Reader A" in card and "<time datetime=" in card
    assert "In reply to" in card and "Adam" in card
    assert "I knew a couple, elderly &lt;b&gt;then&lt;/b&gt;" in card  # excerpt is text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card and "<script>" not in card
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">' in card
    assert ">Pending<" in card
    assert "Personal attack" in card and "Moderator mona" in card
    assert "calls Adam names" in card
    assert f'action="{reverse("moderation:approve", args=[reply.pk])}"' in card
    assert f'action="{reverse("moderation:hide", args=[reply.pk])}"' in card
    assert f'action="{reverse("moderation:flag", args=[reply.pk])}"' in card
    assert card.count('name="expected_status" value="pending"') == 3
    assert 'name="next" value="/moderation/"' in card
    assert f'value="{reply.pk}:pending"' in card  # the bulk checkbox


def test_cards_read_open_flags_only_for_the_comments_that_have_some(moderator_client, mixed):
    with CaptureQueriesContext(connection) as queries:
        response = moderator_client.get(QUEUE_URL, {"tab": "approved"})
    html = response.content.decode()
    assert "slur in line 2" in html and "Spam" in html  # the moderator's and the reader's flag
    flag_reads = [q["sql"] for q in queries if '"moderation_flag"."comment_id" IN' in q["sql"]]
    assert len(flag_reads) == 1
    asked = {int(pk) for pk in re.findall(r"\d+", flag_reads[0].split(" IN (")[-1])}
    assert asked == {mixed["reported"].pk, mixed["flagged"].pk}  # not approved, not resolved

    with CaptureQueriesContext(connection) as queries:
        moderator_client.get(QUEUE_URL, {"tab": "hidden"})
    assert not [q for q in queries if 'FROM "moderation_flag"' in q["sql"]]


def build_queue(article, moderator, size: int) -> None:
    """`size` pending comments, every fifth a reply; the oldest and the newest have flags
    and decisions, so every page shape is the same at any size."""
    start = timezone.now() - timedelta(days=30)
    comments = []
    for i in range(size):
        parent = comments[-1] if i % 5 and comments else None
        comments.append(Comment(article=article, parent=parent, author_name=f"R{i}",
                                body=f"Comment {i} https://example.org/{i}",
                                status=Status.PENDING, created=start + timedelta(seconds=i)))
    Comment.objects.bulk_create_threaded(comments)
    mine = Comment.objects.filter(article=article)
    for end in (mine.order_by("created")[:10], mine.order_by("-created")[:10]):
        end = list(end)
        for i, comment in enumerate(end[:4]):
            services.flag(comment=comment, actor=moderator, reason=Reason.ABUSIVE, note=f"n{i}")
            services.flag(comment=comment, actor=None, reason=Reason.SPAM,
                          source=Source.READER, reporter_key=f"k{i}")
        services.approve(comment=end[5], actor=moderator)
        services.hide(comment=end[6], actor=moderator, reason=Reason.SPAM)


@pytest.mark.parametrize("params", [
    {},
    {"tab": "reported"},
    {"tab": "all", "sort": "newest"},
    {"tab": "all", "reason": "spam", "q": "comment", "author": "R1"},
])
def test_the_queue_costs_the_same_queries_with_20_and_2000_comments(
    moderator_client, article, moderator, django_assert_max_num_queries, params
):
    build_queue(article, moderator, 20)
    cache.clear()  # the article menu read each time, as a cold cache does
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as small:
        response = moderator_client.get(QUEUE_URL, params)
    assert card_ids(response)

    more = make_article()
    build_queue(more, moderator, 1980)
    assert Comment.objects.count() == 2000
    cache.clear()
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as large:
        response = moderator_client.get(QUEUE_URL, params)
    assert card_ids(response)
    assert len(small) == len(large)


@pytest.mark.postgres
def test_on_postgresql_the_text_filter_is_a_full_text_search(moderator_client, article):
    plural = make_comment(article, body="The councils voted late", status=Status.PENDING)
    phrase = make_comment(article, body="A budget vote tonight", status=Status.PENDING)
    make_comment(article, body="Counsel for the defence", status=Status.PENDING)
    assert card_ids(moderator_client.get(QUEUE_URL, {"q": "council"})) == [plural.pk]
    assert card_ids(moderator_client.get(QUEUE_URL, {"q": '"budget vote"'})) == [phrase.pk]
    assert card_ids(moderator_client.get(QUEUE_URL, {"q": "vote -budget"})) == [plural.pk]
    # Beyond the words: what the search matches is the stored document of the body.
    assert Comment.objects.search("voting").count() == 2


@pytest.mark.parametrize("sort", list(SORTS))
def test_one_storys_queue_pages_in_each_sort_order_as_the_whole_queue_does(
        moderator_client, article, sort):
    # By article, priority is sorted rather than read in index order (and oldest or newest
    # from the article's own index): the order must be the same.
    other = make_article()
    start = timezone.now() - timedelta(days=2)
    for n in range(2 * PER_PAGE + 5):
        for where in (article, other):
            make_comment(where, status=Status.PENDING, priority=(n * 7) % 5,
                         created=start + timedelta(minutes=n))
    mine = Comment.objects.filter(article=article).order_by(
        *[key.replace("pk", "id") for key in SORTS[sort].order_by])
    expected = list(mine.values_list("pk", flat=True))
    shown = []
    for page in (1, 2, 3):
        shown += card_ids(moderator_client.get(
            QUEUE_URL, {"tab": "all", "article": article.pk, "sort": sort, "page": page}))
    assert shown == expected


@pytest.mark.postgres
@pytest.mark.parametrize("where", ["spread", "newest only", "oldest only"])
@pytest.mark.parametrize("sort", list(SORTS))
def test_a_long_filtered_list_pages_as_the_plain_order_does_wherever_its_matches_are(
        moderator_client, article, monkeypatch, where, sort):
    """Over the count's limit, a list is looked for in a window of the queue's first
    comments and, when the window does not hold the page, gathered and sorted: either way
    the cards are the plain order's. A breaking story's word is found only in the newest
    comments, which is what the window must not miss."""
    monkeypatch.setattr("moderation.queues.FILTERED_COUNT_LIMIT", 3 * PER_PAGE)
    monkeypatch.setattr("moderation.paging.WINDOW", 2 * PER_PAGE)
    start = timezone.now() - timedelta(days=2)
    total = 8 * PER_PAGE
    for n in range(total):
        rank = n * 37 % total  # the time order is not the id order
        matches = {"spread": rank % 2 == 0, "newest only": rank >= total - 90,
                   "oldest only": rank < 90}[where]
        make_comment(article, status=Status.PENDING, priority=(n * 7) % 5,
                     body="the ferry timetable" if matches else "the bridge vote",
                     created=start + timedelta(minutes=rank))
    plain = Comment.objects.search("ferry").order_by(
        *[key.replace("pk", "id") for key in SORTS[sort].order_by])
    expected = list(plain.values_list("pk", flat=True))
    assert len(expected) > 3 * PER_PAGE
    shown = []
    for page in (1, 2, 3):
        response = moderator_client.get(QUEUE_URL, {"tab": "all", "q": "ferry", "sort": sort,
                                                    "page": page})
        assert ">75+<" in response.content.decode()  # the count stopped at its limit
        shown += card_ids(response)
    assert shown == expected[:3 * PER_PAGE]
    # A page that is no page shows the last, as the paginator reads it, with its cards.
    for page in ("0", "-1", "99"):
        response = moderator_client.get(QUEUE_URL, {"tab": "all", "q": "ferry", "sort": sort,
                                                    "page": page})
        assert card_ids(response) == expected[2 * PER_PAGE:3 * PER_PAGE], page
