"""Read a WordPress export (WXR 1.0, 1.1 or 1.2; http:// or https:// namespaces).

Published posts and pages become articles, their comments the threads. Policies:

- Items of other types (attachments, menu items, …) and posts or pages that are not
  published (drafts, private, scheduled, trashed) are skipped and counted, with their
  comments. An item without wp:post_type is a post; one without wp:status is taken as
  published (RSS items are published content) with a warning.
- Comment ids are per export and may repeat across items, so parents are looked up
  within the item only.
- comment_approved: 1 → approved, 0 → pending, spam → hidden with a spam flag, trash and
  post-trashed → hidden. A missing or unknown value → pending (a moderator decides), with
  a warning.
- Pingbacks and trackbacks are skipped and counted; comments of other types (such as
  WooCommerce order notes, which are private) are skipped with a warning.
- A comment's HTML is kept as html (rendering sanitises it); its bare line breaks become
  paragraphs and <br> as WordPress shows them. A post's HTML becomes plain text, one
  paragraph per line. A password-protected post's text is not imported.
- Dates come from the *_gmt fields, then pubDate, then the local-time fields (read as
  UTC). A date that is present but not a date refuses the file, naming the item.
"""

from __future__ import annotations

import re

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
    OUTLET_MAX,
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
    source_from_url,
    url_or_blank,
)
from .text import comment_html, html_to_paragraphs, plain_name
from .xmlsource import local, safe_iterparse

WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/(\d+\.\d+)/$")
KNOWN_VERSIONS = {"1.0", "1.1", "1.2"}
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
CREATOR = "{http://purl.org/dc/elements/1.1/}creator"

APPROVED_VALUES = {
    "1": (Status.APPROVED, "", ""),
    "approve": (Status.APPROVED, "", ""),
    "0": (Status.PENDING, "", ""),
    "hold": (Status.PENDING, "", ""),
    "spam": (Status.HIDDEN, Reason.SPAM, "marked spam in the WordPress export"),
    "trash": (Status.HIDDEN, "", "in the WordPress trash"),
    "post-trashed": (Status.HIDDEN, "", "its post was in the WordPress trash"),
}
PINGS = {"pingback", "trackback"}
ARTICLE_TYPES = {"post", "page"}


class _Tags:
    """Full tag names in the file's WordPress namespace, computed once."""

    def __init__(self, uri: str):
        for name in (
            "post_id", "post_date", "post_date_gmt", "comment_status", "post_name", "status",
            "post_type", "post_password", "comment", "comment_id", "comment_author",
            "comment_author_email", "comment_date", "comment_date_gmt", "comment_content",
            "comment_approved", "comment_type", "comment_parent", "base_site_url",
            "base_blog_url", "wxr_version", "author", "author_login", "author_display_name",
            "comment_user_id",
        ):
            setattr(self, name, f"{{{uri}}}{name}")


def _token(value: str | None) -> str:
    """An id or keyword: XML text holds no NUL or surrogates, so stripping is enough."""
    return value.strip() if value else ""


def parse(fileobj, *, filename: str = "", progress=None) -> Plan:
    return _WxrReader(filename).read(fileobj, progress)


class _WxrReader:
    def __init__(self, filename: str):
        self.plan = Plan("wxr", filename)
        self.tags: _Tags | None = None
        self.version = ""
        self.channel: dict[str, str] = {}
        self.authors: dict[str, str] = {}
        self.seen_ids: set[str] = set()
        self.items = 0

    def read(self, fileobj, progress) -> Plan:
        # End events only (and namespace declarations): half the events of start+end, and
        # a WXR file's structure is fixed enough to need no depth tracking. Each comment is
        # read as it ends and cleared, each item likewise, so even a post with a huge
        # thread never sits in memory as elements; an empty shell per item remains.
        comment_tag = None
        raw_comments: list[tuple[object, dict]] = []
        channel = last = None
        for event, elem in safe_iterparse(fileobj, events=("start-ns", "end"),
                                          progress=progress):
            if event == "start-ns":
                self._namespace(elem[1])
                comment_tag = self.tags.comment if self.tags else None
                continue
            tag = elem.tag
            if tag == comment_tag:
                raw_comments.append((elem, {child.tag: child.text for child in elem}))
                elem.clear()
            elif tag == "item":
                self._item(elem, raw_comments)
                raw_comments = []
                elem.clear()
            elif tag == "channel":
                channel = elem
                self._channel(elem)
            last = elem
        if last is not None and last.tag != "rss":
            raise ImportFailed(
                f"This is not a WordPress export: the file's root element is "
                f"<{local(last.tag)}>, where a WXR file has <rss>."
            )
        if self.tags is None:
            raise ImportFailed(
                "This is an RSS feed, not a WordPress export: it lacks the WordPress export "
                "namespace (wordpress.org/export/1.x/)."
            )
        if channel is None:
            raise ImportFailed("This is not a WordPress export: the <rss> element has no "
                               "<channel>.")
        self._finish()
        return self.plan

    def _namespace(self, uri: str) -> None:
        match = WP_NAMESPACE.match(uri)
        if match and self.tags is None:
            self.tags = _Tags(uri)
            self.version = match.group(1)
            if self.version not in KNOWN_VERSIONS:
                self.plan.notes.add(
                    f"WXR version {self.version} is newer than this importer knows (1.2); "
                    "read as 1.2"
                )

    def _channel(self, channel) -> None:
        """Read the site's name, address and authors once the channel has ended."""
        tags = self.tags
        for elem in channel:
            if tags is not None and elem.tag == tags.author:
                login = one_line(elem.findtext(tags.author_login))
                name = one_line(elem.findtext(tags.author_display_name))
                if login:
                    self.authors[login] = name or login
            elif elem.tag in ("title", "link") or (
                tags is not None and elem.tag in (tags.base_blog_url, tags.base_site_url)
            ):
                self.channel.setdefault(local(elem.tag), one_line(elem.text))

    def _item(self, elem, raw_comments: list[tuple[object, dict]]) -> None:
        tags = self.tags
        if tags is None:
            raise ImportFailed(
                "This is not a WordPress export: its items lack the WordPress export "
                "namespace (wordpress.org/export/1.x/)."
            )
        self.items += 1
        fields = {child.tag: child.text for child in elem}
        plan = self.plan
        if raw_comments:
            # Only this item's own comments: one misplaced outside any item would otherwise
            # land on the next item.
            mine = {id(child) for child in elem}
            outside = [raw for el, raw in raw_comments if id(el) not in mine]
            if outside:
                plan.notes.add("Comments outside any item skipped", count=len(outside))
                plan.skipped["comments outside any item"] += len(outside)
            raw_comments = [raw for el, raw in raw_comments if id(el) in mine]
        # WordPress titles are HTML ("Title <em>With</em> Markup", "Caf&eacute;"); ours are text.
        title = " ".join(html_to_paragraphs(fields.get("title")).split("\n"))
        post_type = one_line(fields.get(tags.post_type)).lower()
        if not post_type:
            post_type = "post"
            plan.notes.add("Items without wp:post_type were read as posts",
                           repr(title or f"item {self.items}"))
        status = one_line(fields.get(tags.status)).lower()
        if post_type not in ARTICLE_TYPES:
            plan.skipped[f"{post_type} items"] += 1
            self._skip_comments(raw_comments)
            return
        if not status:
            status = "publish"
            plan.notes.add("Posts or pages without wp:status were taken as published",
                           repr(title or f"item {self.items}"))
        if status != "publish":
            plan.skipped[f"{status} posts and pages (not published)"] += 1
            self._skip_comments(raw_comments)
            return

        post_id = one_line(fields.get(tags.post_id))
        guid = one_line(fields.get("guid"))
        link = one_line(fields.get("link"))
        import_id = post_id or (f"guid:{guid}" if guid else "") or (f"link:{link}" if link else "")
        where = f"item {title!r}" + (f" (wp:post_id {post_id})" if post_id else "")
        if not import_id:
            plan.notes.add("Posts or pages with no wp:post_id, guid or link were skipped "
                           "(nothing identifies them for a later re-import)", repr(title))
            plan.skipped["posts and pages without an id"] += 1
            self._skip_comments(raw_comments)
            return
        import_id = cut(import_id, ID_MAX)
        if import_id in self.seen_ids:
            plan.notes.add("Items that repeat an earlier item's id were skipped", where)
            plan.skipped["repeated items"] += 1
            self._skip_comments(raw_comments)
            return
        self.seen_ids.add(import_id)

        published = self._date(where, fields, tags.post_date_gmt, "pubDate", tags.post_date)
        article = PlannedArticle(
            import_id=import_id,
            title="",
            slug=slug_from(fields.get(tags.post_name), slug_from_url(link), title)
            or f"wxr-{slugify(post_id) or self.items}",
            body="",
            published_at=published or timezone.now(),
            byline=one_line(fields.get(CREATOR)),  # a login until _finish() names it
            source_url=url_or_blank(link),
            comment_policy=(
                Article.Policy.CLOSED
                if one_line(fields.get(tags.comment_status)).lower() == "closed"
                else Article.Policy.PRE_MODERATED
            ),
        )
        article.title = cut(title, TITLE_MAX, article.notes, "Title") or (
            f"Untitled {post_type} {post_id}".strip()
        )
        if published is None:
            article.notes.add("No date in the export; dated today")
        if clean(fields.get(tags.post_password)).strip():
            article.notes.add(
                "Password-protected in WordPress: its text was not imported, and its "
                "approved comments will be public here"
            )
        else:
            article.body = html_to_paragraphs(fields.get(CONTENT))
        self._comments(article, where, raw_comments)
        plan.articles.append(article)

    def _skip_comments(self, raw_comments: list[dict]) -> None:
        if raw_comments:
            self.plan.skipped["comments on skipped items"] += len(raw_comments)

    def _date(self, where: str, fields: dict, *names: str):
        for name in names:
            value = fields.get(name)
            try:
                parsed = (dates.parse_rfc2822 if name == "pubDate" else dates.parse_wp)(value)
            except dates.BadDate:
                raise ImportFailed(
                    f"In {where}: {local(name)} {value!r} is not a date."
                ) from None
            if parsed is not None:
                return parsed
        return None

    def _comments(self, article: PlannedArticle, where: str, raw_comments: list[dict]) -> None:
        tags = self.tags
        plan = self.plan
        notes = article.notes
        seen: set[str] = set()
        for raw in raw_comments:
            kind = _token(raw.get(tags.comment_type)).lower()
            comment_id = _token(raw.get(tags.comment_id))
            if kind in PINGS:
                plan.skipped["pingbacks and trackbacks"] += 1
                notes.add("Pingbacks and trackbacks skipped", f"comment {comment_id}")
                continue
            if kind not in ("", "comment"):
                plan.skipped[f"comments of type {kind!r}"] += 1
                notes.add(f"Comments of type {kind!r} skipped (not reader comments)",
                          f"comment {comment_id}")
                continue
            if not comment_id:
                plan.skipped["comments without an id"] += 1
                notes.add("Comments without wp:comment_id skipped (a re-import could not "
                          "recognise them)")
                continue
            key = cut(comment_id, KEY_MAX)
            if key in seen:
                plan.skipped["repeated comments"] += 1
                notes.add("Comments repeating an earlier comment's id skipped",
                          f"comment {comment_id}")
                continue
            seen.add(key)

            approved = raw.get(tags.comment_approved)
            approved = _token(approved).lower() if approved is not None else None
            if approved in APPROVED_VALUES:
                status, reason, note = APPROVED_VALUES[approved]
            elif approved is None:
                status, reason, note = Status.PENDING, "", "no status in the WordPress export"
                notes.add("Comments without comment_approved held as pending",
                          f"comment {comment_id}")
            else:
                status, reason = Status.PENDING, ""
                note = f"unknown WordPress status {approved!r}"
                notes.add("Comments with an unknown status held as pending",
                          f"comment {comment_id} ({approved!r})")

            parent = _token(raw.get(tags.comment_parent))
            created = self._date(f"{where}, comment {comment_id}", raw,
                                 tags.comment_date_gmt, tags.comment_date)
            if created is None:
                created = article.published_at
                notes.add("Comments without a date dated as their article",
                          f"comment {comment_id}")
            name = plain_name(raw.get(tags.comment_author)) or "Anonymous"
            user_id = _token(raw.get(tags.comment_user_id))
            article.comments.append(PlannedComment(
                key=key,
                parent_key=None if parent in ("", "0") else parent,
                author_name=cut(name, AUTHOR_MAX),
                author_email=email_or_blank(raw.get(tags.comment_author_email)),
                body=comment_html(raw.get(tags.comment_content)),
                body_format="html",
                status=status,
                created=created,
                reason=reason,
                note=note,
                # WordPress gives guests user id 0.
                author_id="" if user_id in ("", "0") else cut(f"user:{user_id}", 200),
            ))

    def _finish(self) -> None:
        channel = self.channel
        site = (
            source_from_url(channel.get("base_blog_url"))
            or source_from_url(channel.get("link"))
            or source_from_url(channel.get("base_site_url"))
            or slugify(channel.get("title", ""))
            or "unknown-site"
        )
        source = cut(f"wxr:{site}", SOURCE_MAX)
        outlet = cut(channel.get("title", ""), OUTLET_MAX)
        for article in self.plan.articles:
            article.source = source
            article.outlet = outlet
            article.byline = cut(self.authors.get(article.byline) or article.byline,
                                 BYLINE_MAX)
