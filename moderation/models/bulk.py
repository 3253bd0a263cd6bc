"""Bulk writes for imports: COPY on PostgreSQL, ids taken from a table's sequence, and the
planner's statistics brought up to date after a big load."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connections, models, transaction


def can_copy(using: str) -> bool:
    """Whether rows can be bulk-loaded with COPY (PostgreSQL through psycopg 3)."""
    if connections[using].vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def copy_rows(model, rows: Iterable[Iterable], *, fields=None, using: str = "default") -> None:
    """Insert `rows` into `model`'s table with PostgreSQL's COPY, the fastest way in (on
    other databases, one INSERT run over all the rows: executemany()).

    Each row holds a value for each of `fields` (default: every concrete field, primary
    key first, in `model._meta.concrete_fields` order), ready for the database: str, int,
    float, aware datetime or None; JSON fields take any JSON-serialisable value. Nothing
    is validated or defaulted here, so callers pass what a model instance's attributes
    hold; columns left out take their database defaults (the primary key its next id).
    """
    connection = connections[using]
    fields = fields or model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    if not can_copy(using):
        # Each value as the field would save it (SQLite stores datetimes as text, say).
        sql = (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        with connection.cursor() as cursor:
            cursor.executemany(sql, (
                [f.get_db_prep_save(value, connection) for f, value in zip(fields, row,
                                                                           strict=True)]
                for row in rows
            ))
        return
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
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


def copy_missing_rows(model, key: str, rows: Iterable[Sequence], *, fields: Sequence[str],
                      using: str = "default") -> tuple[dict, set]:
    """Insert the rows of `model` whose `key` is not in its table yet, with COPY, and
    return {key: primary key} for every row given, new or already there, and the keys of
    the rows inserted.

    `key` names one of `fields`, a text column with a unique index over its non-blank
    values (Commenter's email_key and external_key); the rows hold a value per field,
    distinct non-blank keys, and the other columns get their model defaults. The rows go
    through a temporary table: a key someone else inserts meanwhile is skipped (ON
    CONFLICT DO NOTHING) rather than failing the whole load, and the ids come back in one
    join instead of a query per batch of keys.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    opts = model._meta
    given = [opts.get_field(name) for name in fields]
    rest = [f for f in opts.concrete_fields
            if not f.primary_key and not f.generated and f not in given]
    table, staged = quote(opts.db_table), quote(f"staged_{opts.db_table}")
    key_column, pk = quote(opts.get_field(key).column), quote(opts.pk.column)
    columns = ", ".join(quote(f.column) for f in given)
    # Only names are formatted in; every value is a parameter or travels by COPY.
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        # Shaped like the given columns only (no id default, so it takes no ids).
        cursor.execute(f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "  # noqa: S608
                       f"SELECT {columns} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY {staged} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # A temporary table has no statistics until analysed: planned as a guess, the
        # joins below can take a few thousand keys for a handful.
        cursor.execute(f"ANALYZE {staged}")
        # Keys are matched by the unique btree index alone. A trigram index (email_key's,
        # for the people search) answers "=" too, through a bitmap scan, and the planner
        # picked it when the table had grown past its last statistics within an import:
        # 2.35 ms a key instead of a few microseconds, a 150,000-comment import into a
        # site that had 15,000 commenters slowing from 13,600 to 360 comments a second.
        # A GIN index is read only by bitmap scans, so they are off for these two
        # statements.
        cursor.execute("SELECT current_setting('enable_bitmapscan'), "
                       "set_config('enable_bitmapscan', 'off', true)")
        bitmap_scans = cursor.fetchone()[0]
        # "<> ''" lets the partial unique index answer.
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {', '.join(quote(f.column) for f in rest)}) "  # noqa: S608
            f"SELECT {columns}, {', '.join(['%s'] * len(rest))} FROM {staged} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t "
            f"WHERE t.{key_column} = s.{key_column} AND t.{key_column} <> '') "
            f"ON CONFLICT DO NOTHING RETURNING {key_column}",
            [f.get_db_prep_save(f.get_default(), connection) for f in rest],
        )
        inserted = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"SELECT s.{key_column}, t.{pk} FROM {staged} s "  # noqa: S608
                       f"JOIN {table} t ON t.{key_column} = s.{key_column} "
                       f"AND t.{key_column} <> ''")
        found = dict(cursor.fetchall())
        cursor.execute("SELECT set_config('enable_bitmapscan', %s, true)", [bitmap_scans])
        cursor.execute(f"DROP TABLE {staged}")
    return found, inserted


def estimated_rows(model, *, using: str = "default") -> int | None:
    """The rows of `model`'s table as PostgreSQL's planner last counted them (VACUUM,
    ANALYZE: pg_class.reltuples), or None if never counted or not on PostgreSQL."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                       [connection.ops.quote_name(model._meta.db_table)])
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


# PostgreSQL's own rule for vacuuming a table after inserts (the defaults of
# autovacuum_vacuum_insert_threshold and autovacuum_vacuum_insert_scale_factor).
SETTLE_AFTER_ROWS = 1000
SETTLE_AFTER_SHARE = 0.2


def settle_after_load(model, added: int, *, also=(), using: str = "default") -> bool:
    """After a bulk load of `added` rows into `model`'s table, bring the planner's view of
    it and of `also`'s tables up to date, if the load changed it much: VACUUM (ANALYZE)
    on PostgreSQL, ANALYZE alone inside a transaction. Return whether it ran.

    Autovacuum does this eventually, but a service may run with it off or behind, and
    until then a million freshly imported comments are planned as an empty table: the
    queue's reason filter and the admin's list read the whole table. ANALYZE alone is
    not enough: without VACUUM's visibility map the planner prices every index read as a
    visit to the table too, and chose sequential scans for the queue's text search and
    the admin's status filter. Run it once the load has committed (the rows are then
    visible to the ANALYZE of any connection, and VACUUM cannot run inside a
    transaction); it blocks no reader or writer.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or added < SETTLE_AFTER_ROWS:
        return False
    # The rows the table had when last counted: a load does not change the count.
    if added < SETTLE_AFTER_ROWS + SETTLE_AFTER_SHARE * (estimated_rows(model, using=using)
                                                         or 0):
        return False
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for each in (model, *also):
            cursor.execute(f"{command} {connection.ops.quote_name(each._meta.db_table)}")
    return True
