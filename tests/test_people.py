"""Commenters as people: who wrote what, their record, and ban, suspend, pre-moderate,
trust, note and undo, each with its audit row (services/people.py, services/commenters.py).
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from moderation import services, wording
from moderation.models import Comment, Commenter, CommenterEvent, ModerationEvent
from tests.factories import make_article

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = CommenterEvent.Action


def guest_post(article, name="Tess", email="tess@example.org", body="Hello.", **kwargs):
    return services.post_comment(article=article, author_name=name, author_email=email,
                                 body=body, **kwargs)


@pytest.fixture
def post_article(db):
    return make_article(comment_policy="post")


@pytest.fixture
def tess(article):
    guest_post(article)
    return Commenter.objects.get()


def test_a_guests_comment_with_an_email_has_a_commenter_and_one_without_has_none(article):
    with_email = guest_post(article, email="  Tess@Example.ORG ")
    without = guest_post(article, name="Anon", email="", body="No email.")
    assert with_email.commenter.email_key == "tess@example.org"
    assert without.commenter is None
    record = Commenter.objects.get()
    assert (record.pending_count, record.first_seen) == (1, with_email.created)


def test_a_guest_who_changes_their_name_but_keeps_the_email_is_still_banned(
    article, tess, moderator
):
    services.ban_commenter(commenter=tess, actor=moderator, reason="Spamming links")
    with pytest.raises(services.ModerationError, match="banned you \\(Spamming links\\)"):
        guest_post(article, name="Totally New Person", email="TESS@example.org ",
                   body="It's me again.")
    assert Comment.objects.count() == 1
    assert Commenter.objects.get().display_name == "Tess"


def test_a_guest_giving_an_accounts_email_is_refused_and_the_account_left_as_it_was(
    article, django_user_model
):
    sam = django_user_model.objects.create_user("sam", "sam@example.org", "pw-123456789")
    services.link_verified_email(user=sam, email="sam@example.org")
    services.post_comment(article=article, author_name="Sam", body="Mine.", user=sam)
    name = Commenter.objects.get().display_name
    with pytest.raises(services.ModerationError, match="An account here uses this email"):
        guest_post(article, name="Not Sam", email=" SAM@example.org", body="Me too.")
    record = Commenter.objects.get()
    assert (record.display_name, record.user, record.pending_count) == (name, sam, 1)
    assert Comment.objects.count() == 1


def test_an_account_taking_in_a_guests_record_keeps_its_saved_queues_and_trust(
    article, tess, moderator, django_user_model
):
    services.trust_commenter(commenter=tess, actor=moderator)
    queue = services.save_queue(owner=moderator, name="Tess", filters={
        "tab": "all", "sort": "newest", "commenter": tess})
    user = django_user_model.objects.create_user("tess2", "t2@example.org", "pw-123456789")
    services.post_comment(article=article, author_name="Tess", body="Account.", user=user)
    own = Commenter.objects.get(user=user)
    services.link_verified_email(user=user, email="tess@example.org")
    assert Commenter.objects.get() == own
    queue.refresh_from_db()
    assert queue.commenter == own
    own.refresh_from_db()
    assert own.trust == Commenter.Trust.MANUAL and own.email_key == "tess@example.org"
    assert own.pending_count == 2


def test_an_account_that_changes_its_email_leaves_the_old_one_to_guests(
    article, django_user_model
):
    dan = django_user_model.objects.create_user("dan", "dan@example.org", "pw-123456789")
    services.link_verified_email(user=dan, email="dan@example.org")
    services.link_verified_email(user=dan, email="alice@example.org")
    assert Commenter.objects.get(user=dan).email_key == "alice@example.org"
    with pytest.raises(services.ModerationError, match="An account here uses this email"):
        guest_post(article, name="Guest", email="alice@example.org")
    guest = guest_post(article, name="Old Dan", email="dan@example.org").commenter
    assert guest.user is None and Commenter.objects.get(user=dan).display_name != "Old Dan"


def test_an_action_from_a_page_older_than_anothers_change_to_the_person_is_refused(
    tess, moderator, admin_user
):
    seen = tess.standing_key  # the page as mona opened it
    services.premoderate_commenter(commenter=tess, actor=admin_user)
    with pytest.raises(services.Conflict, match="was changed since your page showed them: "
                                                "the last change was pre-moderation by ada"):
        services.trust_commenter(commenter=tess, actor=moderator, expected_standing=seen)
    tess.refresh_from_db()
    assert tess.premoderated and not tess.is_trusted
    assert services.trust_commenter(commenter=tess, actor=moderator,
                                    expected_standing=tess.standing_key) is not None


def test_a_banned_commenter_is_refused_and_nothing_is_stored(article, tess, moderator):
    event = services.ban_commenter(commenter=tess, actor=moderator, reason="Abuse")
    before = (Comment.objects.count(), ModerationEvent.objects.count())
    with pytest.raises(services.ModerationError):
        guest_post(article, body="Let me back in.")
    assert (Comment.objects.count(), ModerationEvent.objects.count()) == before
    assert (event.action, event.actor, event.reason) == (Action.BANNED, moderator, "Abuse")
    assert CommenterEvent.objects.count() == 1


def test_a_suspension_refuses_posts_with_its_end_date_and_lifts_itself(
    article, tess, moderator
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.suspend_commenter(commenter=tess, actor=moderator, days=1, reason="Cool off")
        tess.refresh_from_db()
        end = wording.when(tess.suspended_until)
        with pytest.raises(services.ModerationError) as refusal:
            guest_post(article, body="Still angry.")
    assert f"You can comment again from {end}" in str(refusal.value)
    assert "Cool off" in str(refusal.value)
    with time_machine.travel(start + datetime.timedelta(days=1, minutes=1), tick=False):
        comment = guest_post(article, body="Calmer now.")
    assert comment.commenter == tess


def test_ban_with_hide_all_hides_every_published_and_pending_comment_in_one_undoable_action(
    article, post_article, moderator, django_capture_on_commit_callbacks
):
    guest_post(article, body="Pending one.")
    guest_post(post_article, body="Published one.")
    guest_post(post_article, body="Published two.")
    hidden_before = guest_post(post_article, body="Hidden already.")
    services.hide(comment=hidden_before, actor=moderator, reason="spam")
    tess = Commenter.objects.get()
    assert (tess.approved_count, tess.pending_count, tess.hidden_count) == (2, 1, 1)

    # The hiding is a task, queued once the ban commits (tests/test_ban_hiding.py).
    with django_capture_on_commit_callbacks(execute=True):
        ban = services.ban_commenter(commenter=tess, actor=moderator, reason="Troll",
                                     hide_all=True, hide_reason="abusive")

    assert set(Comment.objects.values_list("status", flat=True)) == {Status.HIDDEN}
    hides = list(ban.hides.all())
    assert len(hides) == 3
    assert {(h.action, h.actor, h.reason) for h in hides} == {
        (ModerationEvent.Action.HIDDEN, moderator, "abusive")}
    tess.refresh_from_db()
    assert (tess.approved_count, tess.pending_count, tess.hidden_count) == (0, 0, 4)
    assert tess.is_banned

    # The restoring is a task too, queued once the undo commits.
    with django_capture_on_commit_callbacks(execute=True):
        undone = services.undo_commenter_event(event=ban, actor=moderator)

    statuses = dict(Comment.objects.values_list("body", "status"))
    assert statuses == {"Pending one.": Status.PENDING, "Published one.": Status.APPROVED,
                        "Published two.": Status.APPROVED, "Hidden already.": Status.HIDDEN}
    tess.refresh_from_db()
    assert not tess.is_banned
    assert (tess.approved_count, tess.pending_count, tess.hidden_count) == (2, 1, 1)
    assert (undone.action, undone.undoes, undone.actor) == (Action.UNDONE, ban, moderator)
    assert ModerationEvent.objects.filter(action="undone", undoes__in=hides).count() == 3


ACTIONS = {
    "ban": (lambda c, m: services.ban_commenter(commenter=c, actor=m, reason="r"),
            lambda c: c.is_banned),
    "suspend": (lambda c, m: services.suspend_commenter(commenter=c, actor=m, days=3,
                                                        reason="r"),
                lambda c: c.suspended_now),
    "premoderate": (lambda c, m: services.premoderate_commenter(commenter=c, actor=m),
                    lambda c: c.premoderated),
    "trust": (lambda c, m: services.trust_commenter(commenter=c, actor=m),
              lambda c: c.is_trusted),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_writes_one_audit_row_and_its_undo_puts_the_person_back(
    tess, moderator, name
):
    act, in_force = ACTIONS[name]
    event = act(tess, moderator)
    tess.refresh_from_db()
    assert in_force(tess)
    assert list(CommenterEvent.objects.values_list("action", "actor")) == [
        (event.action, moderator.pk)]

    services.undo_commenter_event(event=event, actor=moderator)

    tess.refresh_from_db()
    assert not in_force(tess)
    assert CommenterEvent.objects.count() == 2
    assert CommenterEvent.objects.get(undoes=event).actor == moderator
    # Doing it again is a no-op or a fresh action, never a second undo.
    with pytest.raises(services.Conflict):
        services.undo_commenter_event(event=event, actor=moderator)


def test_a_note_is_kept_and_its_undo_takes_it_off_the_person(tess, moderator):
    note = services.note_commenter(commenter=tess, actor=moderator, note="Known from x.")
    assert list(services.people.notes(tess)) == [note]
    services.undo_commenter_event(event=note, actor=moderator)
    assert list(services.people.notes(tess)) == []
    with pytest.raises(services.ModerationError, match="Write the note"):
        services.note_commenter(commenter=tess, actor=moderator, note="  ")


def test_undo_is_refused_when_the_person_was_changed_since(tess, moderator, admin_user):
    trusted = services.trust_commenter(commenter=tess, actor=moderator)
    services.premoderate_commenter(commenter=tess, actor=admin_user)
    with pytest.raises(services.Conflict, match="changed after that trust"):
        services.undo_commenter_event(event=trusted, actor=moderator)
    tess.refresh_from_db()
    assert tess.premoderated and not tess.is_trusted
    assert CommenterEvent.objects.count() == 2


def test_nothing_to_change_writes_nothing_and_bad_input_is_refused(tess, moderator):
    services.ban_commenter(commenter=tess, actor=moderator, reason="r")
    assert services.ban_commenter(commenter=tess, actor=moderator, reason="again") is None
    with pytest.raises(services.ModerationError, match="Say why"):
        services.suspend_commenter(commenter=tess, actor=moderator, days=2, reason=" ")
    with pytest.raises(services.ModerationError, match="1 to 365"):
        services.suspend_commenter(commenter=tess, actor=moderator, days=0, reason="r")
    with pytest.raises(services.ModerationError, match="banned"):
        services.trust_commenter(commenter=tess, actor=moderator)
    assert CommenterEvent.objects.count() == 1


def test_a_premoderated_commenters_comment_waits_even_on_a_post_moderated_article(
    post_article, tess, moderator
):
    services.premoderate_commenter(commenter=tess, actor=moderator)
    comment = guest_post(post_article, body="Held for review.")
    assert comment.status == Status.PENDING
    assert guest_post(post_article, name="Other", email="o@example.org").status == (
        Status.APPROVED)


def test_a_trusted_account_publishes_on_a_pre_moderated_article_when_triage_is_off(
    article, reader, moderator
):
    person = services.commenter_for_account(reader)
    services.trust_commenter(commenter=person, actor=moderator)
    comment = services.post_comment(article=article, author_name="Rita", body="Hi.",
                                    user=reader)
    assert comment.status == Status.APPROVED


def test_a_trusted_guest_email_alone_does_not_publish_unless_the_newsroom_says_so(
    article, tess, moderator, settings
):
    services.trust_commenter(commenter=tess, actor=moderator)
    assert guest_post(article, body="Anyone can type an email.").status == Status.PENDING
    settings.COMMENTERS_TRUST_GUESTS = True
    assert guest_post(article, body="Now they may.").status == Status.APPROVED


def test_a_trusted_accounts_comment_is_published_after_triage_unless_triage_flags_it(
    article, reader, moderator, triage_on, django_capture_on_commit_callbacks
):
    triage_on.TRIAGE_OFFTOPIC_MODEL = "tfidf"
    person = services.commenter_for_account(reader)
    services.trust_commenter(commenter=person, actor=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        clean = services.post_comment(
            article=article, user=reader, author_name="Rita",
            body="Kazakhstan joins the Abraham Accords: the article explains it well.")
    assert clean.status == Status.PENDING  # until triage has looked at it
    with django_capture_on_commit_callbacks(execute=True):
        spam = services.post_comment(
            article=article, user=reader, author_name="Rita",
            body="Buy now http://a.example http://b.example http://c.example http://d.example",
        )
    clean.refresh_from_db()
    spam.refresh_from_db()
    assert clean.status == Status.APPROVED
    published = clean.events.get(action=ModerationEvent.Action.PUBLISHED)
    assert (published.actor, published.actor_label) == (None, "automatic")
    assert spam.status == Status.PENDING
    assert spam.flags.open().exists()
    assert spam.events.filter(action=ModerationEvent.Action.HELD).exists()
    assert not spam.events.filter(action=ModerationEvent.Action.PUBLISHED).exists()


def test_automatic_trust_comes_after_n_approved_and_none_hidden_and_goes_on_a_hide(
    article, moderator, settings
):
    settings.COMMENTERS_AUTO_TRUST_AFTER = 3
    comments = [guest_post(article, body=f"Comment {n}.") for n in range(4)]
    for comment in comments[:2]:
        services.approve(comment=comment, actor=moderator)
    tess = Commenter.objects.get()
    assert not tess.is_trusted
    services.approve(comment=comments[2], actor=moderator)
    tess.refresh_from_db()
    assert tess.trust == Commenter.Trust.AUTOMATIC
    granted = CommenterEvent.objects.get()
    assert (granted.action, granted.actor, granted.actor_label) == (
        Action.TRUSTED, None, "automatic")

    services.hide(comment=comments[3], actor=moderator, reason="spam")
    tess.refresh_from_db()
    assert not tess.is_trusted
    lost = CommenterEvent.objects.get(undoes=granted)
    assert (lost.action, lost.actor_label) == (Action.UNDONE, "automatic")


def test_automatic_trust_goes_when_the_approvals_that_earned_it_are_undone(
    article, moderator, settings
):
    settings.COMMENTERS_AUTO_TRUST_AFTER = 3
    comments = [guest_post(article, body=f"Comment {n}.") for n in range(3)]
    result = services.bulk_approve(comments=comments, actor=moderator)
    tess = Commenter.objects.get()
    assert tess.trust == Commenter.Trust.AUTOMATIC
    services.bulk_undo(events=result.events, actor=moderator)
    tess.refresh_from_db()
    assert not tess.is_trusted and tess.approved_count == 0
    lost = CommenterEvent.objects.get(action=Action.UNDONE)
    assert lost.actor_label == "automatic" and "Approvals undone" in lost.reason


def test_automatic_trust_stays_while_enough_approvals_are_left(article, moderator, settings):
    settings.COMMENTERS_AUTO_TRUST_AFTER = 3
    comments = [guest_post(article, body=f"Comment {n}.") for n in range(4)]
    for comment in comments:
        services.approve(comment=comment, actor=moderator)
    services.undo(comment=comments[3], actor=moderator)
    assert Commenter.objects.get().trust == Commenter.Trust.AUTOMATIC


def test_the_record_follows_every_status_change_and_report(post_article, moderator):
    comment = guest_post(post_article)
    services.report(comment=comment, reason="spam", reporter_key="r1")
    hidden = services.hide(comment=comment, actor=moderator, reason="spam")
    tess = Commenter.objects.get()
    assert (tess.approved_count, tess.hidden_count, tess.reported_count) == (0, 1, 1)
    assert comment.created < tess.trouble_at <= hidden.created_at
    services.undo(comment=comment, actor=moderator)
    tess.refresh_from_db()
    assert (tess.approved_count, tess.hidden_count, tess.pending_count) == (1, 0, 0)
    counted = (tess.approved_count, tess.pending_count, tess.hidden_count, tess.reported_count)
    services.recount_commenters([tess.pk])
    tess.refresh_from_db()
    assert counted == (tess.approved_count, tess.pending_count, tess.hidden_count,
                       tess.reported_count)


def test_a_verified_email_ties_the_account_to_the_guests_record_and_its_ban(
    article, tess, moderator, django_user_model
):
    services.ban_commenter(commenter=tess, actor=moderator, reason="Abuse")
    user = django_user_model.objects.create_user("tess2", "tess@example.org", "pw-123456789")
    services.link_verified_email(user=user, email="Tess@example.org")
    with pytest.raises(services.ModerationError, match="banned"):
        services.post_comment(article=article, author_name="Tess", body="New account.",
                              user=user)
    assert Commenter.objects.get().user == user
