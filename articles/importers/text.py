"""Turn WordPress and Disqus markup into what our models store.

An article's body here is plain text, one paragraph per line, so post HTML is reduced to
its text. Comment HTML is kept (body_format "html"; render_body sanitises it when shown),
but WordPress stores comments with bare line breaks that only its wpautop() turns into
paragraphs, so those breaks are made explicit here.
"""

import re
from html import unescape

from moderation.rendering import html_to_text

from .plan import clean

# WordPress shortcodes such as [caption id="x"]…[/caption]: the markers go, the text stays.
SHORTCODE = re.compile(
    r"\[/?(?:caption|wp_caption|gallery|embed|audio|video|playlist)\b[^\]]*\]", re.IGNORECASE
)


def html_to_paragraphs(html: str | None) -> str:
    """Return the text of an HTML post, one paragraph per line, blank lines dropped."""
    if not html:
        return ""
    return html_to_text(SHORTCODE.sub("", clean(html)))


_BLOCK_START = re.compile(
    r"^<(?:p|div|blockquote|ul|ol|pre|table|h[1-6]|figure|dl|hr)\b", re.IGNORECASE
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def comment_html(body: str | None) -> str:
    """Make WordPress's implicit paragraphs explicit, as its wpautop() does when showing them.

    Blank lines end a paragraph and single line breaks become <br>, except in chunks that
    already start with a block element (those are left as written).
    """
    body = clean(body).replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\n" not in body:
        return body
    chunks = [chunk.strip() for chunk in _PARAGRAPH_BREAK.split(body) if chunk.strip()]
    out = []
    for chunk in chunks:
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)


def plain_name(value: str | None) -> str:
    """An author's name as text: WordPress sometimes stores it with HTML entities."""
    value = clean(value)
    if "&" in value:
        value = unescape(value)
    return " ".join(value.split())
