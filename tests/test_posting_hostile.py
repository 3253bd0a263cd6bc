"""Every string of the naughty-strings and XSS corpora goes through the real comment form:
stored exactly as sent, or refused cleanly when blank. The browser side is in
test_browser_hostile.py."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from moderation.models import Comment, ModerationEvent
from tests.test_posting import comment_data

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BLNS_COUNT = 515


def _corpus_dir() -> Path:
    if not (CORPUS / "blns" / "blns.json").is_file() or not list(CORPUS.glob("xss/*.txt")):
        pytest.fail(
            f"The hostile-text corpus is missing: expected {CORPUS}/blns/blns.json and "
            f"{CORPUS}/xss/*.txt (the shared/ folder beside the repository)."
        )
    return CORPUS


def naughty_strings() -> list[str]:
    """All 515 strings of the Big List of Naughty Strings."""
    strings = json.loads((_corpus_dir() / "blns" / "blns.json").read_text(encoding="utf-8"))
    assert len(strings) == BLNS_COUNT
    return strings


def xss_lines() -> list[str]:
    """Every line of the XSS payload lists, split on line feeds only: some payloads hold
    characters that str.splitlines() would also split on (U+2028, form feed)."""
    lines = []
    for path in sorted((_corpus_dir() / "xss").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        file_lines = text.split("\n")
        if file_lines[-1] == "":
            file_lines.pop()  # the file's final line feed ends a line, it starts none
        lines += file_lines
    assert len(lines) > 600
    return lines


def hostile_strings() -> list[str]:
    return naughty_strings() + xss_lines()


def is_blank(text: str) -> bool:
    # The rule the form applies: nothing but whitespace (Unicode's, as str.isspace knows it).
    return not text.strip()


def author_for(text: str) -> str:
    """The string as a name: names hold 100 characters, and blank ones are refused."""
    return text[:100] if text[:100].strip() else "Naughty"


@pytest.fixture
def unthrottled(settings):
    # A thousand posts from one test client: no rate limit, no duplicate window (the XSS
    # lists repeat some payloads).
    settings.COMMENTS_POST_RATE = None
    settings.COMMENTS_DUPLICATE_SECONDS = 0


def test_the_corpus_is_all_there():
    strings = hostile_strings()
    assert len(strings) == BLNS_COUNT + len(xss_lines())
    assert any("<script>" in s.lower() for s in strings)
    assert sum(is_blank(s) for s in strings) >= 2


def test_every_postable_corpus_string_is_stored_exactly_as_sent(client, article, unthrottled):
    url = reverse("comment_post", args=[article.slug])
    postable = [s for s in hostile_strings() if not is_blank(s)]
    for text in postable:
        response = client.post(url, comment_data(author_name=author_for(text), body=text))
        assert response.status_code == 302, (text, response.content[-2000:])
    stored = list(Comment.objects.order_by("pk").values_list("author_name", "body"))
    assert stored == [(author_for(text).strip(), text) for text in postable]
    assert ModerationEvent.objects.filter(action="posted").count() == len(postable)


def test_every_blank_corpus_string_is_refused_with_a_form_error(client, article, unthrottled):
    url = reverse("comment_post", args=[article.slug])
    blank = [s for s in hostile_strings() if is_blank(s)]
    assert blank
    for text in blank:
        response = client.post(url, comment_data(body=text))
        assert response.status_code == 422
        html = response.content.decode()
        assert "Write your comment before sending it" in html
        assert 'id="error_1_id_body"' in html
    assert Comment.objects.count() == 0
    assert ModerationEvent.objects.count() == 0


def test_a_corpus_string_grown_past_the_limit_is_refused(client, article, unthrottled):
    text = max(hostile_strings(), key=len)
    too_long = (text * (5001 // len(text) + 1))[:5001]
    response = client.post(reverse("comment_post", args=[article.slug]),
                           comment_data(body=too_long))
    assert response.status_code == 422
    assert "Keep your comment to 5,000 characters; it has 5,001." in response.content.decode()
    assert Comment.objects.count() == 0


def test_blank_names_from_the_corpus_are_refused(client, article, unthrottled):
    for text in [s for s in hostile_strings() if is_blank(s)][:5]:
        response = client.post(reverse("comment_post", args=[article.slug]),
                               comment_data(author_name=text))
        assert response.status_code == 422
        assert "Give the name to show with your comment." in response.content.decode()
    assert Comment.objects.count() == 0
