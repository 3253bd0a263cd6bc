"""Featured comments: the services, their audit rows and undo, the moderator's endpoints,
and what readers see."""

import pytest
from django.test import Client
from django.urls import reverse

from moderation import services
from moderation.models import Comment, ModerationEvent
from tests.factories import make_article, make_comment

pytestmark = pytest.mark.django_db

Status = Comment.Status
Action = ModerationEvent.Action


def reader_page(article, **params) -> str:
    response = Client().get(reverse("article_detail", args=[article.slug]), params)
    assert response.status_code == 200
    return response.content.decode()


def featured_section(html: str) -> str:
    start = html.find('class="featured-comments')
    if start == -1:
        return ""
    return html[start:html.index("</section>", start)]


# The services


def test_it_features_an_approved_comment_with_an_audit_row(article, moderator):
    comment = make_comment(article, body="A fine point.")
    event = services.feature(comment=comment, actor=moderator, note="a fine point")
    comment.refresh_from_db()
    assert comment.featured_at is not None
    assert comment.status == Status.APPROVED
    assert (event.action, event.actor, event.status_before, event.status_after, event.note) == (
        Action.FEATURED, moderator, Status.APPROVED, Status.APPROVED, "a fine point")


def test_featuring_twice_changes_nothing_and_logs_nothing(article, moderator):
    comment = make_comment(article)
    services.feature(comment=comment, actor=moderator)
    featured_at = Comment.objects.get(pk=comment.pk).featured_at
    assert services.feature(comment=comment, actor=moderator) is None
    assert Comment.objects.get(pk=comment.pk).featured_at == featured_at
    assert comment.events.filter(action=Action.FEATURED).count() == 1


@pytest.mark.parametrize("status", [Status.PENDING, Status.HIDDEN])
def test_it_refuses_to_feature_a_comment_readers_do_not_see(article, moderator, status):
    comment = make_comment(article, status=status)
    with pytest.raises(services.ModerationError, match="Only a published comment"):
        services.feature(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert comment.featured_at is None
    assert not comment.events.filter(action=Action.FEATURED).exists()


def test_it_unfeatures_with_an_audit_row_that_keeps_when_it_was_featured(article, moderator):
    comment = make_comment(article)
    services.feature(comment=comment, actor=moderator)
    featured_at = Comment.objects.get(pk=comment.pk).featured_at
    event = services.unfeature(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert comment.featured_at is None
    assert (event.action, event.featured_before) == (Action.UNFEATURED, featured_at)
    assert services.unfeature(comment=comment, actor=moderator) is None


def test_undo_takes_a_feature_back(article, moderator):
    comment = make_comment(article)
    services.feature(comment=comment, actor=moderator)
    event = services.undo(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert comment.featured_at is None
    assert comment.status == Status.APPROVED
    assert event.action == Action.UNDONE
    assert event.undoes.action == Action.FEATURED


def test_undo_of_an_unfeature_features_the_comment_again_as_it_was(article, moderator):
    comment = make_comment(article)
    services.feature(comment=comment, actor=moderator)
    featured_at = Comment.objects.get(pk=comment.pk).featured_at
    services.unfeature(comment=comment, actor=moderator)
    services.undo(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert comment.featured_at == featured_at


def test_hiding_a_featured_comment_unfeatures_it_and_undo_restores_both(article, moderator):
    comment = make_comment(article)
    services.feature(comment=comment, actor=moderator)
    featured_at = Comment.objects.get(pk=comment.pk).featured_at
    hidden = services.hide(comment=comment, actor=moderator, reason="abusive")
    comment.refresh_from_db()
    assert (comment.status, comment.featured_at) == (Status.HIDDEN, None)
    assert hidden.featured_before == featured_at
    services.undo(comment=comment, actor=moderator)
    comment.refresh_from_db()
    assert (comment.status, comment.featured_at) == (Status.APPROVED, featured_at)


def test_a_hold_unfeatures_too(article, moderator):
    comment = make_comment(article)
    services.feature(comment=comment, actor=moderator)
    services.hold(comment=comment, reason="abusive")
    comment.refresh_from_db()
    assert (comment.status, comment.featured_at) == (Status.PENDING, None)


# The moderator's endpoints


def test_a_moderator_features_a_comment_from_the_queue_card_with_htmx(
    moderator_client, article
):
    comment = make_comment(article, body="Worth a feature.")
    response = moderator_client.post(reverse("moderation:feature", args=[comment.pk]),
                                     {"next": "/moderation/?tab=approved"},
                                     headers={"HX-Request": "true"})
    assert response.status_code == 200
    comment.refresh_from_db()
    assert comment.featured_at is not None
    html = response.content.decode()
    assert f"Featured {comment.author_name}" in html  # the status line
    assert reverse("moderation:unfeature", args=[comment.pk]) in html
    assert ModerationEvent.objects.filter(comment=comment, action=Action.FEATURED).count() == 1


def test_without_javascript_feature_and_unfeature_post_and_come_back(moderator_client, article):
    comment = make_comment(article)
    response = moderator_client.post(reverse("moderation:feature", args=[comment.pk]),
                                     {"next": "/moderation/?tab=approved"})
    assert response.status_code == 302
    assert response["Location"] == "/moderation/?tab=approved"
    response = moderator_client.post(reverse("moderation:unfeature", args=[comment.pk]),
                                     {"next": "/moderation/?tab=approved"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.featured_at is None


def test_the_queue_card_offers_feature_on_approved_comments_only(moderator_client, article):
    approved = make_comment(article)
    pending = make_comment(article, status=Status.PENDING)
    html = moderator_client.get("/moderation/?tab=all").content.decode()
    assert reverse("moderation:feature", args=[approved.pk]) in html
    assert reverse("moderation:feature", args=[pending.pk]) not in html
    assert "data-mod-feature" in html


def test_featuring_a_pending_comment_is_refused_and_changes_nothing(moderator_client, article):
    comment = make_comment(article, status=Status.PENDING)
    response = moderator_client.post(reverse("moderation:feature", args=[comment.pk]),
                                     headers={"HX-Request": "true"})
    assert response.status_code == 422
    comment.refresh_from_db()
    assert comment.featured_at is None


def test_featuring_needs_the_permission_and_a_post(client, outsider, article):
    comment = make_comment(article)
    url = reverse("moderation:feature", args=[comment.pk])
    client.force_login(outsider)
    assert client.post(url).status_code in (302, 403)
    comment.refresh_from_db()
    assert comment.featured_at is None


def test_featuring_needs_post(moderator_client, article):
    comment = make_comment(article)
    assert moderator_client.get(reverse("moderation:feature", args=[comment.pk])).status_code \
        == 405


def test_featuring_is_behind_csrf(moderator, article):
    comment = make_comment(article)
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert client.post(reverse("moderation:feature", args=[comment.pk])).status_code == 403
    comment.refresh_from_db()
    assert comment.featured_at is None


def test_undo_from_the_card_takes_the_feature_back(moderator_client, article):
    comment = make_comment(article)
    moderator_client.post(reverse("moderation:feature", args=[comment.pk]))
    event = ModerationEvent.objects.get(comment=comment, action=Action.FEATURED)
    response = moderator_client.post(reverse("moderation:undo", args=[comment.pk]),
                                     {"expected_event_id": event.pk})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.featured_at is None


# What readers see


def test_readers_see_a_featured_section_at_the_top_and_a_badge_in_place(moderator, article):
    make_comment(article, body="An ordinary comment.")
    comment = make_comment(article, body="The best comment.")
    assert featured_section(reader_page(article)) == ""
    services.feature(comment=comment, actor=moderator)
    html = reader_page(article)
    section = featured_section(html)
    assert "The best comment." in section
    assert "An ordinary comment." not in section
    assert html.index("featured-comments") < html.index('class="thread')
    in_place = html[html.index(f'id="c{comment.pk}"'):]
    assert "featured-badge" in in_place[: in_place.index("</li>")]


def test_hide_takes_a_comment_out_of_featured_and_undo_brings_it_back(moderator, article):
    comment = make_comment(article, body="The best comment.")
    services.feature(comment=comment, actor=moderator)
    services.hide(comment=comment, actor=moderator, reason="abusive")
    assert "The best comment." not in reader_page(article)
    services.undo(comment=comment, actor=moderator)
    assert "The best comment." in featured_section(reader_page(article))


def test_featured_first_sorts_featured_top_level_comments_first(moderator):
    article = make_article()
    first = make_comment(article, body="First in time.")
    second = make_comment(article, body="Second in time.")
    services.feature(comment=second, actor=moderator)
    html = reader_page(article, sort="featured")
    thread = html[html.index('class="thread'):]
    assert thread.index(f'id="c{second.pk}"') < thread.index(f'id="c{first.pk}"')
    html = reader_page(article)
    thread = html[html.index('class="thread'):]
    assert thread.index(f'id="c{first.pk}"') < thread.index(f'id="c{second.pk}"')
