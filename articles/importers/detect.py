"""Tell the export formats apart from a file's first bytes, and name what else it is."""

from __future__ import annotations

import re

from .plan import ImportFailed

FORMAT_NAMES = {
    "wxr": "a WordPress export (WXR)",
    "disqus": "a Disqus export",
    "json": "an export in our JSON format",
}
HEAD_BYTES = 8192

# Files people upload by mistake, by their magic bytes.
NOT_EXPORTS = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (unzip it and upload the export file inside)"),
    (b"\x1f\x8b", "a gzip-compressed file (decompress it and upload the export file inside)"),
    (b"BZh", "a bzip2-compressed file (decompress it first)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
]

WXR_MARK = re.compile(rb"xmlns(?::\w+)?=[\"']https?://wordpress\.org/export/", re.IGNORECASE)
DISQUS_MARK = re.compile(rb"<disqus[\s>]")


def sniff(head: bytes) -> str:
    """Return "wxr", "disqus", "json", or raise ImportFailed saying what the file is instead."""
    for magic, what in NOT_EXPORTS:
        if head.startswith(magic):
            raise ImportFailed(f"This is {what}, not an export file.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16: only XML declares its own encoding; decode enough to look.
        text = head.decode("utf-16", "ignore").encode("utf-8")
    else:
        text = head
    stripped = text.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise ImportFailed("The file is empty.")
    if stripped[:1] in (b"{", b"["):
        return "json"
    if WXR_MARK.search(text):
        return "wxr"
    if DISQUS_MARK.search(text):
        return "disqus"
    if stripped.startswith(b"<"):
        raise ImportFailed(
            "This is an XML file, but neither a WordPress export (WXR: an <rss> document with "
            "the wordpress.org/export namespace) nor a Disqus export (a <disqus> document)."
        )
    if b"\x00" in head:
        raise ImportFailed("This is a binary file, not an export file.")
    raise ImportFailed(
        "This is not an export file we know: expected a WordPress export (WXR), a Disqus "
        "export or our JSON format."
    )


def check_format(head: bytes, chosen: str) -> str:
    """Return the format to parse with: the sniffed one for "auto", else `chosen` if it fits."""
    if chosen == "auto":
        return sniff(head)
    try:
        found = sniff(head)
    except ImportFailed as error:
        raise ImportFailed(f"{error} (You chose {FORMAT_NAMES[chosen]}.)") from None
    if found != chosen:
        raise ImportFailed(
            f"This looks like {FORMAT_NAMES[found]}, not {FORMAT_NAMES[chosen]}. Choose "
            "“auto-detect” or the right format."
        )
    return found
