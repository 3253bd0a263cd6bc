import pytest
from django.db import IntegrityError

from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, Reason
from tests.factories import make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action


@pytest.fixture
def pending(article):
    return make_comment(article, status=Status.PENDING)


def test_approve_publishes_and_writes_one_audit_row(pending, moderator):
    event = services.approve(comment=pending, actor=moderator, expected_status=Status.PENDING)
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert list(ModerationEvent.objects.values_list("action", "status_before", "status_after")) == [
        (Action.APPROVED, Status.PENDING, Status.APPROVED)
    ]
    assert event.actor == moderator


def test_approving_an_approved_comment_changes_nothing_and_logs_nothing(article, moderator):
    comment = make_comment(article, status=Status.APPROVED)
    assert services.approve(comment=comment, actor=moderator) is None
    assert not ModerationEvent.objects.exists()


def test_hide_needs_a_reason(pending, moderator):
    with pytest.raises(services.ModerationError, match="why"):
        services.hide(comment=pending, actor=moderator, reason="")
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert not ModerationEvent.objects.exists()


def test_hide_keeps_the_comment_and_records_reason_and_note(pending, moderator):
    services.hide(comment=pending, actor=moderator, reason=Reason.OFF_TOPIC, note="Hungary")
    pending.refresh_from_db()
    assert pending.status == Status.HIDDEN
    event = ModerationEvent.objects.get()
    assert (event.reason, event.note) == (Reason.OFF_TOPIC, "Hungary")


def test_flag_leaves_the_status_and_opens_a_flag(pending, moderator):
    flag = services.flag(comment=pending, actor=moderator, reason=Reason.ABUSIVE, note="slur")
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert flag.is_open and flag.source == Flag.Source.MODERATOR
    assert ModerationEvent.objects.get().action == Action.FLAGGED


def test_approving_resolves_open_flags(article, moderator):
    comment = make_comment(article, status=Status.APPROVED)
    services.flag(comment=comment, actor=None, reason=Reason.SPAM, source=Flag.Source.READER,
                  reporter_key="session-1", actor_label="reader")
    event = services.approve(comment=comment, actor=moderator)
    assert event is not None, "keeping a reported comment is a decision, not a no-op"
    flag = Flag.objects.get()
    assert flag.resolved_by == moderator and flag.resolved_event == event


def test_a_reader_reports_a_comment_once(article):
    comment = make_comment(article)
    services.flag(comment=comment, actor=None, reason=Reason.SPAM, source=Flag.Source.READER,
                  reporter_key="session-1")
    with pytest.raises(services.AlreadyReported, match="already reported"):
        services.flag(comment=comment, actor=None, reason=Reason.ABUSIVE,
                      source=Flag.Source.READER, reporter_key="session-1")
    assert Flag.objects.count() == 1


def test_a_report_that_meets_the_same_readers_report_at_the_same_moment_is_already_reported(
        article, monkeypatch):
    def unique_constraint_failed(**kwargs):
        raise IntegrityError("moderation_flag_one_report_per_reader")

    monkeypatch.setattr("moderation.services.posting.flag", unique_constraint_failed)
    with pytest.raises(services.AlreadyReported, match="already reported"):
        services.report(comment=make_comment(article), reason=Reason.SPAM, reporter_key="r")


def test_a_stale_form_is_refused_and_names_who_acted(pending, moderator, admin_user):
    services.approve(comment=pending, actor=admin_user, expected_status=Status.PENDING)
    with pytest.raises(services.Conflict, match="already approved by ada"):
        services.hide(comment=pending, actor=moderator, reason=Reason.SPAM,
                      expected_status=Status.PENDING)
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert ModerationEvent.objects.count() == 1


def test_undo_restores_the_status_before_the_last_decision(pending, moderator):
    services.approve(comment=pending, actor=moderator)
    services.hide(comment=pending, actor=moderator, reason=Reason.ABUSIVE)
    undo_event = services.undo(comment=pending, actor=moderator)
    pending.refresh_from_db()
    assert pending.status == Status.APPROVED
    assert undo_event.action == Action.UNDONE
    assert undo_event.undoes.action == Action.HIDDEN
    services.undo(comment=pending, actor=moderator)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    with pytest.raises(services.ModerationError, match="no decision to undo"):
        services.undo(comment=pending, actor=moderator)


def test_undo_refuses_to_take_back_an_automatic_flag(pending, moderator):
    services.approve(comment=pending, actor=moderator)
    services.flag(comment=pending, actor=None, reason=Reason.SPAM, actor_label="automatic",
                  source=Flag.Source.AUTOMATIC, note="reads like spam")
    with pytest.raises(services.ModerationError, match="not by a moderator"):
        services.undo(comment=pending, actor=moderator)
    pending.refresh_from_db()
    assert pending.flags.open().count() == 1
    assert not ModerationEvent.objects.filter(action=Action.UNDONE).exists()


def test_undo_reopens_the_flags_a_decision_resolved(article, moderator):
    comment = make_comment(article, status=Status.APPROVED)
    services.flag(comment=comment, actor=moderator, reason=Reason.ABUSIVE)
    services.hide(comment=comment, actor=moderator, reason=Reason.ABUSIVE)
    assert not Flag.objects.open().exists()
    services.undo(comment=comment, actor=moderator)
    assert Flag.objects.open().count() == 1


def test_undoing_a_flag_resolves_it(pending, moderator):
    services.flag(comment=pending, actor=moderator, reason=Reason.OFF_TOPIC)
    services.undo(comment=pending, actor=moderator)
    assert not Flag.objects.open().exists()
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_undo_refuses_when_a_newer_decision_was_made(pending, moderator, admin_user):
    first = services.approve(comment=pending, actor=moderator)
    services.hide(comment=pending, actor=admin_user, reason=Reason.SPAM)
    with pytest.raises(services.Conflict, match="hidden by ada"):
        services.undo(comment=pending, actor=moderator, expected_event_id=first.pk)


def test_bulk_approve_goes_through_approve_and_reports_each(article, moderator):
    comments = [make_comment(article, status=Status.PENDING) for _ in range(3)]
    comments.append(make_comment(article, status=Status.APPROVED))
    result = services.bulk_approve(comments=comments, actor=moderator)
    assert len(result.changed) == 3 and len(result.unchanged) == 1
    assert ModerationEvent.objects.filter(action=Action.APPROVED).count() == 3


@pytest.mark.parametrize("replies", [0, 112])
def test_approve_and_hide_cost_a_fixed_number_of_queries(
    article, moderator, django_assert_max_num_queries, replies
):
    comment = make_comment(article, status=Status.PENDING)
    parent = comment
    for _ in range(replies):
        parent = make_comment(article, parent=parent if parent.depth < 10 else comment)
    with django_assert_max_num_queries(10):
        services.approve(comment=comment, actor=moderator, expected_status=Status.PENDING)
    with django_assert_max_num_queries(10):
        services.hide(comment=comment, actor=moderator, reason=Reason.SPAM)


def test_post_comment_on_a_pre_moderated_article_is_pending_and_logged(article):
    comment = services.post_comment(article=article, author_name="Rita", body="Hello")
    assert comment.status == Status.PENDING
    assert ModerationEvent.objects.get().action == Action.POSTED


def test_post_comment_on_a_closed_article_is_refused(article):
    article.comment_policy = "closed"
    article.save()
    with pytest.raises(services.ModerationError, match="closed"):
        services.post_comment(article=article, author_name="Rita", body="Hello")
    assert not Comment.objects.exists()
