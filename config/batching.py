"""Changes collected through a block of work and written once when it ends.

A batch (an import, a ban's "hide all") changes the same few rows again and again: the
queue counters, a person's record, an article's reader-page version. Inside
`written_at_end(waiting, ...)` the code that would write such a change adds it to what
`waiting` holds instead, and the whole is written once, when the outermost block ends
without an error (nested blocks leave it to the outer one; a failed block writes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def written_at_end(waiting: ContextVar[T | None], make: Callable[[], T],
                   write: Callable[[T], None]):
    """Set `waiting` to a new `make()` for the block, then `write()` what it collected."""
    if waiting.get() is not None:
        yield  # nested: the outer one writes
        return
    collected = make()
    token = waiting.set(collected)
    try:
        yield
    finally:
        waiting.reset(token)
    # Reached only when the block succeeded.
    write(collected)
