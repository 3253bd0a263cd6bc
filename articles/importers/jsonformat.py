"""Our own export format: articles with their comment threads, as one JSON document.

``manage.py export_articles`` writes it and the importer reads it, so a site's articles
and comments move between installations with their statuses and nesting intact. UTF-8,
one object::

    {
      "format": "newsroom-comments",
      "version": 1,
      "exported_at": "2025-06-01T12:00:00+00:00",
      "source": "example-newsroom",
      "articles": [
        {
          "source": "wxr:blog.example.org",
          "id": "1148",
          "slug": "template-comments",
          "title": "Template: Comments",
          "outlet": "Example Blog",
          "byline": "Jane Editor",
          "published_at": "2012-01-03T17:11:37+00:00",
          "body": "First paragraph.\\nSecond paragraph.",
          "editors_note": "",
          "editors_note_author": "",
          "source_url": "https://blog.example.org/template-comments/",
          "comment_policy": "pre",
          "comments": [
            {
              "id": "881",
              "parent": null,
              "author_name": "John Doe",
              "author_email": "john@example.org",
              "body": "<p>Hello</p>",
              "body_format": "html",
              "status": "approved",
              "created": "2012-09-03T17:18:04+00:00",
              "hidden_reason": ""
            }
          ]
        }
      ]
    }

Fields (all strings unless said otherwise):

- ``format`` must be "newsroom-comments" and ``version`` the number 1.
- ``source`` (top level, optional): a short label for the exporting site, used for
  articles that have no ``source`` of their own. ``exported_at`` is informational.
- Article ``source`` + ``id`` identify it across imports (they become its import_source and
  import_id; a second import of the same pair adds only what is new). ``source`` defaults
  to "json:" + the top-level ``source``; ``id`` is required. An export keeps the pair an
  imported article already had, and gives articles written here "json:<label>" and their
  database id.
- ``title`` is required; ``slug`` is the wanted slug (a suffix is added if another article
  has it; derived from the title when empty). ``body`` is plain text, one paragraph per
  line. ``published_at`` and ``created`` are ISO 8601; without an offset they mean UTC.
  ``comment_policy`` is "pre", "post" or "closed" (default "pre"). ``outlet``,
  ``byline``, ``editors_note``, ``editors_note_author`` and ``source_url`` are optional.
- Comment ``id`` is required and unique within its article; ``parent`` is another comment
  id of the same article, or null. ``body_format`` is "text" or "html" (html is
  sanitised when shown). ``status`` is "pending", "approved" or "hidden";
  ``hidden_reason`` (optional) is why a hidden comment was hidden: "spam", "abusive",
  "off_topic", "personal_attack" or "other" — spam gets a resolved spam flag, as a
  WordPress spam comment does. Unknown fields are ignored, so later versions can add some.

Comments are written in thread order (parents before replies), but any order is read.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone

from articles.models import Article
from moderation.models import Comment, Reason

from . import dates
from .plan import (
    AUTHOR_MAX,
    BYLINE_MAX,
    ID_MAX,
    KEY_MAX,
    OUTLET_MAX,
    SOURCE_MAX,
    TITLE_MAX,
    ImportFailed,
    Plan,
    PlannedArticle,
    PlannedComment,
    clean,
    cut,
    email_or_blank,
    one_line,
    slug_from,
    url_or_blank,
)

FORMAT = "newsroom-comments"
VERSION = 1
STATUSES = set(Comment.Status.values)
FORMATS = set(Comment.Format.values)
POLICIES = set(Article.Policy.values)
# Reason.values builds its list anew on each use; a comment is checked against this set.
REASONS = frozenset(Reason.values)


class _Where:
    """Where a value is in the file ("articles[3] (id '7'), comments[12] (id 'c12')"),
    put together only when an error names it: a hundred thousand comments would
    otherwise format a hundred thousand locations nobody reads."""

    __slots__ = ("parent", "template", "value")

    def __init__(self, parent, template: str, value):
        self.parent = parent
        self.template = template
        self.value = value

    def __str__(self) -> str:
        return f"{self.parent}{self.template.format(self.value)}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# Reading


def parse(fileobj, *, filename: str = "", progress=None, chunk_size: int = 1 << 20) -> Plan:
    """Read an export one article at a time, so memory holds the plan and one article,
    never the whole document as Python objects."""
    fileobj.seek(0)
    stream = _Stream(fileobj, progress, chunk_size)
    reader = _JsonReader(filename)
    try:
        return reader.read(stream)
    except RecursionError:
        raise ImportFailed("The JSON file is nested too deeply to be an export.") from None


class _NotJson(ValueError):
    pass


def _not_json(constant: str):
    # Python's decoder takes NaN and Infinity, which JSON does not have.
    raise _NotJson(f"{constant} is not a JSON value")


class _Stream:
    """Decode JSON values one by one from a UTF-8 file read in chunks.

    json.JSONDecoder.raw_decode() needs a whole value in memory; when the buffer ends
    inside one, more is read and the value decoded again (reading twice as much each
    time, so a huge article costs a few passes, not one per chunk).
    """

    def __init__(self, fileobj, progress, chunk_size: int):
        self.file = fileobj
        self.progress = progress
        self.chunk_size = chunk_size
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self.json = json.JSONDecoder(parse_constant=_not_json)
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.bytes_read = 0
        # Where the buffer starts in the file, for error messages.
        self.line = 1
        self.column = 1

    def _read(self, size: int) -> bool:
        """Add at least one chunk to the buffer; False at the end of the file."""
        if self.eof:
            return False
        data = self.file.read(size)
        if self.progress and data:
            self.progress(len(data))
        try:
            self.buffer += self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise ImportFailed(f"The JSON file is not UTF-8: byte "
                               f"{self.bytes_read + error.start + 1} cannot be read.") from None
        self.bytes_read += len(data)
        if not data:
            self.eof = True
        return True

    def _compact(self) -> None:
        # Forget what has been decoded, keeping count of its lines for error messages.
        if self.pos < self.chunk_size:
            return
        done = self.buffer[: self.pos]
        newlines = done.count("\n")
        self.line += newlines
        self.column = (self.column if not newlines else 1) + len(done) - (
            done.rfind("\n") + 1)
        self.buffer = self.buffer[self.pos :]
        self.pos = 0

    def where(self, pos: int | None = None) -> str:
        pos = self.pos if pos is None else pos
        before = self.buffer[:pos]
        newlines = before.count("\n")
        if newlines:
            return f"line {self.line + newlines}, column {pos - before.rfind(chr(10))}"
        return f"line {self.line}, column {self.column + pos}"

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer) or not self._read(self.chunk_size):
                return self.buffer[self.pos : self.pos + 1]

    def expect(self, allowed: str) -> str:
        char = self.peek()
        if not char or char not in allowed:
            found = repr(char) if char else "the end of the file"
            wanted = " or ".join(repr(c) for c in allowed)
            raise ImportFailed(f"The file is not valid JSON: expected {wanted} but found "
                               f"{found} at {self.where()}.")
        self.pos += 1
        return char

    def value(self):
        self.peek()
        self._compact()
        while True:
            try:
                value, end = self.json.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as error:
                # Perhaps the value goes on past what has been read so far.
                if self._read(max(self.chunk_size, len(self.buffer))):
                    continue
                raise ImportFailed(f"The file is not valid JSON: {error.msg} at "
                                   f"{self.where(error.pos)}.") from None
            except ValueError as error:  # _not_json(), or a number of over 4,300 digits
                what = error if isinstance(error, _NotJson) else "a number far too long"
                raise ImportFailed(f"The file is not valid JSON: {what} in the value at "
                                   f"{self.where(self.pos)}.") from None
            self.pos = end
            return value


class _JsonReader:
    def __init__(self, filename: str):
        self.plan = Plan("json", filename)

    def read(self, stream: _Stream) -> Plan:
        """Walk the top-level object; its "articles" are read one at a time."""
        header: dict = {}
        if stream.peek() != "{":
            raise ImportFailed(
                f'This JSON file is not one of our exports: it needs "format": "{FORMAT}" '
                "in an object at the top level."
            )
        stream.expect("{")
        articles_seen = False
        if stream.peek() == "}":
            stream.expect("}")
        else:
            while True:
                key = stream.value()
                if not isinstance(key, str):
                    raise ImportFailed(f"The file is not valid JSON: a key must be a string, "
                                       f"at {stream.where()}.")
                stream.expect(":")
                if key == "articles" and stream.peek() == "[" and not articles_seen:
                    articles_seen = True
                    self._articles(stream)
                else:
                    header[key] = stream.value()
                if stream.expect(",}") == "}":
                    break
        if stream.peek():
            raise ImportFailed(f"The file is not valid JSON: there is more after the end of "
                               f"the document, at {stream.where()}.")
        return self._finish(header, articles_seen)

    def _articles(self, stream: _Stream) -> None:
        stream.expect("[")
        if stream.peek() == "]":
            stream.expect("]")
            return
        index = 0
        while True:
            self.plan.articles.append(self._article(stream.value(), f"articles[{index}]"))
            index += 1
            if stream.expect(",]") == "]":
                return

    def _finish(self, header: dict, articles_seen: bool) -> Plan:
        if header.get("format") != FORMAT:
            raise ImportFailed(
                f'This JSON file is not one of our exports: it needs "format": "{FORMAT}" '
                "at the top level."
            )
        if header.get("version") != VERSION:
            raise ImportFailed(
                f"This export is version {header.get('version')!r}; this importer reads "
                f"version {VERSION}."
            )
        if not articles_seen:
            raise ImportFailed('The file needs an "articles" list.')
        label = one_line(self._string(header, "source", "the file")) or "unknown"
        unique = []
        seen: set[tuple[str, str]] = set()
        for index, article in enumerate(self.plan.articles):
            # The top-level source may come after the articles; only now is it known.
            article.source = article.source or cut(f"json:{label}", SOURCE_MAX)
            identity = (article.source, article.import_id)
            if identity in seen:
                self.plan.notes.add("Articles repeating an earlier article's source and id "
                                    "skipped", f"articles[{index}]")
                self.plan.skipped["repeated articles"] += 1
                continue
            seen.add(identity)
            unique.append(article)
        self.plan.articles = unique
        return self.plan

    def _string(self, obj: dict, name: str, where: str, *, required=False) -> str:
        value = obj.get(name)
        if type(value) is str and value:
            # Nearly every value: a non-empty string, which needs only cleaning.
            value = clean(value)
            if required and not value.strip():
                raise ImportFailed(f'In {where}: "{name}" is empty.')
            return value
        if value is None:
            if required:
                raise ImportFailed(f'In {where}: "{name}" is missing.')
            return ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ImportFailed(f'In {where}: "{name}" must be a string, not '
                               f"{type(value).__name__}.")
        value = clean(value)
        if required and not value.strip():
            raise ImportFailed(f'In {where}: "{name}" is empty.')
        return value

    def _choice(self, obj: dict, name: str, where: str, choices: set[str], default: str) -> str:
        value = self._string(obj, name, where) or default
        if value not in choices:
            raise ImportFailed(f'In {where}: "{name}" must be one of '
                               f"{', '.join(sorted(choices))}, not {value!r}.")
        return value

    def _date(self, obj: dict, name: str, where: str, *, required: bool) -> datetime | None:
        value = self._string(obj, name, where, required=required)
        try:
            return dates.parse_iso(value)
        except dates.BadDate:
            raise ImportFailed(f'In {where}: "{name}" {value!r} is not an ISO 8601 date.'
                               ) from None

    def _article(self, item, where: str) -> PlannedArticle:
        if not isinstance(item, dict):
            raise ImportFailed(f"In {where}: an article must be an object.")
        import_id = one_line(self._string(item, "id", where, required=True))
        where = f"{where} (id {import_id!r})"
        source = one_line(self._string(item, "source", where))
        if len(source) > SOURCE_MAX or len(import_id) > ID_MAX:
            raise ImportFailed(f'In {where}: "source" may have at most {SOURCE_MAX} and "id" '
                               f"at most {ID_MAX} characters.")
        title = one_line(self._string(item, "title", where, required=True))
        published = self._date(item, "published_at", where, required=False)
        article = PlannedArticle(
            import_id=import_id,
            source=source,
            title="",
            slug=slug_from(self._string(item, "slug", where), title) or f"json-{import_id}",
            body=self._string(item, "body", where).replace("\r\n", "\n"),
            published_at=published or timezone.now(),
            byline=cut(one_line(self._string(item, "byline", where)), BYLINE_MAX),
            outlet=cut(one_line(self._string(item, "outlet", where)), OUTLET_MAX),
            source_url=url_or_blank(self._string(item, "source_url", where)),
            comment_policy=self._choice(item, "comment_policy", where, POLICIES,
                                        Article.Policy.PRE_MODERATED),
            editors_note=self._string(item, "editors_note", where),
            editors_note_author=cut(one_line(self._string(item, "editors_note_author", where)),
                                    100),
        )
        article.title = cut(title, TITLE_MAX, article.notes, "Title")
        if published is None:
            article.notes.add("No published_at; dated today")
        comments = item.get("comments", [])
        if not isinstance(comments, list):
            raise ImportFailed(f'In {where}: "comments" must be a list.')
        seen: set[str] = set()
        append = article.comments.append
        for index, raw in enumerate(comments):
            comment = self._comment(raw, _Where(where, ", comments[{}]", index), article)
            if comment.key in seen:
                raise ImportFailed(f"In {where}, comments[{index}]: the id {comment.key!r} is "
                                   "used twice in this article.")
            seen.add(comment.key)
            append(comment)
        return article

    def _comment(self, raw, where: str, article: PlannedArticle) -> PlannedComment:
        if not isinstance(raw, dict):
            raise ImportFailed(f"In {where}: a comment must be an object.")
        key = one_line(self._string(raw, "id", where, required=True))
        where = _Where(where, " (id {!r})", key)
        if len(key) > KEY_MAX:
            raise ImportFailed(f'In {where}: "id" may have at most {KEY_MAX} characters.')
        parent = raw.get("parent")
        if parent is not None:
            parent = one_line(self._string(raw, "parent", where)) or None
        status = self._choice(raw, "status", where, STATUSES, "")
        reason = self._string(raw, "hidden_reason", where)
        if reason and reason not in REASONS:
            raise ImportFailed(f'In {where}: "hidden_reason" must be one of '
                               f"{', '.join(Reason.values)}, not {reason!r}.")
        reason = Comment.hidden_reason_for(status, reason)
        created = self._date(raw, "created", where, required=False)
        if created is None:
            created = article.published_at
            article.notes.add("Comments without a date dated as their article", key)
        name = one_line(self._string(raw, "author_name", where)) or "Anonymous"
        return PlannedComment(
            key=key,
            parent_key=parent,
            author_name=cut(name, AUTHOR_MAX),
            author_email=email_or_blank(self._string(raw, "author_email", where)),
            body=self._string(raw, "body", where),
            body_format=self._choice(raw, "body_format", where, FORMATS,
                                     Comment.Format.TEXT),
            status=status,
            created=created,
            reason=reason,
            author_id=cut(one_line(self._string(raw, "author_id", where)), 200),
        )


# Writing


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def article_document(article: Article, label: str) -> dict:
    comments = []
    for comment in article.comments.order_by("path"):
        comments.append({
            "id": comment.import_key or f"{label}:{comment.pk}",
            "parent": None,  # filled below, once every comment has its id
            "author_name": comment.author_name,
            "author_email": comment.author_email,
            "body": comment.body,
            "body_format": comment.body_format,
            "status": comment.status,
            "created": _iso(comment.created),
            "hidden_reason": comment.hidden_reason,
            "_pk": comment.pk,
            "_parent_pk": comment.parent_id,
        })
    ids = {c["_pk"]: c["id"] for c in comments}
    for c in comments:
        parent_pk = c.pop("_parent_pk")
        c.pop("_pk")
        c["parent"] = ids.get(parent_pk) if parent_pk else None
    return {
        "source": article.import_source or f"json:{label}",
        "id": article.import_id if article.import_source else str(article.pk),
        "slug": article.slug,
        "title": article.title,
        "outlet": article.outlet,
        "byline": article.byline,
        "published_at": _iso(article.published_at),
        "body": article.body,
        "editors_note": article.editors_note,
        "editors_note_author": article.editors_note_author,
        "source_url": article.source_url,
        "comment_policy": article.comment_policy,
        "comments": comments,
    }


def write(out, articles: Iterable[Article], *, label: str) -> tuple[int, int]:
    """Write the export to the text stream `out`, one article at a time.

    Returns how many articles and comments were written.
    """
    header = {"format": FORMAT, "version": VERSION,
              "exported_at": _iso(timezone.now()), "source": label}
    head = json.dumps(header, ensure_ascii=False, indent=1)
    out.write(head[:-2] + ',\n "articles": [')
    article_count = comment_count = 0
    for article in articles:
        document = article_document(article, label)
        out.write(",\n" if article_count else "\n")
        out.write(json.dumps(document, ensure_ascii=False, indent=1))
        article_count += 1
        comment_count += len(document["comments"])
    out.write("\n ]\n}\n")
    return article_count, comment_count
