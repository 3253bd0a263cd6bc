"""How far a running import has got, told by the worker to the progress page.

The import writes in one transaction, so nothing it writes to the database shows before
it commits (and on SQLite, another write would wait for it): its progress goes through
the "progress" cache instead (Redis, or files shared by the processes of one machine;
config/settings.py), which the web reads.
"""

from __future__ import annotations

import time

from django.core.cache import caches

# Share of the whole import taken by reading the file; the rest is writing.
READING_SHARE = 0.4
# The worker writes at most this often; the page polls every couple of seconds.
EVERY_SECONDS = 0.5
KEEP_SECONDS = 24 * 60 * 60


def _key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def read(job_id: int) -> dict:
    """The last progress reported for the job, with `percent` and `seconds_left`."""
    state = caches["progress"].get(_key(job_id)) or {}
    return {**state, **estimate(state)}


def estimate(state: dict, now: float | None = None) -> dict:
    """Percent done and seconds left (None while there is nothing to go on)."""
    size, read_bytes = state.get("size") or 0, state.get("bytes_read", 0)
    total, written = state.get("comments_total") or 0, state.get("comments_written", 0)
    reading = min(1.0, read_bytes / size) if size else 0.0
    writing = min(1.0, written / total) if total else (1.0 if state.get("writing") else 0.0)
    done = READING_SHARE * reading + (1 - READING_SHARE) * writing
    started = state.get("started")
    seconds_left = None
    if started and 0.02 < done < 1:
        elapsed = (now or time.time()) - started
        seconds_left = round(elapsed / done * (1 - done))
    return {"percent": round(100 * done), "seconds_left": seconds_left}


class Reporter:
    """Counts an import's progress and writes it, at most every EVERY_SECONDS."""

    def __init__(self, job_id: int, *, size: int):
        self.job_id = job_id
        self.state = {"started": time.time(), "size": size, "bytes_read": 0,
                      "comments_total": 0, "comments_written": 0, "articles_written": 0,
                      "writing": False}
        self._last = 0.0
        self._write(force=True)

    def read_bytes(self, n: int) -> None:
        self.state["bytes_read"] += n
        self._write()

    def start_writing(self, comments_total: int) -> None:
        self.state.update(writing=True, comments_total=comments_total,
                          bytes_read=self.state["size"])
        self._write(force=True)

    def wrote_comments(self, n: int) -> None:
        self.state["comments_written"] += n
        self._write()

    def wrote_articles(self, n: int) -> None:
        self.state["articles_written"] += n
        self._write()

    def flush(self) -> None:
        """Write the counts now, whenever they were last written."""
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.time()
        if force or now - self._last >= EVERY_SECONDS:
            self._last = now
            caches["progress"].set(_key(self.job_id), self.state, timeout=KEEP_SECONDS)
