"""Plain text of a comment and the cheap spam measures: links, shouting, repetition."""

from __future__ import annotations

import re
import zlib

from moderation.rendering import URL_RE, plain_text

HREF_RE = re.compile(r"(?i)<a\b[^>]*\bhref\s*=")
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
SPACE_RE = re.compile(r"\s+")

# Below this many letters a capitalised comment is an acronym or "OK", not shouting.
SHOUTING_MIN_LETTERS = 20
# Below this many characters repetition inside a comment means nothing.
REPETITION_MIN_CHARS = 200


def count_links(body: str, body_format: str = "text") -> int:
    """Count the links in a comment: anchors in HTML, and URLs written out."""
    if body_format == "html":
        text = plain_text(body, body_format)
        anchors = len(HREF_RE.findall(body))
        # An anchor usually shows its own URL as its text; count such a link once.
        written = len(URL_RE.findall(text))
        return max(anchors, written) if anchors and written else anchors + written
    return len(URL_RE.findall(body))


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def shouting_ratio(text: str) -> float:
    """The share of capital letters among the letters, 0 for short texts."""
    letters = [ch for ch in URL_RE.sub(" ", text) if ch.isalpha()]
    if len(letters) < SHOUTING_MIN_LETTERS:
        return 0.0
    return sum(ch.isupper() for ch in letters) / len(letters)


def repetition(text: str) -> float:
    """How much of a long text repeats itself, from 0 (none) to 1 (one phrase over and over).

    A text that compresses far better than prose (prose keeps about 40% of its size under
    zlib) is the same words pasted again and again.
    """
    text = normalise(text)
    if len(text) < REPETITION_MIN_CHARS:
        return 0.0
    ratio = len(zlib.compress(text.encode("utf-8"), 9)) / len(text.encode("utf-8"))
    # 0.25 or more is ordinary text; 0.05 is a phrase pasted dozens of times.
    return max(0.0, min(1.0, (0.25 - ratio) / 0.20))


def normalise(text: str) -> str:
    """Fold case and whitespace, for comparing two comments' texts."""
    return SPACE_RE.sub(" ", text).strip().casefold()
