"""A stored comment body as a page shows it, and as a reader reads it.

Text bodies (typed here) are escaped; only line breaks and links become markup.
HTML bodies (imported from WordPress or Disqus) pass through an allowlist sanitiser.
plain_text() is the one way from HTML to text: the triage scores it, the moderator's
excerpts show it, the importers make article bodies with it.
"""

import re
from html import escape
from html.parser import HTMLParser

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

LINK_REL = "nofollow ugc noopener"

# A link as readers write one: with a scheme, or starting "www.". It runs to the next
# space, quote or angle bracket; trailing punctuation is prose.
URL_RE = re.compile(r"""\b(?:https?://|www\.)[^\s<>"']+""", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "i", "ins", "li",
    "ol", "p", "pre", "q", "s", "strike", "strong", "sub", "sup", "u", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "q": {"cite"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _link(url: str) -> str:
    href = escape(url if "://" in url else f"https://{url}", quote=True)
    return f'<a href="{href}" rel="{LINK_REL}">{escape(url, quote=True)}</a>'


def render_text(body: str) -> SafeString:
    """Escape a plain-text body, keep its line breaks and make its URLs clickable."""
    out = []
    pos = 0
    for match in URL_RE.finditer(body):
        url = match.group(0)
        stripped = url.rstrip(TRAILING)
        # Keep a closing parenthesis that belongs to the URL, as in Wikipedia links.
        while (
            stripped != url
            and url[len(stripped)] == ")"
            and stripped.count("(") > stripped.count(")")
        ):
            stripped += ")"
        out.append(escape(body[pos : match.start()], quote=True))
        out.append(_link(stripped))
        pos = match.start() + len(stripped)
    out.append(escape(body[pos:], quote=True))
    html = "".join(out).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>\n")
    return mark_safe(html)  # noqa: S308 - every piece above was escaped


def render_html(body: str) -> SafeString:
    """Sanitise an HTML body with an allowlist; links get rel=nofollow ugc noopener."""
    cleaned = nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 keeps only the allowlist


def render_body(body: str, body_format: str) -> SafeString:
    if body_format == "html":
        return render_html(body)
    return render_text(body)


def mark_sentence(html: SafeString, sentence: str, title: str) -> SafeString:
    """Wrap the first place `sentence` appears in the text of a rendered body (not in a
    tag or its attributes) in <mark>, so a moderator's eye goes to it; unchanged where it
    does not appear as written (across a link or a line break)."""
    for needle in dict.fromkeys((escape(sentence, quote=True), escape(sentence, quote=False))):
        at = html.find(needle)
        while at >= 0 and html.rfind("<", 0, at) > html.rfind(">", 0, at):
            at = html.find(needle, at + 1)  # inside a tag: an attribute's value
        if at >= 0:
            marked = (f'{html[:at]}<mark class="mod-worst-sentence" '
                      f'title="{escape(title, quote=True)}">{needle}</mark>'
                      f"{html[at + len(needle):]}")
            return mark_safe(marked)  # noqa: S308 - safe HTML with an escaped title added
    return html


BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}
# Their content is not text a reader sees.
SKIPPED_TAGS = {"script", "style", "noscript", "template", "iframe", "object", "svg"}
SPACES = re.compile(r"[ \t\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Return the text of HTML as a reader reads it: no tags, entities decoded, one
    paragraph (or other block) per line, blank lines dropped."""
    if not html:
        return ""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts).replace("\r\n", "\n").replace("\r", "\n")
    lines = (SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def plain_text(body: str, body_format: str = "text") -> str:
    """Return what a reader reads of a comment's body: a text body as written, an HTML
    body's text."""
    if body_format == "html":
        return html_to_text(body)
    return body


def excerpt(comment, length: int = 140) -> str:
    """The start of a comment's body as plain text, on one line (escape it to show it)."""
    text = plain_text(comment.body, comment.body_format)
    return Truncator(" ".join(text.split())).chars(int(length))

