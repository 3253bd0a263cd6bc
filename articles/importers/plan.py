"""What a parsed export file holds: plain rows, no database objects.

Every format's parser turns a file into a Plan; engine.py compares the plan with the
database (for the preview) and writes it (on confirm). Rows use __slots__ because a
100 MB export holds a few hundred thousand of them.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

from articles.models import Article
from moderation.models import Comment

Status = Comment.Status

# Column limits of the models, so that an over-long value is cut here with a warning
# instead of failing the whole import on PostgreSQL's varchar check.
TITLE_MAX = Article._meta.get_field("title").max_length
SLUG_MAX = Article._meta.get_field("slug").max_length
OUTLET_MAX = Article._meta.get_field("outlet").max_length
BYLINE_MAX = Article._meta.get_field("byline").max_length
URL_MAX = Article._meta.get_field("source_url").max_length
SOURCE_MAX = Article._meta.get_field("import_source").max_length
ID_MAX = Article._meta.get_field("import_id").max_length
AUTHOR_MAX = Comment._meta.get_field("author_name").max_length
EMAIL_MAX = Comment._meta.get_field("author_email").max_length
KEY_MAX = Comment._meta.get_field("import_key").max_length
# Room for "-9999" when a slug is already taken.
SLUG_BASE_MAX = SLUG_MAX - 10


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while parsing or writing.

    An import allocates millions of small objects that hold no reference cycles;
    reference counting frees them all the same, while the collector's repeated passes
    over a growing heap cost about a sixth of the import's time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ImportFailed(Exception):
    """The file cannot be imported; the message says what and where, fit for the admin."""


class Notes:
    """Warnings counted by kind, so ten thousand alike make one line, with a few examples."""

    EXAMPLES = 5

    def __init__(self):
        self._counts: Counter[str] = Counter()
        self._examples: dict[str, list[str]] = {}

    def add(self, message: str, example: str = "", count: int = 1) -> None:
        self._counts[message] += count
        examples = self._examples.setdefault(message, [])
        if example and len(examples) < self.EXAMPLES:
            examples.append(example)

    def copy(self) -> Notes:
        other = Notes()
        other._counts = self._counts.copy()
        other._examples = {message: list(e) for message, e in self._examples.items()}
        return other

    def __bool__(self) -> bool:
        return bool(self._counts)

    def __len__(self) -> int:
        return sum(self._counts.values())

    def messages(self) -> list[str]:
        out = []
        for message, count in self._counts.items():
            examples = self._examples.get(message, [])
            if examples:
                more = count - len(examples)
                tail = f" and {more} more" if more > 0 else ""
                out.append(f"{message}: {', '.join(examples)}{tail}")
            elif count > 1:
                out.append(f"{message} ({count})")
            else:
                out.append(message)
        return out


@dataclass(slots=True)
class PlannedComment:
    key: str
    parent_key: str | None
    author_name: str
    author_email: str
    body: str
    body_format: str
    status: str
    created: datetime
    # Why the source hid it: Reason.SPAM gets a spam flag; the note goes in the audit row.
    reason: str = ""
    note: str = ""
    # The export's own id for the author (a Disqus username, a WordPress user id), which
    # ties comments without an email to one commenter; prefixed with the article's source.
    author_id: str = ""


@dataclass(slots=True)
class PlannedArticle:
    import_id: str
    title: str
    slug: str  # the wanted slug; a suffix is added if another article has it
    body: str
    published_at: datetime
    source: str = ""  # import_source; filled by the parser, per article for Disqus
    byline: str = ""
    outlet: str = ""
    source_url: str = ""
    comment_policy: str = Article.Policy.PRE_MODERATED
    editors_note: str = ""
    editors_note_author: str = ""
    comments: list[PlannedComment] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)


@dataclass
class Plan:
    format: str  # "wxr", "disqus" or "json"
    filename: str = ""
    articles: list[PlannedArticle] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)
    # What the file held but the import leaves out, by kind: {"pingbacks and trackbacks": 4}.
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def actor_label(self) -> str:
        """Who the audit rows name as the actor: "import: wxr"."""
        return f"import: {self.format}"

    @property
    def comment_count(self) -> int:
        return sum(len(article.comments) for article in self.articles)


# Text helpers shared by the parsers.

_SURROGATES = re.compile("[\ud800-\udfff]")


def clean(value: str | None) -> str:
    """Return text PostgreSQL can store: no NUL characters, no unpaired surrogates.

    XML cannot hold either, but JSON can.
    """
    if not value:
        return ""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii() and _SURROGATES.search(value):
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


def one_line(value: str | None) -> str:
    """Text with its runs of whitespace (line breaks included) made single spaces."""
    return " ".join(clean(value).split())


def cut(value: str, limit: int, notes: Notes | None = None, what: str = "") -> str:
    if len(value) <= limit:
        return value
    if notes is not None:
        notes.add(f"{what} longer than {limit} characters, shortened", value[:40] + "…")
    return value[: limit - 1] + "…"


def email_or_blank(value: str | None) -> str:
    """Keep an address only if it looks like one; the admin form would refuse the rest."""
    value = one_line(value)
    if not value or len(value) > EMAIL_MAX or " " in value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain:
        return ""
    return value


_url_validator = URLValidator(schemes=["http", "https"])


def url_or_blank(value: str | None) -> str:
    value = one_line(value)
    if not value or len(value) > URL_MAX:
        return ""
    try:
        _url_validator(value)
    except ValidationError:
        return ""
    return value


def slug_from(*candidates: str | None) -> str:
    """The first candidate that makes an ASCII slug (the reader's URLs allow no other)."""
    for candidate in candidates:
        if not candidate:
            continue
        slug = slugify(unquote(candidate))[:SLUG_BASE_MAX].strip("-_")
        if slug:
            return slug
    return ""


def slug_from_url(url: str | None) -> str:
    """A slug from a link's last meaningful path segment: /2011/03/podcast-229/ → podcast-229."""
    if not url:
        return ""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    while segments:
        last = segments.pop()
        stem = last.rsplit(".", 1)[0] if "." in last else last
        if stem.lower() not in ("index", "default", "p"):
            return slug_from(stem)
    return ""


def source_from_url(url: str | None) -> str:
    """The site an export came from, without scheme, so http and https exports match."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host:
        return ""
    path = parts.path.rstrip("/")
    return f"{host}{path}"
