"""Stream an untrusted XML export safely, and explain what is wrong with a broken one."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.ElementTree import iterparse as defused_iterparse

from .plan import ImportFailed

REFUSED_DTD = (
    "The file declares a document type (<!DOCTYPE {name}>). Export files never "
    "need one, and a DTD can hide an entity bomb or read files from the server, so the file "
    "was refused."
)
REFUSED_ENTITY = (
    "The file declares XML entities ({name}). They can expand into gigabytes "
    "(“billion laughs”) or read files from the server, so the file was refused."
)
REFUSED_EXTERNAL = (
    "The file refers to an external entity ({name}), which could read files from the "
    "server; the file was refused."
)


def _hint(reason: str, line: int, column: int, head: bytes) -> str:
    if reason.startswith(("no element found", "unclosed token")):
        return " The file ends too early: it may have been cut off during the export or upload."
    if reason.startswith("undefined entity"):
        return (" XML knows only &amp; &lt; &gt; &quot; and &apos;; HTML entities such as "
                "&nbsp; must be inside CDATA.")
    if reason.startswith("mismatched tag"):
        return " An element is closed by the wrong tag: is a closing tag missing?"
    if (line, column) == (1, 0):
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        stray = start.split(b"<", 1)[0][:12]
        if stray:
            shown = stray.decode("utf-8", "replace")
            return f" Something comes before the XML starts: {shown!r}."
    return ""


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']+)["']""")


def _not_utf8_at(fileobj, head: bytes) -> int | None:
    """Where a file that says no other encoding stops being UTF-8 (XML's default), if it
    does: the offset of its first byte UTF-8 cannot read."""
    declared = _DECLARED_ENCODING.match(head.lstrip(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    decoder, offset = codecs.getincrementaldecoder("utf-8")(), 0
    fileobj.seek(0)
    while chunk := fileobj.read(1 << 20):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as error:
            return offset + error.start
        offset += len(chunk)
    return None


def describe_parse_error(error: ParseError, head: bytes) -> str:
    line, column = getattr(error, "position", (0, 0))
    reason = str(error).split(": line ", 1)[0]
    return (
        f"The file is not well-formed XML: {reason} at line {line}, column {column + 1}."
        + _hint(reason, line, column, head)
    )


class ProgressReader:
    """A binary file that reports how many bytes have been read, for a progress bar."""

    def __init__(self, fileobj, progress):
        self._file = fileobj
        self._progress = progress

    def read(self, size=-1):
        data = self._file.read(size)
        if data:
            self._progress(len(data))
        return data


def _prolog_is_safe(fileobj) -> None:
    """Read the file up to its root element's start tag with defusedxml, DTDs forbidden."""
    for _event in defused_iterparse(fileobj, events=("start",), forbid_dtd=True):
        return


def safe_iterparse(fileobj, *, events=("start", "end"), progress=None
                   ) -> Iterator[tuple[str, Element]]:
    """Yield iterparse events for an untrusted XML file; refuse it with ImportFailed.

    defusedxml (forbid_dtd=True) reads the file up to the start of its root element first.
    That prolog is the only place XML allows a document type declaration, and so the only
    place an entity can be declared: billion laughs, external entities and remote DTDs
    are all refused there. The whole file is then read by the standard library's C
    parser, twice as fast as defusedxml's pure-Python one (the 100,000-comment benchmark
    needs it): past the root's start tag a DTD or entity declaration is a syntax error
    to any XML parser, and a reference to an undeclared entity is an error too.
    """
    fileobj.seek(0)
    head = fileobj.read(64)
    fileobj.seek(0)
    try:
        _prolog_is_safe(fileobj)
        fileobj.seek(0)
        source = ProgressReader(fileobj, progress) if progress else fileobj
        # Safe: the prolog passed defusedxml just above (see the docstring).
        yield from ElementTree.iterparse(source, events=events)  # noqa: S314
    except ParseError as error:
        at = _not_utf8_at(fileobj, head) if str(error).startswith("not well-formed") else None
        if at is not None:
            raise ImportFailed(
                f"The file is not UTF-8, and its XML declaration names no other encoding: "
                f"byte {at} cannot be read. Export it again as UTF-8, or declare the "
                f'encoding it is in (<?xml version="1.0" encoding="ISO-8859-1"?>).') from None
        raise ImportFailed(describe_parse_error(error, head)) from None
    except DTDForbidden as error:
        raise ImportFailed(REFUSED_DTD.format(name=error.name or "…")) from None
    except EntitiesForbidden as error:
        raise ImportFailed(REFUSED_ENTITY.format(name=error.name)) from None
    except DefusedXmlException as error:
        raise ImportFailed(REFUSED_EXTERNAL.format(name=getattr(error, "sysid", "") or error)
                           ) from None
    except (ValueError, LookupError) as error:
        # pyexpat refuses some encodings it cannot handle with a plain ValueError.
        raise ImportFailed(f"The file could not be read as XML: {error}.") from None


def local(tag: str) -> str:
    """The tag without its namespace: {http://wordpress.org/export/1.2/}comment → comment."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
