"""Matching the admin's banned and suspect word lists against comment text.

Case is ignored and a word only matches as a whole word: "ass" does not match "class",
nor "cunt" "Scunthorpe". A trailing * matches any ending; spaces inside a phrase match
any run of spaces or line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from moderation.models import Word
from moderation.models.wordlists import fold

# A letter, digit or underscore on either side means the match is inside a longer word.
_BEFORE = r"(?<![\w])"
_AFTER = r"(?![\w])"


@dataclass(frozen=True)
class Entry:
    text: str
    kind: str  # WordList.Kind
    reason: str  # Reason


@dataclass(frozen=True)
class Hit:
    word: str  # the list entry
    found: str  # the text it matched, folded
    kind: str
    reason: str


def _pattern(word: str) -> str:
    prefix = word.endswith("*")
    core = word.rstrip("*")
    body = r"\s+".join(re.escape(part) for part in core.split())
    return body + (r"\w*" if prefix else _AFTER)


class Matcher:
    def __init__(self, entries: tuple[Entry, ...]):
        self.entries = {entry.text: entry for entry in entries}
        # Longer entries first, so "white genocide" wins over a list entry "white".
        ordered = sorted(self.entries, key=len, reverse=True)
        # Entries and text are compared folded (models.wordlists.fold()), entries saved
        # before it was used included.
        self.regex = (
            re.compile(
                _BEFORE + "(?:" + "|".join(f"(?P<w{i}>{_pattern(fold(w))})" for i, w in
                                           enumerate(ordered)) + ")",
            )
            if ordered
            else None
        )
        self.groups = {f"w{i}": w for i, w in enumerate(ordered)}

    def find(self, text: str) -> list[Hit]:
        """Return each entry found in `text` once, in order of first appearance, with the
        text it matched as folded."""
        if self.regex is None:
            return []
        seen: dict[str, Hit] = {}
        for match in self.regex.finditer(fold(text)):
            word = self.groups[match.lastgroup]
            if word not in seen:
                entry = self.entries[word]
                seen[word] = Hit(word, match.group(0), entry.kind, entry.reason)
        return list(seen.values())


@lru_cache(maxsize=8)
def matcher_for(entries: tuple[Entry, ...]) -> Matcher:
    """A compiled matcher, rebuilt only when the lists change."""
    return Matcher(entries)


def load_matcher() -> Matcher:
    """Read the enabled lists (one query) and return their matcher.

    Read on every batch rather than cached per process, so an edit in the admin applies to
    the next comment in every worker process at once.
    """
    rows = (
        Word.objects.filter(word_list__enabled=True)
        .order_by("word_list__kind", "text")
        .values_list("text", "word_list__kind", "word_list__reason")
    )
    entries: dict[str, Entry] = {}
    for text, kind, reason in rows:
        # A word on a banned and a suspect list counts as banned ("banned" sorts first).
        entries.setdefault(text, Entry(text, kind, reason))
    return matcher_for(tuple(sorted(entries.values(), key=lambda e: e.text)))
