"""Scoring comments: stored signals, automatic flags and holds through the services,
rescoring, posting, the background thread and the triage_comments command."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, Reason
from moderation.screening import score_comments
from moderation.triage import scoring
from moderation.triage.scoring import Finding, Thresholds
from tests.factories import make_article, make_comment

Status = Comment.Status
Action = ModerationEvent.Action

ARTICLE = (
    "Kazakhstan joins the Abraham Accords\n"
    "Kazakhstan has joined the Abraham Accords, the normalisation agreements between Israel "
    "and Arab and Muslim-majority countries, Trump announced after a call with Netanyahu and "
    "President Tokayev.\n"
    "Israel and Kazakhstan have had full diplomatic relations since 1992."
)
ON_TOPIC = ("Kazakhstan already had full relations with Israel, so joining the Abraham "
            "Accords is mostly a symbolic step, but a welcome one for regional peace.")
OFF_TOPIC = ("My sourdough starter finally rose this weekend after I moved the jar next to "
             "the radiator and fed it rye flour twice a day.")
ABUSIVE = ("Anyone who thinks Kazakhstan joining the Abraham Accords matters is a fucking "
           "idiot and a worthless piece of shit.")
LINKS = ("Cheap flights https://example.com/a https://example.com/b https://example.com/c "
         "about the Abraham Accords")


@pytest.fixture
def news(db):
    return make_article(title="Kazakhstan joins the Abraham Accords", slug="accords",
                        body=ARTICLE, comment_policy="pre")


@pytest.fixture
def open_news(db):
    return make_article(title="Kazakhstan joins the Abraham Accords", slug="accords-open",
                        body=ARTICLE, comment_policy="post")


def automatic_flags(comment):
    return list(comment.flags.filter(source=Flag.Source.AUTOMATIC).order_by("reason"))


LIMITS = Thresholds(abuse=0.5, off_topic=0.6, spam=0.8, hold=0.9, max_links=2,
                    topic_model="tfidf", threads=1)


def priority(flags=(), **scores):
    """The priority of a comment with these scores, flagged for `flags` (reason, score)."""
    signals = {"abuse": 0.0, "spam": 0.0, "off_topic": 0.0, "noise": False, **scores}
    findings = [Finding(reason, "", score) for reason, score in flags]
    return scoring._priority(signals, [], findings, LIMITS)


def test_every_flag_outranks_every_score_that_raised_none():
    weakest_flag = priority([(Reason.OFF_TOPIC, 0.6)], off_topic=0.6)
    near_misses = [priority(abuse=0.49999), priority(spam=0.79), priority(off_topic=0.59),
                   priority(abuse=0.49, spam=0.79, off_topic=0.59)]
    assert max(near_misses) < weakest_flag == 0.42
    assert priority([(Reason.ABUSIVE, 0.97)], abuse=0.97) == 0.97


def test_scores_that_raised_no_flag_rank_by_how_near_they_came_to_one():
    assert priority(abuse=0.1) < priority(abuse=0.3) < priority(abuse=0.49)
    # 0.45 is nine tenths of the way to the abuse threshold, 0.5 not two thirds to spam's.
    assert priority(spam=0.5) < priority(abuse=0.45)


def test_a_writers_record_of_hides_ranks_an_unflagged_comment_with_the_nearest_misses():
    recorded = priority(hidden_record=True)
    assert priority(abuse=0.4) < recorded < priority(abuse=0.49999)
    assert recorded < priority([(Reason.OFF_TOPIC, 0.6)], off_topic=0.6)
    assert priority([(Reason.ABUSIVE, 0.97)], abuse=0.97, hidden_record=True) == 0.97


def test_noise_ranks_below_every_flag_and_the_nearest_misses():
    noise = priority([(Reason.NOISE, 0.3)], noise=True)
    assert noise < priority([(Reason.OFF_TOPIC, 0.6)], off_topic=0.6)
    assert priority(abuse=0.1) < noise < priority(abuse=0.45)


def test_scoring_stores_every_signal_and_a_priority(news, triage_on):
    comment = make_comment(news, body=ON_TOPIC, status=Status.PENDING)
    outcome = score_comments([comment])
    comment.refresh_from_db()
    assert outcome.scored == 1
    assert comment.triaged_at is not None
    signals = comment.triage
    for key in ("abuse", "off_topic", "spam", "links", "shouting", "words", "findings"):
        assert key in signals
    assert signals["topic_model"] == "minilm"
    assert signals["similarity"]["article"] > 0.35
    assert signals["off_topic"] == 0.0 and signals["findings"] == []
    assert comment.priority == signals["priority"] < 0.3
    assert automatic_flags(comment) == []


def test_an_abusive_comment_gets_an_automatic_flag_with_its_score(news, triage_on):
    comment = make_comment(news, body=ABUSIVE, status=Status.PENDING)
    score_comments([comment])
    comment.refresh_from_db()
    [flag] = automatic_flags(comment)
    assert flag.reason == Reason.ABUSIVE and flag.is_open
    assert re.fullmatch(r"abuse (0\.9\d|1\.00)", flag.note)
    # The flag's audit row is what the moderation log lists.
    assert flag.event.action == Action.FLAGGED
    assert (flag.event.actor_id, flag.event.actor_label) == (None, "automatic")
    assert flag.event.note == flag.note
    assert comment.priority >= 0.9
    # Pre-moderated: it stays pending, nothing is published or hidden automatically.
    assert comment.status == Status.PENDING
    assert not comment.events.filter(action=Action.HELD).exists()


def test_an_off_topic_comment_is_flagged_with_the_score_its_card_shows(news, triage_on):
    comment = make_comment(news, body=OFF_TOPIC, status=Status.PENDING)
    score_comments([comment])
    [flag] = automatic_flags(comment)
    comment.refresh_from_db()
    assert flag.reason == Reason.OFF_TOPIC
    assert flag.note == (f"little in common with the article "
                         f"(off-topic {comment.triage['off_topic']:.2f})")


def test_a_reply_close_to_its_on_topic_parent_is_on_topic(news, triage_on):
    parent = make_comment(news, body=OFF_TOPIC.replace("sourdough", "Kazakh bread"),
                          status=Status.APPROVED)
    parent = make_comment(news, body=ON_TOPIC, status=Status.APPROVED)
    reply = make_comment(news, parent=parent, status=Status.PENDING,
                         body="Symbolic, yes, but symbols matter: relations since 1992 are "
                              "now part of a bigger peace framework.")
    score_comments([parent, reply])
    reply.refresh_from_db()
    assert reply.triage["off_topic"] < 0.6
    assert automatic_flags(reply) == []


def test_more_links_than_allowed_is_flagged_as_spam(news, triage_on):
    comment = make_comment(news, body=LINKS, status=Status.PENDING)
    score_comments([comment])
    [flag] = [f for f in automatic_flags(comment) if f.reason == Reason.SPAM]
    # The content spam model reads "Cheap flights" and three links as spam too: one flag.
    assert "3 links" in flag.note.split("; ")


def test_the_link_limit_comes_from_settings(news, triage_on):
    triage_on.TRIAGE_MAX_LINKS = 5
    comment = make_comment(news, body=LINKS, status=Status.PENDING)
    score_comments([comment])
    # The link count no longer flags it (the content model may still, by its words).
    assert not [f for f in comment.flags.filter(reason=Reason.SPAM) if "links" in f.note]


def test_a_copy_of_another_comment_is_flagged_as_spam(news, triage_on):
    first = make_comment(news, body="Visit my page for the real story about the accords!!",
                         status=Status.PENDING)
    second = make_comment(news, body=first.body, status=Status.PENDING)
    score_comments([first, second])
    # ("Visit my page" is a way back to the writer, so the content may read as spam too.)
    assert second.flags.get(reason=Reason.SPAM).note.startswith(
        f"same text as comment #{first.pk}")
    assert first.flags.get(reason=Reason.SPAM).note.startswith(
        f"same text as comment #{second.pk}")


def test_html_comments_are_scored_on_their_text(news, triage_on):
    comment = make_comment(news, body_format="html", status=Status.PENDING,
                           body="<p>You are a <b>fucking</b> idiot &amp; a worthless "
                                "piece of <i>shit</i>.</p>")
    score_comments([comment])
    comment.refresh_from_db()
    assert comment.triage["abuse"] > 0.9


def test_rescoring_raises_no_second_flag_for_the_same_reason(news, triage_on):
    comment = make_comment(news, body=ABUSIVE, status=Status.PENDING)
    score_comments([comment])
    score_comments([comment])
    assert len(automatic_flags(comment)) == 1
    assert comment.events.filter(action=Action.FLAGGED).count() == 1


def test_a_moderators_decision_resolves_the_automatic_flag_and_sticks(news, moderator,
                                                                     triage_on):
    comment = make_comment(news, body=ABUSIVE, status=Status.PENDING)
    score_comments([comment])
    event = services.approve(comment=comment, actor=moderator, expected_status=Status.PENDING)
    [flag] = automatic_flags(comment)
    assert flag.resolved_event == event and flag.resolved_by == moderator
    score_comments([comment])
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert not comment.flags.open().exists()
    assert comment.events.count() == 2  # the automatic flag, the approval; nothing since


def test_comments_approved_or_hidden_by_a_moderator_get_scores_but_no_flags(news, moderator,
                                                                           triage_on):
    approved = make_comment(news, body=ABUSIVE, status=Status.PENDING)
    services.approve(comment=approved, actor=moderator)
    hidden = make_comment(news, body=ABUSIVE, status=Status.PENDING)
    services.hide(comment=hidden, actor=moderator, reason=Reason.ABUSIVE)
    score_comments([approved, hidden])
    for comment in (approved, hidden):
        comment.refresh_from_db()
        assert comment.triage["abuse"] > 0.9
        assert automatic_flags(comment) == []


def test_a_post_moderated_comment_over_the_hold_threshold_is_held(open_news, triage_on):
    comment = make_comment(open_news, body=ABUSIVE, status=Status.APPROVED)
    outcome = score_comments([comment])
    comment.refresh_from_db()
    assert (outcome.flagged, outcome.held) == (1, 1)
    assert comment.status == Status.PENDING
    held = comment.events.get(action=Action.HELD)
    assert (held.status_before, held.status_after) == (Status.APPROVED, Status.PENDING)
    assert held.reason == Reason.ABUSIVE and re.fullmatch(r"abuse (0\.9\d|1\.00)", held.note)
    assert held.actor is None and held.actor_label == "automatic"
    assert comment in Comment.objects.needs_review()
    assert comment not in Comment.objects.visible()


def test_a_post_moderated_comment_under_the_hold_threshold_stays_published(open_news,
                                                                          triage_on):
    comment = make_comment(open_news, body=OFF_TOPIC, status=Status.APPROVED)
    score_comments([comment])
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    assert [f.reason for f in automatic_flags(comment)] == [Reason.OFF_TOPIC]
    assert comment in Comment.objects.needs_review()


def test_a_held_comment_is_not_held_again_after_a_moderator_approves_it(open_news, moderator,
                                                                      triage_on):
    comment = make_comment(open_news, body=ABUSIVE, status=Status.APPROVED)
    score_comments([comment])
    services.approve(comment=comment, actor=moderator, expected_status=Status.PENDING)
    outcome = score_comments([comment])
    comment.refresh_from_db()
    assert outcome.held == 0 and comment.status == Status.APPROVED


def test_hold_leaves_a_comment_that_is_not_published_alone(news):
    comment = make_comment(news, body="x", status=Status.PENDING)
    assert services.hold(comment=comment, reason=Reason.SPAM, note="3 links") is None
    assert not comment.events.exists()


def test_hold_refuses_an_unknown_reason(open_news):
    comment = make_comment(open_news, body="x", status=Status.APPROVED)
    with pytest.raises(services.ModerationError):
        services.hold(comment=comment, reason="bad", note="")
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED and not comment.events.exists()


def test_posting_scores_the_comment_after_commit(news, triage_on,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.post_comment(article=news, author_name="Rita", body=ABUSIVE)
    comment.refresh_from_db()
    assert comment.triaged_at is not None
    assert [f.reason for f in automatic_flags(comment)] == [Reason.ABUSIVE]
    assert list(comment.events.values_list("action", flat=True).order_by("id")) == [
        Action.POSTED, Action.FLAGGED]


def test_posting_scores_nothing_when_triage_is_off(news, settings,
                                                   django_capture_on_commit_callbacks):
    settings.TRIAGE_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.post_comment(article=news, author_name="Rita", body=ABUSIVE)
    comment.refresh_from_db()
    assert comment.triaged_at is None and not comment.flags.exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_scores_a_posted_comment_once_it_is_committed(triage_on):
    article = make_article(body=ARTICLE, comment_policy="post")
    comment = services.post_comment(article=article, author_name="Rita", body=ABUSIVE)
    comment.refresh_from_db()
    assert comment.triaged_at is not None
    assert comment.status == Status.PENDING  # kept from readers: its scores raised a flag
    assert list(comment.events.values_list("action", "actor_label").order_by("id")) == [
        (Action.POSTED, "reader"), (Action.FLAGGED, "automatic"), (Action.HELD, "automatic")]


def test_the_command_scores_comments_never_scored(news, triage_on):
    scored = make_comment(news, body=ON_TOPIC, status=Status.PENDING)
    score_comments([scored])
    scored.refresh_from_db()
    first_time = scored.triaged_at
    fresh = make_comment(news, body=ABUSIVE, status=Status.PENDING)
    out = StringIO()
    call_command("triage_comments", stdout=out, stderr=StringIO())
    fresh.refresh_from_db()
    scored.refresh_from_db()
    assert fresh.triaged_at is not None and scored.triaged_at == first_time
    assert ("Scored 1 comment(s); raised 1 automatic flag(s); withdrew 0 no longer found; "
            "held 0.") in out.getvalue()


def test_the_command_rescores_everything_with_all_and_one_article_with_article(news,
                                                                            triage_on):
    other = make_article(slug="other", body=ARTICLE)
    here = make_comment(news, body=ON_TOPIC, status=Status.PENDING)
    there = make_comment(other, body=ON_TOPIC, status=Status.PENDING)
    score_comments([here, there])
    out = StringIO()
    call_command("triage_comments", "--all", "--article", "accords", stdout=out,
                 stderr=StringIO())
    assert "Scored 1 comment(s)" in out.getvalue()
    call_command("triage_comments", "--all", stdout=out, stderr=StringIO())
    assert "Scored 2 comment(s)" in out.getvalue()


def test_the_command_refuses_an_unknown_article(news):
    with pytest.raises(CommandError, match="No article with the slug 'nope'"):
        call_command("triage_comments", "--article", "nope", stdout=StringIO(),
                     stderr=StringIO())


def test_the_tfidf_model_serves_when_chosen(news, triage_on):
    triage_on.TRIAGE_OFFTOPIC_MODEL = "tfidf"
    on = make_comment(news, body=ON_TOPIC, status=Status.PENDING)
    off = make_comment(news, body=OFF_TOPIC, status=Status.PENDING)
    score_comments([on, off])
    on.refresh_from_db()
    off.refresh_from_db()
    assert on.triage["topic_model"] == off.triage["topic_model"] == "tfidf"
    assert off.triage["off_topic"] > on.triage["off_topic"]
    assert [f.reason for f in automatic_flags(off)] == [Reason.OFF_TOPIC]


def test_a_place_named_once_is_listed_once(news, triage_on):
    comment = make_comment(news, status=Status.PENDING,
                           body="More sheeple believing the hype about Kazakhstan.")
    score_comments([comment])
    comment.refresh_from_db()
    assert comment.triage["names"].count("kazakhstan") == 1
