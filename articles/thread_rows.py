"""The rows of a reader's thread as HTML, in one flat loop.

Each row is a comment, a placeholder, or a "show N more replies" link (moderation.threads
.ThreadItem, whose URLs, dates and classes are made beforehand from one reversed prefix).
Django's template engine spent about three times as long per row as making the rows'
data: a 10,000-comment thread is rendered here with f-strings instead, text escaped with
the standard library's html.escape (the body is already safe HTML from render_body()).
The markup is the page's; templates/articles/thread.html puts the rows in their list.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe

# True whether a moderator or the triage will publish it (the notice after posting says
# which, articles/views.py).
AWAITING_NOTE = "Your comment is not published yet. Only you can see it until it is."


def render_rows(items: Iterable) -> SafeString:
    """The `<li>` rows of `items` (ThreadItems), in their order."""
    out: list[str] = []
    append = out.append
    for c in items:
        if c.more:
            replies = "reply" if c.more == 1 else "replies"
            append(
                f'<li class="show-more" data-depth="{c.depth}"><a class="show-more-link btn '
                f'btn-link btn-sm px-0" href="{c.more_url}" hx-get="{c.more_url}" '
                f'hx-target="closest li" hx-swap="outerHTML" rel="nofollow">Show {c.more} '
                f"more {replies}</a></li>\n"
            )
            continue
        if c.placeholder:
            append(
                f'<li id="c{c.id}" class="{c.classes}" data-depth="{c.depth}"><p class="'
                f'placeholder-text fst-italic text-body-secondary mb-0">{escape(c.placeholder)}'
                "</p></li>\n"
            )
            continue
        meta = (
            f'<li id="c{c.id}" class="{c.classes}" data-depth="{c.depth}">\n'
            f'<div class="comment-meta small"><span class="author fw-semibold">'
            f"{escape(c.author_name)}</span> · <a class=\"permalink text-body-secondary\" "
            f'href="{c.permalink}"><time datetime="{c.created_iso}">{c.created_text}</time></a>'
        )
        if c.parent_id:
            parent = escape(c.parent_author) if c.parent_author else "an unpublished comment"
            meta += (f' · <a class="in-reply-to text-body-secondary" href="#c{c.parent_id}">'
                     f"in reply to {parent}</a>")
        if c.featured:
            meta += ' · <span class="badge text-bg-info featured-badge">Featured</span>'
        if c.awaiting:
            meta += (' · <span class="badge text-bg-warning awaiting-badge">'
                     "Awaiting moderation</span>")
            tail = (f'<p class="awaiting-note small text-body-secondary fst-italic mb-0">'
                    f"{AWAITING_NOTE}</p>")
        else:
            reply = (
                f'<a class="reply-link link-secondary me-3" href="{c.reply_url}" '
                f'hx-get="{c.reply_url}" hx-target="#slot-{c.id}">Reply</a>'
                if c.reply_url else ""
            )
            tail = (
                f'<div class="comment-actions small">{reply}<a class="report-link '
                f'link-secondary" href="{c.report_url}" hx-get="{c.report_url}" '
                f'hx-target="#slot-{c.id}" rel="nofollow">Report</a></div>\n'
                f'<div id="slot-{c.id}" class="comment-slot"></div>'
            )
        append(f'{meta}</div>\n<div class="comment-body">{c.html}</div>\n{tail}\n</li>\n')
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped; html is safe
