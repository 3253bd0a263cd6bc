"""Importing a newer export of the same site: what is added, applied, and never overridden."""

import pytest
from django.core.cache import cache

from articles import freshness, importers
from articles.models import Article
from moderation import services
from moderation.models import Comment, Flag, ModerationEvent, path_segment

pytestmark = pytest.mark.django_db


def run(path, *, dry=False):
    with open(path, "rb") as fileobj:
        plan = importers.read_plan(fileobj, filename=path.name)
    return importers.preview(plan) if dry else importers.apply(plan)


@pytest.fixture
def first_export(wxr_file):
    return wxr_file([{"post_id": 1, "title": "Original title", "comments": [
        {"id": 1, "approved": "1", "date": "2024-05-01 10:00:00"},
        {"id": 2, "approved": "0", "date": "2024-05-01 10:01:00"},
        {"id": 3, "approved": "0", "date": "2024-05-01 10:02:00"},
    ]}])


def test_a_later_export_adds_only_the_new_comments_under_their_imported_parents(
    first_export, wxr_file
):
    run(first_export)
    later = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "1", "date": "2024-05-01 10:00:00"},
        {"id": 2, "approved": "0", "date": "2024-05-01 10:01:00"},
        {"id": 3, "approved": "0", "date": "2024-05-01 10:02:00"},
        {"id": 4, "approved": "1", "parent": 1, "date": "2024-05-02 09:00:00"},
        {"id": 5, "approved": "1", "parent": 4, "date": "2024-05-02 09:05:00"},
    ]}])

    summary = run(later)

    assert (summary.totals["update"], summary.totals["comments_created"],
            summary.totals["comments_unchanged"]) == (1, 2, 3)
    one = Comment.objects.get(import_key="1")
    four = Comment.objects.get(import_key="4")
    five = Comment.objects.get(import_key="5")
    # Numbered after what the article already had.
    assert (four.parent, four.seq, four.path) == (one, 4, one.path + path_segment(4))
    assert five.parent == four and five.depth == 2
    assert Article.objects.get().comment_seq == 5
    assert ModerationEvent.objects.filter(action="imported").count() == 5


def test_a_later_export_makes_the_reader_page_of_the_article_it_adds_to_stale(
    first_export, wxr_file
):
    run(first_export)
    key = freshness.version_key(Article.objects.get().pk)
    cache.set(key, 1)  # a reader's page was cached under this version
    run(wxr_file([{"post_id": 1, "comments": [
        {"id": 4, "approved": "1", "date": "2024-05-02 09:00:00"}]}]))
    assert cache.get(key) > 1


def test_a_new_article_has_no_reader_page_to_make_stale(first_export):
    # Its first reader sets its version (freshness.ensure_version()).
    run(first_export)
    assert cache.get(freshness.version_key(Article.objects.get().pk)) is None


def test_a_status_changed_in_the_source_is_applied_when_nobody_decided_here(
    first_export, wxr_file
):
    run(first_export)
    later = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "1"}, {"id": 2, "approved": "1"}, {"id": 3, "approved": "spam"},
    ]}])

    preview = run(later, dry=True)
    summary = run(later)

    assert preview.totals == summary.totals
    assert summary.totals["comments_updated"] == 2
    two = Comment.objects.get(import_key="2")
    assert two.status == "approved"
    event = two.events.first()
    assert (event.action, event.actor, event.actor_label, event.status_before,
            event.status_after, event.note) == (
        "imported", None, "import: wxr", "pending", "approved", "status changed in the source")
    three = Comment.objects.get(import_key="3")
    assert three.status == "hidden"
    flag = Flag.objects.get(comment=three)
    assert flag.reason == "spam" and flag.resolved_event == three.events.first()


def test_a_moderators_decision_here_is_never_overridden(first_export, wxr_file, moderator):
    run(first_export)
    two = Comment.objects.get(import_key="2")
    three = Comment.objects.get(import_key="3")
    services.hide(comment=two, actor=moderator, reason="abusive")
    services.flag(comment=three, actor=moderator, reason="off_topic")
    later = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "1"}, {"id": 2, "approved": "1"}, {"id": 3, "approved": "1"},
    ]}])
    events = ModerationEvent.objects.count()

    preview = run(later, dry=True)
    summary = run(later)

    assert preview.totals["comments_kept"] == summary.totals["comments_kept"] == 2
    assert summary.totals["comments_updated"] == 0
    assert Comment.objects.get(import_key="2").status == "hidden"
    assert Comment.objects.get(import_key="3").status == "pending"
    assert ModerationEvent.objects.count() == events
    [warning] = summary.articles[0].warnings
    assert warning.startswith("Status changed in the file but a moderator decided here; kept: "
                              "comment 2 (hidden here, approved in the file)")


def test_an_undone_decision_still_counts_as_decided_here(first_export, wxr_file, moderator):
    run(first_export)
    two = Comment.objects.get(import_key="2")
    services.approve(comment=two, actor=moderator)
    services.undo(comment=two, actor=moderator)
    summary = run(wxr_file([{"post_id": 1, "comments": [{"id": 2, "approved": "1"}]}]))
    assert summary.totals["comments_kept"] == 1
    assert Comment.objects.get(import_key="2").status == "pending"


def test_a_readers_report_is_not_a_decision(first_export, wxr_file, reader):
    run(first_export)
    one = Comment.objects.get(import_key="1")
    services.flag(comment=one, actor=reader, reason="spam", source=Flag.Source.READER,
                  reporter_key="r1")
    run(wxr_file([{"post_id": 1, "comments": [{"id": 1, "approved": "0"}]}]))
    assert Comment.objects.get(import_key="1").status == "pending"
    # The reader's report stays open for a moderator.
    assert Flag.objects.get(source="reader").is_open


def test_articles_already_here_are_not_changed_and_missing_comments_stay(
    first_export, wxr_file
):
    run(first_export)
    article = Article.objects.get()
    article.title = "Edited here"
    article.save()
    later = wxr_file([{"post_id": 1, "title": "Retitled in WordPress", "content": "<p>New</p>",
                       "comments": [{"id": 1, "approved": "1"}]}])
    summary = run(later)
    article.refresh_from_db()
    assert article.title == "Edited here"
    assert summary.articles[0].action == "unchanged"
    assert Comment.objects.count() == 3


def test_import_status_change_refuses_after_a_moderator_decided(first_export, moderator):
    run(first_export)
    two = Comment.objects.get(import_key="2")
    services.approve(comment=two, actor=moderator)
    with pytest.raises(services.Conflict, match="approved by mona here"):
        services.import_status_change(comment=two, status="hidden", source_label="wxr")
    assert Comment.objects.get(pk=two.pk).status == "approved"


def test_record_import_writes_one_event_per_comment_and_flags_spam(article):
    comments = Comment.objects.bulk_create_threaded([
        Comment(article=article, author_name="a", body="x", status="approved"),
        Comment(article=article, author_name="b", body="y", status="hidden"),
        Comment(article=article, author_name="c", body="z", status="hidden"),
    ])
    written = services.record_import(
        comments=comments, source_label="disqus",
        reasons={comments[1].pk: "spam"},
        notes={comments[1].pk: "marked spam", comments[2].pk: "deleted in Disqus"},
    )
    assert written == 3
    events = {e.comment_id: e for e in ModerationEvent.objects.all()}
    assert {(e.action, e.actor_label, e.status_before) for e in events.values()} == {
        ("imported", "import: disqus", "")}
    assert events[comments[2].pk].note == "deleted in Disqus"
    flag = Flag.objects.get()
    assert (flag.comment_id, flag.source, flag.note) == (comments[1].pk, "automatic",
                                                        "marked spam")
    assert flag.event == flag.resolved_event == events[comments[1].pk]
