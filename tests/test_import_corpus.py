"""Every WordPress and Disqus file of the shared corpus either imports or is refused with a
clear, one-line error and nothing written; none raises anything else."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article
from moderation.models import Comment, Flag, ModerationEvent

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FILES = sorted(
    path.relative_to(CORPUS).as_posix()
    for folder in ("wxr", "disqus") if (CORPUS / folder).is_dir()
    for path in (CORPUS / folder).rglob("*.xml")
)
# Broken on purpose; each must be refused, and the message must say where.
REFUSED = {
    "wxr/wordpress-importer/malformed-simple.xml": "no element found at line 14, column 1. "
                                                   "The file ends too early",
    "wxr/wordpress-importer/malformed.xml": "mismatched tag at line 90, column 3",
    "disqus/remark42-disqus.xml": "at line 1, column 1. Something comes before the XML "
                                  "starts: '`'.",
    "disqus/remark42-disqus-deleted-post.xml": "at line 1, column 1",
    "disqus/remark42-disqus-deleted-thread.xml": "at line 1, column 1",
}


def nothing_written():
    return not (Article.objects.exists() or Comment.objects.exists()
                or ModerationEvent.objects.exists() or Flag.objects.exists())


def test_the_corpus_is_there(corpus):
    assert len(FILES) >= 15, f"expected the WXR and Disqus files in {CORPUS}"
    assert set(REFUSED) <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_each_corpus_file_imports_or_is_refused_with_nothing_written(name, corpus):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", str(corpus / name), stdout=out, stderr=err)
    except CommandError as error:
        message = str(error)
        assert name in REFUSED, f"{name} was refused: {message}"
        assert REFUSED[name] in message
        assert "\n" not in message and "Traceback" not in message
        assert nothing_written()
        return
    assert name not in REFUSED, f"{name} should have been refused"
    comments = Comment.objects.count()
    assert ModerationEvent.objects.filter(action="imported").count() == comments
    noun = "comment" if comments == 1 else "comments"
    assert f"; {comments} {noun} created, 0 status changes applied" in out.getvalue()
    # Every reply sits under a parent of its own article, within the depth limit.
    for reply in Comment.objects.filter(parent__isnull=False).select_related("parent"):
        assert reply.parent.article_id == reply.article_id
        assert reply.path.startswith(reply.parent.path) and reply.depth == reply.parent.depth + 1
