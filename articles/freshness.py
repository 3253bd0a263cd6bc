"""Each article's reader-page version: what the cached reader page is checked against.

The reader's thread of an article is cached (articles/views.py) under the version its
page was rendered at. Anything a reader sees that changes bumps the article's version
once its transaction commits: a comment's status (moderation.services.decisions.
change_status(), the one helper every status change goes through), a comment featured or
unfeatured, a comment posted or imported visible, and the article itself (Article.save()).
No cache entry is ever deleted; a page cached under an older version is simply not used.

A version is the time of the change in nanoseconds, kept in the default cache (Redis in
production). If the cache forgets a version, the next reader sets a new one, later than any
page already cached, so a lost version never brings back an old page.

Each worker keeps what it last read of a page's entries (read_entries()) and serves it
again for COMMENTS_PAGE_RECHECK_SECONDS (0.1) without asking the cache: a warm page was
mostly the wait for that round trip. A change made in the worker forgets its copy once it
commits (bump()); one made in another worker or process shows there within that time,
well inside the second a decision may take to reach readers.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from config.batching import written_at_end

VERSION_KEY = "reader:version:{}"
# A cached page is read with its version in one round trip (get_many); it lives this long
# without a change (a day), so a quiet article's page drops out by itself.
PAGE_TIMEOUT = 24 * 60 * 60


def version_key(article_id: int) -> str:
    return VERSION_KEY.format(article_id)


def new_version() -> int:
    return time.time_ns()


def bump(article_ids: Iterable[int], *, forget_copies: bool = True) -> None:
    """Give the articles a new version now (their cached pages are no longer used), and
    forget this worker's copy of their entries unless told not to."""
    version = new_version()
    ids = set(article_ids)
    cache.set_many({version_key(pk): version for pk in ids}, timeout=None)
    if forget_copies:
        for pk in ids:
            forget(pk)


# What this worker last read of each article's page entries: {article id: {keys: (when,
# found)}}, one entry per page, sort and permalink asked for. Bounded: cleared when it
# holds more articles or pages than a worker needs (a viral story has a few dozen).
_READ: dict[int, dict[tuple[str, ...], tuple[float, dict]]] = {}
MAX_ARTICLES_READ = 1_000
MAX_PAGES_READ = 200


def read_entries(article_id: int, keys: tuple[str, ...]) -> dict:
    """cache.get_many(keys) of an article's page, or this worker's copy of it if read less
    than COMMENTS_PAGE_RECHECK_SECONDS ago and not forgotten since (forget())."""
    window = settings.COMMENTS_PAGE_RECHECK_SECONDS
    now = time.monotonic()
    pages = _READ.get(article_id)
    if window > 0 and pages is not None:
        read = pages.get(keys)
        if read is not None and now - read[0] < window:
            return read[1]
    found = cache.get_many(keys)
    if window > 0:
        if len(_READ) > MAX_ARTICLES_READ:
            _READ.clear()
        pages = _READ.setdefault(article_id, {})
        if len(pages) > MAX_PAGES_READ:
            pages.clear()
        pages[keys] = (now, found)
    return found


def forget(article_id: int) -> None:
    """Drop this worker's copy of the article's page entries: the next reader asks the
    cache (after a change, or after the page's entries were written here)."""
    _READ.pop(article_id, None)


def forget_all() -> None:
    _READ.clear()


_waiting: ContextVar[set[int] | None] = ContextVar("versions_waiting", default=None)


def bumping_at_end(*, using: str | None = None):
    """Collect the articles bump_on_commit() is asked for inside, and bump each once
    when it ends: one new version for a batch of changes to an article (a ban's "hide
    all"), not one a change."""
    return written_at_end(_waiting, set, lambda ids: bump_on_commit(*sorted(ids),
                                                                      using=using))


def bump_on_commit(*article_ids: int, using: str | None = None) -> None:
    """Give the articles a new version now and again once the current transaction commits
    (once, outside a transaction).

    The bump on commit is the one that counts: a reader who rendered the page between the
    change and its commit (seeing the old rows) cached it under the first new version,
    which the second one retires. The first makes the change show to reads made later in
    the same transaction (and in tests, whose transactions never commit); if the
    transaction rolls back, it only costs one page rendered again.
    """
    ids = [pk for pk in article_ids if pk is not None]
    waiting = _waiting.get()
    if waiting is not None:
        waiting.update(ids)
        return
    if ids:
        # This worker's copy stays until the commit: its other readers would otherwise
        # render the page at once from rows not yet committed, a rendering the commit's
        # version throws away.
        bump(ids, forget_copies=False)
        transaction.on_commit(lambda: bump(ids), using=using)


# What the cached frame of an article's page (its text, its form) was made from: the
# article's `updated_at`, set here by Article.save() (and a mark by its deletion), so a
# warm page needs no database query to know its frame is current.
STAMP_KEY = "reader:article:{}"
DELETED = "deleted"


def stamp_key(article_id: int) -> str:
    return STAMP_KEY.format(article_id)


def stamp(article) -> str:
    return article.updated_at.isoformat() if article.pk else DELETED


def article_changed(article, using: str | None = None, deleted: bool = False) -> None:
    """Record an article's new stamp (and a new version for its thread) now and once the
    transaction commits."""
    key, pk = stamp_key(article.pk), article.pk
    value = DELETED if deleted else stamp(article)

    def record(forget_copies=True):
        cache.set(key, value, timeout=None)
        bump([pk], forget_copies=forget_copies)

    record(forget_copies=False)  # as in bump_on_commit()
    transaction.on_commit(record, using=using)


def ensure_version(article_id: int, found=None) -> int:
    """The article's version, given one read from the cache (`found`), or a new one set now
    if the cache has none."""
    if found is not None:
        return found
    version = new_version()
    if not cache.add(version_key(article_id), version, timeout=None):
        version = cache.get(version_key(article_id)) or version
    forget(article_id)
    return version
