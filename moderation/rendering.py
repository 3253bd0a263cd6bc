"""Turn a stored comment body into HTML that is safe to put in a page.

Text bodies (typed here) are escaped; only line breaks and links become markup.
HTML bodies (imported from WordPress or Disqus) pass through an allowlist sanitiser.
"""

import re
from html import escape

import nh3
from django.utils.safestring import SafeString, mark_safe

LINK_REL = "nofollow ugc noopener"

# A URL runs to the next space, quote or angle bracket; trailing punctuation is prose.
URL_RE = re.compile(r"""\bhttps?://[^\s<>"']+""", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "i", "ins", "li",
    "ol", "p", "pre", "q", "s", "strike", "strong", "sub", "sup", "u", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "q": {"cite"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _link(url: str) -> str:
    href = escape(url, quote=True)
    return f'<a href="{href}" rel="{LINK_REL}">{href}</a>'


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
