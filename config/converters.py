"""Database ids as requests name them: in a URL (`<id:…>`, registered on import, once:
Python runs a module once, and Django warns of a converter name registered twice) and in
a form's values (is_id()).

A number past 64 bits reaches the database driver as an OverflowError (SQLite) or an
out-of-range error (PostgreSQL): a server error for an id no row has. An id of at most 18
digits always fits; a longer one matches no URL (the 404 of any other wrong address) and
is not an id to a form.
"""

import re

from django.urls import register_converter

ID_PATTERN = "[0-9]{1,18}"
_ID_RE = re.compile(ID_PATTERN)


def is_id(text: str) -> bool:
    return bool(_ID_RE.fullmatch(text))


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
