"""Rescored, the triage withdraws the automatic flags it no longer finds: a word taken off
a list, spam found where off-topic was. A moderator's or a reader's flag stays."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, QueueCount, Reason, Word, WordList
from moderation.screening import score_comments
from moderation.services.decisions import Flagging, flag_all
from tests.factories import make_article, make_comment

Status = Comment.Status
Action = ModerationEvent.Action
BODY = "Their whole plan is a moonshot, nothing more."


@pytest.fixture
def suspect_word(db):
    word_list = WordList.objects.create(name="Local threats", kind=WordList.Kind.SUSPECT,
                                        reason=Reason.PERSONAL_ATTACK)
    return Word.objects.create(word_list=word_list, text="moonshot")


def flagged_count(article) -> int:
    row = QueueCount.objects.filter(article=article, queue="flagged").first()
    return row.count if row else 0


def open_automatic(comment) -> list[str]:
    return sorted(comment.flags.open().filter(source=Flag.Source.AUTOMATIC)
                  .values_list("reason", flat=True))


def rescored(comment) -> Comment:
    score_comments([comment], rescore=True)
    comment.refresh_from_db()
    return comment


def with_findings(comment, *reasons) -> Comment:
    """`comment` as the triage would leave it had it found `reasons`."""
    comment.triage = {"priority": 0.5, "findings": [
        {"reason": reason, "note": f"{reason} found", "holds": False} for reason in reasons]}
    comment.save(update_fields=["triage"])
    return Comment.objects.filter(pk=comment.pk).for_triage().get()


def test_a_word_taken_off_its_list_has_its_flag_withdrawn_at_the_next_rescore(
        triage_on, suspect_word):
    article = make_article()
    comment = make_comment(article, body=BODY, status=Status.PENDING)
    assert Reason.PERSONAL_ATTACK in open_automatic(rescored(comment))
    assert flagged_count(article) == 1

    suspect_word.delete()
    comment = rescored(comment)

    assert Reason.PERSONAL_ATTACK not in open_automatic(comment)
    assert comment.status == Status.PENDING
    # Whatever else the model found (the sentence has little of the article in it) keeps
    # its flag; the counters and the stored facts follow the flags left open.
    assert comment.flagged == bool(open_automatic(comment))
    assert flagged_count(article) == int(comment.flagged)
    withdrawn = comment.events.get(action=Action.WITHDRAWN)
    assert (withdrawn.actor_label, withdrawn.reason) == ("automatic", Reason.PERSONAL_ATTACK)
    assert withdrawn.resolved_flags.get().reason == Reason.PERSONAL_ATTACK


def test_spam_found_where_off_topic_was_leaves_one_reason(db):
    comment = make_comment(make_article(), status=Status.PENDING)
    services.act_on_findings([with_findings(comment, Reason.OFF_TOPIC)])

    services.act_on_findings([with_findings(comment, Reason.SPAM)])

    assert open_automatic(comment) == [Reason.SPAM]


def test_a_moderators_flag_of_the_same_reason_stays(db, moderator):
    comment = make_comment(make_article(), status=Status.PENDING)
    services.flag(comment=comment, actor=moderator, reason=Reason.OFF_TOPIC, note="")
    services.act_on_findings([with_findings(comment, Reason.OFF_TOPIC)])

    services.act_on_findings([with_findings(comment)])

    assert comment.flags.open().get().source == Flag.Source.MODERATOR
    comment.refresh_from_db()
    assert comment.flagged


def test_a_withdrawn_reason_is_raised_again_when_it_is_found_again(db):
    comment = make_comment(make_article(), status=Status.PENDING)
    services.act_on_findings([with_findings(comment, Reason.SPAM)])
    services.act_on_findings([with_findings(comment)])

    services.act_on_findings([with_findings(comment, Reason.SPAM)])

    assert open_automatic(comment) == [Reason.SPAM]


def test_a_reason_a_moderator_dismissed_is_not_raised_again(db, moderator):
    comment = make_comment(make_article(), status=Status.PENDING)
    flag_all([Flagging(comment, Reason.SPAM, "spam found")], actor=None,
             source=Flag.Source.AUTOMATIC, actor_label="automatic")
    comment.refresh_from_db()
    services.approve(comment=comment, actor=moderator)
    services.hold(comment=comment, reason=Reason.OTHER, note="back to pending")

    services.act_on_findings([with_findings(comment, Reason.SPAM)])

    assert open_automatic(comment) == []


def test_the_log_and_the_context_page_say_the_flag_was_withdrawn(
        triage_on, suspect_word, moderator_client):
    comment = rescored(make_comment(make_article(), body=BODY, status=Status.PENDING))
    suspect_word.delete()
    rescored(comment)

    log = moderator_client.get(reverse("moderation:log")).content.decode()
    page = moderator_client.get(reverse("moderation:comment", args=[comment.pk])).content.decode()

    assert "Flag withdrawn" in log
    assert "no longer found when rescored (suspect word: moonshot)" in log
    assert "withdrawn automatically, no longer found" in page


def test_the_command_counts_what_it_withdrew(triage_on, suspect_word):
    article = make_article()
    rescored(make_comment(article, body=BODY, status=Status.PENDING))
    suspect_word.delete()
    out = StringIO()

    call_command("triage_comments", "--article", article.slug, "--all", stdout=out,
                 stderr=StringIO())

    assert "withdrew 1 no longer found" in out.getvalue()


def test_the_command_refuses_an_empty_article_slug(db):
    with pytest.raises(CommandError, match="No article with the slug ''"):
        call_command("triage_comments", "--article", "", "--all", stdout=StringIO(),
                     stderr=StringIO())


def test_a_comment_that_waited_for_its_scores_is_published_without_its_withdrawn_flag(
        db, triage_on):
    """On a post-moderated article a reader's comment waits for its scores: held for spam,
    then rescored clean, it is published and its spam flag withdrawn, not left open."""
    comment = services.post_comment(article=make_article(comment_policy="post"),
                                    author_name="Reader", body="Buy cheap watches here")
    services.act_on_findings([with_findings(comment, Reason.SPAM)])
    comment.refresh_from_db()
    assert comment.status == Status.PENDING and open_automatic(comment) == [Reason.SPAM]

    services.act_on_findings([with_findings(comment)])

    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert open_automatic(comment) == [] and not comment.flagged
