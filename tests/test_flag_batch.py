"""One way to raise a flag: flag() is flag_all() of one, and the triage raises a batch's
flags through flag_all() (services/decisions.py, services/findings.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, QueueCount
from moderation.services.decisions import Flagging, flag_all
from tests.factories import make_article, make_comment
from tests.test_queue_counts import counted, facts_match_the_flags, real

pytestmark = pytest.mark.django_db

Status = Comment.Status
Source = Flag.Source
FINDINGS = [{"reason": "off_topic", "note": "little in common", "holds": False},
            {"reason": "spam", "note": "reads like spam", "holds": False}]


def written(comment):
    """What raising flags left on a comment, without ids, times or the article: its facts,
    its audit rows and flags, and its article's counters."""
    comment = Comment.objects.get(pk=comment.pk)
    events = list(ModerationEvent.objects.filter(comment=comment).order_by("pk").values_list(
        "action", "actor", "actor_label", "status_before", "status_after", "reason", "note"))
    flags = [(f.reason, f.source, f.note, f.created_by_id, f.reporter_key, f.resolved_at,
              f.created_at == f.event.created_at, f.event.reason)
             for f in Flag.objects.filter(comment=comment).select_related("event").order_by("pk")]
    counters = dict(QueueCount.objects.filter(article_id=comment.article_id)
                    .values_list("queue", "count"))
    return ((comment.status, comment.flagged, comment.reported, comment.open_flag_reasons),
            events, flags, counters)


def one_comment_each(status=Status.PENDING):
    return [make_comment(make_article(), status=status) for _ in range(2)]


@pytest.mark.parametrize("status", [Status.PENDING, Status.APPROVED])
def test_flag_and_flag_all_of_the_same_flags_write_the_same_rows_and_counters(
    status, moderator
):
    one, other = one_comment_each(status)

    for reason, note in (("spam", "links"), ("other", "odd")):
        services.flag(comment=one, actor=moderator, reason=reason, note=note,
                      expected_status=status)
    done = flag_all([Flagging(other, "spam", "links"), Flagging(other, "other", "odd")],
                    actor=moderator, expected_statuses={other.pk: status})

    assert done.refused == [] and len(done.flags) == 2
    assert written(one) == written(other)
    assert (other.flagged, other.open_flag_reasons) == (True, one.open_flag_reasons)
    assert counted() == real() and facts_match_the_flags()


def test_the_triages_batch_and_flag_one_by_one_write_the_same_rows_and_counters():
    one, other = one_comment_each()
    Comment.objects.filter(pk=other.pk).update(triage={"findings": FINDINGS})

    for finding in FINDINGS:
        services.flag(comment=one, actor=None, reason=finding["reason"], note=finding["note"],
                      source=Source.AUTOMATIC, actor_label="automatic",
                      expected_status=Status.PENDING)
    acted = services.act_on_findings(list(Comment.objects.filter(pk=other.pk).for_triage()))

    assert (acted.flagged, acted.skipped) == (2, [])
    assert written(one) == written(other)
    assert counted() == real() and facts_match_the_flags()


def test_a_readers_report_through_either_path_counts_once_on_the_writers_record(article):
    comment = services.post_comment(article=make_article(comment_policy="post"),
                                    author_name="Tess", author_email="t@example.org",
                                    body="Hello.")
    services.report(comment=comment, reason="spam", reporter_key="reader-1")
    flag_all([Flagging(comment, "abusive")], actor=None, source=Source.READER,
             actor_label="reader", reporter_key="reader-2")

    comment.commenter.refresh_from_db()
    assert comment.commenter.reported_count == 2
    assert list(ModerationEvent.objects.filter(action="reported").order_by("pk").values_list(
        "reason", flat=True)) == ["spam", "abusive"]
    with pytest.raises(services.ModerationError, match="already reported"):
        services.report(comment=comment, reason="spam", reporter_key="reader-2")
    assert counted() == real() and facts_match_the_flags()


def test_flag_all_refuses_a_comment_changed_since_it_was_seen_and_raises_the_others(
    moderator
):
    changed, unchanged = one_comment_each()
    services.approve(comment=changed, actor=moderator)

    done = flag_all([Flagging(changed, "spam"), Flagging(changed, "abusive"),
                     Flagging(unchanged, "spam")],
                    actor=moderator, expected_statuses={changed.pk: Status.PENDING,
                                                        unchanged.pk: Status.PENDING})

    [(comment, error)] = done.refused
    assert comment is changed and isinstance(error, services.Conflict)
    assert str(error) == f"Comment #{changed.pk} was already approved by mona."
    assert [f.comment_id for f in done.flags] == [unchanged.pk]
    assert not Flag.objects.filter(comment=changed).exists()
    with pytest.raises(services.Conflict, match="already approved by mona"):
        services.flag(comment=changed, actor=moderator, reason="spam",
                      expected_status=Status.PENDING)
    assert counted() == real()


def test_a_bad_reason_refuses_the_whole_batch_before_anything_is_written(moderator):
    one, other = one_comment_each()
    with pytest.raises(services.ModerationError, match="“other”"):
        flag_all([Flagging(one, "spam"), Flagging(other, "other")], actor=moderator)
    assert not Flag.objects.exists() and not ModerationEvent.objects.exists()


def test_flag_all_costs_the_same_queries_for_one_flag_and_for_forty(moderator):
    article = make_article()
    costs = []
    for size in (1, 40):
        comments = [make_comment(article, status=Status.PENDING) for _ in range(size)]
        with CaptureQueriesContext(connection) as queries:
            flag_all([Flagging(c, "spam") for c in comments], actor=moderator)
        costs.append(len(queries))
    single = make_comment(article, status=Status.PENDING)
    with CaptureQueriesContext(connection) as queries:
        services.flag(comment=single, actor=moderator, reason="spam")
    assert costs[0] == costs[1] == len(queries) <= 9
