"""manage.py import_articles: the preview's summary on the command line, clear failures."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.management.commands import import_articles
from articles.models import Article
from moderation.models import Comment

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("import_articles", *map(str, args), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def export(wxr_file):
    return wxr_file([
        {"post_id": 1, "title": "First", "comments": [
            {"id": 1, "approved": "1"}, {"id": 2, "approved": "0", "parent": 1},
            {"id": 3, "approved": "1", "type": "pingback"}]},
        {"post_id": 2, "title": "Second", "status": "draft"},
    ], name="blog.xml")


def test_a_dry_run_prints_what_would_happen_and_writes_nothing(export):
    out = run(export, "--dry-run")
    assert not Article.objects.exists() and not Comment.objects.exists()
    assert out.splitlines() == [
        f"WordPress export (WXR): {export}",
        "Articles: 1 to create, 0 to update, 0 unchanged",
        "Comments: 2 to create (1 pending, 1 approved), 0 status changes to apply, 0 kept "
        "(decided here), 0 unchanged",
        "Left out: pingbacks and trackbacks: 1; draft posts and pages (not published): 1",
        "  create    post-1  (2 new comments)  First",
        "            ! Pingbacks and trackbacks skipped: comment 3",
        f"{export} would create 1 article and 2 comments, update 0 articles (0 status "
        "changes, 0 kept as decided here); 0 unchanged. Nothing written yet.",
        "Dry run: nothing was written.",
    ]


def test_the_import_does_what_the_dry_run_said(export):
    dry = run(export, "--dry-run", "--brief")
    out = run(export, "--brief")
    assert Comment.objects.count() == 2
    assert out.splitlines()[1:3] == [
        line.replace(" to ", " ").replace("create", "created").replace("update", "updated")
        .replace("apply", "applied") for line in dry.splitlines()[1:3]
    ]
    assert out.splitlines()[-1] == (
        f"Imported {export}: 1 article created, 0 updated, 0 unchanged; 2 comments created, "
        "0 status changes applied, 0 kept as decided here.")


def test_a_missing_file_is_a_one_line_error(tmp_path):
    with pytest.raises(CommandError) as error:
        run(tmp_path / "nope.xml")
    assert str(error.value) == f"{tmp_path / 'nope.xml'}: No such file or directory"


def test_the_wrong_format_is_named(export):
    with pytest.raises(CommandError, match="looks like a WordPress export .WXR., not an export "
                                           "in our JSON format"):
        run(export, "--format", "json")


def test_large_files_get_a_progress_bar_on_standard_error(export, monkeypatch, capsys):
    monkeypatch.setattr(import_articles, "PROGRESS_BYTES", 1)
    run(export)
    err = capsys.readouterr().err
    assert "Reading" in err and "Writing" in err
