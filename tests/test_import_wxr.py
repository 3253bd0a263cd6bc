"""Importing WordPress exports (WXR): the corpus files and small hand-made ones.

Facts about the corpus files are computed from the files themselves with the standard
library's ElementTree, then checked against what the import wrote.
"""

import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import override_settings

from articles import importers
from articles.models import Article
from moderation.models import Comment, Flag, ModerationEvent

pytestmark = pytest.mark.django_db

WP12 = "https://wordpress.org/export/1.2/"


def run_import(path, *args):
    call_command("import_articles", str(path), *args, stdout=_Sink(), stderr=_Sink())


class _Sink:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def import_file(path, **options):
    with open(path, "rb") as fileobj:
        plan = importers.read_plan(fileobj, filename=path.name)
    return importers.apply(plan, **options)


def comments_in_file(path, namespace):
    """{(post id, comment id): (parent id or None, comment_approved)} of non-ping comments."""
    ns = {"wp": namespace}
    found = {}
    for item in ET.parse(path).getroot().iter("item"):  # noqa: S314 - our own corpus
        post_id = item.findtext("wp:post_id", namespaces=ns)
        for comment in item.findall("wp:comment", ns):
            if comment.findtext("wp:comment_type", "", ns) in ("pingback", "trackback"):
                continue
            parent = comment.findtext("wp:comment_parent", "0", ns)
            found[post_id, comment.findtext("wp:comment_id", namespaces=ns)] = (
                None if parent == "0" else parent,
                comment.findtext("wp:comment_approved", namespaces=ns),
            )
    return found


def test_import_articles_brings_in_every_comment_of_the_theme_unit_test_file_with_its_parent_and_status(  # noqa: E501
    corpus,
):
    path = corpus / "wxr" / "themeunittestdata.wordpress.xml"
    expected = comments_in_file(path, WP12)
    assert len(expected) == 29  # 33 comments, of which 4 pingbacks and trackbacks

    run_import(path)

    imported = {
        (c.article.import_id, c.import_key): (
            c.parent.import_key if c.parent else None, c.status
        )
        for c in Comment.objects.select_related("article", "parent")
    }
    status = {"1": "approved", "0": "pending"}
    assert imported == {key: (parent, status[approved])
                        for key, (parent, approved) in expected.items()}
    pending = sum(1 for _, approved in expected.values() if approved == "0")
    assert Comment.objects.filter(status="pending").count() == pending == 3
    assert Comment.objects.filter(status="approved").count() == 26
    # The ten-deep thread of "Template: Comments" is nested as in WordPress.
    assert Comment.objects.get(import_key="915").depth == 9
    # Every comment has its audit row, attributed to the import.
    events = ModerationEvent.objects.filter(action="imported")
    assert events.count() == 29
    assert set(events.values_list("actor", "actor_label", "status_before")) == {
        (None, "import: wxr", "")
    }
    assert not events.exclude(status_after__in=["approved", "pending"]).exists()


def test_importing_the_theme_unit_test_file_again_creates_nothing(corpus):
    path = corpus / "wxr" / "themeunittestdata.wordpress.xml"
    run_import(path)
    counts = (Article.objects.count(), Comment.objects.count(),
              ModerationEvent.objects.count(), Flag.objects.count())
    articles = list(Article.objects.values_list("pk", "slug", "updated_at"))

    out = _Sink()
    call_command("import_articles", str(path), stdout=out)

    assert (Article.objects.count(), Comment.objects.count(),
            ModerationEvent.objects.count(), Flag.objects.count()) == counts
    assert list(Article.objects.values_list("pk", "slug", "updated_at")) == articles
    assert "0 articles created, 0 updated, 77 unchanged; 0 comments created" in out.text


def test_only_published_posts_and_pages_become_articles(corpus):
    path = corpus / "wxr" / "themeunittestdata.wordpress.xml"
    summary = import_file(path)

    ns = {"wp": WP12}
    published = {
        item.findtext("wp:post_id", namespaces=ns)
        for item in ET.parse(path).getroot().iter("item")  # noqa: S314 - our corpus
        if item.findtext("wp:post_type", namespaces=ns) in ("post", "page")
        and item.findtext("wp:status", namespaces=ns) == "publish"
    }
    assert set(Article.objects.values_list("import_id", flat=True)) == published
    assert set(Article.objects.values_list("import_source", flat=True)) == {
        "wxr:wpthemetestdata.wordpress.com"
    }
    assert summary.skipped["draft posts and pages (not published)"] == 1
    assert summary.skipped["attachment items"] == 37
    assert summary.skipped["pingbacks and trackbacks"] == 4
    assert Article.objects.get(import_id="1173").title == "Markup: Title With Markup"
    page = Article.objects.get(slug="page-with-comments")
    assert page.outlet == "Theme Unit Test Data"
    assert page.source_url.startswith("https://wpthemetestdata.wordpress.com/")


def test_a_comment_id_used_in_two_posts_is_two_comments(corpus):
    path = corpus / "wxr" / "isso" / "isso-wordpress.xml"
    import_file(path)
    twins = Comment.objects.filter(import_key="11").select_related("article")
    assert twins.count() == 2
    assert len({c.article_id for c in twins}) == 2
    # Parents are looked up within each item: 7's parent is item 18's comment 6.
    seven = Comment.objects.get(import_key="7")
    assert seven.parent.import_key == "6" and seven.parent.article_id == seven.article_id


def test_missing_elements_are_tolerated_with_warnings(corpus):
    path = corpus / "wxr" / "wordpress-importer" / "a11y-unit-test-data.xml"
    summary = import_file(path)

    article = Article.objects.get(import_id="156")
    row = next(r for r in summary.articles if r.import_id == "156")
    # The comment without comment_approved waits for a moderator; without comment_parent
    # it is top-level.
    loose = Comment.objects.get(article=article, import_key="167")
    assert loose.status == "pending" and loose.parent is None
    assert any("without comment_approved" in w for w in row.warnings)
    assert any("without wp:post_type" in w for w in summary.warnings)
    event = ModerationEvent.objects.get(comment=loose)
    assert event.note == "no status in the WordPress export"


def test_statuses_map_to_ours_with_spam_flagged_and_pingbacks_left_out(wxr_file):
    path = wxr_file([{"post_id": 7, "comments": [
        {"id": 1, "approved": "1"},
        {"id": 2, "approved": "0"},
        {"id": 3, "approved": "spam"},
        {"id": 4, "approved": "trash"},
        {"id": 5, "approved": "post-trashed"},
        {"id": 6, "approved": "mystery"},
        {"id": 7, "approved": "1", "type": "pingback"},
        {"id": 8, "approved": "1", "type": "trackback"},
        {"id": 9, "approved": "1", "type": "order_note"},
    ]}])

    summary = import_file(path)

    status = dict(Comment.objects.values_list("import_key", "status"))
    assert status == {"1": "approved", "2": "pending", "3": "hidden", "4": "hidden",
                      "5": "hidden", "6": "pending"}
    flag = Flag.objects.get()
    assert flag.comment.import_key == "3"
    assert (flag.reason, flag.source, flag.note) == (
        "spam", "automatic", "marked spam in the WordPress export")
    # The source already decided: the flag is resolved by the import's own event.
    event = ModerationEvent.objects.get(comment=flag.comment)
    assert flag.event == event and flag.resolved_event == event and not flag.is_open
    assert (event.action, event.reason, event.status_after) == ("imported", "spam", "hidden")
    trash = ModerationEvent.objects.get(comment__import_key="4")
    assert (trash.reason, trash.note) == ("", "in the WordPress trash")
    assert summary.skipped == {"pingbacks and trackbacks": 2, "comments of type 'order_note'": 1}
    row = summary.articles[0]
    assert any("unknown status" in w and "'mystery'" in w for w in row.warnings)
    assert any("order_note" in w for w in row.warnings)


def test_drafts_and_private_posts_are_left_out_with_their_comments(wxr_file):
    path = wxr_file([
        {"post_id": 1, "status": "draft", "comments": [{"id": 1}]},
        {"post_id": 2, "status": "private", "comments": [{"id": 2}]},
        {"post_id": 3, "type": "attachment", "status": "inherit"},
        {"post_id": 4, "type": "page", "comments": [{"id": 3, "approved": "1"}]},
    ])
    summary = import_file(path)
    assert list(Article.objects.values_list("import_id", flat=True)) == ["4"]
    assert Comment.objects.get().import_key == "3"
    assert summary.skipped == {
        "draft posts and pages (not published)": 1,
        "private posts and pages (not published)": 1,
        "comments on skipped items": 2,
        "attachment items": 1,
    }


def test_both_namespaces_and_all_versions_are_read(wxr_file):
    for number, namespace in enumerate([
        "http://wordpress.org/export/1.0/", "https://wordpress.org/export/1.1/",
        "http://wordpress.org/export/1.2/",
    ]):
        path = wxr_file([{"post_id": number, "comments": [{"id": 1, "approved": "1"}]}],
                        namespace=namespace, site=f"https://site{number}.example.org")
        import_file(path)
    assert Article.objects.count() == 3
    assert Comment.objects.count() == 3


def test_the_same_site_over_http_and_https_is_one_source(wxr_file):
    import_file(wxr_file([{"post_id": 5}], site="http://blog.example.org"))
    summary = import_file(wxr_file([{"post_id": 5}], site="https://blog.example.org/"))
    assert Article.objects.count() == 1
    assert summary.count("unchanged") == 1


def test_post_html_becomes_paragraphs_and_comment_html_is_kept(wxr_file):
    post = ('<!-- wp:paragraph --><p>First &amp; <em>best</em>.</p><!-- /wp:paragraph -->'
            '<script>alert(1)</script>[caption id="x"]A photo[/caption]<p>Second.</p>')
    path = wxr_file([{"post_id": 1, "content": post, "comments": [
        {"id": 1, "approved": "1", "content": "Line one\nline two\n\n<b>New</b> paragraph"},
    ]}])
    import_file(path)
    article = Article.objects.get()
    assert article.paragraphs() == ["First & best.", "A photo", "Second."]
    assert article.byline == "Erin Editor"
    comment = Comment.objects.get()
    assert comment.body_format == "html"
    assert comment.body == "<p>Line one<br>\nline two</p>\n<p><b>New</b> paragraph</p>"


def test_a_password_protected_posts_text_is_not_imported(wxr_file):
    path = wxr_file([{"post_id": 1, "password": "enter", "content": "<p>Secret text</p>",
                      "comments": [{"id": 1, "approved": "1"}]}])
    summary = import_file(path)
    assert Article.objects.get().body == ""
    assert any("Password-protected" in w for w in summary.articles[0].warnings)


def test_closed_comments_close_the_article(wxr_file):
    import_file(wxr_file([{"post_id": 1, "comment_status": "closed"}]))
    assert Article.objects.get().comment_policy == "closed"


def test_a_slug_already_taken_gets_a_suffix(wxr_file, article):
    path = wxr_file([{"post_id": 1, "name": article.slug}, {"post_id": 2, "name": article.slug}])
    import_file(path)
    assert set(Article.objects.values_list("slug", flat=True)) == {
        "kazakhstan", "kazakhstan-2", "kazakhstan-3"}


def test_a_reply_whose_parent_is_missing_becomes_top_level_with_a_warning(wxr_file):
    path = wxr_file([{"post_id": 1, "comments": [
        {"id": 1, "approved": "1"},
        {"id": 2, "approved": "1", "parent": 99},
        {"id": 3, "approved": "1", "parent": 1},
    ]}])
    summary = import_file(path)
    assert Comment.objects.get(import_key="2").parent is None
    assert Comment.objects.get(import_key="3").parent.import_key == "1"
    assert summary.articles[0].warnings == [
        "Replies whose parent is not in the file made top-level: comment 2 (parent 99)"
    ]


def test_a_parent_cycle_refuses_the_file_and_writes_nothing(wxr_file):
    path = wxr_file([{"post_id": 1, "title": "Cyclic", "comments": [
        {"id": 1, "approved": "1"},
        {"id": 2, "approved": "1", "parent": 4, "date": "2024-05-01 10:02:00"},
        {"id": 3, "approved": "1", "parent": 2, "date": "2024-05-01 10:01:00"},
        {"id": 4, "approved": "1", "parent": 3, "date": "2024-05-01 10:03:00"},
    ]}])
    with open(path, "rb") as fileobj:
        plan = importers.read_plan(fileobj)
    with pytest.raises(importers.ImportFailed, match="parent cycle") as refused:
        importers.preview(plan)
    assert "'Cyclic'" in str(refused.value)
    with pytest.raises(importers.ImportFailed):
        importers.apply(plan)
    assert not Article.objects.exists() and not Comment.objects.exists()


def test_repairing_a_parent_cycle_makes_its_earliest_comment_top_level(wxr_file):
    path = wxr_file([{"post_id": 1, "comments": [
        {"id": 2, "approved": "1", "parent": 4, "date": "2024-05-01 10:02:00"},
        {"id": 3, "approved": "1", "parent": 2, "date": "2024-05-01 10:01:00"},
        {"id": 4, "approved": "1", "parent": 3, "date": "2024-05-01 10:03:00"},
        {"id": 5, "approved": "1", "parent": 5},
    ]}])
    summary = import_file(path, repair_cycles=True)
    parents = {c.import_key: c.parent.import_key if c.parent else None
               for c in Comment.objects.select_related("parent")}
    assert parents == {"3": None, "4": "3", "2": "4", "5": None}
    warnings = summary.articles[0].warnings
    assert any("cycle" in w and "earliest comment made top-level" in w for w in warnings)


@override_settings(COMMENTS_MAX_DEPTH=3)
def test_replies_deeper_than_the_limit_hang_from_their_deepest_allowed_ancestor(wxr_file):
    chain = [{"id": 1, "approved": "1"}] + [
        {"id": n, "approved": "1", "parent": n - 1} for n in range(2, 6)
    ]
    summary = import_file(wxr_file([{"post_id": 1, "comments": chain}]))
    parents = {c.import_key: (c.parent.import_key if c.parent else None, c.depth)
               for c in Comment.objects.select_related("parent")}
    assert parents == {"1": (None, 0), "2": ("1", 1), "3": ("2", 2), "4": ("2", 2),
                       "5": ("2", 2)}
    assert any("deeper than 3 levels" in w and "comment 4" in w
               for w in summary.articles[0].warnings)


def test_a_date_that_is_not_a_date_refuses_the_file_naming_the_comment(wxr_file):
    path = wxr_file([{"post_id": 8, "title": "Dated", "comments": [
        {"id": 1, "approved": "1", "date": "2024-13-45 99:00:00"}]}])
    with open(path, "rb") as fileobj, pytest.raises(importers.ImportFailed) as refused:
        importers.read_plan(fileobj)
    assert str(refused.value) == (
        "In item 'Dated' (wp:post_id 8), comment 1: comment_date_gmt '2024-13-45 99:00:00' "
        "is not a date."
    )
    assert not Article.objects.exists()


def test_a_plan_previewed_then_applied_reports_its_warnings_once(wxr_file):
    path = wxr_file([{"post_id": 1, "comments": [{"id": 2, "approved": "1", "parent": 9}]}])
    with open(path, "rb") as fileobj:
        plan = importers.read_plan(fileobj)
    assert importers.preview(plan).articles[0].warnings == importers.apply(
        plan).articles[0].warnings == [
        "Replies whose parent is not in the file made top-level: comment 2 (parent 9)"]


def test_many_posts_wanting_one_slug_get_numbered_ones(wxr_file):
    import_file(wxr_file([{"post_id": n, "name": "untitled"} for n in range(1, 5)]))
    import_file(wxr_file([{"post_id": n, "name": "untitled"} for n in range(5, 7)],
                         site="https://other.example.org"))
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "untitled", "untitled-2", "untitled-3", "untitled-4", "untitled-5", "untitled-6"]
