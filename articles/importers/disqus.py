"""Read a Disqus export (<disqus> with <category>, <thread> and <post> elements).

Threads become articles and posts their comments. Policies:

- Articles are keyed by the thread's dsq:id under "disqus:<forum>"; comments by the
  post's dsq:id (or its <id>, as "id:<id>", when it has no dsq:id). A thread or post with
  neither is skipped with a warning, since a re-import could not recognise it.
- A post on a thread that is not in the file is skipped with a warning. Deleted threads
  (isDeleted true) are skipped with their posts.
- Parents come from <parent dsq:id>; a parent that is not in the file makes the post
  top-level, with a warning.
- isDeleted true → hidden; isSpam true → hidden with a spam flag; both false → approved,
  as Disqus published them. Booleans are true/false or 1/0 (any case); anything else
  (isSpam="123") refuses the file, naming the post: guessing could publish spam.
- A date that is not ISO 8601 refuses the file, naming the post or thread.
- isClosed true on a thread → the article is closed to new comments.
- Threads without posts are left out (counted): Disqus lists every page that ever loaded
  its widget, and they would only add empty articles.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article
from moderation.models import Reason

from . import dates
from .plan import (
    AUTHOR_MAX,
    BYLINE_MAX,
    ID_MAX,
    KEY_MAX,
    SOURCE_MAX,
    TITLE_MAX,
    ImportFailed,
    Plan,
    PlannedArticle,
    PlannedComment,
    Status,
    clean,
    cut,
    email_or_blank,
    one_line,
    slug_from,
    slug_from_url,
    url_or_blank,
)
from .text import html_to_paragraphs, plain_name
from .xmlsource import local, safe_iterparse

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
TRUE = {"true", "1"}
FALSE = {"false", "0", ""}


def parse(fileobj, *, filename: str = "", progress=None) -> Plan:
    return _DisqusReader(filename).read(fileobj, progress)


def _text(elem, name: str) -> str | None:
    child = elem.find(NS + name)
    return None if child is None else (child.text or "")


def _ref(elem, name: str) -> str:
    child = elem.find(NS + name)
    return one_line(child.get(DSQ_ID)) if child is not None else ""


class _DisqusReader:
    def __init__(self, filename: str):
        self.plan = Plan("disqus", filename)
        self.forum = ""
        # dsq:id → article, in file order; posts may come before or after their thread.
        self.threads: dict[str, PlannedArticle] = {}
        self.thread_forums: dict[str, str] = {}
        self.deleted_threads: set[str] = set()
        self.posts: list[tuple[str, PlannedComment]] = []
        self.seen_posts: set[str] = set()

    def read(self, fileobj, progress) -> Plan:
        depth = 0
        root = None
        for event, elem in safe_iterparse(fileobj, progress=progress):
            if event == "start":
                depth += 1
                if depth == 1:
                    if elem.tag != NS + "disqus":
                        raise ImportFailed(
                            f"This is not a Disqus export: the file's root element is "
                            f"<{local(elem.tag)}>, where a Disqus export has <disqus "
                            f'xmlns="http://disqus.com">.'
                        )
                    root = elem
                continue
            level, depth = depth, depth - 1
            if level != 2:
                continue
            tag = elem.tag
            if tag == NS + "thread":
                self._thread(elem)
            elif tag == NS + "post":
                self._post(elem)
            elif tag == NS + "category" and not self.forum:
                self.forum = one_line(_text(elem, "forum"))
            # Processed: drop it (and anything before it) from the tree.
            del root[:]
        self._finish()
        return self.plan

    def _bool(self, elem, name: str, where: str) -> bool:
        value = _text(elem, name)
        value = (value or "").strip().lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ImportFailed(
            f"In {where}: <{name}> is {value!r}; it must be true or false (or 1 or 0). "
            "Nothing was imported."
        )

    def _date(self, elem, where: str):
        value = _text(elem, "createdAt")
        try:
            return dates.parse_iso(value)
        except dates.BadDate:
            raise ImportFailed(
                f"In {where}: <createdAt> {value!r} is not a date (expected ISO 8601, such "
                "as 2013-10-10T19:20:29Z). Nothing was imported."
            ) from None

    def _thread(self, elem) -> None:
        plan = self.plan
        dsq_id = one_line(elem.get(DSQ_ID))
        ident = one_line(_text(elem, "id"))
        title = one_line(_text(elem, "title"))
        where = f"thread dsq:id={dsq_id!r}" if dsq_id else f"thread {title or ident!r}"
        forum = one_line(_text(elem, "forum"))
        if forum and not self.forum:
            self.forum = forum
        if not dsq_id:
            plan.notes.add("Threads without dsq:id skipped (their posts could not name them)",
                           repr(title or ident))
            plan.skipped["threads without an id"] += 1
            return
        if dsq_id in self.threads or dsq_id in self.deleted_threads:
            plan.notes.add("Threads repeating an earlier thread's dsq:id skipped", dsq_id)
            plan.skipped["repeated threads"] += 1
            return
        if self._bool(elem, "isDeleted", where):
            self.deleted_threads.add(dsq_id)
            plan.skipped["deleted threads"] += 1
            return
        link = one_line(_text(elem, "link"))
        created = self._date(elem, where)
        author = elem.find(NS + "author")
        byline = ""
        if author is not None:
            byline = plain_name(_text(author, "name")) or one_line(_text(author, "username"))
        article = PlannedArticle(
            import_id=cut(dsq_id, ID_MAX),
            title="",
            slug=slug_from_url(link) or slug_from(title) or f"disqus-{slugify(dsq_id)}",
            body=html_to_paragraphs(_text(elem, "message")),
            published_at=created or timezone.now(),
            byline=cut(byline, BYLINE_MAX),
            source_url=url_or_blank(link),
            comment_policy=(
                Article.Policy.CLOSED
                if self._bool(elem, "isClosed", where)
                else Article.Policy.PRE_MODERATED
            ),
        )
        article.title = cut(title, TITLE_MAX, article.notes, "Title") or (
            f"Disqus thread {dsq_id}" + (f" ({link})" if link else "")
        )[:TITLE_MAX]
        if not title:
            article.notes.add("The thread has no title; named after its id")
        if created is None:
            article.notes.add("No date in the export; dated today")
        self.threads[dsq_id] = article
        self.thread_forums[dsq_id] = forum

    def _post(self, elem) -> None:
        plan = self.plan
        dsq_id = one_line(elem.get(DSQ_ID))
        ident = one_line(_text(elem, "id"))
        key = dsq_id or (f"id:{ident}" if ident else "")
        where = f"post dsq:id={dsq_id!r}" if dsq_id else f"post <id>{ident}</id>"
        if not key:
            plan.notes.add("Posts with neither dsq:id nor <id> skipped (a re-import could not "
                           "recognise them)")
            plan.skipped["posts without an id"] += 1
            return
        key = cut(key, KEY_MAX)
        if key in self.seen_posts:
            plan.notes.add("Posts repeating an earlier post's dsq:id skipped", key)
            plan.skipped["repeated posts"] += 1
            return
        self.seen_posts.add(key)
        deleted = self._bool(elem, "isDeleted", where)
        spam = self._bool(elem, "isSpam", where)
        created = self._date(elem, where)
        author = elem.find(NS + "author")
        name = email = author_id = ""
        if author is not None:
            name = plain_name(_text(author, "name")) or one_line(_text(author, "username"))
            email = email_or_blank(_text(author, "email"))
            author_id = cut(one_line(_text(author, "username")), 200)
        if spam:
            status, reason, note = Status.HIDDEN, Reason.SPAM, "marked spam in the Disqus export"
        elif deleted:
            status, reason, note = Status.HIDDEN, "", "deleted in Disqus"
        else:
            status, reason, note = Status.APPROVED, "", ""
        comment = PlannedComment(
            key=key,
            parent_key=_ref(elem, "parent") or None,
            author_name=cut(name or "Anonymous", AUTHOR_MAX),
            author_email=email,
            body=clean(_text(elem, "message")).strip(),
            body_format="html",
            status=status,
            created=created,  # None until _finish gives it the thread's date
            reason=reason,
            note=note,
            author_id=author_id,
        )
        self.posts.append((_ref(elem, "thread"), comment))

    def _finish(self) -> None:
        plan = self.plan
        default_forum = self.forum or "unknown-forum"
        for dsq_id, article in self.threads.items():
            article.source = cut(f"disqus:{self.thread_forums[dsq_id] or default_forum}",
                                 SOURCE_MAX)
        for thread_id, comment in self.posts:
            article = self.threads.get(thread_id)
            if article is None:
                if thread_id in self.deleted_threads:
                    plan.skipped["posts on deleted threads"] += 1
                else:
                    plan.skipped["posts on threads missing from the file"] += 1
                    plan.notes.add("Posts on a thread that is not in the file skipped",
                                   f"post {comment.key} (thread {thread_id or 'none'})")
                continue
            if comment.created is None:
                comment.created = article.published_at
                article.notes.add("Posts without a date dated as their thread",
                                  f"post {comment.key}")
            article.comments.append(comment)
        # Disqus lists every page that ever loaded its widget; a thread nobody commented
        # on would only add an empty article.
        for article in self.threads.values():
            if article.comments:
                plan.articles.append(article)
            else:
                plan.skipped["threads without posts"] += 1
