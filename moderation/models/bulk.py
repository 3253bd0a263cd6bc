"""Bulk writes for imports: COPY on PostgreSQL and ids taken from a table's sequence."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connections, models


def can_copy(using: str) -> bool:
    """Whether rows can be bulk-loaded with COPY (PostgreSQL through psycopg 3)."""
    if connections[using].vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def copy_rows(model, rows: Iterable[Iterable], *, fields=None, using: str = "default") -> None:
    """Insert `rows` into `model`'s table with PostgreSQL's COPY, the fastest way in.

    Each row holds a value for each of `fields` (default: every concrete field, primary
    key first, in `model._meta.concrete_fields` order), ready for the database: str, int,
    float, aware datetime or None; JSON fields take any JSON-serialisable value. Nothing
    is validated or defaulted here, so callers pass what a model instance's attributes
    hold; columns left out take their database defaults (the primary key its next id).
    """
    connection = connections[using]
    fields = fields or model._meta.concrete_fields
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        dumped: dict[int, tuple[object, str]] = {}  # id → (value, JSON): defaults repeat
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    value = row[i]
                    known = dumped.get(id(value))
                    if known is None or known[0] is not value:
                        known = dumped[id(value)] = (value, json.dumps(value))
                    row[i] = known[1]
            copy.write_row(row)


def allocate_ids(model, count: int, *, using: str = "default") -> Sequence[int]:
    """Take `count` primary keys from the PostgreSQL sequence of `model`'s table."""
    connection = connections[using]
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        # Looked up once: as an argument of nextval() it would be looked up for every id.
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                       [connection.ops.quote_name(table), column])
        [sequence] = cursor.fetchone()
        # Usually nobody else takes ids meanwhile and they come as one run: then only its
        # ends travel back, not a hundred thousand rows.
        cursor.execute(
            "WITH ids AS MATERIALIZED ("
            " SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s))"
            " SELECT min(id), max(id),"
            " CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL ELSE array_agg(id) END"
            " FROM ids",
            [sequence, count],
        )
        first, last, scattered = cursor.fetchone()
    if count == 0:
        return []
    return scattered if scattered is not None else range(first, last + 1)
