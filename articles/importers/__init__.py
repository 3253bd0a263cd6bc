"""Importing articles with their comment threads: WordPress WXR, Disqus XML, our JSON.

    plan = read_plan(fileobj, "auto", filename="export.xml")  # parse, nothing written
    summary = preview(plan)                                    # what would happen
    summary = apply(plan)                                      # all of it, or nothing

The admin (ArticleAdmin's "Import articles" button) and `manage.py import_articles` both
go through these. Parsing turns the file into a Plan of plain rows (plan.py) and refuses
a file that is unsafe or broken with ImportFailed, whose message says what and where;
apply() writes in one transaction: comments through Comment.objects.bulk_create_threaded
(or, on PostgreSQL, the same numbering loaded with COPY: writer.py) and their audit rows
through moderation.services.record_import. XML is read with defusedxml guarding the
prolog (xmlsource.py). The policies for each format are in wxr.py, disqus.py and
jsonformat.py (which also documents the JSON format); re-imports and thread repairs in
engine.py.
"""

from __future__ import annotations

from django.conf import settings

from . import disqus, jsonformat, wxr
from .detect import FORMAT_NAMES, HEAD_BYTES, check_format
from .engine import POLICY, ArticleRow, Summary, apply, apply_many, preview
from .plan import ImportFailed, Plan, gc_paused

FORMAT_CHOICES = [
    ("auto", "Auto-detect"),
    ("wxr", "WordPress export (WXR)"),
    ("disqus", "Disqus export (XML)"),
    ("json", "JSON export (from export_articles)"),
]

__all__ = [
    "FORMAT_CHOICES", "FORMAT_NAMES", "POLICY", "ArticleRow", "ImportFailed", "Plan",
    "Summary", "apply", "apply_many", "check_size", "preview", "read_plan", "size_limit",
]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def size_limit() -> str:
    return _megabytes(settings.IMPORT_MAX_BYTES)


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFailed(
            f"The file is {_megabytes(size)}; imports are limited to {_megabytes(limit)} "
            "(the IMPORT_MAX_BYTES setting). Split the export, or raise the limit."
        )


def read_plan(fileobj, fmt: str = "auto", *, filename: str = "", progress=None,
              size_limited: bool = True) -> Plan:
    """Parse an export file (a binary file object) into a Plan, or raise ImportFailed.

    `size_limited=False` lifts IMPORT_MAX_BYTES, which bounds what a browser may send
    the server; the command line reads a file its operator already has on the server.
    """
    if size_limited:
        fileobj.seek(0, 2)
        check_size(fileobj.tell())
        fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    if fmt not in FORMAT_NAMES and fmt != "auto":
        raise ImportFailed(f"Unknown format {fmt!r}: choose auto, wxr, disqus or json.")
    fmt = check_format(head, fmt)
    parser = {"wxr": wxr.parse, "disqus": disqus.parse, "json": jsonformat.parse}[fmt]
    with gc_paused():
        return parser(fileobj, filename=filename, progress=progress)
